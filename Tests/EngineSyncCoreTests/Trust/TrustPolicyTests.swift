import EngineSyncCore
import Foundation
import Testing

/// The pure half of issue 15: the allowed_signers parser, the approval trailer, the decisions.
@Suite("Trust: allowed_signers, approval trailers, decisions")
struct TrustPolicyTests {
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII5aK0Bdl8bNwaYPPmknHB6syaW9Ykzzz1/VtD4I8+k8"

    @Test func parsesPrincipalsOptionsCommentsAndBlankLines() throws {
        let text = """
            # developers
            alice@example.com \(Self.ed25519) alice's laptop

            bob@example.com,"*@ops.example.com" namespaces="git,file",valid-after="20240101" \(Self.ed25519)
            """
        let signers = try AllowedSigners.parse(text, file: "/etc/enginesync/allowed_signers")
        #expect(signers.entries.count == 2)
        #expect(signers.entries[0].principals == ["alice@example.com"])
        #expect(signers.entries[0].line == 2)
        #expect(signers.entries[1].principals == ["bob@example.com", "*@ops.example.com"])
        #expect(signers.entries[1].options == [#"namespaces="git,file""#, #"valid-after="20240101""#])
        #expect(signers.entries[1].line == 4)
        #expect(signers.text == text)
        #expect(try AllowedSigners.parse("# nobody yet\n", file: "f").entries.isEmpty)
    }

    @Test(arguments: [
        ("alice@example.com\n", "expected \"principals [options] key-type base64-key\""),
        ("alice@example.com ssh-ed25519 not-base64!\n", "not valid base64"),
        (
            "alice@example.com ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAII5aK0Bdl8bNwaYPPmknHB6syaW9Ykzzz1/VtD4I8+k8\n",
            "is a ssh-ed25519 key but the line says ssh-rsa"
        ),
        ("alice@example.com ssh-foo AAAA AAAA\n", "unknown option \"ssh-foo\""),
        (
            "alice@example.com bogus=1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII5aK0Bdl8bNwaYPPmknHB6syaW9Ykzzz1/VtD4I8+k8\n",
            "unknown option \"bogus\""
        ),
        (#"alice@example.com namespaces="git ssh-ed25519 AAAA"#, "unterminated quote"),
    ])
    func malformedLinesAreNamedByFileAndLine(line: String, message: String) {
        let text = "# header\n\n" + line
        #expect {
            _ = try AllowedSigners.parse(text, file: "/etc/enginesync/allowed_signers")
        } throws: { error in
            guard let error = error as? AllowedSignersError else { return false }
            return error.line == 3 && error.file == "/etc/enginesync/allowed_signers" && error.message.contains(message)
                && error.description.hasPrefix("/etc/enginesync/allowed_signers:3: ")
        }
    }

    @Test func approvalTrailersAreReadWithTheirChecksum() {
        let checksum = String(repeating: "ab", count: 32)
        let message = """
            Approve the users backfill

            Reviewed-by: dba@example.com
            Approve-Migration: 0002_backfill sha256:\(checksum)
            approve-migration:   0003_drop   SHA256:\(checksum.uppercased())
            Approve-Migration: 0004_short sha256:abcd
            Approve-Migration: 0005_nochecksum
            """
        let approvals = ApprovalTrailer.parse(message)
        #expect(approvals.map(\.id) == ["0002_backfill", "0003_drop"])
        #expect(approvals.allSatisfy { $0.checksum == checksum })
        #expect(
            ApprovalTrailer.line(id: "0002_backfill", checksum: checksum)
                == "Approve-Migration: 0002_backfill sha256:\(checksum)")
    }

    @Test func theFirstUnapprovedMigrationHoldsBackEverythingAfterIt() {
        let approved = MigrationApproval(id: "0001", checksum: "a", approvedBy: "dba@example.com", via: .signedChange)
        let missing = MigrationApproval(
            id: "0002", file: "migrations/0002.sql", checksum: "b", missing: "its last change abc is not signed")
        let approvals = [
            "0001": approved, "0002": missing,
            "0003": MigrationApproval(id: "0003", checksum: "c", approvedBy: "dba", via: .trailer),
        ]
        #expect(MigrationApproval.firstUnapproved(pending: ["0001", "0002", "0003"], approvals: approvals) == "0002")
        #expect(MigrationApproval.firstUnapproved(pending: ["0001", "0003"], approvals: approvals) == nil)
        #expect(MigrationApproval.firstUnapproved(pending: ["0001", "0009"], approvals: approvals) == "0009")
        let blocked = missing.blockedChange
        #expect(blocked.kind == "unapproved_migration")
        #expect(blocked.reason?.contains("Approve-Migration: 0002 sha256:b") == true)
        #expect(ReconcileReport.dataDependentKinds.contains(blocked.kind))
    }

    @Test func requiredSignaturesRefuseEverythingButATrustedVerdict() {
        let trusted = SignatureVerdict(
            state: .trusted, format: .ssh, signer: "alice@example.com", key: "SHA256:x", reason: "good")
        let unknown = SignatureVerdict(
            state: .unknownKey, format: .ssh, key: "SHA256:y", reason: "signed by a key that f does not list")
        #expect(CommitTrustPolicy.decide(required: true, verdict: trusted, commit: "abc") == .proceed)
        #expect(CommitTrustPolicy.decide(required: false, verdict: unknown, commit: "abc") == .proceed)
        #expect(
            CommitTrustPolicy.decide(required: true, verdict: unknown, commit: "abc")
                == .refuse(
                    message: "commit abc is not trusted (signed by SHA256:y): signed by a key that f does not list"))
        #expect(
            CommitTrustPolicy.decide(required: true, verdict: .unsigned, commit: "abc")
                == .refuse(message: "commit abc is not trusted: the commit is not signed"))
        guard case .refuse = CommitTrustPolicy.decide(required: true, verdict: nil, commit: "abc") else {
            Issue.record("no signers file must refuse")
            return
        }
    }

    @Test func signatureFormatsAreToldApartByTheirArmour() {
        #expect(SignatureVerdict.Format.detect("-----BEGIN SSH SIGNATURE-----\nU1NI") == .ssh)
        #expect(SignatureVerdict.Format.detect("-----BEGIN PGP SIGNATURE-----\n") == .openpgp)
        #expect(SignatureVerdict.Format.detect("-----BEGIN SIGNED MESSAGE-----\n") == .x509)
        #expect(SignatureVerdict.Format.detect("garbage") == .unknown)
    }

    @Test func reportsCarryTrustOnlyWhenChecked() throws {
        var report = ReconcileReport(outcome: .untrusted, startedAt: "t", finishedAt: "t", durationMs: 0)
        #expect(!String(decoding: try report.jsonData(), as: UTF8.self).contains("\"trust\""))
        report.trust = ReconcileReport.Trust(
            required: true,
            signature: SignatureVerdict(
                state: .trusted, format: .ssh, signer: "alice@example.com", key: "SHA256:x", reason: "good"))
        let decoded = try ReconcileReport.decode(try report.jsonData())
        #expect(decoded.trust == report.trust)
        #expect(decoded.outcome == .untrusted)
        #expect(report.text(dryRun: false).contains("trust: signed by alice@example.com (SHA256:x)"))
        #expect(report.markdown.contains("- Trust: signed by alice@example.com"))
        #expect(ReconcileOutcome.untrusted.exitCode == 1)
    }
}
