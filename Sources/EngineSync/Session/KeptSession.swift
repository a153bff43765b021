package import Logging
package import PostgresClient

/// The daemon's one idle database session per target, kept from a reconcile that ended cleanly for the next one
/// (docs/OPERATIONS.md, "The daemon's idle connection"): the next reconcile skips connect, authentication and the
/// session's SETs, and runs on a backend whose catalog caches are warm.
///
/// A session is kept only after a reconcile that was not `failed` nor `standby`, when `prepareToKeep()` finds it
/// connected and outside any transaction and `DISCARD ALL` succeeds (so it holds no advisory lock, no temporary
/// table, no setting a migration made). Taking it up again (`checkOut`) sets enginesync's settings and asks
/// `pg_is_in_recovery()` in one round trip, which is also the liveness check: a connection that died while idle
/// is closed and a new one opened, and the reconcile never sees the difference. One-shot commands keep nothing.
///
/// Not `Sendable`: owned by one `DaemonReconciler`, used on its worker's thread.
package final class KeptSession {
    private var idle: DatabaseSession?
    private let logger: Logger
    /// How many reconciles ran on a kept session, and how many found it dead and connected again (tests, logs).
    package private(set) var resumed = 0
    package private(set) var replaced = 0

    package init(logger: Logger) {
        self.logger = logger
    }

    /// Whether a session is waiting idle.
    package var isHoldingSession: Bool { idle != nil }

    /// The kept session, resumed for a new reconcile with `settings` and `progress`; or a new session when none is
    /// kept, its settings differ, or its connection died while idle. Throws only when a new connect fails.
    package func checkOut(
        _ configuration: PostgresConfiguration, settings: SessionSettings, progress: ReconcileProgress?
    ) throws -> DatabaseSession {
        if let kept = idle {
            idle = nil
            if kept.settings == settings {
                do {
                    try kept.resume(progress: progress)
                    resumed += 1
                    return kept
                } catch {
                    replaced += 1
                    logger.info(
                        "the kept database connection is gone (closed while idle); connecting again",
                        metadata: ["db.error": "\(error)"])
                }
            }
        }
        return try DatabaseSession.connect(configuration, settings: settings, progress: progress)
    }

    /// Keeps `session` for the next reconcile if it is fit (`DatabaseSession.prepareToKeep()`); otherwise it is
    /// closed when the caller lets go of it.
    package func checkIn(_ session: DatabaseSession) {
        idle = session.prepareToKeep() ? session : nil
    }

    /// Closes the kept session (configuration reload, shutdown, a drift check's own session, a standby).
    package func close() {
        idle = nil
    }
}
