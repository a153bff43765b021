/// Byte-order comparison of ids (SPEC 5): Swift's `String <` compares Unicode canonically, not by bytes.
func idPrecedes(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}
