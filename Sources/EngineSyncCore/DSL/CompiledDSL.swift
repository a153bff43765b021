/// The result of compiling a DSL: the augmented models, their canonical hash and the desired schema.
///
/// The snapshot stored in the database is `document` (the effective DSL); planning recompiles it to
/// learn which model key and field key produced which table and column (rename detection).
public struct CompiledDSL: Hashable, Sendable {
    /// The compiled, augmented DSL: an object of model key → model, in compile order.
    public var document: JSONObject
    /// EngineJS's hash of `document` (djb2 of its stable JSON, base 36): what the snapshot row's `hash` holds, the
    /// same value EngineJS's sync computes for the same DSL (SPEC 2.8).
    public var hash: String
    /// SHA-256 (lowercase hex) of `document`'s canonical form: enginesync's content hash, recorded in
    /// `engine_reconciles` and the reports (a 32-bit hash is too weak to identify a DSL on its own).
    public var contentHash: String
    /// The desired physical schema (SPEC 3): tables carry `modelKey`, columns carry `fieldKey`.
    public var schema: Schema
    /// Per model key: the column names `auto_name` is built from (SPEC 2.7), for models that list any.
    public var autoNameColumns: [String: [String]]
    /// Indexes the DSL asks for that are never created and are reported under `manual` (none today: EngineJS
    /// never builds `indexes.lower`, which is a compile warning instead).
    public var manualIndexes: [ManualIndex]
    /// The snapshot model's key (`dsl` by default) and its table.
    public var snapshotModelKey: String
    public var snapshotTable: String

    public init(
        document: JSONObject, hash: String, contentHash: String, schema: Schema, autoNameColumns: [String: [String]],
        manualIndexes: [ManualIndex], snapshotModelKey: String, snapshotTable: String
    ) {
        self.document = document
        self.hash = hash
        self.contentHash = contentHash
        self.schema = schema
        self.autoNameColumns = autoNameColumns
        self.manualIndexes = manualIndexes
        self.snapshotModelKey = snapshotModelKey
        self.snapshotTable = snapshotTable
    }
}

/// An index the DSL asks for that enginesync never creates (e.g. `indexes.lower`).
public struct ManualIndex: Hashable, Sendable, Codable {
    public var modelKey: String
    public var table: String
    public var kind: String
    public var columns: [String]
    public init(modelKey: String, table: String, kind: String, columns: [String]) {
        self.modelKey = modelKey
        self.table = table
        self.kind = kind
        self.columns = columns
    }
}

/// One error or warning, located precisely enough for an editor to jump to it.
public struct Diagnostic: Hashable, Sendable, Codable {
    public enum Severity: String, Hashable, Sendable, Codable {
        case error
        case warning
    }
    public var severity: Severity
    /// Stable code, e.g. `unknown_type`, `duplicate_key`, `last_write_wins`.
    public var code: String
    /// Repository-relative path (`dsl/models/post.json`); `nil` when not tied to a file.
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// JSON pointer into the file, e.g. `/post/fields/title/type`.
    public var pointer: String?
    public var message: String
    public var hint: String?

    public init(
        severity: Severity, code: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
        pointer: String? = nil, message: String, hint: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.pointer = pointer
        self.message = message
        self.hint = hint
    }
}
