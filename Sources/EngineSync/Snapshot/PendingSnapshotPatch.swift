import EngineSyncCore
import Foundation

/// The patch from the snapshot row the daemon stored last to the desired document, computed on a thread of its own
/// while Safe Sync reads the catalog and plans: comparing the two documents model by model takes ~5 ms at 1,000
/// models, and the catalog read mostly waits on the server. `patch(from:to:)` uses it when the row and the document
/// are the ones it was computed for (the common case: nothing blocked, so the effective document is the desired
/// one), and computes the patch itself otherwise.
final class PendingSnapshotPatch: @unchecked Sendable {
    private let base: SnapshotCache.StoredSnapshot
    private let target: JSONObject
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    /// Written once by the worker before it signals `finished`; read only after waiting on it.
    private var result: SnapshotPatch?
    private var isJoined = false

    /// Starts comparing on a global queue (never Swift's cooperative pool: the caller may block on it).
    init(from base: SnapshotCache.StoredSnapshot, to target: JSONObject) {
        self.base = base
        self.target = target
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = SnapshotPatch(from: base.document, to: target)
            finished.signal()
        }
    }

    /// `SnapshotPatch(from: stored.document, to: document)`, from the thread when it compared the same two.
    func patch(from stored: SnapshotCache.StoredSnapshot, to document: JSONObject) -> SnapshotPatch? {
        guard stored.row == base.row, document == target else {
            return SnapshotPatch(from: stored.document, to: document)
        }
        return lock.withLock {
            if !isJoined {
                finished.wait()
                isJoined = true
            }
            return result
        }
    }
}
