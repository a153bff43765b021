import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Logging
import PostgresClient

/// What each structure the daemon keeps between reconciles costs in heap bytes at a given schema size: the in-use
/// bytes (jemalloc's `stats.allocated`) with and without the structure. Explains the idle daemon's anonymous memory
/// (docs/BENCHMARKS.md, "Where the 1,000-model daemon's memory is now"); the allocator's own overhead comes on top.
enum HeapBreakdownBenchmark {
    /// In-use heap bytes: jemalloc's `stats.allocated` (the bench is linked with the daemon's allocator).
    static func inUse() -> Int {
        guard let allocated = FreeMemoryRelease.allocatedBytes() else {
            BenchMain.fail("heap figures need jemalloc's statistics; enginesync-bench is linked with jemalloc")
        }
        return allocated
    }

    static func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    /// The pure part: the DSL files, the compiled DSL, and the compile cache a daemon keeps beside it.
    static func run(models: Int) {
        let compiler = DSLCompiler()
        let base = inUse()
        let files = BenchDSL.files(models: models)
        let afterFiles = inUse()
        print("heap: \(models) models × \(BenchDSL.fieldCount) fields (in-use bytes, jemalloc)")
        print("  the DSL files' bytes                          \(mib(afterFiles - base))")
        withExtendedLifetime(files) {
            guard let compiled = compiler.compile(files: files).compiled else { fail() }
            print("  CompiledDSL (a full compile)                  \(mib(inUse() - afterFiles))")
            withExtendedLifetime(compiled) {}
        }
        withExtendedLifetime(files) {
            let before = inUse()
            var cache = DSLCompileCache()
            guard let compiled = compiler.compile(files: files, cache: &cache).compiled else { fail() }
            let withCache = inUse()
            withExtendedLifetime(compiled) {
                cache = DSLCompileCache()
                print("  CompiledDSL + DSLCompileCache                 \(mib(withCache - before))")
                print("    the cache beside the CompiledDSL            \(mib(withCache - inUse()))")
            }
        }
    }

    /// The daemon's caches after two reconciles of `directory` (the second with nothing to do), each released in
    /// turn.
    static func run(directory: String, dsn: String) {
        let logger = Logger(label: "enginesync-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let base = inUse()
        var snapshotCache: SnapshotCache? = SnapshotCache()
        var liveSchemaCache: LiveSchemaCache? = LiveSchemaCache()
        var compileCache: CompileCache? = CompileCache()
        var keptSession: KeptSession? = KeptSession(logger: logger)
        var reconciler: Reconciler? = Reconciler(
            database: PostgresConfiguration(dsn: dsn), options: ReconcilerOptions(), logger: logger,
            snapshotCache: snapshotCache, liveSchemaCache: liveSchemaCache, compileCache: compileCache,
            keptSession: keptSession)
        for run in 1...3 {
            guard let result = reconciler?.reconcile(.directory(directory)), result.report.outcome == .synced else {
                BenchMain.fail("reconcile \(run) did not sync")
            }
            snapshotCache?.releaseReplaced()
        }
        reconciler = nil
        let all = inUse()
        print("heap after 3 reconciles of \(directory) (in-use bytes beside the start)")
        print("  everything the daemon keeps                   \(mib(all - base))")
        var last = all
        func released(_ label: String, _ body: () -> Void) {
            body()
            let now = inUse()
            print("  \(label) \(mib(last - now))")
            last = now
        }
        released("  the compile cache                           ") { compileCache = nil }
        released("  the live schema cache                       ") { liveSchemaCache = nil }
        released("  the snapshot cache (compiled DSL, row doc)  ") { snapshotCache = nil }
        released("  the kept session                            ") {
            keptSession?.close()
            keptSession = nil
        }
        print("  what remains                                  \(mib(last - base))")
    }

    static func fail() -> Never { BenchMain.fail("bench DSL is invalid") }
}
