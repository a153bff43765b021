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
