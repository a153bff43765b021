internal import CLibPgQuery

/// PostgreSQL's own raw parser (libpg_query, the PostgreSQL 15 grammar), the only owner of its C calls.
///
/// enginesync never parses SQL with a grammar of its own: migration lint reads the parse tree PostgreSQL
/// itself would build. Every result is copied into Swift values and freed before the call returns
/// (`pg_query_free_parse_result` in `defer`, which also frees the error and the stderr buffer). The library is
/// loaded at the first parse (`CLibPgQuery`), so a process that lints nothing never maps it. libpg_query keeps
/// its memory context per thread, so concurrent calls from different threads are safe; nothing is shared.
public enum PgQueryParser {
    /// The PostgreSQL version whose grammar the library carries (`150001`).
    public static let postgresVersion = 150001

    /// Parses `sql` (one or more statements) into libpg_query's JSON parse tree:
    /// `{"version":150001,"stmts":[{"stmt":{"AlterTableStmt":{…}},"stmt_location":0,"stmt_len":40},…]}`.
    ///
    /// Throws `PgQueryError` with the parser's message and the 1-based line of its position inside `sql`.
    public static func parseJSON(_ sql: String) throws(PgQueryError) -> String {
        // A NUL byte would end the C string early and parse less than the file says.
        if sql.utf8.contains(0) {
            throw PgQueryError(
                message: "the statement contains a NUL byte",
                line: line(in: sql, bytesBefore: sql.utf8.firstIndex(of: 0)))
        }
        var result = PgQueryParseResult()
        var loadError = [CChar](repeating: 0, count: 256)
        guard enginesync_pg_query_parse(sql, &result, &loadError, loadError.count) == 0 else {
            let reason = String(decoding: loadError.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PgQueryError(message: "PostgreSQL's parser cannot be loaded (\(reason))")
        }
        // libpg_query: the whole result (tree, error, stderr buffer) is released by one free call, always.
        defer { enginesync_pg_query_free_parse_result(result) }
        if let error = result.error {
            let message = error.pointee.message.map { String(cString: $0) } ?? "the statement cannot be parsed"
            let function = error.pointee.funcname.map { String(cString: $0) }
            let cursor = Int(error.pointee.cursorpos)
            let position = cursor > 0 ? cursor : nil
            throw PgQueryError(
                message: message, position: position,
                line: position.map { line(in: sql, characterPosition: $0) } ?? 1, function: function)
        }
        guard let tree = result.parse_tree else {
            throw PgQueryError(message: "libpg_query returned no parse tree")
        }
        return String(cString: tree)
    }

    /// The 1-based line of a 1-based character position.
    static func line(in text: String, characterPosition position: Int) -> Int {
        1 + text.unicodeScalars.prefix(max(0, position - 1)).reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
    }

    static func line(in text: String, bytesBefore index: String.UTF8View.Index?) -> Int {
        guard let index else { return 1 }
        return 1 + text.utf8[..<index].reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }
}
