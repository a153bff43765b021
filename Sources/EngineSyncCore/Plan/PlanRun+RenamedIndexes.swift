extension PlanRun {
    /// `ALTER INDEX … RENAME TO …` for the managed indexes whose EngineJS names follow a blocked rename.
    ///
    /// Index names are derived from the table and column names (`idx_<table>_visible`, `uidx_<table>_<cols>`), so
    /// a migration that only renames the table or column would leave them under the old names: the next reconcile
    /// would then create the new ones next to them and block the old ones as `drop_index`. Each index of the
    /// snapshot's old table that is live and matches a desired index of the new table (same columns once
    /// `renamedColumns` (new → old) is applied, same uniqueness and predicate) but has another name is renamed.
    /// The old indexes it renames are remembered (`renamedAwayIndexes`): the blocked rename stands for them,
    /// so they are not also blocked as `drop_index`.
    mutating func indexRenames(oldTable: String, newTable: String, renamedColumns: [String: String] = [:]) -> [SQL] {
        let liveNames = Set(live.indexes.filter { $0.table == oldTable && !$0.isConstraint }.map(\.name))
        var candidates = (snapshot?.schema.indexes ?? []).filter { $0.table == oldTable && liveNames.contains($0.name) }
        var statements: [SQL] = []
        for index in desired.schema.indexes where index.table == newTable {
            let oldColumns = index.columns.map { renamedColumns[$0] ?? $0 }
            guard
                let position = candidates.firstIndex(where: {
                    $0.columns == oldColumns && $0.isUnique == index.isUnique && $0.predicate == index.predicate
                })
            else { continue }
            let old = candidates.remove(at: position)
            if old.name != index.name, !liveNames.contains(index.name) {
                statements.append("ALTER INDEX \(ddl.table(old.name)) RENAME TO \(ident: index.name)")
                renamedAwayIndexes.insert(old.name)
            }
        }
        return statements
    }
}
