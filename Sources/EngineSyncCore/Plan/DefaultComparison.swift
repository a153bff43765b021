/// Decides whether a DSL default and a catalog default mean the same thing.
///
/// The catalog spells defaults its own way (`'abc'::character varying`, `'1.5'::double precision`,
/// `now()`); the introspection normalises them into `ColumnDefault`, and this compares the rest.
public enum DefaultComparison {
    public static func equivalent(_ desired: ColumnDefault?, _ live: ColumnDefault?) -> Bool {
        // `DEFAULT NULL` (PostgreSQL prints `NULL::character varying`) inserts what no default inserts.
        if isNull(desired) && isNull(live) { return true }
        switch (desired, live) {
        case (nil, nil): return true
        case (.currentTimestamp, .currentTimestamp): return true
        case (.boolean(let a), .boolean(let b)): return a == b
        case (.string(let a), .string(let b)):
            // Timestamps: the catalog prints the instant in the session's time zone and its own format.
            return a == b || (TimestampLiteral(a).map { $0 == TimestampLiteral(b) } ?? false)
        case (.number(let a), .number(let b)): return a == b || (Double(a) != nil && Double(a) == Double(b))
        case (.number(let a), .string(let b)): return Double(a) != nil && Double(a) == Double(b)
        case (.json(let a), .json(let b)), (.json(let a), .string(let b)):
            return squeeze(a) == squeeze(b) || jsonbEqual(a, b)
        case (.string(let a), .number(let b)): return a == b
        case (.some(let a), .some(let b)): return a == b
        default: return false
        }
    }

    /// No default, or a NULL one (`NULL`, `NULL::type`).
    static func isNull(_ value: ColumnDefault?) -> Bool {
        guard let value else { return true }
        guard case .expression(let text) = value else { return false }
        let upper = text.uppercased()
        return upper == "NULL" || upper.hasPrefix("NULL::")
    }

    /// Whether two JSON texts are the same jsonb value: jsonb keeps one value per key (the last) in its own key
    /// order, and numbers as numerics (`1.0` = `1`), so `{"b":1,"a":2}` in the DSL is `{"a": 2, "b": 1}` live.
    static func jsonbEqual(_ a: String, _ b: String) -> Bool {
        guard let left = try? JSONReader().read(Array(a.utf8)).document.value,
            let right = try? JSONReader().read(Array(b.utf8)).document.value
        else { return false }
        return jsonbEqual(left, right)
    }

    static func jsonbEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            let left = Dictionary(x.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
            let right = Dictionary(y.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
            guard left.count == right.count else { return false }
            return left.allSatisfy { key, value in right[key].map { jsonbEqual(value, $0) } ?? false }
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { jsonbEqual($0, $1) }
        case (.number(let x), .number(let y)):
            return x == y || (Double(x) != nil && Double(x) == Double(y))
        default:
            return a == b
        }
    }

    /// JSON text without whitespace outside strings (jsonb prints `{"a": 1}`, the DSL canonical form `{"a":1}`).
    static func squeeze(_ json: String) -> String {
        var result = ""
        var inString = false
        var escaped = false
        for character in json {
            if inString {
                result.append(character)
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
            } else if character == "\"" {
                inString = true
                result.append(character)
            } else if !character.isWhitespace {
                result.append(character)
            }
        }
        return result
    }
}
