package import EngineSyncCore
import Synchronization

/// The last compiled snapshot, kept by a long-running daemon between reconciles.
///
/// Each reconcile stores the effective DSL it planned with; the next one finds that row and would recompile
/// it (tens of milliseconds for a few hundred models, and the jsonb document fetched from the server). The
/// cache holds one entry, keyed by the row's canonical hash, so the common "previous commit" case skips both.
package final class SnapshotCache: Sendable {
    private let entry = Mutex<CompiledDSL?>(nil)

    package init() {}

    /// The compiled snapshot whose canonical hash is `hash`, if it is the one remembered.
    package func compiled(hash: String) -> CompiledDSL? {
        entry.withLock { $0?.hash == hash ? $0 : nil }
    }

    /// Remembers `compiled` (replacing the previous entry).
    package func remember(_ compiled: CompiledDSL) {
        entry.withLock { $0 = compiled }
    }
}
