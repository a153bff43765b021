public import PostgresClient
import Synchronization

/// When the reconcile path last made progress: touched at each phase of a reconcile (fetch, read the
/// source, compile, connect, lock, introspect, apply) and before each SQL statement of Safe Sync and
/// the migration runner.
///
/// The daemon's watchdog pings during a reconcile only while the last touch is recent
/// (`shouldPing(lastActivity:now:limit:)`), so a libpq or libgit2 call that hangs stops the pings and
/// systemd restarts the service (c-libraries.md 4: ping from the loop doing the real work, not from a
/// blind timer). Shared between the reconcile thread, which touches it, and the service loop, which
/// reads it: the instant is behind a mutex.
public final class ReconcileProgress: Sendable {
    /// Added to `statement_timeout + lock_timeout` for the work between two touches (connect_timeout is
    /// 10 s; compiling and planning take milliseconds).
    public let grace: Duration
    private let last: Mutex<ContinuousClock.Instant>
    /// The running reconcile's database session, for cancelling it on shutdown.
    private let session = Mutex<PostgresCancelToken?>(nil)
    private let stopRequested = Mutex(false)
    /// Where the running reconcile's time went, phase by phase (`startPhases`, `endPhase`, `takePhases`).
    private let phaseLog = Mutex(PhaseLog())

    private struct PhaseLog {
        var mark: ContinuousClock.Instant?
        var entries: [(name: String, duration: Duration)] = []
    }

    public init(grace: Duration = .seconds(30)) {
        self.grace = grace
        last = Mutex(.now)
    }

    /// Records progress now.
    public func touch() {
        let now = ContinuousClock.now
        last.withLock { $0 = now }
    }

    /// Registers (or, with `nil`, forgets) the session the reconcile runs its statements on.
    public func register(_ token: PostgresCancelToken?) {
        session.withLock { $0 = token }
    }

    /// Forgets `token` if it is still the registered one: a session that ends (or waits idle for the daemon's next
    /// reconcile) never clears the token of the session registered after it.
    public func unregister(_ token: PostgresCancelToken?) {
        guard let token else { return }
        session.withLock { current in
            if current === token { current = nil }
        }
    }

    /// Cancels the registered session's running statement, so SIGTERM rolls a long reconcile back
    /// instead of waiting for it (a cancelled statement fails with 57014 and its transaction rolls back).
    /// Returns whether a request was sent.
    @discardableResult
    public func cancelRunningStatement() -> Bool {
        guard let token = session.withLock({ $0 }) else { return false }
        return token.cancel() == nil
    }

    /// Asks the reconcile to stop (a one-shot command got SIGINT or SIGTERM): cancels the running statement and,
    /// from now on, `isStopRequested` makes lock waits give up. The caller repeats it until the work returns,
    /// so a statement that starts after one request is cancelled by the next.
    public func requestStop() {
        stopRequested.withLock { $0 = true }
        cancelRunningStatement()
    }

    /// Whether `requestStop()` was called.
    public var isStopRequested: Bool { stopRequested.withLock { $0 } }

    /// Runs `body` with no session registered for cancellation (work that must not stop half-way outside a
    /// transaction), then restores the registration.
    public func withoutCancellation<T>(_ body: () throws -> T) rethrows -> T {
        let token = session.withLock { current -> PostgresCancelToken? in
            defer { current = nil }
            return current
        }
        defer { session.withLock { $0 = token } }
        return try body()
    }

    /// Starts timing a reconcile's phases (the daemon logs them at debug level: `reconcile phases`).
    public func startPhases() {
        let now = ContinuousClock.now
        phaseLog.withLock { $0 = PhaseLog(mark: now) }
    }

    /// The time since the previous phase ended (or `startPhases`) is `name`'s; a name seen again adds up.
    /// Does nothing when no timing was started (one-shot commands).
    public func endPhase(_ name: String) {
        let now = ContinuousClock.now
        phaseLog.withLock { log in
            guard let mark = log.mark else { return }
            log.mark = now
            if let position = log.entries.firstIndex(where: { $0.name == name }) {
                log.entries[position].duration += mark.duration(to: now)
            } else {
                log.entries.append((name, mark.duration(to: now)))
            }
        }
    }

    /// The phases timed since `startPhases`, in the order they first ended; stops the timing.
    public func takePhases() -> [(name: String, duration: Duration)] {
        phaseLog.withLock { log in
            defer { log = PhaseLog() }
            return log.entries
        }
    }

    /// The instant of the last touch.
    public var lastActivity: ContinuousClock.Instant { last.withLock { $0 } }

    /// How long a reconcile may go without touching before it counts as hung: one statement may
    /// legitimately run for `statement_timeout`, after waiting up to `lock_timeout` for a lock.
    public func stallLimit(statementTimeout: Duration, lockTimeout: Duration) -> Duration {
        statementTimeout + lockTimeout + grace
    }

    /// Whether the watchdog should be fed now, given the stall limit.
    public func shouldPing(limit: Duration) -> Bool {
        Self.shouldPing(lastActivity: lastActivity, now: .now, limit: limit)
    }

    /// Whether the watchdog should be fed: the last activity is no older than `limit`.
    public static func shouldPing(
        lastActivity: ContinuousClock.Instant, now: ContinuousClock.Instant,
        limit: Duration
    ) -> Bool {
        lastActivity.duration(to: now) <= limit
    }
}
