public import EngineSyncCore
import Foundation
public import GitClient
public import Logging
public import PostgresClient

/// Where a reconcile reads the DSL and the migrations from.
public enum ReconcileSource: Sendable, Equatable, CustomStringConvertible {
    /// A git repository (bare or not) at a revision: a branch, tag, sha or any revision syntax.
    case git(repository: String, revision: String)
    /// A directory laid out like the repository (`dsl/`, `migrations/`), e.g. a working tree.
    case directory(String)

    public var description: String {
        switch self {
        case .git(let repository, let revision): "git:\(repository)@\(revision)"
        case .directory(let path): "dir:\(path)"
        }
    }
}

/// Settings of a reconcile beyond Safe Sync's own.
public struct ReconcilerOptions: Sendable {
    public var compiler: DSLCompilerOptions
    public var migrationsPath: String
    /// Safe Sync's settings; `safeSync.planner.schema` is the managed schema of the whole reconcile.
    public var safeSync: SafeSyncOptions
    /// The session's timeouts (SPEC 4.3), set once when it connects.
    public var timeouts: SessionTimeouts
    /// How long one-shot commands wait for the advisory lock before giving up as `skipped` (SPEC 9).
    public var lockWait: Duration
    /// Refuse (`invalid`) a tip that does not descend from the last reconciled commit (SPEC 6).
    public var refuseNonFastForward: Bool
    /// SPEC 6 step 3: unchanged `dsl/` and `migrations/` trees → record the commit with the last outcome
    /// (unless a change was blocked by the data, which may have been fixed since: then the plan runs again),
    /// without a catalog scan. The daemon sets it; a one-shot `sync` always checks afresh.
    public var skipUnchangedTrees: Bool
    /// The branch named in reports.
    public var branch: String?
    /// Touched at each phase and SQL statement, for the daemon's watchdog; `nil` for one-shot commands.
    public var progress: ReconcileProgress?
    /// `migration_lint`: whether a pending migration's hazard over the size limits blocks it (issue 18).
    public var migrationLint: MigrationLintMode
    /// Signed commits and approved migrations (issue 15; `Reconciler+Trust.swift`).
    public var trust = TrustSettings()

    public init(
        compiler: DSLCompilerOptions = DSLCompilerOptions(), migrationsPath: String = "migrations",
        safeSync: SafeSyncOptions = SafeSyncOptions(), timeouts: SessionTimeouts = SessionTimeouts(),
        lockWait: Duration = .seconds(60),
        refuseNonFastForward: Bool = false, skipUnchangedTrees: Bool = false, branch: String? = nil,
        progress: ReconcileProgress? = nil, migrationLint: MigrationLintMode = .warn
    ) {
        self.compiler = compiler
        self.migrationsPath = migrationsPath
        self.safeSync = safeSync
        self.timeouts = timeouts
        self.lockWait = lockWait
        self.refuseNonFastForward = refuseNonFastForward
        self.skipUnchangedTrees = skipUnchangedTrees
        self.branch = branch
        self.progress = progress
        self.migrationLint = migrationLint
    }
}

extension ReconcilerOptions {
    /// The session every reconcile with these options opens (and the daemon's other sessions of the same target):
    /// the managed schema and the configured timeouts.
    public var sessionSettings: SessionSettings {
        SessionSettings(schema: safeSync.planner.schema, timeouts: timeouts)
    }
}

/// One reconcile (SPEC 6): read the commit, compile, connect, lock, run migrations, Safe Sync.
///
/// Used by `sync`, `plan`, `run --once` and the daemon. Never throws: every problem is a report with
/// the matching outcome, so the daemon keeps running whatever the input.
public final class Reconciler {
    public struct Result: Sendable {
        public var report: ReconcileReport
        public var plan: Plan?
        /// The report files' base name: the commit sha, or the DSL's SHA-256 content hash for a directory source
        /// (names retention recognises, `ReportFileStore.isRetainedReportName`).
        public var reportName: String
        /// The resolved commit, when the source is git.
        public var commit: ObjectID?
    }

    let database: PostgresConfiguration
    let options: ReconcilerOptions
    let logger: Logger
    let snapshotCache: SnapshotCache?
    let liveSchemaCache: LiveSchemaCache?
    let compileCache: CompileCache?
    /// The daemon's session kept between reconciles (`nil`: connect for this reconcile, close at its end).
    let keptSession: KeptSession?

    public convenience init(database: PostgresConfiguration, options: ReconcilerOptions, logger: Logger) {
        self.init(database: database, options: options, logger: logger, snapshotCache: nil)
    }

    /// `snapshotCache`: a long-running caller's (the daemon's) compiled snapshot, reused across reconciles;
    /// `liveSchemaCache`: its live schema, read incrementally (one-shot commands and the drift check read in full);
    /// `compileCache`: its DSL compile cache, for an incremental compile of the commits it reconciles;
    /// `keptSession`: its idle session, taken up by this reconcile and kept again when it ends cleanly.
    package init(
        database: PostgresConfiguration, options: ReconcilerOptions, logger: Logger,
        snapshotCache: SnapshotCache?, liveSchemaCache: LiveSchemaCache? = nil, compileCache: CompileCache? = nil,
        keptSession: KeptSession? = nil
    ) {
        self.database = database
        self.options = options
        self.logger = logger
        self.snapshotCache = snapshotCache
        self.liveSchemaCache = liveSchemaCache
        self.compileCache = compileCache
        self.keptSession = keptSession
    }

    public func reconcile(_ source: ReconcileSource) -> Result {
        reconcile(description: source.description) { try SourceInput.read(source, options: options) }
    }

    /// Reconciles `commit` of a repository the caller keeps open (the daemon), opened from `path` (named in the
    /// report): the commit is read as it is, with no second open of the repository and no revision lookup.
    public func reconcile(_ repository: GitRepository, at path: String, commit: ObjectID) -> Result {
        reconcile(description: ReconcileSource.git(repository: path, revision: commit.hex).description) {
            try SourceInput.read(
                repository, commit: try repository.commit(commit), options: options, compileCache: compileCache)
        }
    }

    private func reconcile(description: String, read: () throws -> SourceInput) -> Result {
        var draft = ReportDraft(context: ReconcileContext(branch: options.branch, source: description), started: Date())
        // 1–2. Read the commit's files straight from the object database (or the directory).
        options.progress?.touch()
        let input: SourceInput
        do {
            input = try read()
            options.progress?.endPhase("migrations-read")
        } catch {
            draft.errors.append(.init(code: "source_unreadable", message: "\(error)"))
            return Result(report: draft.finish(outcome: .failed), plan: nil, reportName: "source-error", commit: nil)
        }
        draft.context.commit = input.commitInfo
        draft.context.trees = ReconcileLog.Trees(dsl: input.dslTree?.hex, migrations: input.migrationsTree?.hex)
        // 4. The DSL compiles on its own thread while the database is reached (`PendingCompilation`). It is joined
        // before anything is written and wherever the reconcile ends: `invalid` wins over whatever the database
        // said, and the compile's and the migrations' warnings take the places they had when the compile came first.
        let compileWarningsPosition = draft.warnings.count
        var reportName: String { input.commit?.id.hex ?? input.compilation.compiled?.contentHash ?? "invalid" }
        // 1b. An untrusted commit (issue 15) goes no further: the database is not even connected to.
        if let outcome = checkCommitTrust(input, draft: &draft) {
            draft.warnings.insert(
                contentsOf: input.compilation.warnings.map(ReconcileReport.Message.init), at: compileWarningsPosition)
            return Result(
                report: draft.finish(outcome: outcome), plan: nil, reportName: reportName, commit: input.commit?.id)
        }
        let dsl = PendingDSL(input: input, before: draft, compileWarningsPosition: compileWarningsPosition)
        func end(_ outcome: ReconcileOutcome, _ draft: ReportDraft) -> Result {
            var draft = draft
            let outcome = dsl.join(into: &draft) == nil ? .invalid : outcome
            return Result(
                report: draft.finish(outcome: outcome), plan: nil, reportName: reportName, commit: input.commit?.id)
        }
        let migrationSet: MigrationSet
        switch input.migrations {
        case .success(let set):
            migrationSet = set
        case .failure(let error):
            draft.errors.append(ReportDraft.message(for: error))
            return end(.invalid, draft)
        }

        // 5. Connect (timeouts and search_path set once) or take up the daemon's kept session, standby check,
        // advisory lock.
        options.progress?.touch()
        let session: DatabaseSession
        do {
            session =
                try keptSession?.checkOut(database, settings: options.sessionSettings, progress: options.progress)
                ?? DatabaseSession.connect(database, settings: options.sessionSettings, progress: options.progress)
            options.progress?.endPhase("connect")
        } catch {
            guard input.compilation.isValid else { return end(.invalid, draft) }
            draft.errors.append(
                .init(code: "database_unreachable", message: "cannot connect to \(database.redactedDSN): \(error)"))
            return end(.failed, draft)
        }
        // The daemon keeps the session for its next reconcile when this one ends cleanly: not failed, not on a
        // standby, the connection idle outside any transaction with the lock released (`KeptSession.checkIn`).
        var keepsSession = false
        defer { if keepsSession { keptSession?.checkIn(session) } }
        if session.isStandby {
            guard input.compilation.isValid else { return end(.invalid, draft) }
            draft.warnings.append(
                .init(code: "standby", message: "the server is a standby (pg_is_in_recovery); nothing applied"))
            return end(.standby, draft)
        }
        do {
            // An invalid DSL does not wait for another reconciler's lock.
            let outcome = try session.withAdvisoryLock(
                wait: options.lockWait, keepWaiting: { input.compilation.isValid },
                { try locked(session: session, input: input, dsl: dsl, migrations: migrationSet, draft: draft) })
            keepsSession = true
            switch outcome {
            case .acquired(let result):
                keepsSession = result.report.outcome != .failed && result.report.outcome != .standby
                return Result(
                    report: result.report, plan: result.plan, reportName: reportName, commit: input.commit?.id)
            case .heldElsewhere:
                guard input.compilation.isValid else { return end(.invalid, draft) }
                draft.warnings.append(
                    .init(
                        code: "lock_held",
                        message: "another reconciler holds the enginesync advisory "
                            + "lock (key \(EngineSyncLock.key); waited \(DurationText.format(options.lockWait))); try again later"
                    ))
                return end(.skipped, draft)
            }
        } catch {
            guard input.compilation.isValid else { return end(.invalid, draft) }
            draft.errors.append(ReportDraft.message(for: error))
            return end(.failed, draft)
        }
    }

    /// The DSL size from which a plan reads the catalog's columns on a second connection: about 150 models of 30
    /// fields (the benchmark's 100 models are 136 KB, its 1,000 models 1.3 MB); a connection costs a few
    /// milliseconds on a local socket.
    static let secondConnectionDSLBytes = 160_000

    /// Everything that happens under the advisory lock, continuing the reconcile's one report draft.
    private func locked(
        session: DatabaseSession, input: SourceInput, dsl: PendingDSL, migrations: MigrationSet,
        draft: ReportDraft
    ) throws -> SafeSync.Result {
        var draft = draft
        let connection = session.connection
        let schema = options.safeSync.planner.schema
        let log = ReconcileLog(schema: schema)
        // The last reconcile that reached the database (SPEC 6 step 3): a failed attempt, e.g. of this very tip,
        // is not where the commit range starts.
        let reached = try log.latest(connection, outcomes: ["synced", "blocked"]).first
        let placed = input.placeAfter(reached?.commit, refuseNonFastForward: options.refuseNonFastForward, in: &draft)
        // Unchanged trees carry the last outcome over without a plan: no catalog read at all.
        let carriedOver = placed ? carriedOverReport(reached: reached, input: input) : nil
        // With no pending migration, the catalog is read while the DSL still compiles (`readsCatalogBesideCompile`).
        var prefetched: Schema?
        options.progress?.endPhase("lock+log")
        if placed, carriedOver == nil,
            (try? readsCatalogBesideCompile(session: session, migrations: migrations)) == true
        {
            try session.use(.catalogOnly)
            prefetched = try readCatalog(session: session, input: input)
            try session.use(.managedSchema)
            options.progress?.endPhase("introspect")
        }
        guard let desired = dsl.join(into: &draft) else {
            return SafeSync.Result(report: draft.finish(outcome: .invalid), plan: nil, logID: nil)
        }
        guard placed else {
            return SafeSync.Result(report: draft.finish(outcome: .invalid), plan: nil, logID: nil)
        }
        options.progress?.endPhase("compile-join")

        if let (reached, previousReport) = carriedOver {
            // The plan cannot have changed: carry the outcome, blocked list and manual items over (SPEC 6 step 3).
            draft.blocked = previousReport.blocked
            draft.manual = previousReport.manual
            draft.snapshot = ReconcileReport.SnapshotInfo(
                id: previousReport.snapshot.id, hash: previousReport.snapshot.hash,
                changed: false)
            draft.warnings.append(
                .init(
                    code: "unchanged_trees",
                    message: "dsl/ and migrations/ are unchanged since "
                        + "\(reached.commit.map { String($0.prefix(12)) } ?? "the last reconcile"); outcome carried over"
                ))
            let report = draft.finish(outcome: previousReport.outcome)
            let id = try log.insert(
                connection, attemptID: UUID().uuidString, report: report, trees: draft.context.trees)
            return SafeSync.Result(report: report, plan: nil, logID: id)
        }

        // Migrations run before Safe Sync, so a dropped column and the DSL removing its field land together.
        options.progress?.touch()
        let migrations = try approvedMigrations(migrations, input: input, session: session, draft: &draft)
        let runner = MigrationRunner(
            session: session, set: migrations,
            options: MigrationRunnerOptions(
                commit: input.commit?.id.hex, lockWait: .zero, logger: logger))
        // Migration lint (issue 18): the pending migrations against the live sizes, before any of them runs.
        var lintBlocked: [ReconcileReport.Change] = []
        if let pending = try? runner.status().pending, !pending.isEmpty {
            let gate = MigrationLintGate(options: options)
            let live = try gate.readLive(session)
            let lint = gate.check(
                migrations.migrations.filter { pending.contains($0.id) }, desired: desired.schema, live: live)
            draft.warnings += lint.warnings
            // A sync lets the server refuse bad SQL (a failed migration, SQLSTATE kept); a plan says so up front.
            if options.safeSync.dryRun, !lint.errors.isEmpty {
                draft.errors += lint.errors
                return SafeSync.Result(report: draft.finish(outcome: .invalid), plan: nil, logID: nil)
            }
            lintBlocked = lint.blocked
            if !lintBlocked.isEmpty, !options.safeSync.dryRun {
                draft.blocked += lintBlocked
                draft.context.migrations.pending = pending
                return SafeSync.Result(report: draft.finish(outcome: .blocked), plan: nil, logID: nil)
            }
        }
        do {
            if options.safeSync.dryRun {
                let status = try runner.status()
                if let mismatch = status.checksumMismatches.first {
                    draft.errors.append(
                        .init(
                            code: "checksum_mismatch",
                            message: "migration \(mismatch.id) changed after "
                                + "it was applied", file: mismatch.file))
                    return SafeSync.Result(report: draft.finish(outcome: .invalid), plan: nil, logID: nil)
                }
                draft.context.migrations = .init(applied: [], pending: status.pending, failed: status.failed.map(\.id))
            } else {
                let run = try runner.upWithReport()
                draft.context.migrations.applied = run.applied
                draft.warnings += run.warnings.map { .init(code: $0.code, message: $0.message, file: $0.file) }
            }
        } catch let error as MigrationError {
            draft.context.migrations.applied = error.applied
            // Only a migration that ran and failed (or a failed no-transaction run still unresolved) is `failed`;
            // a changed checksum or a bad file is `invalid`, named in the error with its file.
            if error.kind == .failed || error.kind == .unresolved, let id = error.id {
                draft.context.migrations.failed = [id]
            }
            // What did not run is still pending (after a checksum mismatch, that is all of them). Read-only and
            // lock-free; if the connection is gone, the list stays empty rather than guessed.
            if let status = try? runner.status() {
                let failed = Set(draft.context.migrations.failed)
                draft.context.migrations.pending = status.pending.filter { !failed.contains($0) }
            }
            draft.errors.append(ReportDraft.message(for: error))
            let outcome: ReconcileOutcome =
                switch error.kind {
                case .invalid: .invalid
                case .lockHeld: .skipped
                case .standby: .standby
                default: .failed
                }
            let report = draft.finish(outcome: outcome)
            if outcome == .failed { _ = try? recordFailure(connection, report: report, trees: draft.context.trees) }
            return SafeSync.Result(report: report, plan: nil, logID: nil)
        }

        options.progress?.endPhase("migrations")
        let safeSync = SafeSync(
            session: session, codec: DSLSnapshotCodec(options: options.compiler),
            options: options.safeSync, logger: logger, snapshotCache: snapshotCache, liveSchemaCache: liveSchemaCache)
        var result = safeSync.reconcile(desired: desired, draft: draft, live: prefetched)
        if !lintBlocked.isEmpty {
            // A plan under migration_lint: block shows what the sync would refuse.
            result.report.blocked = lintBlocked + result.report.blocked
            if result.report.outcome == .synced { result.report.outcome = .blocked }
        }
        return result
    }

    /// The last reconcile's report when this one carries its outcome over (SPEC 6 step 3): the daemon's
    /// `skipUnchangedTrees`, a sync, `dsl/` and `migrations/` unchanged since the last reconcile that reached the
    /// database, and no change of it blocked by the data (which may have been fixed since: then the plan runs again).
    private func carriedOverReport(reached: ReconcileLogEntry?, input: SourceInput) -> (
        reached: ReconcileLogEntry, report: ReconcileReport
    )? {
        guard options.skipUnchangedTrees, !options.safeSync.dryRun, let dslTree = input.dslTree, let reached,
            reached.dslTree == dslTree.hex, reached.migrationsTree == input.migrationsTree?.hex,
            let previousReport = try? ReconcileReport.decode(Data(reached.reportJSON.utf8)),
            !previousReport.isBlockedByData
        else { return nil }
        return (reached, previousReport)
    }

    /// Whether the catalog may be read now, under the lock and while the DSL compiles, for Safe Sync to plan
    /// with: nothing may change the catalog between this read and the plan. That holds for a plan with no pending
    /// migration (it writes nothing), and for the daemon's sync with no pending migration once the migration
    /// runner's tracking table exists with all its columns (the runner creates or extends it first thing, which
    /// would change the catalog). A one-shot `sync` reads after the migrations, as before.
    private func readsCatalogBesideCompile(session: DatabaseSession, migrations: MigrationSet) throws -> Bool {
        guard options.safeSync.dryRun || liveSchemaCache != nil else { return false }
        let runner = MigrationRunner(session: session, set: migrations, options: MigrationRunnerOptions(logger: logger))
        guard try runner.status().pending.isEmpty else { return false }
        return try options.safeSync.dryRun || runner.trackingTableIsComplete()
    }

    /// The live schema for Safe Sync, read beside the compile: the daemon's incremental read (`LiveSchemaCache`),
    /// or a full read — a large schema's columns on a second connection at the same time (the server's second
    /// core); a small one is not worth the connection.
    private func readCatalog(session: DatabaseSession, input: SourceInput) throws -> Schema {
        let schema = options.safeSync.planner.schema
        if let liveSchemaCache {
            return try SafeSync.readLive(
                session.connection, schema: schema, cache: liveSchemaCache, logger: logger, progress: session.progress)
        }
        let columnsConnection =
            input.pendingCompilation.sourceBytes >= Self.secondConnectionDSLBytes
            ? try? session.openCatalogConnection() : nil
        var reader = CatalogReader(schema: schema)
        return try reader.read(session.connection, columnsConnection: columnsConnection) {
            session.progress?.touch()
        }
    }

    /// The DSL compile a reconcile started, and where its warnings and the migrations' belong in the report: where
    /// they were when the compile came first (the compile's right after the source's, the migrations' after the
    /// trust check's).
    struct PendingDSL {
        let input: SourceInput
        /// The report before the database was reached: an invalid DSL is reported from here, as it was when the
        /// compile came first.
        let before: ReportDraft
        let compileWarningsPosition: Int
        var migrationWarningsPosition: Int { before.warnings.count }

        /// Waits for the compile and puts the warnings in place in `draft`; the compiled DSL, or `nil` with `draft`
        /// back to `before` and the compile's errors added.
        func join(into draft: inout ReportDraft) -> CompiledDSL? {
            let compilation = input.compilation
            guard let compiled = compilation.compiled else {
                draft = before
                draft.errors += compilation.errors.map(ReconcileReport.Message.init)
                draft.warnings.insert(
                    contentsOf: compilation.warnings.map(ReconcileReport.Message.init),
                    at: min(compileWarningsPosition, draft.warnings.count))
                return nil
            }
            let migrationWarnings = ((try? input.migrations.get())?.warnings ?? []).map {
                ReconcileReport.Message(code: $0.code, message: $0.message, file: $0.file)
            }
            draft.warnings.insert(
                contentsOf: migrationWarnings, at: min(migrationWarningsPosition, draft.warnings.count))
            draft.warnings.insert(
                contentsOf: compilation.warnings.map(ReconcileReport.Message.init),
                at: min(compileWarningsPosition, draft.warnings.count))
            return compiled
        }
    }

    private func recordFailure(_ connection: PostgresConnection, report: ReconcileReport, trees: ReconcileLog.Trees)
        throws
    {
        let log = ReconcileLog(schema: options.safeSync.planner.schema)
        try log.ensureTable(connection)
        try log.insert(connection, attemptID: UUID().uuidString, report: report, trees: trees)
    }
}
