import ArgumentParser
import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `enginesync run`: the daemon (SPEC 8).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Watch the repository and reconcile every new commit of the branch (the daemon).",
        discussion: """
            Reads the configuration file (--config, default /etc/enginesync/enginesync.yaml), then \
            ENGINESYNC_* environment variables, then flags (each overrides the one before). Watches a \
            local repository with inotify (a push is seen at once; no git hook needed) or fetches a remote \
            into a mirror under the state directory, and reconciles the branch tip: migrations, then Safe \
            Sync, then the report files. Failures are retried with exponential back-off; SIGHUP reloads \
            the configuration; SIGTERM/SIGINT finish the current reconcile and exit 0. Under systemd \
            (Type=notify) it sends READY=1, STATUS=, WATCHDOG=1 and STOPPING=1.

            With `targets:` in the configuration file (docs/OPERATIONS.md, "A fleet of databases") it \
            reconciles every target, each with its own connection, lock, back-off and reports_dir/<name>/, at \
            most max_parallel_targets at once; a target with `after: <name>` waits until that target has \
            synced the commit. With --once it then reconciles each target once in rollout order, prints one \
            line per target and exits 0 when every target's code is 0, else the most serious of 1, 3, 2.

            With --once it reconciles the tip once and exits with the codes of `sync`: 0 synced, \
            2 blocked, 3 invalid, 1 failed/skipped/standby; it waits up to --lock-wait (default 60s) for \
            another reconciler's advisory lock. A bad configuration exits 64 naming the key. With \
            --metrics-file it writes the metrics file once, as a daemon turn would (an unwritable file \
            is exit 1). With notify: it then delivers the pending webhook events once; what cannot be \
            delivered stays in the outbox for the next run (the exit code is the reconcile's).

            Examples:
              enginesync run --config /etc/enginesync/enginesync.yaml
              enginesync run --repo /srv/git/schema.git --database "host=/run/postgresql dbname=app" \\
                --state-dir /var/lib/enginesync --poll-interval 5s
              enginesync run --once --repo /srv/git/schema.git --reports-dir ./reports
            """
    )

    @OptionGroup var options: DaemonOptions

    @Flag(name: .long, help: "Reconcile the tip once and exit with the exit codes of `sync`.")
    var once = false

    @Option(
        name: .customLong("lock-wait"), parsing: .unconditional,
        help: "With --once: how long to wait for another reconciler's advisory lock before giving up as skipped.")
    var lockWait = DurationArgument(milliseconds: 60_000)

    func run() async throws {
        // Before the daemon's threads allocate (docs/BENCHMARKS.md: the idle daemon's memory).
        FreeMemoryRelease.useOneArena()
        let environment = ProcessInfo.processInfo.environment
        let loader = options.makeLoader(environment: environment)
        let configuration: DaemonConfiguration
        do {
            configuration = try loader.load()
        } catch {
            CommandFailure.printError("configuration: \(error)")
            throw ExitCode(64)
        }
        let logLevel = LoggingBootstrap.bootstrapJournald(level: configuration.logLevel)
        let logger = Logger(label: "enginesync")
        logger.notice(
            "starting",
            metadata: [
                "config": "\(configuration.redactedDescription)", "memory.allocator": "\(FreeMemoryRelease.allocator)",
            ])
        if !configuration.targets.isEmpty {
            try await runFleet(
                configuration, loader: loader, logger: logger, environment: environment, logLevel: logLevel)
            return
        }
        // One-shot: wait for another reconciler's lock like `sync` does; the daemon loop retries instead.
        let worker = ReconcileWorker(
            configuration: configuration, logger: logger, lockWait: once ? lockWait.duration : .zero)

        if once {
            let deliverers = DaemonLauncher.deliverers(configuration, logger: logger)
            for deliverer in deliverers { deliverer.registerWebhooks() }
            let step = await worker.reconcileTipOnce()
            if let error = step.errorDescription ?? (step.outcome == .standby ? step.detail : nil) {
                CommandFailure.printError(error)
            }
            let outcome = step.outcome  // idle: the settled commit's outcome
            print(
                "\(step.commit.map { String($0.prefix(12)) } ?? "-") \(step.idle ? "already reconciled" : outcome.rawValue), "
                    + "\(step.appliedCount) applied, \(step.blockedCount) blocked; reports in \(configuration.reportsDirectory)"
            )
            await Self.deliverNotifications(deliverers)
            // The textfile collector sees a `--once` run (a cron job or a systemd timer) like a daemon turn.
            var metricsWritten = true
            if let path = configuration.metricsFile {
                let snapshot = MetricsSnapshot(
                    lastReconcileTimestamp: Date().timeIntervalSince1970, outcome: outcome,
                    lastReconcileDuration: step.duration, appliedChanges: step.appliedCount,
                    blockedChanges: step.blockedCount, consecutiveFailures: step.errorDescription == nil ? 0 : 1,
                    commit: step.commit)
                do {
                    try MetricsTextFile(path: path).write(snapshot)
                } catch {
                    CommandFailure.printError("cannot write the metrics file \(path): \(error)")
                    metricsWritten = false
                }
            }
            if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
            if !metricsWritten { throw ExitCode.failure }
            // Applied, but the reports could not be written (the database keeps the report; a later run
            // restores the files): still a failure for a one-shot command.
            if step.errorDescription != nil { throw ExitCode.failure }
            return
        }

        let (group, _) = DaemonLauncher.makeServiceGroup(
            configuration: configuration, loader: loader, logger: logger, environment: environment, logLevel: logLevel,
            checkSource: { await worker.checkSource() }, progress: worker.progress,
            reconcile: { current in await worker.reconcileOnce(configuration: current) })
        try await group.run()
        await worker.closeSession()
        logger.notice("stopped")
    }

    /// `targets:` (issue 17): one worker per target, each with its own connection, lock, snapshot cache,
    /// reports and back-off; the source is read (a remote fetched) once for all of them.
    private func runFleet(
        _ configuration: DaemonConfiguration, loader: DaemonConfigurationLoader, logger: Logger,
        environment: [String: String], logLevel: LogLevelSetting
    ) async throws {
        let workers = configuration.targets.map { target in
            var targetLogger = logger
            targetLogger[metadataKey: "target"] = "\(target.name)"
            return ReconcileWorker(
                configuration: target.configuration, logger: targetLogger,
                lockWait: once ? lockWait.duration : .zero, fetchesRemote: false)
        }
        let source = FleetSource(configuration: configuration, logger: logger)
        if once {
            try await runFleetOnce(configuration, workers: workers, source: source, logger: logger)
            return
        }
        var refresh: DaemonService.SourceRefresh?
        if configuration.repositoryPath == nil { refresh = { await source.refresh($0) } }
        var targets: [DaemonLauncher.Target] = []
        for (target, worker) in zip(configuration.targets, workers) {
            targets.append(
                DaemonLauncher.Target(name: target.name, after: target.after, progress: worker.progress) {
                    current, rollout in
                    await worker.reconcileOnce(configuration: current, rollout: rollout)
                })
        }
        let (group, _) = DaemonLauncher.makeServiceGroup(
            configuration: configuration, loader: loader, logger: logger, environment: environment, logLevel: logLevel,
            checkSource: { await source.checkSource() }, refreshSource: refresh, targets: targets)
        try await group.run()
        for worker in workers { await worker.closeSession() }
        logger.notice("stopped")
    }

    /// `run --once` delivers the events its reconcile recorded (no delivery service runs beside it), one pass,
    /// and prints one line per database with webhooks. An event that cannot be delivered stays in the outbox for
    /// the next run or the daemon; like in the daemon, a webhook never changes the reconcile's exit code.
    static func deliverNotifications(_ deliverers: [NotificationDeliverer]) async {
        for deliverer in deliverers {
            let result = await deliverer.deliverPendingOnce()
            print(
                "\(deliverer.target.map { $0 + ": " } ?? "")notifications: \(result.delivered) delivered"
                    + (result.pending > 0 ? ", \(result.pending) pending (kept in the outbox for the next run)" : ""))
        }
    }

    /// `run --once` with targets: fetch once, then each target once, in rollout order (a target after its
    /// canary, which must have synced the tip in this very run). One line per target; the exit code is the
    /// fleet's (`FleetExitCode`).
    private func runFleetOnce(
        _ configuration: DaemonConfiguration, workers: [ReconcileWorker], source: FleetSource, logger: Logger
    ) async throws {
        let deliverers = DaemonLauncher.deliverers(configuration, logger: logger)
        for deliverer in deliverers { deliverer.registerWebhooks() }
        if case .problem(let problem) = await source.refresh() { CommandFailure.printError(problem) }
        let workerByName = Dictionary(uniqueKeysWithValues: zip(configuration.targets.map(\.name), workers))
        var summaries: [String: ReconcileSummary] = [:]
        var snapshots: [(name: String, snapshot: MetricsSnapshot)] = []
        var codes: [Int32] = []
        var failedOtherwise = false
        for target in DaemonTarget.rolloutOrder(configuration.targets) {
            guard let worker = workerByName[target.name] else { continue }
            let rollout = target.after.map {
                RolloutGate(canary: $0, state: summaries[$0].map(RolloutGate.CanaryState.init))
            }
            let step = await worker.reconcileTipOnce(rollout: rollout)
            summaries[target.name] = step
            if let error = step.errorDescription ?? (step.outcome == .standby ? step.detail : nil) {
                CommandFailure.printError("\(target.name): \(error)")
            }
            let state = step.hold != nil ? "held" : step.idle ? "already reconciled" : step.outcome.rawValue
            print(
                "\(target.name): \(step.commit.map { String($0.prefix(12)) } ?? "-") \(state), "
                    + "\(step.appliedCount) applied, \(step.blockedCount) blocked"
                    + (step.hold.map { " (\($0))" } ?? "")
                    + "; reports in \(target.configuration.reportsDirectory)")
            codes.append(step.outcome.exitCode)
            if step.errorDescription != nil, step.outcome.exitCode == 0 { failedOtherwise = true }
            snapshots.append(
                (
                    target.name,
                    MetricsSnapshot(
                        lastReconcileTimestamp: Date().timeIntervalSince1970, outcome: step.outcome,
                        lastReconcileDuration: step.duration, appliedChanges: step.appliedCount,
                        blockedChanges: step.blockedCount, consecutiveFailures: step.errorDescription == nil ? 0 : 1,
                        commit: step.commit)
                ))
        }
        await Self.deliverNotifications(deliverers)
        if let path = configuration.metricsFile {
            do {
                try MetricsTextFile(path: path).write(targets: snapshots)
            } catch {
                CommandFailure.printError("cannot write the metrics file \(path): \(error)")
                failedOtherwise = true
            }
        }
        let code = FleetExitCode.combine(codes)
        if code != 0 { throw ExitCode(code) }
        if failedOtherwise { throw ExitCode.failure }
    }
}

/// The exit code of a command over several targets (`run --once` with targets, `status`/`plan --all-targets`):
/// 0 when every target's is 0, else the most serious one: 1 (a failure, skipped, held, standby or untrusted
/// anywhere) before 3 (invalid) before 2 (blocked).
enum FleetExitCode {
    static func combine(_ codes: [Int32]) -> Int32 {
        for code: Int32 in [1, 3, 2] where codes.contains(code) { return code }
        return codes.first { $0 != 0 } ?? 0
    }
}
