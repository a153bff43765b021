import Foundation
import TextAlgorithms

/// Turns identifiers and literals into SQL text. The production implementation is libpq's
/// `PQescapeIdentifier`/`PQescapeLiteral` on the live connection: the one audited quoting helper.
public protocol SQLQuoting {
    func quoteIdentifier(_ identifier: String) throws -> String
    func quoteLiteral(_ literal: String) throws -> String
}

/// A SQL statement kept as parts until it is rendered with a quoter.
///
/// The pure planner builds these without a connection; identifiers and literals stay tagged, so no
/// SQL text is ever assembled from unescaped input. Only `unsafeRaw` inserts text verbatim, and it is
/// used for keywords and for type names produced by `ColumnType.sql`.
public struct SQL: Hashable, Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public enum Part: Hashable, Sendable {
        case raw(String)
        case identifier(String)
        case literal(String)
    }

    public private(set) var parts: [Part]

    public init(parts: [Part]) { self.parts = parts }

    public init(stringLiteral value: String) { parts = [.raw(value)] }

    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { if !literal.isEmpty { parts.append(.raw(literal)) } }
        /// A quoted identifier.
        public mutating func appendInterpolation(ident: String) { parts.append(.identifier(ident)) }
        /// A comma-separated list of quoted identifiers.
        public mutating func appendInterpolation(idents: [String]) {
            for (offset, name) in idents.enumerated() {
                if offset > 0 { parts.append(.raw(", ")) }
                parts.append(.identifier(name))
            }
        }
        /// An escaped string literal.
        public mutating func appendInterpolation(literal: String) { parts.append(.literal(literal)) }
        /// Another fragment.
        public mutating func appendInterpolation(_ sql: SQL) { parts.append(contentsOf: sql.parts) }
        /// Verbatim text: keywords, type names from `ColumnType.sql`, numbers. Never user input.
        public mutating func appendInterpolation(unsafeRaw text: String) { parts.append(.raw(text)) }
    }

    public static func + (lhs: SQL, rhs: SQL) -> SQL { SQL(parts: lhs.parts + rhs.parts) }

    public func render(with quoter: some SQLQuoting) throws -> String {
        var text = ""
        for part in parts {
            switch part {
            case .raw(let raw): text += raw
            case .identifier(let name): text += try quoter.quoteIdentifier(name)
            case .literal(let value): text += try quoter.quoteLiteral(value)
            }
        }
        return text
    }

    /// Joins fragments with a separator.
    public static func joined(_ fragments: [SQL], separator: String) -> SQL {
        var parts: [Part] = []
        for (offset, fragment) in fragments.enumerated() {
            if offset > 0 { parts.append(.raw(separator)) }
            parts.append(contentsOf: fragment.parts)
        }
        return SQL(parts: parts)
    }

    /// A readable form for debugging and test failure messages (identifiers as "x", literals as 'x').
    public var description: String {
        parts.map { part in
            switch part {
            case .raw(let raw): raw
            case .identifier(let name): "\"" + name.replacingText("\"", with: "\"\"") + "\""
            case .literal(let value): "'" + value.replacingText("'", with: "''") + "'"
            }
        }.joined()
    }
}
