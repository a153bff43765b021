public import Foundation

/// `catalog.json` (issue 18): what planning needs from a database, exported so a CI job can run `plan` without a
/// connection — the managed schema's live tables, indexes and foreign keys, the current snapshot, the last
/// reconciled commit, the applied migrations and per-table row estimates and sizes.
///
/// Never data and never secrets: no row values, no connection string, no password. The file is versioned:
/// `format` names it, `version` is the layout; a reader refuses a newer version instead of guessing.
public struct CatalogFile: Codable, Hashable, Sendable {
    public static let formatName = "enginesync-catalog"
    /// The layout this enginesync writes and the newest it reads.
    public static let currentVersion = 1
    /// The file name next to the reports.
    public static let fileName = "catalog.json"

    public struct Snapshot: Codable, Hashable, Sendable {
        /// The snapshot model's table the row came from.
        public var table: String
        public var id: Int
        /// EngineJS's hash of the stored DSL.
        public var hash: String
        public var commit: String?
        /// The stored DSL document as JSON text (schema-as-code, as the snapshot row holds it).
        public var dsl: String
        public init(table: String, id: Int, hash: String, commit: String?, dsl: String) {
            self.table = table
            self.id = id
            self.hash = hash
            self.commit = commit
            self.dsl = dsl
        }
    }

    /// A row of `engine_migrations`, without timings.
    public struct AppliedMigration: Codable, Hashable, Sendable {
        public var id: String
        public var checksum: String?
        /// `applied`, or `running` / `failed` for no-transaction runs.
        public var state: String
        public init(id: String, checksum: String?, state: String) {
            self.id = id
            self.checksum = checksum
            self.state = state
        }
    }

    public struct ColumnEntry: Codable, Hashable, Sendable {
        public var name: String
        /// `format_type` spelling (`character varying(50)`).
        public var type: String
        public var defaultValue: DefaultEntry?
        public var isNotNull: Bool
        public var isAutoIncrement: Bool
        public var sequence: String?
    }

    /// A column default: `kind` is `current_timestamp`, `string`, `number`, `boolean`, `json` or `expression`.
    public struct DefaultEntry: Codable, Hashable, Sendable {
        public var kind: String
        public var value: String?
    }

    public struct TableEntry: Codable, Hashable, Sendable {
        public var name: String
        public var columns: [ColumnEntry]
        public var primaryKey: [String]
        public var primaryKeyConstraint: String?
        /// `pg_class.reltuples` (or the size-based guess for a never-analysed table).
        public var estimatedRows: Int?
        /// `pg_total_relation_size`: table, indexes and TOAST, in bytes.
        public var totalBytes: Int?
    }

    public struct IndexEntry: Codable, Hashable, Sendable {
        public var name: String
        public var table: String
        public var columns: [String]
        public var isUnique: Bool
        /// `visible_rows` or `expression`.
        public var predicateKind: String?
        public var predicate: String?
        public var isValid: Bool
        public var isBuilding: Bool
        public var isConstraint: Bool
        public var definition: String?
    }

    public struct ForeignKeyEntry: Codable, Hashable, Sendable {
        public var name: String
        public var table: String
        public var columns: [String]
        public var referencedTable: String
        public var referencedColumns: [String]
        public var onDelete: String
        public var onUpdate: String
    }

    public struct ViewDependencyEntry: Codable, Hashable, Sendable {
        public var table: String
        public var column: String
        public var viewSchema: String
        public var view: String
        public var definition: String?
        public var isMaterialized: Bool
    }

    public var format: String
    public var version: Int
    public var exportedAt: String
    /// The managed PostgreSQL schema.
    public var schema: String
    /// The commit of the last reconcile that reached the database (`synced` or `blocked`).
    public var lastReconciledCommit: String?
    public var snapshot: Snapshot?
    public var migrations: [AppliedMigration]
    public var tables: [TableEntry]
    public var indexes: [IndexEntry]
    public var foreignKeys: [ForeignKeyEntry]
    public var viewDependencies: [ViewDependencyEntry]

    /// A catalog of `live` (read by `CatalogReader`) with the given sizes in bytes by table name.
    public init(
        schema: String, live: Schema, totalBytes: [String: Int], snapshot: Snapshot?,
        lastReconciledCommit: String?, migrations: [AppliedMigration], exportedAt: String
    ) {
        format = Self.formatName
        version = Self.currentVersion
        self.exportedAt = exportedAt
        self.schema = schema
        self.lastReconciledCommit = lastReconciledCommit
        self.snapshot = snapshot
        self.migrations = migrations
        tables = live.tables.map { table in
            TableEntry(
                name: table.name,
                columns: table.columns.map { column in
                    ColumnEntry(
                        name: column.name, type: column.type.sql, defaultValue: column.defaultValue.map(Self.entry),
                        isNotNull: column.isNotNull, isAutoIncrement: column.isAutoIncrement, sequence: column.sequence)
                }, primaryKey: table.primaryKey, primaryKeyConstraint: table.primaryKeyConstraint,
                estimatedRows: table.estimatedRows, totalBytes: totalBytes[table.name])
        }
        indexes = live.indexes.map { index in
            let predicateKind: String? =
                switch index.predicate {
                case .visibleRows?: "visible_rows"
                case .expression?: "expression"
                case nil: nil
                }
            return IndexEntry(
                name: index.name, table: index.table, columns: index.columns, isUnique: index.isUnique,
                predicateKind: predicateKind, predicate: index.predicate?.sql, isValid: index.isValid,
                isBuilding: index.isBuilding, isConstraint: index.isConstraint, definition: index.definition)
        }
        foreignKeys = live.foreignKeys.map { key in
            ForeignKeyEntry(
                name: key.name, table: key.table, columns: key.columns, referencedTable: key.referencedTable,
                referencedColumns: key.referencedColumns, onDelete: key.onDelete.rawValue,
                onUpdate: key.onUpdate.rawValue)
        }
        viewDependencies = live.viewDependencies.map { dependency in
            ViewDependencyEntry(
                table: dependency.table, column: dependency.column, viewSchema: dependency.viewSchema,
                view: dependency.view, definition: dependency.definition,
                isMaterialized: dependency.isMaterialized)
        }
    }

    static func entry(_ value: ColumnDefault) -> DefaultEntry {
        switch value {
        case .currentTimestamp: DefaultEntry(kind: "current_timestamp", value: nil)
        case .string(let text): DefaultEntry(kind: "string", value: text)
        case .number(let text): DefaultEntry(kind: "number", value: text)
        case .boolean(let flag): DefaultEntry(kind: "boolean", value: flag ? "true" : "false")
        case .json(let text): DefaultEntry(kind: "json", value: text)
        case .expression(let text): DefaultEntry(kind: "expression", value: text)
        }
    }

    /// The live schema as `CatalogReader` would have read it from the database.
    public func liveSchema() throws(CatalogFileError) -> Schema {
        func fail(_ message: String) -> CatalogFileError { CatalogFileError(message: message) }
        var tables: [Table] = []
        for entry in self.tables {
            var columns: [Column] = []
            for column in entry.columns {
                var defaultValue: ColumnDefault?
                if let value = column.defaultValue {
                    switch (value.kind, value.value) {
                    case ("current_timestamp", _): defaultValue = .currentTimestamp
                    case ("string", let text?): defaultValue = .string(text)
                    case ("number", let text?): defaultValue = .number(text)
                    case ("boolean", "true"?): defaultValue = .boolean(true)
                    case ("boolean", "false"?): defaultValue = .boolean(false)
                    case ("json", let text?): defaultValue = .json(text)
                    case ("expression", let text?): defaultValue = .expression(text)
                    default:
                        throw fail(
                            "tables.\(entry.name).columns.\(column.name).default_value: unknown kind '\(value.kind)'")
                    }
                }
                columns.append(
                    Column(
                        name: column.name, type: ColumnType(formatType: column.type), defaultValue: defaultValue,
                        isNotNull: column.isNotNull, isAutoIncrement: column.isAutoIncrement,
                        sequence: column.sequence))
            }
            tables.append(
                Table(
                    name: entry.name, columns: columns, primaryKey: entry.primaryKey,
                    estimatedRows: entry.estimatedRows, primaryKeyConstraint: entry.primaryKeyConstraint))
        }
        var indexes: [Index] = []
        for entry in self.indexes {
            var predicate: IndexPredicate?
            switch (entry.predicateKind, entry.predicate) {
            case (nil, _): predicate = nil
            case ("visible_rows"?, _): predicate = .visibleRows
            case ("expression"?, let text?): predicate = .expression(text)
            default: throw fail("indexes.\(entry.name).predicate_kind: unknown kind '\(entry.predicateKind ?? "")'")
            }
            indexes.append(
                Index(
                    name: entry.name, table: entry.table, columns: entry.columns, isUnique: entry.isUnique,
                    predicate: predicate, state: IndexState(isValid: entry.isValid, isBuilding: entry.isBuilding),
                    isConstraint: entry.isConstraint, definition: entry.definition))
        }
        var foreignKeys: [ForeignKey] = []
        for entry in self.foreignKeys {
            guard let onDelete = ReferentialAction(rawValue: entry.onDelete),
                let onUpdate = ReferentialAction(rawValue: entry.onUpdate)
            else {
                throw fail("foreign_keys.\(entry.name): unknown referential action")
            }
            foreignKeys.append(
                ForeignKey(
                    name: entry.name, table: entry.table, columns: entry.columns,
                    referencedTable: entry.referencedTable, referencedColumns: entry.referencedColumns,
                    onDelete: onDelete, onUpdate: onUpdate))
        }
        let dependencies = viewDependencies.map {
            ViewDependency(
                table: $0.table, column: $0.column, viewSchema: $0.viewSchema, view: $0.view,
                definition: $0.definition, isMaterialized: $0.isMaterialized)
        }
        return Schema(tables: tables, indexes: indexes, foreignKeys: foreignKeys, viewDependencies: dependencies)
    }

    /// Pretty, key-sorted JSON with snake_case keys: stable diffs, readable in a CI log.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    /// Reads a catalog file, checking its format and version first: a file that is not a catalog, a newer
    /// version or a malformed one is one `CatalogFileError` naming what is wrong.
    public static func decode(_ data: Data) throws(CatalogFileError) -> CatalogFile {
        struct Header: Decodable {
            var format: String?
            var version: Int?
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch {
            throw CatalogFileError(message: "not valid JSON, or not a JSON object: \(Self.describe(error))")
        }
        guard header.format == formatName else {
            throw CatalogFileError(
                message: "not an enginesync catalog (its \"format\" is "
                    + "\(header.format.map { "\"\($0)\"" } ?? "missing"), expected \"\(formatName)\")")
        }
        guard let version = header.version, version >= 1 else {
            throw CatalogFileError(message: "\"version\" is missing or not a positive whole number")
        }
        guard version <= currentVersion else {
            throw CatalogFileError(
                message: "format version \(version) was written by a newer enginesync; this one "
                    + "reads up to version \(currentVersion): upgrade the enginesync that runs plan")
        }
        do {
            return try decoder.decode(CatalogFile.self, from: data)
        } catch {
            throw CatalogFileError(message: "malformed version \(version) catalog: \(Self.describe(error))")
        }
    }

    /// A decoding error as one line with its JSON path (`tables[2].columns[0].type: missing`).
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            let location = path(context.codingPath)
            return (location.isEmpty ? "" : location + ": ") + (underlying ?? context.debugDescription)
        @unknown default:
            return "\(error)"
        }
    }
}

/// A catalog file enginesync cannot use; the caller adds the file's path.
public struct CatalogFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
