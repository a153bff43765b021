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
            for (position, element) in array.enumerated() {
                index(element, pointer: pointer + "/\(position)", next: &next)
            }
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
