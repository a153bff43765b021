import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// `--target NAME` and `--all-targets` of `status`, `plan`, `sync` and `migrate` (issue 17), through the binary,
/// with a configuration file listing two targets on the scratch cluster.
@Suite struct TargetCommandTests {
    static let post = DaemonProcessTests.post

    /// Two databases, a repository with one commit, and a configuration naming both as targets.
    final class Fleet: @unchecked Sendable {
        let alpha: ScratchDatabase
        let beta: ScratchDatabase
        let remote: DaemonProcessTests.Remote
        let state: String
        let config: String

        init() throws {
            alpha = try ScratchDatabase()
            beta = try ScratchDatabase()
            remote = try DaemonProcessTests.Remote()
            state = try DaemonProcessTests.temporaryDirectory()
            config = state + "/enginesync.yaml"
            try """
            repo: \(remote.bare.path)
            state_dir: \(state)
            max_rewrite_rows: 5
            targets:
              - name: alpha
                database: "\(alpha.dsn)"
              - name: beta
                database: "\(beta.dsn)"
                after: alpha
            """.write(toFile: config, atomically: true, encoding: .utf8)
            try remote.push(
                [
                    "dsl/models/post.json": TargetCommandTests.post,
                    "migrations/0001_seed.sql": "CREATE TABLE seeded (id int);",
                ], message: "create")
        }

        deinit { try? FileManager.default.removeItem(atPath: state) }

        func run(_ arguments: [String]) throws -> EngineSyncBinary.Result {
            try EngineSyncBinary.run(arguments + ["--config", config])
        }
    }

    static func exists(_ table: String, _ database: ScratchDatabase) throws -> Bool {
        try database.connect().query("SELECT to_regclass($1) IS NOT NULL AS present", ["public." + table]).first?
            .bool("present") == true
    }

    @Test func syncAndMigrateReachOnlyTheNamedTarget() throws {
        let fleet = try Fleet()
        let synced = try fleet.run(["sync", "--target", "alpha"])
        #expect(synced.status == 0, "\(synced.stdout) \(synced.stderr)")
        #expect(try Self.exists("post", fleet.alpha))
        #expect(try Self.exists("seeded", fleet.alpha))
        #expect(try !Self.exists("post", fleet.beta))

        let pending = try fleet.run(["migrate", "status", "--target", "beta"])
        #expect(pending.status == 0, "\(pending.stderr)")
        #expect(pending.stdout.contains("pending: 1"), "\(pending.stdout)")
        let up = try fleet.run(["migrate", "up", "--target", "beta"])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(try Self.exists("seeded", fleet.beta))
        #expect(try !Self.exists("post", fleet.beta))

        let status = try fleet.run(["status", "--target", "alpha", "--format", "json"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains(#""outcome" : "synced""#), "\(status.stdout)")
    }

    @Test func planAndStatusOverAllTargets() throws {
        let fleet = try Fleet()
        #expect(try fleet.run(["sync", "--target", "alpha"]).status == 0)
        // alpha is in step; beta would create the table: nothing blocked anywhere.
        let plan = try fleet.run(["plan", "--all-targets"])
        #expect(plan.status == 0, "\(plan.stdout) \(plan.stderr)")
        #expect(plan.stdout.contains("== target alpha ("), "\(plan.stdout)")
        #expect(plan.stdout.contains("== target beta ("), "\(plan.stdout)")
        #expect(try !Self.exists("post", fleet.beta), "plan changes nothing")

        // A narrowing is blocked on alpha (which has the table) and planned as a creation on beta: exit 2.
        try fleet.remote.push([
            "dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 10}}}"#
        ])
        #expect(try fleet.run(["plan", "--all-targets"]).status == 2)

        // Without --target, a fleet's configuration shows every target.
        let plain = try fleet.run(["status"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("== target alpha (") && plain.stdout.contains("== target beta ("))
        let status = try fleet.run(["status", "--all-targets", "--format", "json"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains(#""target" : "alpha""#) && status.stdout.contains(#""target" : "beta""#))

        // beta's database disappears: the other target is still shown, the exit status says one failed.
        let admin = try PostgresConnection.connect(
            PostgresConfiguration(
                dsn: "host=\(fleet.beta.host) port=\(fleet.beta.port) user=\(fleet.beta.user) dbname=postgres"))
        try admin.query("DROP DATABASE " + admin.escapeIdentifier(fleet.beta.name) + " WITH (FORCE)")
        let partial = try fleet.run(["status", "--all-targets"])
        #expect(partial.status == 1)
        #expect(partial.stdout.contains("== target alpha ("), "\(partial.stdout)")
        #expect(partial.stderr.contains("beta: cannot connect to the database"), "\(partial.stderr)")
    }

    @Test func unknownTargetsAndConflictingFlagsAreUsageErrors() throws {
        let fleet = try Fleet()
        for command in [["status"], ["plan"], ["sync"], ["migrate", "status"]] {
            let unknown = try fleet.run(command + ["--target", "gamma"])
            #expect(unknown.status == 64, "\(command): \(unknown.stderr)")
            #expect(
                unknown.stderr.contains("unknown target \"gamma\": the targets in \(fleet.config) are alpha, beta"),
                "\(command): \(unknown.stderr)")
        }
        let both = try fleet.run(["plan", "--target", "alpha", "--database", "dbname=x"])
        #expect(both.status == 64)
        #expect(try fleet.run(["status", "--target", "alpha", "--all-targets"]).status == 64)
        #expect(try fleet.run(["sync", "--all-targets"]).status == 64, "sync has no --all-targets")

        // A configuration without targets: --target has nothing to select.
        try "repo: \(fleet.remote.bare.path)\n".write(toFile: fleet.config, atomically: true, encoding: .utf8)
        let none = try fleet.run(["plan", "--target", "alpha"])
        #expect(none.status == 64)
        #expect(none.stderr.contains("lists no targets"), "\(none.stderr)")
    }
}
