// git_libgit2_init alone (it initialises libssh2 and with it OpenSSL).
import CLibGit2
import Idle

git_libgit2_init()
idle()
