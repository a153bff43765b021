import EngineSyncCore

/// The systemd `STATUS=` line of a fleet (issue 17), from each target's last step: how many targets are in each
/// state, the commit they share, and for every target that is not synced, its name and why — e.g.
/// `3 targets: 2 synced, 1 failed at 0123456789ab (eu: connection refused)`. Pure.
package enum FleetStatus {
    /// - Parameters:
    ///   - targets: every target in configuration order with its last step (`nil`: none yet).
    ///   - sourceProblem: why the shared fetch of a remote fails, if it does.
    package static func line(targets: [(name: String, summary: ReconcileSummary?)], sourceProblem: String? = nil)
        -> String
    {
        var counts: [(state: String, count: Int)] = []
        func count(_ state: String) {
            if let index = counts.firstIndex(where: { $0.state == state }) {
                counts[index].count += 1
            } else {
                counts.append((state, 1))
            }
        }
        var notes: [String] = []
        for (name, summary) in targets {
            guard let summary else {
                count("starting")
                continue
            }
            let state = summary.hold != nil ? "held" : summary.outcome.rawValue
            count(state)
            if summary.hold == nil, summary.outcome == .synced, summary.errorDescription == nil { continue }
            let reason = summary.hold ?? summary.errorDescription ?? summary.detail
            let text =
                reason.map { $0.count > 80 ? String($0.prefix(77)) + "..." : $0 }
                ?? (summary.outcome == .blocked ? "\(summary.blockedCount) blocked" : state)
            notes.append("\(name): \(text)")
        }
        let order = ["synced", "blocked", "held", "invalid", "untrusted", "failed", "skipped", "standby", "starting"]
        counts.sort {
            (order.firstIndex(of: $0.state) ?? order.count) < (order.firstIndex(of: $1.state) ?? order.count)
        }
        var line =
            "\(targets.count) target\(targets.count == 1 ? "" : "s"): "
            + counts.map { "\($0.count) \($0.state)" }.joined(separator: ", ")
        let commits = Set(targets.compactMap { $0.summary?.commit })
        if commits.count == 1, let commit = commits.first { line += " at \(commit.prefix(12))" }
        if !notes.isEmpty { line += " (\(notes.joined(separator: "; ")))" }
        if let sourceProblem { line += "; source: \(sourceProblem)" }
        return line.count > 480 ? String(line.prefix(477)) + "..." : line
    }
}
