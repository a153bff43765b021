import Foundation

/// What the test command (`scripts/test.sh`) provides, and the rule for when it is missing.
///
/// Tests that need PostgreSQL or git never skip: without them they fail with a message naming the
/// test command, under CI and locally alike.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// libpq keywords for the scratch cluster, from `ENGINESYNC_TEST_PGHOST` / `ENGINESYNC_TEST_PGPORT`.
    public static func postgresServer() throws -> (host: String, port: String, user: String) {
        let environment = ProcessInfo.processInfo.environment
        guard let host = environment["ENGINESYNC_TEST_PGHOST"], let port = environment["ENGINESYNC_TEST_PGPORT"] else {
            throw Missing(
                description: """
                    this test needs the scratch PostgreSQL cluster: run the tests with scripts/test.sh \
                    (ENGINESYNC_TEST_PGHOST/ENGINESYNC_TEST_PGPORT are not set)
                    """)
        }
        return (host, port, environment["ENGINESYNC_TEST_PGUSER"] ?? "postgres")
    }

    /// The port of the scratch cluster's hot standby (same socket directory), from `ENGINESYNC_TEST_STANDBY_PORT`.
    public static func standbyPort() throws -> String {
        guard let port = ProcessInfo.processInfo.environment["ENGINESYNC_TEST_STANDBY_PORT"], !port.isEmpty else {
            throw Missing(
                description: """
                    this test needs the scratch cluster's hot standby: run the tests with scripts/test.sh \
                    (ENGINESYNC_TEST_STANDBY_PORT is not set)
                    """)
        }
        return port
    }

    /// The one role of the scratch cluster that must authenticate with a password (scram-sha-256 over the
    /// socket; every other role is trusted), from `ENGINESYNC_TEST_PASSWORD_USER` / `ENGINESYNC_TEST_PASSWORD`.
    public static func passwordRole() throws -> (user: String, password: String) {
        let environment = ProcessInfo.processInfo.environment
        guard let user = environment["ENGINESYNC_TEST_PASSWORD_USER"], !user.isEmpty,
            let password = environment["ENGINESYNC_TEST_PASSWORD"], !password.isEmpty
        else {
            throw Missing(
                description: """
                    this test needs the scratch cluster's password role: run the tests with scripts/test.sh \
                    (ENGINESYNC_TEST_PASSWORD_USER/ENGINESYNC_TEST_PASSWORD are not set)
                    """)
        }
        return (user, password)
    }

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The absolute path of `ssh-keygen`, required for signing-key tests (issue 15); missing is a failure.
    public static func sshKeygenExecutable() throws -> String {
        for directory in ["/usr/bin", "/usr/local/bin", "/bin"] {
            let path = directory + "/ssh-keygen"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Missing(description: "this test needs ssh-keygen (apt-get install -y openssh-client)")
    }

    /// The absolute path of `git`, required for building fixture repositories.
    public static func gitExecutable() throws -> String {
        for directory in ["/usr/bin", "/usr/local/bin", "/bin"] {
            let path = directory + "/git"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Missing(description: "this test needs the git command line (apt-get install -y git)")
    }
}
