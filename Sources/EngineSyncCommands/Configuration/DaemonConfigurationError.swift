import EngineSyncDaemon

/// A configuration problem found at start-up (or on reload), naming where the value came from and the
/// key, e.g. `enginesync.yaml: poll_interval: expected a duration like "5s", got "fast"`.
package struct DaemonConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file path, `environment`, or `command line`.
    package var origin: String
    /// The key as the operator spelled it there (`poll_interval`, `ENGINESYNC_POLL_INTERVAL`, `--poll-interval`).
    package var key: String
    package var message: String

    package init(origin: String, key: String, message: String) {
        self.origin = origin
        self.key = key
        self.message = message
    }

    package var description: String {
        switch origin {
        case "environment", "command line": "\(key): \(message)"
        case "": "\(key): \(message)"
        default: "\(origin): \(key): \(message)"
        }
    }
}
