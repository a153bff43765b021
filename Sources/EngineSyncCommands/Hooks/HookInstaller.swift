import EngineSync
import Foundation
import TextAlgorithms

/// Installs and removes enginesync's `pre-receive` and `post-receive` hooks in a repository (issue 16).
///
/// A hook that is already there and is not enginesync's is kept: it is renamed to
/// `<name>.before-enginesync` and the installed script runs it first with the same standard input (its
/// refusal still refuses the push); `uninstall` puts it back. Nothing is overwritten silently: a hook that
/// would be displaced while a kept one already exists is an error. A value type over paths; no state.
struct HookInstaller {
    static let names = ["pre-receive", "post-receive"]
    /// The line that marks a script as enginesync's (and its version).
    static let marker = "# enginesync-hook v1"
    static let keptSuffix = ".before-enginesync"

    /// The repository's hooks directory: `<repo>/hooks` for a bare repository, `<repo>/.git/hooks` otherwise.
    let hooksDirectory: String
    /// The absolute path of the `enginesync` executable the scripts run.
    let executable: String
    /// `--config` given at install time, embedded in the scripts; `nil`: `ENGINESYNC_CONFIG`, else the default.
    let configPath: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(repository: String, executable: String, configPath: String?) throws(Failure) {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: repository, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(description: "cannot read repository '\(repository)': no such directory")
        }
        if fileManager.fileExists(atPath: repository + "/.git") {
            hooksDirectory = repository + "/.git/hooks"
        } else if fileManager.fileExists(atPath: repository + "/HEAD"),
            fileManager.fileExists(atPath: repository + "/objects")
        {
            hooksDirectory = repository + "/hooks"
        } else {
            throw Failure(description: "'\(repository)' is not a git repository (no HEAD and objects/, no .git/)")
        }
        self.executable = executable
        self.configPath = configPath
        // git runs the hooks of `core.hooksPath` when it is set: hooks installed here would never run.
        if let hooksPath = RepositoryConfig.hooksPath(repository: repository) {
            let resolved = URL(
                fileURLWithPath: hooksPath,
                relativeTo: URL(fileURLWithPath: hooksPath.hasPrefix("/") ? "/" : repository + "/")
            ).standardizedFileURL.path
            if resolved != URL(fileURLWithPath: hooksDirectory).standardizedFileURL.path {
                throw Failure(
                    description:
                        "'\(repository)' sets core.hooksPath = \(hooksPath): git runs the hooks there, not in "
                        + "\(hooksDirectory); unset it (git config --unset core.hooksPath) or install into that "
                        + "directory's repository")
            }
        }
    }

    /// The script for one hook. Standard input (the pushed refs) is read once and handed to the kept hook and
    /// to enginesync; a refusal of the kept `pre-receive` refuses the push before enginesync compiles anything.
    func script(for name: String) -> String {
        let config = configPath.map { " --config " + Self.shellQuoted($0) } ?? ""
        let command = "\(Self.shellQuoted(executable)) hooks \(name)\(config)"
        let tail: String
        if name == "pre-receive" {
            tail = """
                if [ -x "$kept" ]; then
                    printf '%s\\n' "$input" | "$kept" "$@" || exit $?
                fi
                printf '%s\\n' "$input" | \(command)
                """
        } else {
            // post-receive cannot fail a push; enginesync's part never fails it either.
            tail = """
                if [ -x "$kept" ]; then
                    printf '%s\\n' "$input" | "$kept" "$@"
                fi
                printf '%s\\n' "$input" | \(command)
                exit 0
                """
        }
        return """
            #!/bin/sh
            \(Self.marker)
            # Installed by `enginesync hooks install`; removed (and any hook kept below restored) by
            # `enginesync hooks uninstall`. The hook that was here before, if any, is \(name)\(Self.keptSuffix)
            # and runs first.
            kept="$(dirname "$0")/\(name)\(Self.keptSuffix)"
            input=$(cat)
            \(tail)

            """
    }

    /// Installs both hooks; returns one line per action for the operator.
    func install() throws(Failure) -> [String] {
        var lines: [String] = []
        do {
            try FileManager.default.createDirectory(atPath: hooksDirectory, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create \(hooksDirectory): \(error.localizedDescription)")
        }
        // Check both before changing either, so a refusal leaves the repository as it was.
        for name in Self.names {
            let path = hooksDirectory + "/" + name
            if exists(path), !isEnginesyncHook(path), exists(path + Self.keptSuffix) {
                throw Failure(
                    description: "\(path) is not enginesync's and \(path + Self.keptSuffix) already exists; "
                        + "move one of them away first (nothing was changed)")
            }
        }
        for name in Self.names {
            let path = hooksDirectory + "/" + name
            if exists(path), !isEnginesyncHook(path) {
                do {
                    try FileManager.default.moveItem(atPath: path, toPath: path + Self.keptSuffix)
                } catch {
                    throw Failure(
                        description: "cannot keep \(path) as \(path + Self.keptSuffix): \(error.localizedDescription)")
                }
                lines.append("kept the existing \(name) hook as \(path + Self.keptSuffix); it runs first")
            }
            do {
                try write(script(for: name), to: path)
            } catch {
                throw Failure(description: "cannot write \(path): \(error.localizedDescription)")
            }
            lines.append("installed \(path)")
        }
        return lines
    }

    /// Removes enginesync's hooks and restores the kept ones; a hook that is not enginesync's stays untouched.
    func uninstall() throws(Failure) -> [String] {
        var lines: [String] = []
        for name in Self.names {
            let path = hooksDirectory + "/" + name
            guard exists(path) else { continue }
            guard isEnginesyncHook(path) else {
                lines.append("left \(path): not installed by enginesync")
                continue
            }
            do {
                try FileManager.default.removeItem(atPath: path)
                lines.append("removed \(path)")
                if exists(path + Self.keptSuffix) {
                    try FileManager.default.moveItem(atPath: path + Self.keptSuffix, toPath: path)
                    lines.append("restored the previous \(name) hook")
                }
            } catch {
                throw Failure(description: "cannot remove \(path): \(error.localizedDescription)")
            }
        }
        return lines
    }

    private func exists(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)) != nil
    }

    func isEnginesyncHook(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return String(decoding: data.prefix(256), as: UTF8.self).containsText(Self.marker)
    }

    /// Written to a temporary name and renamed, mode 0755: git runs hooks as the pushing user.
    private func write(_ text: String, to path: String) throws {
        let temporary = path + ".enginesync-tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: temporary)
        if exists(path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    /// A POSIX shell single-quoted word: `'it'\''s'`.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingText("'", with: "'\\''") + "'"
    }
}
