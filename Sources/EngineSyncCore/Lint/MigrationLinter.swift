import Foundation
import TextAlgorithms

/// Migration lint (issue 18): finds statements that lock or rewrite large tables, or undo the DSL, in the parse
/// trees PostgreSQL's own parser built. Pure: sizes and the DSL come in as values.
///
/// Sizes: with `live` (a database's schema, or an exported catalog's) each hazard carries the table's estimated
/// rows; a table absent from `live`, or created earlier in the same migration, counts as empty and its size-bound
/// hazards are not reported. Without `live` (`validate`) the size is unknown and the hazard is reported as such.
public struct MigrationLinter: Sendable {
    /// The managed schema: relations qualified with another schema are not looked up.
    public var schema: String
    /// The DSL's schema (drops of what it still declares are hazards); `nil` skips those rules.
    public var desired: Schema?
    /// The live schema with `estimatedRows`; `nil` when no database or catalog is at hand.
    public var live: Schema?

    public init(schema: String, desired: Schema?, live: Schema?) {
        self.schema = schema
        self.desired = desired
        self.live = live
    }

    /// The hazards of one migration, in statement order.
    public func lint(file: String, transactional: Bool, statements: [ParsedStatement]) -> [LintHazard] {
        var state = State()
        /// Tables created earlier in this migration: empty, so their size hazards are not hazards.
        var created: Set<TableName> = []
        var hazards: [LintHazard] = []
        for statement in statements {
            guard let (kind, body) = statement.node.lintNode else { continue }
            func add(_ code: LintCode, _ table: TableName?, column: String? = nil) {
                let size = table.flatMap { created.contains($0) ? 0 : rows(of: $0) }
                // A table known to be empty (new in this migration, absent from the database) makes no size hazard.
                if size == 0, code.limit == .rewriteRows || code.limit == .indexRows { return }
                hazards.append(
                    LintHazard(
                        code: code, file: file, line: statement.line, table: table?.name,
                        column: column, rows: size))
            }
            if state.lockTimeoutOff, Self.takesStrongLock(kind: kind, body: body) {
                add(.lockTimeoutDisabled, relation(body[lint: "relation"]))
            }
            switch kind {
            case "VariableSetStmt":
                if body[lint: "name"]?.stringValue == "lock_timeout" {
                    state.lockTimeoutOff = Self.disablesTimeout(body)
                }
            case "CreateStmt":
                if let table = relation(body[lint: "relation"]) { created.insert(table) }
            case "IndexStmt":
                let table = relation(body[lint: "relation"])
                if body[lint: "concurrent"]?.boolValue == true {
                    if transactional { add(.concurrentlyInTransaction, table) }
                } else {
                    add(.createIndexNotConcurrently, table)
                }
            case "DropStmt":
                if body[lint: "concurrent"]?.boolValue == true, transactional { add(.concurrentlyInTransaction, nil) }
                if body[lint: "removeType"]?.stringValue == "OBJECT_TABLE" {
                    for object in body[lint: "objects"]?.arrayValue ?? [] {
                        let names = object[lint: "List"]?[lint: "items"]?.lintNames ?? []
                        if let table = qualified(names), isDeclared(table) { add(.dropTableInDSL, table) }
                    }
                }
            case "ReindexStmt":
                let concurrent = (body[lint: "params"]?.arrayValue ?? [])
                    .contains { $0[lint: "DefElem"]?[lint: "defname"]?.stringValue == "concurrently" }
                if concurrent, transactional { add(.concurrentlyInTransaction, relation(body[lint: "relation"])) }
            case "VacuumStmt":
                let full = (body[lint: "options"]?.arrayValue ?? [])
                    .contains { $0[lint: "DefElem"]?[lint: "defname"]?.stringValue == "full" }
                if full, body[lint: "is_vacuumcmd"]?.boolValue == true {
                    for item in body[lint: "rels"]?.arrayValue ?? [] {
                        add(.tableRewriteCommand, relation(item[lint: "VacuumRelation"]?[lint: "relation"]))
                    }
                }
            case "ClusterStmt":
                add(.tableRewriteCommand, relation(body[lint: "relation"]))
            case "AlterTableStmt":
                guard body[lint: "objtype"]?.stringValue == "OBJECT_TABLE", let table = relation(body[lint: "relation"])
                else {
                    break
                }
                for command in body[lint: "cmds"]?.arrayValue ?? [] {
                    guard let command = command[lint: "AlterTableCmd"] else { continue }
                    alterTable(command, table: table, state: &state, add: add)
                }
            default:
                break
            }
        }
        return hazards
    }

    /// A relation named in a statement, resolved against the managed schema.
    struct TableName: Hashable {
        /// `nil`: in the managed schema (unqualified names resolve there: migrations run with that search_path).
        var otherSchema: String?
        var name: String
    }

    struct State {
        /// `table.column` with a validated `CHECK (column IS NOT NULL)`: SET NOT NULL skips its scan.
        var provenNotNull: Set<String> = []
        /// NOT VALID `CHECK (column IS NOT NULL)` constraints by name, waiting for VALIDATE CONSTRAINT.
        var pendingNotNullChecks: [String: String] = [:]
        var lockTimeoutOff = false
    }

    private func alterTable(
        _ command: JSONValue, table: TableName, state: inout State,
        add: (LintCode, TableName?, String?) -> Void
    ) {
        let column = command[lint: "name"]?.stringValue
        switch command[lint: "subtype"]?.stringValue {
        case "AT_AlterColumnType":
            let definition = command[lint: "def"]?[lint: "ColumnDef"]
            // USING always computes every row; without it, a widening PostgreSQL knows is binary-compatible does not.
            if definition?[lint: "raw_default"] == nil, let column,
                let liveType = live?.table(named: table.name)?.column(named: column)?.type, table.otherSchema == nil,
                let target = definition?[lint: "typeName"].flatMap(Self.columnType)
            {
                switch TypeChange.classify(from: liveType, to: target) {
                case .same, .widening(rewrite: false): return
                default: break
                }
            }
            add(.alterColumnType, table, column)
        case "AT_SetNotNull":
            if let column, !state.provenNotNull.contains("\(table.name).\(column)") { add(.setNotNull, table, column) }
        case "AT_AddColumn":
            guard let definition = command[lint: "def"]?[lint: "ColumnDef"] else { return }
            if Self.rewritesOnAdd(definition) {
                add(.addColumnVolatileDefault, table, definition[lint: "colname"]?.stringValue)
            }
        case "AT_DropColumn":
            if let column, table.otherSchema == nil, desired?.table(named: table.name)?.column(named: column) != nil {
                add(.dropColumnInDSL, table, column)
            }
        case "AT_AddConstraint":
            guard let constraint = command[lint: "def"]?[lint: "Constraint"] else { return }
            let notValid = constraint[lint: "skip_validation"]?.boolValue == true
            switch constraint[lint: "contype"]?.stringValue {
            case "CONSTR_FOREIGN":
                if !notValid { add(.addForeignKeyValidating, table, nil) }
            case "CONSTR_CHECK":
                let nullChecked = Self.notNullTestColumn(constraint[lint: "raw_expr"])
                if notValid {
                    if let nullChecked, let name = constraint[lint: "conname"]?.stringValue {
                        state.pendingNotNullChecks[name] = nullChecked
                    }
                } else {
                    add(.addCheckValidating, table, nil)
                    if let nullChecked { state.provenNotNull.insert("\(table.name).\(nullChecked)") }
                }
            case "CONSTR_UNIQUE", "CONSTR_PRIMARY":
                if constraint[lint: "indexname"] == nil { add(.addUniqueConstraint, table, nil) }
            default:
                break
            }
        case "AT_ValidateConstraint":
            if let column, let checked = state.pendingNotNullChecks[column] {
                state.provenNotNull.insert("\(table.name).\(checked)")
            }
        default:
            break
        }
    }

    /// Estimated rows of a table: `0` when it is absent from the live schema (new), `nil` when unknown (no live
    /// schema, or another schema).
    private func rows(of table: TableName) -> Int? {
        guard let live, table.otherSchema == nil else { return nil }
        guard let found = live.table(named: table.name) else { return 0 }
        return found.estimatedRows
    }

    private func isDeclared(_ table: TableName) -> Bool {
        table.otherSchema == nil && desired?.table(named: table.name) != nil
    }

    private func relation(_ node: JSONValue?) -> TableName? {
        guard let node, let name = node[lint: "relname"]?.stringValue else { return nil }
        return qualified([node[lint: "schemaname"]?.stringValue, name].compactMap { $0 })
    }

    private func qualified(_ names: [String]) -> TableName? {
        guard let name = names.last else { return nil }
        let qualifier = names.count >= 2 ? names[names.count - 2] : nil
        return TableName(otherSchema: qualifier == nil || qualifier == schema ? nil : qualifier, name: name)
    }

    /// `SET lock_timeout = 0`, `'0'`, `'0s'`, `RESET`, `SET … TO DEFAULT` turn it off (the server default is 0).
    static func disablesTimeout(_ body: JSONValue) -> Bool {
        switch body[lint: "kind"]?.stringValue {
        case "VAR_RESET", "VAR_RESET_ALL", "VAR_SET_DEFAULT": return true
        case "VAR_SET_VALUE":
            guard let constant = body[lint: "args"]?.arrayValue?.first?[lint: "A_Const"] else { return false }
            if let integer = constant[lint: "ival"] { return (integer[lint: "ival"]?.intValue ?? 0) == 0 }
            if let text = constant[lint: "sval"]?[lint: "sval"]?.stringValue {
                let digits = text.trimmingWhitespace().prefix { $0.isNumber || $0 == "." }
                return !digits.isEmpty && (Double(digits) ?? 1) == 0
            }
            return false
        default:
            return false
        }
    }

    /// Statements that take a lock stronger than the ones reads and writes hold (postgres-facts.md 2).
    static func takesStrongLock(kind: String, body: JSONValue) -> Bool {
        switch kind {
        case "AlterTableStmt", "DropStmt", "RenameStmt", "LockStmt", "ClusterStmt", "TruncateStmt", "CreateTrigStmt":
            true
        case "IndexStmt": body[lint: "concurrent"]?.boolValue != true
        case "VacuumStmt":
            (body[lint: "options"]?.arrayValue ?? []).contains {
                $0[lint: "DefElem"]?[lint: "defname"]?.stringValue == "full"
            }
        default: false
        }
    }

    /// Functions whose default is computed per row (volatile), so ADD COLUMN must rewrite the table.
    static let volatileFunctions: Set<String> = [
        "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp",
        "timeofday", "nextval", "txid_current", "statement_timestamp", "setseed", "random_normal",
    ]

    /// Whether `ADD COLUMN` with this definition rewrites the table.
    static func rewritesOnAdd(_ definition: JSONValue) -> Bool {
        let typeNames = definition[lint: "typeName"]?[lint: "names"]?.lintNames ?? []
        if let last = typeNames.last,
            ["serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"].contains(last)
        {
            return true
        }
        for constraint in definition[lint: "constraints"]?.arrayValue ?? [] {
            guard let body = constraint[lint: "Constraint"] else { continue }
            switch body[lint: "contype"]?.stringValue {
            case "CONSTR_IDENTITY", "CONSTR_GENERATED": return true
            case "CONSTR_DEFAULT":
                let calls = (body[lint: "raw_expr"]?.lintDescendants ?? []).compactMap { $0[lint: "FuncCall"] }
                if calls.contains(where: {
                    volatileFunctions.contains(($0[lint: "funcname"]?.lintNames.last ?? "").lowercased())
                }) {
                    return true
                }
            default: continue
            }
        }
        return false
    }

    /// The column of `CHECK (column IS NOT NULL)`.
    static func notNullTestColumn(_ expression: JSONValue?) -> String? {
        guard let test = expression?[lint: "NullTest"], test[lint: "nulltesttype"]?.stringValue == "IS_NOT_NULL" else {
            return nil
        }
        return test[lint: "arg"]?[lint: "ColumnRef"]?[lint: "fields"]?.lintNames.last
    }

    /// The target type of `ALTER COLUMN … TYPE`, for the types whose widening needs no rewrite.
    static func columnType(_ typeName: JSONValue) -> ColumnType? {
        guard let name = typeName[lint: "names"]?.lintNames.last else { return nil }
        let modifiers = (typeName[lint: "typmods"]?.arrayValue ?? []).compactMap {
            $0[lint: "A_Const"]?[lint: "ival"]?[lint: "ival"]?.intValue
        }
        let isArray = typeName[lint: "arrayBounds"] != nil
        let base: ColumnType
        switch name {
        case "varchar": base = .varchar(length: modifiers.first)
        case "text": base = .text
        case "int2": base = .smallint
        case "int4": base = .integer
        case "int8": base = .bigint
        case "float4": base = .real
        case "float8": base = .doublePrecision
        default: base = .other(name)
        }
        return isArray ? .array(base) : base
    }
}
