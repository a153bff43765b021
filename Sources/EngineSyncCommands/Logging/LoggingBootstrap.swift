public import Logging

/// The one place that bootstraps swift-log (libraries only receive a `Logger`): journald-style lines
/// on stderr at the configured level. Call once, early in the executable's command.
public enum LoggingBootstrap {
    public static func bootstrapJournald(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            JournaldLogHandler(label: label, level: level)
        }
    }
}
