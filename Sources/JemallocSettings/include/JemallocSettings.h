#ifndef ENGINESYNC_JEMALLOC_SETTINGS_H
#define ENGINESYNC_JEMALLOC_SETTINGS_H

// jemalloc looks this string up by name (see settings.c); nothing calls into this target.
#if defined(__linux__)
extern const char *malloc_conf;
#endif

#endif
