import ArgumentParser

/// A duration flag: `500ms`, `3s`, `10m`, `1h`, or a bare number of seconds.
struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var milliseconds: Int

    init(milliseconds: Int) { self.milliseconds = milliseconds }

    init?(argument: String) {
        guard let value = Self.parse(argument) else { return nil }
        milliseconds = value
    }

    var duration: Duration { .milliseconds(milliseconds) }

    var description: String {
        if milliseconds % 3_600_000 == 0, milliseconds > 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0, milliseconds > 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    var defaultValueDescription: String { description }

    /// Milliseconds, or `nil` when the text is not a non-negative duration.
    static func parse(_ text: String) -> Int? {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if suffix == "s", number.hasSuffix("m") { continue }
            guard let value = Double(number), value >= 0, value.isFinite else { return nil }
            return Int((value * factor).rounded())
        }
        guard let seconds = Double(text), seconds >= 0, seconds.isFinite else { return nil }
        return Int((seconds * 1000).rounded())
    }
}
