import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Issue 17 item 4: enginesync on every node of a real Patroni cluster (etcd and two nodes,
/// `ScratchPatroniCluster`), one daemon per node pointed at that node's PostgreSQL, all watching one bare
/// repository. Only the leader's daemon reconciles, the replica's says `standby`; after a `patronictl switchover`
/// and after a killed leader, the new leader's daemon reconciles what is pending, and at the end the leader's
/// database has every commit's change exactly once.
///
/// "Exactly once", concretely: every commit adds a column and a migration that INSERTs one row into `ledger`
/// (not idempotent: a migration run twice leaves two rows), so the final database must have every column, one
/// ledger row per migration, each migration once in `engine_migrations`, no two snapshot rows with the same hash,
/// and no commit whose changes two reconciles applied (`engine_reconciles.applied_count > 0` once per commit).
///
/// Runs alone (scripts/test.sh's `--no-parallel` pass): it kills and promotes servers and waits on them.
@Suite("enginesync on every node of a Patroni cluster", .serialized)
struct PatroniFailoverTests {
    typealias Remote = DaemonProcessTests.Remote
    typealias Scenario = DaemonScenarioProcessTests

    /// The DSL after `count` commits: one model whose columns c1 … c<count> are one per commit.
    static func item(columns count: Int) -> String {
        let fields = (1...count).map { #""c\#($0)": {"type": "string", "length": 20}"# }
        return #"{"fields": {\#(fields.joined(separator: ", "))}}"#
    }

    static func migrationID(_ number: Int) -> String { String(format: "%04d", number) }

    /// Commit `number`: column c<number>, and migration <number> recording itself in `ledger` (the first one
    /// creates it: a migration runs before Safe Sync, so the table is not a DSL model).
    static func files(_ number: Int) -> [String: String?] {
        let id = migrationID(number)
        let create = number == 1 ? "CREATE TABLE ledger (migration text NOT NULL);\n" : ""
        return [
            "dsl/models/item.json": item(columns: number),
            "migrations/\(id).sql": create + "INSERT INTO ledger (migration) VALUES ('\(id)');\n",
        ]
    }

    /// One `enginesync run` per node, with its own state directory.
    final class NodeDaemon: @unchecked Sendable {
        let node: ScratchPatroniCluster.Node
        let state: String
        let process: DaemonProcess

        init(node: ScratchPatroniCluster.Node, remote: Remote) throws {
            self.node = node
            state = try DaemonProcessTests.temporaryDirectory()
            // The defaults that matter here: standby_poll_interval 2s, max_backoff 5m. Pushes wake the daemon
            // through inotify; the 60 s poll never comes into play.
            process = try DaemonProcess(
                arguments: [
                    "run", "--config", state + "/empty.yaml", "--repo", remote.bare.path, "--database", node.dsn(),
                    "--state-dir", state, "--poll-interval", "60s", "--metrics-file", state + "/enginesync.prom",
                ],
                environment: ["NOTIFY_SOCKET": ""], log: state + "/daemon.log")
        }

        deinit {
            process.kill()
            try? FileManager.default.removeItem(atPath: state)
        }

        func outcome(_ commit: String) -> String? { Scenario.report(state, commit)?["outcome"] as? String }

        /// Waits until this daemon's report of `commit` says `outcome`.
        func waitFor(_ commit: String, _ outcome: String, timeout: Double = 30) -> Bool {
            waitUntil(timeout: timeout) { self.outcome(commit) == outcome }
        }

        var metrics: String {
            (try? String(contentsOfFile: state + "/enginesync.prom", encoding: .utf8)) ?? ""
        }

        var log: String { "\(node.name)'s daemon:\n" + Scenario.log(state) }
    }

    /// The processes whose command line mentions `text` (etcd, Patroni and the postmasters name the cluster's
    /// directory in theirs).
    static func processes(mentioning text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let command = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return command.contains(text) ? "\(pid): \(command)" : nil
        }
    }

    @Test func theClusterStartsWithOneLeaderAndAStreamingReplicaAndStopsWithoutATrace() throws {
        let cluster = try ScratchPatroniCluster()
        let leader = try #require(cluster.leader())
        let replica = try #require(cluster.replicas().first)
        #expect(cluster.isPrimary(leader) == true)
        #expect(cluster.isPrimary(replica) == false)
        #expect(cluster.members()?.map(\.role).sorted() == ["leader", "replica"])
        #expect(!Self.processes(mentioning: cluster.directory).isEmpty)

        #expect(!Self.processes(mentioning: "postgres: \(cluster.scope): ").isEmpty)  // the backends' titles

        cluster.stop()
        #expect(Self.processes(mentioning: cluster.directory).isEmpty)
        #expect(waitUntil(timeout: 10) { Self.processes(mentioning: "postgres: \(cluster.scope): ").isEmpty })
        #expect(!FileManager.default.fileExists(atPath: cluster.directory))
        #expect(cluster.isPrimary(leader) == nil)
    }

    @Test func aSwitchoverAndAKilledLeaderDuringPushesLoseNothingAndApplyNothingTwice() throws {
        let cluster = try ScratchPatroniCluster()
        let remote = try Remote()
        var commits = [try remote.push(Self.files(1), message: "commit 1")]
        let daemons = try cluster.nodes.map { try NodeDaemon(node: $0, remote: remote) }
        for daemon in daemons { try cluster.killsOnCrash(daemon.process.process.processIdentifier) }
        func daemon(_ node: ScratchPatroniCluster.Node) throws -> NodeDaemon {
            try #require(daemons.first { $0.node.name == node.name })
        }
        func diagnostics() -> String { daemons.map(\.log).joined(separator: "\n") + "\n" + cluster.logs }

        // Only the leader's daemon reconciles; the replica's says standby, which is not a failure.
        let first = try #require(cluster.leader())
        let firstReplica = try #require(cluster.replicas().first)
        let replicaDaemon = try daemon(firstReplica)
        #expect(try daemon(first).waitFor(commits[0], "synced"), "\(diagnostics())")
        #expect(replicaDaemon.waitFor(commits[0], "standby"), "\(diagnostics())")
        #expect(
            waitUntil(timeout: 10) {
                replicaDaemon.metrics.contains("enginesync_last_reconcile_outcome{outcome=\"standby\"} 1")
            }, "\(replicaDaemon.metrics)")
        #expect(replicaDaemon.metrics.contains("enginesync_consecutive_failures 0\n"))

        commits.append(try remote.push(Self.files(2), message: "commit 2"))
        #expect(try daemon(first).waitFor(commits[1], "synced"), "\(diagnostics())")

        // A switchover right after a push: whichever daemon applies commit 3, the new leader's daemon reconciles
        // the pending tip within seconds of its promotion.
        commits.append(try remote.push(Self.files(3), message: "commit 3"))
        let second = try cluster.switchover(to: firstReplica)
        #expect(second.name == firstReplica.name)
        #expect(try daemon(second).waitFor(commits[2], "synced"), "after the switchover: \(diagnostics())")
        try cluster.waitUntilHealthy()  // the old leader streams from the new one

        commits.append(try remote.push(Self.files(4), message: "commit 4"))
        #expect(try daemon(second).waitFor(commits[3], "synced"), "\(diagnostics())")
        // The demoted node's daemon idles like any replica's.
        #expect(try daemon(first).waitFor(commits[3], "standby"), "\(diagnostics())")

        // The leader dies right after a push (SIGKILL to Patroni and PostgreSQL): the other node is promoted
        // once the leader key expires, and its daemon reconciles the pending tip.
        commits.append(try remote.push(Self.files(5), message: "commit 5"))
        let killed = try cluster.killLeader()
        #expect(killed.name == second.name)
        let third = try cluster.waitForNewLeader(replacing: killed.name)
        #expect(third.name == first.name)
        #expect(try daemon(third).waitFor(commits[4], "synced"), "after the failover: \(diagnostics())")

        commits.append(try remote.push(Self.files(6), message: "commit 6"))
        #expect(try daemon(third).waitFor(commits[5], "synced"), "\(diagnostics())")

        // Every commit's change exactly once on the last leader.
        let connection = try PostgresConnection.connect(PostgresConfiguration(dsn: third.dsn()))
        let expectedIDs = (1...commits.count).map(Self.migrationID)
        let columns = try connection.query(
            """
            SELECT attname::text AS name FROM pg_catalog.pg_attribute \
            WHERE attrelid = 'public.item'::regclass AND attnum > 0 AND NOT attisdropped AND attname ~ '^c[0-9]+$' \
            ORDER BY attnum
            """
        ).rows.map { try $0.string("name") }
        #expect(columns == (1...commits.count).map { "c\($0)" })
        let ledger = try connection.query("SELECT migration FROM public.ledger ORDER BY migration").rows.map {
            try $0.string("migration")
        }
        #expect(ledger == expectedIDs, "a migration ran twice or not at all")
        let migrations = try connection.query("SELECT id FROM public.engine_migrations ORDER BY id").rows.map {
            try $0.string("id")
        }
        #expect(migrations == expectedIDs)
        let repeatedSnapshots = try connection.query(
            "SELECT hash FROM public.dsl GROUP BY hash HAVING count(*) > 1"
        ).rows.count
        #expect(repeatedSnapshots == 0)
        let latestSnapshot = try connection.query("SELECT commit FROM public.dsl ORDER BY id DESC LIMIT 1").first
        #expect(try latestSnapshot?.optionalString("commit") == commits.last)
        let appliedTwice = try connection.query(
            """
            SELECT commit FROM public.engine_reconciles WHERE applied_count > 0 \
            GROUP BY commit HAVING count(*) > 1
            """
        ).rows.map { try $0.optionalString("commit") ?? "" }
        #expect(appliedTwice.isEmpty, "\(appliedTwice)")
    }
}
