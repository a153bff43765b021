/// A name → position map that scans linearly while small and hashes once large.
///
/// Models have a few dozen fields; hashing every key costs more than comparing short strings, but a linear scan
/// alone would make a model with thousands of fields quadratic.
struct NameIndex {
    private var names: [String] = []
    private var positions: [Int] = []
    private var table: [String: Int]?
    private static let hashingThreshold = 12

    subscript(name: String) -> Int? {
        get {
            if let table { return table[name] }
            for index in names.indices where names[index] == name { return positions[index] }
            return nil
        }
    }

    /// Records `name` at `position` unless it is present; returns the existing position if it was.
    @discardableResult
    mutating func insert(_ name: String, at position: Int) -> Int? {
        if let existing = self[name] { return existing }
        if table != nil {
            table?[name] = position
            return nil
        }
        names.append(name)
        positions.append(position)
        if names.count >= Self.hashingThreshold {
            table = Dictionary(zip(names, positions), uniquingKeysWith: { first, _ in first })
            names = []
            positions = []
        }
        return nil
    }
}
