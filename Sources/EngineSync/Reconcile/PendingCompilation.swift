package import EngineSyncCore
import Foundation
import Synchronization

/// The daemon's `DSLCompileCache` for one target, kept between reconciles so that a commit's compile redoes only
/// the files it changed (docs/DSL.md, "Incremental compile"); one-shot commands compile afresh. The daemon keeps it
/// while pushes keep coming and releases it at its first idle turn (`release()`): it is most of what an idle
/// daemon would hold (~24 MiB at 1,000 models) for ~30 ms of the next push.
package final class CompileCache: Sendable {
    private let entries = Mutex<DSLCompileCache?>(DSLCompileCache())

    package init() {}

    /// The cache, for reading files from it without taking it (an empty one while a compile holds it).
    package func peek() -> DSLCompileCache {
        entries.withLock { $0 ?? DSLCompileCache() }
    }

    /// Takes the cache for a compile; a compile that overlaps another starts from an empty one (slower, as exact).
    func take() -> DSLCompileCache {
        entries.withLock { entries in
            defer { entries = nil }
            return entries ?? DSLCompileCache()
        }
    }

    /// Keeps what the compile left: what it read of the last commit, nothing of what that commit superseded.
    func keep(_ cache: DSLCompileCache) {
        entries.withLock { $0 = cache }
    }

    /// How many files the cache holds (0 once released).
    package var fileCount: Int { entries.withLock { $0?.fileCount ?? 0 } }

    /// Empties the cache; returns whether it held anything. The next compile starts from scratch (as exact).
    @discardableResult
    package func release() -> Bool {
        var released: DSLCompileCache? = DSLCompileCache()
        entries.withLock { swap(&$0, &released) }
        return (released?.fileCount ?? 0) > 0
        // `released` is freed here, outside the lock.
    }
}

/// A DSL compile running on a thread of its own (`BackgroundValue`) while the reconcile connects, takes the lock
/// and reads the catalog: the compile is pure and CPU-bound (~100 ms at 1,000 models), the catalog read mostly
/// waits on the server, and the machine has two cores. The first caller that needs the result (or has to report
/// on the DSL before anything is written) joins.
final class PendingCompilation: Sendable {
    private let running: BackgroundValue<DSLCompilation>

    /// The size of the DSL being compiled (`DSLCompiler.LoadedFiles.byteCount`).
    let sourceBytes: Int

    /// Starts compiling `files`; incrementally when a long-running caller keeps a `CompileCache`.
    init(_ compiler: DSLCompiler, files: DSLCompiler.LoadedFiles, cache: CompileCache? = nil) {
        sourceBytes = files.byteCount
        running = BackgroundValue {
            guard let cache else { return compiler.compile(files) }
            var entries = cache.take()
            let result = compiler.compile(files, cache: &entries)
            cache.keep(entries)
            return result
        }
    }

    /// The compile's result, waiting for it the first time.
    var compilation: DSLCompilation { running.value }
}
