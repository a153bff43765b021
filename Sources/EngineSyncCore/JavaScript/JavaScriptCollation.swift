/// The order of Node 20's `a.localeCompare(b)` with no locale argument (ICU 7x root collation, strength
/// tertiary, no numeric ordering), so enginesync sorts keys exactly as EngineJS does (`stableJsonStringify`
/// sorts object keys with `localeCompare`, and its result is hashed).
///
/// A small UCA model: every Unicode scalar becomes zero or more collation elements (primary, secondary,
/// tertiary). Two strings are compared by their whole sequence of primary weights first, then secondary
/// (accents), then tertiary (case). So case only matters when everything else is equal (`"a" < "B" < "b"`
/// would be wrong: it is `"a" < "A" < "b" < "B"`), and `"a_b" < "a-b" < "a.b" < "a0" < "aa"`.
///
/// Exact (checked against Node 20, ICU 78) for:
/// - every ASCII character: ignorable controls (U+0000–0008, 000E–001F, 007F) count for nothing, so
///   `"a\u{1}b"` compares equal (0) to `"ab"`, as in Node; tab, LF, VT, FF, CR sort before space; then
///   punctuation and symbols in ICU's order, digits, letters (case-insensitive at the primary level,
///   lower before upper at the tertiary level);
/// - the Latin-1 letters (`À`–`ÿ`): their base letter(s) plus an accent at the secondary level (`é` is
///   `e` + acute, `æ` is `ae` + a secondary mark, `ø` is `o` + stroke, `þ` sorts after `z`), and the
///   combining accents U+0300–036F used by them, so precomposed and decomposed forms compare equal;
/// - NEL, no-break space, soft hyphen and the zero-width format characters (U+200B–200F, 2060–2064, FEFF).
///
/// Limitation: every other character (other symbols, Greek, CJK, emoji, Latin Extended…) is ordered after
/// all of the above by code point, which ICU does not do. EngineJS DSL keys are ASCII identifiers in
/// practice; a key outside this set is sorted deterministically but possibly not as Node sorts it.
public enum JavaScriptCollation {
    /// -1, 0 or 1 with the sign of Node's `a.localeCompare(b)`. 0 only for strings equal at every level
    /// (e.g. differing only by ignorable controls, or precomposed vs decomposed accents), as in Node.
    public static func compare(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        let left = elements(a)
        let right = elements(b)
        let primary = compareLevel(left, right) { $0.primary }
        if primary != 0 { return primary }
        let secondary = compareLevel(left, right) { UInt32($0.secondary) }
        if secondary != 0 { return secondary }
        return compareLevel(left, right) { UInt32($0.tertiary) }
    }

    /// A sort key: comparing two keys lexicographically gives `compare`'s order (the non-zero primary weights,
    /// a 0 separator, the secondary ones, a 0, the tertiary ones — as ICU builds its sort keys). Sorting many
    /// strings computes each key once instead of twice per comparison.
    public static func sortKey(_ text: String) -> [UInt32] {
        let elements = elements(text)
        var key: [UInt32] = []
        key.reserveCapacity(elements.count * 3 + 2)
        for element in elements where element.primary != 0 { key.append(element.primary) }
        key.append(0)
        for element in elements where element.secondary != 0 { key.append(UInt32(element.secondary)) }
        key.append(0)
        for element in elements where element.tertiary != 0 { key.append(UInt32(element.tertiary)) }
        return key
    }

    /// `sortKey(a) < sortKey(b)`, lexicographically.
    public static func precedes(_ a: [UInt32], _ b: [UInt32]) -> Bool {
        a.lexicographicallyPrecedes(b)
    }

    /// `compare(a, b) < 0`: a strict weak order for `sorted(by:)`.
    public static func areInIncreasingOrder(_ a: String, _ b: String) -> Bool {
        compare(a, b) < 0
    }

    // MARK: - Collation elements

    private struct Element {
        var primary: UInt32
        var secondary: UInt16
        var tertiary: UInt8
    }

    // Secondary and tertiary weights, as in the DUCET (only their relative order matters).
    private static let common: UInt16 = 0x20
    private static let lower: UInt8 = 0x02
    /// Tertiary of compatibility-ish letters (`æ`, `ð`, `ß` as expansions).
    private static let lowerVariant: UInt8 = 0x04
    private static let upper: UInt8 = 0x08
    private static let upperVariant: UInt8 = 0x0A
    /// Tertiary of U+00A0 NO-BREAK SPACE (a space at the primary level, after `" "`).
    private static let noBreak: UInt8 = 0x1B
    /// Secondary marks of the `æ`/`ð` and `ß` expansions (after every accent).
    private static let expansionMark: UInt16 = 0x110
    private static let sharpSMark: UInt16 = 0x111
    /// Secondary weight of `ø`'s stroke (between dot above and U+0338 in ICU).
    private static let strokeMark: UInt16 = 0x2F

    /// Everything with a primary weight that this model knows, in ICU root order, ASCII letters in lower case
    /// (derived with Node: sort all printable ASCII with `localeCompare`, group base-equal characters).
    private static let primaryOrder: [Unicode.Scalar] = Array(
        "\t\n\u{0B}\u{0C}\r\u{85} _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz\u{FE}"
            .unicodeScalars)

    /// Primary weight by scalar value for the characters of `primaryOrder` (1-based; 0 = not listed): a flat
    /// table indexed by scalar value (every listed scalar is below 0x100), so a lookup is one load.
    private static let primaryTable: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 0x100)
        for (index, scalar) in primaryOrder.enumerated() { table[Int(scalar.value)] = UInt32(index + 1) }
        return table
    }()

    private static func primary(_ value: UInt32) -> UInt32? {
        guard value < 0x100 else { return nil }
        let weight = primaryTable[Int(value)]
        return weight == 0 ? nil : weight
    }

    /// Unknown characters sort after every listed one, by code point.
    private static let fallbackBase: UInt32 = 0x1000

    /// Secondary weights of the combining accents, in ICU's order (derived with Node by sorting `"o" + mark`).
    private static func accentWeight(_ mark: UInt32) -> UInt16 {
        switch mark {
        case 0x301: 0x24  // acute
        case 0x300: 0x25  // grave
        case 0x306: 0x26  // breve
        case 0x302: 0x27  // circumflex
        case 0x30C: 0x28  // caron
        case 0x30A: 0x29  // ring
        case 0x308: 0x2B  // diaeresis
        case 0x30B: 0x2C  // double acute
        case 0x303: 0x2D  // tilde
        case 0x307: 0x2E  // dot above
        case 0x338: 0x30  // long solidus overlay
        case 0x327: 0x31  // cedilla
        case 0x328: 0x32  // ogonek
        case 0x304: 0x33  // macron
        default: 0x40 + UInt16(truncatingIfNeeded: mark - 0x300)  // unknown accents: by code point
        }
    }

    /// Latin-1 letters U+00C0–00FF with a canonical decomposition: the base letter, and the accent as
    /// `` ` `` grave, `'` acute, `^` circumflex, `~` tilde, `:` diaeresis, `o` ring, `,` cedilla; `?` marks the
    /// characters without one (the special letters handled in `append`, and `×`/`÷`).
    private static let latin1Bases = Array(
        ("AAAAAA?CEEEEIIII?NOOOOO??UUUUY??" + "aaaaaa?ceeeeiiii?nooooo??uuuuy?y").unicodeScalars)
    private static let latin1Accents = Array(
        ("`'^~:o?,`'^:`'^:?~`'^~:??`'^:'??" + "`'^~:o?,`'^:`'^:?~`'^~:??`'^:'?:").unicodeScalars)

    private static func accentScalar(_ code: Unicode.Scalar) -> UInt32? {
        switch code {
        case "`": 0x300
        case "'": 0x301
        case "^": 0x302
        case "~": 0x303
        case ":": 0x308
        case "o": 0x30A
        case ",": 0x327
        default: nil
        }
    }

    private static func isIgnorable(_ value: UInt32) -> Bool {
        switch value {
        case 0x00...0x08, 0x0E...0x1F, 0x7F...0x84, 0x86...0x9F, 0xAD, 0x200B...0x200F, 0x2060...0x2064, 0xFEFF:
            true
        default: false
        }
    }

    private static func elements(_ text: String) -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars { append(scalar.value, to: &result) }
        return result
    }

    private static func append(_ value: UInt32, to result: inout [Element]) {
        if isIgnorable(value) { return }
        func letter(_ letter: UInt32, _ tertiary: UInt8) -> Element {
            Element(primary: primary(letter) ?? 0, secondary: common, tertiary: tertiary)
        }
        switch value {
        case 0x41...0x5A:
            result.append(letter(value + 0x20, upper))
        case 0xA0:
            result.append(letter(0x20, noBreak))
        case 0xC6, 0xE6:  // Æ æ: a + mark + e
            let tertiary = value == 0xC6 ? upperVariant : lowerVariant
            result.append(letter(0x61, tertiary))
            result.append(Element(primary: 0, secondary: expansionMark, tertiary: lowerVariant))
            result.append(letter(0x65, tertiary))
        case 0xD0, 0xF0:  // Ð ð: d + mark
            result.append(letter(0x64, value == 0xD0 ? upperVariant : lowerVariant))
            result.append(Element(primary: 0, secondary: expansionMark, tertiary: lowerVariant))
        case 0xDF:  // ß: s + mark + s
            result.append(letter(0x73, lowerVariant))
            result.append(Element(primary: 0, secondary: sharpSMark, tertiary: lowerVariant))
            result.append(letter(0x73, lowerVariant))
        case 0xD8, 0xF8:  // Ø ø: o + stroke
            result.append(letter(0x6F, value == 0xD8 ? upper : lower))
            result.append(Element(primary: 0, secondary: strokeMark, tertiary: lower))
        case 0xDE:  // Þ: þ in upper case
            result.append(letter(0xFE, upper))
        case 0xC0...0xFF:
            let index = Int(value - 0xC0)
            guard let accent = accentScalar(latin1Accents[index]) else {
                result.append(Element(primary: fallbackBase + value, secondary: common, tertiary: lower))
                return
            }
            append(latin1Bases[index].value, to: &result)
            append(accent, to: &result)
        case 0x300...0x36F:
            result.append(Element(primary: 0, secondary: accentWeight(value), tertiary: lower))
        default:
            if let primary = primary(value) {
                result.append(Element(primary: primary, secondary: common, tertiary: lower))
            } else {
                result.append(Element(primary: fallbackBase + value, secondary: common, tertiary: lower))
            }
        }
    }

    /// Compares the non-zero weights of one level lexicographically (a shorter prefix sorts first).
    private static func compareLevel(_ left: [Element], _ right: [Element], _ weight: (Element) -> UInt32) -> Int {
        var i = 0
        var j = 0
        while true {
            while i < left.count, weight(left[i]) == 0 { i += 1 }
            while j < right.count, weight(right[j]) == 0 { j += 1 }
            switch (i < left.count, j < right.count) {
            case (false, false): return 0
            case (false, true): return -1
            case (true, false): return 1
            case (true, true):
                let x = weight(left[i])
                let y = weight(right[j])
                if x != y { return x < y ? -1 : 1 }
                i += 1
                j += 1
            }
        }
    }
}
