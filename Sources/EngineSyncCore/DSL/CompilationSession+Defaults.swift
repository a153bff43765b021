extension CompilationSession {
    /// A DSL `default` as a typed column default (SPEC 2.3); a value that does not fit the type is an error.
    func columnDefault(
        _ value: JSONValue, for type: ColumnType, field: String, at origin: Origin,
        _ pointer: @autoclosure () -> String
    ) -> ColumnDefault? {
        func mismatch(_ expected: String) -> ColumnDefault? {
            error(
                .invalidDefault, at: origin, pointer(),
                "default \(Self.describe(value)) of field '\(field)' does not fit its type \(type.sql)",
                hint: expected)
            return nil
        }
        // EngineJS turns "now" into Sequelize's `DataTypes.NOW`, which Sequelize fills in at insert time and
        // never writes into the schema: the column has no database default, whatever its type.
        if case .string("now") = value { return nil }
        switch type {
        case .varchar(let length):
            guard let text = Self.textDefault(value) else {
                return mismatch("write a string, number or boolean default")
            }
            // PostgreSQL counts characters as code points: "e\u{301}" is two.
            if let length, text.unicodeScalars.count > length {
                return mismatch("the default is longer than \(length) characters")
            }
            return Self.sequelizeTextDefault(value) ?? .string(text)
        case .text:
            guard let text = Self.textDefault(value) else {
                return mismatch("write a string, number or boolean default")
            }
            return Self.sequelizeTextDefault(value) ?? .string(text)
        case .uuid:
            guard case .string(let text) = value, Self.isUUID(text) else {
                return mismatch("write a UUID such as \"00000000-0000-0000-0000-000000000000\"")
            }
            return .string(text.lowercased())
        case .integer, .bigint, .smallint:
            guard let lexeme = Self.numberDefault(value), let number = Int64(CanonicalJSON.canonicalNumber(lexeme))
            else {
                return mismatch("write a whole number")
            }
            if type == .integer, Int32(exactly: number) == nil {
                return mismatch("integer holds -2147483648…2147483647")
            }
            if type == .smallint, Int16(exactly: number) == nil { return mismatch("smallint holds -32768…32767") }
            return .number(String(number))
        case .doublePrecision, .real, .numeric:
            guard let lexeme = Self.numberDefault(value) else { return mismatch("write a number") }
            let canonical = CanonicalJSON.canonicalNumber(lexeme)
            if type == .doublePrecision || type == .real, Double(canonical)?.isFinite != true {
                return mismatch("\(type.sql) cannot hold \(lexeme)")
            }
            // Sequelize quotes a DOUBLE default (`DEFAULT '1.5'`), which the catalog keeps as '1.5'::double precision.
            if case .number(let number) = value { return .string(JavaScriptJSON.numberText(number)) }
            return .string(canonical)
        case .boolean:
            switch value {
            case .bool(let flag): return .boolean(flag)
            case .string("true"): return .boolean(true)
            case .string("false"): return .boolean(false)
            default: return mismatch("write true or false")
            }
        case .timestamptz, .timestamp:
            guard case .string(let text) = value else {
                return mismatch(
                    "write \"now\" (set by EngineJS on insert) or an ISO 8601 time such as \"2024-01-01T00:00:00Z\"")
            }
            guard let literal = TimestampLiteral(text) else {
                return mismatch("write \"now\" or an ISO 8601 time such as \"2024-01-01T00:00:00Z\"")
            }
            if type == .timestamptz, !literal.hasOffset {
                return mismatch(
                    "add \"Z\" or an offset such as \"+02:00\": without one the time would depend on the server's TimeZone"
                )
            }
            if type == .timestamp, literal.hasOffset {
                return mismatch("a timestamp without time zone ignores offsets; write the wall-clock time without one")
            }
            return .string(text)
        case .jsonb, .json:
            // Sequelize writes `JSON.stringify(value)` as the literal.
            return .json(JavaScriptJSON.stringify(value))
        case .array(let element):
            guard case .array(let elements) = value, elements.isEmpty else {
                return mismatch("multi fields accept only [] as a default")
            }
            return .expression("'{}'::" + ColumnType.array(element).sql)
        case .other:
            return mismatch("no default is supported for this type")
        }
    }

    /// Strings, numbers and booleans as the text a string column stores (SPEC 2.3: literals of the column type).
    static func textDefault(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let lexeme): JavaScriptJSON.numberText(lexeme)
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// Sequelize writes a number or boolean default of a string column unquoted (`DEFAULT 5`, `DEFAULT true`),
    /// which the catalog keeps as `5` / `true`; `nil` for strings, which are quoted literals.
    static func sequelizeTextDefault(_ value: JSONValue) -> ColumnDefault? {
        switch value {
        case .number(let lexeme): .number(JavaScriptJSON.numberText(lexeme))
        case .bool(let flag): .boolean(flag)
        default: nil
        }
    }

    /// A JSON number, or a string holding one (`"5"` fits an integer column as `'5'` does in SQL).
    static func numberDefault(_ value: JSONValue) -> String? {
        switch value {
        case .number(let lexeme): return lexeme
        case .string(let text):
            return NumberLiteral.isNumber(text) ? text : nil
        default: return nil
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
