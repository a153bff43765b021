import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Testing

/// Issue 13: the one reader of a command's source.
@Suite("SourceReader: --repo/--rev, --dir and a pushed commit, read one way")
struct SourceReaderTests {
    @Test func readsTheDSLAndMigrationsOfACommitOrADirectory() throws {
        let repository = try ScratchRepository()
        let sha = try repository.commit([
            "dsl/models/post.json": #"{"fields": {"title": {"type": "string"}}}"#,
            "migrations/0001_a.sql": "CREATE TABLE a (id int);\n",
        ])
        let commit = try SourceReader(.git(repository: repository.path, revision: "main"))
        #expect(commit.commitSHA == sha)
        #expect(try commit.compile(DSLCompilerOptions()).compiled?.schema.table(named: "post") != nil)
        #expect(try commit.loadMigrations(path: "migrations").migrations.map(\.id) == ["0001_a"])
        #expect(commit.checkMigrations(path: "migrations").problems.isEmpty)

        let directory = try SourceReader(.directory(repository.path))
        #expect(directory.commitSHA == nil)
        #expect(try directory.compile(DSLCompilerOptions()).compiled?.schema.table(named: "post") != nil)
        #expect(try directory.loadMigrations(path: "migrations").migrations.map(\.id) == ["0001_a"])
        #expect(try directory.inspectTrust(migrations: [], settings: TrustSettings()) == nil)
    }

    @Test func anUnreadableSourceIsOneLineNamingIt() throws {
        let repository = try ScratchRepository()
        try repository.commit(["README.md": "x"])
        let missing = NSTemporaryDirectory() + "enginesync-missing-" + UUID().uuidString
        let cases: [(ReconcileSource, String)] = [
            (.git(repository: missing, revision: "main"), "cannot open git repository '\(missing)'"),
            (
                .git(repository: repository.path, revision: "nope"),
                "cannot resolve revision 'nope' in '\(repository.path)'"
            ),
            (.directory(missing), "cannot read directory '\(missing)': no such directory"),
        ]
        for (source, message) in cases {
            let failure = try #require(throws: SourceReader.Failure.self) { try SourceReader(source) }
            #expect(failure.description.hasPrefix(message), "\(failure)")
            #expect(!failure.description.contains("\n"))
        }
        let pushed = try #require(throws: SourceReader.Failure.self) {
            try SourceReader(pushed: "not-a-sha", repository: repository.path, quarantine: [])
        }
        #expect(pushed.description.contains("not-a-sha"))
    }
}
