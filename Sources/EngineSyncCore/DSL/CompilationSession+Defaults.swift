extension CompilationSession {
    /// A DSL `default` as a typed column default (SPEC 2.3); a value that does not fit the type is an error.
    func columnDefault(_ value: JSONValue, for type: ColumnType, field: String, at origin: Origin,
                       _ pointer: @autoclosure () -> String) -> ColumnDefault? {
        func mismatch(_ expected: String) -> ColumnDefault? {
            error(.invalidDefault, at: origin, pointer(),
                  "default \(Self.describe(value)) of field '\(field)' does not fit its type \(type.sql)",
                  hint: expected)
            return nil
        }
        switch type {
        case .varchar(let length):
            guard case .string(let text) = value else { return mismatch("write a string default") }
            if let length, text.count > length {
                return mismatch("the default is longer than \(length) characters")
            }
            return .string(text)
        case .text:
            guard case .string(let text) = value else { return mismatch("write a string default") }
            return .string(text)
        case .uuid:
            guard case .string(let text) = value, Self.isUUID(text) else {
                return mismatch("write a UUID such as \"00000000-0000-0000-0000-000000000000\"")
            }
            return .string(text.lowercased())
        case .integer, .bigint, .smallint:
            guard case .number(let lexeme) = value, let number = Int64(CanonicalJSON.canonicalNumber(lexeme)) else {
                return mismatch("write a whole number without quotes")
            }
            if type == .integer, Int32(exactly: number) == nil { return mismatch("integer holds -2147483648…2147483647") }
            return .number(String(number))
        case .doublePrecision, .real, .numeric:
            guard case .number(let lexeme) = value else { return mismatch("write a number without quotes") }
            return .number(CanonicalJSON.canonicalNumber(lexeme))
        case .boolean:
            guard case .bool(let flag) = value else { return mismatch("write true or false without quotes") }
            return .boolean(flag)
        case .timestamptz, .timestamp:
            guard case .string("now") = value else {
                return mismatch("the only timestamp default is \"now\" (CURRENT_TIMESTAMP)")
            }
            return .currentTimestamp
        case .jsonb, .json:
            return .json(CanonicalJSON.string(value))
        case .array(let element):
            guard case .array(let elements) = value, elements.isEmpty else {
                return mismatch("multi fields accept only [] as a default")
            }
            return .expression("'{}'::" + ColumnType.array(element).sql)
        case .other:
            return mismatch("no default is supported for this type")
        }
    }

    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                if byte != UInt8(ascii: "-") { return false }
            } else if !((48...57).contains(byte) || (97...102).contains(byte) || (65...70).contains(byte)) {
                return false
            }
        }
        return true
    }
}
