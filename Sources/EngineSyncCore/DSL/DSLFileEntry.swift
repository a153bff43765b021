/// One name in a directory listing, with what it is (never resolved through a symlink).
public struct DSLFileEntry: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case file
        case directory
        case symlink
        case submodule
        /// A device, socket, fifo or unknown git mode.
        case other
    }

    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
