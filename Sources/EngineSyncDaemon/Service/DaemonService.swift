package import EngineSync
import EngineSyncCore
import Foundation
package import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The daemon's run loop as a swift-service-lifecycle `Service` (SPEC 8), for one database or a fleet of
/// targets (issue 17).
///
/// Every target (the single database is one target without a name) has a loop of its own: reconcile once
/// (through the target's closure, holding one of `max_parallel_targets` slots), tell systemd (`READY=1` after
/// the first attempt, then `STATUS=`, a summary of all targets in a fleet), write the metrics file after a real
/// attempt (an idle turn keeps the last attempt's figures; a fleet's series carry a `target` label), log the
/// outcome once per distinct error, then wait — for a push (inotify on a local repository, one watcher for all
/// targets), the poll interval (`standby_poll_interval` while the target's database is a hot standby), the
/// target's own back-off delay after a failure, or its canary's new outcome (`after:`). So a target that is
/// down, slow or held never delays another. `WATCHDOG=1` is sent at its interval while no reconcile stalls (`ReconcileProgress`), so a hung libpq or libgit2 call lets systemd's
/// watchdog restart the service. Graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`) lets the
/// current reconciles finish, interrupts the waits at once, sends `STOPPING=1` and returns. SIGHUP calls the
/// injected reload closure; a bad new configuration keeps the old one.
///
/// The service owns no database or git handle: the targets' closures do. Each loop's scheduling state lives in
/// its `TargetSchedule`; what the loops share (last summaries, metrics, readiness) is behind a mutex.
package final class DaemonService: Service, Sendable {
    package typealias Reconcile = @Sendable () async -> ReconcileSummary
    package typealias Reload = @Sendable () async throws -> DaemonConfiguration
    /// A quick look at the source (resolve the branch tip, fetch a remote) returning the STATUS= line.
    package typealias SourceCheck = @Sendable () async -> String
    /// A fleet's shared fetch of a remote (`FleetSource.refresh`), repeated at the poll interval.
    package typealias SourceRefresh = @Sendable (DaemonConfiguration) async -> DaemonReconciler.SourceState

    /// One database the service reconciles.
    package struct Target: Sendable {
        /// `nil`: the single database of a configuration without `targets:`.
        package var name: String?
        /// The target whose synced commit this one waits for (a staged rollout).
        package var after: String?
        /// Touched by `reconcile` as it works; `nil`: no progress is reported and no ping is sent while it runs.
        package var progress: ReconcileProgress?
        /// One step of the target; must not throw (catch and return `.failed`). `rollout` is set for a target
        /// with `after`: its canary's last step.
        package var reconcile: @Sendable (_ rollout: RolloutGate?) async -> ReconcileSummary

        package init(
            name: String? = nil, after: String? = nil, progress: ReconcileProgress? = nil,
            reconcile: @escaping @Sendable (_ rollout: RolloutGate?) async -> ReconcileSummary
        ) {
            self.name = name
            self.after = after
            self.progress = progress
            self.reconcile = reconcile
        }
    }

    private let configuration: Mutex<DaemonConfiguration>
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let initialBackoff: Duration
    private let trapsHangup: Bool
    private let reloadConfiguration: Reload?
    private let checkSource: SourceCheck?
    private let refreshSource: SourceRefresh?
    private let targets: [Target]
    /// One per target: its waits end on a push, a reload, `wakeUp()` or (with `after`) its canary's new outcome.
    private let targetSignals: [WakeUpSignal]
    /// Woken by the ref watcher, by `wakeUp()` and after a reload; wakes every target and the shared fetch.
    private let wakeSignal: WakeUpSignal
    /// The shared fetch of a fleet's remote waits on this one.
    private let sourceSignal = WakeUpSignal()
    /// The repository watcher is re-created after a reload.
    private let reloadSignal = WakeUpSignal()
    private let slots: ReconcileSlots

    private struct Shared {
        var summaries: [ReconcileSummary?]
        var metrics: [MetricsSnapshot?]
        var busy: [Bool]
        var isReady = false
        var lastWritten: (text: String, path: String)?
        var sourceProblem: String?
    }

    private let shared: Mutex<Shared>

    /// The single-database service: one target without a name.
    ///
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
    package convenience init(
        configuration: DaemonConfiguration, notifier: SystemdNotifier, logger: Logger,
        initialBackoff: Duration = .seconds(1), trapsHangup: Bool = true,
        reloadConfiguration: Reload? = nil, checkSource: SourceCheck? = nil,
        progress: ReconcileProgress? = nil, reconcileOnce: @escaping Reconcile
    ) {
        self.init(
            configuration: configuration, notifier: notifier, logger: logger, initialBackoff: initialBackoff,
            trapsHangup: trapsHangup, reloadConfiguration: reloadConfiguration, checkSource: checkSource,
            targets: [Target(progress: progress) { _ in await reconcileOnce() }])
    }

    /// A service over `targets` (a fleet, or the single database as one unnamed target). `refreshSource`: a
    /// fleet's shared fetch of a remote, run at the poll interval; a new tip wakes every target.
    package init(
        configuration: DaemonConfiguration, notifier: SystemdNotifier, logger: Logger,
        initialBackoff: Duration = .seconds(1), trapsHangup: Bool = true,
        reloadConfiguration: Reload? = nil, checkSource: SourceCheck? = nil, refreshSource: SourceRefresh? = nil,
        targets: [Target]
    ) {
        self.checkSource = checkSource
        self.refreshSource = refreshSource
        self.configuration = Mutex(configuration)
        self.notifier = notifier
        self.logger = logger
        self.initialBackoff = initialBackoff
        self.trapsHangup = trapsHangup
        self.reloadConfiguration = reloadConfiguration
        self.targets = targets
        let signals = targets.map { _ in WakeUpSignal() }
        targetSignals = signals
        wakeSignal =
            signals.count == 1 && refreshSource == nil
            ? signals[0] : WakeUpSignal(followers: signals + (refreshSource == nil ? [] : [sourceSignal]))
        slots = ReconcileSlots(count: targets.count == 1 ? 1 : configuration.maxParallelTargets)
        shared = Mutex(
            Shared(
                summaries: targets.map { _ in nil }, metrics: targets.map { _ in nil },
                busy: targets.map { _ in false }))
    }

    /// The configuration in force (changes on a successful reload).
    package var currentConfiguration: DaemonConfiguration { configuration.withLock { $0 } }

    /// Ends the current waits and reconciles now (e.g. a drift timer, an admin request).
    package func wakeUp() {
        wakeSignal.signal()
    }

    private var isFleet: Bool { targets.count != 1 || targets.first?.name != nil }

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
                await runTargets()
            } onGracefulShutdown: { [notifier, logger, targets] in
                notifier.stopping()
                // A long statement (an index build, a migration) is cancelled: its transaction rolls back and
                // the next start reconciles the commit again. Between statements the reconcile just finishes.
                let cancelled = targets.filter { $0.progress?.cancelRunningStatement() == true }
                if !cancelled.isEmpty {
                    logger.notice(
                        "shutting down: asked the server to cancel the reconcile's running statement; its transaction rolls back",
                        metadata: cancelled.contains { $0.name != nil }
                            ? ["targets": "\(cancelled.compactMap(\.name).joined(separator: ","))"] : [:])
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
        reloadSignal.signal()
        wakeSignal.signal()
    }

    private func runTargets() async {
        // READY=1 after the configuration and a first look at the source, before the first reconcile, which
        // may build large indexes for longer than systemd's start timeout.
        if let checkSource {
            let status = await checkSource()
            shared.withLock { $0.isReady = true }
            notifier.ready(status: status)
        }
        let watcher = updatedWatcher(nil, for: currentConfiguration)
        await withTaskGroup(of: Void.self) { helpers in
            helpers.addTask { await self.watchRepository(from: watcher) }
            if let interval = notifier.watchdogInterval {
                helpers.addTask { await self.feedWatchdog(every: interval) }
            }
            if let refreshSource {
                helpers.addTask { await self.refreshLoop(refreshSource) }
            }
            await withDiscardingTaskGroup { loops in
                for index in targets.indices {
                    loops.addTask { await self.targetLoop(index) }
                }
            }
            // Every target has finished its last reconcile: the watcher, the fetch and the watchdog stop too.
            helpers.cancelAll()
        }
    }

    /// One target's loop: reconcile, publish, wait; until graceful shutdown.
    private func targetLoop(_ index: Int) async {
        let target = targets[index]
        var logger = self.logger
        if let name = target.name { logger[metadataKey: "target"] = "\(name)" }
        var schedule = TargetSchedule(
            initialBackoff: initialBackoff, maximum: currentConfiguration.maxBackoff, logger: logger)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let configuration = currentConfiguration
            let step = await slots.withSlot { () -> ReconcileSummary? in
                // A slot freed by a reconcile that finished during shutdown starts nothing new.
                guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return nil }
                let rollout = target.after.map { canary in
                    RolloutGate(canary: canary, state: lastSummary(of: canary).map(RolloutGate.CanaryState.init))
                }
                target.progress?.touch()
                shared.withLock { $0.busy[index] = true }
                defer { shared.withLock { $0.busy[index] = false } }
                return await target.reconcile(rollout)
            }
            guard let summary = step else { break }
            let delay = schedule.settle(summary, configuration: configuration)
            publish(summary, metrics: schedule.lastAttempt, of: index, configuration: configuration)
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
            await waitForWakeUp(targetSignals[index], upTo: delay)
        }
    }

    private func lastSummary(of name: String) -> ReconcileSummary? {
        guard let index = targets.firstIndex(where: { $0.name == name }) else { return nil }
        return shared.withLock { $0.summaries[index] }
    }

    /// Records a target's step, wakes the targets that wait for it when its state changed, sends `STATUS=`
    /// (or `READY=1`) and rewrites the metrics file when its text changed.
    private func publish(
        _ summary: ReconcileSummary, metrics: MetricsSnapshot?, of index: Int, configuration: DaemonConfiguration
    ) {
        let (changed, status, ready) = shared.withLock { shared -> (Bool, String, Bool) in
            let previous = shared.summaries[index]
            shared.summaries[index] = summary
            shared.metrics[index] = metrics
            let changed =
                previous.map { RolloutGate.CanaryState($0) != RolloutGate.CanaryState(summary) } ?? true
            let status =
                isFleet
                ? FleetStatus.line(
                    targets: targets.indices.map { (targets[$0].name ?? "-", shared.summaries[$0]) },
                    sourceProblem: shared.sourceProblem)
                : summary.statusLine
            let ready = !shared.isReady
            shared.isReady = true
            writeMetricsIfChanged(&shared, path: configuration.metricsFile)
            return (changed, status, ready)
        }
        if ready {
            notifier.ready(status: status)
        } else {
            notifier.status(status)
        }
        if changed, let name = targets[index].name {
            for (dependent, target) in targets.enumerated() where target.after == name {
                targetSignals[dependent].signal()
            }
        }
    }

    /// Writes the metrics file (under the shared lock, so two targets never write it out of order) when its
    /// text or path changed; a failure is logged and retried on the next turn.
    private func writeMetricsIfChanged(_ shared: inout Shared, path: String?) {
        guard let path else { return }
        let text: String
        if isFleet {
            let series = targets.indices.compactMap { index in
                shared.metrics[index].map { (name: targets[index].name ?? "-", snapshot: $0) }
            }
            guard !series.isEmpty else { return }
            text = MetricsTextFile.render(targets: series)
        } else {
            guard let snapshot = shared.metrics[0] else { return }
            text = MetricsTextFile.render(snapshot)
        }
        if let written = shared.lastWritten, written.text == text, written.path == path { return }
        do {
            try AtomicFileWriter.write(Array(text.utf8), to: path, mode: 0o644)
            shared.lastWritten = (text, path)
        } catch {
            logger.warning("cannot write the metrics file", metadata: ["metrics.error": "\(error)"])
        }
    }

    /// A fleet's shared fetch of its remote: at the poll interval (or on a wake-up), and a new tip wakes every
    /// target. A failing fetch is logged once per distinct error and shown in `STATUS=`; the targets go on
    /// with the mirror as it is.
    private func refreshLoop(_ refresh: SourceRefresh) async {
        var deduplicator = ErrorDeduplicator()
        var lastTip: String?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let problem: String?
            switch await refresh(currentConfiguration) {
            case .tip(let tip):
                problem = nil
                if tip != lastTip {
                    lastTip = tip
                    for signal in targetSignals { signal.signal() }
                }
            case .noBranch:
                problem = "branch '\(currentConfiguration.branch)' does not exist"
            case .problem(let text):
                problem = text
            }
            shared.withLock { $0.sourceProblem = problem }
            if let problem {
                if case .report = deduplicator.failed(problem) {
                    logger.error("cannot refresh the source for the targets", metadata: ["error": "\(problem)"])
                }
            } else if case .recovered(let lastError, _) = deduplicator.succeeded() {
                logger.notice("source refreshed again", metadata: ["error": "\(lastError)"])
            }
            await waitForWakeUp(sourceSignal, upTo: currentConfiguration.pollInterval)
        }
    }

    /// Keeps the inotify watcher on the configured repository, re-created when a reload changes it.
    private func watchRepository(from initial: RefWatcher?) async {
        var watcher = initial
        defer { watcher?.stop() }
        while !Task.isCancelled {
            _ = await reloadSignal.wait(timeout: .seconds(3600))
            if Task.isCancelled { break }
            watcher = updatedWatcher(watcher, for: currentConfiguration)
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

    /// Waits up to `delay` for a wake-up, and returns at once on graceful shutdown (a plain sleep would not be
    /// interrupted by it).
    private func waitForWakeUp(_ signal: WakeUpSignal, upTo delay: Duration) async {
        _ = await cancelWhenGracefulShutdown {
            await signal.wait(timeout: delay)
        }
    }

    /// Sends `WATCHDOG=1` at its interval while no reconcile has stalled: a reconcile that makes progress (each
    /// statement bounded by statement_timeout) keeps the service alive, a hung one gets it restarted by systemd.
    /// Runs until the target loops have finished, so the last reconcile of a graceful shutdown is covered too.
    private func feedWatchdog(every interval: Duration) async {
        var stalled = false
        while !Task.isCancelled {
            notifierPing: do {
                let configuration = currentConfiguration
                let busy = shared.withLock { $0.busy }
                var withheld: (target: Target, limit: Duration)?
                for (index, target) in targets.enumerated() where busy[index] {
                    let settings =
                        target.name.flatMap { configuration.target(named: $0)?.configuration } ?? configuration
                    guard let progress = target.progress else {
                        withheld = (target, .zero)
                        continue
                    }
                    let limit = progress.stallLimit(
                        statementTimeout: settings.statementTimeout, lockTimeout: settings.lockTimeout)
                    if !progress.shouldPing(limit: limit) {
                        withheld = (target, limit)
                        break
                    }
                }
                guard let withheld else {
                    notifier.watchdog()
                    stalled = false
                    break notifierPing
                }
                // A reconcile without progress reporting is not pinged for, but is not called stalled either.
                if withheld.target.progress != nil, !stalled {
                    stalled = true
                    var metadata: Logger.Metadata = ["watchdog.limit": "\(DurationText.format(withheld.limit))"]
                    if let name = withheld.target.name { metadata["target"] = "\(name)" }
                    logger.error("reconcile made no progress, withholding watchdog pings", metadata: metadata)
                }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
