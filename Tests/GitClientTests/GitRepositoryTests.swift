import EngineSyncTestSupport
import Foundation
import GitClient
import Testing

@Suite("GitRepository against real repositories")
struct GitRepositoryTests {
    @Test func resolvesRevisionsAndReadsMetadata() throws {
        let scratch = try ScratchRepository()
        let first = try scratch.commit(["dsl/models/post.json": #"{"fields":{}}"#], message: "first commit\n\nbody")
        // Distinct author and committer moments, each in its own non-UTC zone, set through git's environment.
        try "hello".write(toFile: scratch.path + "/README.md", atomically: true, encoding: .utf8)
        try scratch.run(["add", "README.md"])
        try scratch.run(
            ["commit", "--quiet", "-m", "second"],
            environment: [
                "GIT_AUTHOR_DATE": "2026-03-04T05:06:07+02:00", "GIT_COMMITTER_DATE": "2026-03-05T10:20:30-05:30",
            ])
        let second = try scratch.output(["rev-parse", "HEAD"])
        let repository = try GitRepository.open(path: scratch.path)
        #expect(!repository.isBare)
        let tip = try repository.resolveCommit("main")
        #expect(tip.id.hex == second)
        #expect(tip.subject == "second")
        #expect(tip.author.name == "Test Author")
        #expect(tip.author.email == "author@example.com")
        // 2026-03-04T05:06:07+02:00 is 03:06:07 UTC; 2026-03-05T10:20:30-05:30 is 15:50:30 UTC.
        #expect(tip.author.time == Date(timeIntervalSince1970: 1_772_593_567))
        #expect(tip.author.offsetMinutes == 120)
        #expect(tip.committer.name == "Test Committer")
        #expect(tip.committer.time == Date(timeIntervalSince1970: 1_772_725_830))
        #expect(tip.committer.offsetMinutes == -330)
        // ScratchRepository.commit dates its first commit 2026-01-01T00:00:01Z (author and committer).
        let firstCommit = try repository.resolveCommit("main~1")
        #expect(firstCommit.author.time == Date(timeIntervalSince1970: 1_767_225_601))
        #expect(firstCommit.committer.time == firstCommit.author.time)
        #expect(firstCommit.author.offsetMinutes == 0)
        #expect(tip.parentIDs.map(\.hex) == [first])
        #expect(try repository.resolveCommit("main~1").subject == "first commit")
        #expect(try repository.resolveCommit(String(first.prefix(10))).id.hex == first)
        #expect(try repository.branchTip("main")?.hex == second)
        #expect(try repository.branchTip("nope") == nil)
        let firstID = try #require(ObjectID(hex: first))
        let secondID = try #require(ObjectID(hex: second))
        #expect(try repository.isDescendant(secondID, of: firstID))
        #expect(try !repository.isDescendant(firstID, of: secondID))
        #expect(try repository.isDescendant(firstID, of: firstID))
        #expect(try repository.commits(from: secondID, excluding: firstID) == [secondID])
    }

    @Test func unknownRevisionIsANotFoundError() throws {
        let scratch = try ScratchRepository()
        try scratch.commit(["a.txt": "a"])
        let repository = try GitRepository.open(path: scratch.path)
        let error = try #require(throws: GitError.self) { try repository.resolveCommit("no-such-branch") }
        #expect(error.isNotFound)
        #expect(error.className == "reference")
        #expect(error.description.contains("no-such-branch"))
        #expect(throws: GitError.self) { try GitRepository.open(path: "/nonexistent/enginesync") }
    }

    @Test func listsTreesWithKindsAndReadsBlobsWithALimit() throws {
        let scratch = try ScratchRepository()
        let dsl = try scratch.commit([
            "dsl/models/b.json": #"{"fields":{"x":{}}}"#,
            "dsl/models/a.json": #"{"fields":{}}"#,
            "other.txt": "not dsl",
        ])
        try FileManager.default.createSymbolicLink(
            atPath: scratch.path + "/dsl/models/link.json", withDestinationPath: "a.json")
        let withLink = try scratch.commit([:], message: "symlink")
        let repository = try GitRepository.open(path: scratch.path)
        let linkCommit = try #require(ObjectID(hex: withLink))
        let entries = try #require(try repository.treeEntries(commit: linkCommit, path: "dsl/models"))
        #expect(entries.map(\.name) == ["a.json", "b.json", "link.json"])
        #expect(entries.map(\.kind) == [.file, .file, .symlink])
        let blob = try repository.readBlob(entries[1].id, maxBytes: 1000)
        #expect(String(decoding: blob, as: UTF8.self) == #"{"fields":{"x":{}}}"#)
        let tooBig = try #require(throws: GitError.self) {
            try repository.readBlob(entries[1].id, maxBytes: 4, subject: "dsl/models/b.json")
        }
        #expect(tooBig.description.contains("dsl/models/b.json"))
        // Typed, so callers never parse the message (issue 13).
        #expect(tooBig.reason == .blobTooLarge(size: 19, limit: 4))
        #expect(tooBig.code == .enginesync && tooBig.errorClass == .odb)
        #expect(try repository.treeEntries(commit: linkCommit, path: "migrations") == nil)
        // The tree id of dsl/ is unchanged by a commit that only touches other files.
        let dslCommit = try #require(ObjectID(hex: dsl))
        let readme = try #require(ObjectID(hex: try scratch.commit(["README.md": "x"])))
        #expect(
            try repository.treeID(commit: readme, path: "dsl") == repository.treeID(commit: linkCommit, path: "dsl"))
        #expect(
            try repository.treeID(commit: dslCommit, path: "dsl") != repository.treeID(commit: linkCommit, path: "dsl"))
        let notATree = try #require(throws: GitError.self) { try repository.treeID(commit: readme, path: "other.txt") }
        #expect(notATree.reason == .notADirectory)
        let missing = try #require(throws: GitError.self) { try repository.resolveCommit("no-such-branch") }
        #expect(missing.isNotFound && missing.reason == .libgit2 && missing.errorClass == .reference)
    }

    @Test func submodulesAreReportedNotFollowed() throws {
        let scratch = try ScratchRepository()
        try scratch.commit(["a.txt": "a"])
        // A gitlink entry written straight into the index (no network, no nested clone needed).
        let fake = String(repeating: "ab", count: 20)
        try scratch.run(["update-index", "--add", "--cacheinfo", "160000,\(fake),dsl/models/sub"])
        try scratch.run(["commit", "--quiet", "-m", "submodule"])
        let repository = try GitRepository.open(path: scratch.path)
        let tip = try repository.resolveCommit("main")
        let entries = try #require(try repository.treeEntries(commit: tip.id, path: "dsl/models"))
        #expect(entries.first?.kind == .submodule)
        #expect(entries.first?.id.hex == fake)
    }

    @Test func fetchesIntoABareMirrorIncludingForcePushes() throws {
        let upstream = try ScratchRepository()
        let first = try upstream.commit(["a.txt": "1"])
        let mirrorPath = NSTemporaryDirectory() + "enginesync-mirror-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: mirrorPath) }
        let mirror = try GitRepository.initBare(path: mirrorPath)
        #expect(mirror.isBare)
        try mirror.fetchMirror(from: "file://" + upstream.path)
        #expect(try mirror.branchTip("main")?.hex == first)
        let second = try upstream.commit(["a.txt": "2"])
        try mirror.fetchMirror(from: upstream.path)
        #expect(try mirror.branchTip("main")?.hex == second)
        try upstream.run(["reset", "--quiet", "--hard", first])
        let rewritten = try upstream.commit(["a.txt": "3"], message: "rewrite")
        try mirror.fetchMirror(from: upstream.path)
        #expect(try mirror.branchTip("main")?.hex == rewritten)
        let error = try #require(throws: GitError.self) { try mirror.fetchMirror(from: "file:///nonexistent/repo") }
        #expect(error.code.isFailure)
    }
}

@Suite("Repositories owned by another user")
struct OwnerValidationTests {
    @Test func theCheckCanBeTurnedOffForOperatorNamedRepositories() throws {
        let scratch = try ScratchRepository(bare: true)
        defer { try? GitRepository.setOwnerValidation(true) }
        // Owned by `nobody`, like a developers' bare repository read by the `enginesync` user. Only root can
        // give a file away; otherwise the repository stays ours and only the "off" half is exercised.
        let foreign = getuid() == 0 && chown(scratch.path, 65534, 65534) == 0
        try GitRepository.setOwnerValidation(true)
        if foreign {
            let error = try #require(throws: GitError.self) { try GitRepository.open(path: scratch.path) }
            #expect(error.message.contains("safe.directory"))
        }
        try GitRepository.setOwnerValidation(false)
        #expect(try GitRepository.open(path: scratch.path).isBare)
    }
}
