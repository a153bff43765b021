package import EngineSync
import EngineSyncCore
import Foundation
package import Logging
package import ServiceLifecycle
import Synchronization
import UnixSignals

/// The daemon's run loop as a swift-service-lifecycle `Service` (SPEC 8).
///
/// Each turn: reconcile once (through the injected closure), tell systemd (`READY=1` after the first
/// attempt, then `STATUS=`), write the metrics file after a real attempt (an idle turn keeps the last
/// attempt's figures), log the outcome once per distinct error, then wait — for a push (inotify on a
/// local repository), the poll interval (`standby_poll_interval` while the database is a hot standby), or the
/// back-off delay after a failure — sending `WATCHDOG=1`
/// from the loop itself, and during a reconcile only while it makes progress (`ReconcileProgress`), so
/// a hung libpq or libgit2 call lets systemd's watchdog restart the service. Graceful shutdown
/// (SIGTERM/SIGINT through the `ServiceGroup`) lets the current reconcile finish, interrupts the wait
/// at once, sends `STOPPING=1` and returns. SIGHUP calls the injected reload closure; a bad new
/// configuration keeps the old one.
///
/// The service owns no database or git handle: the reconcile closure does. Loop state lives in `run()`;
/// the only shared state, the current configuration, is behind a mutex.
package final class DaemonService: Service, Sendable {
    package typealias Reconcile = @Sendable () async -> ReconcileSummary
    package typealias Reload = @Sendable () async throws -> DaemonConfiguration
    /// A quick look at the source (resolve the branch tip, fetch a remote) returning the STATUS= line.
    package typealias SourceCheck = @Sendable () async -> String

    private let configuration: Mutex<DaemonConfiguration>
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let initialBackoff: Duration
    private let trapsHangup: Bool
    private let reloadConfiguration: Reload?
    private let reconcileOnce: Reconcile
    private let checkSource: SourceCheck?
    /// Touched by the reconcile path; `nil`: the reconcile reports no progress and no ping is sent while it runs.
    private let progress: ReconcileProgress?
    /// Woken by the ref watcher, by `wakeUp()` and after a reload.
    private let wakeSignal = WakeUpSignal()

    /// - Parameters:
    ///   - configuration: the validated start-up configuration (poll interval, back-off cap, metrics file,
    ///     repository to watch).
    ///   - notifier: systemd notifications; `SystemdNotifier(environment:logger:)` is a no-op unsupervised.
    ///   - initialBackoff: first retry delay (1 s per SPEC 8; tests use less).
    ///   - trapsHangup: listen for SIGHUP and reload (off in tests, which call `reload()` directly).
    ///   - reloadConfiguration: re-reads the configuration on SIGHUP; throwing keeps the old one.
    ///   - progress: what `reconcileOnce` touches as it works; the watchdog is fed during a reconcile only while
    ///     the last touch is within `statement_timeout + lock_timeout +` the progress's grace.
    ///   - reconcileOnce: one reconcile of the branch tip; must not throw (catch and return `.failed`).
    package init(
        configuration: DaemonConfiguration, notifier: SystemdNotifier, logger: Logger,
        initialBackoff: Duration = .seconds(1), trapsHangup: Bool = true,
        reloadConfiguration: Reload? = nil, checkSource: SourceCheck? = nil,
        progress: ReconcileProgress? = nil, reconcileOnce: @escaping Reconcile
    ) {
        self.checkSource = checkSource
        self.progress = progress
        self.configuration = Mutex(configuration)
        self.notifier = notifier
        self.logger = logger
        self.initialBackoff = initialBackoff
        self.trapsHangup = trapsHangup
        self.reloadConfiguration = reloadConfiguration
        self.reconcileOnce = reconcileOnce
    }

    /// The configuration in force (changes on a successful reload).
    package var currentConfiguration: DaemonConfiguration { configuration.withLock { $0 } }

    /// Ends the current wait and reconciles now (e.g. a drift timer, an admin request).
    package func wakeUp() {
        wakeSignal.signal()
    }

    package func run() async throws {
        await withDiscardingTaskGroup { group in
            if trapsHangup, reloadConfiguration != nil {
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        await self.reload()
                    }
                }
            }
            await withGracefulShutdownHandler {
                await loop()
            } onGracefulShutdown: { [notifier, logger, progress] in
                notifier.stopping()
                // A long statement (an index build, a migration) is cancelled: its transaction rolls back and
                // the next start reconciles the commit again. Between statements the reconcile just finishes.
                if progress?.cancelRunningStatement() == true {
                    logger.notice(
                        "shutting down: asked the server to cancel the reconcile's running statement; its transaction rolls back"
                    )
                } else {
                    logger.notice("shutting down after the current reconcile")
                }
            }
            group.cancelAll()
        }
    }

    /// Reloads the configuration through the injected closure (what SIGHUP does): `RELOADING=1`, then the
    /// new configuration or, when it is bad, the old one with the reason logged, then `READY=1` and an
    /// immediate reconcile.
    package func reload() async {
        guard let reloadConfiguration else { return }
        notifier.reloading()
        do {
            let new = try await reloadConfiguration()
            configuration.withLock { $0 = new }
            logger.notice("configuration reloaded", metadata: ["config": "\(new.redactedDescription)"])
        } catch {
            logger.error(
                "configuration reload failed, keeping the previous configuration",
                metadata: [
                    "config.error": "\(error)"
                ])
        }
        notifier.ready()
        wakeSignal.signal()
    }

    private func loop() async {
        var backoff = Backoff(initial: initialBackoff, maximum: currentConfiguration.maxBackoff)
        var deduplicator = ErrorDeduplicator()
        var random = SystemRandomNumberGenerator()
        var consecutiveFailures = 0
        /// The figures of the last real attempt; idle turns keep them (only the failure count can change).
        var lastAttempt: MetricsSnapshot?
        var lastWritten: (snapshot: MetricsSnapshot, path: String)?
        var isReady = false
        // READY=1 after the configuration and a first look at the source, before the first reconcile, which
        // may build large indexes for longer than systemd's start timeout.
        if let checkSource {
            notifier.ready(status: await checkSource())
            isReady = true
        }
        var watcher: RefWatcher?
        defer { watcher?.stop() }

        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let configuration = currentConfiguration
            watcher = updatedWatcher(watcher, for: configuration)
            notifier.watchdog()

            let summary = await withWatchdogPings(reconcileOnce, configuration: configuration)

            if isReady {
                notifier.status(summary.statusLine)
            } else {
                notifier.ready(status: summary.statusLine)
                isReady = true
            }

            var metadata: Logger.Metadata = [
                "reconcile.outcome": "\(summary.outcome.rawValue)",
                "reconcile.blocked": "\(summary.blockedCount)",
                "reconcile.applied": "\(summary.appliedCount)",
            ]
            if let commit = summary.commit { metadata["git.commit"] = "\(commit)" }

            let delay: Duration
            if summary.needsRetry {
                consecutiveFailures += 1
                backoff.maximum = max(backoff.initial, configuration.maxBackoff)
                delay = backoff.nextDelay(using: &random)
                    .clamped(atLeast: summary.repeatsIdentically ? backoff.maximum : .zero)
                metadata["retry.delay"] = "\(DurationText.format(delay))"
                metadata["retry.failures"] = "\(consecutiveFailures)"
                switch deduplicator.failed(summary.failureDescription) {
                case .report(let error):
                    metadata["error"] = "\(error)"
                    if summary.repeatsIdentically {
                        // Retrying sooner would repeat the same work and the same error (issue 12 item 11).
                        logger.error(
                            """
                            reconcile failed the same way it will fail again until the commit or the database \
                            changes; retrying at max_backoff or on the next push
                            """, metadata: metadata)
                    } else {
                        logger.error("reconcile failed, retrying with back-off", metadata: metadata)
                    }
                case .suppress:
                    logger.debug("reconcile still failing", metadata: metadata)
                case .recovered, .none:
                    break
                }
            } else {
                if case .recovered(let lastError, let failures) = deduplicator.succeeded() {
                    metadata["error"] = "\(lastError)"
                    metadata["retry.failures"] = "\(failures)"
                    logger.notice("recovered", metadata: metadata)
                } else {
                    logger.debug("reconcile finished", metadata: metadata)
                }
                consecutiveFailures = 0
                backoff.reset()
                // A hot standby is a state, not a failure: asked again on a short fixed interval, so a promoted
                // server (Patroni switchover or failover) is reconciled within seconds.
                delay = summary.outcome == .standby ? configuration.standbyPollInterval : configuration.pollInterval
            }

            if !summary.idle {
                lastAttempt = MetricsSnapshot(
                    lastReconcileTimestamp: Date().timeIntervalSince1970, outcome: summary.outcome,
                    lastReconcileDuration: summary.duration, appliedChanges: summary.appliedCount,
                    blockedChanges: summary.blockedCount, consecutiveFailures: consecutiveFailures,
                    commit: summary.commit)
            }
            lastAttempt?.consecutiveFailures = consecutiveFailures
            if let lastAttempt, let path = configuration.metricsFile,
                lastWritten.map({ $0.snapshot != lastAttempt || $0.path != path }) ?? true,
                writeMetrics(lastAttempt, to: path)
            {
                lastWritten = (lastAttempt, path)
            }

            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
            await waitForWakeUp(upTo: delay)
        }
    }

    /// Keeps the inotify watcher on the configured repository (recreated when a reload changes it; none
    /// for a remote source, which is polled).
    private func updatedWatcher(_ current: RefWatcher?, for configuration: DaemonConfiguration) -> RefWatcher? {
        guard let path = configuration.repositoryPath else {
            current?.stop()
            return nil
        }
        if let current, current.repositoryPath == path { return current }
        current?.stop()
        do {
            return try RefWatcher(repositoryPath: path, signal: wakeSignal, logger: logger)
        } catch {
            logger.warning("cannot watch the repository, polling only", metadata: ["watch.error": "\(error)"])
            return nil
        }
    }

    /// Waits up to `delay` for a wake-up, pinging the watchdog at its interval, and returns at once on
    /// graceful shutdown (a plain sleep would not be interrupted by it).
    private func waitForWakeUp(upTo delay: Duration) async {
        let deadline = ContinuousClock.now + delay
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { return }
            let chunk = notifier.watchdogInterval.map { min($0, remaining) } ?? remaining
            let reason = await cancelWhenGracefulShutdown { [wakeSignal] in
                await wakeSignal.wait(timeout: chunk)
            }
            switch reason {
            case .signalled, .cancelled: return
            case .timedOut: notifier.watchdog()
            }
        }
    }

    /// Runs the reconcile while a side task feeds the watchdog as long as the reconcile makes progress, so a
    /// long but healthy reconcile (a big index build; each statement bounded by statement_timeout) is not
    /// killed by systemd, and a hung one is.
    private func withWatchdogPings(
        _ operation: @escaping Reconcile,
        configuration: DaemonConfiguration
    ) async -> ReconcileSummary {
        guard let interval = notifier.watchdogInterval, let progress else { return await operation() }
        let limit = progress.stallLimit(
            statementTimeout: configuration.statementTimeout,
            lockTimeout: configuration.lockTimeout)
        return await withTaskGroup(of: ReconcileSummary?.self) { group in
            group.addTask { await operation() }
            group.addTask { [notifier, logger] in
                var stalled = false
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    if progress.shouldPing(limit: limit) {
                        notifier.watchdog()
                        stalled = false
                    } else if !stalled {
                        stalled = true
                        logger.error(
                            "reconcile made no progress, withholding watchdog pings",
                            metadata: [
                                "watchdog.limit": "\(DurationText.format(limit))"
                            ])
                    }
                }
                return nil
            }
            var result: ReconcileSummary?
            for await value in group {
                if let value {
                    result = value
                    group.cancelAll()
                }
            }
            return result
                ?? ReconcileSummary(commit: nil, outcome: .failed, errorDescription: "reconcile did not return")
        }
    }

    /// Writes the metrics file; `false` (logged) when it could not be written, so the next turn tries again.
    private func writeMetrics(_ snapshot: MetricsSnapshot, to path: String) -> Bool {
        do {
            try MetricsTextFile(path: path).write(snapshot)
            return true
        } catch {
            logger.warning("cannot write the metrics file", metadata: ["metrics.error": "\(error)"])
            return false
        }
    }
}

extension Duration {
    fileprivate func clamped(atLeast floor: Duration) -> Duration { Swift.max(self, floor) }
}
