# Faults: the output folder never lies. A partial run (--only, a shard) or a
# killed run never makes a later whole run forget a document it must remove;
# two runs never write one folder at once; a killed run's scratch folder is
# cleaned by the next; a full disk is one message naming the file.
. "$TESTS_DIR/lib.sh"

pdfs() { (cd "$1" && find . -name '*.pdf' | sort); }

# 1. --only between two whole runs (issue #22.1): Acme, then --only R0003
# with R0004 gone from the roster, then a whole run with that roster.
A=$SRC/samples/acme
grep -v '^R0004,' "$A/roster.csv" >"$T/r-no4.csv"
kp run -q -c "$A/review.ini" -o "$T/acme" -j 2
t_rc "acme: exit 0" 0
t_ok "acme: R0004's review is there" test -s "$T/acme/reviews/East/R0004.pdf"
kp run -q -c "$A/review.ini" -o "$T/acme" -j 2 --roster "$T/r-no4.csv" --only R0003
t_grep "--only: manifest.json still lists R0004's review (it is in the folder)" \
    'reviews/East/R0004.pdf' "$T/acme/manifest.json"
t_grep "--only: SHA256SUMS too" '  reviews/East/R0004.pdf$' "$T/acme/SHA256SUMS"
t_ok "--only: sha256sum -c passes" sh -c "cd '$T/acme' && sha256sum -c --quiet SHA256SUMS"
kp run -c "$A/review.ini" -o "$T/acme" -j 2 --roster "$T/r-no4.csv"
t_grep "the whole run after --only removes R0004's review, and says so" \
    'note: removed 1 document of earlier runs in .* that this run does not make \(reviews/East/R0004.pdf\)' "$T/out"
t_fail "R0004's review is gone" test -e "$T/acme/reviews/East/R0004.pdf"
t_nogrep "and not in SHA256SUMS" 'R0004' "$T/acme/SHA256SUMS"
t_grep "the folder record lists the scope of the run" '"scope":"whole","finished":true' \
    "$T/acme/.kpipress-documents.json"
t_pdf "$T/acme/reviews/East/R0003.pdf"

# The same through shards: render --shard 1/2 and 2/2 (manifest.json goes),
# then a whole run without R0004.
kp run -q -c "$A/review.ini" -o "$T/sh" -j 2
kp render -q -c "$A/review.ini" -o "$T/sh" -j 2 --shard 1/2
t_rc "render --shard 1/2: exit 0" 0
kp render -q -c "$A/review.ini" -o "$T/sh" -j 2 --shard 2/2
t_fail "shards: manifest.json is gone" test -e "$T/sh/manifest.json"
t_grep "shards: the folder record has both shards' runs" '"scope":"shard 2/2","finished":true' \
    "$T/sh/.kpipress-documents.json"
kp run -c "$A/review.ini" -o "$T/sh" -j 2 --roster "$T/r-no4.csv"
t_fail "the whole run after shards removes R0004's review" test -e "$T/sh/reviews/East/R0004.pdf"
t_grep "and says so" 'removed 1 document of earlier runs .*\(reviews/East/R0004.pdf\)' "$T/out"

# 2. A run killed mid-render (issue #22.2): run A, run B (people gone and
# moved) killed after 40 documents, run A again: the folder holds exactly
# the documents of a clean run A.
"$KP" sample -q -o "$T/s" --reps 120 --seed 3
cat >"$T/s/review.ini" <<EOF2
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = roster.csv
metrics = metrics.csv
EOF2
awk -F, -v OFS=, 'NR == 1 { print; next } $5 != "manager" && NR % 11 == 0 { next }
    $5 != "manager" && NR % 6 == 0 { $4 = ($4 == "Central" ? "North" : "Central") } { print }' \
    "$T/s/roster.csv" >"$T/s/rosterB.csv"
kp run -q -c "$T/s/review.ini" -o "$T/clean" -j 2
t_rc "clean run A: exit 0" 0
kp run -q -c "$T/s/review.ini" -o "$T/k" -j 2
mkdir "$T/tmp"
(TMPDIR=$T/tmp KPIPRESS_TEST_KILL=documents:40 "$KP" run -q -c "$T/s/review.ini" \
    --roster "$T/s/rosterB.csv" -o "$T/k" -j 2 >"$T/killed.out" 2>&1)
rc=$?
t_eq "run B was killed (SIGKILL after 40 documents)" 137 "$rc"
t_ok "run B left its scratch folder (issue #22.8)" sh -c "ls -d '$T'/tmp/kpipress-*"
pdfs "$T/clean" >"$T/clean.list"
pdfs "$T/k" >"$T/k.list"
t_ok "run B left documents of its own behind (in the wrong team folders)" \
    sh -c "! cmp -s '$T/clean.list' '$T/k.list'"
t_grep "run B's names were recorded before it wrote documents" '"pending":true' \
    "$T/k/.kpipress-documents.json"
# Its workers finish the document they are on, holding the folder's lock:
# run A waits for them.
TMPDIR=$T/tmp kp run -c "$T/s/review.ini" -o "$T/k" -j 2 --wait
t_rc "run A again: exit 0" 0
t_eq "run A again removed run B's scratch folder (its pid is gone)" "" "$(ls "$T/tmp")"
t_grep "run A again says what it removed" 'note: removed [0-9]+ documents of earlier runs' "$T/out"
pdfs "$T/k" >"$T/k.list"
t_same "run A again: exactly the documents of a clean run A" "$T/clean.list" "$T/k.list"
t_same "run A again: SHA256SUMS equal to a clean run's" "$T/clean/SHA256SUMS" "$T/k/SHA256SUMS"
t_nogrep "no pending entry left" '"pending"' "$T/k/.kpipress-documents.json"
t_pdf "$T/k/reviews/Central/$(ls "$T/k/reviews/Central" | head -1)"

# 3. The folder's lock (issue #22.7). This shell holds it: a run refuses,
# naming the holder; with --wait it waits and then runs.
L=$T/lk
mkdir "$L"
exec 9>"$L/.kpipress.lock"
flock -x 9
echo $$ >&9
kp run -q -c "$A/review.ini" -o "$L" -j 2 9>&-
t_rc "a second run into a locked folder: exit 2" 2
t_grep "it names the other process" \
    "^kpipress: $L: error: another kpipress is writing this folder \\(pid $$\\): wait for it to finish, or run again with --wait\$" "$T/out"
t_eq "and wrote nothing" ".kpipress.lock" "$(ls -A "$L")"
kp render -q -c "$A/review.ini" -o "$L" --shard 1/2 9>&-
t_rc "render --shard refuses too while a whole run holds the folder" 2
("$KP" run -c "$A/review.ini" -o "$L" -j 2 --wait >"$T/wait.out" 2>&1 9>&-; echo $? >"$T/wait.rc") 9>&- &
i=0
while ! grep -q 'waiting for another kpipress' "$T/wait.out" 2>/dev/null && [ $i -lt 1200 ]; do
    sleep 0.1
    i=$((i + 1))
done
t_grep "--wait: says it waits, naming the holder" "^kpipress: $L: note: waiting for another kpipress to finish with this folder \\(pid $$\\)" "$T/wait.out"
exec 9>&-
wait
t_eq "--wait: then runs (exit 0)" 0 "$(cat "$T/wait.rc")"
t_ok "--wait: the documents are there" test -s "$L/reviews/East/R0003.pdf"
# Shards share the lock: two may render at once; a whole run may not.
exec 9>"$L/.kpipress.lock"
flock -s 9
kp render -q -c "$A/review.ini" -o "$L" --shard 1/2 9>&-
t_rc "render --shard while another shard renders: exit 0" 0
kp compute -q -c "$A/review.ini" -o "$L" 9>&-
t_rc "compute while a shard renders: exit 2" 2
exec 9>&-

# 4. Scratch folders of killed runs (issue #22.8): one whose pid is gone is
# removed at start; one whose pid lives, and anything not named by us, stay.
dead=$(sh -c 'echo $$')
mkdir "$T/tmp2" "$T/tmp2/kpipress-$dead-abcdef" "$T/tmp2/kpipress-$$-ghijkl" "$T/tmp2/other"
touch "$T/tmp2/kpipress-$dead-abcdef/font-1" "$T/tmp2/kpipress-$$-ghijkl/font-1"
TMPDIR=$T/tmp2 kp run -q -c "$A/review.ini" -o "$T/o4" -j 2 --only R0003
t_eq "stale scratch folder removed, live and foreign ones kept" "kpipress-$$-ghijkl other" \
    "$(ls "$T/tmp2" | tr '\n' ' ' | sed 's/ $//')"

t_done
