import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 15 through the built binary: `sync`, `validate` and the daemon with real keys and signed pushes.
@Suite("Trust through the enginesync binary", .serialized)
struct TrustProcessTests {
    static let post = #"{"fields": {"title": {"type": "string", "length": 50}}}"#
    static let postWithBody = #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#

    static func tableExists(_ connection: PostgresConnection, _ name: String) throws -> Bool {
        try connection.query("SELECT pg_catalog.to_regclass('public.\(name)') IS NOT NULL AS present").first?.bool(
            "present") == true
    }

    @Test func syncRefusesAnUnsignedCommitAndValidateShowsTheSigner() throws {
        try ScratchDatabase.with { database, connection in
            let alice = try ScratchSigningKey(principal: "alice@example.com")
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let signers = state + "/allowed_signers"
            try ScratchSigningKey.writeAllowedSigners([alice], to: signers)
            let repository = try ScratchRepository()
            let unsigned = try repository.commit(["dsl/models/post.json": Self.post], message: "unsigned")
            let sync = [
                "sync", "--repo", repository.path, "--database", database.dsn, "--allowed-signers-file", signers,
            ]

            let refused = try EngineSyncBinary.run(sync + ["--require-signed-commits"])
            #expect(refused.status == 1, "\(refused.stdout) \(refused.stderr)")
            #expect(refused.stdout.contains("sync: untrusted"))
            #expect(refused.stdout.contains("commit \(unsigned.prefix(12)) is not trusted: the commit is not signed"))
            #expect(try !Self.tableExists(connection, "post"))
            // The environment variable does the same as the flag.
            let fromEnvironment = try EngineSyncBinary.run(
                sync, environment: ["ENGINESYNC_REQUIRE_SIGNED_COMMITS": "true"])
            #expect(fromEnvironment.status == 1)
            let validate = try EngineSyncBinary.run([
                "validate", "--repo", repository.path, "--allowed-signers-file", signers,
                "--require-signed-commits",
            ])
            #expect(validate.status == 1)
            #expect(validate.stdout.contains("trust: not trusted: the commit is not signed"))

            try repository.commit(["dsl/models/post.json": Self.post], message: "signed", signedBy: alice)
            let shown = try EngineSyncBinary.run([
                "validate", "--repo", repository.path, "--allowed-signers-file", signers,
            ])
            #expect(shown.status == 0, "\(shown.stdout) \(shown.stderr)")
            #expect(shown.stdout.contains("trust: signed by alice@example.com (SHA256:"))
            let synced = try EngineSyncBinary.run(sync + ["--require-signed-commits", "--format", "json"])
            #expect(synced.status == 0, "\(synced.stdout) \(synced.stderr)")
            #expect(synced.stdout.contains("\"signer\" : \"alice@example.com\""))
            #expect(try Self.tableExists(connection, "post"))
        }
    }

    @Test func aMalformedOrUnreadableSignersFileIsAStartUpErrorNamingFileAndLine() throws {
        let state = try DaemonProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let signers = state + "/allowed_signers"
        try "# team\nalice@example.com ssh-ed25519 AAAA-not-a-key\n".write(
            toFile: signers, atomically: true, encoding: .utf8)
        let sync = try EngineSyncBinary.run([
            "sync", "--dir", state, "--allowed-signers-file", signers, "--require-signed-commits",
        ])
        #expect(sync.status == 64)
        #expect(sync.stderr.contains("\(signers):2: the key is not valid base64"), "\(sync.stderr)")

        let config = state + "/enginesync.yaml"
        try "repo: /srv/git/schema.git\nrequire_signed_commits: true\nallowed_signers_file: \(signers)\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let run = try EngineSyncBinary.run(["run", "--config", config])
        #expect(run.status == 64)
        #expect(run.stderr.contains("allowed_signers_file: \(signers):2:"), "\(run.stderr)")

        let unreadable = try EngineSyncBinary.run([
            "run", "--config", config, "--allowed-signers-file", state + "/nope",
        ])
        #expect(unreadable.status == 64)
        #expect(unreadable.stderr.contains("--allowed-signers-file: cannot read \(state)/nope"), "\(unreadable.stderr)")
        try "repo: /srv/git/schema.git\nrequire_signed_commits: true\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let missing = try EngineSyncBinary.run(["run", "--config", config])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("allowed_signers_file: missing"), "\(missing.stderr)")
    }

    /// `run --once` as the daemon reconciles (unchanged trees are normally carried over): an approval that is an
    /// empty commit still runs the waiting migration; `plan` and `status` show what is missing and who approved.
    @Test func anEmptyApprovalCommitRunsTheWaitingMigrationInTheDaemon() throws {
        try ScratchDatabase.with { database, connection in
            let alice = try ScratchSigningKey(principal: "alice@example.com")
            let dba = try ScratchSigningKey(principal: "dba@example.com")
            let remote = try DaemonProcessTests.Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            try ScratchSigningKey.writeAllowedSigners([alice, dba], to: state + "/allowed_signers")
            try ScratchSigningKey.writeAllowedSigners([dba], to: state + "/approvers")
            let config = state + "/enginesync.yaml"
            try """
            repo: \(remote.bare.path)
            database: "\(database.dsn)"
            state_dir: \(state)
            require_signed_commits: true
            allowed_signers_file: \(state)/allowed_signers
            migration_approvers_file: \(state)/approvers

            """.write(toFile: config, atomically: true, encoding: .utf8)
            let once = ["run", "--once", "--config", config]
            remote.work.signingKey = alice.privateKey
            try remote.push(["dsl/models/post.json": Self.post], message: "create")
            #expect(try EngineSyncBinary.run(once).status == 0)
            let migration = "INSERT INTO post (title) VALUES ('approved');\n"
            try remote.push(["migrations/0001_seed.sql": migration], message: "seed")
            let waiting = try EngineSyncBinary.run(once)
            #expect(waiting.status == 2, "\(waiting.stdout) \(waiting.stderr)")
            let status = try EngineSyncBinary.run(["status", "--config", config])
            #expect(
                status.stdout.contains("trust: migration 0001_seed needs approval"), "\(status.stdout) \(status.stderr)"
            )
            let plan = try EngineSyncBinary.run([
                "plan", "--repo", remote.bare.path, "--database", database.dsn,
                "--allowed-signers-file", state + "/allowed_signers",
                "--migration-approvers-file", state + "/approvers",
            ])
            #expect(plan.status == 2)
            #expect(plan.stdout.contains("unapproved_migration 0001_seed"), "\(plan.stdout)")

            remote.work.signingKey = dba.privateKey
            let checksum = ScratchSigningKey.migrationChecksum(migration)
            let approval = try remote.push([:], message: "approve\n\nApprove-Migration: 0001_seed sha256:\(checksum)")
            let ran = try EngineSyncBinary.run(once)
            #expect(ran.status == 0, "\(ran.stdout) \(ran.stderr)")
            let report = try String(contentsOfFile: "\(state)/reports/\(approval).json", encoding: .utf8)
            #expect(report.contains("\"via\" : \"trailer\""))
            #expect(try connection.query("SELECT count(*)::int AS n FROM post").first?.int("n") == 1)
        }
    }

    /// The daemon skips an untrusted tip (report, metrics, STATUS=), reconciles the next trusted one, and a
    /// SIGHUP reload of the signers file revokes a key, or restores it and retries the waiting tip.
    @Test func theDaemonWaitsForATrustedTipAndReloadsTheSignersFileOnSIGHUP() throws {
        try ScratchDatabase.with { database, connection in
            let alice = try ScratchSigningKey(principal: "alice@example.com")
            let bob = try ScratchSigningKey(principal: "bob@example.com")
            let remote = try DaemonProcessTests.Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let signers = state + "/allowed_signers"
            try ScratchSigningKey.writeAllowedSigners([alice, bob], to: signers)
            let metrics = state + "/enginesync.prom"
            let config = state + "/enginesync.yaml"
            try """
            repo: \(remote.bare.path)
            database: "\(database.dsn)"
            state_dir: \(state)
            poll_interval: 60s
            metrics_file: \(metrics)
            require_signed_commits: true
            allowed_signers_file: \(signers)

            """.write(toFile: config, atomically: true, encoding: .utf8)
            func report(_ sha: String) -> String {
                (try? String(contentsOfFile: "\(state)/reports/\(sha).json", encoding: .utf8)) ?? ""
            }
            func metric(_ outcome: String) -> Bool {
                ((try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "").contains(
                    "enginesync_last_reconcile_outcome{outcome=\"\(outcome)\"} 1")
            }

            remote.work.signingKey = alice.privateKey
            let first = try remote.push(["dsl/models/post.json": Self.post], message: "create")
            let listener = try NotifyListener(path: state + "/notify.sock")
            let daemon = try DaemonProcess(
                arguments: ["run", "--config", config], environment: ["NOTIFY_SOCKET": listener.path],
                log: state + "/daemon.log")
            defer { daemon.kill() }
            #expect(listener.waitFor("READY=1", timeout: 20))
            #expect(waitUntil(timeout: 20) { report(first).contains("\"outcome\" : \"synced\"") })
            #expect(report(first).contains("\"signer\" : \"alice@example.com\""))

            remote.work.signingKey = nil
            let unsigned = try remote.push(["dsl/models/post.json": Self.postWithBody], message: "unsigned")
            #expect(waitUntil(timeout: 20) { report(unsigned).contains("\"outcome\" : \"untrusted\"") })
            #expect(waitUntil(timeout: 10) { metric("untrusted") })
            #expect(
                listener.waitFor(
                    "STATUS=commit \(unsigned.prefix(12)) untrusted: commit \(unsigned.prefix(12)) is not trusted",
                    timeout: 10),
                "\(listener.receivedText)")
            #expect(
                try connection.query(
                    "SELECT count(*)::int AS n FROM pg_catalog.pg_attribute WHERE attrelid = 'public.post'::regclass "
                        + "AND attname = 'body'"
                ).first?.int("n") == 0)

            remote.work.signingKey = bob.privateKey
            let byBob = try remote.push(["dsl/models/post.json": Self.postWithBody], message: "bob")
            #expect(waitUntil(timeout: 20) { report(byBob).contains("\"outcome\" : \"synced\"") })
            #expect(waitUntil(timeout: 10) { metric("synced") })

            // Bob's key is removed from the file: after SIGHUP his next push is not trusted.
            try ScratchSigningKey.writeAllowedSigners([alice], to: signers)
            kill(daemon.process.processIdentifier, SIGHUP)
            #expect(listener.waitFor("RELOADING=1", timeout: 10))
            let revoked = try remote.push(["README.md": "bob again"], message: "bob again")
            #expect(waitUntil(timeout: 20) { report(revoked).contains("\"outcome\" : \"untrusted\"") })
            #expect(report(revoked).contains("unknown_key"))

            // Restored: the reload retries the waiting tip without a new push.
            try ScratchSigningKey.writeAllowedSigners([alice, bob], to: signers)
            kill(daemon.process.processIdentifier, SIGHUP)
            #expect(
                waitUntil(timeout: 20) { report(revoked).contains("\"outcome\" : \"synced\"") }, "\(report(revoked))")
            #expect(daemon.terminate() == 0)
        }
    }
}
