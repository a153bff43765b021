import EngineSync
package import EngineSyncCore

/// A Prometheus text-exposition file for node_exporter's textfile collector (SPEC 8 "Metrics").
///
/// Written by hand rather than through swift-prometheus: that library's registry is built for a
/// long-lived scrape endpoint, so the `enginesync_info{commit=…}` series of a previous commit would
/// stay registered (and be exported) until explicitly unregistered, and the exact bytes of the file —
/// which node_exporter parses and the tests compare — would depend on the library's formatting. Seven
/// gauges are a few lines of text; the format rules that matter (HELP/TYPE lines, label escaping,
/// one trailing newline) are implemented in `render`.
///
/// The file is replaced atomically with mode 0644 (node_exporter runs as another user and must never
/// read a half-written file: it rejects the whole directory's metrics then).
package struct MetricsTextFile: Sendable {
    /// Every outcome gets a series, 1 for the current one and 0 for the others, so alerts can use
    /// `enginesync_last_reconcile_outcome{outcome="failed"} == 1` without absent-series tricks.
    package static let outcomes = ReconcileOutcome.allCases

    package let path: String

    package init(path: String) {
        self.path = path
    }

    /// Renders and atomically replaces the file.
    package func write(_ snapshot: MetricsSnapshot) throws {
        try AtomicFileWriter.write(Array(Self.render(snapshot).utf8), to: path, mode: 0o644)
    }

    /// A fleet's file (issue 17): every series once per target, labelled `target="<name>"`.
    package func write(targets: [(name: String, snapshot: MetricsSnapshot)]) throws {
        try AtomicFileWriter.write(Array(Self.render(targets: targets).utf8), to: path, mode: 0o644)
    }

    /// The exposition text, deterministic for a given snapshot: the single database's series, unlabelled.
    package static func render(_ snapshot: MetricsSnapshot) -> String {
        render([(nil, snapshot)])
    }

    /// The exposition text of a fleet, one `target` label value per target, in the order given.
    package static func render(targets: [(name: String, snapshot: MetricsSnapshot)]) -> String {
        render(targets.map { (Optional($0.name), $0.snapshot) })
    }

    private static func render(_ series: [(target: String?, snapshot: MetricsSnapshot)]) -> String {
        var lines: [String] = []
        /// `{target="eu",outcome="synced"}`, `{outcome="synced"}`, `{target="eu"}` or nothing.
        func labels(_ target: String?, _ extra: String? = nil) -> String {
            let all = [target.map { "target=\"\(escape($0))\"" }, extra].compactMap { $0 }
            return all.isEmpty ? "" : "{" + all.joined(separator: ",") + "}"
        }
        func gauge(
            _ name: String, _ help: String, _ samples: (String?, MetricsSnapshot) -> [(labels: String, value: String)]
        ) {
            let rendered = series.flatMap { samples($0.target, $0.snapshot) }
            guard !rendered.isEmpty else { return }
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            for sample in rendered { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        gauge("enginesync_last_reconcile_timestamp_seconds", "Unix time when the last reconcile attempt finished.") {
            [(labels($0), format($1.lastReconcileTimestamp))]
        }
        gauge(
            "enginesync_last_reconcile_outcome", "1 for the outcome of the last reconcile attempt, 0 for the others."
        ) { target, snapshot in
            Self.outcomes.map { (labels(target, "outcome=\"\($0.rawValue)\""), $0 == snapshot.outcome ? "1" : "0") }
        }
        gauge("enginesync_last_reconcile_duration_seconds", "Duration of the last reconcile attempt.") {
            [(labels($0), format(seconds($1.lastReconcileDuration)))]
        }
        gauge("enginesync_applied_changes", "Changes applied by the last reconcile.") {
            [(labels($0), String($1.appliedChanges))]
        }
        gauge("enginesync_blocked_changes", "Changes blocked (not applied) by the last reconcile.") {
            [(labels($0), String($1.blockedChanges))]
        }
        gauge("enginesync_consecutive_failures", "Reconcile attempts that failed in a row.") {
            [(labels($0), String($1.consecutiveFailures))]
        }
        gauge("enginesync_info", "The last reconciled commit.") { target, snapshot in
            snapshot.commit.map { [(labels(target, "commit=\"\(escape($0))\""), "1")] } ?? []
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Integral values without a fraction, others with Swift's shortest round-tripping form.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Label-value escaping from the exposition format: backslash, double quote and line feed.
    static func escape(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
