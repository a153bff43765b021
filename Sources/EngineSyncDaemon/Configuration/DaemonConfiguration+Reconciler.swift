package import EngineSync
import EngineSyncCore

extension DaemonConfiguration {
    /// The remote's bare mirror under `state_dir`.
    package var mirrorPath: String {
        (stateDirectory.hasSuffix("/") ? stateDirectory : stateDirectory + "/") + "mirror.git"
    }

    /// The reconcile settings the daemon uses: SPEC 6 step 3 (skip unchanged trees) on, the branch in reports.
    package var reconcilerOptions: ReconcilerOptions {
        let planner = PlannerOptions(
            schema: schema, maxRewriteRows: maxRewriteRows, concurrentIndexRows: concurrentIndexRows)
        var safeSync = SafeSyncOptions(planner: planner, requireSnapshot: requireSnapshot)
        if !notify.isEmpty { safeSync.outbox = NotificationOutbox(schema: schema, target: targetName) }
        var options = ReconcilerOptions(
            compiler: DSLCompilerOptions(dslPath: dslPath, maxFileBytes: maxFileBytes, strict: strict),
            migrationsPath: migrationsPath,
            safeSync: safeSync, timeouts: SessionTimeouts(lock: lockTimeout, statement: statementTimeout),
            lockWait: .zero,
            refuseNonFastForward: refuseNonFastForward, skipUnchangedTrees: true, branch: branch,
            migrationLint: migrationLint)
        options.trust = trust
        return options
    }
}
