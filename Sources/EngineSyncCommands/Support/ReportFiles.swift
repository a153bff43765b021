import EngineSyncCore
import Foundation

/// Placeholder until the daemon's report store lands: writes `<name>.json/.md` and `latest.*`.
struct ReportFiles {
    var directory: String

    func write(_ report: ReconcileReport, name: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let json = try report.jsonData()
        let markdown = Data(report.markdown.utf8)
        for (file, data) in [("\(name).json", json), ("\(name).md", markdown), ("latest.json", json), ("latest.md", markdown)] {
            try data.write(to: URL(fileURLWithPath: directory).appendingPathComponent(file), options: .atomic)
        }
    }
}
