import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Testing

@testable import EngineSyncCommands

/// `targets:` (issue 17): the loader builds each target over the top-level settings, and refuses a bad fleet at
/// start-up naming the entry and key.
@Suite struct TargetConfigurationTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    func load(_ yaml: String, env: [String: String] = [:]) throws -> DaemonConfiguration {
        let path = directory.path + "/enginesync.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try DaemonConfigurationLoader(
            configPath: path, environment: env, defaultConfigPath: directory.path + "/absent.yaml"
        ).load()
    }

    /// The loader's error for `yaml`, as the operator reads it.
    func problem(_ yaml: String) -> String {
        do {
            _ = try load(yaml)
            return "(loaded)"
        } catch {
            return "\(error)"
        }
    }

    static let fleet = """
        repo: /srv/git/schema.git
        state_dir: /var/lib/x
        lock_timeout: 5s
        schema: app
        targets:
          - name: canary
            database: "host=/run/postgresql dbname=canary"
          - name: eu-west_1
            database: "postgresql://enginesync:s3cret@db.eu/app"
            after: canary
            lock_timeout: 1s
            schema: tenant
            self_heal: true
        """

    @Test func targetsInheritTheTopLevelSettingsAndSetTheirOwn() throws {
        let configuration = try load(Self.fleet)
        #expect(configuration.targets.map(\.name) == ["canary", "eu-west_1"])
        #expect(configuration.maxParallelTargets == 4)
        let canary = try #require(configuration.target(named: "canary"))
        #expect(canary.after == nil)
        #expect(canary.configuration.lockTimeout == .seconds(5))
        #expect(canary.configuration.schema == "app")
        #expect(canary.configuration.database == "host=/run/postgresql dbname=canary")
        #expect(canary.configuration.reportsDirectory == "/var/lib/x/reports/canary")
        #expect(canary.configuration.targets.isEmpty)
        let eu = try #require(configuration.target(named: "eu-west_1"))
        #expect(eu.after == "canary")
        #expect(eu.configuration.lockTimeout == .seconds(1))
        #expect(eu.configuration.schema == "tenant")
        #expect(eu.configuration.selfHeal)
        #expect(eu.configuration.repositoryPath == "/srv/git/schema.git")
        #expect(eu.configuration.reportsDirectory == "/var/lib/x/reports/eu-west_1")
        // The start-up line lists the targets without the password in the URI.
        let description = configuration.redactedDescription
        #expect(description.contains("targets=[canary(") && description.contains("after=canary"), "\(description)")
        #expect(!description.contains("s3cret"), "\(description)")
    }

    @Test func eachTargetsNotificationEventsNameIt() throws {
        let webhook = "\nnotify:\n  - url: https://hooks.example.invalid/enginesync\n"
        let eu = try #require(try load(Self.fleet + webhook).target(named: "eu-west_1"))
        #expect(eu.configuration.targetName == "eu-west_1")
        #expect(eu.configuration.reconcilerOptions.safeSync.outbox?.target == "eu-west_1")
        let single = try load("repo: /srv/git/schema.git\ndatabase: \"dbname=app\"" + webhook)
        #expect(single.targetName == nil)
        #expect(single.reconcilerOptions.safeSync.outbox != nil)
        #expect(single.reconcilerOptions.safeSync.outbox?.target == nil)
    }

    @Test func maxParallelTargetsIsAKeyLikeTheOthers() throws {
        #expect(try load(Self.fleet + "\nmax_parallel_targets: 2\n").maxParallelTargets == 2)
        #expect(try load(Self.fleet, env: ["ENGINESYNC_MAX_PARALLEL_TARGETS": "8"]).maxParallelTargets == 8)
        #expect(problem(Self.fleet + "\nmax_parallel_targets: 0\n").contains("max_parallel_targets: expected"))
    }

    @Test func aSingleDatabaseConfigurationHasNoTargets() throws {
        let configuration = try load("repo: /srv/git/schema.git\ndatabase: \"dbname=app\"\n")
        #expect(configuration.targets.isEmpty)
        #expect(configuration.reportsDirectory == "/var/lib/enginesync/reports")
        #expect(!configuration.redactedDescription.contains(" targets=["))
    }

    @Test(arguments: [
        (
            "duplicate name",
            "  - name: a\n    database: dbname=a\n  - name: a\n    database: dbname=b\n",
            "targets[1].name: \"a\" is already the name of targets[0]"
        ),
        (
            "after cycle",
            "  - name: a\n    database: dbname=a\n    after: b\n  - name: b\n    database: dbname=b\n    after: a\n",
            "targets[0].after: a cycle: a → b → a"
        ),
        (
            "unknown after",
            "  - name: a\n    database: dbname=a\n  - name: b\n    database: dbname=b\n    after: c\n",
            "targets[1].after: unknown target \"c\" (the targets are a, b)"
        ),
        (
            "after itself",
            "  - name: a\n    database: dbname=a\n    after: a\n",
            "targets[0].after: a target cannot wait for itself"
        ),
        (
            "no database",
            "  - name: a\n    schema: app\n",
            "targets[0].database: missing: target a needs its database"
        ),
        (
            "no name",
            "  - database: dbname=a\n",
            "targets[0].name: missing"
        ),
        (
            "bad name",
            "  - name: eu west\n    database: dbname=a\n",
            "targets[0].name: expected letters, digits"
        ),
        (
            "path in name",
            "  - name: ../etc\n    database: dbname=a\n",
            "targets[0].name: expected letters, digits"
        ),
        (
            "shared key in a target",
            "  - name: a\n    database: dbname=a\n    branch: other\n",
            "targets[0].branch: not a per-target key: set it at the top level"
        ),
        (
            "unknown key in a target",
            "  - name: a\n    database: dbname=a\n    databse: x\n",
            "targets[0].databse: unknown key"
        ),
        (
            "bad per-target value",
            "  - name: a\n    database: dbname=a\n    lock_timeout: soon\n",
            "targets[0].lock_timeout: expected a duration"
        ),
        (
            "bad conninfo",
            "  - name: a\n    database: \"dbname='unterminated\"\n",
            "targets[0].database: invalid connection string"
        ),
        (
            "entry not a mapping",
            "  - a\n",
            "targets[0]: expected a mapping"
        ),
    ])
    func aBadFleetIsAStartUpErrorNamingTheKey(_ name: String, _ targets: String, _ expected: String) {
        let message = problem("repo: /srv/git/schema.git\ntargets:\n" + targets)
        #expect(message.contains("enginesync.yaml: " + expected), "\(name): \(message)")
    }

    @Test func anEmptyListOrATopLevelDatabaseIsRefused() {
        #expect(problem("repo: /r\ntargets: []\n").contains("targets: expected a list of `- name: …` entries"))
        #expect(problem("repo: /r\ntargets: canary\n").contains("targets: expected a list"))
        let both = problem("repo: /r\ndatabase: dbname=x\ntargets:\n  - name: a\n    database: dbname=a\n")
        #expect(both.contains("database: with targets, each target names its database"), "\(both)")
    }

    @Test func aBadPasswordFileNamesTheTarget() {
        let message = problem(
            "repo: /r\ntargets:\n  - name: a\n    database: dbname=a\n    database_password_file: /nonexistent/pw\n")
        #expect(message.contains("targets[0].database_password_file: cannot read /nonexistent/pw"), "\(message)")
    }

    @Test func rolloutOrderPutsEveryTargetAfterItsCanary() throws {
        let base = DaemonConfiguration(source: .repository(path: "/r"))
        let targets = [
            DaemonTarget(name: "prod", after: "staging", configuration: base),
            DaemonTarget(name: "staging", after: "canary", configuration: base),
            DaemonTarget(name: "canary", configuration: base),
            DaemonTarget(name: "other", configuration: base),
        ]
        #expect(DaemonTarget.fleetProblem(targets) == nil)
        #expect(DaemonTarget.rolloutOrder(targets).map(\.name) == ["canary", "other", "staging", "prod"])
    }

    @Test func theRolloutGateHoldsUntilTheCanarySyncedTheTip() {
        let tip = "0123456789abcdef0123"
        #expect(
            RolloutGate(canary: "canary", state: nil).hold(tip: tip)?.contains("has not reconciled since") == true)
        let older = RolloutGate(canary: "canary", state: .init(commit: "fedcba9876543210", outcome: .synced))
        #expect(
            older.hold(tip: tip)
                == "waiting for target canary to sync 0123456789ab; its last reconcile: fedcba987654 synced")
        let failed = RolloutGate(
            canary: "canary", state: .init(commit: tip, outcome: .failed, reason: "failed: connection refused"))
        #expect(
            failed.hold(tip: tip)
                == "target canary did not sync 0123456789ab: its outcome is failed: failed: connection refused")
        let blocked = RolloutGate(canary: "canary", state: .init(commit: tip, outcome: .blocked))
        #expect(blocked.hold(tip: tip) == "target canary did not sync 0123456789ab: its outcome is blocked")
        #expect(RolloutGate(canary: "canary", state: .init(commit: tip, outcome: .synced)).hold(tip: tip) == nil)
    }

    @Test func theFleetStatusLineSummarisesEveryTarget() {
        let line = FleetStatus.line(targets: [
            ("canary", ReconcileSummary(commit: "abc1234567890", outcome: .synced)),
            ("us", ReconcileSummary(commit: "abc1234567890", outcome: .synced, idle: true)),
            ("eu", ReconcileSummary(commit: "abc1234567890", outcome: .failed, errorDescription: "connection refused")),
        ])
        #expect(line == "3 targets: 2 synced, 1 failed at abc123456789 (eu: connection refused)")
        let held = FleetStatus.line(targets: [
            ("canary", ReconcileSummary(commit: "abc", outcome: .blocked, blockedCount: 2)),
            ("prod", ReconcileSummary(commit: "abc", outcome: .skipped, hold: "target canary did not sync abc")),
            ("new", nil),
        ])
        #expect(
            held
                == "3 targets: 1 blocked, 1 held, 1 starting at abc (canary: 2 blocked; prod: target canary did not sync abc)"
        )
        #expect(
            ReconcileSummary(commit: "abc", outcome: .skipped, hold: "waiting for target canary").statusLine
                == "commit abc held: waiting for target canary")
        #expect(!ReconcileSummary(commit: "abc", outcome: .skipped, hold: "waiting").needsRetry)
    }

    @Test func aFleetsMetricsCarryATargetLabel() {
        let snapshot = MetricsSnapshot(
            lastReconcileTimestamp: 1_700_000_000, outcome: .synced, lastReconcileDuration: .milliseconds(1500),
            appliedChanges: 2, blockedChanges: 0, consecutiveFailures: 0, commit: "abc")
        var failing = snapshot
        failing.outcome = .failed
        failing.consecutiveFailures = 3
        let text = MetricsTextFile.render(targets: [("canary", snapshot), ("eu", failing)])
        #expect(text.contains("enginesync_last_reconcile_outcome{target=\"canary\",outcome=\"synced\"} 1\n"))
        #expect(text.contains("enginesync_last_reconcile_outcome{target=\"eu\",outcome=\"failed\"} 1\n"))
        #expect(text.contains("enginesync_consecutive_failures{target=\"eu\"} 3\n"))
        #expect(text.contains("enginesync_info{target=\"canary\",commit=\"abc\"} 1\n"))
        #expect(text.components(separatedBy: "# TYPE enginesync_consecutive_failures gauge").count == 2)
        // The single database's file is unchanged: no label.
        #expect(MetricsTextFile.render(snapshot).contains("enginesync_consecutive_failures 0\n"))
    }

    @Test func theFleetExitCodeIsTheMostSeriousOne() {
        #expect(FleetExitCode.combine([0, 0]) == 0)
        #expect(FleetExitCode.combine([0, 2]) == 2)
        #expect(FleetExitCode.combine([2, 3]) == 3)
        #expect(FleetExitCode.combine([3, 1, 2]) == 1)
    }

    @Test func aReloadMayChangeATargetsSettingsButNotTheFleetsShape() throws {
        let shape = FleetShape(try load(Self.fleet))
        #expect(
            shape.change(
                to: try load(Self.fleet.replacingOccurrences(of: "lock_timeout: 1s", with: "lock_timeout: 2s"))) == nil)
        #expect(
            shape.change(to: try load(Self.fleet.replacingOccurrences(of: "eu-west_1", with: "eu")))?.contains(
                "the targets") == true)
        #expect(
            shape.change(to: try load(Self.fleet.replacingOccurrences(of: "    after: canary\n", with: "")))
                == "a target's after")
        #expect(shape.change(to: try load(Self.fleet + "\nmax_parallel_targets: 1\n")) == "max_parallel_targets")
        #expect(shape.change(to: try load("repo: /srv/git/schema.git\n"))?.contains("the targets") == true)
    }
}
