import TextAlgorithms

/// Removes credentials from every URL inside a piece of text: libgit2's error messages, the subjects enginesync
/// attaches to them, log lines and systemd's `STATUS=`.
///
/// A remote such as `https://user:s3cret@host/repo.git` carries its password (or a token as the user name, as
/// GitHub and GitLab accept) in the URL; libgit2 and enginesync quote the URL when a fetch fails, and those
/// messages reach the journal and `systemctl status`, which every local user can read. Rules, for each
/// `scheme://` found anywhere in the text:
/// - `user:password@` → `user:***@` (any scheme);
/// - `token@` without a password → `***@` for http and https (a user name alone, as in `ssh://git@host`, stays);
/// - every query parameter's value → `***` (`?access_token=***&private_token=***`).
/// Pure string work; safe from any thread.
public enum URLRedaction {
    public static let mask = "***"

    /// `text` with every URL's credentials masked; text without `://` is returned unchanged.
    public static func redact(_ text: String) -> String {
        guard text.containsText("://") else { return text }
        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard index + 2 < scalars.count, scalars[index] == ":", scalars[index + 1] == "/", scalars[index + 2] == "/"
            else {
                output.append(scalars[index])
                index += 1
                continue
            }
            // The scheme: the letters (and + - .) just before "://", already copied to the output.
            var schemeStart = index
            while schemeStart > 0, isSchemeScalar(scalars[schemeStart - 1]) { schemeStart -= 1 }
            let scheme = String(String.UnicodeScalarView(scalars[schemeStart..<index])).lowercased()
            output.append(contentsOf: "://".unicodeScalars)
            index += 3
            // The authority ends at the path, query, fragment or anything that cannot be part of a URL.
            var end = index
            while end < scalars.count, !isAuthorityEnd(scalars[end]) { end += 1 }
            let authority = scalars[index..<end]
            if let at = authority.lastIndex(of: "@") {
                let userInfo = scalars[index..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    output.append(contentsOf: scalars[index..<colon])
                    output.append(contentsOf: (":" + mask).unicodeScalars)
                } else if scheme.hasSuffix("http") || scheme.hasSuffix("https") {
                    output.append(contentsOf: mask.unicodeScalars)
                } else {
                    output.append(contentsOf: userInfo)
                }
                output.append(contentsOf: scalars[at..<end])
            } else {
                output.append(contentsOf: authority)
            }
            index = end
            // The path, then a query whose values are masked.
            while index < scalars.count, !isURLEnd(scalars[index]), scalars[index] != "?", scalars[index] != "#" {
                output.append(scalars[index])
                index += 1
            }
            if index < scalars.count, scalars[index] == "?" {
                output.append("?")
                index += 1
                var inValue = false
                while index < scalars.count, !isURLEnd(scalars[index]), scalars[index] != "#" {
                    let scalar = scalars[index]
                    if inValue, endsProse(scalars, at: index) { break }
                    if scalar == "&" || scalar == ";" {
                        inValue = false
                        output.append(scalar)
                    } else if scalar == "=" && !inValue {
                        inValue = true
                        output.append("=")
                        output.append(contentsOf: mask.unicodeScalars)
                    } else if !inValue {
                        output.append(scalar)
                    }
                    index += 1
                }
            }
            // A fragment can carry a token too (`#access_token=…`): masked whole.
            if index < scalars.count, scalars[index] == "#" {
                output.append(contentsOf: ("#" + mask).unicodeScalars)
                index += 1
                while index < scalars.count, !isURLEnd(scalars[index]), !endsProse(scalars, at: index) { index += 1 }
            }
        }
        return String(output)
    }

    /// Punctuation of the prose around a quoted URL — a run of `,`, `:`, `.`, `;`, `)`, `]`, `!` right before a
    /// space or the end of the text (`…?token=***, https://…`, `…?token=***: Operation timed out`) — is kept, not masked
    /// as part of the last value.
    static func endsProse(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var next = index
        while next < scalars.count, ",:.;)]!".unicodeScalars.contains(scalars[next]) { next += 1 }
        return next > index && (next == scalars.count || isURLEnd(scalars[next]))
    }

    static func isSchemeScalar(_ scalar: Unicode.Scalar) -> Bool {
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
            || scalar == "+" || scalar == "-" || scalar == "."
    }

    /// Characters that end a URL quoted in prose: whitespace, quotes, angle brackets, controls.
    static func isURLEnd(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value <= 0x20 || scalar.value == 0x7F || "\"'<>`".unicodeScalars.contains(scalar)
    }

    static func isAuthorityEnd(_ scalar: Unicode.Scalar) -> Bool {
        isURLEnd(scalar) || scalar == "/" || scalar == "?" || scalar == "#"
    }
}
