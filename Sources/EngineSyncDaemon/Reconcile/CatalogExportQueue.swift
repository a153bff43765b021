import Dispatch
import EngineSync
import Synchronization

/// Writes `catalog.json` on a thread of its own, after the report, so the next push's reconcile never waits for
/// it (docs/ARCHITECTURE.md, "Incremental reconcile"): requests coalesce (one run queued at most), and a reconcile
/// that starts makes a running export stop — its catalog query is cancelled — and the export is owed: the
/// daemon requests it again after that reconcile, whatever its outcome.
final class CatalogExportQueue: Sendable {
    /// Runs one export; returns `false` when it stopped early because `progress.isStopRequested`.
    typealias Export = @Sendable (_ progress: ReconcileProgress) -> Bool

    private let queue = DispatchQueue(label: "enginesync.catalog-export")
    private let export: Export
    private let state = Mutex(State())

    private struct State {
        /// A run is queued and has not started.
        var queued = false
        /// The running export's progress (its cancel token), to stop it.
        var running: ReconcileProgress?
        /// A reconcile is running: an export that starts now gives up at once.
        var yielding = false
        /// An export gave up for a reconcile: request it again afterwards.
        var owed = false
    }

    init(export: @escaping Export) {
        self.export = export
    }

    /// Queues an export unless one is queued already.
    func request() {
        let enqueue = state.withLock { state -> Bool in
            state.owed = false
            guard !state.queued else { return false }
            state.queued = true
            return true
        }
        if enqueue { queue.async { self.run() } }
    }

    /// A reconcile starts: a running export stops and one that starts meanwhile gives up (both are owed).
    func yield() {
        let running = state.withLock { state -> ReconcileProgress? in
            state.yielding = true
            return state.running
        }
        running?.requestStop()
    }

    /// The reconcile is over; returns whether an export is owed (it gave up for the reconcile).
    func resume() -> Bool {
        state.withLock { state in
            state.yielding = false
            return state.owed
        }
    }

    /// Waits until every export requested so far has finished (`run --once`, tests).
    func wait() {
        queue.sync {}
    }

    private func run() {
        let progress = ReconcileProgress()
        let start = state.withLock { state -> Bool in
            state.queued = false
            guard !state.yielding else {
                state.owed = true
                return false
            }
            state.running = progress
            return true
        }
        guard start else { return }
        let finished = export(progress)
        state.withLock { state in
            state.running = nil
            if !finished { state.owed = true }
        }
    }
}
