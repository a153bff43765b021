import EngineSync
import EngineSyncCore
import Foundation
import Logging
import PostgresClient

extension DaemonReconciler {
    /// Writes `catalog.json` next to the reports after a reconcile that reached the database (`synced` or
    /// `blocked`), for `plan --catalog` in CI (issue 18). Its own short session with the reconcile's timeouts,
    /// read-only; a failure is logged and never changes the reconcile's outcome. Called after the report files
    /// are written, so the catalog read is not on the push → report path; the file's `last_reconciled_commit`
    /// says which reconcile it follows.
    func exportCatalog(after report: ReconcileReport) {
        guard report.outcome == .synced || report.outcome == .blocked, let reports else { return }
        let path = reports.directory + "/" + CatalogFile.fileName
        do {
            let schema = options.safeSync.planner.schema
            let session = try DatabaseSession.connect(
                database, settings: SessionSettings(schema: schema, timeouts: options.timeouts),
                searchPath: .catalogOnly)
            let exporter = CatalogExporter(schema: schema, snapshotTable: options.compiler.snapshotModelKey)
            try CatalogExporter.write(try exporter.export(session.connection), intoReportsDirectory: reports.directory)
        } catch {
            logger.warning("cannot write the catalog file", metadata: ["file": "\(path)", "error": "\(error)"])
        }
    }
}
