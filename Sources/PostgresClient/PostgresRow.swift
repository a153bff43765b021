/// The rows of one result, copied out of the `PGresult` (values in text format).
public struct PostgresResult: Sendable {
    public let columns: [String]
    public let rows: [PostgresRow]
    /// `PQcmdStatus`, e.g. "CREATE TABLE" or "UPDATE 3".
    public let commandStatus: String
    /// `PQcmdTuples` as a number; 0 for commands that affect no rows.
    public let affectedRows: Int

    public var first: PostgresRow? { rows.first }
}

/// One row; values are libpq's text form, `nil` for SQL NULL.
public struct PostgresRow: Sendable {
    let columnIndex: [String: Int]
    public let values: [String?]

    public subscript(_ column: String) -> String? {
        guard let index = columnIndex[column] else { return nil }
        return values[index]
    }

    private func raw(_ column: String) throws -> String? {
        guard let index = columnIndex[column] else {
            throw PostgresDecodingError(column: column, expected: "a column of that name", actual: nil)
        }
        return values[index]
    }

    public func string(_ column: String) throws -> String {
        guard let value = try raw(column) else {
            throw PostgresDecodingError(column: column, expected: "text", actual: nil)
        }
        return value
    }

    public func optionalString(_ column: String) throws -> String? { try raw(column) }

    public func int(_ column: String) throws -> Int {
        guard let value = try optionalInt(column) else {
            throw PostgresDecodingError(column: column, expected: "integer", actual: nil)
        }
        return value
    }

    public func optionalInt(_ column: String) throws -> Int? {
        guard let text = try raw(column) else { return nil }
        guard let value = Int(text) else {
            throw PostgresDecodingError(column: column, expected: "integer", actual: text)
        }
        return value
    }

    public func double(_ column: String) throws -> Double {
        let text = try string(column)
        guard let value = Double(text) else {
            throw PostgresDecodingError(column: column, expected: "number", actual: text)
        }
        return value
    }

    public func bool(_ column: String) throws -> Bool {
        guard let value = try optionalBool(column) else {
            throw PostgresDecodingError(column: column, expected: "boolean", actual: nil)
        }
        return value
    }

    public func optionalBool(_ column: String) throws -> Bool? {
        switch try raw(column) {
        case nil: return nil
        case "t"?: return true
        case "f"?: return false
        case let other?: throw PostgresDecodingError(column: column, expected: "boolean", actual: other)
        }
    }

    /// A one-dimensional text array (`{a,b,"c d"}`) as written by PostgreSQL's array output.
    public func stringArray(_ column: String) throws -> [String?] {
        guard let text = try raw(column) else { return [] }
        guard let parsed = PostgresArrayLiteral.parse(text) else {
            throw PostgresDecodingError(column: column, expected: "one-dimensional array", actual: text)
        }
        return parsed
    }
}

/// Parses PostgreSQL's text output for one-dimensional arrays.
enum PostgresArrayLiteral {
    static func parse(_ text: String) -> [String?]? {
        var chars = Array(text.unicodeScalars)[...]
        guard chars.first == "{", chars.last == "}" else { return nil }
        chars = chars.dropFirst().dropLast()
        var result: [String?] = []
        if chars.isEmpty { return result }
        var index = chars.startIndex
        while index <= chars.endIndex {
            var element = String.UnicodeScalarView()
            var quoted = false
            if index < chars.endIndex, chars[index] == "\"" {
                quoted = true
                index += 1
                while index < chars.endIndex, chars[index] != "\"" {
                    if chars[index] == "\\" {
                        index += 1
                        guard index < chars.endIndex else { return nil }
                    }
                    element.append(chars[index])
                    index += 1
                }
                guard index < chars.endIndex else { return nil }
                index += 1
            } else {
                while index < chars.endIndex, chars[index] != "," {
                    element.append(chars[index])
                    index += 1
                }
            }
            let value = String(element)
            result.append(!quoted && value == "NULL" ? nil : value)
            if index >= chars.endIndex { break }
            guard chars[index] == "," else { return nil }
            index += 1
        }
        return result
    }
}

/// A value that can be bound as a `$n` parameter in text format.
public protocol PostgresBindable: Sendable {
    var postgresText: String { get }
}

extension String: PostgresBindable { public var postgresText: String { self } }
extension Int: PostgresBindable { public var postgresText: String { String(self) } }
extension Int64: PostgresBindable { public var postgresText: String { String(self) } }
extension Int32: PostgresBindable { public var postgresText: String { String(self) } }
extension Double: PostgresBindable { public var postgresText: String { String(self) } }
extension Bool: PostgresBindable { public var postgresText: String { self ? "true" : "false" } }
