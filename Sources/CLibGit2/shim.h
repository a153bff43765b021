#ifndef ENGINESYNC_CLIBGIT2_SHIM_H
#define ENGINESYNC_CLIBGIT2_SHIM_H
#include <git2.h>
#endif
