#!/bin/sh
# Install the Debian packages kpipress needs, only when some are missing.
# usage: scripts/deps.sh [build|test|bench|fuzz|leak]...   (default: build test)
# Exit 0 when everything is present (or was installed), 2 when packages are
# missing and we are not root: the exact command to run is printed.
set -u

build="gcc make pkg-config libhpdf-dev libcsv-dev libiniparser-dev libharfbuzz-dev libfontconfig-dev \
libcurl4-openssl-dev libssl-dev libjansson-dev libexpat1-dev libpng-dev libqpdf-dev libunistring-dev \
libxlsxwriter-dev libzip-dev gnuplot-nox"
test="libcmocka-dev poppler-utils qpdf python3 python3-aiosmtpd python3-openpyxl unzip parallel jq openssl \
fonts-dejavu-core groff-base"
bench="python3-reportlab python3-matplotlib fonts-wqy-microhei bc"
fuzz="clang libclang-rt-14-dev"
leak="valgrind"

[ $# -gt 0 ] || set -- build test
want=""
for group in "$@"; do
    case "$group" in
    build) want="$want $build" ;;
    test) want="$want $test" ;;
    bench) want="$want $bench" ;;
    fuzz) want="$want $fuzz" ;;
    leak) want="$want $leak" ;;
    *) echo "deps.sh: unknown group '$group' (build, test, bench, fuzz, leak)" >&2; exit 2 ;;
    esac
done

missing=""
for p in $want; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    case "$st" in
    *"ok installed") ;;
    *) missing="$missing $p" ;;
    esac
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "kpipress needs these Debian packages:$missing" >&2
    echo "run as root:  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 2
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update only if install fails.
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null; } ||
    { echo "deps.sh: apt-get failed for:$missing" >&2; exit 2; }
