/// A file source failure, naming the path.
public struct DSLSourceError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        case tooLarge(size: Int, limit: Int)
        case notADirectory
        /// Anything else (I/O error, corrupt object): not a DSL problem, the caller reports it as a failure.
        case unreadable(String)
    }

    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .tooLarge(let size, let limit): "\(path): \(size) bytes, over the limit of \(limit) bytes"
        case .notADirectory: "\(path): not a directory"
        case .unreadable(let message): "\(path): \(message)"
        }
    }
}
