#!/bin/sh
# Run the libFuzzer targets (make fuzz): each for SECONDS from its seed corpus
# tests/fuzz/corpus/<target>/ plus the inputs earlier runs found
# (build/fuzz/corpus/<target>/, where new ones are saved: the tree is never
# written). SECONDS = 0 only replays the corpora (the regression run).
#
# usage: tests/fuzz/run.sh SECONDS [TARGET...]   (default: every built target)
# Environment: FUZZ_JOBS (parallel targets, default 1), FUZZ_ARGS (more
# libFuzzer flags). A crash, leak, timeout or broken invariant is saved as
# build/fuzz/crashes/<target>/crash-* and fails the run (exit 1). One line per
# target goes to build/fuzz/runs.tsv: date, target, seconds run, executions,
# corpus size, result.
set -u
secs=${1:-60}
shift 2>/dev/null || true
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
fb=$root/build/fuzz
[ $# -gt 0 ] || set -- $(cd "$fb" && ls fuzz_* 2>/dev/null | sed 's/^fuzz_//')
[ $# -gt 0 ] || { echo "run.sh: no fuzz targets built (make fuzz-build)" >&2; exit 2; }

mkdir -p "$fb/tmp"
# Scratch files of the targets go to a RAM disk when there is one.
tmp=$fb/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
export TMPDIR="$tmp"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
for t in "$@"; do
    bin=$fb/fuzz_$t
    [ -x "$bin" ] || { echo "run.sh: $bin is not built" >&2; status=1; continue; }
    work=$fb/corpus/$t crashes=$fb/crashes/$t log=$fb/logs/$t.log
    mkdir -p "$work" "$crashes" "$(dirname "$log")" "$here/corpus/$t"
    dict=""
    [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
    bound=-max_total_time=$secs
    [ "$secs" -eq 0 ] && bound=-runs=0
    t0=$(date +%s)
    # shellcheck disable=SC2086
    nice -n 10 "$bin" "$bound" -timeout=20 -rss_limit_mb=2560 -max_len=262144 -print_final_stats=1 \
        -artifact_prefix="$crashes/" $dict ${FUZZ_ARGS:-} "$work" "$here/corpus/$t" >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - t0))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    size=$(ls "$work" "$here/corpus/$t" | wc -l)
    if [ "$rc" -eq 0 ]; then
        result=ok
    else
        result="FAILED (exit $rc)"
        status=1
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$t" "$took" "${execs:-0}" \
        "$size" "$result" >>"$fb/runs.tsv"
    printf 'fuzz %-10s %6ss %10s execs  corpus %5s  %s\n' "$t" "$took" "${execs:-0}" "$size" "$result"
    if [ "$rc" -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|invariant|runtime error|Test unit written' "$log" | head -n 8 | sed 's/^/    /'
        echo "    full log: $log"
    fi
done
exit $status
