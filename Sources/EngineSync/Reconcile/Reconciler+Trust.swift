import EngineSyncCore
import Foundation
import GitClient
import Logging
import PostgresClient

/// The two trust steps of a reconcile (issue 15), kept out of `Reconciler`'s body: the signature gate before
/// anything reaches the database, and the approval gate before migrations run.
extension Reconciler {
    /// Checks the commit's signature; returns the outcome that ends the reconcile (`untrusted`, or `failed`
    /// when the verifier itself could not run), or `nil` to go on. Records the verdict in the report.
    func checkCommitTrust(_ input: SourceInput, draft: inout ReportDraft) -> ReconcileOutcome? {
        let settings = options.trust
        guard settings.isActive else { return nil }
        draft.trust = ReconcileReport.Trust(required: settings.requireSignedCommits)
        guard let repository = input.repository, let commit = input.commit else {
            // A directory has no commits, hence no signatures and no approvals.
            guard settings.requireSignedCommits || settings.migrationApprovers != nil else { return nil }
            draft.errors.append(
                .init(
                    code: "untrusted_commit",
                    message: "a directory source has no signed commits; "
                        + "require_signed_commits and migration_approvers_file need a git repository"))
            return .untrusted
        }
        let verdict: SignatureVerdict?
        do {
            verdict = try TrustGate(settings: settings).commitVerdict(repository: repository, commit: commit.id)
        } catch {
            let message = ReconcileReport.Message(
                code: "signature_check_failed",
                message: "cannot check the signature of "
                    + "commit \(commit.id.short): \(error)")
            // Required: no verdict, no reconcile (retried, since the tool failed, not the commit). Otherwise the
            // signature was only being shown.
            guard settings.requireSignedCommits else {
                draft.warnings.append(message)
                return nil
            }
            draft.errors.append(message)
            return .failed
        }
        draft.trust?.signature = verdict
        logger.info(
            "commit signature checked",
            metadata: [
                "git.commit": "\(commit.id.hex)", "trust.state": "\(verdict?.state.rawValue ?? "unchecked")",
                "trust.signer": "\(verdict?.signedBy ?? "")",
            ])
        switch CommitTrustPolicy.decide(
            required: settings.requireSignedCommits, verdict: verdict, commit: commit.id.short)
        {
        case .proceed:
            return nil
        case .refuse(let message):
            draft.errors.append(.init(code: "untrusted_commit", message: message))
            return .untrusted
        }
    }

    /// The migrations allowed to run: all of them unless `migration_approvers_file` is set; then the pending
    /// ones stop before the first unapproved one, which is reported as blocked (`unapproved_migration`).
    /// Migrations already applied are never re-judged.
    func approvedMigrations(
        _ set: MigrationSet, input: SourceInput, session: DatabaseSession,
        draft: inout ReportDraft
    ) throws -> MigrationSet {
        guard options.trust.migrationApprovers != nil, let repository = input.repository, let commit = input.commit
        else {
            return set
        }
        let status: MigrationStatus
        do {
            status = try MigrationRunner(session: session, set: set, options: MigrationRunnerOptions(logger: logger))
                .status()
        } catch let error as MigrationError where error.kind == .invalid {
            // Duplicate or malformed ids: the runner refuses the set before running anything and reports it.
            return set
        }
        let byID = Dictionary(set.migrations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let pending = status.pending.compactMap { byID[$0] }
        let approvals = try TrustGate(settings: options.trust).approvals(
            repository: repository, tip: commit.id,
            migrations: pending)
        if draft.trust == nil { draft.trust = ReconcileReport.Trust(required: options.trust.requireSignedCommits) }
        draft.trust?.approvals = approvals
        let byApproval = Dictionary(approvals.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        guard let blockedID = MigrationApproval.firstUnapproved(pending: pending.map(\.id), approvals: byApproval),
            let blocked = byApproval[blockedID]
        else { return set }
        draft.blocked.append(blocked.blockedChange)
        let held = Set(pending.map(\.id).filter { !idPrecedes($0, blockedID) })
        logger.warning(
            "migration not approved; it and later migrations wait",
            metadata: [
                "migration.id": "\(blockedID)", "migration.held": "\(held.count)",
            ])
        var allowed = set
        allowed.migrations.removeAll { held.contains($0.id) }
        draft.context.migrations.pending = pending.map(\.id).filter { held.contains($0) }
        return allowed
    }
}
