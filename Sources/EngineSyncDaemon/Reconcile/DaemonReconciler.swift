package import EngineSync
package import EngineSyncCore
package import Foundation
import GitClient
package import Logging
import PostgresClient

/// The daemon's reconcile step (SPEC 6, 8): the branch tip only, once per new commit; a failing commit is
/// retried (with the caller's backoff) until a newer tip replaces it.
///
/// Not `Sendable`: it keeps a `GitRepository` and is driven by one task.
package final class DaemonReconciler {
    let configuration: DaemonConfiguration
    let options: ReconcilerOptions
    let reports: ReportFileStore?
    let logger: Logger
    /// The compiled snapshot of the previous reconcile: the next commit's plan skips recompiling it.
    let snapshotCache = SnapshotCache()
    /// The live schema of the previous reconcile, table by table with catalog fingerprints: the next reconcile
    /// reads only what changed (docs/SAFE-SYNC.md, "Incremental introspection"). Shared with the catalog export.
    let liveSchemaCache = LiveSchemaCache()
    /// The previous commit's DSL compile, file by file: the next commit recompiles only what it changed.
    let compileCache = CompileCache()
    /// Writes `catalog.json` after each reconcile, on a thread of its own.
    let catalogExports: CatalogExportQueue
    /// The database session of the last reconcile that ended cleanly, idle until the next one takes it up (no
    /// connect, warm catalog caches on the backend). Every reconcile of this target — the tip's, the drift check's,
    /// self-heal's — goes through it, so the idle daemon holds one connection per target; a reloaded configuration
    /// builds a new `DaemonReconciler`, and the old one's session closes with it.
    package let keptSession: KeptSession
    var branch: String { configuration.branch }
    var database: PostgresConfiguration { configuration.postgres }
    /// The repository reconciles read: the local path, or the mirror of a remote under `state_dir`.
    package var repositoryPath: String {
        switch configuration.source {
        case .repository(let path): path
        case .remote: configuration.mirrorPath
        }
    }
    private var repository: GitRepository?
    /// The last commit whose outcome is final (synced, blocked, invalid): never reconciled again.
    package private(set) var lastSettled: String?
    /// The outcome of the last step that reconciled something (for the idle status line).
    package private(set) var lastOutcome: ReconcileOutcome?
    private var lastBlocked = 0
    /// The last reconcile's `detail` (why an untrusted tip waits), repeated while idle.
    private var lastDetail: String?
    /// The last settled reconcile left a change blocked by the data (a duplicate, an orphan): the drift check
    /// and a restart retry it, since fixing the data needs no new commit.
    private var lastBlockedByData = false
    /// The last commit whose reconcile reached the database (`synced` or `blocked`): what the live database is
    /// checked against while the tip is invalid.
    private var lastApplied: String?
    /// The tip last found on a hot standby. It is not settled (a promoted server reconciles it at once); while the
    /// server is still a standby, the next steps only ask `pg_is_in_recovery()` instead of compiling, reporting
    /// and logging the same commit again every `standby_poll_interval`.
    private var standbyTip: String?
    private var loadedLastSettled = false
    /// A report whose files could not be written yet (e.g. disk full); retried first on the next step.
    private var unwritten: (name: String, report: ReconcileReport)?
    /// A report whose notification event could not be recorded yet (database down); retried on the next step.
    var unrecordedNotification: ReconcileReport?
    /// `false` for a fleet's targets: the daemon fetches a remote once for all of them (`FleetSource`), and each
    /// target only reads the mirror.
    let fetchesRemote: Bool
    /// The tip and reason of the last `held_by_rollout` report written, so a hold that does not change is
    /// reported once, not on every poll.
    var lastHold: (tip: String, reason: String)?

    /// - Parameters:
    ///   - lockWait: how long to wait for another reconciler's advisory lock. The daemon loop uses zero and
    ///     retries with back-off; `run --once` waits like the other one-shot commands (SPEC 9).
    ///   - progress: touched at each phase and statement, for the daemon's watchdog.
    package init(
        configuration: DaemonConfiguration, logger: Logger, lockWait: Duration = .zero,
        progress: ReconcileProgress? = nil, fetchesRemote: Bool = true
    ) {
        self.configuration = configuration
        self.fetchesRemote = fetchesRemote
        var options = configuration.reconcilerOptions
        options.lockWait = lockWait
        options.progress = progress
        self.options = options
        reports = ReportFileStore(directory: configuration.reportsDirectory, retention: configuration.reportRetention)
        self.logger = logger
        keptSession = KeptSession(logger: logger)
        catalogExports = CatalogExportQueue(
            export: Self.catalogExport(
                configuration: configuration, options: options, reportsDirectory: reports?.directory,
                liveSchemaCache: liveSchemaCache, logger: logger))
    }

    /// Fetch (remote), resolve the tip, reconcile it when it is new — once `rollout` (a staged rollout's
    /// canary, issue 17) lets it.
    package func step(rollout: RolloutGate? = nil) -> ReconcileSummary {
        if let pending = unwritten {
            do {
                try write(pending.report, name: pending.name)
                unwritten = nil
            } catch {
                return failure("cannot write reports to \(reports?.directory ?? "?"): \(error)", commit: pending.name)
            }
        }
        let tip: ObjectID
        let source: GitRepository
        options.progress?.startPhases()
        do {
            options.progress?.touch()
            if case .remote(let url) = configuration.source, fetchesRemote {
                let mirror = try openRepository(initialisingMirror: true)
                do {
                    try mirror.fetchMirror(from: url, options: configuration.gitFetchOptions)
                } catch {
                    return failure("fetch from \(DaemonConfiguration.redactedURL(url)) failed: \(error)", commit: nil)
                }
            }
            source = try openRepository()
            guard let resolved = try source.branchTip(branch) else {
                return failure("branch '\(branch)' does not exist in \(repositoryPath)", commit: nil)
            }
            tip = resolved
        } catch {
            repository = nil
            return failure("cannot read \(repositoryPath): \(error)", commit: nil)
        }
        loadLastSettledIfNeeded()
        if tip.hex == lastSettled {
            return ReconcileSummary(
                commit: tip.hex, outcome: lastOutcome ?? .synced, blockedCount: lastBlocked, idle: true,
                detail: lastDetail)
        }
        if tip.hex == standbyTip, lastOutcome == .standby, isStillStandby() {
            return ReconcileSummary(commit: tip.hex, outcome: .standby, idle: true, detail: lastDetail)
        }
        standbyTip = nil
        if let rollout, let reason = rollout.hold(tip: tip.hex) {
            return held(tip: tip, in: source, reason: reason, reportIt: rollout.state != nil)
        }
        lastHold = nil

        logger.info("reconciling", metadata: ["git.commit": "\(tip.hex)", "git.branch": "\(branch)"])
        options.progress?.endPhase("resolve")
        // A catalog.json export still running for the previous reconcile stops: this one goes first.
        catalogExports.yield()
        let reconciler = Reconciler(
            database: database, options: options, logger: logger, snapshotCache: snapshotCache,
            liveSchemaCache: liveSchemaCache, compileCache: compileCache, keptSession: keptSession)
        let result = reconciler.reconcile(source, at: repositoryPath, commit: tip)
        let exportOwed = catalogExports.resume()
        let report = result.report
        recordNotification(report)
        var step = ReconcileSummary(
            commit: tip.hex, outcome: report.outcome, blockedCount: report.blocked.count,
            appliedCount: report.applied.count, duration: .milliseconds(report.durationMs))
        let wasStandby = lastOutcome == .standby
        lastOutcome = report.outcome
        lastBlocked = report.blocked.count
        lastBlockedByData = report.isBlockedByData
        switch report.outcome {
        case .synced, .blocked, .invalid, .untrusted:
            // An untrusted tip is settled like an invalid one: the daemon waits for the next push (or a reload
            // of the signers file, `ReconcileWorker.update`) instead of retrying it.
            lastSettled = tip.hex
            if report.outcome == .synced || report.outcome == .blocked { lastApplied = tip.hex }
            if report.outcome == .untrusted { step.detail = report.errors.first?.message }
            lastDetail = step.detail
        case .standby:
            // Not a failure (no back-off: the service asks again every standby_poll_interval) and not settled, so
            // the commit is reconciled as soon as the server is promoted. The warning says why.
            standbyTip = tip.hex
            let reason = report.warnings.first(where: { $0.code == "standby" }) ?? report.errors.first
            step.detail = "standby: " + (reason?.message ?? "the server is a standby (pg_is_in_recovery)")
            lastDetail = step.detail
        case .failed, .skipped:
            // skipped says why in a warning of its own, after any compile warnings.
            let reason =
                report.errors.first ?? report.warnings.first(where: { $0.code == "lock_held" })
                ?? report.warnings.first
            step.errorDescription =
                reason.map { "\(report.outcome.rawValue): \($0.message)" } ?? report.outcome.rawValue
            step.repeatsIdentically = report.failureRepeatsIdentically
        }
        let level: Logger.Level =
            switch report.outcome {
            case .failed: .error
            case .blocked, .invalid, .skipped, .untrusted: .warning
            // A replica's normal state: said once when the server turns out to be a standby (SPEC 4.3), not again
            // for each commit pushed while it stays one.
            case .standby: wasStandby ? .debug : .notice
            case .synced: .notice
            }
        var metadata: Logger.Metadata = [
            "git.commit": "\(tip.hex)", "reconcile.outcome": "\(report.outcome.rawValue)",
            "reconcile.applied": "\(report.applied.count)", "reconcile.blocked": "\(report.blocked.count)",
            "reconcile.duration_ms": "\(report.durationMs)",
        ]
        // The journal says why a commit is invalid or failed (the first error; the report has them all).
        if let first = report.errors.first {
            metadata["reconcile.error"] = "\(first.oneLine)"
            metadata["reconcile.errors"] = "\(report.errors.count)"
        }
        logger.log(level: level, "reconciled", metadata: metadata)
        // Reports of failed attempts are written too: they say why the tip is not applied yet.
        do {
            try write(report, name: result.reportName)
        } catch {
            unwritten = (result.reportName, report)
            step.errorDescription =
                step.errorDescription ?? "cannot write reports to \(reports?.directory ?? "?"): \(error)"
        }
        options.progress?.endPhase("report-files")
        // The previous reconcile's compiled DSL and snapshot document, replaced in the cache: freed now, after the
        // report (milliseconds at 1,000 models), and before the worker trims the heap.
        snapshotCache.releaseReplaced()
        // After the report, on the export's own thread: the whole catalog is not on the push → report path (the
        // pusher's post-receive hook waits for the report); catalog.json names the commit it follows.
        logPhases(commit: tip.hex)
        refreshLiveSchemaAfterLargeChange(report)
        if report.outcome == .synced || report.outcome == .blocked || exportOwed { catalogExports.request() }
        return step
    }

    /// From how many changed tables a reconcile's changes are read into the live-schema cache right after its
    /// report (`refreshLiveSchemaAfterLargeChange`).
    static let liveSchemaRefreshTables = 20

    /// After a reconcile that changed many tables (the first sync of a schema, a large commit) or ran a migration
    /// (which may have changed any table), reads what changed into the live-schema cache now, after the report,
    /// while the daemon is idle: otherwise the next push would pay for reading those tables (at 1,000 tables,
    /// ~0.3 s) before its own report. The next reconcile still asks for the fingerprints and sees every change made
    /// meanwhile; this only moves work off the push → report path. A failure is logged at debug level and changes
    /// nothing (the next reconcile reads what it needs).
    private func refreshLiveSchemaAfterLargeChange(_ report: ReconcileReport) {
        guard report.outcome == .synced || report.outcome == .blocked else { return }
        let changedTables = Set(report.applied.map(\.table)).count
        guard changedTables >= Self.liveSchemaRefreshTables || !report.migrations.applied.isEmpty else {
            return
        }
        let schema = options.safeSync.planner.schema
        do {
            let session = try keptSession.checkOut(
                database, settings: options.sessionSettings, progress: options.progress)
            try session.use(.catalogOnly)
            let read = try liveSchemaCache.read(session.connection, schema: schema) { [progress = options.progress] in
                progress?.touch()
            }
            try session.use(.managedSchema)
            keptSession.checkIn(session)
            logger.debug(
                "live schema read after the reconcile",
                metadata: [
                    "reconcile.changed_tables": "\(changedTables)",
                    "introspect.tables_read": "\(read.summary.tablesRead)",
                ])
        } catch {
            logger.debug("cannot read the live schema after the reconcile", metadata: ["db.error": "\(error)"])
        }
    }

    /// One debug line with the time each phase of the last reconcile took, in order
    /// (`reconcile.phases_ms=resolve:0.1,source:12.3,…`), for `scripts/bench.sh` and for an operator asking where
    /// a slow reconcile spends its time.
    private func logPhases(commit: String) {
        guard let progress = options.progress else { return }
        let phases = progress.takePhases()
        guard logger.logLevel <= .debug, !phases.isEmpty else { return }
        let text = phases.map { phase in
            let milliseconds =
                Double(phase.duration.components.attoseconds) / 1e15 + Double(phase.duration.components.seconds) * 1000
            return "\(phase.name):\((milliseconds * 10).rounded() / 10)"
        }
        logger.debug(
            "reconcile phases",
            metadata: ["git.commit": "\(commit)", "reconcile.phases_ms": "\(text.joined(separator: ","))"])
    }

    /// Fetches a remote and resolves the branch tip, without touching the database; one line for systemd.
    package func checkSource() -> String {
        switch refreshSource() {
        case .tip(let tip): "tip \(tip.prefix(12)) of \(branch), reconciling"
        case .noBranch: "waiting for branch '\(branch)' in \(repositoryPath)"
        case .problem(let problem): problem
        }
    }

    /// What `refreshSource` found.
    package enum SourceState: Sendable, Equatable {
        case tip(String)
        case noBranch
        /// One line: the fetch or the repository failed.
        case problem(String)
    }

    /// Fetches a remote (always, whatever `fetchesRemote` says: this is the fetch a fleet shares) and resolves
    /// the branch tip, without touching the database.
    package func refreshSource() -> SourceState {
        do {
            if case .remote(let url) = configuration.source {
                do {
                    try openRepository(initialisingMirror: true).fetchMirror(
                        from: url, options: configuration.gitFetchOptions)
                } catch {
                    return .problem("fetch from \(DaemonConfiguration.redactedURL(url)) failed: \(error)")
                }
            }
            guard let tip = try openRepository().branchTip(branch) else { return .noBranch }
            return .tip(tip.hex)
        } catch {
            repository = nil
            return .problem("cannot read \(repositoryPath): \(error)")
        }
    }

    /// Plans the last settled commit against the live database (SPEC 8 drift check). With `selfHeal`, a
    /// plan with safe changes is applied. Returns the drift report, or `nil` when there is nothing to say.
    package func driftCheck(selfHeal: Bool, now: Date = Date()) -> ReconcileReport? {
        // While the tip is invalid the database is still checked, against the last commit that was applied.
        guard let commit = lastApplied ?? (lastOutcome == .invalid || lastOutcome == .untrusted ? nil : lastSettled)
        else {
            if let tip = lastSettled {
                logger.notice("drift check skipped: no commit applied yet", metadata: ["git.commit": "\(tip)"])
            }
            return nil
        }
        let invalidTip = lastSettled.flatMap { $0 != commit ? $0 : nil }
        if lastBlockedByData, invalidTip == nil {
            // Not drift: the settled commit itself has a change blocked by the data. Reconcile it again (it
            // applies only what the data now allows) rather than only planning it.
            var retryOptions = options
            retryOptions.skipUnchangedTrees = false
            let retried = Reconciler(
                database: database, options: retryOptions, logger: logger, snapshotCache: snapshotCache,
                keptSession: keptSession
            )
            .reconcile(.git(repository: repositoryPath, revision: commit))
            if retried.report.outcome == .synced || retried.report.outcome == .blocked {
                lastOutcome = retried.report.outcome
                lastBlocked = retried.report.blocked.count
                lastBlockedByData = retried.report.isBlockedByData
                try? write(retried.report, name: retried.reportName)
            }
            return retried.report
        }
        var planOptions = options
        planOptions.skipUnchangedTrees = false
        planOptions.safeSync.dryRun = true
        let plan = Reconciler(
            database: database, options: planOptions, logger: logger, snapshotCache: nil, keptSession: keptSession
        )
        .reconcile(.git(repository: repositoryPath, revision: commit))
        guard plan.report.outcome != .failed else { return plan.report }
        guard !plan.report.drift.isEmpty || !plan.report.applied.isEmpty else { return nil }
        var driftReport = plan.report
        if let invalidTip {
            driftReport.warnings.append(
                .init(
                    code: "drift_against_last_applied",
                    message: "the branch tip "
                        + "\(invalidTip.prefix(12)) is invalid; drift is checked against the last applied commit \(commit.prefix(12))"
                ))
        }
        let name = "drift-" + ReportDraft.migrationPrefix(now)
        do {
            try reports?.write(
                name: name, json: try driftReport.jsonData(), markdown: driftReport.markdown, updateLatest: false)
        } catch {
            logger.warning("cannot write the drift report", metadata: ["report.error": "\(error)"])
        }
        if selfHeal && !plan.report.applied.isEmpty {
            var healOptions = options
            healOptions.skipUnchangedTrees = false
            let healed = Reconciler(
                database: database, options: healOptions, logger: logger, snapshotCache: nil,
                keptSession: keptSession
            )
            .reconcile(.git(repository: repositoryPath, revision: commit))
            try? write(healed.report, name: healed.reportName)
            return healed.report
        }
        return driftReport
    }

    /// Rewrites report files that are missing but stored in `engine_reconciles` (a crash between COMMIT
    /// and the file write loses nothing), and `latest.*` when it is missing or describes a reconcile older
    /// than the newest stored one. Returns how many were written.
    @discardableResult
    package func restoreMissingReports() throws -> Int {
        guard let reports else { return 0 }
        options.progress?.touch()
        let connection = try PostgresConnection.connect(database)
        let entries = try ReconcileLog(schema: options.safeSync.planner.schema).latest(
            connection, limit: reports.retention)
        var latestFirst: [String] = []
        var byName: [String: String] = [:]
        for entry in entries {
            guard let commit = entry.commit, byName[commit] == nil else { continue }
            latestFirst.append(commit)
            byName[commit] = entry.reportJSON
        }
        var written = 0
        for name in reports.missingReports(names: latestFirst) {
            guard let json = byName[name], let report = try? ReconcileReport.decode(Data(json.utf8)) else { continue }
            try reports.write(name: name, json: try report.jsonData(), markdown: report.markdown, updateLatest: false)
            written += 1
        }
        if let newest = latestFirst.first, let json = byName[newest],
            let report = try? ReconcileReport.decode(Data(json.utf8)), Self.latestIsOlder(than: report, in: reports)
        {
            try reports.write(name: newest, json: try report.jsonData(), markdown: report.markdown)
            written += 1
        }
        if written > 0 { logger.notice("restored missing report files", metadata: ["report.count": "\(written)"]) }
        return written
    }

    /// Whether `latest.*` is missing, unreadable, or finished before `newest`. A newer `latest` is kept: a
    /// reconcile that never reached the database (`invalid`, database down) has no `engine_reconciles` row.
    static func latestIsOlder(than newest: ReconcileReport, in reports: ReportFileStore) -> Bool {
        guard reports.missingReports(names: [ReportFileStore.latestName]).isEmpty,
            let data = FileManager.default.contents(atPath: reports.path(ReportFileStore.latestName, "json")),
            let current = try? ReconcileReport.decode(data)
        else { return true }
        if let currentEnd = UTCTimestamp.parse(current.finishedAt),
            let newestEnd = UTCTimestamp.parse(newest.finishedAt)
        {
            return currentEnd < newestEnd
        }
        return current.finishedAt < newest.finishedAt
    }

    private func write(_ report: ReconcileReport, name: String) throws {
        guard let reports else { return }
        try reports.write(name: name, json: try report.jsonData(), markdown: report.markdown)
    }

    /// Closes the session kept between reconciles (graceful shutdown).
    package func closeKeptSession() {
        keptSession.close()
    }

    /// Carries the last settled commit over to a reconciler built from a reloaded configuration.
    package func adoptLastSettled(_ commit: String?) {
        guard let commit else { return }
        lastSettled = commit
        loadedLastSettled = true
    }

    private func loadLastSettledIfNeeded() {
        guard !loadedLastSettled else { return }
        options.progress?.touch()
        guard let connection = try? PostgresConnection.connect(database),
            let entries = try? ReconcileLog(schema: options.safeSync.planner.schema)
                .latest(connection, outcomes: ["synced", "blocked"])
        else { return }
        loadedLastSettled = true
        guard let entry = entries.first else { return }
        // A change blocked by the data is retried once at start-up: the data may have been fixed meanwhile.
        if let report = try? ReconcileReport.decode(Data(entry.reportJSON.utf8)), report.isBlockedByData { return }
        lastSettled = entry.commit
        lastApplied = entry.commit
        lastOutcome = ReconcileOutcome(rawValue: entry.outcome)
        lastBlocked = entry.blockedCount
        loadedLastSettled = true
    }

    /// One short read-only session: is the server still in recovery? `false` when it cannot be reached, so the
    /// full reconcile runs and reports the connection failure.
    private func isStillStandby() -> Bool {
        options.progress?.touch()
        let session = try? DatabaseSession.connect(
            database, settings: options.sessionSettings, searchPath: .catalogOnly)
        return session?.isStandby == true
    }

    private func openRepository(initialisingMirror: Bool = false) throws -> GitRepository {
        if let repository { return repository }
        let opened =
            initialisingMirror
            ? try GitRepository.initBare(path: repositoryPath)
            : try GitRepository.open(path: repositoryPath)
        repository = opened
        return opened
    }

    private func failure(_ message: String, commit: String?) -> ReconcileSummary {
        .failure(message, commit: commit)
    }
}
