extension CompilationSession {
    /// enginesync's own tables: a model may not name them (it would change the tracking of migrations and
    /// reconciles).
    static let reservedTables: Set<String> = Set(["engine_migrations", "engine_reconciles"]).union(
        NotificationPolicy.tables)

    /// The relations PostgreSQL creates with enginesync's own tables (primary key indexes, `bigserial`
    /// sequences, unique constraints' indexes): a model's table or index may not take their names either.
    static let reservedRelations: Set<String> = Set(
        reservedTables.flatMap { table in
            [
                EngineJSNaming.primaryKeyName(table: table), EngineJSNaming.sequenceName(table: table, column: "id"),
                EngineJSNaming.truncated(table + "_event_id_key"),
            ]
        })

    /// PostgreSQL's system columns, which every table already has.
    static let systemColumns: Set<String> = ["tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"]

    /// `systemColumns.contains(name)`, without hashing the names that cannot be one (every column is checked).
    static func isSystemColumn(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard utf8.count == 4 || utf8.count == 8, let first = utf8.first,
            first == UInt8(ascii: "t") || first == UInt8(ascii: "x") || first == UInt8(ascii: "c")
        else { return false }
        return systemColumns.contains(name)
    }

    /// PostgreSQL's limits (`MaxHeapAttributeNumber`, `INDEX_MAX_KEYS`).
    static let maxColumns = 1600
    static let maxIndexColumns = 32

    /// What PostgreSQL would refuse, checked at compile time so that `validate` refuses it too and the daemon
    /// never retries a DSL that can never apply: reserved and system names, names that collide once PostgreSQL
    /// has truncated them to 63 bytes (tables, primary keys and indexes share one namespace per schema; foreign
    /// key names must differ per table), column and index-column limits, and `deleted`/`archived` columns that
    /// are not boolean while the visible rows' predicate compares them with `false`.
    func checkLimits(of schema: Schema, models: [CompiledModel]) {
        let origins = Dictionary(models.map { ($0.table, $0.origin) }, uniquingKeysWith: { first, _ in first })
        func origin(of table: String) -> Origin? { origins[table] ?? tableOrigins[table]?.origin }

        // One namespace for relations: tables, their primary keys' indexes and the DSL's indexes.
        // Name → what claimed it (described only when two collide).
        enum Claimant {
            case table
            case primaryKey(ofTable: String)
            case index
            case sequence(ofColumn: String)
            case enginesync

            var description: String {
                switch self {
                case .table: "table"
                case .primaryKey(let table): "the primary key of table '\(table)'"
                case .index: "index"
                case .sequence(let column): "the sequence of serial column '\(column)'"
                case .enginesync: "enginesync's own relation"
                }
            }
        }
        var relations: [String: (what: Claimant, table: String)] = [:]
        relations.reserveCapacity(2 * schema.tables.count + schema.indexes.count)
        // The primary keys, sequences and unique constraints of enginesync's own tables.
        for name in Self.reservedRelations { relations[name] = (.enginesync, name) }
        func claim(_ name: String, as what: Claimant, table: String) {
            if let other = relations[name] {
                // PostgreSQL names a serial's sequence itself and picks a free name (`…_seq1`) when another
                // sequence has it; only a table or index created later under that name fails.
                if case .sequence = what, case .sequence = other.what { return }
                error(
                    .nameCollision, at: origin(of: table), "",
                    "\(what.description) '\(name)' has the same name as \(other.what.description) '\(name)' (PostgreSQL names are unique per schema, after truncation to 63 bytes)",
                    hint: "rename a model, its table or a field so the generated names differ")
            } else {
                relations[name] = (what, table)
            }
        }
        for table in schema.tables {
            if Self.reservedTables.contains(table.name) {
                error(
                    .reservedName, at: origin(of: table.name), "",
                    "table '\(table.name)' is enginesync's own table", hint: "give the model another \"table\"")
            }
            claim(table.name, as: .table, table: table.name)
            if table.columns.count > Self.maxColumns {
                error(
                    .tooManyColumns, at: origin(of: table.name), "/fields",
                    "table '\(table.name)' would have \(table.columns.count) columns; PostgreSQL allows \(Self.maxColumns)"
                )
            }
            for position in table.columns.indices where Self.isSystemColumn(table.columns[position].name) {
                let column = table.columns[position]
                error(
                    .reservedName, at: origin(of: table.name),
                    JSONPointer.appending(column.fieldKey ?? column.name, to: "/fields"),
                    "column '\(column.name)' of table '\(table.name)' is a PostgreSQL system column name",
                    hint: "give the field a \"columnName\"")
            }
        }
        for table in schema.tables where !table.primaryKey.isEmpty {
            claim(
                EngineJSNaming.primaryKeyName(table: table.name), as: .primaryKey(ofTable: table.name),
                table: table.name)
        }
        for table in schema.tables {
            for column in table.columns where column.isAutoIncrement {
                claim(
                    EngineJSNaming.sequenceName(table: table.name, column: column.name),
                    as: .sequence(ofColumn: "\(table.name).\(column.name)"), table: table.name)
            }
        }
        for index in schema.indexes {
            claim(index.name, as: .index, table: index.table)
            if index.columns.count > Self.maxIndexColumns {
                error(
                    .tooManyIndexColumns, at: origin(of: index.table), "/indexes",
                    "index '\(index.name)' lists \(index.columns.count) columns; PostgreSQL allows \(Self.maxIndexColumns)"
                )
            }
        }
        var constraints: [String: String] = [:]
        constraints.reserveCapacity(schema.foreignKeys.count)
        for key in schema.foreignKeys {
            let scoped = key.table + "\u{0}" + key.name
            if let other = constraints[scoped] {
                error(
                    .nameCollision, at: origin(of: key.table), "",
                    "the foreign keys of '\(key.table)' on (\(key.columns.joined(separator: ", "))) and (\(other)) are both named '\(key.name)' once truncated to 63 bytes",
                    hint: "shorten one of the column names")
            } else {
                constraints[scoped] = key.columns.joined(separator: ", ")
            }
        }
        for model in models where model.hasVisibilityColumns {
            for name in ["deleted", "archived"] {
                guard let field = model.field(name), let column = model.column(of: field), column.type != .boolean
                else { continue }
                error(
                    .visibilityColumnType, at: model.origin, JSONPointer.appending(name, to: "/fields"),
                    "field '\(name)' of model '\(model.key)' is \(column.type.sql); the visible-rows indexes compare it with false",
                    hint: "make it \"type\": \"boolean\" (EngineJS's system field), or rename the field")
            }
        }
    }

    /// PostgreSQL cannot store U+0000 in text or jsonb (and the snapshot holds the whole DSL): any key or string
    /// containing it is an error.
    func checkNoNUL(_ value: JSONValue, at origin: Origin, _ pointer: String) {
        switch value {
        case .string(let text):
            if text.utf8.contains(0) { reportNUL(at: origin, pointer) }
        case .array(let items):
            for (position, item) in items.enumerated() { checkNoNUL(item, at: origin, pointer + "/\(position)") }
        case .object(let object):
            for entry in object.entries {
                let child = JSONPointer.appending(entry.key, to: pointer)
                if entry.key.utf8.contains(0) { reportNUL(at: origin, child) }
                checkNoNUL(entry.value, at: origin, child)
            }
        case .null, .bool, .number:
            break
        }
    }

    private func reportNUL(at origin: Origin, _ pointer: String) {
        error(
            .nulCharacter, at: origin, pointer,
            "the DSL holds a NUL character (\\u0000), which PostgreSQL cannot store",
            hint: "remove it")
    }
}
