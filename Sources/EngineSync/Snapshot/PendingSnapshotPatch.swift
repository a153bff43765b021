import EngineSyncCore

/// The patch from the snapshot row the daemon stored last to the desired document, computed on a thread of its own
/// while Safe Sync reads the catalog and plans: comparing the two documents model by model takes ~5 ms at 1,000
/// models, and the catalog read mostly waits on the server. `patch(from:to:)` uses it when the row and the document
/// are the ones it was computed for (the common case: nothing blocked, so the effective document is the desired
/// one), and computes the patch itself otherwise.
final class PendingSnapshotPatch: Sendable {
    private let base: SnapshotCache.StoredSnapshot
    private let target: JSONObject
    private let running: BackgroundValue<SnapshotPatch?>

    /// Starts comparing the two documents (`BackgroundValue`).
    init(from base: SnapshotCache.StoredSnapshot, to target: JSONObject) {
        self.base = base
        self.target = target
        running = BackgroundValue { SnapshotPatch(from: base.document, to: target) }
    }

    /// `SnapshotPatch(from: stored.document, to: document)`, from the thread when it compared the same two.
    func patch(from stored: SnapshotCache.StoredSnapshot, to document: JSONObject) -> SnapshotPatch? {
        guard stored.row == base.row, document == target else {
            return SnapshotPatch(from: stored.document, to: document)
        }
        return running.value
    }
}
