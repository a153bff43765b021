import ArgumentParser
import EngineSyncDaemon
import Foundation

/// `strict` for the one-shot commands (`validate`, `plan`, `sync`), which read no configuration file: the
/// `--strict` flag, else `ENGINESYNC_STRICT` as the daemon reads it (true/yes/on/1, false/no/off/0).
enum StrictSetting {
    static func resolve(flag: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Bool
    {
        if flag { return true }
        let name = DaemonConfigurationLoader.environmentVariable(for: "strict")
        guard let value = environment[name], !value.isEmpty else { return false }
        switch value.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ValidationError("\(name): expected true or false, got \"\(value)\"")
        }
    }
}
