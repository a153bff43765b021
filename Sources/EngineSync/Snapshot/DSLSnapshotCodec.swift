package import EngineSyncCore

/// The snapshot codec backed by the DSL compiler: snapshots are compiled like a monolith DSL, stored as
/// EngineJS stores them (`JSON.stringify` of the compiled DSL) and hashed as EngineJS hashes them.
package struct DSLSnapshotCodec: SnapshotCodec {
    package let compiler: DSLCompiler

    package init(options: DSLCompilerOptions) {
        // A stored snapshot is read leniently: `strict` is about what a commit may contain.
        var options = options
        options.strict = false
        compiler = DSLCompiler(options: options)
    }

    package struct SnapshotError: Error, CustomStringConvertible {
        package var diagnostics: [Diagnostic]
        package var description: String {
            diagnostics.filter { $0.severity == .error }.prefix(3).map { "\($0.code): \($0.message)" }.joined(
                separator: "; ")
        }
    }

    package func compileSnapshot(json: String) throws -> CompiledDSL {
        let compilation = compiler.compile(snapshotBytes: Array(json.utf8))
        guard let compiled = compilation.compiled else { throw SnapshotError(diagnostics: compilation.diagnostics) }
        return compiled
    }

    package func canonicalJSON(_ document: JSONObject) -> String { JavaScriptJSON.stringify(.object(document)) }

    package func hash(_ document: JSONObject) -> String { EngineJSNaming.snapshotHash(of: .object(document)) }

    package func contentHash(_ document: JSONObject) -> String { CanonicalJSON.sha256Hex(.object(document)) }
}
