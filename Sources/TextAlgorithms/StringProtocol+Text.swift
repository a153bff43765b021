/// Trimming, searching and replacing text in the standard library's own terms.
///
/// Foundation's `trimmingCharacters(in:)`, `replacingOccurrences(of:with:)`, `range(of:)` and
/// `String.contains(String)` bridge to `NSString` and CoreFoundation, and FoundationEssentials has none of them:
/// these are what a daemon built on FoundationEssentials needs (docs/ARCHITECTURE.md; alone they save no
/// measurable memory, since CoreFoundation initialises itself in any process that links it). Every module of the
/// daemon's path uses them; searches and replacements compare UTF-8 code units (as
/// `NSString.CompareOptions.literal` does code units), which never splits a character of a valid target.
extension StringProtocol {
    /// Without leading and trailing spaces and tabs (Unicode's space separators and U+0009: what Foundation's
    /// `CharacterSet.whitespaces` holds).
    package func trimmingWhitespace() -> String {
        trimming(while: Self.isWhitespace)
    }

    /// Without leading and trailing whitespace and line breaks (`CharacterSet.whitespacesAndNewlines`).
    package func trimmingWhitespaceAndNewlines() -> String {
        trimming { Self.isWhitespace($0) || Self.isNewline($0) }
    }

    /// Without leading and trailing line breaks (`CharacterSet.newlines`): a secret file's trailing newline.
    package func trimmingNewlines() -> String {
        trimming(while: Self.isNewline)
    }

    /// Without the leading and trailing Unicode scalars `predicate` accepts.
    package func trimming(while predicate: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !predicate($0) }) else { return "" }
        var end = scalars.endIndex
        while end > first, predicate(scalars[scalars.index(before: end)]) {
            end = scalars.index(before: end)
        }
        if first == scalars.startIndex, end == scalars.endIndex { return String(self) }
        var trimmed = String.UnicodeScalarView()
        trimmed.append(contentsOf: scalars[first..<end])
        return String(trimmed)
    }

    /// The first occurrence of `target`, or `nil` (also for an empty `target`).
    package func range(ofText target: some StringProtocol) -> Range<Index>? {
        let text = utf8
        let pattern = target.utf8
        guard let head = pattern.first else { return nil }
        var start = text.startIndex
        while let candidate = text[start...].firstIndex(of: head) {
            var end = text.index(after: candidate)
            var next = pattern.index(after: pattern.startIndex)
            while next < pattern.endIndex, end < text.endIndex, text[end] == pattern[next] {
                next = pattern.index(after: next)
                end = text.index(after: end)
            }
            if next == pattern.endIndex { return candidate..<end }
            start = text.index(after: candidate)
        }
        return nil
    }

    /// Whether `target` occurs; `ignoringCase` compares both lowercased.
    package func containsText(_ target: some StringProtocol, ignoringCase: Bool = false) -> Bool {
        ignoringCase
            ? lowercased().range(ofText: target.lowercased()) != nil
            : range(ofText: target) != nil
    }

    /// Every occurrence of `target` replaced by `replacement`, left to right, without overlaps.
    package func replacingText(_ target: some StringProtocol, with replacement: some StringProtocol) -> String {
        let source = String(self)
        guard var match = source.range(ofText: target) else { return source }
        var result = ""
        var rest = source[...]
        while true {
            result.append(contentsOf: rest[..<match.lowerBound])
            result.append(contentsOf: replacement)
            rest = rest[match.upperBound...]
            guard let next = rest.range(ofText: target) else { break }
            match = next
        }
        result.append(contentsOf: rest)
        return result
    }

    /// A space separator (Unicode category Zs) or a tab; ASCII decided without a table lookup. U+200B (zero width
    /// space, a space separator until Unicode 4.0.1) too: CoreFoundation's table still holds it, and trimming
    /// agrees with Foundation's everywhere (tests compare every scalar).
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar == " " || scalar == "\t" }
        return scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
    }

    /// U+000A–U+000D, U+0085, U+2028 and U+2029.
    private static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }
}
