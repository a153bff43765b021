/// What a compile produced: the compiled DSL when there is no error, and every diagnostic found.
///
/// A compile never stops at the first error: callers show all of them so a developer fixes a commit in one go.
public struct DSLCompilation: Sendable {
    /// `nil` when at least one diagnostic is an error.
    public var compiled: CompiledDSL?
    /// Errors and warnings in the order they were found (files in compile order).
    public var diagnostics: [Diagnostic]

    public init(compiled: CompiledDSL?, diagnostics: [Diagnostic]) {
        self.compiled = compiled
        self.diagnostics = diagnostics
    }

    public var isValid: Bool { compiled != nil }
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
}
