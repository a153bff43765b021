import EngineSync
import EngineSyncDaemon
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ReportFileStoreTests {
    let directory: TemporaryDirectory
    let store: ReportFileStore

    init() throws {
        directory = try TemporaryDirectory()
        store = ReportFileStore(directory: directory.path + "/reports", retention: 3)
    }

    func setModificationTime(_ name: String, seconds: Int) {
        for fileExtension in ["json", "md"] {
            var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
            _ = utimensat(AT_FDCWD, store.path(name, fileExtension), &times, 0)
        }
    }

    @Test func writesThePairAndLatestWithMode0640() throws {
        try store.write(name: "abc123", json: Data("{\"format\":1}".utf8), markdown: "# synced\n")
        for file in ["abc123.json", "abc123.md", "latest.json", "latest.md"] {
            let path = store.directory + "/" + file
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o640, "\(file)")
        }
        #expect(try String(contentsOfFile: store.path("latest", "json"), encoding: .utf8) == "{\"format\":1}")
        #expect(try String(contentsOfFile: store.path("abc123", "md"), encoding: .utf8) == "# synced\n")
        let files = try FileManager.default.contentsOfDirectory(atPath: store.directory).sorted()
        #expect(files == ["abc123.json", "abc123.md", "latest.json", "latest.md"])
    }

    @Test func latestFollowsTheLastWrite() throws {
        try store.write(name: "one", json: Data("1".utf8), markdown: "one")
        try store.write(name: "two", json: Data("2".utf8), markdown: "two")
        #expect(try String(contentsOfFile: store.path("latest", "md"), encoding: .utf8) == "two")
    }

    /// A commit-like report name (retention only manages names enginesync gives its reports): `sha("c1")`
    /// is 38 `0`s then `c1`.
    func sha(_ suffix: String) -> String { String(repeating: "0", count: 40 - suffix.count) + suffix }

    @Test func retentionKeepsTheNewestPairsByModificationTime() throws {
        for (index, name) in ["c1", "a2", "b3"].map(sha).enumerated() {
            try store.write(name: name, json: Data(), markdown: name)
            setModificationTime(name, seconds: 1_000_000 + index)
        }
        try store.write(name: sha("f4"), json: Data(), markdown: "f4")
        #expect(try store.storedNames() == ["f4", "b3", "a2"].map(sha))
        #expect(!FileManager.default.fileExists(atPath: store.path(sha("c1"), "json")))
        #expect(!FileManager.default.fileExists(atPath: store.path(sha("c1"), "md")))
        #expect(FileManager.default.fileExists(atPath: store.path("latest", "json")))
    }

    @Test func driftReportsNeverPushCommitReportsOut() throws {
        for (index, name) in ["c1", "c2", "c3"].map(sha).enumerated() {
            try store.write(name: name, json: Data(), markdown: name)
            setModificationTime(name, seconds: 1_000_000 + index)
        }
        for index in 0..<5 {
            let name = "drift-2026112500000\(index)"
            try store.write(name: name, json: Data(), markdown: name, updateLatest: false)
            setModificationTime(name, seconds: 1_000_100 + index)
        }
        let names = try store.storedNames()
        #expect(names.filter { !$0.hasPrefix("drift-") } == ["c3", "c2", "c1"].map(sha))
        #expect(
            names.filter { $0.hasPrefix("drift-") } == [
                "drift-20261125000004", "drift-20261125000003", "drift-20261125000002",
            ])
    }

    @Test func theJustWrittenPairIsNewestEvenWithAnOlderTimestamp() throws {
        for (index, name) in ["a", "b", "c"].map(sha).enumerated() {
            try store.write(name: name, json: Data(), markdown: name)
            setModificationTime(name, seconds: 2_000_000_000 + index)  // far in the future
        }
        try store.write(name: sha("d"), json: Data(), markdown: "d")
        #expect(try store.storedNames().contains(sha("d")))
        #expect(!FileManager.default.fileExists(atPath: store.path(sha("a"), "json")))
    }

    /// Issue 12 item 3: files enginesync did not write are neither counted nor removed, however old.
    @Test func retentionNeverRemovesFilesItDidNotWrite() throws {
        try FileManager.default.createDirectory(atPath: store.directory, withIntermediateDirectories: true)
        let strangers = [
            "package.json", "NOTES.md", "abc123.json", "drift-notes.md", "invalid.md", sha("c").uppercased() + ".json",
            sha("c") + "0.md", "drift-2026112500000.json",
        ]
        for name in strangers {
            try "keep".write(toFile: store.directory + "/" + name, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(
            atPath: store.directory + "/" + sha("e") + ".json", withIntermediateDirectories: true)
        for (index, name) in ["1", "2", "3", "4", "5"].map(sha).enumerated() {
            try store.write(name: name, json: Data(), markdown: name)
            setModificationTime(name, seconds: 1_000_000 + index)
        }
        let sixtyFour = String(repeating: "ab", count: 32)
        try store.write(name: sixtyFour, json: Data(), markdown: "")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: store.directory))
        for name in strangers { #expect(files.contains(name), "\(name) was removed") }
        #expect(files.contains(sha("e") + ".json"))
        #expect(try store.storedNames() == [sixtyFour, sha("5"), sha("4")])
        #expect(!files.contains(sha("3") + ".json") && !files.contains(sha("1") + ".md"))
    }

    @Test func missingReportsFindsAbsentFiles() throws {
        try store.write(name: "present", json: Data(), markdown: "")
        try store.write(name: "halfgone", json: Data(), markdown: "")
        try FileManager.default.removeItem(atPath: store.path("halfgone", "md"))
        #expect(store.missingReports(names: ["present", "halfgone", "absent"]) == ["halfgone", "absent"])
    }

    @Test(arguments: ["", "latest", "../etc/passwd", ".hidden", "a/b", "a b"])
    func refusesUnsafeNames(name: String) {
        #expect(throws: ReportFileStore.InvalidName.self) {
            try store.write(name: name, json: Data(), markdown: "")
        }
    }

    @Test func unwritableDirectoryThrowsNamingThePath() throws {
        let blocker = directory.path + "/file"
        try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
        let store = ReportFileStore(directory: blocker + "/reports", retention: 3)
        do {
            try store.write(name: "abc", json: Data(), markdown: "")
            Issue.record("expected an error")
        } catch let error as FileWriteError {
            #expect(error.description.contains(blocker))
        }
    }
}
