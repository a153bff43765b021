/// How one snapshot document differs from another, model by model: the top-level entries of the new document
/// that are not equal to the old one's, and the old keys the new one no longer has.
///
/// The daemon stores a new snapshot row on every commit that changes the DSL, a whole document of ~1.6 MB of
/// jsonb at 1,000 models, whose parsing alone costs the server tens of milliseconds. When it knows exactly what
/// its previous row holds, it sends only this patch and lets the server build the new row from the old one
/// (`(dsl - removed) || changed`): jsonb keeps one value per key and no key order, so the result is the
/// same jsonb value as the whole document parsed (docs/SAFE-SYNC.md, "The snapshot row").
public struct SnapshotPatch: Equatable, Sendable {
    /// The new document's entries that are new or differ, in its order.
    public var changed: JSONObject
    /// The old document's keys that the new one does not have.
    public var removed: [String]

    /// `nil` when the patch would not describe `new` exactly, or would not be smaller than it: a top-level key
    /// twice, or one that is not plain ASCII (Swift compares strings by canonical equivalence, jsonb by bytes), or
    /// more than half of the new document's models changed.
    public init?(from old: JSONObject, to new: JSONObject) {
        guard let oldKeys = Self.plainUniqueKeys(old), let newKeys = Self.plainUniqueKeys(new) else { return nil }
        var oldValues: [String: Int] = [:]
        oldValues.reserveCapacity(old.count)
        for (position, key) in oldKeys.enumerated() { oldValues[key] = position }
        var changed: [JSONObject.Entry] = []
        for (position, key) in newKeys.enumerated() {
            guard let oldPosition = oldValues[key], old.entries[oldPosition].value == new.entries[position].value
            else {
                changed.append(new.entries[position])
                if changed.count * 2 > new.count { return nil }
                continue
            }
        }
        let kept = Set(newKeys)
        self.changed = JSONObject(changed)
        removed = oldKeys.filter { !kept.contains($0) }
    }

    /// Whether nothing differs.
    public var isEmpty: Bool { changed.isEmpty && removed.isEmpty }

    /// The keys of `object`, when each is ASCII and appears once.
    static func plainUniqueKeys(_ object: JSONObject) -> [String]? {
        let keys = object.keys
        guard keys.allSatisfy({ key in key.utf8.allSatisfy { $0 < 0x80 } }), Set(keys).count == keys.count else {
            return nil
        }
        return keys
    }
}
