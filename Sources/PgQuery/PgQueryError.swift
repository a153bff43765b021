/// PostgreSQL's parser refused a statement: its message and where in the text it stopped.
///
/// `description` is one line for an operator (the message and the line); `debugDescription` adds the
/// parser's source function for bug reports. The statement text itself is not repeated: the caller names
/// the file and line it came from.
public struct PgQueryError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The parser's message, as `psql` would print it (`syntax error at or near "SELEC"`).
    public var message: String
    /// 1-based character position in the parsed text (PostgreSQL's error position counts characters), when known.
    public var position: Int?
    /// 1-based line inside the parsed text of `position` (1 when the position is unknown).
    public var line: Int
    /// The parser function that raised it (`scanner_yyerror`), for bug reports.
    public var function: String?

    public init(message: String, position: Int? = nil, line: Int = 1, function: String? = nil) {
        self.message = message
        self.position = position
        self.line = line
        self.function = function
    }

    public var description: String { "line \(line): \(message)" }

    public var debugDescription: String {
        var text = description
        if let position { text += " (position \(position))" }
        if let function { text += " [\(function)]" }
        return text
    }
}
