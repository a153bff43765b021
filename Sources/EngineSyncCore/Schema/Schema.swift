/// A column's default, normalised so the DSL's and the catalog's spellings compare equal.
public enum ColumnDefault: Hashable, Sendable {
    /// `CURRENT_TIMESTAMP` / `now()`.
    case currentTimestamp
    case string(String)
    /// A numeric literal as written (`0`, `1.5`, `-3`).
    case number(String)
    case boolean(Bool)
    /// A JSON document (canonical text) for json/jsonb columns.
    case json(String)
    /// Any other expression, verbatim from `pg_get_expr` (live side only).
    case expression(String)
}

/// Referential action of a foreign key.
public enum ReferentialAction: String, Hashable, Sendable, CaseIterable {
    case cascade = "CASCADE"
    case restrict = "RESTRICT"
    case setNull = "SET NULL"
    case setDefault = "SET DEFAULT"
    case noAction = "NO ACTION"
}

public struct Column: Hashable, Sendable {
    public var name: String
    public var type: ColumnType
    public var defaultValue: ColumnDefault?
    public var isNotNull: Bool
    /// Backed by a sequence (`serial`/`bigserial` or identity). Its default is the sequence, not `defaultValue`.
    public var isAutoIncrement: Bool
    /// The DSL field key this column came from (`nil` for live columns and synthesized ones).
    public var fieldKey: String?
    /// Live only: the sequence a `serial` column owns (widened with the column, SPEC 4.1).
    public var sequence: String?

    public init(
        name: String, type: ColumnType, defaultValue: ColumnDefault? = nil, isNotNull: Bool = false,
        isAutoIncrement: Bool = false, fieldKey: String? = nil, sequence: String? = nil
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.isNotNull = isNotNull
        self.isAutoIncrement = isAutoIncrement
        self.fieldKey = fieldKey
        self.sequence = sequence
    }
}

public struct Table: Hashable, Sendable {
    public var name: String
    /// In order: the column order of a new table.
    public var columns: [Column]
    public var primaryKey: [String]
    /// The DSL model key (`nil` for live tables and junction tables).
    public var modelKey: String?
    /// Live only: estimated rows (`pg_class.reltuples`, or a size-based guess when never analysed).
    public var estimatedRows: Int?
    /// Live only: the primary key constraint's name.
    public var primaryKeyConstraint: String?

    public init(
        name: String, columns: [Column], primaryKey: [String], modelKey: String? = nil,
        estimatedRows: Int? = nil, primaryKeyConstraint: String? = nil
    ) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.modelKey = modelKey
        self.estimatedRows = estimatedRows
        self.primaryKeyConstraint = primaryKeyConstraint
    }

    public func column(named name: String) -> Column? { columns.first { $0.name == name } }
}

/// An index's WHERE clause.
public enum IndexPredicate: Hashable, Sendable {
    /// `deleted = false AND archived = false`: the rows EngineJS treats as visible.
    case visibleRows
    /// Anything else, as `pg_get_expr` printed it.
    case expression(String)

    public var sql: String {
        switch self {
        case .visibleRows: "deleted = false AND archived = false"
        case .expression(let text): text
        }
    }

    /// Recognises `((deleted = false) AND (archived = false))` and its spellings.
    public init(expression: String) {
        let squeezed = expression.filter { $0 != "(" && $0 != ")" }
            .split(whereSeparator: { $0 == " " }).joined(separator: " ").lowercased()
        if squeezed == "deleted = false and archived = false" {
            self = .visibleRows
        } else {
            self = .expression(expression)
        }
    }
}

/// Where a live index stands (`pg_index.indisvalid`, `pg_stat_progress_create_index`).
public enum IndexState: String, Hashable, Sendable {
    /// Usable (every desired index is `valid`).
    case valid
    /// Left behind by a failed or cancelled `CREATE INDEX CONCURRENTLY`: counts as missing, dropped and rebuilt.
    case invalid
    /// Invalid while a `CREATE INDEX` is still running for it: left alone.
    case building

    /// From the catalog's two flags.
    public init(isValid: Bool, isBuilding: Bool) {
        self = isValid ? .valid : (isBuilding ? .building : .invalid)
    }
}

public struct Index: Hashable, Sendable {
    public var name: String
    public var table: String
    public var columns: [String]
    public var isUnique: Bool
    public var predicate: IndexPredicate?
    /// Live only: valid, invalid (counts as missing) or still building.
    public var state: IndexState
    /// Live only: backs the primary key or another constraint (never planned as a DSL index).
    public var isConstraint: Bool
    /// Live only: has expressions or a non-btree method, so `columns` does not describe it fully.
    public var definition: String?

    public init(
        name: String, table: String, columns: [String], isUnique: Bool, predicate: IndexPredicate? = nil,
        state: IndexState = .valid, isConstraint: Bool = false, definition: String? = nil
    ) {
        self.name = name
        self.table = table
        self.columns = columns
        self.isUnique = isUnique
        self.predicate = predicate
        self.state = state
        self.isConstraint = isConstraint
        self.definition = definition
    }

    public var isValid: Bool { state == .valid }
    public var isBuilding: Bool { state == .building }
}

public struct ForeignKey: Hashable, Sendable {
    /// PostgreSQL's default name `<table>_<column>_fkey`, which Sequelize (EngineJS) also gets.
    public var name: String
    public var table: String
    public var columns: [String]
    public var referencedTable: String
    public var referencedColumns: [String]
    public var onDelete: ReferentialAction
    public var onUpdate: ReferentialAction

    public init(
        name: String, table: String, columns: [String], referencedTable: String, referencedColumns: [String],
        onDelete: ReferentialAction = .restrict, onUpdate: ReferentialAction = .cascade
    ) {
        self.name = name
        self.table = table
        self.columns = columns
        self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns
        self.onDelete = onDelete
        self.onUpdate = onUpdate
    }

    /// Two keys are the same relation when they join the same columns to the same target.
    public var identity: String { "\(table)(\(columns.joined(separator: ",")))->\(referencedTable)" }
}

/// A view or rule that depends on a column (ALTER TYPE on it fails with 0A000).
public struct ViewDependency: Hashable, Sendable {
    public var table: String
    public var column: String
    public var viewSchema: String
    public var view: String
    /// `pg_get_viewdef` output, to re-create the view in the suggested migration.
    public var definition: String?
    /// A materialized view is dropped and re-created as one (`DROP MATERIALIZED VIEW`), and refilled.
    public var isMaterialized: Bool
    public init(
        table: String, column: String, viewSchema: String, view: String, definition: String? = nil,
        isMaterialized: Bool = false
    ) {
        self.table = table
        self.column = column
        self.viewSchema = viewSchema
        self.view = view
        self.definition = definition
        self.isMaterialized = isMaterialized
    }
}

/// A physical schema: the desired one compiled from the DSL, or the live one read from the catalog.
public struct Schema: Hashable, Sendable {
    public var tables: [Table]
    public var indexes: [Index]
    public var foreignKeys: [ForeignKey]
    /// Live only.
    public var viewDependencies: [ViewDependency]

    public init(
        tables: [Table] = [], indexes: [Index] = [], foreignKeys: [ForeignKey] = [],
        viewDependencies: [ViewDependency] = []
    ) {
        self.tables = tables
        self.indexes = indexes
        self.foreignKeys = foreignKeys
        self.viewDependencies = viewDependencies
    }

    public func table(named name: String) -> Table? { tables.first { $0.name == name } }
    public func index(named name: String) -> Index? { indexes.first { $0.name == name } }
}
