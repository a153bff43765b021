#ifndef ENGINESYNC_CLIBPGQUERY_SHIM_H
#define ENGINESYNC_CLIBPGQUERY_SHIM_H
/* Debian's libpg-query-dev ships no pkg-config file: the header is /usr/include/pg_query.h and the module map
   links libpg_query by name. Only PgQuery imports this module (scripts/check-imports.sh). */
#include <pg_query.h>
#endif
