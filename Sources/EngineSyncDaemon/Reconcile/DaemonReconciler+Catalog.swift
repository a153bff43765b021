import EngineSync
import EngineSyncCore
import Foundation
import Logging
import PostgresClient

extension DaemonReconciler {
    /// The export of `catalog.json` next to the reports, for `plan --catalog` in CI (issue 18): its own short
    /// session with the reconcile's timeouts, read-only, on the export queue's thread (after the report files, off
    /// the push → report path); a failure is logged and never changes a reconcile's outcome. The live schema comes
    /// from the daemon's incremental introspection (`LiveSchemaCache`), shared with the reconciles; the file's
    /// `last_reconciled_commit` says which reconcile it follows.
    static func catalogExport(
        configuration: DaemonConfiguration, options: ReconcilerOptions, reportsDirectory: String?,
        liveSchemaCache: LiveSchemaCache, logger: Logger
    ) -> CatalogExportQueue.Export {
        let database = configuration.postgres
        let schema = options.safeSync.planner.schema
        let settings = options.sessionSettings
        let snapshotTable = options.compiler.snapshotModelKey
        return { progress in
            guard let directory = reportsDirectory else { return true }
            let path = directory + "/" + CatalogFile.fileName
            do {
                let session = try DatabaseSession.connect(
                    database, settings: settings,
                    searchPath: .catalogOnly, progress: progress)
                let exporter = CatalogExporter(schema: schema, snapshotTable: snapshotTable)
                let catalog = try exporter.export(session.connection, liveSchemaCache: liveSchemaCache)
                guard !progress.isStopRequested else { return false }
                try CatalogExporter.write(catalog, intoReportsDirectory: directory)
                return true
            } catch {
                if progress.isStopRequested { return false }
                logger.warning("cannot write the catalog file", metadata: ["file": "\(path)", "error": "\(error)"])
                return true
            }
        }
    }

    /// Writes a requested `catalog.json` now and waits for it (`run --once` before it exits; tests).
    package func waitForCatalogExport() {
        catalogExports.flush()
    }
}
