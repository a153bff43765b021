/// EngineJS's naming rules, reproduced exactly so enginesync adopts what EngineJS created (SPEC 2.5, 2.6).
public enum EngineJSNaming {
    /// Names up to this many characters (UTF-16 code units, as JavaScript counts) are used as they are.
    public static let maxPlainIndexNameLength = 60

    /// djb2-xor over UTF-16 code units in signed 32-bit arithmetic, printed unsigned in base 36.
    public static func hash(_ text: String) -> String {
        var h: Int32 = 5381
        for unit in text.utf16 {
            h = ((h &<< 5) &+ h) ^ Int32(unit)
        }
        return String(UInt32(bitPattern: h), radix: 36)
    }

    /// EngineJS's hash of a DSL snapshot: `stableIdentHash(stableJsonStringify(document))`, i.e. `hash(_:)`
    /// of the document with every object's keys sorted by `localeCompare` (see `JavaScriptJSON.stableStringify`).
    public static func snapshotHash(of document: JSONValue) -> String {
        snapshotHash(stableBytes: JavaScriptJSON.stableBytes(document))
    }

    /// `snapshotHash` of a document some of whose members are already stable-stringified (see
    /// `JavaScriptJSON.stableBytes(_:serialised:emit:)`), hashed piece by piece without joining them.
    static func snapshotHash(_ document: JSONObject, serialised: [[UInt8]?]) -> String {
        var h: Int32 = 5381
        var seen: UInt8 = 0
        var pieces: [[UInt8]] = []
        JavaScriptJSON.stableBytes(document, serialised: serialised) { piece in
            pieces.append(piece)
            for byte in piece {
                h = ((h &<< 5) &+ h) ^ Int32(byte)
                seen |= byte
            }
        }
        // ASCII: each byte was one UTF-16 code unit. Otherwise hash the text's code units, as `snapshotHash(of:)`.
        guard seen < 0x80 else { return snapshotHash(stableBytes: Array(pieces.joined())) }
        return String(UInt32(bitPattern: h), radix: 36)
    }

    /// `snapshotHash` of a document already stable-stringified (`JavaScriptJSON.stableBytes`).
    static func snapshotHash(stableBytes bytes: [UInt8]) -> String {
        // ASCII (the usual DSL): each byte is one UTF-16 code unit, so no String is built.
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return hash(String(decoding: bytes, as: UTF8.self)) }
        var h: Int32 = 5381
        for byte in bytes { h = ((h &<< 5) &+ h) ^ Int32(byte) }
        return String(UInt32(bitPattern: h), radix: 36)
    }

    /// `uidx_<table>_<cols>` or, when longer than 60 characters, `uidx_<hash(long name)>`; as PostgreSQL stores
    /// it (`truncated(_:)`).
    public static func uniqueIndexName(table: String, columns: [String]) -> String {
        truncated(shortened(prefix: "uidx", base: "uidx_" + table + "_" + columns.joined(separator: "_")))
    }

    /// `idx_<table>_<cols>` or, when longer than 60 characters, `idx_<hash(long name)>`; as PostgreSQL stores it.
    public static func indexName(table: String, columns: [String]) -> String {
        truncated(shortened(prefix: "idx", base: "idx_" + table + "_" + columns.joined(separator: "_")))
    }

    /// `idx_<table>_visible` or, when longer than 60 characters, `idx_<hash(table)>_visible`; as PostgreSQL
    /// stores it.
    public static func visibleIndexName(table: String) -> String {
        let name = "idx_" + table + "_visible"
        return truncated(name.utf16.count <= maxPlainIndexNameLength ? name : "idx_" + hash(table) + "_visible")
    }

    /// A name as PostgreSQL keeps it: cut to 63 bytes without splitting a character (`truncate_identifier`).
    /// EngineJS counts UTF-16 code units against its 60, so a name with non-ASCII characters can pass its limit
    /// and still be longer than 63 bytes; PostgreSQL then stores (and finds) the cut name.
    public static func truncated(_ name: String) -> String {
        let bytes = Array(name.utf8)
        return bytes.count <= 63 ? name : clip(bytes, to: 63)
    }

    /// PostgreSQL's name for the sequence of a serial column, `<table>_<column>_seq` shortened like
    /// `foreignKeyName` (`ChooseRelationName`).
    public static func sequenceName(table: String, column: String) -> String {
        makeObjectName(table, column, label: "seq")
    }

    /// The junction table of a multi relation: `<owner>__<field>__to__<source>__<sourceid>`.
    public static func junctionTableName(owner: String, field: String, source: String, sourceField: String) -> String {
        owner + "__" + field + "__to__" + source + "__" + sourceField
    }

    /// PostgreSQL's default foreign key name, `<table>_<column>_fkey`, truncated the way PostgreSQL's
    /// `makeObjectName` does when it would exceed 63 bytes (the longer part is shortened first).
    public static func foreignKeyName(table: String, column: String) -> String {
        makeObjectName(table, column, label: "fkey")
    }

    /// PostgreSQL's name for a table's primary key (`<table>_pkey`, the table part shortened so the whole is at
    /// most 63 bytes, as `ChooseConstraintName` does): the name EngineJS's `PRIMARY KEY (…)` gets. Naming the
    /// constraint `table + "_pkey"` outright would be truncated to the table's own name for a 63-byte table.
    public static func primaryKeyName(table: String) -> String {
        makeObjectName(table, nil, label: "pkey")
    }

    private static func shortened(prefix: String, base: String) -> String {
        base.utf16.count <= maxPlainIndexNameLength ? base : prefix + "_" + hash(base)
    }

    private static func makeObjectName(_ name1: String, _ name2: String?, label: String) -> String {
        let maxBytes = 63
        let first = Array(name1.utf8)
        let second = Array((name2 ?? "").utf8)
        let overhead = label.utf8.count + (name2 == nil ? 1 : 2)
        var firstCount = first.count
        var secondCount = second.count
        while firstCount + secondCount > maxBytes - overhead {
            if firstCount > secondCount { firstCount -= 1 } else { secondCount -= 1 }
        }
        guard name2 != nil else { return clip(first, to: firstCount) + "_" + label }
        return clip(first, to: firstCount) + "_" + clip(second, to: secondCount) + "_" + label
    }

    /// Cuts UTF-8 bytes without splitting a character (PostgreSQL's `pg_mbcliplen`).
    private static func clip(_ bytes: [UInt8], to count: Int) -> String {
        var end = count
        while end > 0, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
