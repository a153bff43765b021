/// How to reach PostgreSQL.
///
/// `dsn` is a libpq conninfo string or URI; whatever it leaves out, libpq fills from the `PG*`
/// environment variables and `.pgpass`. The password (e.g. from a systemd credential) is kept apart
/// so that nothing printable ever contains it.
public struct PostgresConfiguration: Sendable {
    public var dsn: String?
    public var password: String?
    /// Seconds; libpq waits forever when unset, and rounds 1 up to 2.
    public var connectTimeoutSeconds: Int
    public var applicationName: String

    public init(dsn: String? = nil, password: String? = nil, connectTimeoutSeconds: Int = 10,
                applicationName: String = "enginesync") {
        self.dsn = dsn
        self.password = password
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }

    /// Keyword/value pairs for `PQconnectdbParams`.
    ///
    /// Order matters (c-libraries.md 2.1): our defaults come before `dbname` so the user's DSN can override
    /// them; the password comes after so a credential file wins over a DSN without one.
    var keywordValues: [(String, String)] {
        var pairs: [(String, String)] = [
            ("connect_timeout", String(max(2, connectTimeoutSeconds))),
            ("fallback_application_name", applicationName),
        ]
        if let dsn, !dsn.isEmpty { pairs.append(("dbname", dsn)) }
        if let password, !password.isEmpty { pairs.append(("password", password)) }
        return pairs
    }
}
