import EngineSyncCore

/// The order migrations run in: EngineJS's runner sorts ids with JavaScript `localeCompare`, so enginesync does
/// too (SPEC 5, issue 11), and both runners agree on what is pending and in which order. Ids `localeCompare`
/// calls equal (they differ only in ignorable characters) fall back to byte order, so the order is total.
func idPrecedes(_ lhs: String, _ rhs: String) -> Bool {
    let order = JavaScriptCollation.compare(lhs, rhs)
    return order != 0 ? order < 0 : lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}
