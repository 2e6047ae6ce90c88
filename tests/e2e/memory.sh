# Memory is bounded by the people and months used, not by the input's size
# (issue 22 §6): a 30 MB metrics file of rows outside the months used. The
# rejected rows kept in memory (and listed in rejects.csv) stop at
# [output] rejects_max; the rest are counted. Peak resident size is measured
# with /usr/bin/time -v and compared with a generous bound (no timing).
# Before the cap: 148 MB for this file (and 955 MB for a 210 MB one).
. "$TESTS_DIR/lib.sh"

if ! [ -x /usr/bin/time ]; then
    echo "ok 1 # SKIP /usr/bin/time is not installed"
    exit 0
fi
# ASan keeps freed memory in a quarantine (256 MB by default): keep it small
# so the figure is the program's. The bounds are 3x under the sanitizers.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
export ASAN_OPTIONS
scale=1
[ -n "${SANITIZE:-}" ] && [ "$SANITIZE" != 0 ] && scale=3

cp -R "$SRC/samples/acme" "$T/a"
cd "$T/a" || exit 1
awk 'NR == 1 { print; next } { print }
     END { for (i = 0; i < 460000; i++)
               printf "2019-%02d,R%04d,44718,74000,43233,0,32,21,1,16,1,1,4.4,,47000,36.3\n",
                      i % 12 + 1, i % 34 + 1 }' metrics.csv >big.csv
rows=$(($(wc -l <big.csv) - 1))
t_ok "the input is over 25 MB" test "$(wc -c <big.csv)" -gt 25000000

# peak KPIPRESS-ARGS...: runs kpipress under /usr/bin/time -v; $peak = MB.
peak() {
    /usr/bin/time -v -o "$T/time" "$KP" "$@" >"$T/out" 2>&1
    rc=$?
    peak=$(awk -F: '/Maximum resident set size/ { print int($2 / 1024) }' "$T/time")
}

peak check -q -c review.ini --metrics big.csv
t_rc "check a 30 MB file of rows outside the window: exit 0" 0
t_ok "check: peak RSS ${peak} MB is below $((100 * scale)) MB (was 148 MB)" \
    test "$peak" -lt $((100 * scale))

peak compute -c review.ini --metrics big.csv -o out
t_rc "compute: exit 0" 0
t_ok "compute: peak RSS ${peak} MB is below $((100 * scale)) MB (was 148 MB)" \
    test "$peak" -lt $((100 * scale))
t_eq "compute: rejects.csv lists 100000 rows, then one line for the rest" 100002 \
    "$(wc -l <out/rejects.csv)"
t_grep "compute: the last line counts the rows left out" \
    "^,,$((460000 - 100000)) more rows not listed \(\[output\] rejects_max = 100000\)," out/rejects.csv
t_grep "compute: the closing summary counts every row by kind" \
    "^kpipress: big.csv: note: $rows rows: [0-9]+ used, 460000 not used \(460000 × period … is outside the months used, first at line " \
    "$T/out"

# A small cap: the memory is then about that of the data used.
sed 's/^\[output\]/[output]\nrejects_max = 1000/' review.ini >cap.ini
peak compute -q -c cap.ini --metrics big.csv -o cap
t_rc "rejects_max = 1000: exit 0" 0
t_ok "rejects_max = 1000: peak RSS ${peak} MB is below $((40 * scale)) MB" \
    test "$peak" -lt $((40 * scale))
t_eq "rejects_max = 1000: 1000 rows listed" 1002 "$(wc -l <cap/rejects.csv)"
t_done
