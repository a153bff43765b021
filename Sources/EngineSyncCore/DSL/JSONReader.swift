/// A strict JSON reader written for the DSL: it keeps object key order, records where every value starts,
/// rejects duplicate keys and invalid UTF-8, and limits nesting depth instead of overflowing the stack.
///
/// Foundation's `JSONSerialization` is not used because it loses key order (field order is column order,
/// SPEC 2.1) and positions (diagnostics need line and column).
public struct JSONReader: Sendable {
    /// Deeper input is answered with `nesting_too_deep` (SPEC 2.3).
    public var maxDepth: Int

    public init(maxDepth: Int = 512) {
        self.maxDepth = maxDepth
    }

    /// The parse result: the document when it is syntactically valid, plus duplicate-key errors (which do not
    /// stop parsing, so every duplicate of a file is reported at once; the later value wins, as in JavaScript).
    public struct Result: Sendable {
        public var document: JSONDocument
        public var duplicateKeys: [JSONSyntaxError]
    }

    /// Parses one JSON text. Throws the first syntax error (a fatal one: the rest of the file is not read).
    public func read(_ bytes: [UInt8]) throws(JSONSyntaxError) -> Result {
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        return try parser.parseDocument()
    }
}

private struct Parser {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0
    var offsets: [Int] = []
    /// The keys and indexes leading to the value being read, for the pointer of an error.
    var path: [PathComponent] = []

    enum PathComponent {
        case key(String)
        case index(Int)
    }
    var duplicates: [JSONSyntaxError] = []
    /// Byte offsets of `duplicates`, in increasing order; turned into positions in one sweep at the end.
    var duplicateOffsets: [Int] = []

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        offsets.reserveCapacity(bytes.count / 8)
    }

    mutating func parseDocument() throws(JSONSyntaxError) -> JSONReader.Result {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        skipWhitespace()
        if index >= bytes.count {
            throw error("empty_file", "the file is empty; expected a JSON object")
        }
        let value = try parseValue(depth: 1)
        skipWhitespace()
        if index < bytes.count {
            throw error("json_syntax", "unexpected \(describe(bytes[index])) after the end of the JSON value")
        }
        if !duplicates.isEmpty {
            // A nested duplicate is found before its enclosing one: sort by offset for the one-sweep conversion.
            let order = duplicateOffsets.indices.sorted { duplicateOffsets[$0] < duplicateOffsets[$1] }
            let document = JSONDocument(value: .null, bytes: bytes, offsets: order.map { duplicateOffsets[$0] })
            let positions = JSONDocumentLocator.positions(of: document)
            for (rank, index) in order.enumerated() { duplicates[index].position = positions[rank] }
        }
        return .init(document: JSONDocument(value: value, bytes: bytes, offsets: offsets), duplicateKeys: duplicates)
    }

    // MARK: - Values

    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error("json_syntax", "unexpected end of input; expected a value") }
        offsets.append(index)
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default:
            throw error("json_syntax", "unexpected \(describe(bytes[index])); expected a value")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= maxDepth else {
            throw error("nesting_too_deep", "JSON nesting is deeper than \(maxDepth) levels")
        }
        index += 1
        var entries: [JSONObject.Entry] = []
        var seen: Set<String>?
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(entries))
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else {
                throw error("json_syntax", "expected a string key, found \(describeCurrent())")
            }
            let keyOffset = index
            let key = try parseString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else {
                throw error("json_syntax", "expected ':' after key \"\(key)\", found \(describeCurrent())")
            }
            index += 1
            skipWhitespace()
            path.append(.key(key))
            let value = try parseValue(depth: depth + 1)
            path.removeLast()
            if entries.count >= 32, seen == nil { seen = Set(entries.map(\.key)) }
            let isDuplicate = seen.map { $0.contains(key) } ?? entries.contains { $0.key == key }
            if isDuplicate {
                let pointer = pathPointer(appending: key)
                duplicates.append(
                    JSONSyntaxError(
                        code: "duplicate_key", message: "key \"\(key)\" appears more than once in this object",
                        position: SourcePosition(line: 0, column: 0), pointer: pointer))
                duplicateOffsets.append(keyOffset)
                if let existing = entries.firstIndex(where: { $0.key == key }) { entries[existing].value = value }
            } else {
                entries.append(JSONObject.Entry(key: key, value: value))
                seen?.insert(key)
            }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(JSONObject(entries))
            default: throw error("json_syntax", "expected ',' or '}' in object, found \(describeCurrent())")
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= maxDepth else {
            throw error("nesting_too_deep", "JSON nesting is deeper than \(maxDepth) levels")
        }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            path.append(.index(elements.count))
            elements.append(try parseValue(depth: depth + 1))
            path.removeLast()
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: throw error("json_syntax", "expected ',' or ']' in array, found \(describeCurrent())")
            }
        }
    }

    // MARK: - Scalars

    mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try decodeUTF8(bytes[start..<index], at: start)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("json_syntax", "control character \(describe(byte)) inside a string") }
            index += 1
        }
        var buffer = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let text = try decodeUTF8(buffer[...], at: start)
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else {
                            throw error("json_syntax", "unpaired UTF-16 surrogate in \\u escape")
                        }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw error("json_syntax", "unpaired UTF-16 surrogate in \\u escape")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("json_syntax", "unpaired UTF-16 surrogate in \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else {
                        throw error("json_syntax", "invalid \\u escape")
                    }
                    buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    index -= 1
                    throw error("json_syntax", "invalid escape \\\(describe(escape)) in string")
                }
            default:
                if byte < 0x20 { throw error("json_syntax", "control character \(describe(byte)) inside a string") }
                buffer.append(byte)
                index += 1
            }
        }
        throw error("json_syntax", "unterminated string")
    }

    mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("json_syntax", "incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("json_syntax", "invalid hex digit \(describe(byte)) in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, isDigit(first) else { throw error("json_syntax", "invalid number: expected a digit") }
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek, isDigit(next) { throw error("json_syntax", "invalid number: leading zero") }
        } else {
            while let next = peek, isDigit(next) { index += 1 }
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let next = peek, isDigit(next) else {
                throw error("json_syntax", "invalid number: digit expected after '.'")
            }
            while let next = peek, isDigit(next) { index += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let next = peek, isDigit(next) else {
                throw error("json_syntax", "invalid number: digit expected in exponent")
            }
            while let next = peek, isDigit(next) { index += 1 }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        let start = index
        let matches =
            start + count <= bytes.count
            && literal.withUTF8Buffer { expected in
                (0..<count).allSatisfy { bytes[start + $0] == expected[$0] }
            }
        guard matches else { throw error("json_syntax", "unexpected \(describeCurrent()); expected a value") }
        index += count
    }

    // MARK: - Helpers

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    func decodeUTF8(_ slice: ArraySlice<UInt8>, at start: Int) throws(JSONSyntaxError) -> String {
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw JSONSyntaxError(
                code: "invalid_utf8", message: "the string is not valid UTF-8",
                position: SourcePosition.of(offset: start, in: bytes), pointer: pathPointer())
        }
        return text
    }

    func pathPointer(appending last: String? = nil) -> String {
        var pointer = ""
        for component in path {
            switch component {
            case .key(let key): pointer = JSONPointer.appending(key, to: pointer)
            case .index(let position): pointer += "/\(position)"
            }
        }
        if let last { pointer = JSONPointer.appending(last, to: pointer) }
        return pointer
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    func describeCurrent() -> String { peek.map(describe) ?? "end of input" }

    func error(_ code: String, _ message: String) -> JSONSyntaxError {
        return JSONSyntaxError(
            code: code, message: message, position: SourcePosition.of(offset: index, in: bytes),
            pointer: pathPointer())
    }
}
