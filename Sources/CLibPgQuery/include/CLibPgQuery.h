#ifndef ENGINESYNC_CLIBPGQUERY_H
#define ENGINESYNC_CLIBPGQUERY_H
#include <stddef.h>

/* PostgreSQL's parser (libpg_query), loaded with dlopen at the first parse, not at start-up: only migration lint
   parses SQL, and a daemon without pending migrations never maps the library (its relocations and symbol tables
   cost the idle daemon ~0.7 MiB). Debian's libpg-query-dev ships no pkg-config file; the header is
   /usr/include/pg_query.h. Only PgQuery imports this module (scripts/check-imports.sh).

   The library is Debian 12's libpg-query1504.0 (the PostgreSQL 15 grammar), by its soname. */
#include <pg_query.h>

#define ENGINESYNC_PG_QUERY_LIBRARY "libpg_query.so.1504.0"

/* Parses `sql` (pg_query_parse). Returns 0 when the library is loaded (the parse may still have failed: see
   result->error) and -1 when it cannot be loaded; `error` then holds dlerror's line. A result of 0 must be
   released with enginesync_pg_query_free_parse_result. */
int enginesync_pg_query_parse(const char *sql, PgQueryParseResult *result, char *error, size_t error_capacity);

/* Releases the tree, the error and the stderr buffer of a parse (pg_query_free_parse_result). */
void enginesync_pg_query_free_parse_result(PgQueryParseResult result);

#endif
