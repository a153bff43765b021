import Foundation
import PostgresClient

/// One database of a fleet (`targets:`, issue 17): its name, the target whose synced commit it waits for
/// (`after`, a staged rollout), and the whole configuration its reconciler uses — the top-level settings with
/// the target's own keys on top, its reports in `reports_dir/<name>/`.
///
/// The name is used in paths and metric labels, so it is a plain identifier (`isValidName`).
package struct DaemonTarget: Sendable, Equatable {
    package var name: String
    /// The target that must have synced a commit before this one reconciles it; `nil`: none.
    package var after: String?
    package var configuration: DaemonConfiguration

    package init(name: String, after: String? = nil, configuration: DaemonConfiguration) {
        self.name = name
        self.after = after
        self.configuration = configuration
    }

    /// The keys a target entry may set besides `name` and `after`: where its database is and the settings that
    /// belong to a database (timeouts, Safe Sync's limits, drift). The repository, branch, paths, polling,
    /// logging, trust, hooks and webhooks are the daemon's, shared by every target.
    package static let keys = [
        "database", "database_password_file", "schema", "lock_timeout", "statement_timeout", "max_rewrite_rows",
        "concurrent_index_rows", "migration_lint", "require_snapshot", "refuse_non_fast_forward", "drift_interval",
        "self_heal", "report_retention",
    ]

    /// Letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters: safe as a directory
    /// name, a metric label value and a word in a log line.
    package static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63 else { return false }
        func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII
                && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar))
        }
        return isAlphanumeric(first)
            && name.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "-" || $0 == "_" }
    }

    /// The reports directory of a target: `<reports_dir>/<name>`.
    package static func reportsDirectory(_ base: String, name: String) -> String {
        (base.hasSuffix("/") ? base : base + "/") + name
    }

    /// The start-up log's view: name, database (secrets removed), schema and `after`.
    package var redactedDescription: String {
        var parts = ["database=\"\(configuration.postgres.redactedDSN)\"", "schema=\(configuration.schema)"]
        if let file = configuration.databasePasswordFile { parts.append("database_password_file=\(file)") }
        if let after { parts.append("after=\(after)") }
        return "\(name)(\(parts.joined(separator: " ")))"
    }

    /// The first problem with the fleet as a whole: a duplicate name, an `after` naming no target or the target
    /// itself, or a cycle of `after`s. `nil` when the targets are consistent. Pure, so the loader's error and
    /// the tests share it.
    package static func fleetProblem(_ targets: [DaemonTarget]) -> (index: Int, key: String, message: String)? {
        var firstIndex: [String: Int] = [:]
        for (index, target) in targets.enumerated() {
            if let earlier = firstIndex[target.name] {
                return (
                    index, "name", "\"\(target.name)\" is already the name of targets[\(earlier)]; names must be unique"
                )
            }
            firstIndex[target.name] = index
        }
        let names = targets.map(\.name)
        for (index, target) in targets.enumerated() {
            guard let after = target.after else { continue }
            if after == target.name { return (index, "after", "a target cannot wait for itself") }
            if firstIndex[after] == nil {
                return (
                    index, "after",
                    "unknown target \"\(after)\" (the targets are \(names.joined(separator: ", ")))"
                )
            }
        }
        for (index, target) in targets.enumerated() {
            var chain = [target.name]
            var current = target.after
            while let next = current {
                if next == target.name {
                    return (
                        index, "after",
                        "a cycle: \((chain + [next]).joined(separator: " → ")); a rollout needs a first target"
                    )
                }
                guard let nextIndex = firstIndex[next], !chain.contains(next) else { break }
                chain.append(next)
                current = targets[nextIndex].after
            }
        }
        return nil
    }

    /// The targets in an order where every target comes after the one it waits for (`after`), otherwise in
    /// configuration order; for `run --once`, which reconciles them one by one. Assumes `fleetProblem` is `nil`.
    package static func rolloutOrder(_ targets: [DaemonTarget]) -> [DaemonTarget] {
        var ordered: [DaemonTarget] = []
        var placed: Set<String> = []
        while ordered.count < targets.count {
            let ready = targets.filter { !placed.contains($0.name) && ($0.after.map(placed.contains) ?? true) }
            guard !ready.isEmpty else { break }  // a cycle: refused by the loader
            for target in ready {
                ordered.append(target)
                placed.insert(target.name)
            }
        }
        return ordered
    }
}
