#!/bin/sh
# The test runner behind `make check`: every unit-test binary (cmocka, TAP
# output) and every end-to-end script in tests/e2e/ (which print TAP lines via
# tests/lib.sh). Prints failures in full and ends with one summary line.
# Environment: KPIPRESS (the binary), UNITDIR (unit binaries), ONLY (a
# substring to select tests), SANITIZE (1 under ASan/UBSan).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${KPIPRESS:?KPIPRESS must name the kpipress binary}"
: "${UNITDIR:?UNITDIR must name the unit test folder}"
export KPIPRESS TESTS_DIR="$here" SRC_DIR="$(dirname "$here")"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1782864000}"
export CMOCKA_MESSAGE_OUTPUT=TAP

pass=0 fail=0 suites=0 scripts=0 broken=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

tally() { # $1 = name, $2 = exit status; reads TAP from $log
    ok=$(grep -c '^ok ' "$log")
    bad=$(grep -c '^not ok ' "$log")
    pass=$((pass + ok))
    fail=$((fail + bad))
    if [ "$bad" -gt 0 ] || [ "$2" -ne 0 ] || [ "$ok" -eq 0 ]; then
        echo "FAIL $1 (exit $2, $ok ok, $bad not ok)"
        grep -v '^ok ' "$log" | tail -n 60 | sed 's/^/    /'
        if [ "$bad" -eq 0 ]; then
            fail=$((fail + 1))
        fi
        broken="$broken $1"
    else
        echo "ok   $1 ($ok)"
    fi
}

for t in "$UNITDIR"/test_*; do
    [ -x "$t" ] || continue
    name=unit/$(basename "$t")
    case "$name" in *"${ONLY:-}"*) ;; *) continue ;; esac
    suites=$((suites + 1))
    (cd "$here/.." && "$t") >"$log" 2>&1
    tally "$name" $?
done

for t in "$here"/e2e/*.sh; do
    [ -f "$t" ] || continue
    name=e2e/$(basename "$t" .sh)
    case "$name" in *"${ONLY:-}"*) ;; *) continue ;; esac
    scripts=$((scripts + 1))
    (cd "$here/.." && sh "$t") >"$log" 2>&1
    tally "$name" $?
done

echo "kpipress tests: $pass passed, $fail failed ($suites unit suites, $scripts end-to-end scripts${SANITIZE:+, SANITIZE=$SANITIZE})"
[ "$fail" -eq 0 ] || { echo "failing:$broken"; exit 1; }
