import EngineSync
import EngineSyncCore
import Logging
import PostgresClient

extension DaemonReconciler {
    /// Records the notification event of a reconcile in a transaction of its own (issue 16).
    ///
    /// `synced` and `blocked` were already recorded in Safe Sync's transaction; `NotificationPolicy` is
    /// idempotent, so this records nothing more for them. It is what records `invalid` (a reconcile that never
    /// touches the database) and `failed` (whose transaction rolled back). When the database cannot be reached
    /// the report is kept and recorded on the next step; a kill before that loses nothing either, since the
    /// restarted daemon reconciles the same unsettled tip again.
    func recordNotification(_ report: ReconcileReport) {
        guard let outbox = options.safeSync.outbox else { return }
        var reports = [report]
        if let earlier = unrecordedNotification,
            earlier.commit?.sha != report.commit?.sha || earlier.outcome != report.outcome
        {
            reports.insert(earlier, at: 0)
        }
        guard reports.contains(where: { NotificationPolicy.records($0.outcome) }) else { return }
        do {
            let connection = try PostgresConnection.connect(database)
            for pending in reports where NotificationPolicy.records(pending.outcome) {
                if let event = try outbox.recordInOwnTransaction(connection, report: pending) {
                    logger.info(
                        "notification recorded",
                        metadata: [
                            "notify.event": "\(event.event)", "notify.id": "\(event.id)",
                            "git.commit": "\(event.commit ?? "")",
                        ])
                }
            }
            unrecordedNotification = nil
        } catch {
            unrecordedNotification = report
            logger.warning(
                "cannot record the notification event yet; retrying on the next reconcile",
                metadata: [
                    "notify.error": "\(error)", "git.commit": "\(report.commit?.sha ?? "")",
                ])
        }
    }
}
