// libcurl loaded on demand for the webhook client (include/CLibCurl.h says why). The header gives the types and
// constants; the functions come from dlsym, once, under pthread_once (curl_global_init is not to be raced).
#include "CLibCurl.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} curl;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static char curl_load_error[256];

static void load_curl(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(curl_load_error, sizeof curl_load_error, "%s", reason ? reason : "libcurl.so.4 not found");
        return;
    }
#define LOAD(field, name)                                                                                        \
    do {                                                                                                         \
        *(void **)&curl.field = dlsym(library, name);                                                            \
        if (curl.field == NULL) {                                                                                \
            snprintf(curl_load_error, sizeof curl_load_error, "libcurl.so.4 has no %s", name);                   \
            return;                                                                                              \
        }                                                                                                        \
    } while (0)
    LOAD(global_init, "curl_global_init");
    LOAD(easy_init, "curl_easy_init");
    LOAD(easy_setopt, "curl_easy_setopt");
    LOAD(easy_perform, "curl_easy_perform");
    LOAD(easy_getinfo, "curl_easy_getinfo");
    LOAD(easy_cleanup, "curl_easy_cleanup");
    LOAD(easy_strerror, "curl_easy_strerror");
    LOAD(slist_append, "curl_slist_append");
    LOAD(slist_free_all, "curl_slist_free_all");
#undef LOAD
    CURLcode code = curl.global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK) {
        snprintf(curl_load_error, sizeof curl_load_error, "curl_global_init: %s", curl.easy_strerror(code));
        curl.easy_init = NULL;
    }
}

// The receiver's answer is not read: only its status matters (libcurl would write it to stdout otherwise).
static size_t discard_response(char *data, size_t size, size_t count, void *context) {
    (void)data;
    (void)context;
    return size * count;
}

int enginesync_curl_post(const char *url, const char *body, size_t body_length, const char *const *headers,
                         size_t header_count, long timeout_milliseconds, long *status, char *error,
                         size_t error_capacity) {
    pthread_once(&curl_once, load_curl);
    if (curl.easy_init == NULL) {
        snprintf(error, error_capacity, "%s", curl_load_error[0] ? curl_load_error : "libcurl did not load");
        return -1;
    }
    CURL *handle = curl.easy_init();
    if (handle == NULL) {
        snprintf(error, error_capacity, "curl_easy_init failed");
        return CURLE_FAILED_INIT;
    }
    struct curl_slist *list = NULL;
    for (size_t index = 0; index < header_count; index++) {
        struct curl_slist *next = curl.slist_append(list, headers[index]);
        if (next == NULL) {
            curl.slist_free_all(list);
            curl.easy_cleanup(handle);
            snprintf(error, error_capacity, "out of memory for the request's headers");
            return CURLE_OUT_OF_MEMORY;
        }
        list = next;
    }
    char detail[CURL_ERROR_SIZE] = {0};
    // Only http and https, no redirects (a webhook that moved answers 3xx, which is reported), no signals
    // (the daemon has threads), the whole request bounded; peer and host verification stay libcurl's defaults (on).
    curl.easy_setopt(handle, CURLOPT_URL, url);
    curl.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_milliseconds);
    curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, timeout_milliseconds);
    curl.easy_setopt(handle, CURLOPT_POST, 1L);
    curl.easy_setopt(handle, CURLOPT_POSTFIELDS, body);
    curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    curl.easy_setopt(handle, CURLOPT_HTTPHEADER, list);
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, detail);
    curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard_response);
    CURLcode code = curl.easy_perform(handle);
    if (code == CURLE_OK) {
        curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, status);
    } else {
        snprintf(error, error_capacity, "%s (curl %d)", detail[0] ? detail : curl.easy_strerror(code), (int)code);
    }
    curl.slist_free_all(list);
    curl.easy_cleanup(handle);
    return code == CURLE_OK ? 0 : (int)code;
}
