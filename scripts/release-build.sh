# shellcheck shell=bash
# Sourced by scripts: how the released `enginesync` binary is built (install.sh, bench.sh, symbol-order.sh).
#
# - The Swift runtime is linked statically: the service depends only on Debian's libraries, not on the
#   toolchain directory staying where it is.
# - Every Swift function and C function in its own section (`-function-sections`), so that the linker can place
#   the code the daemon runs next to each other (linking/enginesync.order, docs/BENCHMARKS.md): the idle daemon's
#   resident code is what it ran, not every 64 KB block that holds one function it ran.
#
# - jemalloc and libstdc++ are linked statically too (Package.swift, ENGINESYNC_STATIC_RUNTIME_DIR): Debian's
#   libjemalloc.so needs libstdc++.so, and the loader mapping, relocating and initialising it cost the idle
#   daemon ~3 MiB; the binary needs neither libjemalloc2 nor libstdc++6 at run time. release_build checks the
#   result: neither library among the binary's needed ones, malloc and mallctl exported.
#
# release_build PRODUCT [extra swift build arguments...]
RELEASE_BUILD_FLAGS=(-c release --static-swift-stdlib
    -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections)
RELEASE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RELEASE_STATIC_RUNTIME_DIR=$RELEASE_ROOT/.build/static-runtime

# release_static_runtime: writes the linker scripts Package.swift's static runtime names: libstdc++.so → GCC's
# libstdc++.a (searched before GCC's own directory), libenginesync-jemalloc.so → the objects of Debian's
# libjemalloc_pic.a but its C++ operators (objects, not the archive: the Swift driver's --exclude-libs would
# hide malloc from the shared libraries, which would then allocate with glibc's malloc what the binary frees
# with jemalloc's).
release_static_runtime() {
    local dir=$RELEASE_STATIC_RUNTIME_DIR libstdcxx jemalloc_archive object
    # The toolchain's clang finds GCC's installation as the Swift driver does when it links.
    libstdcxx=$(clang -print-file-name=libstdc++.a)
    jemalloc_archive="$(pkg-config --variable=libdir jemalloc)/libjemalloc_pic.a"
    if [ ! -f "$libstdcxx" ]; then
        echo "release-build: GCC's libstdc++.a not found (clang -print-file-name=libstdc++.a; Debian's libstdc++-12-dev)" >&2
        return 1
    fi
    if [ ! -f "$jemalloc_archive" ]; then
        echo "release-build: $jemalloc_archive not found (Debian's libjemalloc-dev)" >&2
        return 1
    fi
    rm -rf "$dir"
    mkdir -p "$dir/jemalloc"
    (cd "$dir/jemalloc" && ar x "$jemalloc_archive")
    # jemalloc's operator new and delete: libstdc++.a's, which call malloc and free, are linked first.
    rm "$dir/jemalloc/jemalloc_cpp.pic.o"
    printf 'INPUT("%s")\n' "$libstdcxx" >"$dir/libstdc++.so"
    {
        printf 'INPUT('
        for object in "$dir"/jemalloc/*.o; do printf '"%s" ' "$object"; done
        printf ')\n'
    } >"$dir/libenginesync-jemalloc.so"
}

# release_check_static_runtime BINARY: what the loader would map, and what the shared libraries look up.
release_check_static_runtime() {
    local binary=$1 needed exported symbol
    needed=$(readelf -d "$binary" | awk '/\(NEEDED\)/ { print $NF }')
    if grep -qE 'libstdc\+\+|libjemalloc' <<<"$needed"; then
        echo "release-build: $binary still needs $(grep -E 'libstdc|libjemalloc' <<<"$needed" | tr -d '[]' | tr '\n' ' ')" >&2
        return 1
    fi
    exported=$(nm -D --defined-only "$binary" | awk '{ print $NF }')
    for symbol in malloc free realloc mallctl malloc_conf; do
        if ! grep -qx "$symbol" <<<"$exported"; then
            echo "release-build: $binary does not export $symbol (Package.swift, the static runtime)" >&2
            return 1
        fi
    done
}

release_build() {
    local product=$1
    shift
    release_static_runtime || return
    ENGINESYNC_STATIC_RUNTIME_DIR=$RELEASE_STATIC_RUNTIME_DIR \
        swift build "${RELEASE_BUILD_FLAGS[@]}" --product "$product" "$@" || return
    release_check_static_runtime "$(release_bin_path "$@")/$product"
}

# release_bin_path [extra swift build arguments...]: the directory release_build writes to.
# shellcheck disable=SC2120 # the arguments are optional
release_bin_path() {
    ENGINESYNC_STATIC_RUNTIME_DIR=$RELEASE_STATIC_RUNTIME_DIR swift build "${RELEASE_BUILD_FLAGS[@]}" --show-bin-path "$@"
}
