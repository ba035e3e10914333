#!/usr/bin/env bash
# The Debian packages of a plain Release build install on this machine, run,
# name their files where Debian expects them, and leave nothing behind when
# purged. Usage: test_package.sh SOURCE_DIR BUILD_DIR (BUILD_DIR is made).
set -euo pipefail
src=$1 build=$2

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
command -v dpkg >/dev/null || skip "no dpkg"
for p in camdex camdex-deep camdex-osd; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
        skip "package $p is installed here; not touching it"
    fi
done

fail() { echo "FAIL: $*" >&2; exit 1; }
purge() { dpkg -P camdex-osd camdex-deep camdex >/dev/null 2>&1 || true; }
trap purge EXIT

# A plain Release build, as an operator would make it (its own directory,
# no tests, no sanitizers).
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCAMDEX_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target package >"$build/package.log" 2>&1 ||
    { tail -30 "$build/package.log"; fail "cmake --build --target package"; }
version=$(sed -n 's/^project(camdex VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
arch=$(dpkg --print-architecture)
main="$build/camdex_${version}_${arch}.deb"
deep="$build/camdex-deep_${version}_${arch}.deb"
osd="$build/camdex-osd_${version}_${arch}.deb"
[ -f "$main" ] && [ -f "$deep" ] && [ -f "$osd" ] || fail "packages not made: $(ls "$build"/*.deb 2>&1)"

# Dependencies declared from the shared libraries used.
dpkg-deb -f "$main" Depends | grep -q 'liblmdb0' || fail "camdex does not depend on liblmdb0"
dpkg-deb -f "$deep" Depends | grep -q 'libavformat' || fail "camdex-deep does not depend on libavformat"
dpkg-deb -f "$deep" Depends | grep -q "camdex (= $version)" || fail "camdex-deep does not depend on camdex"
dpkg-deb -f "$main" Depends | grep -q 'libavformat' && fail "camdex itself must not need libav"
dpkg-deb -f "$osd" Depends | grep -q 'libtesseract' || fail "camdex-osd does not depend on libtesseract"
dpkg-deb -f "$osd" Depends | grep -q 'tesseract-ocr-chi-sim' || fail "camdex-osd without its Chinese model"
dpkg-deb -f "$main" Depends | grep -q 'tesseract' && fail "camdex itself must not need Tesseract"
files=$( (dpkg-deb -c "$main"; dpkg-deb -c "$deep"; dpkg-deb -c "$osd") | awk '{print $6}' | sed 's|^\.||' | grep -v '/$')

dpkg -i "$main" "$deep" "$osd" >/dev/null

# It runs, and finds its tier-2 module where the package put it.
out=$(/usr/bin/camdex --version)
echo "$out"
echo "$out" | grep -qx "camdex $version" || fail "--version: $out"
echo "$out" | grep -qx "tier 2 module: /usr/lib/camdex/camdex-deep.so" ||
    fail "the installed program did not load the installed module"
db=$(mktemp -d)
/usr/bin/camdex --db "$db/index" import "$src/tests/data/inventory_small.csv" >/dev/null
/usr/bin/camdex --db "$db/index" list --format csv | grep -q . || fail "list after import"
rm -rf "$db"

# The unit names the installed program and passes systemd's checks; the
# configuration is a conffile the program accepts; the manual is found.
unit=/usr/lib/systemd/system/camdex.service
grep -qx 'ExecStart=/usr/bin/camdex serve --config /etc/camdex/camdex.ini' "$unit" ||
    fail "ExecStart in $unit: $(grep ExecStart "$unit")"
systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
dpkg-query -W -f='${Conffiles}\n' camdex | grep -q '/etc/camdex/camdex.ini' ||
    fail "camdex.ini is not a conffile"
/usr/bin/camdex config check /etc/camdex/camdex.ini >/dev/null || fail "the packaged camdex.ini"
[ "$(stat -c %a /etc/camdex/camdex.ini)" = 600 ] || fail "camdex.ini is not 0600"
man -w camdex >/dev/null 2>&1 || [ -f /usr/share/man/man1/camdex.1.gz ] || fail "no manual page"
gzip -t /usr/share/man/man1/camdex.1.gz

# Removed, the configuration stays (it is the operator's); purged, nothing
# of the package is left.
dpkg -r camdex-osd camdex-deep camdex >/dev/null
[ ! -e /usr/bin/camdex ] || fail "/usr/bin/camdex left after dpkg -r"
[ -f /etc/camdex/camdex.ini ] || fail "dpkg -r removed the configuration"
dpkg -P camdex-osd camdex-deep camdex >/dev/null
for f in $files; do
    [ ! -e "$f" ] || fail "$f left after dpkg -P"
done
for d in /etc/camdex /usr/lib/camdex /var/lib/camdex /var/lib/private/camdex; do
    [ ! -e "$d" ] || fail "$d left after dpkg -P"
done
if dpkg-query -W -f='${Status}\n' camdex 2>/dev/null | grep -qv 'not-installed'; then
    fail "dpkg still knows camdex: $(dpkg-query -W -f='${Status}' camdex)"
fi
trap - EXIT
echo "PASS: packages install, run, remove and purge cleanly"
