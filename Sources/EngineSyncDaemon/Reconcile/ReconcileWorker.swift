import Dispatch
package import EngineSync
import EngineSyncCore
import Foundation
package import Logging
import Synchronization

/// Runs the daemon's reconciles on one dedicated thread and answers the `DaemonService` loop.
///
/// libpq and libgit2 calls block the calling thread, so they stay off Swift's cooperative pool; the
/// serial queue also gives the non-`Sendable` `DaemonReconciler` the single owner it needs.
package final class ReconcileWorker: Sendable {
    private let queue = DispatchQueue(label: "enginesync.reconcile")
    private let state: Mutex<State>
    private let logger: Logger
    private let lockWait: Duration
    private let fetchesRemote: Bool
    /// Touched by every reconcile this worker runs; the daemon's watchdog reads it (`DaemonService`).
    package let progress = ReconcileProgress()

    private struct State: @unchecked Sendable {
        var reconciler: DaemonReconciler
        var configuration: DaemonConfiguration
        var lastDriftCheck: ContinuousClock.Instant?
        var restoredReports = false
        /// The restore failure is logged once; the reconcile's own error says the rest on each retry.
        var restoreFailureLogged = false
        /// A step reconciled something since the last idle turn: its freed memory is still the allocator's.
        var freedMemoryHeld = false
    }

    /// - Parameter fetchesRemote: `false` for a fleet's target, which reads the mirror the daemon fetches once
    ///   for all targets (`FleetSource`).
    package init(
        configuration: DaemonConfiguration, logger: Logger, lockWait: Duration = .zero, fetchesRemote: Bool = true
    ) {
        self.logger = logger
        self.lockWait = lockWait
        self.fetchesRemote = fetchesRemote
        state = Mutex(
            State(
                reconciler: DaemonReconciler(
                    configuration: configuration, logger: logger, lockWait: lockWait,
                    progress: progress, fetchesRemote: fetchesRemote),
                configuration: configuration))
    }

    /// Uses a reloaded configuration from the next reconcile on (the last settled commit is kept).
    package func update(_ configuration: DaemonConfiguration) {
        state.withLock { state in
            // An untrusted tip is tried again: the reload may have added its signer (issue 15).
            let settled = state.reconciler.lastOutcome == .untrusted ? nil : state.reconciler.lastSettled
            state.reconciler = DaemonReconciler(
                configuration: configuration, logger: logger, lockWait: lockWait,
                progress: progress, fetchesRemote: fetchesRemote)
            state.reconciler.adoptLastSettled(settled)
            state.configuration = configuration
        }
    }

    /// One step for the service loop with the configuration in force (a SIGHUP reload may have replaced
    /// it): restore missing reports once, reconcile the tip if it is new, run the drift check when due.
    /// `rollout`: the canary the tip waits for (a fleet target's `after:`).
    package func reconcileOnce(
        configuration: DaemonConfiguration, rollout: RolloutGate? = nil
    ) async -> ReconcileSummary {
        if state.withLock({ $0.configuration != configuration }) { update(configuration) }
        return await withCheckedContinuation { continuation in
            queue.async { [self] in
                continuation.resume(returning: runStep(rollout: rollout))
            }
        }
    }

    /// A first look at the source for systemd's READY=1: fetch a remote, resolve the branch tip. Returns the
    /// STATUS= line ("tip abc123 of main, reconciling" or the error).
    package func checkSource() async -> String {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                let reconciler = state.withLock { $0.reconciler }
                continuation.resume(returning: reconciler.checkSource())
            }
        }
    }

    /// The outcome of `run --once`: one step, reported in full.
    package func reconcileTipOnce(rollout: RolloutGate? = nil) async -> ReconcileSummary {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                let reconciler = state.withLock { $0.reconciler }
                do {
                    try reconciler.restoreMissingReports()
                } catch {
                    logger.warning("cannot restore missing report files", metadata: ["error": "\(error)"])
                }
                let step = reconciler.step(rollout: rollout)
                // The process exits after this step: catalog.json is written first, and the session closes.
                reconciler.waitForCatalogExport()
                reconciler.closeKeptSession()
                continuation.resume(returning: step)
            }
        }
    }

    /// How many DSL files the compile cache holds: what the last reconcile compiled, until the first idle turn.
    package var compileCacheFileCount: Int {
        state.withLock { $0.reconciler }.compileCache.fileCount
    }

    /// Closes the database session kept between reconciles, after the last reconcile (graceful shutdown): the
    /// server sees the connection end rather than the process vanish.
    package func closeSession() async {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                state.withLock { $0.reconciler }.closeKeptSession()
                continuation.resume()
            }
        }
    }

    private func runStep(rollout: RolloutGate?) -> ReconcileSummary {
        progress.touch()
        let (reconciler, configuration, restore) = state.withLock {
            state -> (DaemonReconciler, DaemonConfiguration, Bool) in
            let restore = !state.restoredReports
            return (state.reconciler, state.configuration, restore)
        }
        if restore {
            do {
                try reconciler.restoreMissingReports()
                state.withLock { $0.restoredReports = true }
            } catch {
                let first = state.withLock { state in
                    defer { state.restoreFailureLogged = true }
                    return !state.restoreFailureLogged
                }
                if first { logger.warning("cannot restore missing report files yet", metadata: ["error": "\(error)"]) }
            }
        }
        let step = reconciler.step(rollout: rollout)
        if step.errorDescription == nil, step.outcome != .standby, let interval = configuration.driftInterval,
            dueForDriftCheck(interval)
        {
            if let drift = reconciler.driftCheck(selfHeal: configuration.selfHeal) {
                logger.notice(
                    "drift found",
                    metadata: [
                        "drift.items": "\(drift.drift.count)",
                        "drift.missing": "\(drift.applied.count)",
                    ])
            }
        }
        // The first idle turn after a reconcile (poll_interval later) lets go of the compile cache, which only a quick
        // next push would use, and hands what the reconciles freed back to the kernel, so an idle daemon does not hold
        // its peak; pushes that follow each other reuse those pages instead of faulting them in again.
        if step.idle {
            let held = state.withLock { state in
                defer { state.freedMemoryHeld = false }
                return state.freedMemoryHeld
            }
            if reconciler.compileCache.release() || held { FreeMemoryRelease.returnFreePages() }
        } else {
            state.withLock { $0.freedMemoryHeld = true }
        }
        return step
    }

    private func dueForDriftCheck(_ interval: Duration) -> Bool {
        state.withLock { state in
            let now = ContinuousClock.now
            guard let last = state.lastDriftCheck else {
                state.lastDriftCheck = now
                return false
            }
            guard now - last >= interval else { return false }
            state.lastDriftCheck = now
            return true
        }
    }
}
