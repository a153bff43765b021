/// A JSON document that keeps object key order (field order is column order, SPEC 2.1).
/// Not `indirect`: arrays and objects already store their children out of line, and boxing every scalar
/// would cost one allocation per value.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number's lexeme as written in the source (`50`, `1.5`, `-3e2`), so nothing is lost to Double.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var numberLexeme: String? { if case .number(let n) = self { n } else { nil } }
    public var intValue: Int? { if case .number(let n) = self { Int(n) } else { nil } }

    /// A short name of the kind for messages ("object", "array", "string", …).
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// An ordered JSON object. Keys are unique (the reader rejects duplicates).
public struct JSONObject: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var entries: [Entry]

    public init(_ entries: [Entry] = []) { self.entries = entries }

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        entries = pairs.map { Entry(key: $0.key, value: $0.value) }
    }

    public var keys: [String] { entries.map(\.key) }
    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    /// Reading returns the value; writing replaces in place or appends at the end; `nil` removes.
    public subscript(key: String) -> JSONValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }
}
