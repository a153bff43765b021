import Foundation
import Testing
import TextAlgorithms

/// The daemon's text helpers agree with the Foundation methods they replace (docs/BENCHMARKS.md: those kept
/// CoreFoundation's Unicode tables resident).
@Suite struct TextAlgorithmsTests {
    static let samples = [
        "", " ", "\t \t", "text", " text", "text ", "  numeric(12, 2)\t", "a b", "\u{00A0}x\u{3000}", "\u{2003}",
        "\n x \n", " \u{301}é ", "x\u{200B}", "'it''s'::character varying", "\u{1F600} ", " \u{A0}\u{1680}",
        "\r\npassword\r\n", "\u{85}x\u{2028}", "\u{2029}\u{2029}", "\n\n", "line\n", "\u{B}\u{C}x",
    ]

    @Test(arguments: samples)
    func trimsLikeFoundation(text: String) {
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces))
        #expect(Substring(text).trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces))
        #expect(text.trimmingWhitespaceAndNewlines() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(text.trimmingNewlines() == text.trimmingCharacters(in: .newlines))
    }

    /// Every scalar of the Basic Multilingual Plane and the next one, on both sides of a letter.
    @Test func everyScalarIsClassifiedAsFoundationClassifiesIt() {
        var differences: [String] = []
        for value in UInt32(0)..<0x2_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(scalar) + "x" + String(scalar)
            if text.trimmingWhitespace() != text.trimmingCharacters(in: .whitespaces) {
                differences.append("whitespaces U+\(String(value, radix: 16))")
            }
            if text.trimmingWhitespaceAndNewlines() != text.trimmingCharacters(in: .whitespacesAndNewlines) {
                differences.append("whitespacesAndNewlines U+\(String(value, radix: 16))")
            }
            if text.trimmingNewlines() != text.trimmingCharacters(in: .newlines) {
                differences.append("newlines U+\(String(value, radix: 16))")
            }
        }
        #expect(differences.isEmpty, "\(differences.prefix(20))")
    }

    @Test(arguments: [
        ("", "a", "b"), ("abc", "b", "x"), ("a\"b\"\"c", "\"", "\"\""), ("it's", "'", "''"), ("aaaa", "aa", "b"),
        ("no match", "zz", "y"), ("max_parallel_targets", "_", "-"), ("tail=", "=", ""), ("x\ny\n", "\n", "\\n"),
        ("$CREDENTIALS_DIRECTORY/pgpass", "$CREDENTIALS_DIRECTORY", "/run/c"), ("é\u{301}e", "e", "E"),
        ("WHERE n.nspname = $1 AND x", "WHERE n.nspname = $1", "WHERE n.nspname = $1 AND c.oid = ANY($2)"),
        ("\u{1F600}a\u{1F600}", "\u{1F600}", "-"), ("abcabc", "abc", ""),
    ])
    func replacesLikeFoundation(text: String, target: String, replacement: String) {
        #expect(
            text.replacingText(target, with: replacement)
                == text.replacingOccurrences(of: target, with: replacement, options: .literal))
    }

    @Test func findsTheFirstOccurrence() {
        let text = "Good \"git\" signature with ED25519 key SHA256:abc+/= and SHA256:def"
        let range = text.range(ofText: "SHA256:")
        #expect(range.map { String(text[$0.upperBound...]) } == "abc+/= and SHA256:def")
        #expect(range == text.range(of: "SHA256:"))
        #expect("abc".range(ofText: "") == nil)
        #expect("ab".range(ofText: "abc") == nil)
        #expect("aab".range(ofText: "ab").map { "aab".distance(from: "aab".startIndex, to: $0.lowerBound) } == 1)
        #expect(Substring("x://y").range(ofText: "://") != nil)
    }

    @Test func containsIgnoringCase() {
        #expect("host=db PassWord=secret".containsText("password", ignoringCase: true))
        #expect(!"host=db PassWord=secret".containsText("password"))
        #expect("Approve-Migration: 3".containsText("approve-migration", ignoringCase: true))
        #expect(!"host=db".containsText("password", ignoringCase: true))
    }

    @Test func trimsAnyScalarsAskedFor() {
        #expect("[::1]".trimming { $0 == "[" || $0 == "]" } == "::1")
        #expect("\"quoted\"".trimming { $0 == "\"" } == "quoted")
        #expect("\"\"".trimming { $0 == "\"" } == "")
    }
}
