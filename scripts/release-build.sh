# shellcheck shell=bash
# Sourced by scripts: how the released `enginesync` binary is built (install.sh, bench.sh, symbol-order.sh).
#
# - The Swift runtime is linked statically: the service depends only on Debian's libraries, not on the
#   toolchain directory staying where it is.
# - Every Swift function and C function in its own section (`-function-sections`), so that the linker can place
#   the code the daemon runs next to each other (linking/enginesync.order, docs/BENCHMARKS.md): the idle daemon's
#   resident code is what it ran, not every 64 KB block that holds one function it ran.
#
# release_build PRODUCT [extra swift build arguments...]
RELEASE_BUILD_FLAGS=(-c release --static-swift-stdlib
    -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections)

release_build() {
    local product=$1
    shift
    swift build "${RELEASE_BUILD_FLAGS[@]}" --product "$product" "$@"
}

# release_bin_path [extra swift build arguments...]: the directory release_build writes to.
# shellcheck disable=SC2120 # the arguments are optional
release_bin_path() {
    swift build "${RELEASE_BUILD_FLAGS[@]}" --show-bin-path "$@"
}
