import EngineSyncDaemon
import Logging
import Testing

@testable import EngineSyncCommands

@Suite struct JournaldLogHandlerTests {
    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func priorities(level: Logger.Level, priority: Int) {
        #expect(JournaldLogHandler.priority(of: level) == priority)
    }

    @Test func oneLineWithSortedMetadataAndNoSecrets() {
        let capture = LogCapture()
        var logger = Logger(label: "enginesync") { label in
            JournaldLogHandler(label: label, level: .info, output: { capture.append($0) })
        }
        logger[metadataKey: "git.commit"] = "abc123"
        logger.debug("hidden")
        logger.warning(
            "reconcile failed\nsecond line",
            metadata: [
                "db.sqlstate": "57P01", "error": "server closed the connection", "db.password": "hunter2",
            ])
        #expect(
            capture.all == [
                "<4>reconcile failed\\nsecond line db.password=*** db.sqlstate=57P01 "
                    + "error=\"server closed the connection\" git.commit=abc123\n"
            ])
    }

    @Test func theSharedLevelChangesEveryLoggerAtOnce() {
        let capture = LogCapture()
        let setting = LogLevelSetting(.info)
        let logger = Logger(label: "enginesync") { label in
            JournaldLogHandler(label: label, level: setting, output: { capture.append($0) })
        }
        let copy = logger  // loggers are values: a copy made before the change follows it too
        logger.debug("hidden")
        setting.level = .debug
        logger.debug("shown")
        copy.debug("shown by the copy")
        setting.level = .warning
        logger.info("hidden again")
        var own = logger
        own.logLevel = .trace  // a logger's own level wins over the shared one
        own.trace("own level")
        #expect(capture.all == ["<7>shown\n", "<7>shown by the copy\n", "<7>own level\n"])
    }

    @Test func plainInfoLine() {
        #expect(JournaldLogHandler.format(level: .info, message: "started", metadata: [:]) == "<6>started\n")
    }
}
