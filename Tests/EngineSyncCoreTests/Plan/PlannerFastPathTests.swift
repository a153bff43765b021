import Testing

@testable import EngineSyncCore

/// The planner's shortcut for tables whose desired and live columns have the same names in the same order
/// (`PlanRun.planSameNamedColumns`) must yield exactly the plan of the general path. Each case below is planned
/// both ways (`usesFastPaths: false` takes the general path everywhere) and the two plans are compared whole:
/// changes, blocked, drift, manual items and the effective document.
@Suite("Planner: the fast path for unchanged tables equals the general path")
struct PlannerFastPathTests {
    /// A small deterministic generator (SplitMix64), so a failing case can be replayed from its seed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var value = state
            value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
            value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
            return value ^ (value >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
    }

    static let types: [ColumnType] = [
        .integer, .bigint, .smallint, .varchar(length: 50), .varchar(length: 100), .varchar(length: nil), .text,
        .boolean, .jsonb, .timestamptz, .array(.varchar(length: 20)), .numeric(precision: 10, scale: 2),
    ]
    static let defaults: [ColumnDefault?] = [
        nil, nil, .number("0"), .number("0.0"), .string("x"), .boolean(false), .json("{\"a\": 1}"),
        .json("{\"a\":1}"), .currentTimestamp, .expression("NULL::character varying"),
        .string("2024-01-01 00:00:00+00"),
    ]
    static let names = [
        "a", "b", "c", "d", "e", "f", "g", "a_b", "title", "auto_name", "deleted", "archived", "é", "e\u{301}", "K",
        "\u{212A}",
    ]

    static func randomColumn(_ generator: inout Generator, name: String) -> Column {
        Column(
            name: name, type: generator.pick(types), defaultValue: generator.pick(defaults),
            isNotNull: generator.chance(30), isAutoIncrement: generator.chance(5), fieldKey: name)
    }

    static func randomTable(_ generator: inout Generator, name: String) -> Table {
        var columns = [Fixture.id(name)]
        var pool = names
        for _ in 0..<(1 + generator.below(6)) {
            columns.append(randomColumn(&generator, name: pool.remove(at: generator.below(pool.count))))
        }
        return Fixture.table(name, columns, rows: generator.chance(20) ? 5_000_000 : nil)
    }

    /// One random edit of a schema: what a commit or a hand-made change does to a table, an index or a key.
    static func mutate(_ schema: inout Schema, _ generator: inout Generator) {
        guard !schema.tables.isEmpty else { return }
        let table = generator.below(schema.tables.count)
        let count = schema.tables[table].columns.count
        let column = generator.below(count)
        switch generator.below(17) {
        case 0: schema.tables[table].columns[column].type = generator.pick(types)
        case 1: schema.tables[table].columns[column].defaultValue = generator.pick(defaults)
        case 2: schema.tables[table].columns[column].isNotNull.toggle()
        case 3: schema.tables[table].columns[column].isAutoIncrement.toggle()
        case 4 where count > 1:
            // Column order.
            schema.tables[table].columns.swapAt(column, (column + 1) % count)
        case 5:
            // An extra column.
            let name = generator.pick(names) + (generator.chance(50) ? "_x" : "")
            schema.tables[table].columns.append(randomColumn(&generator, name: name))
        case 6 where count > 1: schema.tables[table].columns.remove(at: column)
        case 7:
            // A rename: same field key, another column name.
            schema.tables[table].columns[column].name += "_renamed"
        case 8:
            // The same name twice (only hand-made inputs do this; the fast path must notice).
            schema.tables[table].columns.append(schema.tables[table].columns[column])
            if generator.chance(50) { schema.tables[table].columns[count].type = generator.pick(types) }
        case 9:
            let columns = Array(schema.tables[table].columns.prefix(1 + generator.below(2))).map(\.name)
            schema.indexes.append(
                Index(
                    name: "idx_\(schema.tables[table].name)_\(columns.joined(separator: "_"))",
                    table: schema.tables[table].name, columns: columns, isUnique: generator.chance(50),
                    predicate: generator.chance(50) ? .visibleRows : nil))
        case 10 where !schema.indexes.isEmpty:
            schema.indexes.remove(at: generator.below(schema.indexes.count))
        case 11 where !schema.indexes.isEmpty:
            schema.indexes[generator.below(schema.indexes.count)].isUnique.toggle()
        case 12:
            let target = schema.tables[generator.below(schema.tables.count)].name
            let name = schema.tables[table].columns[column].name
            schema.foreignKeys.append(
                ForeignKey(
                    name: "\(schema.tables[table].name)_\(name)_fkey", table: schema.tables[table].name,
                    columns: [name], referencedTable: target, referencedColumns: ["id"],
                    onDelete: generator.pick(ReferentialAction.allCases)))
        case 13 where !schema.foreignKeys.isEmpty:
            schema.foreignKeys.remove(at: generator.below(schema.foreignKeys.count))
        case 14 where !schema.foreignKeys.isEmpty:
            schema.foreignKeys[generator.below(schema.foreignKeys.count)].onDelete = generator.pick(
                ReferentialAction.allCases)
        case 15 where schema.tables.count > 1: schema.tables.remove(at: table)
        case 16:
            schema.tables[table].primaryKey = generator.chance(50) ? [] : [schema.tables[table].columns[column].name]
        default: schema.tables[table].columns[column].type = generator.pick(types)
        }
    }

    /// A desired schema, the snapshot it came from and the live catalog, each a few random edits apart.
    static func randomCase(seed: UInt64) -> (desired: CompiledDSL, snapshot: CompiledDSL?, live: Schema) {
        var generator = Generator(state: seed)
        let tables = (0..<(1 + generator.below(4))).map { randomTable(&generator, name: "t\($0)") }
        var base = Schema(tables: tables)
        for _ in 0..<generator.below(4) { mutate(&base, &generator) }
        base.indexes = base.tables.filter { _ in generator.chance(50) }.map { Fixture.visibleIndex($0.name) }
        var desired = base
        var snapshot = base
        var live = base
        for _ in 0..<generator.below(3) { mutate(&desired, &generator) }
        for _ in 0..<generator.below(3) { mutate(&snapshot, &generator) }
        for _ in 0..<generator.below(3) { mutate(&live, &generator) }
        live = Fixture.liveSchema(live, rows: generator.chance(20) ? 5_000_000 : 0)
        if generator.chance(15), let table = live.tables.first, let column = table.columns.last {
            live.viewDependencies = [
                ViewDependency(
                    table: table.name, column: column.name, viewSchema: "public", view: "v",
                    definition: "SELECT 1;")
            ]
        }
        func compiled(_ schema: Schema) -> CompiledDSL {
            Fixture.compiled(
                schema.tables, indexes: schema.indexes, foreignKeys: schema.foreignKeys,
                autoName: generator.chance(30) ? ["t0": ["a"]] : [:])
        }
        let snapshotDSL = generator.chance(80) ? compiled(snapshot) : nil
        return (compiled(desired), snapshotDSL, live)
    }

    @Test func randomCasesPlanAlike() {
        var identicalTables = 0
        var differentTables = 0
        for seed in UInt64(1)...3_000 {
            let input = Self.randomCase(seed: seed)
            let planner = Planner(options: PlannerOptions(maxRewriteRows: 1_000_000))
            let fast = planner.plan(
                desired: input.desired, snapshot: input.snapshot, live: input.live, usesFastPaths: true)
            let general = planner.plan(
                desired: input.desired, snapshot: input.snapshot, live: input.live, usesFastPaths: false)
            #expect(fast == general, "seed \(seed)")
            for table in input.desired.schema.tables {
                guard let live = input.live.table(named: table.name) else { continue }
                if PlanRun.sameColumnNames(table.columns, live.columns) {
                    identicalTables += 1
                } else {
                    differentTables += 1
                }
            }
        }
        // Both paths were taken many times.
        #expect(identicalTables > 1_000)
        #expect(differentTables > 1_000)
    }

    /// Each kind of column difference on one table of otherwise identical ones.
    @Test(arguments: 0..<9) func oneColumnDiffers(kind: Int) {
        let tables = (0..<5).map { number in
            Fixture.table(
                "t\(number)",
                [
                    Fixture.id("t\(number)"), Fixture.column("title", .varchar(length: 50)),
                    Fixture.column("flag", .boolean, default: .boolean(false)), Fixture.column("body", .text),
                ])
        }
        var desired = tables
        var live = tables
        switch kind {
        case 0: desired[2].columns[1].type = .varchar(length: 80)
        case 1: desired[2].columns[1].type = .varchar(length: 20)
        case 2: desired[2].columns[1].type = .integer
        case 3: desired[2].columns[2].defaultValue = .boolean(true)
        case 4: desired[2].columns[3].isNotNull = true
        case 5: desired[2].columns.swapAt(1, 3)
        case 6: live[2].columns.append(Fixture.column("extra", .text))
        case 7: desired[2].columns[1].name = "headline"
        default: desired[2].columns.append(desired[2].columns[1])
        }
        let snapshot = Fixture.compiled(tables)
        let liveSchema = Fixture.liveSchema(Schema(tables: live))
        let planner = Planner()
        let fast = planner.plan(
            desired: Fixture.compiled(desired), snapshot: snapshot, live: liveSchema, usesFastPaths: true)
        let general = planner.plan(
            desired: Fixture.compiled(desired), snapshot: snapshot, live: liveSchema, usesFastPaths: false)
        #expect(fast == general)
        // NOT NULL, column order and a repeated column plan nothing; every other difference something.
        let items = fast.safe.count + fast.blocked.count + fast.manual.count + fast.drift.count
        #expect((items == 0) == [4, 5, 8].contains(kind))
    }

    @Test func repeatedNamesAreFound() {
        func columns(_ names: [String]) -> [Column] { names.map { Fixture.column($0, .text) } }
        #expect(!PlanRun.hasRepeatedName(columns([])))
        #expect(!PlanRun.hasRepeatedName(columns(["a"])))
        #expect(!PlanRun.hasRepeatedName(columns((0..<100).map { "column_\($0)" })))
        #expect(PlanRun.hasRepeatedName(columns((0..<100).map { "column_\($0)" } + ["column_42"])))
        #expect(PlanRun.hasRepeatedName(columns(["a", "b", "a"])))
        // Names compare as Swift strings (and dictionary keys) do: canonical equivalence.
        #expect(PlanRun.hasRepeatedName(columns(["é", "x", "e\u{301}"])))
        #expect(PlanRun.hasRepeatedName(columns(["K", "x", "\u{212A}"])))
        #expect(!PlanRun.hasRepeatedName(columns(["é", "e"])))
        #expect(PlanRun.sameColumnNames(columns(["a", "b"]), columns(["a", "b"])))
        #expect(!PlanRun.sameColumnNames(columns(["a", "b"]), columns(["b", "a"])))
        #expect(!PlanRun.sameColumnNames(columns(["a", "a"]), columns(["a", "a"])))
    }
}
