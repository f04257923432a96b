#!/usr/bin/env bash
# cmake --install gives a distribution what it needs, and a C program can be
# built against the installed tree both ways a user would try:
#   - the layout: programs, shared + static libraries, headers, man pages,
#     gq.pc, the CMake package;
#   - the shared libraries carry a versioned SONAME (readelf);
#   - every program (and gq-bench) answers --version with the project version;
#   - each man page lists every option its program's --help lists;
#   - a consumer builds and runs through pkg-config, and through
#     find_package(gq) with gq::quant and gq::quant_static; a request for a
#     version the package does not satisfy is refused;
#   - the tree still works after it is moved (gq.pc and the CMake package
#     find their prefix relative to themselves).
#
# The install comes from its own build directory (Release, tests off, no
# sanitizers: a sanitized library cannot be linked by a plain program),
# kept under $GQ_BIN_DIR/install-check so later runs rebuild incrementally.
# Expected values come from outside the programs: the version from
# CMakeLists.txt's project() line, the type sizes from the block layouts in
# ggml (q4_K: 2+2+12+128 bytes per 256 values), the fixture facts from
# fixtures/MANIFEST.md (stories260K.gguf: 19 keys, 48 tensors).
set -u
: "${GQ_BIN_DIR:?run through ctest}" "${GQ_SOURCE_DIR:?run through ctest}" "${GQ_SHARED:?run through ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
die() { echo "FAIL: $*"; exit 1; }

version=$(sed -n 's/^project(gq VERSION \([0-9.]*\).*/\1/p' "$GQ_SOURCE_DIR/CMakeLists.txt")
[ -n "$version" ] || die "no project(gq VERSION x.y.z) line in CMakeLists.txt"
major=${version%%.*}
fixture="$GQ_SHARED/fixtures/real/models/stories260K.gguf"
[ -f "$fixture" ] || die "missing $fixture"
for tool in cmake cc readelf pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || die "this test needs $tool"
done

echo "== build and install (Release, tests off) into a temporary prefix"
build="$GQ_BIN_DIR/install-check"
cmake -S "$GQ_SOURCE_DIR" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGQ_BUILD_TESTS=OFF -DGQ_SANITIZE=OFF \
  >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; die "configure failed"; }
cmake --build "$build" -j 2 >"$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; die "build failed"; }
cmake --install "$build" --prefix "$tmp/stage" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; die "install failed"; }
# Everything below uses the tree after a move: nothing may remember the prefix.
mv "$tmp/stage" "$tmp/prefix"
p="$tmp/prefix"

echo "== layout"
libdir=$(dirname "$(find "$p" -name 'libgq-quant.so' | head -1)")
[ -d "$libdir" ] || die "no libgq-quant.so installed"
programs="gq-inspect gq-quantize gq-compare gq-sample"
for prog in $programs; do
  [ -x "$p/bin/$prog" ] || fail "bin/$prog missing"
  [ -s "$p/share/man/man1/$prog.1" ] || fail "share/man/man1/$prog.1 missing"
done
for lib in gguf quant; do
  for f in "libgq-$lib.a" "libgq-$lib.so" "libgq-$lib.so.$major" "libgq-$lib.so.$version"; do
    [ -e "$libdir/$f" ] || fail "$f missing in ${libdir#"$p"/}"
  done
  soname=$(readelf -d "$libdir/libgq-$lib.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$soname" = "libgq-$lib.so.$major" ] || fail "libgq-$lib SONAME is '$soname', want libgq-$lib.so.$major"
done
for h in error.h types.h gguf.h quant.h ftype.h; do
  [ -f "$p/include/gq/$h" ] || fail "include/gq/$h missing"
done
[ -f "$libdir/pkgconfig/gq.pc" ] || fail "pkgconfig/gq.pc missing"
for f in gqConfig.cmake gqConfigVersion.cmake gqTargets.cmake; do
  [ -f "$libdir/cmake/gq/$f" ] || fail "cmake/gq/$f missing"
done
for f in README.md LICENSE CHANGELOG.md docs/cli.md; do
  [ -f "$p/share/doc/gq/$f" ] || fail "share/doc/gq/$f missing"
done

echo "== --version everywhere"
for prog in $programs; do
  got=$("$p/bin/$prog" --version 2>&1) || fail "$prog --version exit status $?"
  [ "$got" = "$prog (gq) $version" ] || fail "$prog --version says '$got'"
done
got=$("$build/gq-bench" --version 2>&1) || fail "gq-bench --version exit status $?"
[ "$got" = "gq-bench (gq) $version" ] || fail "gq-bench --version says '$got'"

echo "== man pages list every option of --help"
for prog in $programs; do
  page="$p/share/man/man1/$prog.1"
  # Options as --help shows them; the page writes '-' as '\-'.
  for opt in $("$p/bin/$prog" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'); do
    grep -qF -- "$(echo "$opt" | sed 's/-/\\-/g')" "$page" || fail "$prog.1 does not document $opt"
  done
  grep -q "^\.TH $(echo "$prog" | tr a-z A-Z | sed 's/-/\\\\-/g') 1 " "$page" || fail "$prog.1 has no .TH line for $prog"
  grep -qF "gq $version" "$page" || fail "$prog.1 does not carry version $version"
  if command -v groff >/dev/null 2>&1; then
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
    [ -z "$warnings" ] || fail "groff warns about $prog.1: $warnings"
  fi
done

# The consumer: every call goes through the installed headers and libraries.
cat >"$tmp/consumer.c" <<'EOF'
#include <gq/gguf.h>
#include <gq/quant.h>
#include <gq/types.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    uint64_t bytes = 0;
    if (!gq_type_row_bytes(GQ_TYPE_Q4_K, 256, &bytes)) return 3;
    /* A q8_0 block built by hand: d = 1.0 (half 0x3c00), codes -16..15:
     * the values are the codes themselves. */
    unsigned char block[34];
    block[0] = 0x00;
    block[1] = 0x3c;
    for (int i = 0; i < 32; i++) block[2 + i] = (unsigned char)(signed char)(i - 16);
    float out[32];
    if (gq_dequantize(GQ_TYPE_Q8_0, block, out, 32) != GQ_OK) return 4;
    for (int i = 0; i < 32; i++)
        if (out[i] != (float)(i - 16)) return 5;
    gguf_error err;
    gguf_file *f = gguf_open(argv[1], 0, &err);
    if (!f) {
        fprintf(stderr, "%s\n", err.message);
        return 6;
    }
    printf("%s %llu keys=%llu tensors=%llu\n", gq_type_name(GQ_TYPE_Q4_K), (unsigned long long)bytes,
           (unsigned long long)gguf_kv_count(f), (unsigned long long)gguf_tensor_count(f));
    gguf_close(f);
    return 0;
}
EOF
expected="q4_K 144 keys=19 tensors=48"
strict="-std=c11 -Wall -Wextra -Wpedantic -Werror"

echo "== pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion gq)" = "$version" ] || fail "pkg-config --modversion gq: $(pkg-config --modversion gq)"
# shellcheck disable=SC2046
if cc $strict $(pkg-config --cflags gq) "$tmp/consumer.c" -o "$tmp/consumer-pc" $(pkg-config --libs gq) 2>"$tmp/cc.log"; then
  got=$(LD_LIBRARY_PATH="$libdir" "$tmp/consumer-pc" "$fixture") || fail "pkg-config consumer exit status $?"
  [ "$got" = "$expected" ] || fail "pkg-config consumer printed '$got', want '$expected'"
  LD_LIBRARY_PATH="$libdir" ldd "$tmp/consumer-pc" | grep -q "libgq-quant.so.$major => $libdir" || fail "pkg-config consumer is not linked to the installed libgq-quant.so.$major"
else
  cat "$tmp/cc.log"
  fail "pkg-config consumer does not compile"
fi
# --static links the archives (and the private libraries they need).
# shellcheck disable=SC2046
if cc $strict $(pkg-config --cflags gq) "$tmp/consumer.c" -o "$tmp/consumer-pc-static" \
  "$libdir/libgq-quant.a" "$libdir/libgq-gguf.a" $(pkg-config --libs-only-l --static gq | sed 's/-lgq-quant -lgq-gguf//') \
  2>"$tmp/cc.log"; then
  got=$("$tmp/consumer-pc-static" "$fixture") || fail "static consumer exit status $?"
  [ "$got" = "$expected" ] || fail "static consumer printed '$got'"
else
  cat "$tmp/cc.log"
  fail "static consumer does not link with pkg-config --static's libraries"
fi

echo "== find_package(gq)"
mkdir -p "$tmp/consumer"
cp "$tmp/consumer.c" "$tmp/consumer/main.c"
cat >"$tmp/consumer/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(gq $version REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE gq::quant)
add_executable(consumer_static main.c)
target_link_libraries(consumer_static PRIVATE gq::quant_static)
foreach(t consumer consumer_static)
  target_compile_options(\${t} PRIVATE -Wall -Wextra -Wpedantic -Werror)
  set_target_properties(\${t} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON)
endforeach()
file(WRITE \${CMAKE_BINARY_DIR}/found-version.txt "\${gq_VERSION}")
EOF
if cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$p" >"$tmp/cm.log" 2>&1 &&
  cmake --build "$tmp/consumer/build" >>"$tmp/cm.log" 2>&1; then
  [ "$(cat "$tmp/consumer/build/found-version.txt")" = "$version" ] || fail "find_package set gq_VERSION to $(cat "$tmp/consumer/build/found-version.txt")"
  got=$("$tmp/consumer/build/consumer" "$fixture") || fail "find_package consumer exit status $?"
  [ "$got" = "$expected" ] || fail "find_package consumer printed '$got'"
  # The imported target carries the library's location: no LD_LIBRARY_PATH
  # is needed (CMake adds a build RPATH).
  ldd "$tmp/consumer/build/consumer" | grep -q "libgq-quant.so.$major => $libdir" || fail "find_package consumer does not use the installed shared library"
  got=$("$tmp/consumer/build/consumer_static" "$fixture") || fail "gq::quant_static consumer exit status $?"
  [ "$got" = "$expected" ] || fail "gq::quant_static consumer printed '$got'"
  ldd "$tmp/consumer/build/consumer_static" | grep -q libgq- && fail "gq::quant_static consumer loads a gq shared library"
else
  tail -30 "$tmp/cm.log"
  fail "find_package consumer does not configure or build"
fi
# A newer major version than installed must not be accepted.
sed -i "s/find_package(gq $version REQUIRED)/find_package(gq $((major + 1)).0 REQUIRED)/" "$tmp/consumer/CMakeLists.txt"
if cmake -S "$tmp/consumer" -B "$tmp/consumer/build-newer" -DCMAKE_PREFIX_PATH="$p" >"$tmp/cm2.log" 2>&1; then
  fail "find_package(gq $((major + 1)).0) accepted version $version"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "install: layout, SONAMEs, versions, man pages, pkg-config and find_package consumers all good"
