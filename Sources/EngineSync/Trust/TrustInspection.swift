package import EngineSyncCore
package import GitClient

/// The trust state of a commit for `validate` and `status` (issue 15): who signed it and who approved which
/// migrations, without a reconcile. The same `TrustGate` the reconciler uses, so what they show is what a
/// reconcile would decide.
package enum TrustInspection {
    /// - Parameters:
    ///   - migrations: the migrations whose approval to show (`status`: the pending ones; `validate`: all).
    /// - Returns: the trust state, and the refusal message when `require_signed_commits` would make the commit
    ///   `untrusted`.
    package static func inspect(
        repository: GitRepository, commit: ObjectID, migrations: [Migration],
        settings: TrustSettings
    ) throws -> (trust: ReconcileReport.Trust, refusal: String?) {
        let gate = TrustGate(settings: settings)
        var trust = ReconcileReport.Trust(required: settings.requireSignedCommits)
        trust.signature = try gate.commitVerdict(repository: repository, commit: commit)
        if settings.migrationApprovers != nil {
            trust.approvals = try gate.approvals(repository: repository, tip: commit, migrations: migrations)
        }
        let refusal: String? =
            switch CommitTrustPolicy.decide(
                required: settings.requireSignedCommits,
                verdict: trust.signature, commit: commit.short)
            {
            case .proceed: nil
            case .refuse(let message): message
            }
        return (trust, refusal)
    }
}
