/// The decision `require_signed_commits` makes about a commit's signature verdict (issue 15), as a value so
/// the rule is tested without keys or a database.
public enum CommitTrustPolicy {
    public enum Decision: Equatable, Sendable {
        /// Reconcile; `signer` is who signed (for the report), if anyone trusted did.
        case proceed
        /// Do not reconcile: the outcome is `untrusted`, with this message (commit, signer if any, reason).
        case refuse(message: String)
    }

    /// - Parameters:
    ///   - required: `require_signed_commits`.
    ///   - verdict: the signature check, `nil` when no signers file is configured.
    ///   - commit: the commit's short sha, for the message.
    public static func decide(required: Bool, verdict: SignatureVerdict?, commit: String) -> Decision {
        guard required else { return .proceed }
        guard let verdict else {
            return .refuse(
                message: "commit \(commit) cannot be checked: require_signed_commits is set without an "
                    + "allowed_signers_file or gpg_keyring_file")
        }
        if verdict.isTrusted { return .proceed }
        let by = verdict.signedBy.map { " (signed by \($0))" } ?? ""
        return .refuse(message: "commit \(commit) is not trusted\(by): \(verdict.reason)")
    }
}
