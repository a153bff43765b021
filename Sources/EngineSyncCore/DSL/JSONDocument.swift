/// A parsed JSON file: its value plus enough of the source to locate any JSON pointer in it.
///
/// Positions are kept as byte offsets in pre-order (one per value), which costs one integer per value while
/// parsing; line and column are worked out only when a diagnostic asks for them.
public struct JSONDocument: Sendable {
    public var value: JSONValue
    /// The file's bytes (line/column are counted from them on demand).
    public let bytes: [UInt8]
    /// Byte offset of every value, in pre-order (root first, then each child's subtree in order).
    let offsets: [Int]

    init(value: JSONValue, bytes: [UInt8], offsets: [Int]) {
        self.value = value
        self.bytes = bytes
        self.offsets = offsets
    }

    /// The position of the value at `pointer`, or of its nearest existing ancestor. O(size of the document):
    /// for one question; the compiler answers many through a locator built once.
    public func position(at pointer: String) -> SourcePosition {
        SourcePosition.of(offset: offset(at: pointer), in: bytes)
    }

    /// The byte offset of the value at `pointer` (or of its nearest existing ancestor).
    func offset(at pointer: String) -> Int {
        guard !offsets.isEmpty else { return 0 }
        var node = value
        var index = 0
        for token in JSONPointer.tokens(pointer) {
            var childIndex = index + 1
            var found: JSONValue?
            switch node {
            case .object(let object):
                for entry in object.entries {
                    if entry.key == token {
                        found = entry.value
                        break
                    }
                    childIndex += entry.value.nodeCount
                }
            case .array(let array):
                if let position = Int(token), position >= 0, position < array.count {
                    for element in array[..<position] { childIndex += element.nodeCount }
                    found = array[position]
                }
            default:
                break
            }
            guard let next = found, childIndex < offsets.count else { break }
            node = next
            index = childIndex
        }
        return offsets[index]
    }
}

/// Answers many position questions about one document in constant time each, after one linear pass.
///
/// Built only for files that have diagnostics, so that a file with thousands of errors costs O(size), not
/// O(size × errors).
struct JSONDocumentLocator {
    private var indexByPointer: [String: Int] = [:]
    private var positions: [SourcePosition] = []

    init(_ document: JSONDocument) {
        positions = Self.positions(of: document)
        var next = 0
        index(document.value, pointer: "", next: &next)
    }

    /// The position of each of `document.offsets`, which must be increasing (pre-order offsets are): one sweep.
    static func positions(of document: JSONDocument) -> [SourcePosition] {
        var positions: [SourcePosition] = []
        positions.reserveCapacity(document.offsets.count)
        var line = 1
        var column = 1
        var cursor = 0
        let bytes = document.bytes
        for offset in document.offsets {
            while cursor < offset && cursor < bytes.count {
                let byte = bytes[cursor]
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
                cursor += 1
            }
            positions.append(SourcePosition(line: line, column: column))
        }
        return positions
    }

    private mutating func index(_ value: JSONValue, pointer: String, next: inout Int) {
        indexByPointer[pointer] = next
        next += 1
        switch value {
        case .object(let object):
            for entry in object.entries {
                index(entry.value, pointer: JSONPointer.appending(entry.key, to: pointer), next: &next)
            }
        case .array(let array):
            for (position, element) in array.enumerated() { index(element, pointer: pointer + "/\(position)", next: &next) }
        default:
            break
        }
    }

    /// The position of the value at `pointer`, or of its nearest existing ancestor.
    func position(at pointer: String) -> SourcePosition {
        var current = Substring(pointer)
        while true {
            if let index = indexByPointer[String(current)], index < positions.count { return positions[index] }
            guard let slash = current.lastIndex(of: "/") else { break }
            current = current[..<slash]
        }
        return positions.first ?? SourcePosition(line: 1, column: 1)
    }
}

extension JSONValue {
    /// The number of values in this subtree, itself included (the pre-order stride).
    var nodeCount: Int {
        switch self {
        case .array(let array): 1 + array.reduce(0) { $0 + $1.nodeCount }
        case .object(let object): 1 + object.entries.reduce(0) { $0 + $1.value.nodeCount }
        default: 1
        }
    }
}

extension SourcePosition {
    /// Line and column (in Unicode scalars) of a byte offset.
    static func of(offset: Int, in bytes: [UInt8]) -> SourcePosition {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1  // count lead bytes only: one per scalar
            }
            index += 1
        }
        return SourcePosition(line: line, column: column)
    }
}
