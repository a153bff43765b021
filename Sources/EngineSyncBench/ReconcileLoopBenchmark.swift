import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Logging
import PostgresClient

/// The memory of a long-running reconciler: the pipeline the daemon runs for each commit (`Reconciler` with the
/// caches a `DaemonReconciler` keeps per target: snapshot, live schema, compile, the kept session; the replaced
/// snapshot generation freed after each reconcile, as the daemon does once the report is written), `runs` times in this one process on a directory, printing the resident set after
/// 1, 10, 100, … reconciles and its growth after the warm-up (issue 14 goal 3: nothing grows over 1,000).
///
/// Every reconcile is a real sync (introspection, plan, the log row in one transaction); after the first, which
/// creates the schema if the database is empty, there is nothing to apply.
enum ReconcileLoopBenchmark {
    static func run(directory: String, dsn: String, runs: Int, trim: Bool) {
        let logger = Logger(label: "enginesync-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let snapshotCache = SnapshotCache()
        let keptSession = KeptSession(logger: logger)
        defer { keptSession.close() }
        let reconciler = Reconciler(
            database: PostgresConfiguration(dsn: dsn), options: ReconcilerOptions(), logger: logger,
            snapshotCache: snapshotCache, liveSchemaCache: LiveSchemaCache(), compileCache: CompileCache(),
            keptSession: keptSession)
        var checkpoints: [Int] = [1, 10]
        while let last = checkpoints.last, last * 10 <= runs { checkpoints.append(last * 10) }
        if checkpoints.last != runs { checkpoints.append(runs) }
        var atWarmUp: Memory?
        var heapAtWarmUp = 0
        let start = DispatchTime.now().uptimeNanoseconds
        print(
            "reconcile-loop: \(runs) reconciles of \(directory), \(FreeMemoryRelease.allocator)"
                + "\(trim ? ", free memory released after each" : "")")
        for run in 1...runs {
            let result = reconciler.reconcile(.directory(directory))
            guard result.report.outcome == .synced else {
                BenchMain.fail("reconcile \(run): outcome \(result.report.outcome.rawValue)")
            }
            snapshotCache.releaseReplaced()
            if trim { FreeMemoryRelease.returnFreePages() }
            guard checkpoints.contains(run) else { continue }
            let memory = Memory.current()
            let heap = HeapBreakdownBenchmark.inUse()
            if run == 10 {
                atWarmUp = memory
                heapAtWarmUp = heap
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print(
                "  after \(run): RSS \(memory.text), heap in use \(HeapBreakdownBenchmark.mib(heap)) "
                    + "(\(String(format: "%.1f", seconds)) s)")
        }
        let end = Memory.current()
        if let atWarmUp {
            // The heap in use is what a leak grows; the resident set adds what malloc keeps around it (free
            // chunks it cannot hand back), which settles over the first few hundred reconciles.
            print(
                "  growth from reconcile 10 to \(runs): RSS \(Memory.mib(end.rss - atWarmUp.rss)) MiB, "
                    + "anonymous \(Memory.mib(end.anonymous - atWarmUp.anonymous)) MiB, "
                    + "heap in use \(HeapBreakdownBenchmark.mib(HeapBreakdownBenchmark.inUse() - heapAtWarmUp))")
        }
    }

    /// This process's resident set from `/proc/self/status`, in KiB.
    struct Memory {
        var rss = 0
        var anonymous = 0
        var file = 0

        static func current() -> Memory {
            var memory = Memory()
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return memory }
            for line in status.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
                switch fields[0] {
                case "VmRSS:": memory.rss = kib
                case "RssAnon:": memory.anonymous = kib
                case "RssFile:": memory.file = kib
                default: break
                }
            }
            return memory
        }

        var text: String {
            "\(Self.mib(rss)) MiB (anonymous \(Self.mib(anonymous)) MiB, file-backed \(Self.mib(file)) MiB)"
        }

        static func mib(_ kib: Int) -> String { String(format: "%.1f", Double(kib) / 1024) }
    }
}
