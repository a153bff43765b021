import EngineSyncCore
import Testing

@Suite("Effective snapshot: unique indexes that met duplicates are left out")
struct EffectiveSnapshotTests {
    static func compile(_ model: String) throws -> CompiledDSL {
        let result = DSLCompiler().compile(files: [DSLInputFile(path: "dsl/models/user.json", text: model)])
        return try #require(result.compiled, "\(result.errors)")
    }

    @Test func scalarUniqueFieldIsDropped() throws {
        let desired = try Self.compile(#"{"fields": {"email": {"type": "string", "unique": true}, "name": {"type": "string"}}}"#)
        let effective = EffectiveSnapshot.removingUniqueIndexes(named: ["uidx_user_email"], from: desired.document, desired: desired)
        let recompiled = try #require(DSLCompiler().compile(snapshotDocument: .object(effective)).compiled)
        #expect(!recompiled.schema.indexes.contains { $0.name == "uidx_user_email" })
        #expect(recompiled.schema.table(named: "user")?.column(named: "email") != nil)
        #expect(recompiled.hash != desired.hash)
    }

    @Test func uniqueListIsDroppedAndOthersKept() throws {
        let desired = try Self.compile(#"{"fields": {"a": {"type": "int"}, "b": {"type": "int"}, "c": {"type": "int", "columnName": "c_col"}}, "indexes": {"unique": [["a", "b"], ["c"]], "many": [["a"]]}}"#)
        let names = desired.schema.indexes.filter(\.isUnique).map(\.name)
        let conflicting = try #require(desired.schema.indexes.first { $0.isUnique && $0.columns == ["c_col"] })
        let effective = EffectiveSnapshot.removingUniqueIndexes(named: [conflicting.name], from: desired.document, desired: desired)
        let recompiled = try #require(DSLCompiler().compile(snapshotDocument: .object(effective)).compiled)
        #expect(Set(recompiled.schema.indexes.filter(\.isUnique).map(\.name)) == Set(names).subtracting([conflicting.name]))
        #expect(recompiled.schema.indexes.contains { !$0.isUnique && $0.columns == ["a"] })
    }

    @Test func unknownNamesAndNonUniqueIndexesChangeNothing() throws {
        let desired = try Self.compile(#"{"fields": {"a": {"type": "int"}}, "indexes": {"many": [["a"]]}}"#)
        let many = try #require(desired.schema.indexes.first { !$0.isUnique && $0.columns == ["a"] })
        let effective = EffectiveSnapshot.removingUniqueIndexes(named: ["nope", many.name], from: desired.document, desired: desired)
        #expect(effective == desired.document)
    }
}
