#ifndef ENGINESYNC_CLIBGIT2_SHIM_H
#define ENGINESYNC_CLIBGIT2_SHIM_H
#include <git2.h>
#include <libssh2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: one fixed-signature wrapper per option used. */
static inline int clibgit2_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

/* git_libgit2_init initialises libssh2 (Debian's libgit2 links it for ssh:// remotes) with libssh2_init(0), whose
   OpenSSL backend loads and registers every built-in OpenSSL ENGINE: 1.5 MiB of libcrypto resident for the
   process's life, for hardware engines nobody configured. OpenSSL 1.1+ initialises itself on first use, so
   libssh2 needs none of it: initialising libssh2 first without its crypto set-up makes libgit2's call a counted
   no-op (libssh2 initialises once). c-libraries.md: one init per process, never shut down. */
static inline int clibgit2_init(void) {
    libssh2_init(LIBSSH2_INIT_NO_CRYPTO);
    return git_libgit2_init();
}
#endif
