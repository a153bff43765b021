import EngineSync
import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

/// Incremental introspection against a real PostgreSQL 15 catalog: after every kind of change made behind the
/// daemon's back, the cached read equals a full `CatalogReader` read, and only the tables concerned are read again.
@Suite("LiveSchemaCache: incremental introspection equals a full read after each out-of-band change")
struct LiveSchemaCacheTests {
    static let setup = """
        CREATE TABLE author (id serial PRIMARY KEY, name varchar(50) NOT NULL DEFAULT 'x', email text,
            deleted boolean DEFAULT false, archived boolean DEFAULT false);
        CREATE TABLE post (id serial PRIMARY KEY, author_id integer REFERENCES author(id) ON DELETE CASCADE,
            title varchar(100), body text, score int DEFAULT 0);
        CREATE TABLE comment (id bigserial PRIMARY KEY, post_id integer REFERENCES post(id), text text);
        CREATE TABLE tag (id serial PRIMARY KEY, label varchar(20));
        CREATE UNIQUE INDEX uidx_author_email ON author (email) WHERE deleted = false AND archived = false;
        CREATE INDEX idx_post_title ON post (title);
        CREATE INDEX idx_tag_lower ON tag (lower(label));
        CREATE VIEW author_names AS SELECT name FROM author;
        INSERT INTO post (title) SELECT 't' || g FROM generate_series(1, 300) g;
        """

    /// A change made by hand, and which tables must be read again for it (`nil`: a full read). A change to a
    /// table also reads again the tables whose foreign keys reference it (comment → post → author).
    struct Change: CustomStringConvertible {
        var sql: String
        var reread: Set<String>?
        var description: String { sql }
    }

    static let changes: [Change] = [
        Change(sql: "DROP INDEX idx_post_title", reread: ["post", "comment"]),
        Change(sql: "ALTER TABLE post ALTER COLUMN title TYPE varchar(200)", reread: ["post", "comment"]),
        Change(sql: "CREATE TABLE extra (id int PRIMARY KEY, note text)", reread: ["extra"]),
        Change(sql: "ALTER TABLE tag RENAME COLUMN label TO caption", reread: ["tag"]),
        Change(sql: "ALTER INDEX idx_tag_lower RENAME TO idx_tag_caption", reread: ["tag"]),
        Change(sql: "ALTER SEQUENCE tag_id_seq RENAME TO tag_ids", reread: ["tag"]),
        Change(sql: "ALTER TABLE post ALTER COLUMN score SET DEFAULT 7", reread: ["post", "comment"]),
        Change(sql: "ALTER TABLE post ALTER COLUMN score DROP DEFAULT", reread: ["post", "comment"]),
        Change(sql: "ALTER TABLE tag ALTER COLUMN caption SET NOT NULL", reread: ["tag"]),
        Change(sql: "ALTER TABLE tag ALTER COLUMN caption DROP NOT NULL", reread: ["tag"]),
        // The referenced column's name is part of comment's foreign key: comment is read again too.
        Change(sql: "ALTER TABLE post RENAME COLUMN id TO post_id", reread: ["post", "comment"]),
        Change(sql: "ALTER TABLE comment DROP CONSTRAINT comment_post_id_fkey", reread: ["comment"]),
        Change(
            sql:
                "ALTER TABLE comment ADD CONSTRAINT comment_post_id_fkey FOREIGN KEY (post_id) REFERENCES post(post_id)",
            reread: ["comment"]),
        Change(sql: "ALTER TABLE extra RENAME TO extra_renamed", reread: ["extra_renamed"]),
        Change(sql: "DROP TABLE extra_renamed", reread: []),
        Change(sql: "ALTER TABLE author ADD COLUMN bio text", reread: ["author", "post"]),
        Change(sql: "ALTER TABLE author DROP COLUMN bio", reread: ["author", "post"]),
        Change(sql: "ALTER TABLE tag DROP CONSTRAINT tag_pkey", reread: ["tag"]),
        Change(sql: "ALTER TABLE tag ADD CONSTRAINT tag_pk PRIMARY KEY (id)", reread: ["tag"]),
        Change(sql: "CREATE UNIQUE INDEX uidx_tag_caption ON tag (caption)", reread: ["tag"]),
        Change(sql: "ALTER TABLE author RENAME TO writer", reread: ["writer", "post"]),
        // Not DDL: estimates change, nothing is read again.
        Change(sql: "ANALYZE post", reread: []),
        Change(sql: "VACUUM post", reread: []),
        Change(sql: "VACUUM FREEZE pg_catalog.pg_class", reread: []),
        Change(sql: "VACUUM FREEZE pg_catalog.pg_attribute", reread: []),
        Change(sql: "INSERT INTO tag (caption) VALUES ('a'), ('b')", reread: []),
        Change(sql: "CREATE VIEW tag_captions AS SELECT caption FROM tag", reread: []),
        Change(sql: "DROP VIEW tag_captions", reread: []),
        // What is not per table (a type, a function) means a full read.
        Change(sql: "CREATE TYPE mood AS ENUM ('ok', 'sad')", reread: nil),
        Change(sql: "ALTER TABLE tag ADD COLUMN mood mood", reread: ["tag"]),
        Change(sql: "ALTER TYPE mood RENAME TO feeling", reread: nil),
        Change(sql: "CREATE FUNCTION seven() RETURNS int LANGUAGE sql AS 'SELECT 7'", reread: nil),
        Change(sql: "ALTER TABLE post ALTER COLUMN score SET DEFAULT seven()", reread: ["post", "comment"]),
        Change(sql: "ALTER FUNCTION seven() RENAME TO lucky", reread: nil),
        // A table moved out of the schema is gone; the referencing table is read again.
        Change(sql: "CREATE SCHEMA elsewhere", reread: nil),
        Change(sql: "ALTER TABLE comment SET SCHEMA elsewhere", reread: []),
        Change(sql: "ALTER TABLE elsewhere.comment SET SCHEMA public", reread: ["comment"]),
        Change(sql: "DROP TABLE tag", reread: []),
    ]

    @Test func eachOutOfBandChangeIsSeenLikeAFullRead() throws {
        try ScratchDatabase.with { _, connection in
            try connection.execute(script: Self.setup)
            try connection.setSearchPath(["pg_catalog"])
            let cache = LiveSchemaCache()
            let first = try cache.read(connection, schema: "public")
            #expect(first.summary.full)
            #expect(first.schema == (try Self.fullRead(connection)))
            let again = try cache.read(connection, schema: "public")
            #expect(again.summary == .init(full: false, tablesRead: 0))
            #expect(again.schema == first.schema)

            for change in Self.changes {
                try connection.setSearchPath(["public", "pg_catalog"])
                try connection.execute(script: change.sql)
                try connection.setSearchPath(["pg_catalog"])
                let read = try cache.read(connection, schema: "public")
                let full = try Self.fullRead(connection)
                #expect(read.schema == full, "\(change)")
                if let expected = change.reread {
                    #expect(!read.summary.full, "\(change): a full read")
                    #expect(read.summary.tablesRead == expected.count, "\(change): \(read.summary)")
                } else {
                    #expect(read.summary.full, "\(change): not a full read")
                }
                // Reading again right away reads nothing (unless an index is invalid).
                let settled = try cache.read(connection, schema: "public")
                #expect(settled.summary == .init(full: false, tablesRead: 0), "\(change)")
                #expect(settled.schema == full, "\(change)")
            }
        }
    }

    @Test func anInvalidIndexIsReadEveryTime() throws {
        try ScratchDatabase.with { _, connection in
            try connection.execute(
                script: """
                    CREATE TABLE item (id serial PRIMARY KEY, code text);
                    INSERT INTO item (code) VALUES ('a'), ('a');
                    """)
            // A failed concurrent build leaves an invalid index behind.
            #expect(throws: PostgresError.self) {
                try connection.execute(script: "CREATE UNIQUE INDEX CONCURRENTLY uidx_item_code ON item (code)")
            }
            try connection.setSearchPath(["pg_catalog"])
            let cache = LiveSchemaCache()
            _ = try cache.read(connection, schema: "public")
            let read = try cache.read(connection, schema: "public")
            #expect(read.summary == .init(full: false, tablesRead: 1))
            #expect(read.schema.index(named: "uidx_item_code")?.state == .invalid)
            #expect(read.schema == (try Self.fullRead(connection)))
        }
    }

    @Test func estimatesFollowAnalyzeWithoutAReread() throws {
        try ScratchDatabase.with { _, connection in
            try connection.execute(script: "CREATE TABLE big (id serial PRIMARY KEY, v int)")
            try connection.setSearchPath(["pg_catalog"])
            let cache = LiveSchemaCache()
            _ = try cache.read(connection, schema: "public")
            try connection.execute(
                script: "INSERT INTO public.big (v) SELECT g FROM generate_series(1, 1000) g; ANALYZE public.big")
            let read = try cache.read(connection, schema: "public")
            #expect(read.summary == .init(full: false, tablesRead: 0))
            #expect(read.schema.table(named: "big")?.estimatedRows == 1000)
        }
    }

    @Test func restrictedQueriesFilterOnTheTable() {
        for (name, sql) in CatalogReader.queries where name != "view_dependencies" {
            let alias = ["tables", "columns"].contains(name) ? "c" : "t"
            #expect(CatalogReader.restricted(sql, tableAlias: alias) != sql, "\(name)")
        }
    }

    static func fullRead(_ connection: PostgresConnection) throws -> Schema {
        var reader = CatalogReader(schema: "public")
        return try reader.read(connection)
    }
}
