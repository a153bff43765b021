import EngineSync
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Testing

/// Real inotify on real repositories, changed by real `git push`. The fallback timeout is 60 s and a
/// push must be noticed within 10 s, so a slow machine cannot make these flake.
@Suite struct RefWatcherTests {
    let bare: ScratchRepository
    let clone: ScratchRepository

    init() throws {
        bare = try ScratchRepository(bare: true)
        clone = try ScratchRepository()
        try clone.commit(["dsl/models/post.json": "{}"])
        try clone.run(["push", "--quiet", bare.path, "main"])
    }

    func expectWake(_ watcher: RefWatcher, after action: () throws -> Void) async throws {
        let start = ContinuousClock.now
        try action()
        let reason = await watcher.wait(timeout: .seconds(60))
        #expect(reason == .signalled)
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func aPushToABareRepositoryWakesTheWatcher() async throws {
        let watcher = try RefWatcher(repositoryPath: bare.path, logger: .quiet)
        defer { watcher.stop() }
        #expect(watcher.gitDirectory == bare.path)
        try await expectWake(watcher) {
            try clone.commit(["dsl/models/post.json": "{\"fields\":{}}"])
            try clone.run(["push", "--quiet", bare.path, "main"])
        }
    }

    @Test func quietRepositoryTimesOut() async throws {
        let watcher = try RefWatcher(repositoryPath: bare.path, logger: .quiet)
        defer { watcher.stop() }
        #expect(await watcher.wait(timeout: .milliseconds(300)) == .timedOut)
    }

    @Test func cancellationEndsTheWait() async throws {
        let watcher = try RefWatcher(repositoryPath: bare.path, logger: .quiet)
        defer { watcher.stop() }
        let task = Task { await watcher.wait(timeout: .seconds(60)) }
        task.cancel()
        #expect(await task.value == .cancelled)
    }

    @Test func packRefsWakesTheWatcher() async throws {
        let watcher = try RefWatcher(repositoryPath: bare.path, logger: .quiet)
        defer { watcher.stop() }
        try await expectWake(watcher) {
            try bare.run(["pack-refs", "--all"])
        }
    }

    @Test func deletingAPackedOnlyBranchWakesTheWatcher() async throws {
        try clone.run(["push", "--quiet", bare.path, "main:other"])
        try bare.run(["pack-refs", "--all"])
        let watcher = try RefWatcher(repositoryPath: bare.path, logger: .quiet)
        defer { watcher.stop() }
        try await expectWake(watcher) {
            try clone.run(["push", "--quiet", bare.path, ":other"])
        }
    }

    @Test func newNestedBranchDirectoriesAreWatched() async throws {
        let watcher = try RefWatcher(repositoryPath: bare.path, logger: .quiet)
        defer { watcher.stop() }
        try await expectWake(watcher) {
            try clone.run(["push", "--quiet", bare.path, "main:feature/a/b"])
        }
        // Let any trailing burst (e.g. receive-pack's auto gc) settle into the pending flag, then consume it.
        _ = await watcher.wait(timeout: .milliseconds(1500))
        try await expectWake(watcher) {
            try clone.commit(["README": "nested"])
            try clone.run(["push", "--quiet", bare.path, "main:feature/a/b"])
        }
    }

    @Test func aCommitInANonBareRepositoryWakesTheWatcher() async throws {
        let watcher = try RefWatcher(repositoryPath: clone.path, logger: .quiet)
        defer { watcher.stop() }
        #expect(watcher.gitDirectory == clone.path + "/.git")
        try await expectWake(watcher) {
            try clone.commit(["dsl/models/tag.json": "{}"])
        }
    }

    @Test func notARepositoryIsAnError() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: RefWatcherError.self) { try RefWatcher(repositoryPath: directory.path, logger: .quiet) }
    }
}
