import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Logging
import PostgresClient
import Testing

/// Helpers shared by the end-to-end reconcile tests (real git commits, a real scratch database).
enum ReconcileStory {
    /// The EngineJS snapshot model (`dsl`), as `dsl/meta/dsl.json`.
    static let snapshotModel =
        #"{"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}"#

    /// One reconcile of `revision`, the way `sync` runs it (no lock wait).
    static func reconcile(
        _ database: ScratchDatabase, _ repository: ScratchRepository, revision: String = "main",
        configure: (inout ReconcilerOptions) -> Void = { _ in }
    ) -> Reconciler.Result {
        var options = ReconcilerOptions(lockWait: .zero, branch: "main")
        configure(&options)
        return Reconciler(database: database.configuration, options: options, logger: Logger(label: "test"))
            .reconcile(.git(repository: repository.path, revision: revision))
    }

    /// The first column of the first row as text (`NULL` → `nil`).
    static func value(_ connection: PostgresConnection, _ sql: String) throws -> String? {
        try connection.query("SELECT (\(sql))::text AS v").first?.optionalString("v")
    }

    static func count(_ connection: PostgresConnection, _ sql: String) throws -> Int {
        try connection.query(sql).first?.int("n") ?? -1
    }

    /// `format_type` of a live column, or `absent`.
    static func columnType(_ table: String, _ column: String) -> String {
        """
        SELECT coalesce((SELECT pg_catalog.format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
                         WHERE attrelid = 'public.\(table)'::regclass AND attname = '\(column)' AND NOT attisdropped), 'absent')
        """
    }

    /// The indexed columns of an index (`a,b`), or `absent`.
    static func indexColumns(_ index: String) -> String {
        """
        SELECT coalesce((SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_catalog.pg_index x
                         CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                         WHERE x.indexrelid = pg_catalog.to_regclass('public.\(index)')), 'absent')
        """
    }

    /// A foreign key by name: referenced table, ON DELETE / ON UPDATE codes and whether it is validated, or `absent`.
    static func foreignKey(_ name: String) -> String {
        """
        SELECT coalesce((SELECT concat_ws(' ', confrelid::regclass, confdeltype, confupdtype, convalidated)
                         FROM pg_catalog.pg_constraint WHERE conname = '\(name)' AND contype = 'f'), 'absent')
        """
    }

    /// Runs `sql` inside a transaction that is always rolled back; returns the SQLSTATE it failed with, if any.
    static func sqlStateOfTrying(_ connection: PostgresConnection, _ sql: String) throws -> String? {
        try connection.query("BEGIN")
        defer { _ = try? connection.query("ROLLBACK") }
        do {
            try connection.execute(script: sql)
            return nil
        } catch let error as PostgresError {
            return error.sqlState?.rawValue
        }
    }
}
