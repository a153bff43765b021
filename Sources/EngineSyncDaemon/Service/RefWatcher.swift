import Foundation
package import Logging
import Synchronization
import TextAlgorithms

#if canImport(Glibc)
    import Glibc
#endif

/// Notices pushes into a local repository with inotify, so a commit is picked up at once instead of at
/// the next poll (SPEC 8 "Wake-up"; c-libraries.md 3).
///
/// Watches `refs/heads/` and every directory below it (branch names with slashes are directories;
/// new ones are watched and scanned as they appear) and the git directory itself, where only
/// `packed-refs` counts (a packed-only update, `git pack-refs`, `git gc`). Events are wake-ups, not
/// data: after ~200 ms without further events (at most 1 s after the first) it signals its
/// `WakeUpSignal`; the caller re-reads the refs through libgit2. `IN_Q_OVERFLOW` rescans everything and
/// wakes; `IN_IGNORED` drops a vanished directory's watch.
///
/// Ownership: one dedicated thread blocks in poll(2) on the inotify descriptor and a stop pipe — no CPU
/// while idle. That thread alone touches the inotify descriptor and the watch table; `stop()` (or
/// deinit) writes to the pipe, and the thread closes the inotify descriptor on its way out.
package final class RefWatcher: Sendable {
    /// The repository path as given (bare repository or work tree).
    package let repositoryPath: String
    /// The git directory being watched (`<repo>/.git` for a repository with a work tree).
    package let gitDirectory: String
    /// Signalled (debounced) when a ref may have changed; `wait(timeout:)` reads it.
    package let signal: WakeUpSignal
    private let stopPipe: OwnedDescriptorPair
    private let stopped = Mutex(false)

    /// Starts watching the repository at `repositoryPath` (bare, or a work tree with `.git`).
    package init(
        repositoryPath: String, signal: WakeUpSignal = WakeUpSignal(), debounce: Duration = .milliseconds(25),
        logger: Logger
    ) throws(RefWatcherError) {
        self.repositoryPath = repositoryPath
        let gitDirectory = try Self.gitDirectory(forRepository: repositoryPath)
        self.gitDirectory = gitDirectory
        self.signal = signal

        let inotify = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard inotify >= 0 else {
            throw RefWatcherError(path: gitDirectory, message: "inotify_init1: \(String(cString: strerror(errno)))")
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            let message = String(cString: strerror(errno))
            close(inotify)
            throw RefWatcherError(path: gitDirectory, message: "pipe2: \(message)")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }  // Glibc's module map hides pipe2
        stopPipe = OwnedDescriptorPair(read: fds[0], write: fds[1])

        let worker = RefWatcherWorker(
            inotify: inotify, stopPipe: stopPipe, gitDirectory: gitDirectory, signal: signal,
            debounce: debounce, logger: logger)
        do {
            try worker.addInitialWatches()
        } catch {
            close(inotify)
            throw error
        }
        let thread = Thread { worker.run() }
        thread.name = "enginesync-refwatcher"
        thread.start()
    }

    deinit { stop() }

    /// Waits for a (debounced) ref change or `timeout`; cancellation returns `.cancelled`.
    package func wait(timeout: Duration) async -> WakeUpSignal.Reason {
        await signal.wait(timeout: timeout)
    }

    /// Stops the watcher thread; idempotent.
    package func stop() {
        let alreadyStopped = stopped.withLock { value in
            defer { value = true }
            return value
        }
        guard !alreadyStopped else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(stopPipe.write, &byte, 1)
    }

    /// The git directory of a repository path: `<path>/.git` (directory, or a `gitdir:` file as in linked
    /// work trees, whose refs live in the common directory), else the path itself when it is bare.
    static func gitDirectory(forRepository path: String) throws(RefWatcherError) -> String {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        let dotGit = path + "/.git"
        if fileManager.fileExists(atPath: dotGit, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return dotGit }
            guard let text = try? String(contentsOfFile: dotGit, encoding: .utf8),
                let line = text.split(separator: "\n").first, line.hasPrefix("gitdir:")
            else {
                throw RefWatcherError(path: dotGit, message: "not a gitdir file")
            }
            var target = line.dropFirst("gitdir:".count).trimmingWhitespace()
            if !target.hasPrefix("/") { target = path + "/" + target }
            if let common = try? String(contentsOfFile: target + "/commondir", encoding: .utf8) {
                let trimmed = common.trimmingWhitespaceAndNewlines()
                return trimmed.hasPrefix("/") ? trimmed : target + "/" + trimmed
            }
            return target
        }
        guard fileManager.fileExists(atPath: path + "/HEAD"), fileManager.fileExists(atPath: path + "/objects") else {
            throw RefWatcherError(path: path, message: "not a git repository (no .git, HEAD or objects)")
        }
        return path
    }
}

/// Two ends of a pipe, closed when the last owner (watcher or its thread) lets go, so neither side can
/// write to a descriptor number that was closed and reused.
final class OwnedDescriptorPair: Sendable {
    let read: Int32
    let write: Int32

    init(read: Int32, write: Int32) {
        self.read = read
        self.write = write
    }

    deinit {
        close(read)
        close(write)
    }
}

/// The watcher thread's state. Confined to that thread after `addInitialWatches` (called before the
/// thread starts), hence `@unchecked Sendable`.
final class RefWatcherWorker: @unchecked Sendable {
    private static let refsMask = UInt32(
        IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_ONLYDIR)
    private static let rootMask = UInt32(IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ONLYDIR)

    private let inotify: Int32
    private let stopPipe: OwnedDescriptorPair
    private let gitDirectory: String
    private let signal: WakeUpSignal
    private let debounceMilliseconds: Int
    private let logger: Logger
    /// Watch descriptor → directory path relative to `refs/heads` ("" for `refs/heads` itself).
    private var refDirectories: [Int32: String] = [:]
    private var rootWatch: Int32 = -1

    init(
        inotify: Int32, stopPipe: OwnedDescriptorPair, gitDirectory: String, signal: WakeUpSignal,
        debounce: Duration, logger: Logger
    ) {
        self.inotify = inotify
        self.stopPipe = stopPipe
        self.gitDirectory = gitDirectory
        self.signal = signal
        let (seconds, attoseconds) = debounce.components
        debounceMilliseconds = max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
        var logger = logger
        logger[metadataKey: "git.dir"] = "\(gitDirectory)"
        self.logger = logger
    }

    private var headsPath: String { gitDirectory + "/refs/heads" }

    func addInitialWatches() throws(RefWatcherError) {
        rootWatch = inotify_add_watch(inotify, gitDirectory, Self.rootMask)
        guard rootWatch >= 0 else {
            throw RefWatcherError(path: gitDirectory, message: "inotify_add_watch: \(String(cString: strerror(errno)))")
        }
        watchTree(relative: "")
    }

    /// Adds watches on `refs/heads/<relative>` and every directory below it. Adding a watch on an
    /// already watched directory returns the same descriptor, so rescans are harmless.
    private func watchTree(relative: String) {
        let absolute = relative.isEmpty ? headsPath : headsPath + "/" + relative
        let wd = inotify_add_watch(inotify, absolute, Self.refsMask)
        guard wd >= 0 else {
            // ENOENT: the directory went away meanwhile (a deleted branch); ENOSPC: out of watches.
            if errno != ENOENT || relative.isEmpty {
                logger.warning(
                    "cannot watch ref directory, relying on polling",
                    metadata: [
                        "watch.path": "\(absolute)", "watch.error": "\(String(cString: strerror(errno)))",
                    ])
            }
            return
        }
        refDirectories[wd] = relative
        guard let children = try? FileManager.default.contentsOfDirectory(atPath: absolute) else { return }
        for child in children {
            var isDirectory: ObjCBool = false
            let childRelative = relative.isEmpty ? child : relative + "/" + child
            if FileManager.default.fileExists(atPath: headsPath + "/" + childRelative, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                watchTree(relative: childRelative)
            }
        }
    }

    func run() {
        defer { close(inotify) }
        var descriptors = [
            pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
        ]
        var firstEventAt: ContinuousClock.Instant?
        let maximumDelay = Duration.seconds(1)
        while true {
            var timeout: Int32 = -1
            if let firstEventAt {
                let remaining = maximumDelay - (ContinuousClock.now - firstEventAt)
                let remainingMilliseconds = max(
                    0,
                    Int(remaining.components.seconds) * 1000
                        + Int(remaining.components.attoseconds / 1_000_000_000_000_000))
                timeout = Int32(min(debounceMilliseconds, remainingMilliseconds))
            }
            let ready = poll(&descriptors, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error(
                    "ref watcher stopped, relying on polling",
                    metadata: [
                        "watch.error": "\(String(cString: strerror(errno)))"
                    ])
                return
            }
            if ready == 0 {
                // Quiet for the debounce period (or the 1 s cap reached): one wake-up for the burst.
                firstEventAt = nil
                signal.signal()
                continue
            }
            if descriptors[1].revents != 0 { return }
            if descriptors[0].revents & Int16(POLLIN) != 0, drainEvents(), firstEventAt == nil {
                firstEventAt = .now
            }
        }
    }

    /// Reads every queued event; returns whether any of them may mean a ref changed.
    private func drainEvents() -> Bool {
        let capacity = 64 * 1024
        var relevant = false
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(inotify, buffer, capacity)
            if count < 0 {
                if errno == EINTR { continue }
                return relevant  // EAGAIN: drained
            }
            if count == 0 { return relevant }
            var offset = 0
            // Each record: wd, mask, cookie, len (16 bytes), then `len` bytes of NUL-padded name.
            while offset + 16 <= count {
                let wd = buffer.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                var name = ""
                if length > 0 {
                    let bytes = UnsafeRawBufferPointer(
                        start: buffer + offset + 16, count: min(length, count - offset - 16))
                    name = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                }
                offset += 16 + length
                if handle(wd: wd, mask: mask, name: name) { relevant = true }
            }
        }
    }

    private func handle(wd: Int32, mask: UInt32, name: String) -> Bool {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            logger.notice("inotify queue overflowed, rescanning refs")
            watchTree(relative: "")
            return true
        }
        if mask & UInt32(IN_IGNORED) != 0 {
            refDirectories.removeValue(forKey: wd)
            return false
        }
        if wd == rootWatch {
            if name == "refs", mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                watchTree(relative: "")
                return true
            }
            return name == "packed-refs"
        }
        guard let directory = refDirectories[wd] else { return false }
        if mask & UInt32(IN_DELETE_SELF) != 0 { return false }  // IN_IGNORED follows
        if mask & UInt32(IN_ISDIR) != 0 {
            if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                // Watch first, then scan: refs created before the watch existed are found by the scan.
                watchTree(relative: directory.isEmpty ? name : directory + "/" + name)
            }
            return true
        }
        return !name.hasSuffix(".lock")
    }
}
