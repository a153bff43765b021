import Foundation
public import PostgresClient

/// The one session-level advisory lock that serialises every writer of a database: Safe Sync reconciles,
/// `migrate up` and `migrate resolve` all take it, so migrations and sync never run concurrently.
///
/// Key: `7308892947790263161` = `0x656E67696E657379`, the ASCII bytes of `"enginesy"` read as a big-endian
/// 64-bit integer. In `pg_locks` it shows as `locktype = 'advisory'`, `classid = 1701734249`,
/// `objid = 1852142457`, `objsubid = 1`. Session locks are re-entrant and counted (postgres-facts.md 6),
/// so code that already holds it (the reconciler) may call helpers that take it again. They do not work
/// through a transaction-pooling proxy (PgBouncer): connect to PostgreSQL directly.
public enum EngineSyncLock {
    /// `"enginesy"` in ASCII, big-endian.
    public static let key: Int64 = 0x656E_6769_6E65_7379

    /// What `withAdvisoryLock` did: ran the body, or gave up because another session holds the lock
    /// (outcome `skipped`).
    public enum Outcome<Value> {
        case acquired(Value)
        case heldElsewhere
    }

    /// Takes the lock with `pg_try_advisory_lock`, polling until `wait` expires, runs `body` and unlocks,
    /// also when `body` throws.
    ///
    /// Polling (rather than the blocking `pg_advisory_lock`) keeps the wait bounded without touching the
    /// session's `lock_timeout`, and never queues behind a stuck holder.
    public static func withAdvisoryLock<Value>(
        _ connection: PostgresConnection, wait: Duration = .zero, pollInterval: Duration = .milliseconds(200),
        stop: () -> Bool = { false }, keepWaiting: () -> Bool = { true }, _ body: () throws -> Value
    ) throws -> Outcome<Value> {
        guard
            try acquire(connection, wait: wait, pollInterval: pollInterval, stop: stop, keepWaiting: keepWaiting)
        else { return .heldElsewhere }
        let value: Value
        do {
            value = try body()
        } catch {
            // The body's error is the one worth reporting; a lost connection released the lock anyway.
            _ = try? unlock(connection)
            throw error
        }
        do {
            try unlock(connection)
        } catch let error as PostgresError where error.isConnectionLoss {
            // The session is gone, and the lock with it. The body finished (Safe Sync carries on over a new
            // session after a connection lost during COMMIT), so its result stands.
        }
        return .acquired(value)
    }

    /// Polls `pg_try_advisory_lock` until it succeeds or `wait` has passed; `true` when held. Throws `Stopped`
    /// as soon as `stop` says so (a one-shot command's SIGINT/SIGTERM), rather than waiting on. `keepWaiting`
    /// is asked once, when the lock is held elsewhere, before waiting: `false` gives up at once (a reconcile whose
    /// DSL turned out invalid has nothing to wait for).
    public static func acquire(
        _ connection: PostgresConnection, wait: Duration = .zero,
        pollInterval: Duration = .milliseconds(200), stop: () -> Bool = { false }, keepWaiting: () -> Bool = { true }
    ) throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: wait)
        var asked = false
        while true {
            if stop() { throw Stopped() }
            if try tryLock(connection) { return true }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            if !asked {
                asked = true
                if !keepWaiting() { return false }
            }
            Thread.sleep(forTimeInterval: seconds(min(remaining, pollInterval)))
        }
    }

    /// One `pg_try_advisory_lock` attempt.
    public static func tryLock(_ connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT pg_catalog.pg_try_advisory_lock($1::bigint) AS locked", [key]).first?
            .bool("locked") ?? false
    }

    /// Releases one hold of the lock; `false` when this session did not hold it.
    @discardableResult
    public static func unlock(_ connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT pg_catalog.pg_advisory_unlock($1::bigint) AS unlocked", [key]).first?
            .bool("unlocked") ?? false
    }

    /// The wait for the lock was abandoned because the command was asked to stop (SIGINT/SIGTERM).
    public struct Stopped: Error, CustomStringConvertible {
        public var description: String { "interrupted while waiting for the enginesync advisory lock" }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
