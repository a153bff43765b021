import Dispatch
package import Logging
import Synchronization

/// The one fetch of a remote that all targets of a fleet share (issue 17), on a thread of its own (libgit2 blocks
/// the calling thread): the targets' reconcilers only read the mirror, so a remote is fetched once per poll, not
/// once per target, and two fetches never write the mirror at the same time.
package final class FleetSource: Sendable {
    private let queue = DispatchQueue(label: "enginesync.source")
    private let state: Mutex<State>
    private let logger: Logger

    private struct State: @unchecked Sendable {
        var reconciler: DaemonReconciler
        var configuration: DaemonConfiguration
    }

    /// `configuration`: the top-level configuration (source, branch, state directory).
    package init(configuration: DaemonConfiguration, logger: Logger) {
        self.logger = logger
        state = Mutex(
            State(
                reconciler: DaemonReconciler(configuration: configuration, logger: logger), configuration: configuration
            ))
    }

    /// Fetches a remote (if the source is one) and resolves the branch tip; `configuration`: the one in force,
    /// when a reload may have changed the source.
    package func refresh(_ configuration: DaemonConfiguration? = nil) async -> DaemonReconciler.SourceState {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                continuation.resume(returning: reconciler(for: configuration).refreshSource())
            }
        }
    }

    /// The reconciler for `configuration` (a new one after a reload changed it), used on `queue` only.
    private func reconciler(for configuration: DaemonConfiguration?) -> DaemonReconciler {
        let current = state.withLock { State(reconciler: $0.reconciler, configuration: $0.configuration) }
        guard let configuration, configuration != current.configuration else { return current.reconciler }
        let new = State(
            reconciler: DaemonReconciler(configuration: configuration, logger: logger), configuration: configuration)
        state.withLock { $0 = State(reconciler: new.reconciler, configuration: new.configuration) }
        return new.reconciler
    }

    /// `refresh` as the STATUS= line of READY=1.
    package func checkSource() async -> String {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                continuation.resume(returning: reconciler(for: nil).checkSource())
            }
        }
    }
}
