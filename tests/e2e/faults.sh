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
(KPIPRESS_TEST_KILL_AFTER=40 "$KP" run -q -c "$T/s/review.ini" --roster "$T/s/rosterB.csv" \
    -o "$T/k" -j 2 >"$T/killed.out" 2>&1)
rc=$?
t_eq "run B was killed (SIGKILL after 40 documents)" 137 "$rc"
sleep 1 # its workers finish the document they are on
pdfs "$T/clean" >"$T/clean.list"
pdfs "$T/k" >"$T/k.list"
t_ok "run B left documents of its own behind (in the wrong team folders)" \
    sh -c "! cmp -s '$T/clean.list' '$T/k.list'"
t_grep "run B's names were recorded before it wrote documents" '"pending":true' \
    "$T/k/.kpipress-documents.json"
kp run -c "$T/s/review.ini" -o "$T/k" -j 2
t_rc "run A again: exit 0" 0
t_grep "run A again says what it removed" 'note: removed [0-9]+ documents of earlier runs' "$T/out"
pdfs "$T/k" >"$T/k.list"
t_same "run A again: exactly the documents of a clean run A" "$T/clean.list" "$T/k.list"
t_same "run A again: SHA256SUMS equal to a clean run's" "$T/clean/SHA256SUMS" "$T/k/SHA256SUMS"
t_nogrep "no pending entry left" '"pending"' "$T/k/.kpipress-documents.json"
t_pdf "$T/k/reviews/Central/$(ls "$T/k/reviews/Central" | head -1)"

t_done
