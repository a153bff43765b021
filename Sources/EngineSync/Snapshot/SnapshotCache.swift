package import EngineSyncCore
import Synchronization

/// The last compiled snapshot, kept by a long-running daemon between reconciles.
///
/// Each reconcile stores the effective DSL it planned with; the next one finds that row and would recompile
/// it (tens of milliseconds for a few hundred models, and the jsonb document fetched from the server). The
/// cache holds one entry, keyed by the row's canonical hash, so the common "previous commit" case skips both.
package final class SnapshotCache: Sendable {
    private let entry = Mutex<CompiledDSL?>(nil)
    private let lastStored = Mutex<StoredSnapshot?>(nil)
    /// What `remember` and `rememberStored` replaced, freed by `releaseReplaced()`: freeing a compiled DSL of 1,000
    /// models takes milliseconds, which the daemon spends after the report rather than before it. At most one
    /// generation is kept (each `remember` frees the one before).
    private let replaced = Mutex<Replaced>(Replaced())

    private struct Replaced {
        var compiled: CompiledDSL?
        var stored: StoredSnapshot?
    }

    /// The snapshot row this process inserted last and the document it holds, so the next row can be sent
    /// as a patch of it (`SnapshotStore.insert(_:patching:with:…)`).
    package struct StoredSnapshot: Sendable {
        package var row: SnapshotStore.InsertedRow
        package var document: JSONObject
    }

    package init() {}

    /// The compiled snapshot whose canonical hash is `hash`, if it is the one remembered.
    package func compiled(hash: String) -> CompiledDSL? {
        entry.withLock { $0?.hash == hash ? $0 : nil }
    }

    /// The row remembered by `rememberStored(_:)`, if any. It may have been rolled back, deleted or updated
    /// since: the patch's INSERT names its id and `xmin`, and inserts nothing then.
    package var stored: StoredSnapshot? { lastStored.withLock { $0 } }

    /// Remembers the snapshot row just inserted (replacing the previous one).
    package func rememberStored(_ stored: StoredSnapshot) {
        var value: StoredSnapshot? = stored
        lastStored.withLock { swap(&$0, &value) }
        replaced.withLock { swap(&$0.stored, &value) }
        // `value` (two generations back) is freed here, outside the locks.
    }

    /// Remembers `compiled` (replacing the previous entry).
    package func remember(_ compiled: CompiledDSL) {
        var value: CompiledDSL? = compiled
        entry.withLock { swap(&$0, &value) }
        replaced.withLock { swap(&$0.compiled, &value) }
        // `value` (two generations back) is freed here, outside the locks.
    }

    /// Frees what `remember` and `rememberStored` replaced (the daemon calls it once the report is written).
    package func releaseReplaced() {
        var value = Replaced()
        replaced.withLock { swap(&$0, &value) }
    }
}
