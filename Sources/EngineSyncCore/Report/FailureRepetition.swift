/// Whether retrying a failed reconcile can change its result.
///
/// A connection refused, a lock timeout, a deadlock or a cancelled statement may clear by itself: those are
/// retried with the growing back-off. An error PostgreSQL raises from the statement itself — a syntax or
/// definition error, a constraint the data violates, a limit the schema exceeds, a `RAISE` in a migration —
/// comes back identically on every attempt at the same commit until the commit or the database changes;
/// retrying it every second would only repeat its work (and its table rewrites). The daemon then waits the
/// longest back-off at once and says so.
public enum FailureRepetition {
    /// SQLSTATE classes whose errors follow from the statement and the data, not from the moment:
    /// 0A feature not supported, 22 data exception, 23 integrity constraint violation, 2B dependent objects
    /// still exist, 42 syntax error or access rule violation, 44 WITH CHECK OPTION violation, 54 program limit
    /// exceeded, P0 PL/pgSQL error (`RAISE`). Connection (08), transaction rollback (40), insufficient resources
    /// (53), object in use / lock not available (55), operator intervention (57) and system errors (58, XX) are
    /// not: they may clear by themselves.
    public static let repeatingClasses: Set<String> = ["0A", "22", "23", "2B", "42", "44", "54", "P0"]

    /// `true` when `sqlstate` is in a class that repeats identically.
    public static func repeats(sqlstate: String) -> Bool {
        sqlstate.count == 5 && repeatingClasses.contains(String(sqlstate.prefix(2)))
    }
}

extension ReconcileReport {
    /// A `failed` report whose every error carries a SQLSTATE that repeats identically (`FailureRepetition`):
    /// the next attempt at the same commit and database fails the same way.
    public var failureRepeatsIdentically: Bool {
        outcome == .failed && !errors.isEmpty
            && errors.allSatisfy { $0.sqlstate.map(FailureRepetition.repeats) ?? false }
    }
}
