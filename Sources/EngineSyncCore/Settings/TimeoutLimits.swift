/// The accepted range of `lock_timeout` and `statement_timeout` (issue 12 item 6; docs/OPERATIONS.md).
///
/// PostgreSQL reads 0 as "no limit": a sync would then wait in the lock queue without end while application
/// traffic queues behind it, and a runaway statement would never be cancelled. Zero (and anything under
/// a millisecond, which PostgreSQL rounds to 0) is refused, as are values beyond the point where the
/// setting stops protecting anything: `lock_timeout` over 10 minutes (every statement of a reconcile may wait
/// that long, each holding up application queries behind it) and `statement_timeout` over 24 hours.
public enum TimeoutLimits {
    public static let minimum: Duration = .milliseconds(1)
    public static let maximumLockTimeout: Duration = .seconds(10 * 60)
    public static let maximumStatementTimeout: Duration = .seconds(24 * 3600)

    /// Why `value` is not an acceptable `lock_timeout`, or `nil`.
    public static func lockTimeoutProblem(_ value: Duration) -> String? {
        problem(value, maximum: maximumLockTimeout, what: "a sync would wait in the lock queue without end")
    }

    /// Why `value` is not an acceptable `statement_timeout`, or `nil`.
    public static func statementTimeoutProblem(_ value: Duration) -> String? {
        problem(value, maximum: maximumStatementTimeout, what: "a statement would never be cancelled")
    }

    private static func problem(_ value: Duration, maximum: Duration, what: String) -> String? {
        if value < minimum {
            return "must be at least 1ms, got \(DurationText.format(value)) (0 turns PostgreSQL's limit off: \(what))"
        }
        if value > maximum {
            return "must be at most \(DurationText.format(maximum)), got \(DurationText.format(value))"
        }
        return nil
    }
}
