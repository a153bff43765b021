import EngineSync
import EngineSyncTestSupport
import Foundation
import GitClient
import Testing

/// Every case is checked twice: read from the commit (libgit2) and from the work tree on disk (`--dir`).
@Suite("MigrationLoader: bad files are errors naming the file")
struct MigrationLoaderTests {
    enum Source: String, CaseIterable, Sendable { case git, directory }

    /// A repository whose work tree is also the `--dir` root.
    final class Fixture {
        let scratch: ScratchRepository
        var commit: ObjectID?

        init(files: [String: [UInt8]], symlinks: [String: String] = [:], directories: [String] = []) throws {
            scratch = try ScratchRepository()
            for (path, bytes) in files {
                let url = URL(fileURLWithPath: scratch.path).appendingPathComponent(path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(bytes).write(to: url)
            }
            for (path, target) in symlinks {
                let url = URL(fileURLWithPath: scratch.path).appendingPathComponent(path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
            }
            for path in directories {
                try FileManager.default.createDirectory(
                    atPath: scratch.path + "/" + path, withIntermediateDirectories: true)
                try Data("SELECT 1;".utf8).write(to: URL(fileURLWithPath: scratch.path + "/" + path + "/x.sql"))
            }
            commit = ObjectID(hex: try scratch.commit([:]))
        }

        func load(
            _ source: Source, path: String = MigrationLoader.defaultPath,
            maxFileBytes: Int = MigrationLoader.defaultMaxFileBytes
        ) throws -> MigrationSet {
            switch source {
            case .git:
                let repository = try GitRepository.open(path: scratch.path)
                return try MigrationLoader.load(
                    repository: repository, commit: try #require(commit), path: path,
                    maxFileBytes: maxFileBytes)
            case .directory:
                return try MigrationLoader.load(directory: scratch.path, path: path, maxFileBytes: maxFileBytes)
            }
        }
    }

    static func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test(arguments: Source.allCases)
    func readsMigrationsSortedAndIgnoresOtherFiles(_ source: Source) throws {
        let fixture = try Fixture(files: [
            "migrations/0002_b.sql": Self.utf8("CREATE TABLE b (id int);"),
            "migrations/0001_a.SQL": Self.utf8("-- enginesync: no-transaction\nCREATE INDEX CONCURRENTLY i ON b (id);"),
            "migrations/README.md": Self.utf8("# notes"),
            "migrations/.gitkeep": [],
            "dsl/models/post.json": Self.utf8("{}"),
        ])
        let set = try fixture.load(source)
        #expect(set.ids == ["0001_a", "0002_b"])
        #expect(set.migrations.map(\.file) == ["migrations/0001_a.SQL", "migrations/0002_b.sql"])
        #expect(set.migrations.map(\.transactional) == [false, true])
        #expect(
            set.warnings == [
                MigrationWarning(
                    code: "ignored_file", message: "not a .sql file; ignored",
                    file: "migrations/README.md")
            ])
        #expect((set.treeID != nil) == (source == .git))
    }

    @Test(arguments: Source.allCases)
    func missingFolderMeansNoMigrationsAndPathIsConfigurable(_ source: Source) throws {
        let fixture = try Fixture(files: ["db/changes/0001_a.sql": Self.utf8("SELECT 1;"), "README.md": Self.utf8("x")])
        #expect(try fixture.load(source).migrations.isEmpty)
        #expect(try fixture.load(source, path: "db/changes").ids == ["0001_a"])
        #expect(try fixture.load(source, path: "./db/changes/").migrations.first?.file == "db/changes/0001_a.sql")
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var files: [String: [UInt8]] = [:]
        var symlinks: [String: String] = [:]
        var directories: [String] = []
        var maxFileBytes = MigrationLoader.defaultMaxFileBytes
        var file: String
        var message: String
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(
            name: "empty file", files: ["migrations/0001_a.sql": []], file: "migrations/0001_a.sql",
            message: "is empty"),
        BadCase(
            name: "only comments", files: ["migrations/0001_a.sql": utf8("-- todo\n")], file: "migrations/0001_a.sql",
            message: "contains no SQL statement"),
        BadCase(
            name: "not UTF-8", files: ["migrations/0001_a.sql": [0x53, 0x45, 0xFF, 0x3B]],
            file: "migrations/0001_a.sql", message: "is not valid UTF-8"),
        BadCase(
            name: "ids differing only by extension case",
            files: ["migrations/0001_a.sql": utf8("SELECT 1;"), "migrations/0001_a.SQL": utf8("SELECT 2;")],
            file: "migrations/0001_a.sql", message: "duplicate migration id '0001_a'"),
        BadCase(
            name: "directory", files: ["migrations/0001_a.sql": utf8("SELECT 1;")], directories: ["migrations/nested"],
            file: "migrations/nested", message: "is a directory"),
        BadCase(
            name: "symlink", files: ["other.sql": utf8("SELECT 1;")],
            symlinks: ["migrations/0002_link.sql": "../other.sql"],
            file: "migrations/0002_link.sql", message: "is a symbolic link"),
        BadCase(
            name: "file over the size limit", files: ["migrations/0001_big.sql": utf8("SELECT 1; -- padding padding")],
            maxFileBytes: 16, file: "migrations/0001_big.sql", message: "over the limit of 16"),
        BadCase(
            name: "unterminated string", files: ["migrations/0001_a.sql": utf8("SELECT 1;\nSELECT 'open;\n")],
            file: "migrations/0001_a.sql", message: "unterminated quoted string"),
        BadCase(name: "no id", files: ["migrations/.sql": utf8("SELECT 1;")], file: "", message: ""),
    ]

    @Test(arguments: badCases, Source.allCases)
    func refusesBadFiles(_ testCase: BadCase, _ source: Source) throws {
        let fixture = try Fixture(files: testCase.files, symlinks: testCase.symlinks, directories: testCase.directories)
        if testCase.file.isEmpty {
            // A dot file (".sql") is ignored, like .gitkeep.
            #expect(try fixture.load(source, maxFileBytes: testCase.maxFileBytes).migrations.isEmpty)
            return
        }
        let error = try #require(throws: MigrationError.self) {
            try fixture.load(source, maxFileBytes: testCase.maxFileBytes)
        }
        #expect(error.kind == .invalid)
        #expect(error.description.contains(testCase.message), "\(error)")
        if testCase.name.contains("extension case") {
            // Either file may be met first; both are named.
            #expect(
                error.description.contains("migrations/0001_a.sql")
                    && error.description.contains("migrations/0001_a.SQL"))
        } else {
            #expect(error.file == testCase.file, "\(error)")
        }
    }

    @Test func unterminatedStringNamesTheLine() throws {
        let fixture = try Fixture(files: ["migrations/0001_a.sql": Self.utf8("SELECT 1;\nSELECT 'open;\n")])
        let error = try #require(throws: MigrationError.self) { try fixture.load(.git) }
        #expect(error.line == 2)
        #expect(error.description.hasPrefix("migrations/0001_a.sql:2: "))
    }

    @Test func submoduleIsAnError() throws {
        let fixture = try Fixture(files: ["migrations/0001_a.sql": Self.utf8("SELECT 1;")])
        let head = try fixture.scratch.output(["rev-parse", "HEAD"])
        try fixture.scratch.run(["update-index", "--add", "--cacheinfo", "160000,\(head),migrations/vendor"])
        try fixture.scratch.run(["commit", "--quiet", "-m", "submodule"])
        let commit = try #require(ObjectID(hex: try fixture.scratch.output(["rev-parse", "HEAD"])))
        let repository = try GitRepository.open(path: fixture.scratch.path)
        let error = try #require(throws: MigrationError.self) {
            try MigrationLoader.load(repository: repository, commit: commit)
        }
        #expect(error.file == "migrations/vendor")
        #expect(error.description.contains("submodule"))
    }
}

/// `check` collects every bad file (what `validate` prints); `load` still refuses the set at the first one and
/// says how many more there are (issue 12 item 18).
@Suite("MigrationLoader.check: every problem at once")
struct MigrationLoaderCheckTests {
    @Test func checkListsEveryBadFileAndLoadCountsThem() throws {
        let directory = try MigrationDirectory()
        try directory.write("0001_ok", "SELECT 1;")
        try directory.write("0002_begin", "BEGIN;\nSELECT 1;\nCOMMIT;")
        try directory.write("0003_quote", "SELECT 'open;")
        try directory.write("0004_empty", "")
        let check = MigrationLoader.check(directory: directory.root)
        #expect(!check.isValid)
        #expect(check.migrations.map(\.id) == ["0001_ok"])
        #expect(
            check.problems.map(\.file) == [
                "migrations/0002_begin.sql", "migrations/0003_quote.sql",
                "migrations/0004_empty.sql",
            ])
        #expect(check.problems.map(\.line) == [1, 1, nil])
        #expect(check.problems.allSatisfy { $0.kind == .invalid })
        let error = try #require(throws: MigrationError.self) { try directory.load() }
        #expect(error.file == "migrations/0002_begin.sql")
        #expect(error.message.contains("and 2 more problems in migrations/"), "\(error.message)")
    }
}
