#ifndef ENGINESYNC_CLIBCURL_H
#define ENGINESYNC_CLIBCURL_H
#include <stddef.h>

/* One HTTP(S) POST through libcurl, which is loaded (dlopen "libcurl.so.4") at the first call, not at start-up:
   a daemon without webhooks never maps libcurl and the libraries only it needs. Only WebhookClient calls this
   (scripts/check-imports.sh); every variadic curl_easy_setopt call stays on this side.

   Returns 0 when the request completed (any HTTP status, in *status), -1 when libcurl cannot be loaded and a
   positive CURLcode when the request failed; `error` then holds one line (libcurl's detail, or dlerror). */
int enginesync_curl_post(const char *url, const char *body, size_t body_length, const char *const *headers,
                         size_t header_count, long timeout_milliseconds, long *status, char *error,
                         size_t error_capacity);

#endif
