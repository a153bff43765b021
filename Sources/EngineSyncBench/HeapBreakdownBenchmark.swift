import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Logging
import PostgresClient

#if canImport(Glibc)
    import Glibc
#endif

/// glibc's `malloc_info` (in `<malloc.h>`, which the Glibc module does not export): the arenas' state as XML.
@_silgen_name("malloc_info")
private func mallocInfo(_ options: Int32, _ stream: UnsafeMutablePointer<FILE>) -> Int32

/// What each structure the daemon keeps between reconciles costs in heap bytes at a given schema size: the
/// in-use bytes (jemalloc's `stats.allocated`, or glibc's `malloc_info`) with and without
/// the structure. Explains the idle daemon's anonymous memory (docs/BENCHMARKS.md, "Where the 1,000-model
/// daemon's memory is"); malloc's own overhead and the free memory it cannot return come on top.
enum HeapBreakdownBenchmark {
    /// In-use heap bytes: jemalloc's `stats.allocated`; on glibc's malloc, the arenas' system memory less their free
    /// chunks, plus the mmap'd chunks (the last `<total>`/`<system>` elements of `malloc_info` are the totals over
    /// every arena).
    static func inUse() -> Int {
        if let allocated = FreeMemoryRelease.allocatedBytes() { return allocated }
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return 0 }
        _ = mallocInfo(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard let buffer else { return 0 }
        let xml = String(cString: buffer)
        func last(_ prefix: String) -> Int {
            guard let line = xml.split(separator: "\n").last(where: { $0.contains(prefix) }),
                let sizeStart = line.range(of: "size=\"")?.upperBound,
                let sizeEnd = line[sizeStart...].firstIndex(of: "\"")
            else { return 0 }
            return Int(line[sizeStart..<sizeEnd]) ?? 0
        }
        return last("<system type=\"current\"") - last("<total type=\"fast\"") - last("<total type=\"rest\"")
            + last("<total type=\"mmap\"")
    }

    static func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    /// The pure part: the DSL files, the compiled DSL, and the compile cache a daemon keeps beside it.
    static func run(models: Int) {
        let compiler = DSLCompiler()
        let base = inUse()
        let files = BenchDSL.files(models: models)
        let afterFiles = inUse()
        print("heap: \(models) models × \(BenchDSL.fieldCount) fields (in-use bytes, \(FreeMemoryRelease.allocator))")
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
