#!/bin/sh
# make leakcheck: valgrind memcheck over the acme sample batch
# (`kpipress run -c samples/acme/review.ini -j 1`), the forked render worker
# included; gnuplot (not our code) is not traced. Passes with zero errors and
# zero definitely lost blocks in every process; suppressions are in
# tests/valgrind.supp, each with the reason it is there.
# usage: tests/leakcheck.sh BINARY [CONFIG]   (make leakcheck runs the acme,
# huadong and crm samples)
set -u
kp=${1:?usage: leakcheck.sh BINARY [CONFIG]}
here=$(cd "$(dirname "$0")" && pwd)
cfg=${2:-$(dirname "$here")/samples/acme/review.ini}
T=$(mktemp -d "${TMPDIR:-/tmp}/kp-leak.XXXXXX")
trap 'rm -rf "$T"' EXIT
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1782864000}"

valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --error-exitcode=99 --track-origins=yes \
    --trace-children=yes --trace-children-skip='*gnuplot*' --child-silent-after-fork=no \
    --suppressions="$here/valgrind.supp" --gen-suppressions=all \
    "$kp" run -q -c "$cfg" -o "$T/out" -j 1 2>"$T/vg.log"
rc=$?
# (One log for all processes: with --log-file=%p a forked child that execs a
# skipped program clobbers its parent's file.) Every process valgrind ran
# ends with an ERROR SUMMARY line; a leak adds a "definitely lost" line.
bad=0
n=$(grep -c 'ERROR SUMMARY:' "$T/vg.log")
errs=$(grep 'ERROR SUMMARY:' "$T/vg.log" | grep -vc 'ERROR SUMMARY: 0 errors')
lost=$(grep 'definitely lost:' "$T/vg.log" | grep -vc 'definitely lost: 0 bytes')
if [ "$n" -lt 2 ] || [ "$errs" -ne 0 ] || [ "$lost" -ne 0 ]; then
    bad=1
    echo "leakcheck: $n processes checked (want the parent and its worker), $errs with errors, $lost with definite leaks"
    sed 's/^/    /' "$T/vg.log"
fi
reviews=$(find "$T/out/reviews" -name '*.pdf' 2>/dev/null | wc -l)
# 0, or 1 when the sample has rejected rows by design (samples/crm).
if [ "$rc" -gt 1 ] && [ "$rc" -ne 99 ]; then
    echo "leakcheck: kpipress exited $rc"
    bad=1
fi
[ "$rc" -eq 99 ] && bad=1
if [ "$bad" -eq 0 ]; then
    echo "leakcheck: ok: $n processes, 0 errors, 0 bytes definitely lost ($reviews reviews)"
else
    echo "leakcheck: FAILED (kpipress exit $rc, $reviews reviews)"
fi
exit "$bad"
