/// One statement of a SQL script and where it starts, so errors can name `file:line`.
public struct SQLStatement: Hashable, Sendable {
    /// The statement text without its terminating semicolon and without surrounding whitespace.
    public var text: String
    /// 1-based line of the statement's first token in the script.
    public var line: Int

    public init(text: String, line: Int) {
        self.text = text
        self.line = line
    }

    /// The leading keyword in upper case (`CREATE`, `BEGIN`), or `nil` when the statement starts otherwise
    /// (a parenthesis, a quoted identifier).
    public var firstKeyword: String? {
        let word = text.unicodeScalars.prefix { ($0 >= "A" && $0 <= "Z") || ($0 >= "a" && $0 <= "z") || $0 == "_" }
        return word.isEmpty ? nil : String(String.UnicodeScalarView(word)).uppercased()
    }

    /// The script line of a 1-based character position inside `text` (PostgreSQL's error `position`
    /// counts characters, not bytes).
    public func line(atCharacterPosition position: Int) -> Int {
        guard position > 1 else { return line }
        let newlines = text.unicodeScalars.prefix(position - 1).reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
        return line + newlines
    }
}

/// A script the lexer cannot split: a quote, dollar quote or comment that never ends.
public struct SQLLexError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case unterminatedString = "unterminated quoted string"
        case unterminatedQuotedIdentifier = "unterminated quoted identifier"
        case unterminatedDollarQuote = "unterminated dollar-quoted string"
        case unterminatedBlockComment = "unterminated /* comment"
    }

    public var kind: Kind
    /// 1-based line where the unterminated construct starts.
    public var line: Int

    public init(kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    public var description: String { "\(kind.rawValue) starting at line \(line)" }
}

/// Splits a SQL script into statements the way `psql` does, for migrations that must run statement by
/// statement (`CREATE INDEX CONCURRENTLY` refuses a multi-statement query, postgres-facts.md 4).
///
/// A semicolon ends a statement only outside single-quoted strings (`''` doubles a quote; backslash is
/// literal, as with `standard_conforming_strings = on`), `E''` strings (backslash escapes), double-quoted
/// identifiers, dollar quotes (`$$`, `$tag$`), `--` comments and nested `/* */` comments, and outside the
/// `BEGIN ATOMIC … END` body of a `CREATE FUNCTION`/`PROCEDURE` (psql's rule: in such a statement `BEGIN`
/// and `CASE` open a block that `END` closes). Pure: works on the script's UTF-8 bytes, no I/O.
public enum SQLScriptSplitter {
    public static func split(_ script: String) throws(SQLLexError) -> [SQLStatement] {
        var lexer = Lexer(bytes: Array(script.utf8))
        return try lexer.run()
    }

    /// An estimate of how deeply PostgreSQL's parse tree of `sql` nests: parentheses (three levels each) plus
    /// the operators chained at each level (`1+1+1` nests one `A_Expr` in the next; a comma starts a new
    /// operand), outside strings, quoted identifiers, dollar quotes and comments. Migration lint does not hand statements deeper than it can
    /// walk to the parser (libpg_query prints its tree recursively and would overflow the thread's stack).
    public static func nestingEstimate(_ sql: String) -> Int {
        var lexer = Lexer(bytes: Array(sql.utf8))
        _ = try? lexer.run()
        return lexer.nesting.deepest
    }

    /// What `nestingEstimate` counts while the lexer runs.
    struct Nesting {
        /// A parenthesis can open a subquery, several tree levels deep (`SubLink` → `SelectStmt` → target list).
        static let parenthesisWeight = 3
        /// Operators chained since the last comma, per open parenthesis (the outermost first).
        var chains: [Int] = [0]
        var total = 0
        var deepest = 0

        mutating func note(_ byte: UInt8) {
            switch byte {
            case UInt8(ascii: "("):
                chains.append(0)
                total += Self.parenthesisWeight
            case UInt8(ascii: ")"):
                if chains.count > 1 { total -= chains.removeLast() + Self.parenthesisWeight }
            case UInt8(ascii: ","), UInt8(ascii: ";"):
                total -= chains[chains.count - 1]
                chains[chains.count - 1] = 0
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "<"),
                UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "%"),
                UInt8(ascii: "^"), UInt8(ascii: "#"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "@"):
                chains[chains.count - 1] += 1
                total += 1
            default:
                return
            }
            deepest = max(deepest, total)
        }
    }

    private struct Lexer {
        let bytes: [UInt8]
        var nesting = Nesting()
        var index = 0
        var line = 1
        var statements: [SQLStatement] = []
        // The statement being read.
        var start: Int?
        var startLine = 1
        var identifierCount = 0
        var leadingInitials: [UInt8] = []
        var beginDepth = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func byte(_ offset: Int) -> UInt8? {
            let position = index + offset
            return position < bytes.count ? bytes[position] : nil
        }

        mutating func run() throws(SQLLexError) -> [SQLStatement] {
            while index < bytes.count {
                let current = bytes[index]
                switch current {
                case UInt8(ascii: "\n"):
                    line += 1
                    index += 1
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                    index += 1
                case UInt8(ascii: "-") where byte(1) == UInt8(ascii: "-"):
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                case UInt8(ascii: "/") where byte(1) == UInt8(ascii: "*"):
                    try skipBlockComment()
                case UInt8(ascii: ";"):
                    nesting.note(current)
                    if beginDepth > 0 {
                        index += 1
                    } else {
                        finishStatement(end: index)
                        index += 1
                    }
                default:
                    markStart()
                    try token(current)
                }
            }
            finishStatement(end: bytes.count)
            return statements
        }

        mutating func markStart() {
            if start == nil {
                start = index
                startLine = line
            }
        }

        mutating func finishStatement(end: Int) {
            defer {
                start = nil
                identifierCount = 0
                leadingInitials = []
                beginDepth = 0
            }
            guard let start else { return }
            var last = end
            while last > start, Self.isSpace(bytes[last - 1]) { last -= 1 }
            guard last > start else { return }
            statements.append(SQLStatement(text: String(decoding: bytes[start..<last], as: UTF8.self), line: startLine))
        }

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
        }

        static func isIdentifierStart(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte >= 0x80
        }

        static func isIdentifierPart(_ byte: UInt8) -> Bool {
            isIdentifierStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x24
        }

        mutating func token(_ current: UInt8) throws(SQLLexError) {
            if Self.isIdentifierStart(current) {
                let wordStart = index
                while index < bytes.count, Self.isIdentifierPart(bytes[index]) { index += 1 }
                let word = bytes[wordStart..<index]
                // E'…' (any case) is an escape string only when the E is a word of its own.
                if word.count == 1, current == UInt8(ascii: "E") || current == UInt8(ascii: "e"),
                    index < bytes.count, bytes[index] == UInt8(ascii: "'")
                {
                    try skipQuoted(quote: UInt8(ascii: "'"), backslashEscapes: true, error: .unterminatedString)
                    return
                }
                noteIdentifier(word)
                return
            }
            switch current {
            case UInt8(ascii: "'"):
                try skipQuoted(quote: current, backslashEscapes: false, error: .unterminatedString)
            case UInt8(ascii: "\""):
                try skipQuoted(quote: current, backslashEscapes: false, error: .unterminatedQuotedIdentifier)
            case UInt8(ascii: "$"):
                try dollar()
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                // A number: its letters (1e5) must not start an identifier or an E'' string.
                while index < bytes.count, Self.isIdentifierPart(bytes[index]) || bytes[index] == UInt8(ascii: ".") {
                    index += 1
                }
            default:
                nesting.note(current)
                index += 1
            }
        }

        /// psql's rule for SQL-standard function bodies: in `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, `BEGIN`
        /// and `CASE` (not as the first word) open a block and `END` closes one.
        mutating func noteIdentifier(_ word: ArraySlice<UInt8>) {
            identifierCount += 1
            if leadingInitials.count < 4, let first = word.first { leadingInitials.append(first | 0x20) }
            let lower = String(decoding: word.map { $0 | 0x20 }, as: UTF8.self)
            if lower == "begin" || lower == "case" {
                if identifierCount > 1, isCreateRoutine { beginDepth += 1 }
            } else if lower == "end", beginDepth > 0 {
                beginDepth -= 1
            }
        }

        var isCreateRoutine: Bool {
            let initials = leadingInitials
            guard initials.count >= 2, initials[0] == UInt8(ascii: "c") else { return false }
            if initials[1] == UInt8(ascii: "f") || initials[1] == UInt8(ascii: "p") { return true }
            return initials.count >= 4 && initials[1] == UInt8(ascii: "o") && initials[2] == UInt8(ascii: "r")
                && (initials[3] == UInt8(ascii: "f") || initials[3] == UInt8(ascii: "p"))
        }

        mutating func skipQuoted(quote: UInt8, backslashEscapes: Bool, error kind: SQLLexError.Kind) throws(SQLLexError)
        {
            let openedOn = line
            index += 1
            while index < bytes.count {
                let current = bytes[index]
                if current == UInt8(ascii: "\n") { line += 1 }
                if backslashEscapes, current == UInt8(ascii: "\\") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { line += 1 }
                    index += 2
                    continue
                }
                if current == quote {
                    if index + 1 < bytes.count, bytes[index + 1] == quote {
                        index += 2
                        continue
                    }
                    index += 1
                    return
                }
                index += 1
            }
            throw SQLLexError(kind: kind, line: openedOn)
        }

        /// `$1` is a parameter, `$$`/`$tag$` open a dollar quote closed by the same delimiter, else `$` is an operator byte.
        mutating func dollar() throws(SQLLexError) {
            var end = index + 1
            if end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39 {
                while end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39 { end += 1 }
                index = end
                return
            }
            if end < bytes.count, Self.isIdentifierStart(bytes[end]) {
                end += 1
                while end < bytes.count, Self.isIdentifierPart(bytes[end]), bytes[end] != UInt8(ascii: "$") { end += 1 }
            }
            guard end < bytes.count, bytes[end] == UInt8(ascii: "$") else {
                index += 1
                return
            }
            let delimiter = bytes[index...end]
            let openedOn = line
            index = end + 1
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "$"), bytes[index...].starts(with: delimiter) {
                    index += delimiter.count
                    return
                }
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                index += 1
            }
            throw SQLLexError(kind: .unterminatedDollarQuote, line: openedOn)
        }

        mutating func skipBlockComment() throws(SQLLexError) {
            let openedOn = line
            var depth = 0
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "/"), byte(1) == UInt8(ascii: "*") {
                    depth += 1
                    index += 2
                } else if bytes[index] == UInt8(ascii: "*"), byte(1) == UInt8(ascii: "/") {
                    depth -= 1
                    index += 2
                    if depth == 0 { return }
                } else {
                    if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                }
            }
            throw SQLLexError(kind: .unterminatedBlockComment, line: openedOn)
        }
    }
}
