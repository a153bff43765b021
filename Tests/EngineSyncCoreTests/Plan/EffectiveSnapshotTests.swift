import EngineSyncCore
import Testing

@Suite("Effective snapshot: unique indexes that met duplicates are left out")
struct EffectiveSnapshotTests {
    static func compile(_ model: String) throws -> CompiledDSL {
        let result = DSLCompiler().compile(files: [
            standardSnapshotModel, DSLInputFile(path: "dsl/models/user.json", text: model),
        ])
        return try #require(result.compiled, "\(result.errors)")
    }

    @Test func uniqueIndexOnOneFieldIsDropped() throws {
        let desired = try Self.compile(
            #"{"fields": {"email": {"type": "string"}, "name": {"type": "string"}}, "indexes": {"unique": [["email"]]}}"#
        )
        #expect(desired.schema.index(named: "uidx_user_email") != nil)
        let effective = EffectiveSnapshot.removingUniqueIndexes(
            named: ["uidx_user_email"], from: desired.document, desired: desired)
        let recompiled = try #require(DSLCompiler().compile(snapshotDocument: .object(effective)).compiled)
        #expect(!recompiled.schema.indexes.contains { $0.name == "uidx_user_email" })
        #expect(recompiled.schema.table(named: "user")?.column(named: "email") != nil)
        #expect(recompiled.hash != desired.hash)
    }

    @Test func uniqueListIsDroppedAndOthersKept() throws {
        let desired = try Self.compile(
            #"{"fields": {"a": {"type": "int"}, "b": {"type": "int"}, "c": {"type": "int", "columnName": "c_col"}}, "indexes": {"unique": [["a", "b"], ["c"]], "many": [["a"]]}}"#
        )
        let names = desired.schema.indexes.filter(\.isUnique).map(\.name)
        let conflicting = try #require(desired.schema.indexes.first { $0.isUnique && $0.columns == ["c_col"] })
        let effective = EffectiveSnapshot.removingUniqueIndexes(
            named: [conflicting.name], from: desired.document, desired: desired)
        let recompiled = try #require(DSLCompiler().compile(snapshotDocument: .object(effective)).compiled)
        #expect(
            Set(recompiled.schema.indexes.filter(\.isUnique).map(\.name)) == Set(names).subtracting([conflicting.name]))
        #expect(recompiled.schema.indexes.contains { !$0.isUnique && $0.columns == ["a"] })
    }

    /// Scalar `unique` never made an index (EngineJS ignores it): nothing to remove.
    @Test func scalarUniqueHasNoIndexToDrop() throws {
        let desired = try Self.compile(#"{"fields": {"email": {"type": "string", "unique": true}}}"#)
        #expect(!desired.schema.indexes.contains { $0.isUnique })
        let effective = EffectiveSnapshot.removingUniqueIndexes(
            named: ["uidx_user_email"], from: desired.document, desired: desired)
        #expect(effective == desired.document)
    }

    /// An index change is a manual item now, not blocked: the live index is left alone and, like a blocked change,
    /// keeps its old definition in the stored document (so the next reconcile lists it again rather than calling
    /// it drift), which compiles with one definition per index name.
    @Test func aManualIndexChangeKeepsTheLiveDefinition() throws {
        let fields = #""a": {"type": "int"}, "b": {"type": "int"}, "a_b": {"type": "int"}"#
        let old = try Self.compile(#"{"fields": {\#(fields)}, "indexes": {"unique": [["a", "b"]]}}"#)
        let new = try Self.compile(#"{"fields": {\#(fields)}, "indexes": {"unique": [["a_b"]]}}"#)
        var live = old.schema
        for index in live.tables.indices { live.tables[index].modelKey = nil }
        let plan = Planner().plan(desired: new, snapshot: old, live: live)
        #expect(plan.blocked.isEmpty)
        #expect(plan.manual.map(\.kind) == [.changeIndex])
        #expect(plan.effectiveDocument != new.document)
        let recompiled = DSLCompiler().compile(snapshotDocument: .object(plan.effectiveDocument))
        let effective = try #require(recompiled.compiled, "\(recompiled.errors)")
        let index = try #require(effective.schema.indexes.first { $0.name == "uidx_user_a_b" })
        #expect(index.columns == ["a", "b"])
        #expect(effective.schema.indexes.filter { $0.name == "uidx_user_a_b" }.count == 1)
    }

    @Test func unknownNamesAndNonUniqueIndexesChangeNothing() throws {
        let desired = try Self.compile(#"{"fields": {"a": {"type": "int"}}, "indexes": {"many": [["a"]]}}"#)
        let many = try #require(desired.schema.indexes.first { !$0.isUnique && $0.columns == ["a"] })
        let effective = EffectiveSnapshot.removingUniqueIndexes(
            named: ["nope", many.name], from: desired.document, desired: desired)
        #expect(effective == desired.document)
    }
}

@Suite("Timestamp defaults compare as instants")
struct TimestampLiteralTests {
    @Test(arguments: [
        ("2024-01-01T00:00:00Z", "2024-01-01 00:00:00+00", true),
        ("2024-06-01T12:30:00.5+02:00", "2024-06-01 10:30:00.5+00", true),
        ("2024-01-01T00:00:00Z", "2023-12-31 19:00:00-05", true),
        ("2024-01-01T00:00:00+0530", "2023-12-31 18:30:00+00", true),
        ("2024-01-01T00:00:00Z", "2024-01-01 00:00:01+00", false),
        ("2024-01-01T10:00:00", "2024-01-01 10:00:00", true),
        ("2024-01-01T10:00:00", "2024-01-01 10:00:00+00", false),
        ("2024-01-01", "2024-01-01 00:00:00", true),
    ])
    func equivalence(dsl: String, catalog: String, equal: Bool) {
        #expect(DefaultComparison.equivalent(.string(dsl), .string(catalog)) == equal)
    }

    @Test(arguments: [
        "2024-13-01", "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00.1234567Z",
        "2024-01-01X", "24-01-01", "2024-01-01T00:00:00+", "now", "",
    ])
    func rejects(text: String) {
        #expect(TimestampLiteral(text) == nil)
    }

    @Test func leapDayAndEpoch() throws {
        #expect(try #require(TimestampLiteral("1970-01-01T00:00:00Z")).microseconds == 0)
        #expect(try #require(TimestampLiteral("2024-02-29T00:00:00Z")).microseconds == 1_709_164_800_000_000)
    }
}
