import Foundation
import TextAlgorithms

/// Whether a pending migration may run under `migration_approvers_file` (issue 15): approved when the commit
/// that last changed its file is signed by an approver, or a commit on the branch signed by an approver carries
/// `Approve-Migration: <id> sha256:<checksum>`. The checksum ties the approval to the file's content, so an
/// edit voids it.
public struct MigrationApproval: Codable, Hashable, Sendable {
    public enum Via: String, Codable, Hashable, Sendable {
        /// The commit that wrote the file's current content is signed by an approver.
        case signedChange = "signed_change"
        /// An approver's signed commit carries the trailer.
        case trailer
    }

    public var id: String
    public var file: String?
    /// The migration's SHA-256 (`engine_migrations.checksum`), which the trailer names.
    public var checksum: String?
    /// The approver (principal and key) when approved.
    public var approvedBy: String?
    /// The commit whose signature approved it.
    public var approvingCommit: String?
    public var via: Via?
    /// Why it is not approved (unsigned change, signer not an approver, …); `nil` when approved.
    public var missing: String?

    public init(
        id: String, file: String? = nil, checksum: String? = nil, approvedBy: String? = nil,
        approvingCommit: String? = nil, via: Via? = nil, missing: String? = nil
    ) {
        self.id = id
        self.file = file
        self.checksum = checksum
        self.approvedBy = approvedBy
        self.approvingCommit = approvingCommit
        self.via = via
        self.missing = missing
    }

    public var isApproved: Bool { approvedBy != nil }

    /// The trailer line an approver adds (in an empty commit is enough) to approve this content.
    public var trailer: String { ApprovalTrailer.line(id: id, checksum: checksum ?? "") }

    enum CodingKeys: String, CodingKey {
        case id, file, checksum, via, missing
        case approvedBy = "approved_by"
        case approvingCommit = "approving_commit"
    }

    /// The first pending migration (in run order) that is not approved: it and everything after it wait.
    /// `pending` is in run order; a migration with no approval entry is treated as unapproved.
    public static func firstUnapproved(pending: [String], approvals: [String: MigrationApproval]) -> String? {
        pending.first { approvals[$0]?.isApproved != true }
    }

    /// The report's blocked entry for an unapproved migration: its reason names what is missing and the trailer.
    public var blockedChange: ReconcileReport.Change {
        ReconcileReport.Change(
            kind: Self.blockedKind, table: id,
            reason: "migration \(id) is not approved: \(missing ?? "no approver signed it"); "
                + "an approver signs a commit (an empty one is enough) with the trailer \"\(trailer)\"")
    }

    /// `ReconcileReport.Change.kind` of a migration held back for approval.
    public static let blockedKind = "unapproved_migration"
}

/// The `Approve-Migration: <id> sha256:<checksum>` trailer of an approval commit.
public enum ApprovalTrailer {
    public static let key = "Approve-Migration"

    public static func line(id: String, checksum: String) -> String { "\(key): \(id) sha256:\(checksum)" }

    /// Every (id, checksum) a commit message approves. Lines anywhere in the message count (git's trailer
    /// rules would need the last paragraph; a looser reading approves nothing extra, since the signature and
    /// the checksum are what bind the approval). The key is case-insensitive like git's trailers.
    public static func parse(_ message: String) -> [(id: String, checksum: String)] {
        var result: [(id: String, checksum: String)] = []
        for rawLine in message.split(separator: "\n") {
            let line = rawLine.trimmingWhitespace()
            guard let colon = line.firstIndex(of: ":"),
                line[..<colon].trimmingWhitespace().lowercased() == key.lowercased()
            else { continue }
            let fields = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2, fields[1].lowercased().hasPrefix("sha256:") else { continue }
            let checksum = fields[1].dropFirst("sha256:".count).lowercased()
            guard checksum.count == 64, checksum.allSatisfy({ $0.isHexDigit }) else { continue }
            result.append((String(fields[0]), String(checksum)))
        }
        return result
    }
}
