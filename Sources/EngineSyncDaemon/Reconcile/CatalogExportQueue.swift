import Dispatch
package import EngineSync
import Synchronization

/// Writes `catalog.json` on a thread of its own, after the report, once the daemon has been quiet for `delay`
/// (docs/ARCHITECTURE.md, "Incremental reconcile"): the next push's reconcile never waits for it, and a burst of
/// pushes is exported once, after the last. Requests coalesce; a reconcile that starts makes a running export
/// stop — its catalog query is cancelled — and the export is owed: the daemon requests it again after that
/// reconcile, whatever its outcome.
package final class CatalogExportQueue: Sendable {
    /// Runs one export; returns `false` when it stopped early because `progress.isStopRequested`.
    package typealias Export = @Sendable (_ progress: ReconcileProgress) -> Bool

    private let queue = DispatchQueue(label: "enginesync.catalog-export")
    private let export: Export
    private let delay: Duration
    private let state = Mutex(State())

    private struct State {
        /// An export is requested and has not started; `generation` names the latest request.
        var pending = false
        var generation = 0
        /// The running export's progress (its cancel token), to stop it.
        var running: ReconcileProgress?
        /// A reconcile is running: an export that starts now gives up at once.
        var yielding = false
        /// An export gave up for a reconcile: request it again afterwards.
        var owed = false
    }

    /// - Parameter delay: how long the daemon must stay quiet after a request before the export starts.
    package init(delay: Duration = .seconds(1), export: @escaping Export) {
        self.delay = delay
        self.export = export
    }

    /// Requests an export `delay` from now; a later request replaces an earlier one that has not started.
    package func request() {
        let generation = state.withLock { state -> Int in
            state.owed = false
            state.pending = true
            state.generation += 1
            return state.generation
        }
        let nanoseconds =
            Int(delay.components.seconds) * 1_000_000_000 + Int(delay.components.attoseconds / 1_000_000_000)
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            guard state.withLock({ $0.pending && $0.generation == generation }) else { return }
            run()
        }
    }

    /// A reconcile starts: a running export stops and one that starts meanwhile gives up (both are owed).
    package func yield() {
        let running = state.withLock { state -> ReconcileProgress? in
            state.yielding = true
            return state.running
        }
        running?.requestStop()
    }

    /// The reconcile is over; returns whether an export is owed (it gave up for the reconcile).
    package func resume() -> Bool {
        state.withLock { state in
            state.yielding = false
            return state.owed
        }
    }

    /// Runs a pending export now, without waiting for the delay, and waits for any running one (`run --once`
    /// before it exits, tests).
    package func flush() {
        queue.sync {
            if state.withLock({ $0.pending }) { run() }
        }
    }

    /// Whether an export is running now (tests).
    package var isRunning: Bool { state.withLock { $0.running != nil } }

    /// On the queue.
    private func run() {
        let progress = ReconcileProgress()
        let start = state.withLock { state -> Bool in
            state.pending = false
            guard !state.yielding else {
                state.owed = true
                return false
            }
            state.running = progress
            return true
        }
        guard start else { return }
        let finished = export(progress)
        // The export reads the whole catalog and builds the file in memory (~10 MB at 1,000 tables): its peak
        // goes back to the kernel like a reconcile's, or the idle daemon would hold it.
        FreeMemoryRelease.returnFreePages()
        state.withLock { state in
            state.running = nil
            if !finished { state.owed = true }
        }
    }
}
