package import Logging
import Synchronization

/// The log level every `JournaldLogHandler` of the process reads, so a SIGHUP reload of `log_level`
/// changes it at once (swift-log bootstraps its factory only once, and loggers copy their handler).
///
/// Thread-safe: the level sits behind a mutex; handlers read it on every log call.
package final class LogLevelSetting: Sendable {
    private let value: Mutex<Logger.Level>

    package init(_ level: Logger.Level) {
        value = Mutex(level)
    }

    package var level: Logger.Level {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
