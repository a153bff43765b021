import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// The daemon's snapshot rows built by the server from the previous row and a patch (`SnapshotPatch`) hold
/// exactly what a whole document would: the same jsonb, so the same `dsl::text` (EngineJS's safeSync reads it).
@Suite("Snapshot rows sent as patches against real PostgreSQL")
struct SnapshotPatchRowTests {
    static func document(_ models: [String: String]) throws -> JSONObject {
        var files = [DSLInputFile(path: "dsl/meta/dsl.json", text: ReconcileStory.snapshotModel)]
        for (name, text) in models.sorted(by: { $0.key < $1.key }) {
            files.append(DSLInputFile(path: "dsl/models/\(name).json", text: text))
        }
        let result = DSLCompiler().compile(files: files)
        return try #require(result.compiled, "\(result.errors)").document
    }

    static func text(_ document: JSONObject) -> String { JavaScriptJSON.stringify(.object(document)) }

    @Test func aPatchedRowEqualsTheWholeDocumentAndAnEditedBaseIsRefused() throws {
        try ScratchDatabase.with { _, connection in
            try connection.run(
                "CREATE TABLE dsl (id serial PRIMARY KEY, hash varchar(255), dsl jsonb, created_at timestamptz)")
            let table = Table(
                name: "dsl",
                columns: [
                    Column(name: "id", type: .integer), Column(name: "hash", type: .varchar(length: 255)),
                    Column(name: "dsl", type: .jsonb), Column(name: "created_at", type: .timestamptz),
                ], primaryKey: ["id"])
            let store = SnapshotStore(schema: "public", table: "dsl")
            let old = try Self.document([
                "post": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#,
                "user": #"{"fields": {"name": {"type": "string", "length": 80}}}"#,
                "tag": #"{"fields": {"label": {"type": "string"}}}"#,
                "note": #"{"fields": {"text": {"type": "text", "default": "a \"quoted\" \\ text"}}}"#,
            ])
            let new = try Self.document([
                "post":
                    #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}, "slug": {"type": "string"}}}"#,
                "user": #"{"fields": {"name": {"type": "string", "length": 80}}}"#,
                "comment": #"{"fields": {"text": {"type": "text"}}}"#,
                "note": #"{"fields": {"text": {"type": "text", "default": "a \"quoted\" \\ text"}}}"#,
            ])
            let base = try store.insert(connection, hash: "h1", json: Self.text(old), commit: nil, table: table)
            let patch = try #require(SnapshotPatch(from: old, to: new))
            #expect(patch.removed == ["tag"])
            #expect(Set(patch.changed.keys) == ["post", "comment"])
            let patched = try #require(
                try store.insert(
                    connection, patching: base, with: patch, changedJSON: Self.text(patch.changed), hash: "h2",
                    commit: nil, table: table))
            #expect(patched.id > base.id)
            let whole = try store.insert(connection, hash: "h2", json: Self.text(new), commit: nil, table: table)
            let rows = try connection.query(
                "SELECT a.dsl = b.dsl AS same, a.dsl::text = b.dsl::text AS same_text, a.hash, "
                    + "a.created_at IS NOT NULL AS dated FROM dsl a, dsl b WHERE a.id = $1 AND b.id = $2",
                [patched.id, whole.id])
            #expect(try rows.first?.bool("same") == true)
            #expect(try rows.first?.bool("same_text") == true)
            #expect(try rows.first?.optionalString("hash") == "h2")
            #expect(try rows.first?.bool("dated") == true)

            // The base row edited by hand (a new row version, another xmin): its content is no longer known.
            try connection.run("UPDATE dsl SET dsl = dsl WHERE id = $1", [patched.id])
            let refused = try store.insert(
                connection, patching: patched, with: patch, changedJSON: Self.text(patch.changed), hash: "h3",
                commit: nil, table: table)
            #expect(refused == nil)
            // A deleted base row likewise.
            try connection.run("DELETE FROM dsl WHERE id = $1", [base.id])
            #expect(
                try store.insert(
                    connection, patching: base, with: patch, changedJSON: Self.text(patch.changed), hash: "h3",
                    commit: nil, table: table) == nil)
            #expect(try ReconcileStory.count(connection, "SELECT count(*)::int AS n FROM dsl WHERE hash = 'h3'") == 0)
        }
    }

    /// A daemon's reconciles (one snapshot cache): each row holds the effective document, whether it was sent
    /// whole or as a patch, also after the latest row was edited by hand behind its back.
    @Test func theDaemonsRowsHoldTheEffectiveDocument() throws {
        try ScratchDatabase.with { database, connection in
            let repository = try ScratchRepository()
            let cache = SnapshotCache()
            func reconcile() -> Reconciler.Result {
                Reconciler(
                    database: database.configuration, options: ReconcilerOptions(lockWait: .zero, branch: "main"),
                    logger: Logger(label: "test"), snapshotCache: cache
                )
                .reconcile(.git(repository: repository.path, revision: "main"))
            }
            var models = [
                "post": #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}}}"#,
                "user": #"{"fields": {"name": {"type": "string"}}}"#,
                "tag": #"{"fields": {"label": {"type": "string"}}}"#,
            ]
            func commitAndCheck(tamper: Bool = false) throws {
                var files = ["dsl/meta/dsl.json": ReconcileStory.snapshotModel]
                for (name, text) in models { files["dsl/models/\(name).json"] = text }
                try repository.commit(files)
                if tamper { try connection.run("UPDATE dsl SET dsl = dsl || '{}'::jsonb") }
                let result = reconcile()
                #expect(result.report.outcome == .synced, "\(result.report.errors)")
                let id = try #require(result.report.snapshot.id)
                let expected = Self.text(try Self.document(models))
                let row = try connection.query(
                    "SELECT dsl = $1::jsonb AS same, dsl::text = $1::jsonb::text AS same_text FROM dsl WHERE id = $2",
                    [expected, id])
                #expect(try row.first?.bool("same") == true)
                #expect(try row.first?.bool("same_text") == true)
                #expect(cache.stored?.row.id == id)
            }
            try commitAndCheck()
            models["post"] =
                #"{"fields": {"title": {"type": "string"}, "body": {"type": "text"}, "slug": {"type": "string"}}}"#
            try commitAndCheck()
            models["comment"] = #"{"fields": {"text": {"type": "text"}}}"#
            try commitAndCheck()
            models["user"] = #"{"fields": {"name": {"type": "string", "length": 300}}}"#
            try commitAndCheck(tamper: true)
            models["tag"] = #"{"fields": {"label": {"type": "string"}, "color": {"type": "string"}}}"#
            try commitAndCheck()
        }
    }
}
