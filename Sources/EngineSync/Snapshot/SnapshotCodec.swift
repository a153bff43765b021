package import EngineSyncCore

/// What Safe Sync needs from the DSL compiler to read and write snapshots.
///
/// The snapshot row stores the effective DSL as JSON; planning recompiles it to learn which model and
/// field produced which table and column.
package protocol SnapshotCodec: Sendable {
    /// Compiles a stored snapshot document (`dsl` jsonb as text) like a monolith DSL.
    func compileSnapshot(json: String) throws -> CompiledDSL
    /// The JSON text stored in the snapshot row (EngineJS stores `JSON.stringify` of its compiled DSL).
    func canonicalJSON(_ document: JSONObject) -> String
    /// The snapshot row's `hash`: EngineJS's hash of the document (SPEC 2.8).
    func hash(_ document: JSONObject) -> String
    /// SHA-256 hex of the document's canonical JSON: enginesync's content hash (SPEC 2.8).
    func contentHash(_ document: JSONObject) -> String
}
