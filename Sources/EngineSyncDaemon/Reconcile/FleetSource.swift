import Dispatch
package import Logging
import Synchronization

/// The one fetch of a remote that all targets of a fleet share (issue 17), on a thread of its own (libgit2 blocks
/// the calling thread): the targets' reconcilers only read the mirror, so a remote is fetched once per poll, not
/// once per target, and two fetches never write the mirror at the same time.
package final class FleetSource: Sendable {
    private let queue = DispatchQueue(label: "enginesync.source")
    private let reconciler: Mutex<DaemonReconciler>

    private struct Box: @unchecked Sendable { var reconciler: DaemonReconciler }

    /// `configuration`: the top-level configuration (source, branch, state directory).
    package init(configuration: DaemonConfiguration, logger: Logger) {
        reconciler = Mutex(DaemonReconciler(configuration: configuration, logger: logger))
    }

    /// Uses a reloaded configuration from the next fetch on.
    package func update(_ configuration: DaemonConfiguration, logger: Logger) {
        let new = Box(reconciler: DaemonReconciler(configuration: configuration, logger: logger))
        reconciler.withLock { $0 = new.reconciler }
    }

    /// Fetches a remote (if the source is one) and resolves the branch tip.
    package func refresh() async -> DaemonReconciler.SourceState {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                let current = Box(reconciler: reconciler.withLock { $0 })
                continuation.resume(returning: current.reconciler.refreshSource())
            }
        }
    }

    /// `refresh` as the STATUS= line of READY=1.
    package func checkSource() async -> String {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                let current = Box(reconciler: reconciler.withLock { $0 })
                continuation.resume(returning: current.reconciler.checkSource())
            }
        }
    }
}
