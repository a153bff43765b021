import EngineSyncCore
import EngineSyncDaemon
import Foundation

/// Benchmarks of the pure parts (no database), and the DSL generator `scripts/bench.sh` uses.
///
///     enginesync-bench [--models N]                      compile + plan benchmarks (default 1,000 models)
///     enginesync-bench compile [--models N]              DSL bytes → CompiledDSL, median of 7
///     enginesync-bench compile-incremental [--models N]  one field added to one model, compiled against the
///                                                        previous commit's DSLCompileCache, median of 7
///     enginesync-bench plan [--models N] [--changed N]   Planner.plan against a live schema equal to the DSL
///                                                        (or N fields behind it: N add_column changes)
///     enginesync-bench generate DIR [--models N] [--widen]   write the DSL repository (dsl/models/*.json)
///     enginesync-bench phases DIR --database DSN [--schema S] [--runs N]   a no-change plan, phase by phase
///     enginesync-bench catalog-sql [--schema S]          the catalog queries, ready for psql
///     enginesync-bench push-latency CLONE REPORTS_DIR [--models N] [--pushes N]   daemon push → report
///     enginesync-bench reconcile-loop DIR --database DSN [--runs N] [--trim]   RSS over N in-process reconciles
///
/// Run with `swift run -c release enginesync-bench` or `scripts/bench.sh` (docs/BENCHMARKS.md).
@main
enum BenchMain {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var models = 1_000
        var widen = false
        if let flag = arguments.firstIndex(of: "--models") {
            guard flag + 1 < arguments.count, let value = Int(arguments[flag + 1]), value > 0 else {
                fail("--models needs a positive number")
            }
            models = value
            arguments.removeSubrange(flag...(flag + 1))
        }
        if let flag = arguments.firstIndex(of: "--widen") {
            widen = true
            arguments.remove(at: flag)
        }
        let database = option("--database", in: &arguments)
        let schema = option("--schema", in: &arguments) ?? "public"
        let runs = number(option("--runs", in: &arguments), name: "--runs") ?? 5
        let pushes = number(option("--pushes", in: &arguments), name: "--pushes") ?? 50
        let first = number(option("--first", in: &arguments), name: "--first")
        let changed = option("--changed", in: &arguments).map { text -> Int in
            guard let value = Int(text), value >= 0 else { fail("--changed needs a number") }
            return value
        }
        let trim = arguments.contains("--trim")
        arguments.removeAll { $0 == "--trim" }
        switch arguments.first {
        case nil:
            compileBenchmark(models: models)
            planBenchmark(models: models)
        case "compile":
            compileBenchmark(models: models)
        case "compile-incremental":
            incrementalCompileBenchmark(models: models)
        case "heap":
            if arguments.count == 2, let database {
                HeapBreakdownBenchmark.run(directory: arguments[1], dsn: database)
            } else {
                HeapBreakdownBenchmark.run(models: models)
            }
        case "plan":
            planBenchmark(models: models, changed: changed ?? 0)
        case "generate":
            guard arguments.count == 2 else { fail("usage: enginesync-bench generate DIR [--models N] [--widen]") }
            do {
                try BenchDSL.write(BenchDSL.files(models: models, widen: widen), to: arguments[1])
            } catch {
                fail("cannot write the DSL: \(error)")
            }
        case "phases":
            guard arguments.count == 2, let database else { fail("usage: enginesync-bench phases DIR --database DSN") }
            PhaseBenchmark.run(directory: arguments[1], dsn: database, schema: schema, runs: runs)
        case "catalog-sql":
            PhaseBenchmark.printCatalogSQL(schema: schema)
        case "push-latency":
            guard arguments.count == 3 else {
                fail("usage: enginesync-bench push-latency CLONE REPORTS_DIR [--pushes N] [--first N]")
            }
            PushLatencyBenchmark.run(
                clone: arguments[1], reports: arguments[2], models: models, pushes: pushes, first: first ?? 1)
        case "reconcile-loop":
            guard arguments.count == 2, let database else {
                fail("usage: enginesync-bench reconcile-loop DIR --database DSN [--runs N] [--trim]")
            }
            ReconcileLoopBenchmark.run(directory: arguments[1], dsn: database, runs: runs, trim: trim)
        default:
            fail(
                "usage: enginesync-bench [compile|compile-incremental|plan|heap [DIR --database DSN]|generate DIR|phases DIR|catalog-sql|push-latency CLONE REPORTS] "
                    + "[--models N] [--widen] [--database DSN] [--schema S] [--runs N] [--pushes N]")
        }
    }

    static func compileBenchmark(models: Int) {
        let files = BenchDSL.files(models: models)
        let compiler = DSLCompiler()
        var tables = 0
        let timings = measure(runs: 7) {
            let result = compiler.compile(files: files)
            guard let compiled = result.compiled else {
                fail("bench DSL is invalid: \(result.errors.first?.message ?? "?")")
            }
            tables = compiled.schema.tables.count
        }
        report("compile: \(models) models × \(BenchDSL.fieldCount) fields (\(tables) tables)", timings)
    }

    /// The daemon's compile of a push: commit k+1 adds one `string(50)` field to `model_00000` (the first model
    /// in the documents' key order, so the hashes are redone over every byte) and is compiled against the cache
    /// commit k left. Also prints the first compile (empty cache) and checks each result against a full compile.
    static func incrementalCompileBenchmark(models: Int) {
        let compiler = DSLCompiler()
        var cache = DSLCompileCache()
        let commits = (0...7).map { BenchDSL.files(models: models, extraFields: $0) }
        var first: Double = 0
        var timings: [Double] = []
        var last = DSLCompilation(compiled: nil, diagnostics: [])
        for (number, files) in commits.enumerated() {
            var result = DSLCompilation(compiled: nil, diagnostics: [])
            let elapsed = measure(runs: 1) { result = compiler.compile(files: files, cache: &cache) }[0]
            let full = compiler.compile(files: files)
            guard let compiled = result.compiled, compiled == full.compiled, result.diagnostics == full.diagnostics
            else {
                fail("the incremental compile of commit \(number) differs from the full compile")
            }
            if number == 0 { first = elapsed } else { timings.append(elapsed) }
            last = result
        }
        timings.sort()
        print("compile-incremental, first compile (empty cache): \(String(format: "%.1f", first)) ms")
        // What the cache holds beside the last compiled DSL (which the daemon keeps anyway): anonymous memory with
        // and without it, free memory handed back each time.
        let counts = (cache.fileCount, cache.modelCount)
        FreeMemoryRelease.returnFreePages()
        let held = ReconcileLoopBenchmark.Memory.current().anonymous
        cache = DSLCompileCache()
        FreeMemoryRelease.returnFreePages()
        let released = ReconcileLoopBenchmark.Memory.current().anonymous
        print(
            "compile-incremental, cache: \(counts.0) files, \(counts.1) models, "
                + "\(ReconcileLoopBenchmark.Memory.mib(held - released)) MiB anonymous memory beside the last compiled DSL "
                + "(\(last.compiled?.schema.tables.count ?? 0) tables)")
        report(
            "compile-incremental: \(models) models × \(BenchDSL.fieldCount) fields, one field added to one model",
            timings)
    }

    /// `Planner.plan` alone: desired = the compiled DSL, snapshot = the same, live = its schema as the catalog
    /// reader would return it (no model/field keys). Nothing to do, so every column, index and key is compared.
    /// `changed` > 0: the desired DSL has that many more fields on model 0 than the snapshot and the live schema
    /// (the daemon's one-field commit): as many `add_column` changes, everything else compared as before.
    static func planBenchmark(models: Int, changed: Int = 0) {
        let compiler = DSLCompiler()
        let result = compiler.compile(files: BenchDSL.files(models: models))
        guard let base = result.compiled else {
            fail("bench DSL is invalid: \(result.errors.first?.message ?? "?")")
        }
        var desired = base
        if changed > 0 {
            guard let compiled = compiler.compile(files: BenchDSL.files(models: models, extraFields: changed)).compiled
            else { fail("bench DSL with extra fields is invalid") }
            desired = compiled
        }
        var live = base.schema
        for tableIndex in live.tables.indices {
            live.tables[tableIndex].modelKey = nil
            live.tables[tableIndex].estimatedRows = 0
            live.tables[tableIndex].primaryKeyConstraint = "\(live.tables[tableIndex].name)_pkey"
            for columnIndex in live.tables[tableIndex].columns.indices {
                live.tables[tableIndex].columns[columnIndex].fieldKey = nil
            }
        }
        let planner = Planner()
        var changes = -1
        let timings = measure(runs: 7) {
            let plan = planner.plan(desired: desired, snapshot: base, live: live)
            changes = plan.safe.count + plan.blocked.count
        }
        let columns = live.tables.reduce(0) { $0 + $1.columns.count }
        report(
            "plan\(changed > 0 ? " (\(changed) fields added)" : ""): \(live.tables.count) tables, \(columns) columns, \(live.indexes.count) indexes, "
                + "\(live.foreignKeys.count) foreign keys; \(changes) changes", timings)
    }

    /// Removes `--name VALUE` from `arguments` and returns VALUE.
    static func option(_ name: String, in arguments: inout [String]) -> String? {
        guard let flag = arguments.firstIndex(of: name) else { return nil }
        guard flag + 1 < arguments.count else { fail("\(name) needs a value") }
        let value = arguments[flag + 1]
        arguments.removeSubrange(flag...(flag + 1))
        return value
    }

    static func number(_ text: String?, name: String) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value > 0 else { fail("\(name) needs a positive number") }
        return value
    }

    static func measure(runs: Int, _ body: () -> Void) -> [Double] {
        var timings: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let end = DispatchTime.now().uptimeNanoseconds
            timings.append(Double(end - start) / 1_000_000)
        }
        return timings.sorted()
    }

    static func report(_ label: String, _ timings: [Double]) {
        print(
            "\(label): median \(String(format: "%.1f", timings[timings.count / 2])) ms, "
                + "min \(String(format: "%.1f", timings[0])) ms over \(timings.count) runs")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("enginesync-bench: \(message)\n".utf8))
        exit(64)
    }
}
