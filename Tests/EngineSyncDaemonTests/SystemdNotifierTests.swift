import EngineSync
import EngineSyncDaemon
import Foundation
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SystemdNotifierTests {
    @Test func sendsToAPathSocket() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket], logger: .quiet)
        #expect(notifier.isSupervised)
        notifier.ready(status: "commit abc123 synced, 0 blocked")
        #expect(listener.receive() == "READY=1\nSTATUS=commit abc123 synced, 0 blocked")
        notifier.status("two\nlines")
        #expect(listener.receive() == "STATUS=two lines")
        notifier.stopping()
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test func sendsToAnAbstractSocket() throws {
        let listener = try DatagramListener(abstract: true)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket], logger: .quiet)
        notifier.reloading()
        let message = try #require(listener.receive())
        let lines = message.split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        #expect(lines.count == 2)
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect(UInt64(lines.last?.dropFirst("MONOTONIC_USEC=".count) ?? "") != nil)
    }

    @Test func watchdogIntervalIsHalfThePeriodForThisProcess() throws {
        let listener = try DatagramListener()
        let notifier = SystemdNotifier(
            environment: [
                "NOTIFY_SOCKET": listener.notifySocket, "WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "\(getpid())",
            ], logger: .quiet)
        #expect(notifier.watchdogInterval == .seconds(10))
        notifier.watchdog()
        #expect(listener.receive() == "WATCHDOG=1")
    }

    @Test func watchdogForAnotherProcessIsIgnored() {
        let notifier = SystemdNotifier(environment: ["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "1"], logger: .quiet)
        #expect(notifier.watchdogInterval == nil)
        let unset = SystemdNotifier(environment: [:], logger: .quiet)
        #expect(unset.watchdogInterval == nil)
        #expect(!unset.isSupervised)
        unset.ready()  // a no-op, not a crash
    }

    @Test func aMissingListenerIsLoggedOnceNotThrown() {
        let capture = LogCapture()
        let logger = Logger(label: "test") { _ in
            StreamCaptureHandler(capture: capture)
        }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify"], logger: logger)
        notifier.ready()
        notifier.status("x")
        #expect(capture.all.count == 1)
        #expect(capture.all.first?.contains("No such file or directory") == true)
    }
}

/// Records messages with their metadata, for checking what was logged.
struct StreamCaptureHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let rendered = merged.keys.sorted().map { "\($0)=\(merged[$0].map { "\($0)" } ?? "")" }.joined(separator: " ")
        capture.append("\(event.level) \(event.message) \(rendered)")
    }
}
