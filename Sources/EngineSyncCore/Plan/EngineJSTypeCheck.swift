/// EngineJS's own narrowing check on field types (`assertNoNarrowing` in `core/src/orm/safeSync.ts`), which
/// compares the snapshot's DSL with the new DSL by the fields' *DSL* types, before and apart from the columns.
///
/// It refuses some changes whose column does not change at all — `number` → `float` (both double precision),
/// one unknown type name for another (both varchar), a string's `length` set below its `max` — and enginesync
/// refuses them too, so that a DSL gets the same verdict from both tools (SPEC 2.0; issue 11 "same verdict").
/// Removed models and fields are left to the planner's own `drop_table`/`drop_column`. Pure.
public enum EngineJSTypeCheck {
    /// A field type as EngineJS's `fieldTypeForDsl` sees it.
    public struct FieldType: Hashable, Sendable, CustomStringConvertible {
        /// `varchar`, `text`, `int`, `bigint`, `boolean`, `jsonb`, `datetime`, else the lower-cased type name
        /// (`unknown` when there is none).
        public var kind: String
        /// For `varchar`: `length ?? max ?? 255` (EngineJS's check reads `length` first; its columns `max` first).
        public var length: Double?

        /// EngineJS's own spelling in its refusal: `varchar(40)`, `number`.
        public var description: String {
            guard let length, length != 0 else { return kind }
            return "\(kind)(\(JavaScriptJSON.numberText(length)))"
        }

        init(field: JSONObject) {
            let type = (field["type"]?.stringValue ?? "").lowercased()
            switch type {
            case "text": kind = "text"
            case "string":
                kind = "varchar"
                // `Number(f.length ?? f.max ?? 255)`: `null` and a missing key fall through (EngineJS's schema
                // allows only numbers here).
                let given = [field["length"], field["max"]].lazy.compactMap { $0 }.first { $0 != .null }
                length = given.map { $0.numberLexeme.flatMap(Double.init) ?? .nan } ?? 255
            case "int", "integer": kind = "int"
            case "bigint": kind = "bigint"
            case "boolean": kind = "boolean"
            case "jsonb", "json": kind = "jsonb"
            case "date", "datetime": kind = "datetime"
            default: kind = type.isEmpty ? "unknown" : type
            }
        }

        /// EngineJS's `isWidening(from, to)`.
        func widens(to next: FieldType) -> Bool {
            if kind == next.kind {
                return kind != "varchar" || (next.length ?? 0) >= (length ?? 0)
            }
            return (kind == "varchar" && next.kind == "text") || (kind == "int" && next.kind == "bigint")
        }
    }

    /// A field whose DSL type EngineJS's sync refuses to change.
    public struct Refusal: Hashable, Sendable {
        public var modelKey: String
        public var fieldKey: String
        public var from: FieldType
        public var to: FieldType
    }

    /// The type changes EngineJS refuses from `previous` (the snapshot's DSL) to `next` (the new DSL), in the
    /// snapshot's model and field order. Virtual fields of `previous` are skipped, as EngineJS skips them.
    public static func refusals(previous: JSONObject, next: JSONObject) -> [Refusal] {
        changedModels(previous: previous, next: next).flatMap {
            refusals(modelKey: $0.key, previous: $0.previous, next: $0.next)
        }
    }

    /// The models defined in both documents whose definitions differ, in `previous`'s order: all that the checks
    /// comparing the two documents need to read.
    static func changedModels(previous: JSONObject, next: JSONObject) -> [(
        key: String, previous: JSONObject, next: JSONObject
    )] {
        // Models by key (a `JSONObject` lookup is a scan); the last of a key, as `JSON.parse` keeps it.
        let nextModels = Dictionary(next.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        return previous.entries.compactMap { model in
            guard model.key != "$schema", let nextModel = nextModels[model.key], nextModel != model.value,
                let previousObject = model.value.objectValue, let nextObject = nextModel.objectValue
            else { return nil }
            return (model.key, previousObject, nextObject)
        }
    }

    /// The refused type changes of one model's fields.
    static func refusals(modelKey: String, previous: JSONObject, next: JSONObject) -> [Refusal] {
        guard let previousFields = previous["fields"]?.objectValue, let nextFields = next["fields"]?.objectValue
        else { return [] }
        var refusals: [Refusal] = []
        for field in previousFields.entries {
            guard let previousField = field.value.objectValue, previousField["save"] != .bool(false),
                let nextField = nextFields[field.key]?.objectValue
            else { continue }
            let from = FieldType(field: previousField)
            let to = FieldType(field: nextField)
            if !from.widens(to: to) {
                refusals.append(Refusal(modelKey: modelKey, fieldKey: field.key, from: from, to: to))
            }
        }
        return refusals
    }
}
