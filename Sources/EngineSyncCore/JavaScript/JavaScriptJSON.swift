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
        // Fast path: a plain integer of at most 15 digits (exact as a double) prints as written.
        let utf8 = lexeme.utf8
        if let first = utf8.first, utf8.count <= 15, first != 0x30 || utf8.count == 1,
            utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        {
            return lexeme
        }
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
        String(decoding: bytes(value, sortingKeys: false), as: UTF8.self)
    }

    /// EngineJS's `stableJsonStringify`: every object's keys sorted with `localeCompare`
    /// (`JavaScriptCollation`) at every depth, then `JSON.stringify`. The sort starts from the object's
    /// own-property order and is stable (V8's is), and the sorted object is again a JavaScript object, so
    /// integer-like keys still come first.
    public static func stableStringify(_ value: JSONValue) -> String {
        String(decoding: stableBytes(value), as: UTF8.self)
    }

    /// `stableStringify` as UTF-8 bytes (what the snapshot hash reads, without building a `String`).
    static func stableBytes(_ value: JSONValue) -> [UInt8] {
        bytes(value, sortingKeys: true)
    }

    /// `stableBytes` sharing collation sort keys across calls (an incremental compile serialises model by model).
    static func stableBytes(_ value: JSONValue, keys: inout SortKeys) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        write(value, sortingKeys: true, keys: &keys, into: &output)
        return output
    }

    /// `stableBytes(.object(object))` with some members' values already serialised, given to `emit` piece by piece
    /// (their concatenation is those bytes): `serialised[i]`, when not `nil`, is `stableBytes` of
    /// `object.entries[i].value` (each value is written on its own, so its bytes do not depend on the rest). The
    /// members are ordered exactly as `write` orders an object's.
    static func stableBytes(_ object: JSONObject, serialised: [[UInt8]?], emit: ([UInt8]) -> Void) {
        let entries = object.entries
        var keys = SortKeys()
        let order = memberOrder(entries, sortingKeys: true, keys: &keys)
        var piece: [UInt8] = [UInt8(ascii: "{")]
        for (rank, position) in order.enumerated() {
            if rank > 0 { piece.append(UInt8(ascii: ",")) }
            writeString(entries[position].key, into: &piece)
            piece.append(UInt8(ascii: ":"))
            if position < serialised.count, let bytes = serialised[position] {
                emit(piece)
                emit(bytes)
                piece = []
            } else {
                write(entries[position].value, sortingKeys: true, keys: &keys, into: &piece)
            }
        }
        piece.append(UInt8(ascii: "}"))
        emit(piece)
    }

    private static func bytes(_ value: JSONValue, sortingKeys: Bool) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        var keys = SortKeys()
        write(value, sortingKeys: sortingKeys, keys: &keys, into: &output)
        return output
    }

    /// Collation sort keys by key text: a DSL repeats the same few keys (`type`, `length`, …) thousands of times.
    struct SortKeys {
        var cache: [String: [UInt32]] = [:]
        mutating func key(_ text: String) -> [UInt32] {
            if let key = cache[text] { return key }
            let key = JavaScriptCollation.sortKey(text)
            cache[text] = key
            return key
        }
    }

    // MARK: - Writing

    private static func write(_ value: JSONValue, sortingKeys: Bool, keys: inout SortKeys, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let lexeme): output.append(contentsOf: numberText(lexeme).utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                write(element, sortingKeys: sortingKeys, keys: &keys, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            let entries = object.entries
            output.append(UInt8(ascii: "{"))
            for (rank, position) in memberOrder(entries, sortingKeys: sortingKeys, keys: &keys).enumerated() {
                let entry = entries[position]
                if rank > 0 { output.append(UInt8(ascii: ",")) }
                writeString(entry.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(entry.value, sortingKeys: sortingKeys, keys: &keys, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// The order in which `write` writes an object's members, as positions in `entries`: JavaScript's own-property
    /// order, and with `sortingKeys` the keys sorted with `localeCompare` — stable: keys equal for the collation
    /// (e.g. differing by an ignorable control) keep their order — then put in own-property order again (the
    /// sorted object is a JavaScript object too). Each key's collation sort key is computed once (a sort compares
    /// each key many times).
    static func memberOrder(_ entries: [JSONObject.Entry], sortingKeys: Bool, keys: inout SortKeys) -> [Int] {
        var order = propertyOrder(Array(entries.indices), of: entries)
        if sortingKeys, order.count > 1 {
            let sortKeys = order.map { keys.key(entries[$0].key) }
            let sorted = order.indices.sorted { left, right in
                sortKeys[left] != sortKeys[right]
                    ? JavaScriptCollation.precedes(sortKeys[left], sortKeys[right])
                    : left < right
            }
            order = propertyOrder(sorted.map { order[$0] }, of: entries)
        }
        return order
    }

    /// JavaScript's OrdinaryOwnPropertyKeys over `positions` of `entries`: array-index keys ascending, then the
    /// rest in the order given.
    private static func propertyOrder(_ positions: [Int], of entries: [JSONObject.Entry]) -> [Int] {
        // Almost every object has no integer-like key: nothing to reorder, nothing to allocate.
        guard entries.contains(where: { $0.key.utf8.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }) else {
            return positions
        }
        var indices: [(index: UInt32, position: Int)] = []
        var others: [Int] = []
        for position in positions {
            if let index = arrayIndex(entries[position].key) {
                indices.append((index, position))
            } else {
                others.append(position)
            }
        }
        if indices.isEmpty { return positions }
        return indices.sorted { $0.index < $1.index }.map(\.position) + others
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
    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case 0x22: output.append(contentsOf: [0x5C, 0x22])
            case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [
                    0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            default:
                // UTF-8 bytes (non-ASCII included) are copied as they are.
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
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
