import EngineSyncCore
import Foundation
import Testing

@Suite struct WhitespaceTrimmingTests {
    /// The hand-written trim (catalog values, 38,000 a read at 1,000 tables) agrees with Foundation's.
    @Test(arguments: [
        "", " ", "\t \t", "text", " text", "text ", "  numeric(12, 2)\t", "a b", "\u{00A0}x\u{3000}", "\u{2003}",
        "\n x \n", " \u{301}é ", "x\u{200B}", "'it''s'::character varying", "\u{1F600} ", " \u{A0}\u{1680}",
    ])
    func trimsLikeFoundation(text: String) {
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces))
        #expect(Substring(text).trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces))
    }

    @Test func asciiWhitespaceIsTheSpaceAndTheTab() {
        for value in 0..<128 {
            let scalar = Unicode.Scalar(UInt8(value))
            let text = String(scalar) + "x" + String(scalar)
            #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces), "U+\(value)")
        }
    }

    @Test func formatTypeArgumentsMayHaveSpaces() {
        #expect(ColumnType(formatType: " numeric( 12 , 2 ) ") == .numeric(precision: 12, scale: 2))
        #expect(ColumnType(formatType: "numeric(12, 2)") == .numeric(precision: 12, scale: 2))
        #expect(ColumnType(formatType: "\tcharacter varying(40)[] ") == .array(.varchar(length: 40)))
    }
}
