package import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The report files in `reports_dir` (SPEC 7): `<name>.json` and `<name>.md` per reconciled commit, plus
/// `latest.json` / `latest.md`.
///
/// Every file is replaced atomically (temporary file, fsync, rename, fsync of the directory) with mode
/// 0640, so a reader never sees half a report and a crash leaves either the old or the new file. The
/// content is produced elsewhere; this type only stores it. Errors (disk full, permissions) are thrown
/// as `FileWriteError` naming the path; the daemon logs them and retries. A value type without state:
/// safe to share between tasks, but two concurrent writers of the same name race (the last rename wins).
package struct ReportFileStore: Sendable {
    /// The name of the always-current pair; never removed by retention.
    package static let latestName = "latest"
    /// Permission bits of report files: readable by the service's group (e.g. an operator group).
    static let fileMode: mode_t = 0o640

    package let directory: String
    /// How many `<name>.*` pairs to keep (SPEC 7 `report_retention`).
    package let retention: Int

    package init(directory: String, retention: Int) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.retention = max(1, retention)
    }

    /// A report name that would escape the directory or collide with `latest` / temporary files.
    package struct InvalidName: Error, CustomStringConvertible, Sendable {
        package var name: String
        package var description: String { "invalid report name \"\(name)\": expected letters, digits, '-', '_' or '.'" }
    }

    /// Writes `<name>.json`, `<name>.md`, then `latest.json`, `latest.md`, then applies retention.
    ///
    /// The `<name>` pair is written first so that `latest` never points at content that is not also
    /// stored under its own name.
    /// `updateLatest: false` stores a side report (a drift check) without moving `latest`.
    package func write(name: String, json: Data, markdown: String, updateLatest: Bool = true) throws {
        try Self.validate(name: name)
        try AtomicFileWriter.createDirectory(directory, mode: 0o750)
        let jsonBytes = [UInt8](json)
        let markdownBytes = Array(markdown.utf8)
        try AtomicFileWriter.write(jsonBytes, to: path(name, "json"), mode: Self.fileMode, syncDirectory: false)
        try AtomicFileWriter.write(markdownBytes, to: path(name, "md"), mode: Self.fileMode, syncDirectory: false)
        if updateLatest {
            try AtomicFileWriter.write(
                jsonBytes, to: path(Self.latestName, "json"), mode: Self.fileMode, syncDirectory: false)
            try AtomicFileWriter.write(
                markdownBytes, to: path(Self.latestName, "md"), mode: Self.fileMode, syncDirectory: false)
        }
        try AtomicFileWriter.fsyncDirectory(directory)
        try applyRetention(newest: name)
    }

    /// The names (in the given order) whose `.json` or `.md` file is absent, so the daemon can rewrite them
    /// from `engine_reconciles` at start-up.
    package func missingReports(names: [String]) -> [String] {
        names.filter { name in
            !FileManager.default.fileExists(atPath: path(name, "json"))
                || !FileManager.default.fileExists(atPath: path(name, "md"))
        }
    }

    /// The stored report names that retention manages, newest first (by modification time): commit ids,
    /// DSL content hashes and drift reports; never `latest` or files enginesync did not write.
    package func storedNames() throws -> [String] {
        try entries().map(\.name)
    }

    /// The path of `<name>.<ext>`.
    package func path(_ name: String, _ fileExtension: String) -> String {
        "\(directory)/\(name).\(fileExtension)"
    }

    /// Prefix of drift-check reports (`drift-<time>`), kept apart from commit reports by retention.
    package static let driftPrefix = "drift-"

    /// Whether `name` is one retention may delete: a name enginesync gives the reports it writes under their
    /// own name, i.e. a commit id (40 hex digits, or 64 for a SHA-256 repository), a DSL content hash
    /// (`sync --dir`, 64 hex digits) or a drift report (`drift-` and a 14-digit UTC time). Anything else in the
    /// directory (`package.json`, `NOTES.md`, `latest.*`, an operator's notes) is never removed.
    package static func isRetainedReportName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func isLowerHex(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) }
        if bytes.count == 40 || bytes.count == 64 { return bytes.allSatisfy(isLowerHex) }
        let prefix = Array(driftPrefix.utf8)
        if bytes.count == prefix.count + 14, bytes.starts(with: prefix) {
            return bytes[prefix.count...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        return false
    }

    /// Deletes the oldest pairs beyond `retention`; the pair just written counts as the newest even when
    /// the file system's timestamp granularity gives it the same mtime as an older one. Drift reports and
    /// commit reports are counted separately, so hourly drift checks never push commit reports out.
    func applyRetention(newest: String?) throws {
        var names = try entries().map(\.name)
        if let newest, let index = names.firstIndex(of: newest) {
            names.remove(at: index)
            names.insert(newest, at: 0)
        }
        let drift = names.filter { $0.hasPrefix(Self.driftPrefix) }
        let commits = names.filter { !$0.hasPrefix(Self.driftPrefix) }
        let expired = drift.dropFirst(retention) + commits.dropFirst(retention)
        guard !expired.isEmpty else { return }
        for name in expired {
            for fileExtension in ["json", "md"] {
                let file = path(name, fileExtension)
                if unlink(file) != 0 && errno != ENOENT {
                    throw FileWriteError(path: file, operation: "unlink", errno: errno)
                }
            }
        }
        try AtomicFileWriter.fsyncDirectory(directory)
    }

    private func entries() throws -> [(name: String, modified: timespec)] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw FileWriteError(path: directory, operation: "list directory", errno: ENOENT)
        }
        var newestByName: [String: timespec] = [:]
        for file in files where !file.hasPrefix(".") {
            let name: String
            if file.hasSuffix(".json") {
                name = String(file.dropLast(5))
            } else if file.hasSuffix(".md") {
                name = String(file.dropLast(3))
            } else {
                continue
            }
            // Only files enginesync wrote, by their exact name: a stranger's file is neither counted nor removed.
            guard Self.isRetainedReportName(name) else { continue }
            // A directory, symlink or socket with a report's name is not a report either.
            var link = stat()
            guard lstat(directory + "/" + file, &link) == 0, (link.st_mode & S_IFMT) == S_IFREG else { continue }
            var info = stat()
            guard stat(directory + "/" + file, &info) == 0 else { continue }
            let modified = info.st_mtim
            if let known = newestByName[name], !Self.isEarlier(known, modified) { continue }
            newestByName[name] = modified
        }
        return newestByName.map { (name: $0.key, modified: $0.value) }.sorted { left, right in
            if left.modified.tv_sec != right.modified.tv_sec || left.modified.tv_nsec != right.modified.tv_nsec {
                return Self.isEarlier(right.modified, left.modified)
            }
            return left.name > right.name
        }
    }

    private static func isEarlier(_ left: timespec, _ right: timespec) -> Bool {
        left.tv_sec < right.tv_sec || (left.tv_sec == right.tv_sec && left.tv_nsec < right.tv_nsec)
    }

    static func validate(name: String) throws(InvalidName) {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "-" || scalar == "_" || scalar == "."
        }
        guard allowed, !name.isEmpty, !name.hasPrefix("."), name != latestName, name.count <= 200 else {
            throw InvalidName(name: name)
        }
    }
}
