/// Quoting without a connection, for `plan --catalog`: the same text libpq's `PQescapeIdentifier` and
/// `PQescapeLiteral` return on a UTF-8 server with `standard_conforming_strings = on` (c-libraries.md 2.4), so an
/// offline plan prints the SQL an online plan prints. Nothing rendered with it is ever run.
public struct OfflineQuoter: SQLQuoting, Sendable {
    public init() {}

    /// A NUL byte is refused, as the connection's quoting refuses it (libpq would truncate).
    public struct NULByte: Error, CustomStringConvertible {
        public var description: String { "cannot quote text containing a NUL byte" }
    }

    /// Always double-quoted, `"` doubled (`a"b` → `"a""b"`), case kept.
    public func quoteIdentifier(_ identifier: String) throws -> String {
        if identifier.utf8.contains(0) { throw NULByte() }
        return "\"" + identifier.replacingAll("\"", with: "\"\"") + "\""
    }

    /// `'` doubled; with any backslash, libpq's ` E'…'` form (leading space, backslashes doubled).
    public func quoteLiteral(_ literal: String) throws -> String {
        if literal.utf8.contains(0) { throw NULByte() }
        let quoted = literal.replacingAll("'", with: "''")
        guard literal.contains("\\") else { return "'" + quoted + "'" }
        return " E'" + quoted.replacingAll("\\", with: "\\\\") + "'"
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        result.reserveCapacity(count)
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
