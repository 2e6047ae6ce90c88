# Reproducible output: two runs of the same inputs give byte-identical tables
# and PDFs (with and without SOURCE_DATE_EPOCH); the documents' dates follow
# SOURCE_DATE_EPOCH, else the as-of date; every PDF carries a content-derived
# /ID and its metadata; SHA256SUMS passes sha256sum -c; one changed input
# cell changes exactly the affected documents; a run killed with SIGKILL
# while rendering leaves no partial file at a final name, and a re-run
# completes and equals a clean run.
. "$TESTS_DIR/lib.sh"

CFG=$SRC/samples/acme/review.ini
unset SOURCE_DATE_EPOCH

# ---- the same inputs twice, a second apart, without SOURCE_DATE_EPOCH ----
kp run -q -c "$CFG" -o "$T/a"
t_rc "run 1 exits 0" 0
sleep 1
kp run -q -c "$CFG" -o "$T/b"
t_rc "run 2 exits 0" 0
t_same "two runs: identical SHA256SUMS" "$T/a/SHA256SUMS" "$T/b/SHA256SUMS"
t_ok "two runs: every table and PDF byte-identical" diff -r -x manifest.json "$T/a" "$T/b"
diff "$T/a/manifest.json" "$T/b/manifest.json" | grep '^[<>]' >"$T/mdiff"
t_eq "two runs: manifest.json differs only in the time of the run" \
    '2 2' "$(wc -l <"$T/mdiff" | tr -d ' ') $(grep -c '^[<>] "time": "20[0-9-]*T[0-9:]*Z",$' "$T/mdiff")"
t_ok "sha256sum -c SHA256SUMS passes" sh -c "cd '$T/a' && sha256sum -c --quiet SHA256SUMS"
pdfs=$(cd "$T/a" && find reviews packets -name '*.pdf' | wc -l)
t_eq "SHA256SUMS lists every document and the seven tables" "$((pdfs + 7))" \
    "$(wc -l <"$T/a/SHA256SUMS" | tr -d ' ')"
t_nogrep "manifest.json is not in SHA256SUMS (it holds the time)" 'manifest' "$T/a/SHA256SUMS"
for f in results.csv results.json results.xlsx scores.csv teams.csv coaching.csv rejects.csv; do
    t_grep "SHA256SUMS lists $f" "  $f\$" "$T/a/SHA256SUMS"
done
t_grep "manifest.json records each input's name, size, hash and rows" \
    '^\{"name":"metrics.csv","size":[0-9]+,"sha256":"[0-9a-f]{64}","rows":[0-9]+,"used":[0-9]+,"rejected":0\},?$' \
    "$T/a/manifest.json"
t_grep "manifest.json records the config's hash" \
    "^\"config\": \\{\"name\":\"review.ini\",\"sha256\":\"$(sha256sum "$CFG" | cut -c1-64)\"\\},\$" \
    "$T/a/manifest.json"
t_grep "manifest.json records the window" '^"review": \{"label":"2026-Q2","from":"2026-04","to":"2026-06",' \
    "$T/a/manifest.json"
sum=$(sha256sum "$T/a/reviews/East/R0003.pdf" | cut -c1-64)
bytes=$(wc -c <"$T/a/reviews/East/R0003.pdf" | tr -d ' ')
pages=$(pdfinfo "$T/a/reviews/East/R0003.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
t_grep "manifest.json records each document's id, path, pages, bytes and hash" \
    "^\\{\"path\":\"reviews/East/R0003.pdf\",\"kind\":\"review\",\"id\":\"R0003\",\"pages\":$pages,\"bytes\":$bytes,\"sha256\":\"$sum\"\\},\$" \
    "$T/a/manifest.json"

# ---- the PDFs: dates, metadata, /ID ----
pdf=$T/a/reviews/East/R0003.pdf
pdfinfo "$pdf" >"$T/info" 2>/dev/null
t_grep "without SOURCE_DATE_EPOCH the date is the as-of date" '^CreationDate: +Tue Jun 30 00:00:00 2026 UTC' "$T/info"
t_grep "PDF title" '^Title: +2026-Q2 performance review' "$T/info"
t_grep "PDF subject" '^Subject: +Performance review 2026-Q2 for Janet Johnson' "$T/info"
t_grep "PDF author: the organisation" '^Author: +Acme Corp' "$T/info"
t_grep "PDF keywords: period, rep_id" '^Keywords: +2026-Q2, R0003' "$T/info"
qpdf --show-object=trailer "$pdf" >"$T/trailer" 2>&1
# The /ID is the first 16 bytes of SHA-256 of the document without it.
h=$(perl -0777 -pe 's{\n/ID \[<[0-9a-f]{32}><[0-9a-f]{32}>\]}{}' "$pdf" | sha256sum | cut -c1-32)
t_grep "the /ID is derived from the content" "/ID \\[ <$h> <$h> \\]" "$T/trailer"
bad=0
for f in $(find "$T/a" -name '*.pdf'); do
    qpdf --check "$f" >/dev/null 2>&1 || { bad=1; echo "# qpdf --check fails: $f"; }
    qpdf --show-xref "$f" >/dev/null 2>&1 || { bad=1; echo "# qpdf --show-xref fails: $f"; }
    pdfinfo "$f" 2>&1 | grep -qi 'error' && { bad=1; echo "# pdfinfo complains: $f"; }
    qpdf --show-object=trailer "$f" 2>/dev/null | grep -q '/ID \[ <' || { bad=1; echo "# no /ID: $f"; }
done
t_eq "every PDF has an /ID and passes qpdf --check, --show-xref and pdfinfo" 0 "$bad"

# ---- SOURCE_DATE_EPOCH: the same value twice is identical; another moves the dates ----
SOURCE_DATE_EPOCH=1782864000 "$KP" run -q -c "$CFG" -o "$T/c" >"$T/out" 2>&1
SOURCE_DATE_EPOCH=1782864000 "$KP" run -q -c "$CFG" -o "$T/c2" >"$T/out" 2>&1
SOURCE_DATE_EPOCH=1785542400 "$KP" run -q -c "$CFG" -o "$T/d" >"$T/out" 2>&1
t_same "same SOURCE_DATE_EPOCH twice: identical SHA256SUMS" "$T/c/SHA256SUMS" "$T/c2/SHA256SUMS"
pdfinfo "$T/c/reviews/East/R0003.pdf" >"$T/info" 2>/dev/null
t_grep "SOURCE_DATE_EPOCH=1782864000 dates the PDF 2026-07-01" '^CreationDate: +Wed Jul  1 00:00:00 2026 UTC' "$T/info"
pdfinfo "$T/d/reviews/East/R0003.pdf" >"$T/info" 2>/dev/null
t_grep "SOURCE_DATE_EPOCH=1785542400 dates the PDF 2026-08-01" '^CreationDate: +Sat Aug  1 00:00:00 2026 UTC' "$T/info"
t_fail "another SOURCE_DATE_EPOCH changes the PDFs" cmp -s "$T/c/reviews/East/R0003.pdf" "$T/d/reviews/East/R0003.pdf"
t_same "... but not results.csv" "$T/c/results.csv" "$T/d/results.csv"

# ---- one changed input cell changes exactly the affected documents ----
mkdir -p "$T/in"
cp "$SRC/samples/acme/review.ini" "$SRC/samples/acme/roster.csv" "$SRC/samples/acme/metrics.csv" "$T/in/"
# R0003's visits in 2026-05: 35 -> 36.
awk -F, -v OFS=, '$1 == "2026-05" && $2 == "R0003" { $7 = $7 + 1 } { print }' \
    "$SRC/samples/acme/metrics.csv" >"$T/in/metrics.csv"
t_eq "the input differs in one line" 1 "$(diff "$SRC/samples/acme/metrics.csv" "$T/in/metrics.csv" | grep -c '^>')"
kp run -q -c "$T/in/review.ini" -o "$T/e"
t_rc "run with the changed cell exits 0" 0
# Affected: R0003's team (its figures are in every member's review and its
# packet) and R0003's managers up the tree (their KPIs cover R0003), with
# their teams' packets.
awk -F, 'NR > 1 { team[$1] = $4; mgr[$1] = $6 }
    END {
        t = team["R0003"]
        for (id in team) if (team[id] == t) print "reviews/" t "/" id ".pdf"
        print "packets/" t ".pdf"
        for (m = mgr["R0003"]; m != ""; m = mgr[m]) {
            if (team[m] != t) { print "reviews/" team[m] "/" m ".pdf"; print "packets/" team[m] ".pdf" }
        }
    }' "$T/in/roster.csv" | tr ' ' '_' | LC_ALL=C sort -u >"$T/expected"
diff "$T/a/SHA256SUMS" "$T/e/SHA256SUMS" | sed -n 's/^> [0-9a-f]*  //p' | grep '\.pdf$' |
    LC_ALL=C sort >"$T/changed"
t_same "exactly the affected documents changed" "$T/expected" "$T/changed"
t_grep "R0003's own review is among them" '^reviews/East/R0003.pdf$' "$T/changed"

# ---- SIGKILL while rendering ----
kp sample -q -o "$T/big" --reps 300
cp "$SRC/samples/acme/review.ini" "$T/big/"
kp run -q -j 2 -c "$T/big/review.ini" -o "$T/clean"
t_rc "clean run of 300 people exits 0" 0
setsid "$KP" run -q -j 2 -c "$T/big/review.ini" -o "$T/killed" >/dev/null 2>&1 &
pid=$!
i=0 # wait until rendering has begun (a document exists), then kill the whole group
while [ "$i" -lt 100 ] && [ -z "$(find "$T/killed" -name '*.pdf' 2>/dev/null | head -1)" ]; do
    sleep 0.05
    i=$((i + 1))
done
sleep 0.3
kill -9 "-$pid" 2>/dev/null
wait "$pid" 2>/dev/null
sleep 0.2
n=$(find "$T/killed" -name '*.pdf' | wc -l | tr -d ' ')
t_ok "the run was killed before it finished ($n of $(find "$T/clean" -name '*.pdf' | wc -l | tr -d ' ') documents)" \
    test ! -f "$T/killed/SHA256SUMS"
bad=0
for f in $(find "$T/killed" -name '*.pdf'); do
    qpdf --check "$f" >/dev/null 2>&1 || { bad=1; echo "# truncated or broken: $f"; }
done
t_eq "every document at a final name is complete (qpdf --check)" 0 "$bad"
kp run -q -j 2 -c "$T/big/review.ini" -o "$T/killed"
t_rc "the re-run exits 0" 0
t_eq "the re-run leaves no temporary file" "" "$(find "$T/killed" -name '.*kp-tmp-*')"
t_same "the re-run equals a clean run" "$T/clean/SHA256SUMS" "$T/killed/SHA256SUMS"

t_done
