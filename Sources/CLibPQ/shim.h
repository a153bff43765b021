#ifndef ENGINESYNC_CLIBPQ_SHIM_H
#define ENGINESYNC_CLIBPQ_SHIM_H
#include <libpq-fe.h>

/* PG_DIAG_* are character-literal macros that Swift does not import (c-libraries.md 2.3). */
static const int CLibPQ_DIAG_SEVERITY_NONLOCALIZED = 'V';
static const int CLibPQ_DIAG_SQLSTATE = 'C';
static const int CLibPQ_DIAG_MESSAGE_PRIMARY = 'M';
static const int CLibPQ_DIAG_MESSAGE_DETAIL = 'D';
static const int CLibPQ_DIAG_MESSAGE_HINT = 'H';
static const int CLibPQ_DIAG_STATEMENT_POSITION = 'P';
static const int CLibPQ_DIAG_CONTEXT = 'W';
#endif
