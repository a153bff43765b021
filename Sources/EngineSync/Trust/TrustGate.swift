import EngineSyncCore
import Foundation
import GitClient
import TextAlgorithms

/// Reads what trust needs from the repository and asks `SignatureVerifier`: the tip's signature against
/// `allowed_signers_file`, and for each pending migration whether an approver signed the change that wrote its
/// current content or an `Approve-Migration` trailer naming its checksum (issue 15).
///
/// Not `Sendable`: it reads a `GitRepository`, which lives in one task. Verdicts are cached per commit for
/// one reconcile only, so a reloaded signers file always counts.
final class TrustGate {
    let settings: TrustSettings
    private let verifier: SignatureVerifier
    private var approverVerdicts: [ObjectID: SignatureVerdict] = [:]

    init(settings: TrustSettings) {
        self.settings = settings
        verifier = SignatureVerifier(settings: settings)
    }

    /// The tip's signature against `allowed_signers_file` (and `gpg_keyring_file`); `nil` when neither is set.
    func commitVerdict(repository: GitRepository, commit: ObjectID) throws -> SignatureVerdict? {
        guard settings.allowedSigners != nil || settings.gpgKeyringFile != nil else { return nil }
        return try verifier.verify(repository.signature(of: commit), signers: settings.allowedSigners)
    }

    /// Approvals of `migrations` (in run order) at `tip`; empty when `migration_approvers_file` is not set.
    func approvals(repository: GitRepository, tip: ObjectID, migrations: [Migration]) throws -> [MigrationApproval] {
        guard let approvers = settings.migrationApprovers, !migrations.isEmpty else { return [] }
        let history = try repository.commits(from: tip, excluding: nil, limit: settings.historyLimit)
        var trailers: [String: [ObjectID]]?
        var result: [MigrationApproval] = []
        for migration in migrations {
            var approval = MigrationApproval(id: migration.id, file: migration.file, checksum: migration.checksum)
            guard let file = migration.file, let checksum = migration.checksum else {
                approval.missing = "not read from the repository, so no commit can approve it"
                result.append(approval)
                continue
            }
            var missing: [String] = []
            if let change = try lastChange(of: file, in: history, repository: repository, tip: tip) {
                let verdict = try approverVerdict(change, repository: repository, approvers: approvers)
                if verdict.isTrusted {
                    approval.approvedBy = verdict.signedBy ?? "an approver"
                    approval.approvingCommit = change.hex
                    approval.via = .signedChange
                } else {
                    missing.append("its last change \(change.short) is \(Self.describe(verdict, approvers: approvers))")
                }
            } else {
                missing.append("the commit that wrote it is not within the last \(settings.historyLimit) commits")
            }
            if !approval.isApproved {
                if trailers == nil { trailers = try Self.trailerIndex(history, repository: repository) }
                for candidate in trailers?[Self.trailerKey(migration.id, checksum)] ?? [] {
                    let verdict = try approverVerdict(candidate, repository: repository, approvers: approvers)
                    if verdict.isTrusted {
                        approval.approvedBy = verdict.signedBy ?? "an approver"
                        approval.approvingCommit = candidate.hex
                        approval.via = .trailer
                        break
                    }
                    missing.append(
                        "the trailer in \(candidate.short) is \(Self.describe(verdict, approvers: approvers))")
                }
            }
            if !approval.isApproved { approval.missing = missing.joined(separator: "; ") }
            result.append(approval)
        }
        return result
    }

    /// The newest commit that gave `file` its content at `tip`: its entry equals the tip's and no parent's does.
    private func lastChange(
        of file: String, in history: [ObjectID], repository: GitRepository,
        tip: ObjectID
    ) throws -> ObjectID? {
        guard let current = try repository.entryID(commit: tip, path: file) else { return nil }
        for id in history {
            guard try repository.entryID(commit: id, path: file) == current else { continue }
            let parents = try repository.commit(id).parentIDs
            if try parents.allSatisfy({ try repository.entryID(commit: $0, path: file) != current }) { return id }
        }
        return nil
    }

    private func approverVerdict(
        _ commit: ObjectID, repository: GitRepository,
        approvers: AllowedSigners
    ) throws -> SignatureVerdict {
        if let known = approverVerdicts[commit] { return known }
        // Approvals are SSH signatures checked against the approvers file (an OpenPGP one is judged by the
        // keyring, which says nothing about who approves: it does not count).
        var verdict = try verifier.verify(repository.signature(of: commit), signers: approvers)
        if verdict.format == .openpgp, verdict.isTrusted {
            verdict = SignatureVerdict(
                state: .unverifiable, format: .openpgp, key: verdict.key,
                reason: "an OpenPGP signature; approvals need an SSH signature by a key in the approvers file")
        }
        approverVerdicts[commit] = verdict
        return verdict
    }

    static func describe(_ verdict: SignatureVerdict, approvers: AllowedSigners) -> String {
        switch verdict.state {
        case .trusted: "signed by an approver"
        case .unsigned: "not signed"
        case .unknownKey: "signed by \(verdict.key ?? "a key"), which is not in \(approvers.file)"
        case .invalidSignature, .unverifiable: "not verifiable: \(verdict.reason)"
        }
    }

    static func trailerKey(_ id: String, _ checksum: String) -> String { id + "\u{0}" + checksum.lowercased() }

    /// Commits (newest first) by the approvals their messages carry.
    static func trailerIndex(_ history: [ObjectID], repository: GitRepository) throws -> [String: [ObjectID]] {
        var index: [String: [ObjectID]] = [:]
        for id in history {
            let message = try repository.commit(id).message
            guard message.containsText(ApprovalTrailer.key, ignoringCase: true) else { continue }
            for approval in ApprovalTrailer.parse(message) {
                index[trailerKey(approval.id, approval.checksum), default: []].append(id)
            }
        }
        return index
    }
}
