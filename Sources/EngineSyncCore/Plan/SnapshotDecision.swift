/// What a reconcile records as its snapshot (SPEC 4.5), decided step by step as Safe Sync learns what was
/// applied: a pure value, so every rule is unit-tested without a database.
///
/// The recorded document is the plan's effective document: the desired DSL, with every blocked or kept
/// change at its old definition (`EffectiveSnapshot`). It changes twice more: unique indexes whose build met
/// duplicates are left out (they were never built), and a first run (no snapshot row yet) with changes
/// blocked for other reasons records nothing at all — without a snapshot the old definitions are unknown,
/// and recording the DSL would make each blocked change look "changed by hand" next time.
public struct SnapshotDecision: Equatable, Sendable {
    /// The document to record.
    public private(set) var document: JSONObject
    /// EngineJS's hash of `document` (the snapshot row's `hash`).
    public private(set) var hash: String
    /// enginesync's SHA-256 of `document`'s canonical JSON.
    public private(set) var sha256: String
    /// The latest snapshot row's id: the one found, then each one this reconcile inserts.
    public private(set) var rowID: Int?
    /// The hash of the row the reconcile started from (`nil`: the database had none).
    public let previousHash: String?
    /// The hash of the latest row, updated as this reconcile stores documents.
    public private(set) var storedHash: String?
    /// Nothing is recorded (a first run with blocked changes).
    public private(set) var withheld = false

    /// - Parameters:
    ///   - effectiveDocument: `Plan.effectiveDocument` (after any gate that keeps old definitions).
    ///   - row: the latest snapshot row's id and hash, `nil` when there is none.
    public init(effectiveDocument: JSONObject, desired: CompiledDSL, row: (id: Int, hash: String)?) {
        document = effectiveDocument
        // Nothing left to a migration: the document is the desired one, whose hashes the compiler computed.
        if effectiveDocument == desired.document {
            hash = desired.hash
            sha256 = desired.contentHash
        } else {
            hash = EngineJSNaming.snapshotHash(of: .object(effectiveDocument))
            sha256 = CanonicalJSON.sha256Hex(.object(effectiveDocument))
        }
        rowID = row?.id
        previousHash = row?.hash
        storedHash = row?.hash
    }

    /// Whether the document is to be stored now: not withheld, and not what the latest row holds.
    public var needsStore: Bool { !withheld && hash != storedHash }

    /// Leaves out the unique indexes named by `conflicts` (`uniqueConflict` changes: duplicates met during
    /// the build): the database does not have them, so the snapshot must not claim it does.
    public mutating func leaveOut(conflicts: [PlannedChange], desired: CompiledDSL) {
        let names = conflicts.filter { $0.kind == .uniqueConflict }.compactMap(\.index)
        guard !names.isEmpty else { return }
        document = EffectiveSnapshot.removingUniqueIndexes(named: names, from: document, desired: desired)
        hash = EngineJSNaming.snapshotHash(of: .object(document))
        sha256 = CanonicalJSON.sha256Hex(.object(document))
    }

    /// Withholds the snapshot when this is a first run (no row) and a change is blocked for a reason other
    /// than duplicates; returns `true` when it did.
    @discardableResult
    public mutating func withholdIfFirstRun(blocked: [PlannedChange]) -> Bool {
        guard previousHash == nil, blocked.contains(where: { $0.kind != .uniqueConflict }) else { return false }
        withheld = true
        return true
    }

    /// Records that `document` was stored as row `id`.
    public mutating func stored(id: Int) {
        rowID = id
        storedHash = hash
    }

    /// The report's `snapshot` object: nothing while withheld; otherwise the latest row, the recorded hash, and
    /// whether it differs from the row the reconcile started from.
    public var reportInfo: ReconcileReport.SnapshotInfo {
        guard !withheld else { return ReconcileReport.SnapshotInfo(id: nil, hash: nil, changed: false) }
        return ReconcileReport.SnapshotInfo(id: rowID, hash: hash, changed: hash != previousHash, sha256: sha256)
    }

    /// The outcome of a reconcile that reached Safe Sync's transaction: `failed` when a concurrent index build
    /// failed (it is rebuilt next time), `blocked` when anything is blocked, else `synced`.
    public static func outcome(blocked: [PlannedChange], concurrentFailure: Bool) -> ReconcileOutcome {
        concurrentFailure ? .failed : (blocked.isEmpty ? .synced : .blocked)
    }
}
