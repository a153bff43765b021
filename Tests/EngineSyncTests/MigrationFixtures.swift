import EngineSync
import Foundation
import Logging
import PostgresClient

/// A directory laid out like the repository (`<root>/migrations/<id>.sql`), removed afterwards.
final class MigrationDirectory {
    let root: String
    var folder: String { root + "/migrations" }

    init() throws {
        root = NSTemporaryDirectory() + "enginesync-migrations-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/migrations", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func write(_ id: String, _ sql: String) throws {
        try Data(sql.utf8).write(to: URL(fileURLWithPath: "\(folder)/\(id).sql"))
    }

    func remove(_ id: String) throws {
        try FileManager.default.removeItem(atPath: "\(folder)/\(id).sql")
    }

    func load() throws -> MigrationSet { try MigrationLoader.load(directory: root) }

    func runner(
        _ connection: PostgresConnection, settings: SessionSettings = SessionSettings(),
        options: MigrationRunnerOptions = .quiet
    ) throws -> MigrationRunner {
        try MigrationRunner(connection: connection, settings: settings, set: try load(), options: options)
    }
}

extension MigrationRunnerOptions {
    /// Test options: no log output.
    static var quiet: MigrationRunnerOptions {
        MigrationRunnerOptions(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    func with(_ change: (inout MigrationRunnerOptions) -> Void) -> MigrationRunnerOptions {
        var copy = self
        change(&copy)
        return copy
    }
}

extension PostgresConnection {
    /// The first column of every row.
    func column(_ sql: String, _ parameters: [(any PostgresBindable)?] = []) throws -> [String?] {
        try query(sql, parameters).rows.map { $0.values.first ?? nil }
    }

    func tableExists(_ name: String) throws -> Bool {
        try query("SELECT to_regclass($1) IS NOT NULL AS present", [name]).first?.bool("present") == true
    }

    /// (id, state, checksum, commit) of every tracking row, by id.
    func trackingRows(schema: String = "public") throws -> [[String?]] {
        try query(
            "SELECT id, state, checksum, \"commit\", duration_ms::text FROM \(escapeIdentifier(schema)).engine_migrations ORDER BY id COLLATE \"C\""
        )
        .rows.map(\.values)
    }
}
