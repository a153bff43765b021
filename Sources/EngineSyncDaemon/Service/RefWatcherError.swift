/// The ref watcher could not start; the daemon falls back to polling and says why.
package struct RefWatcherError: Error, CustomStringConvertible, Sendable {
    package var path: String
    package var message: String

    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    package var description: String { "cannot watch \(path): \(message)" }
}
