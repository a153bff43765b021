import ArgumentParser
import EngineSync
import EngineSyncCore

/// A duration flag with the configuration file's syntax (`500ms`, `3s`, `10m`, `1h30m`; DurationText).
struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var duration: Duration

    init(milliseconds: Int) { duration = .milliseconds(milliseconds) }

    init?(argument: String) {
        guard let value = DurationText.parse(argument) else { return nil }
        duration = value
    }

    var milliseconds: Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    var description: String { DurationText.format(duration) }

    var defaultValueDescription: String { description }
}
