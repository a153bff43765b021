package import Logging

/// The one place that bootstraps swift-log (libraries only receive a `Logger`): journald-style lines
/// on stderr at the configured level. Call once, early in the executable's command.
package enum LoggingBootstrap {
    /// Returns the level every handler follows: the daemon sets it when a reload changes `log_level`.
    @discardableResult
    package static func bootstrapJournald(level: Logger.Level) -> LogLevelSetting {
        let setting = LogLevelSetting(level)
        LoggingSystem.bootstrap { label in
            JournaldLogHandler(label: label, level: setting)
        }
        return setting
    }
}
