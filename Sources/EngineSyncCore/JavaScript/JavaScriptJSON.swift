/// JavaScript's `JSON.stringify`, reproduced for the values the DSL reader produces, so enginesync can
/// compute the same strings (and hashes of them) as EngineJS.
///
/// Two JavaScript rules differ from a plain serialiser and are kept on purpose:
/// - numbers go through `JSON.parse` then `Number::toString` (`1.50` → `1.5`, `1e21` → `1e+21`, `1e400` →
///   `null`), since EngineJS holds numbers as doubles;
/// - an object's keys come out in JavaScript's own-property order: integer-like keys (array indices) first in
///   ascending numeric order, then the other keys in insertion order. A JavaScript object cannot keep
///   `{"b": 1, "2": 2}` in that order, so neither does this.
public enum JavaScriptJSON {
    /// How `JSON.stringify(JSON.parse(lexeme))` prints a JSON number lexeme: the shortest digits that read
    /// back to the same double, in decimal notation when the decimal exponent is in -7 < e < 21, otherwise as
    /// `d.ddde+X` / `d.ddde-X`; `-0` prints `0`, and an overflow to ±Infinity prints `null`.
    /// An unparsable lexeme (the reader never produces one) is returned as it is.
    public static func numberText(_ lexeme: String) -> String {
        guard let value = Double(lexeme) else { return lexeme }
        return numberText(value)
    }

    /// `Number::toString(value)` as `JSON.stringify` uses it (`null` for NaN and ±Infinity).
    public static func numberText(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == 0 { return "0" }
        // Swift's description has the shortest round-trip digits, like JavaScript; only the layout differs.
        let (digits, pointPosition) = decimalDigits(of: value.magnitude)
        let sign = value < 0 ? "-" : ""
        let k = digits.count
        let n = pointPosition
        if k <= n, n <= 21 {
            return sign + digits + String(repeating: "0", count: n - k)
        }
        if 0 < n, n <= 21 {
            return sign + String(digits.prefix(n)) + "." + String(digits.dropFirst(n))
        }
        if -6 < n, n <= 0 {
            return sign + "0." + String(repeating: "0", count: -n) + digits
        }
        let exponent = n - 1
        let mantissa = k == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String(exponent.magnitude)
    }

    /// `JSON.stringify(value)`: no whitespace, objects in JavaScript's own-property order.
    public static func stringify(_ value: JSONValue) -> String {
        var output = ""
        write(value, sortingKeys: false, into: &output)
        return output
    }

    /// EngineJS's `stableJsonStringify`: every object's keys sorted with `localeCompare`
    /// (`JavaScriptCollation`) at every depth, then `JSON.stringify`. The sort starts from the object's
    /// own-property order and is stable (V8's is), and the sorted object is again a JavaScript object, so
    /// integer-like keys still come first.
    public static func stableStringify(_ value: JSONValue) -> String {
        var output = ""
        write(value, sortingKeys: true, into: &output)
        return output
    }

    // MARK: - Writing

    private static func write(_ value: JSONValue, sortingKeys: Bool, into output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let lexeme): output += numberText(lexeme)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { output += "," }
                write(element, sortingKeys: sortingKeys, into: &output)
            }
            output += "]"
        case .object(let object):
            var entries = propertyOrder(object.entries)
            if sortingKeys {
                // Stable: keys equal for the collation (e.g. differing by an ignorable control) keep their order.
                // Each key's collation sort key is computed once (a sort compares each key many times).
                entries = entries.enumerated().map { (key: JavaScriptCollation.sortKey($0.element.key), $0) }
                    .sorted { left, right in
                        left.key != right.key ? JavaScriptCollation.precedes(left.key, right.key)
                            : left.1.offset < right.1.offset
                    }.map(\.1.element)
                entries = propertyOrder(entries)
            }
            output += "{"
            for (position, entry) in entries.enumerated() {
                if position > 0 { output += "," }
                writeString(entry.key, into: &output)
                output += ":"
                write(entry.value, sortingKeys: sortingKeys, into: &output)
            }
            output += "}"
        }
    }

    /// JavaScript's OrdinaryOwnPropertyKeys: array-index keys ascending, then the rest in insertion order.
    private static func propertyOrder(_ entries: [JSONObject.Entry]) -> [JSONObject.Entry] {
        var indices: [(index: UInt32, entry: JSONObject.Entry)] = []
        var others: [JSONObject.Entry] = []
        for entry in entries {
            if let index = arrayIndex(entry.key) { indices.append((index, entry)) } else { others.append(entry) }
        }
        if indices.isEmpty { return entries }
        return indices.sorted { $0.index < $1.index }.map(\.entry) + others
    }

    /// The key's value when it is a canonical array index: `0`, or digits without a leading zero, below
    /// 2^32 - 1 (`"01"`, `"-1"`, `"1.0"` and `"4294967295"` are ordinary keys).
    static func arrayIndex(_ key: String) -> UInt32? {
        let utf8 = key.utf8
        guard let first = utf8.first, utf8.count <= 10, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        if first == 0x30, utf8.count > 1 { return nil }
        var value: UInt64 = 0
        for byte in utf8 { value = value * 10 + UInt64(byte - 0x30) }
        return value < 0xFFFF_FFFF ? UInt32(value) : nil
    }

    /// JSON.stringify's QuoteJSONString: `"` and `\` escaped, `\b \f \n \r \t`, other controls as `\u00xx`
    /// (lower-case hex); everything else, non-ASCII included, as it is.
    private static func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                output += "\\u00" + (hex.count == 1 ? "0" + hex : hex)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    /// The shortest round-trip digits of a positive finite double (no leading or trailing zeros) and the
    /// position of the decimal point relative to them: value = 0.digits × 10^pointPosition.
    private static func decimalDigits(of value: Double) -> (digits: String, pointPosition: Int) {
        let text = value.description  // "1.5", "1000.0", "1e-07", "1.2345e+20"
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts.first ?? ""
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integerPart = pieces.first ?? ""
        let fractionPart = pieces.count > 1 ? pieces[1] : ""
        let all = Array(integerPart) + Array(fractionPart)
        let leadingZeros = all.prefix { $0 == "0" }.count
        var digits = all.dropFirst(leadingZeros)
        while digits.last == "0" { digits.removeLast() }
        return (String(digits), integerPart.count + exponent - leadingZeros)
    }
}
