import TextAlgorithms

/// A PostgreSQL column type, parsed so that planning compares meaning, never spelling (SPEC 3).
public indirect enum ColumnType: Hashable, Sendable {
    /// `character varying(n)`; `nil` length is unconstrained `character varying`.
    case varchar(length: Int?)
    case text
    case smallint
    case integer
    case bigint
    case real
    case doublePrecision
    case boolean
    case timestamptz
    case timestamp
    case jsonb
    case json
    case uuid
    case numeric(precision: Int?, scale: Int?)
    case array(ColumnType)
    /// Any type enginesync does not model, kept verbatim as `format_type` printed it.
    case other(String)

    /// The type as PostgreSQL's `format_type` prints it (and as DDL accepts it).
    public var sql: String {
        switch self {
        case .varchar(let length?): "character varying(\(length))"
        case .varchar(nil): "character varying"
        case .text: "text"
        case .smallint: "smallint"
        case .integer: "integer"
        case .bigint: "bigint"
        case .real: "real"
        case .doublePrecision: "double precision"
        case .boolean: "boolean"
        case .timestamptz: "timestamp with time zone"
        case .timestamp: "timestamp without time zone"
        case .jsonb: "jsonb"
        case .json: "json"
        case .uuid: "uuid"
        case .numeric(let p?, let s?): "numeric(\(p),\(s))"
        case .numeric(let p?, nil): "numeric(\(p))"
        case .numeric: "numeric"
        case .array(let element): element.sql + "[]"
        case .other(let text): text
        }
    }

    public var isIntegerFamily: Bool {
        switch self {
        case .smallint, .integer, .bigint: true
        default: false
        }
    }

    /// varchar or text: a 40-character commit id fits (varchar of 40 or more).
    public var holdsText: Bool {
        switch self {
        case .text, .varchar(nil): true
        case .varchar(let length?): length >= 40
        default: false
        }
    }

    /// Parses `format_type(atttypid, atttypmod)` output (with `search_path` pinned).
    public init(formatType: String) {
        let text = formatType.trimmingWhitespace()
        if text.hasSuffix("[]") {
            self = .array(ColumnType(formatType: String(text.dropLast(2))))
            return
        }
        switch text {
        case "character varying": self = .varchar(length: nil)
        case "text": self = .text
        case "smallint": self = .smallint
        case "integer": self = .integer
        case "bigint": self = .bigint
        case "real": self = .real
        case "double precision": self = .doublePrecision
        case "boolean": self = .boolean
        case "timestamp with time zone": self = .timestamptz
        case "timestamp without time zone": self = .timestamp
        case "jsonb": self = .jsonb
        case "json": self = .json
        case "uuid": self = .uuid
        case "numeric": self = .numeric(precision: nil, scale: nil)
        default:
            if let arguments = Self.arguments(text, prefix: "character varying"), arguments.count == 1 {
                self = .varchar(length: arguments[0])
            } else if let arguments = Self.arguments(text, prefix: "numeric"), arguments.count == 2 {
                self = .numeric(precision: arguments[0], scale: arguments[1])
            } else if let arguments = Self.arguments(text, prefix: "numeric"), arguments.count == 1 {
                self = .numeric(precision: arguments[0], scale: nil)
            } else {
                self = .other(text)
            }
        }
    }

    private static func arguments(_ text: String, prefix: String) -> [Int]? {
        guard text.hasPrefix(prefix + "("), text.hasSuffix(")") else { return nil }
        let inner = text.dropFirst(prefix.count + 1).dropLast()
        let numbers = inner.split(separator: ",").map { Int($0.trimmingWhitespace()) }
        guard numbers.allSatisfy({ $0 != nil }) else { return nil }
        return numbers.compactMap { $0 }
    }
}
