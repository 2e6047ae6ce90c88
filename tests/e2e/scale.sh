# Scale: the output never depends on the worker count or on sharding, and a
# worker killed mid-batch is noticed and its document redone, never lost.
. "$TESTS_DIR/lib.sh"

"$KP" sample -q -o "$T/data" --reps 60 --months 6 --seed 11
cat >"$T/data/review.ini" <<EOF2
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = roster.csv
metrics = metrics.csv
[review]
history = 3
EOF2

kp run -q -c "$T/data/review.ini" -o "$T/j1" -j 1
t_rc "-j 1: exit 0" 0
kp run -q -c "$T/data/review.ini" -o "$T/j4" -j 4
t_rc "-j 4: exit 0" 0
t_same "-j 1 and -j 4 write the same documents (SHA256SUMS)" "$T/j1/SHA256SUMS" "$T/j4/SHA256SUMS"
for f in results.csv scores.csv teams.csv results.json; do
    t_same "-j 1 and -j 4: the same $f" "$T/j1/$f" "$T/j4/$f"
done

# Four machines: compute once, copy the tables, render one shard each.
kp compute -q -c "$T/data/review.ini" -o "$T/tables"
t_rc "compute: exit 0" 0
for k in 1 2 3 4; do
    cp -R "$T/tables" "$T/shard$k"
    kp render -q -c "$T/data/review.ini" -o "$T/shard$k" --shard "$k/4" -j 1
    t_rc "render --shard $k/4: exit 0" 0
done
cat "$T"/shard?/SHA256SUMS.shard-*-of-4 | sort -u -k 2 >"$T/union"
sort -k 2 "$T/j1/SHA256SUMS" >"$T/single"
t_same "the union of 4 shards equals one run, byte for byte" "$T/single" "$T/union"
n1=$(wc -l <"$T/shard1/SHA256SUMS.shard-1-of-4")
t_ok "shards split the work (shard 1 has some but not all)" test "$n1" -gt 0 -a "$n1" -lt "$(wc -l <"$T/single")"
dups=$(cat "$T"/shard?/SHA256SUMS.shard-*-of-4 | awk '$2 ~ /\.pdf$/ { print $2 }' | sort | uniq -d | wc -l)
t_eq "no document is rendered by two shards" 0 "$dups"

# The GNU parallel recipe of docs/scale.md, run here on this machine.
KPIPRESS=$KP sh "$SRC/docs/shard-parallel.sh" "$T/data/review.ini" "$T/par" 3 >"$T/par.log" 2>&1
rc=$?
t_rc "docs/shard-parallel.sh: exit 0" 0
t_grep "docs/shard-parallel.sh: checksums verified" 'merged 3 shards: .* documents, checksums verified' "$T/par.log"
t_same "the recipe's merged SHA256SUMS equals one run's" "$T/j1/SHA256SUMS" "$T/par/SHA256SUMS"
jq -c '.documents' "$T/j1/manifest.json" >"$T/docs.single"
jq -c '.documents' "$T/par/manifest.json" >"$T/docs.merged"
t_same "the recipe's merged manifest lists the same documents" "$T/docs.single" "$T/docs.merged"

# A worker killed mid-batch: its document goes to another worker.
"$KP" run -c "$T/data/review.ini" -o "$T/killed" -j 2 >"$T/killed.log" 2>&1 &
pid=$!
killed=0
for i in $(seq 1 200); do
    child=$(pgrep -P "$pid" | head -n 1)
    if [ -n "$child" ] && [ -d "$T/killed/reviews" ]; then
        kill -9 "$child" && killed=1
        break
    fi
    sleep 0.02
done
wait "$pid"
rc=$?
t_eq "a worker was killed during the run" 1 "$killed"
t_rc "the run still succeeds" 0
t_grep "the death is reported" 'worker process was killed by signal 9' "$T/killed.log"
t_same "every document still written, byte for byte" "$T/j1/SHA256SUMS" "$T/killed/SHA256SUMS"
t_done
