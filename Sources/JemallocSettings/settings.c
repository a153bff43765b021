// jemalloc's settings for the `enginesync` binary, read by jemalloc at its first allocation, before `main`.
// Only the executables link this target (Package.swift, `daemonLinking` exports the symbol so that the shared
// libjemalloc sees it); the MALLOC_CONF environment variable still overrides any of it.
//
// - narenas:1: one arena instead of four per core. The daemon allocates on a few threads one at a time; each
//   arena carries its own metadata and keeps its own freed pages.
// - tcache_max:1024: the per-thread caches hold objects up to 1 KiB instead of 32 KiB, so fewer freed pages sit
//   in them while the daemon idles.
// - lg_tcache_nslots_mul:-3: each thread cache keeps an eighth of the default number of objects per size class
//   (jemalloc 5.3), for the same reason.
// Together about −1 MiB of the idle daemon's resident memory, the compile of 1,000 models unchanged
// (docs/BENCHMARKS.md).
#include "JemallocSettings.h"

#if defined(__linux__)
const char *malloc_conf = "narenas:1,tcache_max:1024,lg_tcache_nslots_mul:-3";
#endif
