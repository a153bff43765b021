import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Issue 15 on real keys, real signed commits and real PostgreSQL: only trusted commits reach the database,
/// and migrations run only once an approver signed them.
@Suite("Trust: signed commits and approved migrations, on real PostgreSQL")
struct TrustReconcileTests {
    typealias Story = ReconcileStory

    static let post = #"{"fields": {"title": {"type": "string", "length": 50}}}"#
    static let postWithBody = #"{"fields": {"title": {"type": "string", "length": 50}, "body": {"type": "text"}}}"#

    /// Keys and the signers files naming them.
    final class Keys: @unchecked Sendable {
        let alice: ScratchSigningKey
        let dba: ScratchSigningKey
        let mallory: ScratchSigningKey
        let directory: String

        init() throws {
            alice = try ScratchSigningKey(principal: "alice@example.com")
            dba = try ScratchSigningKey(principal: "dba@example.com")
            mallory = try ScratchSigningKey(principal: "mallory@example.com")
            directory = NSTemporaryDirectory() + "enginesync-signers-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// Trust settings with `signers` allowed to sign and `approvers` to approve.
        func settings(
            signers: [ScratchSigningKey], approvers: [ScratchSigningKey]? = nil,
            require: Bool = true
        ) throws -> TrustSettings {
            let signersPath = directory + "/allowed_signers"
            try ScratchSigningKey.writeAllowedSigners(signers, to: signersPath)
            var settings = TrustSettings(
                requireSignedCommits: require,
                allowedSigners: try AllowedSigners.parse(
                    String(contentsOfFile: signersPath, encoding: .utf8), file: signersPath))
            if let approvers {
                let approversPath = directory + "/approvers"
                try ScratchSigningKey.writeAllowedSigners(approvers, to: approversPath)
                settings.migrationApprovers = try AllowedSigners.parse(
                    String(contentsOfFile: approversPath, encoding: .utf8),
                    file: approversPath)
            }
            settings.sshKeygenPath = try TestEnvironment.sshKeygenExecutable()
            return settings
        }
    }

    static func reconcile(
        _ database: ScratchDatabase, _ repository: ScratchRepository, _ trust: TrustSettings,
        dryRun: Bool = false
    ) -> Reconciler.Result {
        Story.reconcile(database, repository) { options in
            options.trust = trust
            options.safeSync.dryRun = dryRun
        }
    }

    static func tableExists(_ connection: PostgresConnection, _ name: String) throws -> Bool {
        try Story.value(connection, "SELECT pg_catalog.to_regclass('public.\(name)') IS NOT NULL") == "true"
    }

    @Test func unsignedUnknownAndForgedCommitsAreUntrustedAndNeverReachTheDatabase() throws {
        try ScratchDatabase.with { database, connection in
            let keys = try Keys()
            let trust = try keys.settings(signers: [keys.alice])
            let repository = try ScratchRepository()

            let unsigned = try repository.commit(["dsl/models/post.json": Self.post], message: "unsigned")
            let first = Self.reconcile(database, repository, trust)
            #expect(first.report.outcome == .untrusted)
            #expect(first.report.trust?.signature?.state == .unsigned)
            let error = try #require(first.report.errors.first)
            #expect(error.code == "untrusted_commit")
            #expect(error.message.contains("commit \(unsigned.prefix(12))"))
            #expect(error.message.contains("not signed"))
            #expect(try !Self.tableExists(connection, "post"))
            #expect(try !Self.tableExists(connection, "engine_reconciles"))

            try repository.commit(
                ["dsl/models/post.json": Self.postWithBody], message: "by mallory", signedBy: keys.mallory)
            let unknown = Self.reconcile(database, repository, trust)
            #expect(unknown.report.outcome == .untrusted)
            #expect(unknown.report.trust?.signature?.state == .unknownKey)
            #expect(unknown.report.trust?.signature?.key?.hasPrefix("SHA256:") == true)
            #expect(unknown.report.errors.first?.message.contains("signed by SHA256:") == true)
            #expect(try !Self.tableExists(connection, "post"))

            let signed = try repository.commit(
                ["dsl/models/post.json": Self.post], message: "by alice", signedBy: keys.alice)
            let forged = try repository.forge(from: signed, replacing: "by alice", with: "by alice, honestly")
            let refused = Self.reconcile(database, repository, trust)
            #expect(refused.report.commit?.sha == forged)
            #expect(refused.report.outcome == .untrusted)
            #expect(refused.report.trust?.signature?.state == .invalidSignature)
            #expect(try !Self.tableExists(connection, "post"))

            // The same signature on the content it was made for is good: the trusted commit is reconciled.
            try repository.run(["update-ref", "refs/heads/main", signed])
            let trusted = Self.reconcile(database, repository, trust)
            #expect(trusted.report.outcome == .synced, "\(trusted.report.errors)")
            #expect(trusted.report.trust?.signature?.signer == "alice@example.com")
            #expect(trusted.report.text(dryRun: false).contains("trust: signed by alice@example.com (SHA256:"))
            #expect(try Self.tableExists(connection, "post"))
            let logged = try Story.value(
                connection,
                "SELECT report::jsonb #>> '{trust,signature,signer}' FROM engine_reconciles ORDER BY id DESC LIMIT 1")
            #expect(logged == "alice@example.com")
        }
    }

    @Test func openPGPSignaturesAreCheckedWithGpgvWhenAKeyringIsConfigured() throws {
        try ScratchDatabase.with { database, connection in
            let keys = try Keys()
            let carol = try ScratchOpenPGPKey(name: "Carol", email: "carol@example.com")
            let repository = try ScratchRepository()
            repository.signingFormat = "openpgp"
            repository.commitEnvironment = carol.environment
            repository.signingKey = carol.email
            try repository.commit(["dsl/models/post.json": Self.post], message: "by carol")
            repository.signingKey = nil

            var trust = try keys.settings(signers: [keys.alice])
            let unverifiable = Self.reconcile(database, repository, trust)
            #expect(unverifiable.report.outcome == .untrusted)
            #expect(unverifiable.report.trust?.signature?.state == .unverifiable)
            #expect(try !Self.tableExists(connection, "post"))

            trust.gpgKeyringFile = carol.keyring
            let trusted = Self.reconcile(database, repository, trust)
            #expect(trusted.report.outcome == .synced, "\(trusted.report.errors)")
            #expect(trusted.report.trust?.signature?.format == .openpgp)
            #expect(trusted.report.trust?.signature?.signer == "Carol <carol@example.com>")

            // The same commit text with its message changed keeps the signature, which no longer matches.
            let tip = try repository.output(["rev-parse", "HEAD"])
            try repository.forge(from: tip, replacing: "by carol", with: "by carol, surely")
            let forged = Self.reconcile(database, repository, trust)
            #expect(forged.report.outcome == .untrusted)
            #expect(forged.report.trust?.signature?.state == .invalidSignature)
        }
    }

    @Test func aKeyRemovedFromTheSignersFileNoLongerSigns() throws {
        try ScratchDatabase.with { database, _ in
            let keys = try Keys()
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/post.json": Self.post], signedBy: keys.alice)
            #expect(
                Self.reconcile(database, repository, try keys.settings(signers: [keys.alice, keys.dba])).report.outcome
                    == .synced)
            try repository.commit(["dsl/models/post.json": Self.postWithBody], signedBy: keys.alice)
            let revoked = Self.reconcile(database, repository, try keys.settings(signers: [keys.dba]))
            #expect(revoked.report.outcome == .untrusted)
            #expect(revoked.report.trust?.signature?.state == .unknownKey)
        }
    }

    @Test func aMigrationWaitsForAnApproverAndAnEditVoidsTheApproval() throws {
        try ScratchDatabase.with { database, connection in
            let keys = try Keys()
            let trust = try keys.settings(signers: [keys.alice, keys.dba], approvers: [keys.dba])
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/post.json": Self.post], message: "start", signedBy: keys.alice)
            #expect(Self.reconcile(database, repository, trust).report.outcome == .synced)

            // A developer writes two migrations and a safe DSL change: the migrations wait, Safe Sync applies.
            let backfill = "INSERT INTO post (title) VALUES ('backfilled');\n"
            try repository.commit(
                [
                    "migrations/0001_backfill.sql": backfill,
                    "migrations/0002_later.sql": "CREATE TABLE later (id int);\n",
                    "dsl/models/post.json": Self.postWithBody,
                ], message: "backfill", signedBy: keys.alice)
            let waiting = Self.reconcile(database, repository, trust)
            #expect(waiting.report.outcome == .blocked, "\(waiting.report.errors)")
            let blocked = try #require(waiting.report.blocked.first { $0.kind == "unapproved_migration" })
            let checksum = MigrationScript.checksum(bytes: Array(backfill.utf8))
            #expect(blocked.reason?.contains("Approve-Migration: 0001_backfill sha256:\(checksum)") == true)
            #expect(waiting.report.migrations.applied.isEmpty)
            #expect(waiting.report.migrations.pending == ["0001_backfill", "0002_later"])
            #expect(try Story.value(connection, "SELECT count(*) FROM post") == "0")
            #expect(try !Self.tableExists(connection, "later"))
            #expect(try Story.value(connection, Story.columnType("post", "body")) == "text")
            #expect(waiting.report.trust?.approvals?.first?.missing?.contains("dba") == false)

            // The DBA approves the first by trailer, in an empty signed commit; an edit before it runs voids it.
            try repository.commit(
                [:], message: "approve\n\nApprove-Migration: 0001_backfill sha256:\(checksum)", signedBy: keys.dba)
            let edited = "INSERT INTO post (title) VALUES ('edited');\n"
            try repository.commit(["migrations/0001_backfill.sql": edited], message: "tweak", signedBy: keys.alice)
            let voided = Self.reconcile(database, repository, trust)
            #expect(voided.report.outcome == .blocked)
            #expect(voided.report.blocked.first?.kind == "unapproved_migration")
            #expect(
                voided.report.blocked.first?.reason?.contains(MigrationScript.checksum(bytes: Array(edited.utf8)))
                    == true)
            #expect(try Story.value(connection, "SELECT count(*) FROM post") == "0")

            // Approving the edited content lets 0001 run; 0002 (last changed by alice) still waits.
            try repository.commit(
                [:],
                message:
                    "approve again\n\nApprove-Migration: 0001_backfill sha256:\(MigrationScript.checksum(bytes: Array(edited.utf8)))",
                signedBy: keys.dba)
            let approved = Self.reconcile(database, repository, trust)
            #expect(approved.report.outcome == .blocked, "\(approved.report.errors)")
            #expect(approved.report.migrations.applied.map(\.id) == ["0001_backfill"])
            #expect(approved.report.blocked.map(\.table) == ["0002_later"])
            let approval = try #require(approved.report.trust?.approvals?.first { $0.id == "0001_backfill" })
            #expect(approval.via == .trailer)
            #expect(approval.approvedBy?.hasPrefix("dba@example.com") == true)
            #expect(try Story.value(connection, "SELECT string_agg(title, ',') FROM post") == "edited")

            // A change the DBA signs is approved by its own signature.
            try repository.commit(
                ["migrations/0002_later.sql": "CREATE TABLE later (id bigint);\n"], message: "dba rewrites",
                signedBy: keys.dba)
            let done = Self.reconcile(database, repository, trust)
            #expect(done.report.outcome == .synced, "\(done.report.errors) \(done.report.blocked)")
            #expect(done.report.trust?.approvals?.first?.via == .signedChange)
            #expect(try Self.tableExists(connection, "later"))
        }
    }
}
