/// The ref watcher could not start; the daemon falls back to polling and says why.
public struct RefWatcherError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "cannot watch \(path): \(message)" }
}
