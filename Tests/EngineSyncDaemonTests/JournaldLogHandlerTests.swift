@testable import EngineSyncCommands
import Logging
import Testing

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
        logger.warning("reconcile failed\nsecond line", metadata: [
            "db.sqlstate": "57P01", "error": "server closed the connection", "db.password": "hunter2",
        ])
        #expect(capture.all == [
            "<4>reconcile failed\\nsecond line db.password=*** db.sqlstate=57P01 "
                + "error=\"server closed the connection\" git.commit=abc123\n",
        ])
    }

    @Test func plainInfoLine() {
        #expect(JournaldLogHandler.format(level: .info, message: "started", metadata: [:]) == "<6>started\n")
    }
}
