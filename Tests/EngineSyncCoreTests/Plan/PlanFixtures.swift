import EngineSyncCore

/// Small builders for hand-made schemas, so each planner case reads like the situation it tests.
enum Fixture {
    static func column(
        _ name: String, _ type: ColumnType, field: String? = nil, default value: ColumnDefault? = nil,
        notNull: Bool = false, serial: Bool = false, sequence: String? = nil
    ) -> Column {
        Column(
            name: name, type: type, defaultValue: value, isNotNull: notNull, isAutoIncrement: serial,
            fieldKey: field ?? name, sequence: sequence)
    }

    static func id(_ table: String, live: Bool = false, type: ColumnType = .integer) -> Column {
        Column(
            name: "id", type: type, isNotNull: true, isAutoIncrement: true, fieldKey: live ? nil : "id",
            sequence: live ? "\(table)_id_seq" : nil)
    }

    static func table(
        _ name: String, model: String? = nil, _ columns: [Column], rows: Int? = nil,
        primaryKey: [String] = ["id"]
    ) -> Table {
        Table(name: name, columns: columns, primaryKey: primaryKey, modelKey: model ?? name, estimatedRows: rows)
    }

    /// The same table as the catalog reports it: no model or field keys.
    static func live(_ table: Table, rows: Int = 0) -> Table {
        var copy = table
        copy.modelKey = nil
        copy.estimatedRows = rows
        copy.primaryKeyConstraint = copy.primaryKey.isEmpty ? nil : "\(table.name)_pkey"
        copy.columns = table.columns.map { column in
            var live = column
            live.fieldKey = nil
            if live.isAutoIncrement { live.sequence = "\(table.name)_\(column.name)_seq" }
            return live
        }
        return copy
    }

    static func liveSchema(_ schema: Schema, rows: Int = 0) -> Schema {
        var copy = schema
        copy.tables = schema.tables.map { live($0, rows: rows) }
        return copy
    }

    static func compiled(
        _ tables: [Table], indexes: [Index] = [], foreignKeys: [ForeignKey] = [],
        autoName: [String: [String]] = [:], manual: [ManualIndex] = [],
        document: JSONObject? = nil
    ) -> CompiledDSL {
        let schema = Schema(tables: tables, indexes: indexes, foreignKeys: foreignKeys)
        return CompiledDSL(
            document: document ?? Self.document(for: tables), hash: "h", contentHash: "c", schema: schema,
            autoNameColumns: autoName, manualIndexes: manual, snapshotModelKey: "dsl",
            snapshotTable: "dsl")
    }

    /// A DSL document mirroring the tables (model key → {table, fields: {field: {type}}}).
    static func document(for tables: [Table]) -> JSONObject {
        var document = JSONObject()
        for table in tables {
            guard let modelKey = table.modelKey else { continue }
            var fields = JSONObject()
            for column in table.columns {
                guard let field = column.fieldKey else { continue }
                var definition = JSONObject(["type": .string(column.type.sql)])
                if column.name != field { definition["columnName"] = .string(column.name) }
                fields[field] = .object(definition)
            }
            var model = JSONObject(["fields": .object(fields)])
            if table.name != modelKey { model["table"] = .string(table.name) }
            document[modelKey] = .object(model)
        }
        return document
    }

    static func visibleIndex(_ table: String) -> Index {
        Index(name: "idx_\(table)_visible", table: table, columns: ["id"], isUnique: false, predicate: .visibleRows)
    }

    static let posts = table(
        "post",
        [
            id("post"),
            column("title", .varchar(length: 50)),
            column("body", .text),
            column("deleted", .boolean, default: .boolean(false)),
            column("archived", .boolean, default: .boolean(false)),
        ])
}

struct PreviewQuoterForPlans: SQLQuoting {
    func quoteIdentifier(_ identifier: String) throws -> String { "\"" + identifier + "\"" }
    func quoteLiteral(_ literal: String) throws -> String { "'" + literal + "'" }
}

extension PlannedChange {
    var sqlText: String { statements.map(\.description).joined(separator: "; ") }
}
