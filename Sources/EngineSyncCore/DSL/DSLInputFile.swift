/// One DSL file's bytes with its repository-relative path, in compile order.
public struct DSLInputFile: Hashable, Sendable {
    public var path: String
    public var bytes: [UInt8]
    /// What identifies the content without reading it, when the source knows it (a git blob OID): an incremental
    /// compile (`DSLCompileCache`) takes equal IDs for equal bytes, and compares bytes when either has none.
    public var contentID: String?

    public init(path: String, bytes: [UInt8], contentID: String? = nil) {
        self.path = path
        self.bytes = bytes
        self.contentID = contentID
    }

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The file name without directory and `.json` in any case (Node's `path.basename(f, path.extname(f))`):
    /// the model key of a single-model fragment.
    public var baseName: String {
        // The usual ASCII `dir/name.json` (one character a byte): no split into components (every file of every
        // compile asks).
        let utf8 = path.utf8
        if utf8.allSatisfy({ $0 < 0x80 }), let slash = utf8.lastIndex(of: UInt8(ascii: "/")),
            utf8.index(after: slash) != utf8.endIndex,
            utf8.count - utf8.distance(from: utf8.startIndex, to: slash) > 6,
            utf8.suffix(5).elementsEqual(".json".utf8)
        {
            return String(path[utf8.index(after: slash)..<utf8.index(utf8.endIndex, offsetBy: -5)])
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let hasExtension = name.lowercased().hasSuffix(".json") && name.utf8.count > 5
        return hasExtension ? String(name.dropLast(5)) : name
    }
}
