/// A model after augmentation and field compilation, before relations and indexes are resolved.
struct CompiledModel {
    /// What a field becomes.
    enum Storage {
        /// A column (index into `columns`).
        case column(Int)
        /// `save: false`: no column.
        case virtual
        /// `multi: true` + int type + `source` + `sourceid`: a junction table (SPEC 2.5).
        case junction
        /// The definition had an error (already reported): references to it stay silent.
        case invalid
    }

    struct Field {
        var key: String
        var definition: JSONObject
        /// Pointer of the field definition relative to the model (`/fields/title`); computed only for diagnostics.
        var pointer: String { JSONPointer.appending(key, to: "/fields") }
        /// The lower-cased `type`.
        var typeName: String
        var storage: Storage
        var source: String? = nil
        /// `sourceid`: without it EngineJS makes no relation (a plain column).
        var sourceField: String? = nil
        /// `as ?? source`: Sequelize refuses a second association with the same alias on one model.
        var alias: String? = nil
        var onDelete: ReferentialAction = .restrict
        var onUpdate: ReferentialAction = .cascade

        /// A Sequelize attribute of the model (EngineJS's `attrs`): a column, or a field whose error was reported.
        var isAttribute: Bool {
            switch storage {
            case .column, .invalid: true
            case .virtual, .junction: false
            }
        }
    }

    var key: String
    var origin: CompilationSession.Origin
    var table: String
    /// The augmented model definition (what goes into the snapshot document).
    var object: JSONObject
    var fields: [Field] = []
    var fieldIndex = NameIndex()
    var columns: [Column] = []
    var primaryKey: [String] = []
    /// The string `source` of every field definition, in field order (EngineJS's `topoSortModels` follows them,
    /// whatever the field becomes).
    var fieldSources: [String] = []

    init(key: String, origin: CompilationSession.Origin, table: String, object: JSONObject) {
        self.key = key
        self.origin = origin
        self.table = table
        self.object = object
    }

    func field(_ key: String) -> Field? { fieldIndex[key].map { fields[$0] } }

    func column(of field: Field) -> Column? {
        if case .column(let index) = field.storage { columns[index] } else { nil }
    }

    /// EngineJS's `rawAttributes.deleted && rawAttributes.archived`: attributes keyed `deleted` and `archived`
    /// (a virtual `deleted` turns the partial indexes and the visible index off).
    /// The column of a Sequelize attribute: a saved field's column, or the `id` EngineJS adds itself.
    func attributeColumn(_ key: String) -> Column? {
        if let field = field(key) { return column(of: field) }
        if key == "id" { return columns.last { $0.name == "id" && $0.fieldKey == nil } }
        return nil
    }

    var hasVisibilityColumns: Bool {
        field("deleted")?.isAttribute == true && field("archived")?.isAttribute == true
    }

    /// The column of the first primary key attribute (Sequelize's `primaryKeyAttribute`).
    var primaryKeyColumn: Column? {
        primaryKey.first.flatMap { name in columns.first { $0.name == name } }
    }
}
