#!/bin/sh
# make bench [PEER=1] [REPS=1000] [MONTHS=12] [JOBS=N]
# Generates the input layout (docs/contract.md) with `kpipress sample`, runs the whole pipeline
# (tables, 4 charts per review, reviews and team packets) and prints people
# per second, the time per stage, the median and largest review, and peak
# memory. PEER=1 also runs the Python/ReportLab peer (../shared/bench/) on the
# same data in the same run and prints the ratio.
set -eu
kp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
reps=${REPS:-1000}
months=${MONTHS:-12}
jobs=${JOBS:-$(nproc)}
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/bench-out
rm -rf "$dir"
mkdir -p "$dir"

"$kp" sample -q -o "$dir/data" --reps "$reps" --months "$months" --seed 7
cat >"$dir/data/review.ini" <<EOF
; The acme sample's KPIs and roles over the generated data: window 2026-04..06.
[config]
include = $top/samples/acme/review.ini
[input]
roster  = roster.csv
metrics = metrics.csv
[review]
history = $((months - 3))
EOF

echo "kpipress bench: $reps people, $months months, window 3 months, -j $jobs, $(nproc) CPUs"
start=$(date +%s.%N)
KPIPRESS_TIMINGS=1 "$kp" run -c "$dir/data/review.ini" -o "$dir/out" -j "$jobs" 2>"$dir/log" || true
end=$(date +%s.%N)
grep -v 'rendering' "$dir/log" | sed 's/^kpipress: /  /'

reviews=$(find "$dir/out/reviews" -name '*.pdf' | wc -l)
packets=$(find "$dir/out/packets" -name '*.pdf' | wc -l)
total=$(echo "$end - $start" | bc -l)
rate=$(echo "$reps / $total" | bc -l)
sizes=$(find "$dir/out/reviews" -name '*.pdf' -printf '%s\n' | sort -n)
median=$(echo "$sizes" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
largest=$(echo "$sizes" | tail -n 1)
printf '  %d reviews + %d packets in %.2f s: %.1f people/s end to end\n' "$reviews" "$packets" "$total" "$rate"
printf '  review size: median %.1f KB, largest %.1f KB\n' "$(echo "$median / 1024" | bc -l)" "$(echo "$largest / 1024" | bc -l)"

if [ "${PEER:-0}" = 1 ]; then
    peer=$top/../shared/bench/peer_reportlab.py
    [ -f "$peer" ] || { echo "bench: no peer at $peer" >&2; exit 2; }
    /usr/bin/python3 "$peer" "$dir/data" "$dir/peer" -j "$jobs" >"$dir/peer.log" 2>&1
    cat "$dir/peer.log" | sed 's/^/  /'
    prate=$(sed -n 's/.* = \([0-9.]*\) reviews\/s.*/\1/p' "$dir/peer.log")
    psize=$(find "$dir/peer" -name '*.pdf' -printf '%s\n' | sort -n |
        awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    printf '  peer median review: %.1f KB\n' "$(echo "$psize / 1024" | bc -l)"
    printf '  ratio: kpipress %.1f people/s (reviews and packets) / peer %.1f reviews/s = %.1fx\n' \
        "$rate" "$prate" "$(echo "$rate / $prate" | bc -l)"
fi
