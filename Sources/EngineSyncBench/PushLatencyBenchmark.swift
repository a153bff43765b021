import EngineSyncCore
import Foundation

/// Push-to-report latency of a running daemon: `pushes` one-column commits, each pushed with the git command
/// line from a working clone of the watched bare repository; the time runs until the daemon's
/// `<sha>.json` report appears (polled every millisecond: a stat, no process).
///
/// The daemon is started by `scripts/bench.sh`; this only commits, pushes and waits.
enum PushLatencyBenchmark {
    /// `first`: the number of the first push (its commit adds `extra_<first - 1>`), to go on after an earlier run.
    static func run(clone: String, reports: String, models: Int, pushes: Int, first: Int = 1) {
        var fromPushStart: [Double] = []
        var fromPushEnd: [Double] = []
        var pushTimes: [Double] = []
        let modelFile = "dsl/models/\(BenchDSL.modelName(0)).json"
        for push in first..<(first + pushes) {
            guard let file = BenchDSL.files(models: 1, extraFields: push).first(where: { $0.path == modelFile }) else {
                BenchMain.fail("no model")
            }
            do {
                try Data(file.bytes).write(to: URL(fileURLWithPath: clone).appendingPathComponent(modelFile))
            } catch {
                BenchMain.fail("cannot write \(modelFile): \(error)")
            }
            git(clone, ["commit", "-q", "-a", "-m", "bench: extra_\(push - 1)"])
            let sha = git(clone, ["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
            let report = URL(fileURLWithPath: reports).appendingPathComponent("\(sha).json").path
            let start = PhaseBenchmark.now()
            git(clone, ["push", "-q", "origin", "HEAD"])
            let pushed = PhaseBenchmark.now()
            let deadline = pushed + 60_000
            while !FileManager.default.fileExists(atPath: report) {
                if PhaseBenchmark.now() > deadline { BenchMain.fail("no report for \(sha) after 60 s (push \(push))") }
                usleep(1_000)
            }
            let done = PhaseBenchmark.now()
            if let data = FileManager.default.contents(atPath: report),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let outcome = json["outcome"] as? String, outcome != "synced"
            {
                BenchMain.fail("push \(push): outcome \(outcome), expected synced (\(report))")
            }
            fromPushStart.append(done - start)
            fromPushEnd.append(done - pushed)
            pushTimes.append(pushed - start)
            usleep(100_000)  // let the daemon write latest.* and go idle before the next push
        }
        print("push-latency: \(pushes) one-column commits on a \(models)-model schema")
        line("git push itself", pushTimes)
        line("push returned → report", fromPushEnd)
        line("push started → report", fromPushStart)
    }

    static func line(_ label: String, _ values: [Double]) {
        let sorted = values.sorted()
        func percentile(_ p: Double) -> Double {
            sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
        print(
            "  \(label): p50 \(format(percentile(0.5))) ms, p99 \(format(percentile(0.99))) ms, "
                + "max \(format(sorted.last ?? 0)) ms")
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    @discardableResult
    static func git(_ directory: String, _ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            BenchMain.fail("git \(arguments.joined(separator: " ")): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            BenchMain.fail("git \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
