import EngineSyncCore
import Foundation

/// The generated DSL every benchmark uses: `models` models × 30 fields.
///
/// Per model: fields 0…27 cycle through string/text/int/bigint/boolean/datetime/jsonb (4 strings each);
/// field 28 `parent_id` relates to the previous model, field 29 `root_id` to the model at half the index
/// (model 0 gets plain int/bigint instead). Every third model has a scalar `unique` string and a composite
/// `indexes.unique`; every other model has `indexes.many` on an int field.
///
/// `widen: true` raises 10 % of the string lengths (every tenth string field, counted across all models),
/// the "widening commit".
enum BenchDSL {
    static let fieldCount = 30
    static let types = ["string", "text", "int", "bigint", "boolean", "datetime", "jsonb"]

    static func modelName(_ model: Int) -> String { "model_\(String(format: "%05d", model))" }

    /// `extraFields` adds that many `string(50)` fields `extra_0…` to model 0 (the daemon latency benchmark's
    /// one-column commits).
    static func files(models modelCount: Int, widen: Bool = false, extraFields: Int = 0) -> [DSLInputFile] {
        // EngineJS's standard snapshot model, which every DSL must have.
        var files = [
            DSLInputFile(
                path: "dsl/meta/dsl.json",
                text: """
                    {"dsl": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, \
                    "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}}
                    """)
        ]
        files.reserveCapacity(modelCount + 1)
        var stringOrdinal = 0
        for model in 0..<modelCount {
            var fields: [String] = []
            for field in 0..<(fieldCount - 2) {
                let type = types[field % types.count]
                var definition = "\"type\": \"\(type)\""
                switch type {
                case "string":
                    var length = 50 + field
                    if widen && stringOrdinal % 10 == 0 { length += 100 }
                    stringOrdinal += 1
                    definition += ", \"length\": \(length)"
                case "boolean":
                    definition += ", \"default\": false"
                case "int" where field == 2:
                    definition += ", \"default\": 0"
                default:
                    break
                }
                fields.append("\"field_\(field)\": {\(definition)}")
            }
            if model > 0 {
                fields.append(
                    "\"parent_id\": {\"type\": \"int\", \"source\": \"\(modelName(model - 1))\", \"sourceid\": \"id\"}")
                fields.append(
                    "\"root_id\": {\"type\": \"int\", \"source\": \"\(modelName(model / 2))\", \"sourceid\": \"id\"}")
            } else {
                fields.append("\"parent_id\": {\"type\": \"int\"}")
                fields.append("\"root_id\": {\"type\": \"bigint\"}")
                for extra in 0..<extraFields {
                    fields.append("\"extra_\(extra)\": {\"type\": \"string\", \"length\": 50}")
                }
            }
            var indexes: [String] = []
            // (The unique index on field_7 was a scalar `unique: true` until EngineJS parity: EngineJS ignores those.)
            if model % 3 == 0 { indexes.append("\"unique\": [[\"field_0\", \"field_2\"], [\"field_7\"]]") }
            if model % 2 == 0 { indexes.append("\"many\": [[\"field_9\"]]") }
            let text =
                "{\"fields\": {\(fields.joined(separator: ", "))}, "
                + "\"indexes\": {\(indexes.joined(separator: ", "))}, "
                + "\"auto_name\": [\"field_0\"]}"
            files.append(DSLInputFile(path: "dsl/models/\(modelName(model)).json", text: text))
        }
        return files
    }

    /// Writes the files under `directory` (creating `dsl/meta` and `dsl/models`).
    static func write(_ files: [DSLInputFile], to directory: String) throws {
        let root = URL(fileURLWithPath: directory)
        for folder in ["dsl/meta", "dsl/models"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for file in files {
            try Data(file.bytes).write(to: root.appendingPathComponent(file.path))
        }
    }
}
