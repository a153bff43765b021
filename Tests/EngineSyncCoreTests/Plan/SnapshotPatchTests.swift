import EngineSyncCore
import Testing

@Suite("Snapshot patch: the models that differ between two snapshot documents")
struct SnapshotPatchTests {
    static func object(_ text: String) throws -> JSONObject {
        try #require(JSONReader().read(Array(text.utf8)).document.value.objectValue)
    }

    @Test func changedAddedAndRemovedModels() throws {
        let old = try Self.object(#"{"a": {"x": 1}, "b": {"y": 2}, "c": {"z": 3}, "d": {}, "e": {}}"#)
        let new = try Self.object(#"{"a": {"x": 1}, "c": {"z": 4}, "f": {"w": 5}, "d": {}, "e": {}}"#)
        let patch = try #require(SnapshotPatch(from: old, to: new))
        #expect(patch.changed.keys == ["c", "f"])
        #expect(patch.changed["c"] == new["c"])
        #expect(patch.removed == ["b"])
        #expect(!patch.isEmpty)
        #expect(SnapshotPatch(from: new, to: new)?.isEmpty == true)
    }

    /// Key order inside a model is part of equality: a model whose keys moved is sent again (harmless).
    @Test func reorderedModelIsSentAgain() throws {
        let old = try Self.object(#"{"a": {"x": 1, "y": 2}, "b": {}, "c": {}}"#)
        let new = try Self.object(#"{"a": {"y": 2, "x": 1}, "b": {}, "c": {}}"#)
        #expect(SnapshotPatch(from: old, to: new)?.changed.keys == ["a"])
    }

    @Test func noPatchWhenKeysAreNotPlainOrMostModelsChanged() throws {
        let old = try Self.object(#"{"a": {}, "b": {}, "c": {}}"#)
        #expect(SnapshotPatch(from: old, to: try Self.object(#"{"é": {}, "b": {}, "c": {}}"#)) == nil)
        #expect(SnapshotPatch(from: try Self.object(#"{"\u212a": {}, "b": {}}"#), to: old) == nil)
        let twice = JSONObject([.init(key: "a", value: .object(JSONObject())), .init(key: "a", value: .null)])
        #expect(SnapshotPatch(from: old, to: twice) == nil)
        #expect(SnapshotPatch(from: old, to: try Self.object(#"{"a": 1, "b": 2, "c": {}}"#)) == nil)
        #expect(SnapshotPatch(from: old, to: try Self.object(#"{"a": 1, "b": {}, "c": {}}"#)) != nil)
    }
}
