/// RFC 6901 JSON pointers, the addresses diagnostics use (`/post/fields/title/type`).
public enum JSONPointer {
    /// Appends one reference token, escaping `~` as `~0` and `/` as `~1`.
    public static func appending(_ token: String, to pointer: String) -> String {
        if !token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) {
            return pointer + "/" + token
        }
        var escaped = ""
        for character in token {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return pointer + "/" + escaped
    }

    /// Splits a pointer into unescaped reference tokens.
    public static func tokens(_ pointer: String) -> [String] {
        guard !pointer.isEmpty else { return [] }
        return pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            String($0.replacingToken("~1", with: "/").replacingToken("~0", with: "~"))
        }
    }
}

extension Substring {
    fileprivate func replacingToken(_ target: String, with replacement: String) -> Substring {
        guard contains(target) else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result[...]
    }
}
