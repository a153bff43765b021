public import Foundation

/// A git object id as 40 lowercase hex characters.
public struct ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let hex: String
    public init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            return nil
        }
        self.hex = hex
    }
    init(unchecked hex: String) { self.hex = hex }
    public var short: String { String(hex.prefix(12)) }
    public var description: String { hex }
    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.hex < rhs.hex }
}

/// A person and moment from a commit header.
public struct GitSignature: Sendable, Equatable {
    public var name: String
    public var email: String
    public var time: Date
    /// Minutes east of UTC.
    public var offsetMinutes: Int
}

/// Commit metadata copied out of libgit2.
public struct GitCommit: Sendable, Equatable {
    public var id: ObjectID
    public var treeID: ObjectID
    public var parentIDs: [ObjectID]
    public var author: GitSignature
    public var committer: GitSignature
    /// The first paragraph of the message.
    public var subject: String
    public var message: String
}

/// One entry of a tree. Symlinks and submodules are reported as such and never followed.
public struct GitTreeEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case executable
        case directory
        case symlink
        case submodule
        case unknown(UInt32)
    }
    public var name: String
    public var kind: Kind
    public var id: ObjectID
}
