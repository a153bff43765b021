/// DSL files held in memory, keyed by repository-relative path; directories are implied by the paths.
public struct InMemoryDSLSource: DSLFileSource, Sendable {
    public var files: [String: [UInt8]]

    public init(files: [String: [UInt8]]) {
        self.files = files
    }

    public init(texts: [String: String]) {
        files = texts.mapValues { Array($0.utf8) }
    }

    public func entries(inDirectory path: String) throws -> [DSLFileEntry]? {
        if files[path] != nil { throw DSLSourceError(path: path, reason: .notADirectory) }
        let prefix = path.isEmpty ? "" : path + "/"
        var kinds: [String: DSLFileEntry.Kind] = [:]
        for key in files.keys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                kinds[String(rest[..<slash])] = .directory
            } else {
                kinds[String(rest)] = kinds[String(rest)] ?? .file
            }
        }
        if kinds.isEmpty { return nil }
        return kinds.map { DSLFileEntry(name: $0.key, kind: $0.value) }
    }

    public func readFile(_ path: String, maxBytes: Int) throws -> [UInt8] {
        guard let bytes = files[path] else { throw DSLSourceError(path: path, reason: .unreadable("no such file")) }
        if bytes.count > maxBytes {
            throw DSLSourceError(path: path, reason: .tooLarge(size: bytes.count, limit: maxBytes))
        }
        return bytes
    }
}
