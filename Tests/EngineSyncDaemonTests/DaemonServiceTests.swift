import EngineSync
import EngineSyncCommands
import EngineSyncCore
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
    var current: Int { value.withLock { $0 } }
}

@Suite struct DaemonServiceTests {
    func runGroup(_ service: DaemonService) -> (ServiceGroup, Task<Void, any Error>) {
        let group = ServiceGroup(configuration: .init(services: [service], logger: .quiet))
        let task = Task { try await group.run() }
        return (group, task)
    }

    @Test func aPushWakesTheLoopLongBeforeThePollInterval() async throws {
        let bare = try ScratchRepository(bare: true)
        let clone = try ScratchRepository()
        try clone.commit(["dsl/models/post.json": "{}"])
        try clone.run(["push", "--quiet", bare.path, "main"])

        let listener = try DatagramListener()
        var configuration = DaemonConfiguration(source: .repository(path: bare.path))
        configuration.pollIntervalOverride = .seconds(60)
        let calls = Counter()
        let service = DaemonService(
            configuration: configuration,
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket], logger: .quiet),
            logger: .quiet, trapsHangup: false
        ) {
            let call = calls.increment()
            return ReconcileSummary(commit: "abc123\(call)", outcome: .synced, blockedCount: 0, appliedCount: 1)
        }
        let (group, task) = runGroup(service)

        #expect(listener.receive() == "READY=1\nSTATUS=commit abc1231 synced, 0 blocked")
        #expect(await eventually { calls.current == 1 })
        try clone.commit(["dsl/models/post.json": "{\"fields\":{}}"])
        try clone.run(["push", "--quiet", bare.path, "main"])
        #expect(await eventually(timeout: .seconds(10)) { calls.current >= 2 })
        #expect(listener.receive(until: "STATUS=commit abc1232 synced, 0 blocked") != nil)

        await group.triggerGracefulShutdown()
        try await task.value
        #expect(listener.receive(until: "STOPPING=1") != nil)
    }

    @Test func failuresBackOffLogOnceAndRecover() async throws {
        let directory = try TemporaryDirectory()
        var configuration = DaemonConfiguration(source: .remote(url: "file:///nonexistent.git"))
        configuration.pollIntervalOverride = .seconds(60)
        configuration.maxBackoff = .milliseconds(100)
        configuration.metricsFile = directory.path + "/enginesync.prom"
        let capture = LogCapture()
        let logger = Logger(label: "test") { _ in StreamCaptureHandler(capture: capture) }
        let calls = Counter()
        let service = DaemonService(
            configuration: configuration, notifier: SystemdNotifier(environment: [:], logger: logger), logger: logger,
            initialBackoff: .milliseconds(10), trapsHangup: false
        ) {
            let call = calls.increment()
            if call <= 3 {
                return ReconcileSummary(commit: "abc", outcome: .failed, errorDescription: "connection refused")
            }
            return ReconcileSummary(commit: "abc", outcome: .synced)
        }
        let (group, task) = runGroup(service)
        #expect(await eventually { calls.current >= 4 })
        #expect(
            await eventually {
                (try? String(contentsOfFile: directory.path + "/enginesync.prom", encoding: .utf8))?
                    .contains("enginesync_last_reconcile_outcome{outcome=\"synced\"} 1") == true
            })
        await group.triggerGracefulShutdown()
        try await task.value

        #expect(calls.current == 4)  // the poll interval is 60 s: no fifth attempt
        let errors = capture.all.filter { $0.hasPrefix("error reconcile failed") }
        #expect(errors.count == 1)
        #expect(errors.first?.contains("error=connection refused") == true)
        #expect(capture.all.filter { $0.hasPrefix("notice recovered") }.count == 1)
        let metrics = try String(contentsOfFile: directory.path + "/enginesync.prom", encoding: .utf8)
        #expect(metrics.contains("enginesync_consecutive_failures 0\n"))
    }

    /// Issue 12 item 11: a failure that repeats identically is retried at `max_backoff` at once, not from the
    /// initial back-off up, and the log line and STATUS= say so.
    @Test func aFailureThatRepeatsIdenticallyWaitsTheLongestBackoff() async throws {
        var configuration = DaemonConfiguration(source: .remote(url: "file:///nonexistent.git"))
        configuration.pollIntervalOverride = .seconds(60)
        configuration.maxBackoff = .seconds(30)
        let capture = LogCapture()
        let logger = Logger(label: "test") { _ in StreamCaptureHandler(capture: capture) }
        let calls = Counter()
        let service = DaemonService(
            configuration: configuration, notifier: SystemdNotifier(environment: [:], logger: logger), logger: logger,
            initialBackoff: .milliseconds(10), trapsHangup: false
        ) {
            _ = calls.increment()
            return ReconcileSummary(
                commit: "abc", outcome: .failed, errorDescription: "failed: division by zero",
                repeatsIdentically: true)
        }
        let (group, task) = runGroup(service)
        #expect(await eventually { calls.current >= 1 })
        // With the 10 ms initial back-off a transient failure is retried within milliseconds (see above).
        try await Task.sleep(for: .milliseconds(500))
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(calls.current == 1)
        let errors = capture.all.filter { $0.hasPrefix("error reconcile failed the same way") }
        #expect(errors.count == 1, "\(capture.all)")
        #expect(errors.first?.contains("retry.delay=30s") == true, "\(errors)")
        #expect(
            ReconcileSummary(commit: "abc", outcome: .failed, errorDescription: "failed: x", repeatsIdentically: true)
                .statusLine == "commit abc failed (repeats until the commit or database changes): failed: x")
    }

    @Test func theWatchdogIsFedDuringAReconcileOnlyWhileItMakesProgress() async throws {
        let listener = try DatagramListener()
        var configuration = DaemonConfiguration(source: .remote(url: "file:///x.git"))
        configuration.pollIntervalOverride = .seconds(60)
        // Stall limit: statement_timeout + lock_timeout + grace = 1 s; a ping is due every 50 ms.
        configuration.statementTimeout = .seconds(1)
        configuration.lockTimeout = .zero
        let progress = ReconcileProgress(grace: .zero)
        let capture = LogCapture()
        let logger = Logger(label: "test") { _ in StreamCaptureHandler(capture: capture) }
        let environment = ["NOTIFY_SOCKET": listener.notifySocket, "WATCHDOG_USEC": "100000"]
        struct Seen { var done = false, pingsWhileWorking = 0, stallLogged = false, datagramsAfterStall: [String] = [] }
        let seen = Mutex(Seen())
        /// The next datagram, polled without blocking a thread of the cooperative pool.
        @Sendable func nextDatagram() async -> String? {
            for _ in 0..<500 {
                if let message = listener.receive(timeoutMilliseconds: 0) { return message }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
        let service = DaemonService(
            configuration: configuration, notifier: SystemdNotifier(environment: environment, logger: logger),
            logger: logger, trapsHangup: false, progress: progress
        ) {
            // Working: each step touches the progress clock, and the pings keep coming.
            var pings = 0
            while pings < 4 {
                progress.touch()
                guard let message = await nextDatagram() else { break }
                if message == "WATCHDOG=1" { pings += 1 }
            }
            // Hung (a libpq call that never returns): no touch, so the pings stop once the limit has passed.
            // The listener is drained meanwhile: a full datagram queue would block the sender.
            let stalled = await eventually {
                while listener.receive(timeoutMilliseconds: 0) != nil {}
                return capture.all.contains { $0.contains("reconcile made no progress") }
            }
            while listener.receive(timeoutMilliseconds: 0) != nil {}  // pings sent before the stall was noticed
            try? await Task.sleep(for: .milliseconds(500))  // ten ping intervals
            var late: [String] = []
            while let message = listener.receive(timeoutMilliseconds: 0) { late.append(message) }
            seen.withLock {
                $0 = Seen(done: true, pingsWhileWorking: pings, stallLogged: stalled, datagramsAfterStall: late)
            }
            return ReconcileSummary(commit: "abc", outcome: .synced)
        }
        let (group, task) = runGroup(service)
        // The reconcile reads the listener itself until it returns.
        #expect(await eventually(timeout: .seconds(30)) { seen.withLock { $0.done } })
        #expect(listener.receive(until: "READY=1") != nil)
        await group.triggerGracefulShutdown()
        try await task.value
        let result = seen.withLock { $0 }
        #expect(result.pingsWhileWorking == 4)
        #expect(result.stallLogged)
        #expect(result.datagramsAfterStall == [])
    }

    @Test func idleTurnsKeepTheMetricsOfTheLastAttempt() async throws {
        let directory = try TemporaryDirectory()
        let metricsPath = directory.path + "/enginesync.prom"
        var configuration = DaemonConfiguration(source: .remote(url: "file:///x.git"))
        configuration.pollIntervalOverride = .milliseconds(10)
        configuration.maxBackoff = .milliseconds(20)
        configuration.metricsFile = metricsPath
        let calls = Counter()
        // The file as each call finds it: everything the loop wrote after the calls before it.
        let seen = Mutex<[Int: String]>([:])
        let service = DaemonService(
            configuration: configuration, notifier: SystemdNotifier(environment: [:], logger: .quiet), logger: .quiet,
            initialBackoff: .milliseconds(10), trapsHangup: false
        ) {
            let call = calls.increment()
            let file = (try? String(contentsOfFile: metricsPath, encoding: .utf8)) ?? ""
            seen.withLock { $0[call] = file }
            switch call {
            case 1:
                return ReconcileSummary(
                    commit: "abc", outcome: .synced, blockedCount: 1, appliedCount: 3,
                    duration: .milliseconds(1250))
            case 5, 6:
                return ReconcileSummary(
                    commit: "def", outcome: .failed, duration: .milliseconds(500),
                    errorDescription: "connection refused")
            default:  // the tip is the settled commit: what the worker reports between attempts
                return ReconcileSummary(commit: "abc", outcome: .synced, blockedCount: 1, idle: true)
            }
        }
        let (group, task) = runGroup(service)
        #expect(await eventually { calls.current >= 9 })
        await group.triggerGracefulShutdown()
        try await task.value
        let files = seen.withLock { $0 }

        let attempt = try #require(files[2])
        #expect(attempt.contains("enginesync_last_reconcile_duration_seconds 1.25\n"))
        #expect(attempt.contains("enginesync_applied_changes 3\n"))
        #expect(attempt.contains("enginesync_blocked_changes 1\n"))
        #expect(attempt.contains("enginesync_info{commit=\"abc\"} 1\n"))
        // Three idle turns: not a byte changed (the timestamp is still the attempt's).
        #expect(files[5] == attempt)
        let failing = try #require(files[7])
        #expect(failing.contains("enginesync_last_reconcile_outcome{outcome=\"failed\"} 1\n"))
        #expect(failing.contains("enginesync_last_reconcile_duration_seconds 0.5\n"))
        #expect(failing.contains("enginesync_consecutive_failures 2\n"))
        // An idle turn after the failures (the tip is the settled commit again): the outcome, blocked count and
        // commit of what the database holds, so an alert on `failed` clears; the failure count reset; the last
        // attempt's duration kept.
        let settled = try #require(files[9])
        #expect(settled.contains("enginesync_last_reconcile_outcome{outcome=\"synced\"} 1\n"), "\(settled)")
        #expect(settled.contains("enginesync_last_reconcile_outcome{outcome=\"failed\"} 0\n"), "\(settled)")
        #expect(settled.contains("enginesync_blocked_changes 1\n"))
        #expect(settled.contains("enginesync_info{commit=\"abc\"} 1\n"))
        #expect(settled.contains("enginesync_last_reconcile_duration_seconds 0.5\n"))
        #expect(settled.contains("enginesync_consecutive_failures 0\n"))
    }

    @Test func gracefulShutdownFinishesTheCurrentReconcile() async throws {
        let started = Counter()
        let finished = Counter()
        let service = DaemonService(
            configuration: DaemonConfiguration(source: .remote(url: "file:///x.git")),
            notifier: SystemdNotifier(environment: [:], logger: .quiet), logger: .quiet, trapsHangup: false
        ) {
            _ = started.increment()
            // A reconcile that ignores cancellation, like a libpq call blocking a thread.
            try? await Task.sleep(for: .milliseconds(500))
            _ = finished.increment()
            return ReconcileSummary(commit: "abc", outcome: .synced)
        }
        let (group, task) = runGroup(service)
        #expect(await eventually { started.current == 1 })
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(finished.current == 1)
        #expect(started.current == 1)
    }

    @Test func reloadKeepsTheOldConfigurationWhenTheNewOneIsBad() async throws {
        let listener = try DatagramListener()
        let original = DaemonConfiguration(source: .remote(url: "file:///x.git"))
        let attempts = Counter()
        let service = DaemonService(
            configuration: original,
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket], logger: .quiet),
            logger: .quiet, trapsHangup: false,
            reloadConfiguration: {
                if attempts.increment() == 1 {
                    throw DaemonConfigurationTestError(description: "poll_interval: expected a duration")
                }
                var new = original
                new.branch = "production"
                return new
            },
            reconcileOnce: { ReconcileSummary(commit: nil, outcome: .synced) })

        await service.reload()
        #expect(service.currentConfiguration == original)
        #expect(listener.receive()?.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") == true)
        #expect(listener.receive() == "READY=1")

        await service.reload()
        #expect(service.currentConfiguration.branch == "production")
    }

    @Test func statusLines() {
        #expect(
            ReconcileSummary(commit: "0123456789abcdef", outcome: .blocked, blockedCount: 2).statusLine
                == "commit 0123456789ab blocked, 2 blocked")
        #expect(
            ReconcileSummary(commit: nil, outcome: .failed, errorDescription: "connection refused").statusLine
                == "no commit failed: connection refused")
        #expect(ReconcileSummary(commit: "a", outcome: .skipped).needsRetry)
        #expect(!ReconcileSummary(commit: "a", outcome: .invalid).needsRetry)
    }
}

struct DaemonConfigurationTestError: Error, CustomStringConvertible {
    var description: String
}

@Suite struct DaemonLauncherTests {
    @Test func reloadChangesTheLogLevel() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/enginesync.yaml"
        try "remote: file:///x.git\nlog_level: info\n".write(toFile: path, atomically: true, encoding: .utf8)
        let loader = DaemonConfigurationLoader(configPath: path, environment: [:])
        let level = LogLevelSetting(.info)
        let (_, service) = DaemonLauncher.makeServiceGroup(
            configuration: try loader.load(), loader: loader, logger: .quiet, environment: [:], trapSignals: false,
            logLevel: level
        ) { _ in ReconcileSummary(commit: "abc", outcome: .synced) }
        try "remote: file:///x.git\nlog_level: debug\n".write(toFile: path, atomically: true, encoding: .utf8)
        await service.reload()  // what SIGHUP does
        #expect(level.level == .debug)
        try "remote: file:///x.git\nlog_level: loud\n".write(toFile: path, atomically: true, encoding: .utf8)
        await service.reload()  // bad file: the old level stays
        #expect(level.level == .debug)
    }

    @Test func reloadedConfigurationReachesTheReconcileClosure() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/enginesync.yaml"
        try "remote: file:///x.git\nbranch: one\npoll_interval: 1h\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let loader = DaemonConfigurationLoader(configPath: path, environment: [:])
        let seen = Mutex<[String]>([])
        let (group, service) = DaemonLauncher.makeServiceGroup(
            configuration: try loader.load(), loader: loader, logger: .quiet, environment: [:], trapSignals: false
        ) { configuration in
            seen.withLock { $0.append(configuration.branch) }
            return ReconcileSummary(commit: "abc", outcome: .synced)
        }
        let task = Task { try await group.run() }
        #expect(await eventually { seen.withLock { $0 } == ["one"] })
        try "remote: file:///x.git\nbranch: two\npoll_interval: 1h\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        await service.reload()  // what SIGHUP does; it also wakes the loop
        #expect(await eventually { seen.withLock { $0 } == ["one", "two"] })
        try "remote: file:///x.git\nbranch: two\npoll_interval: soon\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        await service.reload()  // bad file: the old configuration stays
        #expect(await eventually { seen.withLock { $0 }.count == 3 })
        #expect(seen.withLock { $0 } == ["one", "two", "two"])
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
