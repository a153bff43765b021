import ArgumentParser
import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Testing

@testable import EngineSync
@testable import EngineSyncCommands

/// `strict` (issue 11): the configuration key, `ENGINESYNC_STRICT` and the flags reach the DSL compiler.
@Suite struct StrictSettingTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    func load(_ yaml: String, env: [String: String] = [:], flags: [String: String] = [:]) throws -> DaemonConfiguration
    {
        let path = directory.path + "/enginesync.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try DaemonConfigurationLoader(
            configPath: path, flags: flags, environment: env,
            defaultConfigPath: directory.path + "/absent.yaml"
        ).load()
    }

    @Test func offByDefaultAndSetByFileEnvironmentOrFlag() throws {
        #expect(try load("repo: /srv/a.git\n").reconcilerOptions.compiler.strict == false)
        #expect(try load("repo: /srv/a.git\nstrict: true\n").reconcilerOptions.compiler.strict)
        #expect(try load("repo: /srv/a.git\n", env: ["ENGINESYNC_STRICT": "yes"]).reconcilerOptions.compiler.strict)
        #expect(
            try load("repo: /srv/a.git\nstrict: true\n", flags: ["strict": "false"]).reconcilerOptions.compiler.strict
                == false)
        #expect(try load("repo: /srv/a.git\nstrict: true\n").redactedDescription.contains("strict=true"))
    }

    @Test func aBadValueNamesTheKey() throws {
        #expect { try load("repo: /srv/a.git\nstrict: maybe\n") } throws: { error in
            "\(error)".contains("strict") && "\(error)".contains("maybe")
        }
        #expect(throws: ValidationError.self) {
            try StrictSetting.resolve(flag: false, environment: ["ENGINESYNC_STRICT": "maybe"])
        }
    }

    @Test func oneShotCommandsTakeTheFlagOrTheEnvironment() throws {
        #expect(try StrictSetting.resolve(flag: true, environment: [:]))
        #expect(try StrictSetting.resolve(flag: false, environment: ["ENGINESYNC_STRICT": "1"]))
        #expect(try StrictSetting.resolve(flag: false, environment: ["ENGINESYNC_STRICT": "off"]) == false)
        #expect(try StrictSetting.resolve(flag: false, environment: [:]) == false)
        let command = try ValidateCommand.parse(["--dir", ".", "--strict"])
        #expect(command.strict)
        let sync = try SyncCommand.parse(["--dir", ".", "--strict"])
        #expect(try sync.options.reconcilerOptions(dryRun: false).compiler.strict)
    }
}
