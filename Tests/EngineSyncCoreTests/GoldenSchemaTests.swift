import EngineSyncCore
import Foundation
import Testing

/// Compiles the fixture repositories and compares the rendered schema with checked-in golden files.
/// `ENGINESYNC_RECORD_GOLDEN=1` rewrites the golden files and fails the run, so recording is never silent.
@Suite struct GoldenSchemaTests {
    @Test(arguments: ["shortener", "longnames"])
    func schemaMatchesGolden(fixture: String) throws {
        let root = try #require(Bundle.module.url(forResource: "Fixtures/\(fixture)", withExtension: nil))
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix(".json") else { continue }
            files[relative] = [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
        }
        let result = try DSLCompiler().compile(source: InMemoryDSLSource(files: files))
        let compiled = try #require(result.compiled, "\(result.errors)")
        var text = compiled.schema.renderedText
        text +=
            "auto_name "
            + compiled.autoNameColumns.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.joined(separator: ","))" }.joined(separator: " ") + "\n"
        text +=
            "manual "
            + compiled.manualIndexes.map { "\($0.table).\($0.kind)(\($0.columns.joined(separator: ",")))" }
            .joined(separator: " ") + "\n"
        text += "warnings " + result.warnings.map(\.code).joined(separator: " ") + "\n"
        let goldenPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Golden/\(fixture).schema.txt")
        if ProcessInfo.processInfo.environment["ENGINESYNC_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(
                at: goldenPath.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: goldenPath, atomically: true, encoding: .utf8)
            Issue.record("recorded \(goldenPath.path); unset ENGINESYNC_RECORD_GOLDEN and rerun")
            return
        }
        let golden = try String(contentsOf: goldenPath, encoding: .utf8)
        #expect(text == golden)
    }
}
