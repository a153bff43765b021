// libpg_query loaded on demand for migration lint (include/CLibPgQuery.h says why). The header gives the types;
// the two functions come from dlsym, once, under pthread_once.
#include "CLibPgQuery.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    PgQueryParseResult (*parse)(const char *);
    void (*free_parse_result)(PgQueryParseResult);
} pg_query;
static pthread_once_t pg_query_once = PTHREAD_ONCE_INIT;
static char pg_query_load_error[256];

static void load_pg_query(void) {
    void *library = dlopen(ENGINESYNC_PG_QUERY_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(pg_query_load_error, sizeof pg_query_load_error, "%s",
                 reason ? reason : ENGINESYNC_PG_QUERY_LIBRARY " not found");
        return;
    }
    *(void **)&pg_query.free_parse_result = dlsym(library, "pg_query_free_parse_result");
    *(void **)&pg_query.parse = dlsym(library, "pg_query_parse");
    if (pg_query.parse == NULL || pg_query.free_parse_result == NULL) {
        snprintf(pg_query_load_error, sizeof pg_query_load_error,
                 ENGINESYNC_PG_QUERY_LIBRARY " has no pg_query_parse or pg_query_free_parse_result");
        pg_query.parse = NULL;
    }
}

int enginesync_pg_query_parse(const char *sql, PgQueryParseResult *result, char *error, size_t error_capacity) {
    pthread_once(&pg_query_once, load_pg_query);
    if (pg_query.parse == NULL) {
        if (error_capacity > 0) snprintf(error, error_capacity, "%s", pg_query_load_error);
        return -1;
    }
    *result = pg_query.parse(sql);
    return 0;
}

void enginesync_pg_query_free_parse_result(PgQueryParseResult result) {
    // Only results of a successful enginesync_pg_query_parse reach here, so the library is loaded.
    pg_query.free_parse_result(result);
}
