import ArgumentParser

/// Where a command reads the DSL and the migrations — `--repo PATH [--rev REV]` or `--dir ROOT`, and the folders
/// inside — as one option group for `validate`, `plan`, `sync`, `status` and `migrate`, read through one
/// `SourceReader`. Each command keeps its own defaults (`status` takes the configuration's branch) and its rule
/// on which of `--repo` and `--dir` it needs.
struct SourceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A git repository (bare or not); files are read from the object database.", valueName: "path"))
    var repo: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The revision of --repo: a branch, tag or sha (default: main; status: the configuration's branch).",
            valueName: "rev"))
    var rev: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A directory laid out like the repository (dsl/, migrations/) instead of --repo.", valueName: "root"))
    var dir: String?

    @Option(
        name: .customLong("dsl-path"),
        help: ArgumentHelp(
            "The DSL folder inside the repository (default: dsl); not for status and migrate, which read no DSL.",
            valueName: "path"))
    var dslPath: String?

    @Option(
        name: .customLong("migrations-path"),
        help: ArgumentHelp("The migrations folder inside the repository (default: migrations).", valueName: "path"))
    var migrationsPath: String?
}

extension SourceOptions {
    /// For the commands that read only the migrations (`status`, `migrate`): a `--dsl-path` there would be
    /// ignored, so it is a usage error naming the command.
    func refuseDSLPath(command: String) throws {
        if dslPath != nil {
            throw ValidationError("--dsl-path: \(command) reads only the migrations (--migrations-path), not the DSL")
        }
    }
}
