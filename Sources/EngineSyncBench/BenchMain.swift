import EngineSyncCore
import Foundation

/// Compiles a generated DSL of 1,000 models × 30 fields (bytes → CompiledDSL, parsing included) several times
/// and prints the median. Run with `swift run -c release enginesync-bench`.
@main
enum BenchMain {
    static func main() {
        let modelCount = 1_000
        let fieldCount = 30
        var files: [DSLInputFile] = []
        let types = ["string", "text", "int", "bigint", "boolean", "datetime", "jsonb", "float", "uuid"]
        for model in 0..<modelCount {
            var fields: [String] = []
            for field in 0..<fieldCount {
                let type = types[field % types.count]
                var definition = "\"type\": \"\(type)\""
                if type == "string" { definition += ", \"length\": \(50 + field)" }
                if type == "boolean" { definition += ", \"default\": false" }
                fields.append("\"field_\(field)\": {\(definition)}")
            }
            if model > 0 { fields.append("\"parent_id\": {\"type\": \"int\", \"source\": \"model_\(String(format: "%04d", model - 1))\", \"sourceid\": \"id\"}") }
            let text = "{\"fields\": {\(fields.joined(separator: ", "))}, "
                + "\"indexes\": {\"unique\": [[\"field_0\", \"field_2\"]], \"many\": [[\"field_3\"]]}, "
                + "\"auto_name\": [\"field_0\"]}"
            files.append(DSLInputFile(path: "dsl/models/model_\(String(format: "%04d", model)).json", text: text))
        }
        let compiler = DSLCompiler()
        var timings: [Double] = []
        var cpuTimings: [Double] = []
        var tables = 0
        for _ in 0..<9 {
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = threadCPUNanoseconds()
            let result = compiler.compile(files: files)
            cpuTimings.append(Double(threadCPUNanoseconds() - cpuStart) / 1_000_000)
            let end = DispatchTime.now().uptimeNanoseconds
            timings.append(Double(end - start) / 1_000_000)
            tables = result.compiled?.schema.tables.count ?? -1
            if !result.isValid {
                print("bench DSL is invalid: \(result.errors.first?.message ?? "?")")
                return
            }
        }
        timings.sort()
        cpuTimings.sort()
        print("compiled \(modelCount) models × \(fieldCount) fields (\(tables) tables): "
            + "median \(String(format: "%.1f", timings[timings.count / 2])) ms wall "
            + "(\(String(format: "%.1f", cpuTimings[cpuTimings.count / 2])) ms thread CPU), "
            + "min \(String(format: "%.1f", timings[0])) ms over \(timings.count) runs")
    }

    /// CPU time of this thread: steadier than wall time on a shared machine.
    static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
