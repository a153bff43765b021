internal import CLibPQ
import Foundation

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

    /// Checks the DSN's syntax without connecting; returns libpq's complaint.
    public func validateDSN() -> String? {
        guard let dsn, !dsn.isEmpty else { return nil }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(dsn, &errorMessage) else {
            defer { if let errorMessage { PQfreemem(errorMessage) } }
            return errorMessage.map { String(cString: $0).trimmingCharacters(in: .newlines) } ?? "invalid connection string"
        }
        PQconninfoFree(options)
        return nil
    }
}
