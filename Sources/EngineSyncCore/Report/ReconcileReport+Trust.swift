extension ReconcileReport {
    /// The report's `trust` object (issue 15): the commit's signature and the pending migrations' approvals.
    public struct Trust: Codable, Hashable, Sendable {
        /// `require_signed_commits` was set.
        public var required: Bool
        /// The tip's signature; `nil` when no allowed_signers_file is configured.
        public var signature: SignatureVerdict?
        /// Pending migrations checked against `migration_approvers_file`; `nil` when it is not configured.
        public var approvals: [MigrationApproval]?

        public init(required: Bool, signature: SignatureVerdict? = nil, approvals: [MigrationApproval]? = nil) {
            self.required = required
            self.signature = signature
            self.approvals = approvals
        }

        /// One line per fact, for text reports and `status`: signed by whom, approved by whom, what is missing.
        public var lines: [String] {
            var lines: [String] = []
            if let signature {
                switch signature.state {
                case .trusted: lines.append("signed by \(signature.signedBy ?? "a trusted key")")
                default:
                    lines.append(
                        "not trusted: \(signature.reason)" + (signature.signedBy.map { " (signed by \($0))" } ?? ""))
                }
            } else if required {
                lines.append("signature not checked")
            }
            for approval in approvals ?? [] {
                if let by = approval.approvedBy {
                    let how = approval.via == .trailer ? "by trailer in" : "signed change"
                    lines.append(
                        "migration \(approval.id) approved by \(by) (\(how) \(approval.approvingCommit?.prefix(12) ?? ""))"
                    )
                } else {
                    lines.append(
                        "migration \(approval.id) needs approval: \(approval.missing ?? "unapproved"); add \"\(approval.trailer)\""
                    )
                }
            }
            return lines
        }
    }
}
