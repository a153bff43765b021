import Foundation
import PostgresClient
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway Patroni cluster for the high-availability tests (issue 17 item 4): a single-node etcd and
/// `nodeCount` Patroni nodes, each with its own PostgreSQL 15, all in one temporary directory and on free
/// 127.0.0.1 ports.
///
/// Layout: `<directory>/etcd` (etcd's data), `<directory>/<node>/` (the node's `patroni.yml`, its log, the
/// PostgreSQL unix socket) and `<directory>/<node>/data`. PostgreSQL refuses to run as root, so when the tests run
/// as root the directories belong to `postgres` and Patroni runs as `postgres` through `setpriv` (which execs, so
/// the pid is Patroni's own and a SIGKILL reaches it; `runuser` would stay in between). etcd runs as the current
/// user.
///
/// Timings, chosen for a fast start and a quick failover on a busy 2-core machine (Patroni's defaults are ttl 30,
/// loop_wait 10, retry_timeout 10): `ttl` 10 s (a killed leader's key expires after at most that; the replica is
/// promoted within about 10 s), `loop_wait` 1 s (the HA loop runs every second: a switchover and a promotion
/// finish in a few seconds), `retry_timeout` 3 s (Patroni requires `loop_wait + 2 × retry_timeout ≤ ttl`). etcd
/// beats every 100 ms with a 1 s election timeout. `fsync` is off (a throwaway cluster), replication is
/// asynchronous (Patroni's default), pg_rewind is on. The cluster is up (a leader and every other node a streaming
/// replica) in 3–5 s.
///
/// Without etcd, Patroni or the PostgreSQL 15 server binaries the initialiser throws: the test fails, it never
/// skips (`scripts/ensure-packages.sh` installs `patroni` and `etcd-server`). Everything is killed and removed in
/// `stop()`, which `deinit` calls, so a failing test leaves no process behind; should the test process itself
/// die (a crash, a SIGKILL), a sentinel shell started first does the same.
public final class ScratchPatroniCluster: @unchecked Sendable {
    /// One Patroni node and its PostgreSQL.
    public struct Node: Sendable {
        public let name: String
        /// The node's directory: configuration, logs, and the PostgreSQL unix socket.
        public let directory: String
        public let postgresPort: Int
        public let restPort: Int
        public var dataDirectory: String { directory + "/data" }
        public var configurationFile: String { directory + "/patroni.yml" }
        public var logFile: String { directory + "/patroni.log" }

        /// libpq keywords for this node's PostgreSQL over its unix socket (trust authentication).
        public func dsn(database: String = "postgres") -> String {
            "host=\(directory) port=\(postgresPort) user=postgres dbname=\(database)"
        }
    }

    /// A member as Patroni's `GET /cluster` reports it.
    public struct Member: Sendable, Equatable {
        public var name: String
        /// `leader`, `replica`, `sync_standby`, …
        public var role: String
        /// `running`, `streaming`, `starting`, `stopped`, …
        public var state: String
        /// Replication lag in bytes; `nil` for the leader or when Patroni says `unknown`.
        public var lag: Int?
    }

    public static let etcd = "/usr/bin/etcd"
    public static let patroni = "/usr/bin/patroni"
    public static let patronictl = "/usr/bin/patronictl"
    public static let setpriv = "/usr/bin/setpriv"

    public let directory: String
    public let nodes: [Node]
    /// Patroni's cluster name (`scope`), unique: PostgreSQL's process titles carry it (`cluster_name`).
    public let scope: String
    /// The nodes whose Patroni and PostgreSQL `killLeader()` killed.
    public var killed: Set<String> { state.withLock { $0.killed } }

    private let binaries: String
    private let runAsPostgres: Bool
    private let etcdClientPort: Int
    private let state = Mutex(State())

    private struct State {
        /// The shell that cleans up should this test process die without `stop()` (a crash, a SIGKILL).
        var sentinel: pid_t = 0
        var etcd: pid_t = 0
        var patroni: [String: pid_t] = [:]
        var killed: Set<String> = []
        var stopped = false
    }

    /// Starts etcd and the nodes and waits (up to `timeout`) until one node leads and every other one streams
    /// from it.
    public init(nodeCount: Int = 2, timeout: Duration = .seconds(120)) throws {
        binaries = ProcessInfo.processInfo.environment["PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
        for (tool, package) in [
            (Self.etcd, "etcd-server"), (Self.patroni, "patroni"), (Self.patronictl, "patroni"),
            (binaries + "/initdb", "postgresql-15"), (Self.setpriv, "util-linux"),
        ] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw TestEnvironment.Missing(
                description: "this test needs \(tool) (Debian package \(package)); scripts/test.sh installs it")
        }
        runAsPostgres = getuid() == 0
        // Short: a node's socket path (directory + "/nX/.s.PGSQL.<port>") must fit in sockaddr_un.
        let unique = UUID().uuidString.prefix(8).lowercased()
        directory = "/tmp/es-patroni-" + unique
        scope = "es-" + unique
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        var nodes: [Node] = []
        for index in 1...nodeCount {
            let name = "n\(index)"
            nodes.append(
                Node(
                    name: name, directory: directory + "/" + name, postgresPort: try SpawnedProcess.freePort(),
                    restPort: try SpawnedProcess.freePort()))
        }
        self.nodes = nodes
        etcdClientPort = try SpawnedProcess.freePort()
        do {
            try startSentinel()
            try startEtcd()
            for node in nodes { try startPatroni(node) }
            try waitUntilHealthy(timeout: timeout)
        } catch {
            let logs = self.logs
            stop()
            throw TestEnvironment.Missing(description: "the Patroni cluster did not start: \(error)\n\(logs)")
        }
    }

    deinit { stop() }

    public func node(_ name: String) -> Node? { nodes.first { $0.name == name } }

    // MARK: - Looking at the cluster

    /// The members as Patroni's REST API (`GET /cluster`) lists them, asked of the first node that answers.
    public func members() -> [Member]? {
        for node in nodes where !killed.contains(node.name) {
            guard let data = Self.http("GET", "http://127.0.0.1:\(node.restPort)/cluster"),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let members = object["members"] as? [[String: Any]]
            else { continue }
            return members.compactMap { member in
                guard let name = member["name"] as? String, let role = member["role"] as? String else { return nil }
                return Member(
                    name: name, role: role, state: member["state"] as? String ?? "",
                    lag: member["lag"] as? Int ?? (member["lag"] as? NSNumber)?.intValue)
            }
        }
        return nil
    }

    /// The node Patroni's REST API names leader (running), or `nil` while there is none.
    public func leader() -> Node? {
        guard let member = members()?.first(where: { $0.role == "leader" && $0.state == "running" }) else {
            return nil
        }
        return node(member.name)
    }

    /// The live nodes other than the leader.
    public func replicas() -> [Node] {
        let leader = leader()?.name
        return nodes.filter { $0.name != leader && !killed.contains($0.name) }
    }

    /// Whether `node`'s PostgreSQL accepts writes (`pg_is_in_recovery()` is false); `nil` when it cannot be reached.
    public func isPrimary(_ node: Node) -> Bool? {
        guard
            let connection = try? PostgresConnection.connect(
                PostgresConfiguration(dsn: node.dsn(), connectTimeoutSeconds: 2)),
            let row = try? connection.query("SELECT pg_catalog.pg_is_in_recovery() AS standby").first,
            let standby = try? row.bool("standby")
        else { return nil }
        return !standby
    }

    /// Waits until one node leads (Patroni says so and its PostgreSQL accepts writes) and every other live node is
    /// a replica streaming from it (`pg_stat_replication` on the leader); returns the leader.
    @discardableResult
    public func waitUntilHealthy(timeout: Duration = .seconds(90)) throws -> Node {
        let deadline = ContinuousClock.now + timeout
        var last = "no answer from Patroni's REST API"
        while ContinuousClock.now < deadline {
            try checkPatroniRunning()
            if let members = members() {
                last = "members: \(members)"
                let live = nodes.filter { !killed.contains($0.name) }.map(\.name)
                let leaders = members.filter { $0.role == "leader" && $0.state == "running" }
                let replicas = members.filter {
                    $0.role != "leader" && ["running", "streaming"].contains($0.state) && $0.lag != nil
                }
                if leaders.count == 1, let leader = node(leaders[0].name), replicas.count == live.count - 1,
                    isPrimary(leader) == true, streamingReplicas(of: leader) >= live.count - 1
                {
                    return leader
                }
            }
            usleep(200_000)
        }
        throw TestEnvironment.Missing(description: "the Patroni cluster was not healthy within \(timeout): \(last)")
    }

    /// Waits until a node other than `previous` leads and accepts writes (after a switchover or a killed leader).
    @discardableResult
    public func waitForNewLeader(replacing previous: String, timeout: Duration = .seconds(90)) throws -> Node {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let leader = leader(), leader.name != previous, isPrimary(leader) == true { return leader }
            usleep(200_000)
        }
        throw TestEnvironment.Missing(
            description: "no node replaced \(previous) as leader within \(timeout): \(members().map { "\($0)" } ?? "")"
                + "\n\(logs)")
    }

    private func streamingReplicas(of leader: Node) -> Int {
        guard
            let connection = try? PostgresConnection.connect(
                PostgresConfiguration(dsn: leader.dsn(), connectTimeoutSeconds: 2)),
            let row = try? connection.query(
                "SELECT count(*)::int AS n FROM pg_catalog.pg_stat_replication WHERE state = 'streaming'"
            ).first
        else { return 0 }
        return (try? row.int("n")) ?? 0
    }

    // MARK: - Changing the leader

    /// `patronictl switchover --leader <leader> --candidate <candidate> --force`, as an operator runs it; returns
    /// once the candidate leads and accepts writes (the old leader then rejoins as a replica: `waitUntilHealthy()`).
    @discardableResult
    public func switchover(to candidate: Node? = nil) throws -> Node {
        guard let leader = leader() else { throw TestEnvironment.Missing(description: "switchover: no leader") }
        guard let candidate = candidate ?? replicas().first else {
            throw TestEnvironment.Missing(description: "switchover: no replica to switch over to")
        }
        let output = try ShortLivedTool.run(
            Self.patronictl,
            [
                "-c", directory + "/patronictl.yml", "switchover", "--leader", leader.name, "--candidate",
                candidate.name, "--force",
            ])
        guard output.contains("Successfully switched over") else {
            throw TestEnvironment.Missing(description: "patronictl switchover did not succeed: \(output)")
        }
        return try waitForNewLeader(replacing: leader.name)
    }

    /// Kills the leader's Patroni and PostgreSQL (postmaster and every backend) with SIGKILL, like a crashed
    /// machine: nothing is shut down cleanly, and the leader key in etcd expires after `ttl`. Returns the node.
    @discardableResult
    public func killLeader() throws -> Node {
        guard let leader = leader() else { throw TestEnvironment.Missing(description: "killLeader: no leader") }
        let patroni = state.withLock { state in
            state.killed.insert(leader.name)
            return state.patroni.removeValue(forKey: leader.name)
        }
        if let patroni { SpawnedProcess.kill9(patroni) }
        killPostgres(leader)
        return leader
    }

    // MARK: - Stopping

    /// Kills every process of the cluster and removes its directory; safe to call more than once.
    public func stop() {
        let (sentinel, etcd, patroni) = state.withLock { state -> (pid_t, pid_t, [pid_t]) in
            guard !state.stopped else { return (0, 0, []) }
            state.stopped = true
            defer {
                state.patroni = [:]
                state.etcd = 0
                state.sentinel = 0
            }
            return (state.sentinel, state.etcd, Array(state.patroni.values))
        }
        if sentinel > 0 { SpawnedProcess.kill9(sentinel) }
        // Patroni first, so that it does not restart the PostgreSQL it manages.
        for pid in patroni { SpawnedProcess.kill9(pid) }
        for node in nodes { killPostgres(node) }
        if etcd > 0 { SpawnedProcess.kill9(etcd) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The last lines of etcd's and each node's log, for failure messages.
    public var logs: String {
        ([("etcd", directory + "/etcd.log")] + nodes.map { ($0.name, $0.logFile) }).map { name, file in
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? "(no log)"
            return "--- \(name):\n" + text.split(separator: "\n").suffix(25).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    // MARK: - Processes

    /// A shell that waits for this test process to end (`tail --pid`) and then SIGKILLs what `stop()` would have:
    /// the pids in `<directory>/pids` (etcd, each Patroni) and each node's postmaster (checked against its
    /// command line), then removes the directory. `stop()` kills it first, so it acts only when the test process
    /// died without stopping the cluster.
    private func startSentinel() throws {
        let script = """
            tail --pid="$1" -f /dev/null
            for pid in $(cat "$2/pids" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
            for file in "$2"/*/data/postmaster.pid; do
                [ -f "$file" ] || continue
                pid=$(head -n 1 "$file")
                grep -q "$2" "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid"
            done
            rm -rf "$2"
            """
        let pid = try SpawnedProcess.spawn(
            ["/bin/sh", "-c", script, "sentinel", String(getpid()), directory], log: "/dev/null")
        state.withLock { $0.sentinel = pid }
    }

    /// Has the sentinel also kill `pid` (e.g. a test's `enginesync run` per node) should the test process die
    /// without stopping; `stop()` leaves it alone, its owner stops it.
    public func killsOnCrash(_ pid: Int32) throws {
        try recordPID(pid)
    }

    /// Adds a pid to `<directory>/pids`, for the sentinel.
    private func recordPID(_ pid: pid_t) throws {
        let file = directory + "/pids"
        let existing = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        try (existing + "\(pid)\n").write(toFile: file, atomically: true, encoding: .utf8)
    }

    private func startEtcd() throws {
        let peerPort = try SpawnedProcess.freePort()
        let client = "http://127.0.0.1:\(etcdClientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        let pid = try SpawnedProcess.spawn(
            [
                Self.etcd, "--name", "etcd", "--data-dir", directory + "/etcd", "--listen-client-urls", client,
                "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "etcd=\(peer)", "--heartbeat-interval", "100", "--election-timeout", "1000",
            ], log: directory + "/etcd.log")
        state.withLock { $0.etcd = pid }
        try recordPID(pid)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard SpawnedProcess.isRunning(pid) else {
                throw TestEnvironment.Missing(description: "etcd exited")
            }
            if let data = Self.http("GET", client + "/health"), String(decoding: data, as: UTF8.self).contains("true") {
                try """
                scope: \(scope)
                namespace: /enginesync/
                etcd3:
                  hosts: 127.0.0.1:\(etcdClientPort)

                """.write(toFile: directory + "/patronictl.yml", atomically: true, encoding: .utf8)
                return
            }
            usleep(100_000)
        }
        throw TestEnvironment.Missing(description: "etcd did not become healthy within 30 s")
    }

    private func startPatroni(_ node: Node) throws {
        try FileManager.default.createDirectory(atPath: node.directory, withIntermediateDirectories: false)
        try configuration(for: node).write(toFile: node.configurationFile, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: node.logFile, contents: nil)
        var arguments = [Self.patroni, node.configurationFile]
        var environment: [String]?
        if runAsPostgres {
            try ShortLivedTool.run("/bin/chown", ["-R", "postgres:", node.directory])
            arguments =
                [Self.setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", "--reset-env", "--"] + arguments
            environment = ["PATH=/usr/bin:/bin"]
        }
        let pid = try SpawnedProcess.spawn(arguments, log: node.logFile, environment: environment)
        state.withLock { $0.patroni[node.name] = pid }
        try recordPID(pid)
    }

    /// A Patroni that exits (a bad configuration, a port taken) fails the wait at once, with its log.
    private func checkPatroniRunning() throws {
        let exited = state.withLock { state in
            state.patroni.filter { !SpawnedProcess.isRunning($0.value) }.map(\.key)
        }
        guard exited.isEmpty else {
            throw TestEnvironment.Missing(description: "Patroni exited on \(exited.sorted().joined(separator: ", "))")
        }
    }

    private func configuration(for node: Node) -> String {
        """
        scope: \(scope)
        namespace: /enginesync/
        name: \(node.name)
        restapi:
          listen: 127.0.0.1:\(node.restPort)
          connect_address: 127.0.0.1:\(node.restPort)
        etcd3:
          hosts: 127.0.0.1:\(etcdClientPort)
        bootstrap:
          dcs:
            ttl: 10
            loop_wait: 1
            retry_timeout: 3
            maximum_lag_on_failover: 1048576
            postgresql:
              use_pg_rewind: true
              parameters:
                wal_log_hints: 'on'
                fsync: 'off'
                max_connections: 100
                shared_buffers: 32MB
          initdb:
            - encoding: UTF8
            - locale: C.UTF-8
          pg_hba:
            - local all all trust
            - local replication all trust
            - host all all 127.0.0.1/32 trust
            - host replication all 127.0.0.1/32 trust
        postgresql:
          listen: 127.0.0.1:\(node.postgresPort)
          connect_address: 127.0.0.1:\(node.postgresPort)
          data_dir: \(node.dataDirectory)
          bin_dir: \(binaries)
          pgpass: \(node.directory)/pgpass
          authentication:
            superuser:
              username: postgres
            replication:
              username: postgres
            rewind:
              username: postgres
          parameters:
            unix_socket_directories: \(node.directory)

        """
    }

    /// SIGKILL to the node's postmaster (from `postmaster.pid`, checked against `/proc/<pid>/cmdline` so a stale
    /// file never names another process) and to every child of it.
    private func killPostgres(_ node: Node) {
        guard let text = try? String(contentsOfFile: node.dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first, let postmaster = pid_t(first),
            let command = try? String(contentsOfFile: "/proc/\(postmaster)/cmdline", encoding: .utf8),
            command.contains(node.dataDirectory)
        else { return }
        let children = Self.children(of: postmaster)
        kill(postmaster, SIGKILL)
        for child in children { kill(child, SIGKILL) }
        // Not our child (Patroni starts it detached): wait until it is gone or a zombie.
        for _ in 0..<100 {
            let status = try? String(contentsOfFile: "/proc/\(postmaster)/stat", encoding: .utf8)
            if status == nil || status?.contains(") Z ") == true { return }
            usleep(20_000)
        }
    }

    /// The processes whose parent is `parent` (from `/proc/<pid>/stat`).
    private static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After "comm)": state, then the parent pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent ? pid : nil
        }
    }

    // MARK: - Helpers

    /// One HTTP request to a local REST API; the body on 200, else `nil`.
    static func http(_ method: String, _ address: String, timeout: TimeInterval = 2) -> Data? {
        guard let url = URL(string: address) else { return nil }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        let result = Response()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if (response as? HTTPURLResponse)?.statusCode == 200 { result.body.withLock { $0 = data } }
            done.signal()
        }.resume()
        done.wait()
        return result.body.withLock { $0 }
    }

    private final class Response: Sendable {
        let body = Mutex<Data?>(nil)
    }
}
