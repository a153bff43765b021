/// The rows of one result, copied out of the `PGresult` (values in text format).
public struct PostgresResult: Sendable {
    public var columns: [String] { storage.columns }
    public var rows: PostgresRows { PostgresRows(storage: storage) }
    /// `PQcmdStatus`, e.g. "CREATE TABLE" or "UPDATE 3".
    public let commandStatus: String
    /// `PQcmdTuples` as a number; 0 for commands that affect no rows.
    public let affectedRows: Int
    let storage: PostgresResultStorage

    public var first: PostgresRow? { rows.first }

    /// The position of `column` in every row, for the positional accessors (`string(at:)`, …) a caller reading
    /// many rows uses instead of looking the name up in each row.
    public func position(of column: String) throws -> Int {
        guard let position = storage.columnIndex[column] else {
            throw PostgresDecodingError(column: column, expected: "a column of that name", actual: nil)
        }
        return position
    }
}

/// A result's values, row after row in one array, and its column positions by name: shared by its rows, so a
/// row costs no allocation of its own (45,000 catalog rows at 1,000 tables). Immutable once built.
final class PostgresResultStorage: Sendable {
    let columns: [String]
    let columnIndex: [String: Int]
    /// `rowCount × columns.count` values; `nil` is SQL NULL.
    let values: [String?]
    let rowCount: Int

    init(columns: [String], values: [String?], rowCount: Int) {
        self.columns = columns
        var columnIndex: [String: Int] = [:]
        for (position, name) in columns.enumerated() where columnIndex[name] == nil { columnIndex[name] = position }
        self.columnIndex = columnIndex
        self.values = values
        self.rowCount = rowCount
    }
}

/// The rows of a `PostgresResult`, in the order the server sent them.
public struct PostgresRows: RandomAccessCollection, Sendable {
    let storage: PostgresResultStorage

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.rowCount }
    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < storage.rowCount, "row index out of range")
        return PostgresRow(storage: storage, offset: position * storage.columns.count)
    }
}

/// One row; values are libpq's text form, `nil` for SQL NULL. Read a value by column name, or by position
/// (`PostgresResult.position(of:)`) when reading many rows.
public struct PostgresRow: Sendable {
    let storage: PostgresResultStorage
    let offset: Int

    /// The row's values in column order.
    public var values: [String?] { Array(storage.values[offset..<(offset + storage.columns.count)]) }

    public subscript(_ column: String) -> String? {
        guard let index = storage.columnIndex[column] else { return nil }
        return storage.values[offset + index]
    }

    private func position(_ column: String) throws -> Int {
        guard let index = storage.columnIndex[column] else {
            throw PostgresDecodingError(column: column, expected: "a column of that name", actual: nil)
        }
        return index
    }

    public func string(_ column: String) throws -> String { try string(at: try position(column)) }
    public func optionalString(_ column: String) throws -> String? { try optionalString(at: try position(column)) }
    public func int(_ column: String) throws -> Int { try int(at: try position(column)) }
    public func optionalInt(_ column: String) throws -> Int? { try optionalInt(at: try position(column)) }
    public func double(_ column: String) throws -> Double { try double(at: try position(column)) }
    public func bool(_ column: String) throws -> Bool { try bool(at: try position(column)) }
    public func optionalBool(_ column: String) throws -> Bool? { try optionalBool(at: try position(column)) }
    /// A one-dimensional text array (`{a,b,"c d"}`) as written by PostgreSQL's array output; NULL is empty.
    public func stringArray(_ column: String) throws -> [String?] { try stringArray(at: try position(column)) }

    // MARK: - By position

    /// The value at `position` (`PostgresResult.position(of:)`); out of range is a programming error.
    public func optionalString(at position: Int) throws -> String? {
        precondition(position >= 0 && position < storage.columns.count, "column position out of range")
        return storage.values[offset + position]
    }

    public func string(at position: Int) throws -> String {
        guard let value = try optionalString(at: position) else {
            throw PostgresDecodingError(column: storage.columns[position], expected: "text", actual: nil)
        }
        return value
    }

    public func int(at position: Int) throws -> Int {
        guard let value = try optionalInt(at: position) else {
            throw PostgresDecodingError(column: storage.columns[position], expected: "integer", actual: nil)
        }
        return value
    }

    public func optionalInt(at position: Int) throws -> Int? {
        guard let text = try optionalString(at: position) else { return nil }
        guard let value = Int(text) else {
            throw PostgresDecodingError(column: storage.columns[position], expected: "integer", actual: text)
        }
        return value
    }

    public func double(at position: Int) throws -> Double {
        let text = try string(at: position)
        guard let value = Double(text) else {
            throw PostgresDecodingError(column: storage.columns[position], expected: "number", actual: text)
        }
        return value
    }

    public func bool(at position: Int) throws -> Bool {
        guard let value = try optionalBool(at: position) else {
            throw PostgresDecodingError(column: storage.columns[position], expected: "boolean", actual: nil)
        }
        return value
    }

    public func optionalBool(at position: Int) throws -> Bool? {
        switch try optionalString(at: position) {
        case nil: return nil
        case "t"?: return true
        case "f"?: return false
        case let other?:
            throw PostgresDecodingError(column: storage.columns[position], expected: "boolean", actual: other)
        }
    }

    public func stringArray(at position: Int) throws -> [String?] {
        guard let text = try optionalString(at: position) else { return [] }
        guard let parsed = PostgresArrayLiteral.parse(text) else {
            throw PostgresDecodingError(
                column: storage.columns[position], expected: "one-dimensional array", actual: text)
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

/// One statement of `PostgresConnection.pipeline`: SQL with `$1…` parameters (text format; `nil` is SQL NULL).
public struct PostgresStatement: Sendable {
    public var sql: String
    public var parameters: [(any PostgresBindable)?]

    public init(_ sql: String, _ parameters: [(any PostgresBindable)?] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}
