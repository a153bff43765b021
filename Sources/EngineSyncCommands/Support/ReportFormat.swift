import ArgumentParser

/// `--format text|json|markdown` for `plan` and `sync`: markdown is the pull-request comment form of a plan
/// (`ReconcileReport.pullRequestMarkdown`) and the report file's form for a sync.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case markdown
}
