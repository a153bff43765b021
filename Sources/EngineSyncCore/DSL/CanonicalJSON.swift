import Crypto

/// The canonical serialisation of a JSON value and its SHA-256, the DSL hash (SPEC 2.8).
///
/// - Object keys are sorted by their UTF-8 bytes; arrays keep their order.
/// - No insignificant whitespace; strings escape only `"`, `\` and control characters (as `\b \f \n \r \t`
///   or `\u00xx`), everything else is raw UTF-8.
/// - Numbers: an integer lexeme (no fraction, no exponent) is printed in plain decimal with `-0` as `0`;
///   any other number is read as a `Double` and printed as an integer when it is integral and its magnitude is
///   below 2^53, otherwise in Swift's shortest round-trip form (`1.5`, `1e+100`). So `1.50`, `1.5e0` and
///   `15e-1` hash alike, which matters because PostgreSQL's jsonb does not keep the lexeme of the snapshot.
public enum CanonicalJSON {
    /// The canonical text as UTF-8 bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        write(value, into: &output)
        return output
    }

    /// The canonical text.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// SHA-256 (lowercase hex) of `bytes(.object(object))`, some members' values already serialised:
    /// `serialised[i]`, when not `nil`, is `bytes` of `object.entries[i].value` (each value is written on its own).
    /// The members in `write`'s order, hashed piece by piece.
    static func sha256Hex(_ object: JSONObject, serialised: [[UInt8]?]) -> String {
        let entries = object.entries
        let order = entries.indices.sorted { entries[$0].key.utf8.lexicographicallyPrecedes(entries[$1].key.utf8) }
        var hasher = SHA256()
        var piece: [UInt8] = [UInt8(ascii: "{")]
        for (rank, position) in order.enumerated() {
            if position < serialised.count, let bytes = serialised[position] {
                if rank > 0 { piece.append(UInt8(ascii: ",")) }
                writeString(entries[position].key, into: &piece)
                piece.append(UInt8(ascii: ":"))
                piece.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                piece = []
            } else {
                writeMember(entries[position], first: rank == 0, into: &piece)
            }
        }
        piece.append(UInt8(ascii: "}"))
        piece.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hex(hasher.finalize())
    }

    /// SHA-256 of the canonical bytes, lowercase hex: the DSL hash.
    public static func sha256Hex(_ value: JSONValue) -> String {
        sha256Hex(bytes: bytes(value))
    }

    /// SHA-256 of canonical bytes already written, lowercase hex.
    static func sha256Hex(bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The canonical spelling of a number lexeme (see the type's documentation).
    public static func canonicalNumber(_ lexeme: String) -> String {
        let isInteger = !lexeme.utf8.contains {
            $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
        }
        if isInteger {
            if lexeme == "-0" { return "0" }
            return lexeme
        }
        guard let double = Double(lexeme), double.isFinite else { return lexeme }
        if double == double.rounded(), abs(double) < 9_007_199_254_740_992 {
            return String(Int64(double))
        }
        return "\(double)"
    }

    private static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let lexeme): output.append(contentsOf: canonicalNumber(lexeme).utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            let entries = object.entries
            if isSortedByUTF8(entries) {
                for position in entries.indices { writeMember(entries[position], first: position == 0, into: &output) }
            } else {
                // Sort a temporary permutation rather than copying the entries (one fewer allocation per object).
                // Swift's `<` on ASCII strings is a byte comparison; other keys need explicit UTF-8 order.
                let isASCII = entries.allSatisfy { $0.key.utf8.allSatisfy { $0 < 0x80 } }
                withUnsafeTemporaryAllocation(of: Int.self, capacity: entries.count) { buffer in
                    var order = buffer
                    for position in entries.indices { order[position] = position }
                    if isASCII {
                        order.sort { entries[$0].key < entries[$1].key }
                    } else {
                        order.sort { entries[$0].key.utf8.lexicographicallyPrecedes(entries[$1].key.utf8) }
                    }
                    for (rank, position) in order.enumerated() {
                        writeMember(entries[position], first: rank == 0, into: &output)
                    }
                }
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writeMember(_ entry: JSONObject.Entry, first: Bool, into output: inout [UInt8]) {
        if !first { output.append(UInt8(ascii: ",")) }
        writeString(entry.key, into: &output)
        output.append(UInt8(ascii: ":"))
        write(entry.value, into: &output)
    }

    private static func isSortedByUTF8(_ entries: [JSONObject.Entry]) -> Bool {
        guard entries.count > 1 else { return true }
        for position in 1..<entries.count
        where !entries[position - 1].key.utf8.lexicographicallyPrecedes(entries[position].key.utf8) {
            return false
        }
        return true
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(contentsOf: text.utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)],
                ])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
