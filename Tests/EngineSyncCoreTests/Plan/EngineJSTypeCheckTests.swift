import EngineSyncCore
import Testing

@Suite("EngineJS's own type check: the DSL type changes its sync refuses, and the plan refuses them too")
struct EngineJSTypeCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var before: String
        var after: String
        /// EngineJS's refusal as it words it (`from -> to`), or `nil` when it accepts the change.
        var refused: String?
        var testDescription: String { "\(before) → \(after)" }
    }

    /// Each case checked against EngineJS's `assertNoNarrowing` (shared/enginejs-parity, 2026-12-04).
    static let cases: [Case] = [
        Case(before: #"{"type": "number"}"#, after: #"{"type": "float"}"#, refused: "number -> float"),
        Case(before: #"{"type": "decimal"}"#, after: #"{"type": "number"}"#, refused: "decimal -> number"),
        Case(before: #"{"type": "foo"}"#, after: #"{"type": "bar"}"#, refused: "foo -> bar"),
        Case(before: #"{"type": "embed"}"#, after: #"{"type": "string"}"#, refused: "embed -> varchar(255)"),
        Case(before: #"{}"#, after: #"{"type": "string"}"#, refused: "unknown -> varchar(255)"),
        Case(
            before: #"{"type": "string", "max": 40}"#, after: #"{"type": "string", "length": 30, "max": 40}"#,
            refused: "varchar(40) -> varchar(30)"),
        Case(before: #"{"type": "text"}"#, after: #"{"type": "string"}"#, refused: "text -> varchar(255)"),
        Case(before: #"{"type": "bigint"}"#, after: #"{"type": "int"}"#, refused: "bigint -> int"),
        Case(before: #"{"type": "int"}"#, after: #"{"type": "string"}"#, refused: "int -> varchar(255)"),
        // Accepted: the same kind, or EngineJS's widenings.
        Case(before: #"{"type": "String"}"#, after: #"{"type": "string"}"#, refused: nil),
        Case(before: #"{"type": "int"}"#, after: #"{"type": "integer"}"#, refused: nil),
        Case(before: #"{"type": "int"}"#, after: #"{"type": "bigint"}"#, refused: nil),
        Case(before: #"{"type": "date"}"#, after: #"{"type": "datetime"}"#, refused: nil),
        Case(before: #"{"type": "json"}"#, after: #"{"type": "jsonb"}"#, refused: nil),
        Case(before: #"{"type": "string", "length": 50}"#, after: #"{"type": "text"}"#, refused: nil),
        Case(before: #"{"type": "string", "length": 50}"#, after: #"{"type": "string", "max": 80}"#, refused: nil),
        Case(before: #"{"type": "number"}"#, after: #"{"type": "number"}"#, refused: nil),
        // `size` is not read by the check (only by the column): no refusal.
        Case(before: #"{"type": "string", "size": 100}"#, after: #"{"type": "string", "size": 50}"#, refused: nil),
        // A virtual field before is skipped.
        Case(before: #"{"type": "int", "save": false}"#, after: #"{"type": "string"}"#, refused: nil),
    ]

    static func object(_ text: String) throws -> JSONObject {
        try #require(try JSONReader().read(Array(text.utf8)).document.value.objectValue)
    }

    static func document(_ field: String) throws -> JSONObject {
        try object(#"{"t": {"fields": {"x": "# + field + "}}}")
    }

    @Test(arguments: cases)
    func refusesWhatEngineJSRefuses(_ testCase: Case) throws {
        let refusals = EngineJSTypeCheck.refusals(
            previous: try Self.document(testCase.before), next: try Self.document(testCase.after))
        #expect(refusals.map { "\($0.from) -> \($0.to)" } == (testCase.refused.map { [$0] } ?? []))
        #expect(refusals.allSatisfy { $0.modelKey == "t" && $0.fieldKey == "x" })
    }

    @Test func removedModelsAndFieldsAreLeftToThePlanner() throws {
        let previous = try Self.object(#"{"t": {"fields": {"x": {"type": "int"}}}, "u": {"fields": {}}}"#)
        let next = try Self.object(#"{"t": {"fields": {}}}"#)
        #expect(EngineJSTypeCheck.refusals(previous: previous, next: next).isEmpty)
    }

    static func compile(_ field: String) throws -> CompiledDSL {
        try EffectiveSnapshotTests.compile(#"{"fields": {"x": "# + field + "}}")
    }

    @Test func aRefusedTypeNameChangeIsBlockedAndKeepsItsOldDefinition() throws {
        let snapshot = try Self.compile(#"{"type": "number"}"#)
        let desired = try Self.compile(#"{"type": "float"}"#)
        let plan = Planner().plan(
            desired: desired, snapshot: snapshot, live: Fixture.liveSchema(snapshot.schema))
        let change = try #require(plan.blocked.first)
        #expect(plan.blocked.count == 1)
        #expect(change.kind == .changeColumnType)
        #expect(change.table == "user" && change.column == "x")
        #expect(change.from == "number" && change.to == "float")
        #expect(change.statements.isEmpty)
        #expect(change.migrationName == nil)
        #expect(change.reason?.contains("the column stays double precision") == true)
        #expect(plan.safe.isEmpty)
        let field = plan.effectiveDocument["user"]?.objectValue?["fields"]?.objectValue?["x"]?.objectValue
        #expect(field?["type"] == .string("number"))
    }

    @Test func aRefusedChangeTakesItsWideningBack() throws {
        let snapshot = try Self.compile(#"{"type": "string", "length": 50}"#)
        let desired = try Self.compile(#"{"type": "embed", "max": 100}"#)
        let plan = Planner().plan(
            desired: desired, snapshot: snapshot, live: Fixture.liveSchema(snapshot.schema))
        #expect(plan.blocked.map(\.kind) == [.changeColumnType])
        #expect(!plan.safe.contains { $0.kind == .widenColumn })
        // The same widening under a type EngineJS accepts is applied.
        let accepted = Planner().plan(
            desired: try Self.compile(#"{"type": "string", "max": 100}"#), snapshot: snapshot,
            live: Fixture.liveSchema(snapshot.schema))
        #expect(accepted.blocked.isEmpty)
        #expect(accepted.safe.map(\.kind) == [.widenColumn])
    }

    /// A narrowing performed by its suggested migration is in sync (SPEC 4.1), although EngineJS's check alone
    /// would refuse the DSL for ever.
    @Test func aNarrowingAMigrationMadeIsNotRefused() throws {
        let snapshot = try Self.compile(#"{"type": "string", "length": 100}"#)
        let desired = try Self.compile(#"{"type": "string", "length": 50}"#)
        let before = Planner().plan(desired: desired, snapshot: snapshot, live: Fixture.liveSchema(snapshot.schema))
        #expect(before.blocked.map(\.kind) == [.narrowColumn])
        #expect(before.blocked.first?.statements.isEmpty == false)
        let after = Planner().plan(desired: desired, snapshot: snapshot, live: Fixture.liveSchema(desired.schema))
        #expect(after.blocked.isEmpty)
        #expect(after.effectiveDocument == desired.document)
    }

    @Test func aLengthBelowMaxIsANarrowingForEngineJSOnly() throws {
        let snapshot = try Self.compile(#"{"type": "string", "max": 40}"#)
        let desired = try Self.compile(#"{"type": "string", "length": 30, "max": 40}"#)
        #expect(desired.schema.table(named: "user")?.column(named: "x")?.type == .varchar(length: 40))
        let plan = Planner().plan(desired: desired, snapshot: snapshot, live: Fixture.liveSchema(snapshot.schema))
        #expect(plan.blocked.map(\.kind) == [.narrowColumn])
        #expect(plan.blocked.first?.from == "varchar(40)")
        #expect(plan.blocked.first?.to == "varchar(30)")
    }

    /// Two fields swapping columns through `columnName`: both columns exist, nothing is added or renamed, and
    /// EngineJS completes — but each field now reads the other's data. Reported under `manual` (once: the
    /// snapshot records the new mapping) with the renames that keep the data with the fields.
    @Test func fieldsSwappingColumnsAreReportedWithTheRenames() throws {
        let snapshot = try EffectiveSnapshotTests.compile(#"{"fields": {"a": {"type": "int"}, "b": {"type": "int"}}}"#)
        let desired = try EffectiveSnapshotTests.compile(
            #"{"fields": {"a": {"type": "int", "columnName": "b"}, "b": {"type": "int", "columnName": "a"}}}"#)
        let plan = Planner().plan(desired: desired, snapshot: snapshot, live: Fixture.liveSchema(snapshot.schema))
        #expect(plan.blocked.isEmpty)
        #expect(plan.safe.isEmpty)
        #expect(plan.manual.map(\.kind) == [.remapColumn, .remapColumn])
        #expect(plan.manual.allSatisfy { $0.message.contains("until now") })
        let renames = plan.manual.flatMap(\.sql).map(\.description)
        #expect(
            renames == [
                #"ALTER TABLE "public"."user" RENAME COLUMN "a" TO "a_enginesync_swap""#,
                #"ALTER TABLE "public"."user" RENAME COLUMN "b" TO "a""#,
                #"ALTER TABLE "public"."user" RENAME COLUMN "a_enginesync_swap" TO "b""#,
            ])
        #expect(plan.effectiveDocument == desired.document)
        // Recorded: the next plan has nothing to say.
        let again = Planner().plan(desired: desired, snapshot: desired, live: Fixture.liveSchema(snapshot.schema))
        #expect(again.manual.isEmpty && again.blocked.isEmpty)
    }

    /// EngineJS refuses a model or field key that left the DSL even when another key took the same table or
    /// column over; so does enginesync, with no statement, and the stored snapshot keeps the old key and still
    /// compiles — the next plan refuses the same way.
    @Test func aKeyRenamedOntoTheSameColumnOrTableIsRefused() throws {
        let snapshot = try EffectiveSnapshotTests.compile(#"{"fields": {"name": {"type": "string"}}}"#)
        let desired = try EffectiveSnapshotTests.compile(
            #"{"fields": {"fullName": {"type": "string", "columnName": "name"}}}"#)
        let live = Fixture.liveSchema(snapshot.schema)
        let plan = Planner().plan(desired: desired, snapshot: snapshot, live: live)
        #expect(plan.blocked.map(\.kind) == [.dropColumn])
        #expect(plan.blocked.first?.statements.isEmpty == true)
        #expect(plan.blocked.first?.reason?.contains("Keep the field key 'name'") == true)
        #expect(plan.safe.isEmpty)
        let stored = try #require(DSLCompiler().compile(snapshotDocument: .object(plan.effectiveDocument)).compiled)
        let fields = plan.effectiveDocument["user"]?.objectValue?["fields"]?.objectValue
        #expect(fields?["name"] != nil && fields?["fullName"] == nil)
        #expect(Planner().plan(desired: desired, snapshot: stored, live: live).blocked.map(\.kind) == [.dropColumn])

        let files = { (model: String) in
            [standardSnapshotModel, DSLInputFile(path: "dsl/models/m.json", text: model)]
        }
        let before = try #require(
            DSLCompiler().compile(files: files(#"{"t": {"fields": {"a": {"type": "int"}}}}"#)).compiled)
        let after = try #require(
            DSLCompiler().compile(files: files(#"{"t2": {"table": "t", "fields": {"a": {"type": "int"}}}}"#))
                .compiled)
        let renamed = Planner().plan(desired: after, snapshot: before, live: Fixture.liveSchema(before.schema))
        #expect(renamed.blocked.map(\.kind) == [.dropTable])
        #expect(renamed.blocked.first?.statements.isEmpty == true)
        #expect(renamed.blocked.first?.reason?.contains("Keep the model key 't'") == true)
        let storedModels = try #require(
            DSLCompiler().compile(snapshotDocument: .object(renamed.effectiveDocument)).compiled)
        #expect(storedModels.document["t"] != nil && storedModels.document["t2"] == nil)
        // Refused again while the DSL keeps the new key; ended by giving the old key back.
        #expect(
            Planner().plan(desired: after, snapshot: storedModels, live: Fixture.liveSchema(before.schema)).blocked
                .map(\.kind) == [.dropTable])
        #expect(
            Planner().plan(desired: before, snapshot: storedModels, live: Fixture.liveSchema(before.schema)).isEmpty)
        // The same for the field: the old key back ends it.
        #expect(Planner().plan(desired: snapshot, snapshot: stored, live: live).isEmpty)

        // A real removal is still the drop with its migration.
        let removed = Planner().plan(
            desired: try EffectiveSnapshotTests.compile(#"{"fields": {}}"#), snapshot: snapshot, live: live)
        #expect(removed.blocked.map(\.kind) == [.dropColumn])
        #expect(removed.blocked.first?.statements.isEmpty == false)
    }

    @Test func aFieldTurnedVirtualKeepsItsColumnUnblocked() throws {
        let snapshot = try Self.compile(#"{"type": "string"}"#)
        let desired = try Self.compile(#"{"type": "string", "save": false}"#)
        let plan = Planner().plan(desired: desired, snapshot: snapshot, live: Fixture.liveSchema(snapshot.schema))
        #expect(plan.blocked.isEmpty)
        #expect(plan.safe.isEmpty)
        #expect(plan.drift.map(\.kind) == [.unmanagedColumn])
        #expect(plan.drift.first?.message.contains("now virtual") == true)
        // Removed from the DSL altogether, the same column is a blocked drop.
        let removed = try EffectiveSnapshotTests.compile(#"{"fields": {}}"#)
        #expect(
            Planner().plan(desired: removed, snapshot: snapshot, live: Fixture.liveSchema(snapshot.schema)).blocked.map(
                \.kind) == [.dropColumn])
    }
}

@Suite("The managed schema's name") struct ManagedSchemaNameTests {
    @Test(arguments: ["pg_temp", "pg_catalog", "PG_TOAST", "information_schema", "", String(repeating: "x", count: 64)])
    func refused(name: String) {
        #expect(ManagedSchemaName.problem(name) != nil)
    }

    @Test(arguments: ["public", "app", "Tenant 1", "pgx", String(repeating: "x", count: 63)])
    func accepted(name: String) {
        #expect(ManagedSchemaName.problem(name) == nil)
    }
}
