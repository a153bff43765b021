import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Issue 12, items 3, 4, 5 and 19: what a careless or hostile operator, repository or remote could make the
/// binary do to the reports directory, the journal, systemd's STATUS= and the terminal.
@Suite("Hardening: report files, secrets, hostile names and usage errors")
struct HardeningCommandTests {
    static let post = #"{"fields": {"title": {"type": "string", "length": 50}}}"#

    static func temporaryDirectory(_ tag: String) throws -> String {
        let path = NSTemporaryDirectory() + "enginesync-\(tag)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "".write(toFile: path + "/empty.yaml", atomically: true, encoding: .utf8)
        return path
    }

    // MARK: - Item 3: retention removes only reports

    @Test func retentionRemovesOnlyTheReportsEnginesyncWrote() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try DaemonProcessTests.Remote()
            let state = try Self.temporaryDirectory("retention")
            defer { try? FileManager.default.removeItem(atPath: state) }
            let reports = state + "/reports"
            try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
            // An operator's files, older than any report: retention must neither count nor delete them.
            let strangers = [
                "package.json", "NOTES.md", "deadbeef.json", "drift-notes.md", "README.md",
                String(repeating: "A", count: 40) + ".json", String(repeating: "a", count: 41) + ".md",
            ]
            for name in strangers {
                try "keep me\n".write(toFile: "\(reports)/\(name)", atomically: true, encoding: .utf8)
            }
            let arguments = [
                "run", "--once", "--config", state + "/empty.yaml", "--repo", remote.bare.path,
                "--database", database.dsn, "--state-dir", state, "--report-retention", "1",
            ]
            let first = try remote.push(["dsl/models/post.json": Self.post])
            #expect(try EngineSyncBinary.run(arguments).status == 0)
            let second = try remote.push([
                "dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 60}}}"#
            ])
            let run = try EngineSyncBinary.run(arguments)
            #expect(run.status == 0, "\(run.stderr)")

            let files = Set(try FileManager.default.contentsOfDirectory(atPath: reports))
            for name in strangers { #expect(files.contains(name), "retention deleted \(name)") }
            #expect(files.contains("\(second).json") && files.contains("\(second).md"))
            #expect(!files.contains("\(first).json") && !files.contains("\(first).md"), "\(files.sorted())")
            #expect(files.contains("latest.json") && files.contains("latest.md"))
        }
    }

    // MARK: - Item 4: a remote URL's credentials

    @Test func aRemoteURLsPasswordAndTokenNeverReachTheLogsOrSTATUS() throws {
        try ScratchDatabase.with { database, _ in
            let state = try Self.temporaryDirectory("remote-secret")
            defer { try? FileManager.default.removeItem(atPath: state) }
            // Port 1 on the loopback: connection refused, so libgit2's fetch fails at once.
            let url = "https://enginesync:s3cretPassw0rd@127.0.0.1:1/schema.git?access_token=t0kenValue"
            let once = try EngineSyncBinary.run([
                "run", "--once", "--config", state + "/empty.yaml", "--remote", url,
                "--database", database.dsn, "--state-dir", state,
            ])
            #expect(once.status != 0)
            let onceOutput = once.stdout + once.stderr
            #expect(onceOutput.contains("127.0.0.1"), "the failure still names the host:\n\(onceOutput)")
            #expect(!onceOutput.contains("s3cretPassw0rd"), "\(onceOutput)")
            #expect(!onceOutput.contains("t0kenValue"), "\(onceOutput)")
            let latest = (try? String(contentsOfFile: state + "/reports/latest.json", encoding: .utf8)) ?? ""
            #expect(!latest.contains("s3cretPassw0rd") && !latest.contains("t0kenValue"))

            // A token as the user name (https://<token>@host), as GitHub and GitLab accept.
            let tokenURL = "http://gh0TokenAsUser@127.0.0.1:1/schema.git"
            let listener = try NotifyListener(path: state + "/notify.sock")
            let daemon = try DaemonProcess(
                arguments: [
                    "run", "--config", state + "/empty.yaml", "--remote", url,
                    "--database", database.dsn, "--state-dir", state,
                    "--poll-interval", "60s", "--max-backoff", "1s",
                ],
                environment: ["NOTIFY_SOCKET": listener.path], log: state + "/daemon.log")
            defer { daemon.kill() }
            #expect(listener.waitFor("READY=1", timeout: 20))
            #expect(
                waitUntil(timeout: 10) {
                    ((try? String(contentsOfFile: state + "/daemon.log", encoding: .utf8)) ?? "").contains("127.0.0.1")
                })
            #expect(listener.waitFor("STATUS=", timeout: 5))
            #expect(daemon.terminate() == 0)
            _ = listener.waitFor("STOPPING=1", timeout: 5)
            let log = (try? String(contentsOfFile: state + "/daemon.log", encoding: .utf8)) ?? ""
            let status = listener.receivedText
            for secret in ["s3cretPassw0rd", "t0kenValue"] {
                #expect(!log.contains(secret), "journal:\n\(log)")
                #expect(!status.contains(secret), "notify:\n\(status)")
            }
            #expect(status.contains("STATUS="))

            let tokenRun = try EngineSyncBinary.run([
                "run", "--once", "--config", state + "/empty.yaml", "--remote", tokenURL,
                "--database", database.dsn, "--state-dir", state + "/token",
            ])
            #expect(tokenRun.status != 0)
            #expect(
                !(tokenRun.stdout + tokenRun.stderr).contains("gh0TokenAsUser"), "\(tokenRun.stdout)\(tokenRun.stderr)")
        }
    }

    // MARK: - Item 5: the database password in configuration errors and on the command line

    @Test func aBadConnectionStringNeverEchoesItsPassword() throws {
        let state = try Self.temporaryDirectory("dsn-secret")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let repository = try ScratchRepository()
        try repository.commit(["dsl/models/post.json": Self.post])
        let secret = "Sup3rS3cretPw"
        // libpq's parse errors quote the conninfo or URI around the problem.
        let badDSNs = [
            "host=/tmp password=\(secret) dbname", "host=/tmp password \(secret)",
            "host=/tmp password='\(secret)", "postgresql://app:\(secret)@/db?bogus=\(secret)",
            "postgresql://app:\(secret)@[::1/db", "postgresql://app:\(secret)@h/db?host=%zz",
        ]
        for dsn in badDSNs {
            for command in [
                ["sync", "--repo", repository.path], ["plan", "--repo", repository.path],
                ["status"], ["migrate", "status", "--repo", repository.path],
                ["run", "--once", "--config", state + "/empty.yaml", "--repo", repository.path, "--state-dir", state],
            ] {
                let result = try EngineSyncBinary.run(command + ["--database", dsn])
                #expect(result.status == 64, "\(command) \(dsn): \(result.status) \(result.stderr)")
                #expect(!(result.stdout + result.stderr).contains(secret), "\(command) \(dsn):\n\(result.stderr)")
                #expect(
                    result.stderr.contains("database"), "\(command): the message names the setting:\n\(result.stderr)")
            }
        }

        // The same from the file, and a duplicate key (Yams quoted the whole file).
        let config = state + "/enginesync.yaml"
        try "repo: \(repository.path)\ndatabase: \"host=/tmp password \(secret)\"\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let fromFile = try EngineSyncBinary.run(["run", "--once", "--config", config, "--state-dir", state])
        #expect(fromFile.status == 64)
        #expect(!fromFile.stderr.contains(secret), "\(fromFile.stderr)")
        #expect(fromFile.stderr.contains("database"))

        try "repo: \(repository.path)\ndatabase: \"host=/tmp password=\(secret)\"\nschema: app\nschema: other\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        for command in [["run", "--once", "--config", config, "--state-dir", state], ["status", "--config", config]] {
            let duplicate = try EngineSyncBinary.run(command)
            #expect(duplicate.status == 64)
            #expect(!duplicate.stderr.contains(secret), "\(duplicate.stderr)")
            #expect(duplicate.stderr.contains("duplicate key schema"), "\(duplicate.stderr)")
        }

        // A YAML syntax error on the password's line: libyaml's problem and position, not the line.
        try "repo: \(repository.path)\ndatabase: \"host=/tmp password=\(secret)\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let syntax = try EngineSyncBinary.run(["run", "--once", "--config", config, "--state-dir", state])
        #expect(syntax.status == 64)
        #expect(!syntax.stderr.contains(secret), "\(syntax.stderr)")
        #expect(syntax.stderr.contains("line"), "\(syntax.stderr)")
    }

    @Test func aPasswordOnTheCommandLineIsWarnedAboutAndNeverPrinted() throws {
        let role = try TestEnvironment.passwordRole()
        try ScratchDatabase.with { database, connection in
            try connection.query("GRANT ALL ON SCHEMA public TO " + connection.escapeIdentifier(role.user))
            try connection.query(
                "GRANT ALL ON DATABASE " + connection.escapeIdentifier(database.name) + " TO "
                    + connection.escapeIdentifier(role.user))
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/post.json": Self.post])
            let state = try Self.temporaryDirectory("ps-secret")
            defer { try? FileManager.default.removeItem(atPath: state) }
            let conninfo =
                "host=\(database.host) port=\(database.port) user=\(role.user) dbname=\(database.name) password=\(role.password)"
            let encodedHost =
                database.host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? database.host
            let uri =
                "postgresql://\(role.user):\(role.password)@/\(database.name)?host=\(encodedHost)&port=\(database.port)"
            for dsn in [conninfo, uri] {
                for command in [
                    ["plan", "--repo", repository.path, "--database", dsn],
                    ["sync", "--repo", repository.path, "--database=\(dsn)"],
                    ["status", "--database", dsn],
                    ["migrate", "status", "--repo", repository.path, "--database", dsn],
                    [
                        "run", "--once", "--config", state + "/empty.yaml", "--repo", repository.path,
                        "--database", dsn, "--state-dir", state,
                    ],
                ] {
                    let result = try EngineSyncBinary.run(command)
                    #expect(result.status == 0, "\(command.prefix(2)): \(result.stdout)\(result.stderr)")
                    #expect(
                        result.stderr.contains("warning: --database holds a password"),
                        "\(command.prefix(2)): \(result.stderr)")
                    #expect(result.stderr.contains("database_password_file"))
                    #expect(!(result.stdout + result.stderr).contains(role.password), "\(command.prefix(2))")
                }
            }
            // Without a password in the argument, no warning.
            let quiet = try EngineSyncBinary.run(["plan", "--repo", repository.path, "--database", database.dsn])
            #expect(quiet.status == 0)
            #expect(!quiet.stderr.contains("warning: --database"))
        }
    }

    // MARK: - Item 19: hostile names, usage errors, negative numbers, a read-only reports directory

    @Test func fileNamesAndCommitSubjectsCannotInjectIntoReportsOrTheTerminal() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            let subject = "ok \u{1B}]0;pwned\u{07}\u{1B}[2J<img src=x onerror=alert(1)> [x](javascript:alert(1))"
            // An invalid file whose name carries a newline, a heading, HTML and an escape sequence.
            let hostileFile = "dsl/models/x\n# Injected heading <script>alert(1)<\\script>\u{1B}[31m.json"
            let sha = try repository.commit(
                ["dsl/models/post.json": Self.post, hostileFile: "{ not json"], message: subject)
            let reports = try Self.temporaryDirectory("inject")
            defer { try? FileManager.default.removeItem(atPath: reports) }
            let sync = try EngineSyncBinary.run([
                "sync", "--repo", repository.path, "--database", database.dsn, "--reports", reports,
            ])
            #expect(sync.status == 3, "\(sync.stdout)\(sync.stderr)")
            #expect(
                !sync.stdout.contains("\u{1B}") && !sync.stdout.contains("\u{07}"),
                "escape sequences reach the terminal")
            #expect(!sync.stdout.contains("\n# Injected"), "\(sync.stdout)")
            #expect(sync.stdout.contains("\\u{1B}"))

            let markdown = try String(contentsOfFile: "\(reports)/latest.md", encoding: .utf8)
            #expect(FileManager.default.fileExists(atPath: "\(reports)/\(sha).md"))
            #expect(!markdown.contains("\u{1B}") && !markdown.contains("\u{07}"))
            // Outside code spans (where CommonMark shows `<` literally) no HTML and no link survive.
            let prose = markdown.replacingOccurrences(of: "(`+).*?\\1", with: "", options: .regularExpression)
            #expect(!prose.contains("<img") && !prose.contains("<script>"), "\(markdown)")
            #expect(markdown.contains("&lt;img src=x"))
            #expect(!markdown.contains("[x](javascript:"), "\(markdown)")
            let headings = markdown.split(separator: "\n").filter { $0.hasPrefix("#") }
            #expect(headings.allSatisfy { $0.hasPrefix("# enginesync: ") || $0.hasPrefix("## ") }, "\(headings)")
            #expect(markdown.split(separator: "\n").first?.hasPrefix("# enginesync: INVALID") == true)
        }
    }

    /// Issue 12 item 19: the reconcile committed, so `sync` prints its report, warns that the files could not be
    /// written and exits with the outcome's code.
    @Test func anUnwritableReportsDirectoryStillPrintsTheReportAndTheOutcomesCode() throws {
        try ScratchDatabase.with { database, _ in
            let repository = try ScratchRepository()
            try repository.commit(["dsl/models/post.json": Self.post], message: "create post")
            let state = try Self.temporaryDirectory("unwritable-reports")
            defer { try? FileManager.default.removeItem(atPath: state) }
            // Tests may run as root, which ignores permission bits: a reports directory under a regular file
            // cannot be created by anyone.
            try "x".write(toFile: state + "/file", atomically: true, encoding: .utf8)
            let sync = try EngineSyncBinary.run([
                "sync", "--repo", repository.path, "--database", database.dsn,
                "--reports", state + "/file/reports",
            ])
            #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
            #expect(sync.stdout.hasPrefix("sync: synced"))
            #expect(sync.stdout.contains("create_table post"))
            #expect(sync.stderr.contains("warning:") && sync.stderr.contains("report"), "\(sync.stderr)")
        }
    }

    /// Issue 12 item 19: a role that may write enginesync's bookkeeping rows but does not own the tables (the
    /// owner, or EngineJS's role, created them) syncs and migrates; when a column is missing and the role may
    /// not add it, the error names the statement for the owner to run, and nothing is applied.
    @Test func aRoleThatDoesNotOwnTheBookkeepingTablesSyncs() throws {
        try ScratchDatabase.with { database, admin in
            let role = "es_writer_" + UUID().uuidString.prefix(8).lowercased()
            try admin.query("CREATE ROLE \(role) LOGIN")
            defer {
                _ = try? admin.query("DROP OWNED BY \(role)")
                _ = try? admin.query("DROP ROLE \(role)")
            }
            let repository = try ScratchRepository()
            try repository.commit([
                "dsl/models/post.json": Self.post, "migrations/0001_a.sql": "CREATE TABLE a (id int);\n",
            ])
            // The owner's first sync creates engine_migrations, engine_reconciles and the tables.
            let first = try EngineSyncBinary.run(["sync", "--repo", repository.path, "--database", database.dsn])
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            try admin.query("GRANT CREATE, USAGE ON SCHEMA public TO \(role)")
            try admin.query("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(role)")
            try admin.query("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO \(role)")
            let writer = "host=\(database.host) port=\(database.port) user=\(role) dbname=\(database.name)"
            try repository.commit([
                "dsl/models/tag.json": #"{"fields": {"name": {"type": "string"}}}"#,
                "migrations/0002_b.sql": "CREATE TABLE b (id int);\n",
            ])
            let second = try EngineSyncBinary.run(["sync", "--repo", repository.path, "--database", writer])
            #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
            #expect(try admin.query("SELECT count(*)::int AS n FROM engine_migrations").first?.int("n") == 2)
            #expect(try admin.query("SELECT to_regclass('public.tag') IS NOT NULL AS t").first?.bool("t") == true)

            // An EngineJS-made tracking table (id, executed_at) the role may not extend.
            try admin.query("DROP TABLE engine_migrations")
            try admin.query(
                "CREATE TABLE engine_migrations (id varchar(255) PRIMARY KEY, executed_at timestamptz NOT NULL DEFAULT now())"
            )
            try admin.query("INSERT INTO engine_migrations (id) VALUES ('0001_a'), ('0002_b')")
            try admin.query("GRANT SELECT, INSERT, UPDATE, DELETE ON engine_migrations TO \(role)")
            try repository.commit(["migrations/0003_c.sql": "CREATE TABLE c (id int);\n"])
            let refused = try EngineSyncBinary.run(["migrate", "up", "--repo", repository.path, "--database", writer])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("have the table's owner run `ALTER TABLE"), "\(refused.stderr)")
            #expect(refused.stderr.contains("ADD COLUMN IF NOT EXISTS \"checksum\""), "\(refused.stderr)")
            #expect(try admin.query("SELECT to_regclass('public.c') IS NULL AS gone").first?.bool("gone") == true)
        }
    }

    @Test func noSubcommandIsAUsageError() throws {
        let result = try EngineSyncBinary.run([])
        #expect(result.status == 64)
        #expect(result.stderr.contains("USAGE: enginesync"))
        #expect(try EngineSyncBinary.run(["--help"]).status == 0)
    }

    @Test func negativeNumbersSayWhatIsWrong() throws {
        let state = try Self.temporaryDirectory("negative")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let cases: [([String], String)] = [
            (["plan", "--dir", state, "--max-rewrite-rows", "-5"], "--max-rewrite-rows must be ≥ 0"),
            (["plan", "--dir", state, "--max-rewrite-rows=-5"], "--max-rewrite-rows must be ≥ 0"),
            (["sync", "--dir", state, "--concurrent-index-rows", "-1"], "--concurrent-index-rows must be ≥ 0"),
            (
                ["run", "--once", "--config", state + "/empty.yaml", "--repo", state, "--report-retention", "-5"],
                "report-retention"
            ),
            (
                ["run", "--once", "--config", state + "/empty.yaml", "--repo", state, "--max-rewrite-rows", "-5"],
                "max-rewrite-rows"
            ),
            (
                ["run", "--once", "--config", state + "/empty.yaml", "--repo", state, "--lock-wait", "-1s"],
                "'-1s' is invalid for '--lock-wait"
            ),
            (["migrate", "up", "--dir", state, "--lock-wait", "-3"], "--lock-wait must be a number of seconds ≥ 0"),
        ]
        for (arguments, expected) in cases {
            let result = try EngineSyncBinary.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("Missing value"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
    }
}
