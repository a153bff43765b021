import ArgumentParser
import EngineSync
import EngineSyncCore
import Foundation

/// `enginesync validate`: compile the DSL of a directory or a commit and print every diagnostic; no database.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Compile the DSL of a directory or a commit and report every error and warning.",
        discussion: """
            Reads <dsl-path>/meta/*.json, <dsl-path>/models/*.json (or <dsl-path>/dsl.json when there is no \
            fragment), compiles them to the desired PostgreSQL schema, checks every file under \
            <migrations-path>/ as `migrate up` and `sync` would load it (UTF-8, quotes, transaction control, \
            duplicate ids), parses every migration statement with PostgreSQL's own parser and lints it for \
            hazards (table rewrites, full scans, index builds that block writes, drops of what the DSL still \
            declares: warnings coded as in docs/MIGRATIONS.md, sizes unknown without a database; a statement \
            the parser refuses is a migration_syntax error) and prints one line per diagnostic. The DSL is held to EngineJS's own rules: what \
            EngineJS refuses is an error, what it does silently (an unknown type becomes varchar, a field's \
            `unique` creates no index, …) a warning — an error with --strict. Nothing connects to a database.

            With --allowed-signers-file (and --migration-approvers-file) it also prints who signed the \
            revision and who approved each migration; with --require-signed-commits an untrusted revision \
            exits 1.

            Exit status: 0 valid, 3 invalid, 1 when the repository or revision cannot be read or the revision \
            is untrusted, 64 usage (also a malformed signers file).

            Examples:
              enginesync validate --dir .
              enginesync validate --repo /srv/git/app.git --rev main --format json
            """
    )

    @OptionGroup(title: "Source") var sourceOptions: SourceOptions

    var repo: String? { sourceOptions.repo }
    var rev: String { sourceOptions.rev ?? "main" }
    var dir: String? { sourceOptions.dir }
    var dslPath: String { sourceOptions.dslPath ?? "dsl" }
    var migrationsPath: String { sourceOptions.migrationsPath ?? MigrationLoader.defaultPath }

    @Option(name: .customLong("snapshot-model"), help: "The key of the snapshot model.")
    var snapshotModel: String = "dsl"

    @Option(name: .long, help: "The PostgreSQL schema migrations run in (lint resolves unqualified names there).")
    var schema: String = "public"

    @Option(name: .customLong("max-file-bytes"), help: "Larger DSL files are errors.")
    var maxFileBytes: Int = 1 << 20

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Warnings about what EngineJS does silently become errors (also ENGINESYNC_STRICT=true).")
    var strict = false

    @OptionGroup(title: "Trust (signed commits, approved migrations)") var trust: TrustOptions

    func validate() throws {
        if (dir == nil) == (repo == nil) { throw ValidationError("give exactly one of --dir or --repo") }
        if maxFileBytes < 1 { throw ValidationError("--max-file-bytes must be positive") }
        if let problem = ManagedSchemaName.problem(schema) { throw ValidationError("--schema \(problem)") }
    }

    func run() throws {
        let options = DSLCompilerOptions(
            dslPath: dslPath, snapshotModelKey: snapshotModel, maxFileBytes: maxFileBytes,
            strict: try StrictSetting.resolve(flag: strict))
        let trustSettings = try trust.settings()
        var compilation: DSLCompilation
        let migrations: MigrationCheck
        var trustState: (trust: ReconcileReport.Trust, refusal: String?)?
        do {
            let source: ReconcileSource
            if let dir {
                source = .directory(dir)
            } else if let repo {
                source = .git(repository: repo, revision: rev)
            } else {
                throw ValidationError("give exactly one of --dir or --repo")
            }
            let reader = try SourceReader(source)
            compilation = try reader.compile(options)
            migrations = reader.checkMigrations(path: migrationsPath, maxFileBytes: maxFileBytes)
            if trustSettings.isActive {
                do {
                    trustState = try reader.inspectTrust(migrations: migrations.migrations, settings: trustSettings)
                } catch {
                    throw CommandFailure("cannot check the signature of '\(rev)': \(error)")
                }
            }
        } catch let failure as SourceReader.Failure {
            FileHandle.standardError.write(Data(("error: " + failure.description + "\n").utf8))
            throw ExitCode(1)
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data(("error: " + failure.message + "\n").utf8))
            throw ExitCode(1)
        } catch let failure as DSLSourceError {
            FileHandle.standardError.write(Data(("error: cannot read " + failure.description + "\n").utf8))
            throw ExitCode(1)
        }
        Self.add(migrations, to: &compilation)
        let lint = MigrationLint.lint(
            migrations.migrations,
            linter: MigrationLinter(
                schema: schema, desired: compilation.compiled?.schema, live: nil))
        Self.add(lint, to: &compilation)
        if dir != nil, trustSettings.requireSignedCommits {
            trustState = (
                ReconcileReport.Trust(required: true),
                "a directory source has no signed commits; "
                    + "require_signed_commits needs --repo"
            )
        }
        switch format {
        case .text:
            print(Self.text(compilation, dslPath: dslPath), terminator: "")
            if let trustState {
                for line in trustState.trust.lines { print("trust: \(line)") }
                if let refusal = trustState.refusal { print("untrusted: \(refusal)") }
            }
        case .json: print(Self.json(compilation, trust: trustState))
        }
        if !compilation.isValid { throw ExitCode(3) }
        if trustState?.refusal != nil { throw ExitCode(1) }
    }

    /// The migrations' problems (errors, `migration_invalid`) and warnings join the DSL's diagnostics; any
    /// problem makes the whole revision invalid, as it would make `sync` refuse it.
    static func add(_ migrations: MigrationCheck, to compilation: inout DSLCompilation) {
        for problem in migrations.problems {
            compilation.diagnostics.append(
                Diagnostic(
                    severity: .error, code: "migration_invalid", file: problem.file, line: problem.line,
                    column: problem.line == nil ? nil : 1, message: problem.message))
        }
        for warning in migrations.warnings {
            compilation.diagnostics.append(
                Diagnostic(
                    severity: .warning, code: warning.code, file: warning.file,
                    message: warning.message))
        }
        if !migrations.problems.isEmpty { compilation.compiled = nil }
    }

    /// Lint hazards are warnings (sizes are unknown without a database); a statement PostgreSQL's parser refuses
    /// is an error (`migration_syntax`) that makes the revision invalid, as the migration could never run.
    static func add(_ lint: MigrationLint.Result, to compilation: inout DSLCompilation) {
        for skipped in lint.skipped {
            compilation.diagnostics.append(
                Diagnostic(
                    severity: .warning, code: MigrationLint.skippedCode, file: skipped.file, line: skipped.line,
                    column: 1, message: skipped.message))
        }
        for error in lint.syntaxErrors {
            compilation.diagnostics.append(
                Diagnostic(
                    severity: .error, code: MigrationLint.syntaxErrorCode, file: error.file,
                    line: error.line, column: 1, message: error.message))
        }
        for hazard in lint.hazards {
            compilation.diagnostics.append(
                Diagnostic(
                    severity: .warning, code: hazard.code.rawValue, file: hazard.file,
                    line: hazard.line, column: 1, message: hazard.message))
        }
        if !lint.syntaxErrors.isEmpty { compilation.compiled = nil }
    }

    static func text(_ compilation: DSLCompilation, dslPath: String) -> String {
        var output = ""
        // File names, keys and pointers come from the repository: control characters are shown escaped, never
        // sent to the terminal (the pre-receive hook shows this output to whoever pushes).
        func safe(_ text: String) -> String { ReportEscaping.terminal(text) }
        for diagnostic in compilation.diagnostics {
            var location = safe(diagnostic.file ?? dslPath)
            if let line = diagnostic.line, let column = diagnostic.column { location += ":\(line):\(column)" }
            output +=
                "\(location): \(diagnostic.severity.rawValue): \(safe(diagnostic.message)) [\(safe(diagnostic.code))]"
            if let pointer = diagnostic.pointer, !pointer.isEmpty { output += " at \(safe(pointer))" }
            // One line per diagnostic (grep, editors' error parsers): the hint stays on it.
            if let hint = diagnostic.hint { output += " (hint: \(safe(hint)))" }
            output += "\n"
        }
        let errors = compilation.errors.count
        let warnings = compilation.warnings.count
        if let compiled = compilation.compiled {
            output +=
                "valid: \(compiled.document.count) models, \(compiled.schema.tables.count) tables, "
                + "\(warnings) warning\(warnings == 1 ? "" : "s"); hash \(compiled.hash) (EngineJS), sha256 \(compiled.contentHash)\n"
        } else {
            output +=
                "invalid: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n"
        }
        return output
    }

    struct Report: Encodable {
        var valid: Bool
        /// EngineJS's hash of the compiled DSL (what the snapshot row stores).
        var hash: String?
        /// enginesync's SHA-256 of the canonical DSL.
        var sha256: String?
        var models: Int
        var tables: Int
        var errors: Int
        var warnings: Int
        var diagnostics: [Diagnostic]
        /// Issue 15, when signers files are given: the signature and approvals, and why the commit is untrusted.
        var trust: ReconcileReport.Trust?
        var untrusted: String?

        enum CodingKeys: String, CodingKey {
            case valid, hash, sha256, models, tables, errors, warnings, diagnostics, trust, untrusted
        }

        /// `hash` is written as `null` when invalid, so the key is always present.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(valid, forKey: .valid)
            try container.encode(hash, forKey: .hash)
            try container.encode(sha256, forKey: .sha256)
            try container.encode(models, forKey: .models)
            try container.encode(tables, forKey: .tables)
            try container.encode(errors, forKey: .errors)
            try container.encode(warnings, forKey: .warnings)
            try container.encode(diagnostics, forKey: .diagnostics)
            try container.encodeIfPresent(trust, forKey: .trust)
            try container.encodeIfPresent(untrusted, forKey: .untrusted)
        }
    }

    static func json(_ compilation: DSLCompilation, trust: (trust: ReconcileReport.Trust, refusal: String?)? = nil)
        -> String
    {
        let report = Report(
            valid: compilation.isValid, hash: compilation.compiled?.hash,
            sha256: compilation.compiled?.contentHash,
            models: compilation.compiled?.document.count ?? 0,
            tables: compilation.compiled?.schema.tables.count ?? 0,
            errors: compilation.errors.count, warnings: compilation.warnings.count,
            diagnostics: compilation.diagnostics, trust: trust?.trust, untrusted: trust?.refusal)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else { return "{\"valid\":false}" }
        return String(decoding: data, as: UTF8.self)
    }
}
