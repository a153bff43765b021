import EngineSync
import EngineSyncCore
import Foundation
import GitClient
import Logging

extension DaemonReconciler {
    /// The step of a target whose canary has not synced the tip yet (`after:`, issue 17): nothing is read from
    /// or written to the database; a `skipped` report with a `held_by_rollout` warning says what the target
    /// waits for, written once per tip and reason (not before the canary's first step since the start, which
    /// usually settles it at once).
    func held(tip: ObjectID, in repository: GitRepository, reason: String, reportIt: Bool) -> ReconcileSummary {
        var summary = ReconcileSummary(commit: tip.hex, outcome: .skipped, idle: true, hold: reason)
        guard reportIt, lastHold.map({ $0.tip != tip.hex || $0.reason != reason }) ?? true else { return summary }
        lastHold = (tip.hex, reason)
        summary.idle = false
        logger.notice("held by the rollout", metadata: ["git.commit": "\(tip.hex)", "rollout.reason": "\(reason)"])
        let now = Date()
        var commit = ReconcileReport.CommitInfo(sha: tip.hex, short: String(tip.hex.prefix(12)))
        if let value = try? repository.commit(tip) {
            commit.author = "\(value.author.name) <\(value.author.email)>"
            commit.time = ReportDraft.timestamp(value.author.time)
            commit.subject = value.subject
        }
        let report = ReconcileReport(
            outcome: .skipped, commit: commit, previousCommit: lastSettled, branch: branch,
            startedAt: ReportDraft.timestamp(now), finishedAt: ReportDraft.timestamp(now), durationMs: 0,
            warnings: [.init(code: "held_by_rollout", message: reason)])
        do {
            try reports?.write(name: tip.hex, json: try report.jsonData(), markdown: report.markdown)
        } catch {
            logger.warning("cannot write the held report", metadata: ["report.error": "\(error)"])
        }
        return summary
    }
}
