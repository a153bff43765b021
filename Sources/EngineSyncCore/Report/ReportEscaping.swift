/// Neutralises user-controlled text (file names, commit subjects and authors, model and field names, database
/// messages) before it reaches `latest.md` or a terminal.
///
/// Git allows almost any byte in a file name and any text in a commit subject; PostgreSQL identifiers may hold
/// newlines and escape characters. Printed as they are, such strings could start a new Markdown heading or
/// list item, inject HTML (`<img onerror=…>`) into a rendered report, or drive the terminal (ESC sequences that
/// move the cursor, retitle the window or hide text). Control characters are therefore shown as visible
/// `\u{…}` escapes, and Markdown/HTML metacharacters are escaped where the text is not inside a code span.
public enum ReportEscaping {
    /// Whether a scalar is shown as an escape: C0 controls (tab included; newline only when `keepNewlines` is
    /// false), DEL, C1 controls, the Unicode line/paragraph separators and the bidirectional overrides and
    /// isolates ("Trojan Source") that reorder what the reader sees.
    static func isUnsafe(_ scalar: Unicode.Scalar, keepNewlines: Bool) -> Bool {
        switch scalar.value {
        case 0x0A: return !keepNewlines
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    /// `text` with every control character replaced by a visible `\u{XX}` escape (a backslash stays as it is).
    /// For terminal output: one line per field, no escape sequences.
    public static func terminal(_ text: String, keepNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0, keepNewlines: keepNewlines) }) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar, keepNewlines: keepNewlines) {
                result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Plain Markdown text: controls escaped as for the terminal, then `&`, `<`, `>` as HTML entities and the
    /// CommonMark punctuation that starts inline markup (emphasis, links, images, code, tables, headings)
    /// backslash-escaped, so the text renders as itself and never as markup or HTML. `atLineStart`: the text
    /// begins a line, so a leading list, quote or heading marker (`-`, `+`, `=`, `1.`) is escaped too.
    public static func markdown(_ text: String, atLineStart: Bool = false) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        let safe = terminal(text)
        for character in safe {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\\", "`", "*", "_", "[", "]", "#", "|", "!", "~":
                result.append("\\")
                result.append(character)
            default: result.append(character)
            }
        }
        if atLineStart, let first = result.first {
            if "-+=".contains(first) {
                result.insert("\\", at: result.startIndex)
            } else if first.isASCII, first.isNumber,
                let end = result.firstIndex(where: { !($0.isASCII && $0.isNumber) }), ".)".contains(result[end])
            {
                result.insert("\\", at: end)
            }
        }
        return result
    }

    /// A Markdown code span holding `text` literally: controls escaped, fenced with more backticks than the
    /// longest run inside it (padded with spaces when it starts or ends with a backtick). HTML is not
    /// interpreted inside a code span.
    public static func markdownCode(_ text: String) -> String {
        let safe = terminal(text)
        let fence = String(repeating: "`", count: longestBacktickRun(safe) + 1)
        let pad = safe.hasPrefix("`") || safe.hasSuffix("`") || safe.isEmpty ? " " : ""
        return fence + pad + safe + pad + fence
    }

    /// A fenced Markdown code block (`info` e.g. "sql") holding `text` literally: newlines kept, other
    /// controls escaped, and a fence longer than any backtick run inside so no line can close it early.
    public static func markdownCodeBlock(_ text: String, info: String = "") -> [String] {
        let safe = terminal(text, keepNewlines: true)
        let fence = String(repeating: "`", count: max(3, longestBacktickRun(safe) + 1))
        return [fence + info, safe, fence]
    }

    static func longestBacktickRun(_ text: String) -> Int {
        var longest = 0
        var current = 0
        for character in text {
            if character == "`" {
                current += 1
                longest = max(longest, current)
            } else {
                current = 0
            }
        }
        return longest
    }
}
