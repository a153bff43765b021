internal import CLibPQ
import Foundation
import TextAlgorithms

extension PostgresConfiguration {
    /// The DSN with every secret removed, for logs and reports (libpq marks secrets with dispchar "*").
    ///
    /// An unparsable DSN yields a fixed placeholder rather than the text, which may hold a password.
    public var redactedDSN: String {
        guard let dsn, !dsn.isEmpty else { return "(PG* environment)" }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(dsn, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return "(unparsable connection string)"
        }
        defer { PQconninfoFree(options) }
        var parts: [String] = []
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                let isSecret = cursor.pointee.dispchar.map { String(cString: $0) == "*" } ?? false
                parts.append("\(String(cString: keyword))=\(isSecret ? "***" : String(cString: value))")
            }
            cursor += 1
        }
        return parts.joined(separator: " ")
    }

    /// Whether the DSN itself holds a non-empty password (`password=…` or a URI's `user:secret@`), as opposed to
    /// one from `.pgpass`, `PGPASSWORD` or a password file. An unparsable DSN is searched for the keyword and
    /// a URI's user-info by hand, so a typo elsewhere does not hide a password.
    public var dsnContainsPassword: Bool {
        guard let dsn, !dsn.isEmpty else { return false }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(dsn, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            if dsn.containsText("password", ignoringCase: true) { return true }
            guard let schemeEnd = dsn.range(ofText: "://") else { return false }
            let authority = dsn[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" }
            guard let at = authority.lastIndex(of: "@") else { return false }
            return authority[..<at].contains(":" as Character)
        }
        defer { PQconninfoFree(options) }
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if String(cString: keyword) == "password", let value = cursor.pointee.val, value.pointee != 0 {
                return true
            }
            cursor += 1
        }
        return false
    }

    /// Checks the DSN's syntax without connecting; returns libpq's complaint with every quoted fragment of the
    /// DSN masked (`secretFreeComplaint`): libpq quotes the offending part of the conninfo or URI, which may be
    /// the password (`missing "=" after "s3cret"`, or the whole URI).
    public func validateDSN() -> String? {
        guard let dsn, !dsn.isEmpty else { return nil }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(dsn, &errorMessage) else {
            defer { if let errorMessage { PQfreemem(errorMessage) } }
            let complaint = errorMessage.map { String(cString: $0).trimmingWhitespaceAndNewlines() }
            return Self.secretFreeComplaint(complaint ?? "invalid connection string", dsn: dsn)
        }
        PQconninfoFree(options)
        return nil
    }

    /// libpq's parse error with every double-quoted fragment replaced by `"…"` unless it is a connection
    /// keyword (`invalid connection option "pasword"` stays useful, `missing "=" after "s3cret"` does not leak),
    /// and, as a last check, any remaining occurrence of the DSN itself or of a password it holds masked.
    static func secretFreeComplaint(_ complaint: String, dsn: String) -> String {
        let keywords = connectionKeywords
        var result = ""
        var rest = Substring(complaint)
        while let open = rest.firstIndex(of: "\"") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "\"") else {
                result += "\"…"
                rest = ""
                break
            }
            let quoted = String(rest[afterOpen..<close])
            result += keywords.contains(quoted) || quoted == "=" ? "\"\(quoted)\"" : "\"…\""
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        if result.containsText(dsn) { result = result.replacingText(dsn, with: "…") }
        return result
    }

    /// libpq's connection keywords (`host`, `password`, `sslmode`, …), from `PQconndefaults`.
    static let connectionKeywords: Set<String> = {
        guard let defaults = PQconndefaults() else { return [] }
        defer { PQconninfoFree(defaults) }
        var keywords: Set<String> = []
        var cursor = defaults
        while let keyword = cursor.pointee.keyword {
            keywords.insert(String(cString: keyword))
            cursor += 1
        }
        return keywords
    }()
}
