/// Why a document is not the strict JSON the DSL requires, and where.
public struct JSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable diagnostic code: `json_syntax`, `invalid_utf8`, `nesting_too_deep`, `duplicate_key` or `empty_file`.
    public var code: String
    public var message: String
    public var position: SourcePosition
    /// The JSON pointer of the value being read when the error was found ("" = the root).
    public var pointer: String

    public init(code: String, message: String, position: SourcePosition, pointer: String) {
        self.code = code
        self.message = message
        self.position = position
        self.pointer = pointer
    }

    public var description: String { "\(position): \(message)" }
}
