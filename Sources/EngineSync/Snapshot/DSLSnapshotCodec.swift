public import EngineSyncCore

/// The snapshot codec backed by the DSL compiler: snapshots are compiled like a monolith DSL and hashed
/// with the same canonical form as every compile.
public struct DSLSnapshotCodec: SnapshotCodec {
    public let compiler: DSLCompiler

    public init(options: DSLCompilerOptions) { compiler = DSLCompiler(options: options) }

    public struct SnapshotError: Error, CustomStringConvertible {
        public var diagnostics: [Diagnostic]
        public var description: String {
            diagnostics.filter { $0.severity == .error }.prefix(3).map { "\($0.code): \($0.message)" }.joined(separator: "; ")
        }
    }

    public func compileSnapshot(json: String) throws -> CompiledDSL {
        let compilation = compiler.compile(snapshotBytes: Array(json.utf8))
        guard let compiled = compilation.compiled else { throw SnapshotError(diagnostics: compilation.diagnostics) }
        return compiled
    }

    public func canonicalJSON(_ document: JSONObject) -> String { CanonicalJSON.string(.object(document)) }

    public func hash(_ document: JSONObject) -> String { CanonicalJSON.sha256Hex(.object(document)) }
}
