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
    /// TCP keepalive probes, so a server that vanished without closing the connection (host down, network
    /// cut) fails a blocked libpq call instead of leaving it waiting; `nil` keeps libpq's and the kernel's
    /// defaults (first probe after 2 hours on Linux). Unix-domain sockets ignore them.
    public var keepalives: Keepalives?

    /// libpq's `keepalives_idle`, `keepalives_interval` and `keepalives_count`, and `tcp_user_timeout` (their
    /// total): keepalive probes are not sent while data waits to be acknowledged, so the first statement on a
    /// connection kept idle (the daemon's) after the network died silently would otherwise wait for TCP's
    /// retransmissions (about 15 minutes) instead of failing and connecting again.
    public struct Keepalives: Sendable, Equatable {
        /// Seconds of silence before the first probe.
        public var idleSeconds: Int
        /// Seconds between unanswered probes.
        public var intervalSeconds: Int
        /// Unanswered probes before the connection counts as dead.
        public var count: Int

        /// How long sent data may stay unacknowledged before the connection counts as dead: the keepalives'
        /// total, in milliseconds (libpq's unit). A long statement is not affected (its text was acknowledged).
        public var userTimeoutMilliseconds: Int { (idleSeconds + intervalSeconds * count) * 1000 }

        /// The defaults notice a dead server within about a minute.
        public init(idleSeconds: Int = 30, intervalSeconds: Int = 10, count: Int = 3) {
            self.idleSeconds = idleSeconds
            self.intervalSeconds = intervalSeconds
            self.count = count
        }
    }

    public init(
        dsn: String? = nil, password: String? = nil, connectTimeoutSeconds: Int = 10,
        applicationName: String = "enginesync", keepalives: Keepalives? = nil
    ) {
        self.dsn = dsn
        self.password = password
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
        self.keepalives = keepalives
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
        if let keepalives {
            pairs += [
                ("keepalives", "1"), ("keepalives_idle", String(keepalives.idleSeconds)),
                ("keepalives_interval", String(keepalives.intervalSeconds)),
                ("keepalives_count", String(keepalives.count)),
                ("tcp_user_timeout", String(keepalives.userTimeoutMilliseconds)),
            ]
        }
        if let dsn, !dsn.isEmpty { pairs.append(("dbname", dsn)) }
        if let password, !password.isEmpty { pairs.append(("password", password)) }
        return pairs
    }
}
