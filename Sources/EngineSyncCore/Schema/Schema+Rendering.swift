extension Schema {
    /// A stable, readable rendering of the schema (golden files, `plan` output, debugging): one table per block,
    /// columns in order, then indexes and foreign keys in schema order.
    public var renderedText: String {
        var lines: [String] = []
        for table in tables {
            let model = table.modelKey.map { " (model \($0))" } ?? " (junction)"
            lines.append("table \(table.name)\(model)")
            for column in table.columns {
                var text = "  \(column.name) \(column.type.sql)"
                if column.isAutoIncrement { text += " auto_increment" }
                if column.isNotNull { text += " not null" }
                if let value = column.defaultValue { text += " default \(value.renderedText)" }
                if let field = column.fieldKey, field != column.name { text += " (field \(field))" }
                lines.append(text)
            }
            lines.append("  primary key (\(table.primaryKey.joined(separator: ", ")))")
        }
        for index in indexes {
            var text =
                "\(index.isUnique ? "unique index" : "index") \(index.name) on \(index.table) (\(index.columns.joined(separator: ", ")))"
            if let predicate = index.predicate { text += " where \(predicate.sql)" }
            lines.append(text)
        }
        for key in foreignKeys {
            lines.append(
                "foreign key \(key.name) on \(key.table) (\(key.columns.joined(separator: ", "))) references "
                    + "\(key.referencedTable) (\(key.referencedColumns.joined(separator: ", "))) "
                    + "on delete \(key.onDelete.rawValue) on update \(key.onUpdate.rawValue)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ColumnDefault {
    /// The default as it reads in the rendering (not SQL: literals are not escaped here).
    public var renderedText: String {
        switch self {
        case .currentTimestamp: "CURRENT_TIMESTAMP"
        case .string(let text): "'\(text)'"
        case .number(let text): text
        case .boolean(let flag): flag ? "true" : "false"
        case .json(let text): "'\(text)'::jsonb"
        case .expression(let text): text
        }
    }
}
