/// Which PostgreSQL schema enginesync may manage (`schema`, `--schema`; docs/OPERATIONS.md).
///
/// Refused: an empty name, one over 63 bytes (PostgreSQL would truncate it and manage another schema than the
/// one named), and PostgreSQL's own schemas — `pg_*` (`pg_catalog`, `pg_toast`, and `pg_temp`, whose tables
/// vanish with the session, so migrations would be recorded and lost), and `information_schema`.
public enum ManagedSchemaName {
    /// Why `name` cannot be the managed schema, or `nil`.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > 63 {
            return "'\(name)' is \(name.utf8.count) bytes; PostgreSQL names are at most 63 bytes"
        }
        let lowered = name.lowercased()
        if lowered.hasPrefix("pg_") || lowered == "information_schema" {
            return "'\(name)' is one of PostgreSQL's own schemas (pg_*, information_schema); enginesync manages "
                + "an application schema"
        }
        return nil
    }
}
