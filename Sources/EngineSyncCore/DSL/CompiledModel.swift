/// A model after augmentation and field compilation, before relations and indexes are resolved.
struct CompiledModel {
    /// What a field becomes.
    enum Storage {
        /// A column (index into `columns`).
        case column(Int)
        /// `save: false`: no column.
        case virtual
        /// `type: "embed"`: no column.
        case embed
        /// `multi: true` + int type + `source`: a junction table (SPEC 2.5).
        case junction
        /// The definition had an error (already reported): references to it stay silent.
        case invalid
    }

    struct Field {
        var key: String
        var definition: JSONObject
        /// Pointer of the field definition relative to the model (`/fields/title`); computed only for diagnostics.
        var pointer: String { JSONPointer.appending(key, to: "/fields") }
        var typeName: String
        var storage: Storage
        var source: String?
        var sourceField: String
        var onDelete: ReferentialAction
        var onUpdate: ReferentialAction
        var isUnique: Bool
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

    var hasVisibilityColumns: Bool {
        columns.contains { $0.name == "deleted" } && columns.contains { $0.name == "archived" }
    }
}
