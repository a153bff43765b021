public import EngineSyncCore

/// What Safe Sync needs from the DSL compiler to read and write snapshots.
///
/// The snapshot row stores the effective DSL as JSON; planning recompiles it to learn which model and
/// field produced which table and column.
public protocol SnapshotCodec: Sendable {
    /// Compiles a stored snapshot document (`dsl` jsonb as text) like a monolith DSL.
    func compileSnapshot(json: String) throws -> CompiledDSL
    /// The canonical JSON text of a DSL document (SPEC 2.8).
    func canonicalJSON(_ document: JSONObject) -> String
    /// SHA-256 hex of the document's canonical JSON (the DSL hash).
    func hash(_ document: JSONObject) -> String
}
