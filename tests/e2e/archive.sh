# The archive: `kpipress archive` files a run's reviews and packets under
# <period>/<team>/ with a hash-chained manifest and SHA256SUMS; archiving
# twice is a no-op; a changed document is refused unless --supersede, which
# keeps the old version beside the new; `kpipress verify` catches a flipped
# byte, a deleted file and an added one; `run` archives when the config
# names an archive; shards merge (docs/archive.md's recipe) and archive alike.
. "$TESTS_DIR/lib.sh"

CFG=$SRC/samples/acme/review.ini
A=$T/arc
P=$A/2026-Q2

# The archive's files and their hashes, to see that nothing changed.
snapshot() { (cd "$A" && find . -type f | LC_ALL=C sort | xargs sha256sum) >"$1"; }

kp run -q -c "$CFG" -o "$T/o1"
t_rc "run exits 0" 0
kp archive -o "$T/o1" --to "$A"
t_rc "archive exits 0" 0
t_grep "archive says what it filed" "note: archived 38 new and 0 superseded documents \(version 1\); manifest sha256 [0-9a-f]{64}" "$T/out"
t_same "a review is filed under <period>/<team>/<rep_id>.pdf" "$T/o1/reviews/East/R0003.pdf" "$P/East/R0003.pdf"
t_same "a packet is filed under <period>/<team>/+packet.pdf" "$T/o1/packets/Key_Accounts.pdf" "$P/Key_Accounts/+packet.pdf"
t_eq "every document is filed" 38 "$(find "$P" -name '*.pdf' | wc -l | tr -d ' ')"
t_same "manifest.json is history/0001.json" "$P/manifest.json" "$P/history/0001.json"
t_ok "sha256sum -c passes in the period folder" sh -c "cd '$P' && sha256sum -c --quiet SHA256SUMS"
t_grep "the manifest records the run's provenance" '"run":\{"format":"kpipress-manifest/1","tool":"kpipress [0-9.]+","time":"[0-9T:Z-]+"' "$P/manifest.json"
t_grep "... and the run's inputs with their hashes" '"inputs":\[\{"name":"roster.csv","size":[0-9]+,"sha256":"[0-9a-f]{64}"' "$P/manifest.json"

kp verify "$A"
t_rc "verify exits 0 on an intact archive" 0
head=$(sha256sum "$P/manifest.json" | cut -c1-64)
t_grep "verify prints the period and its manifest's hash" \
    "^2026-Q2: intact: 38 documents \\(0 superseded\\), version 1, manifest sha256 $head\$" "$T/out"

snapshot "$T/snap1"
kp archive -o "$T/o1" --to "$A"
t_rc "archiving twice exits 0" 0
t_grep "... and says there is nothing new" 'note: nothing new: all 38 documents are archived already' "$T/out"
snapshot "$T/snap2"
t_same "archiving twice changes nothing" "$T/snap1" "$T/snap2"

# ---- verify catches a flipped byte, a deleted file and an added one ----
cp -R "$A" "$T/arc.bak"
restore() { rm -rf "$A"; cp -R "$T/arc.bak" "$A"; }
printf 'X' | dd of="$P/East/R0004.pdf" bs=1 seek=2000 conv=notrunc 2>/dev/null
kp verify "$A"
t_rc "verify exits 1 after a flipped byte" 1
t_grep "... naming the altered file" '^altered    2026-Q2/East/R0004.pdf$' "$T/out"
t_grep "... and the verdict" 'error: NOT intact: 0 missing, 1 altered, 0 unexpected, 0 broken' "$T/out"
restore
rm "$P/West/R0033.pdf"
kp verify "$A"
t_rc "verify exits 1 after a deleted file" 1
t_grep "... naming the missing file" '^missing    2026-Q2/West/R0033.pdf$' "$T/out"
restore
echo "note" >"$P/West/R0099.pdf"
kp verify "$A"
t_rc "verify exits 1 after an added file" 1
t_grep "... naming the unexpected file" '^unexpected 2026-Q2/West/R0099.pdf$' "$T/out"
restore
sed 's/"who":"[^"]*"/"who":"nobody"/' "$P/manifest.json" >"$T/m" && cp "$T/m" "$P/manifest.json"
kp verify "$A"
t_rc "verify exits 1 after an edit of manifest.json" 1
t_grep "... naming it" '^altered    2026-Q2/manifest.json$' "$T/out"
t_grep "... which is no longer the last version in its history" '^broken     2026-Q2/manifest.json: is not the last version in history/$' "$T/out"
restore
kp verify "$A"
t_rc "restored: intact again" 0

# ---- a changed document is refused without --supersede ----
mkdir -p "$T/in"
cp "$CFG" "$SRC/samples/acme/roster.csv" "$T/in/"
awk -F, -v OFS=, '$1 == "2026-05" && $2 == "R0003" { $7 = $7 + 1 } { print }' \
    "$SRC/samples/acme/metrics.csv" >"$T/in/metrics.csv"
kp run -q -c "$T/in/review.ini" -o "$T/out2"
kp archive -o "$T/out2" --to "$A"
t_rc "a changed document is refused (exit 1)" 1
t_grep "... naming the document" "arc/2026-Q2/East/R0003.pdf: error: differs from the archived copy \\(version 1, sha256 [0-9a-f]{12}…; the run's reviews/East/R0003.pdf has [0-9a-f]{12}…\\)" "$T/out"
t_grep "... and how to replace it" 'error: nothing archived: 14 documents differ from the archived copies; to replace them, keeping the old versions, run again with --supersede "reason"' "$T/out"
snapshot "$T/snap3"
t_same "... and nothing was written" "$T/snap1" "$T/snap3"

USER=auditor kp archive -o "$T/out2" --to "$A" --supersede "R0003's May visits corrected"
t_rc "--supersede files the changed documents" 0
t_grep "... and says so" 'archived 0 new and 14 superseded documents \(version 2\)' "$T/out"
t_same "the new version is at the document's name" "$T/out2/reviews/East/R0003.pdf" "$P/East/R0003.pdf"
t_same "the old version is kept beside it" "$T/o1/reviews/East/R0003.pdf" "$P/East/R0003+v1.pdf"
t_same "... the old packet too" "$T/o1/packets/East.pdf" "$P/East/+packet+v1.pdf"
t_grep "the manifest records who, why and when" \
    '^\{"seq":2,"time":"20[0-9-]+T[0-9:]+Z","who":"auditor","why":"R0003'"'"'s May visits corrected",' "$P/manifest.json"
old=$(sha256sum "$T/o1/reviews/East/R0003.pdf" | cut -c1-64)
new=$(sha256sum "$T/out2/reviews/East/R0003.pdf" | cut -c1-64)
t_grep "... and which versions were replaced" \
    "\\{\"id\":\"R0003\",\"old\":\"East/R0003\\+v1.pdf\",\"old_sha256\":\"$old\",\"new\":\"East/R0003.pdf\",\"new_sha256\":\"$new\"\\}" \
    "$P/manifest.json"
t_grep "version 2 names version 1's hash" "^\"previous\": \"$head\",\$" "$P/manifest.json"
kp verify "$A"
t_rc "verify: intact after --supersede" 0
t_grep "... counting the kept versions" '^2026-Q2: intact: 38 documents \(14 superseded\), version 2, ' "$T/out"
t_ok "sha256sum -c passes after --supersede" sh -c "cd '$P' && sha256sum -c --quiet SHA256SUMS"

# ---- docs/archive.md's checks without kpipress (coreutils and jq) ----
if command -v jq >/dev/null 2>&1; then
    (
        cd "$P" || exit 1
        sha256sum -c --quiet SHA256SUMS || exit 1
        find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort >"$T/files"
        cut -c67- SHA256SUMS | LC_ALL=C sort | diff - "$T/files" || exit 1
        cmp manifest.json "history/$(ls history | tail -1)" || exit 1
        prev=null
        for f in history/*.json; do
            [ "$(jq -r .previous "$f")" = "$prev" ] || exit 1
            prev=$(sha256sum "$f" | cut -c1-64)
        done
        jq -r '.documents[] | "\(.sha256)  \(.path)"' manifest.json | sha256sum -c --quiet
    ) >"$T/manual" 2>&1
    t_eq "the auditor's checks with coreutils and jq pass (docs/archive.md)" 0 "$?"
fi

# ---- run archives when the config names an archive ----
mkdir -p "$T/cfg"
cp "$SRC/samples/acme/roster.csv" "$SRC/samples/acme/metrics.csv" "$T/cfg/"
{ cat "$CFG"; printf '\n[archive]\ndir = records\n'; } >"$T/cfg/review.ini"
kp run -q -c "$T/cfg/review.ini" -o "$T/out3"
t_rc "run with [archive] dir exits 0" 0
t_same "run filed the documents (dir relative to the config)" "$T/out3/reviews/East/R0003.pdf" "$T/cfg/records/2026-Q2/East/R0003.pdf"
kp verify "$T/cfg/records"
t_rc "... and that archive verifies" 0
kp run -q -c "$T/cfg/review.ini" -o "$T/out3"
t_rc "a second identical run archives nothing new and exits 0" 0

# ---- shards: the merge recipe gives the unsharded SHA256SUMS; archive takes the set ----
kp compute -q -c "$CFG" -o "$T/sh"
kp render -q -c "$CFG" -o "$T/sh" --shard 1/2
kp render -q -c "$CFG" -o "$T/sh" --shard 2/2
t_rc "both shards render" 0
t_ok "each shard's SHA256SUMS checks" sh -c "cd '$T/sh' && sha256sum -c --quiet SHA256SUMS.shard-1-of-2 && sha256sum -c --quiet SHA256SUMS.shard-2-of-2"
(cd "$T/sh" && cat SHA256SUMS.shard-*-of-2 | LC_ALL=C sort -u -k2 >"$T/merged")
t_same "merged shard SHA256SUMS = an unsharded run's" "$T/o1/SHA256SUMS" "$T/merged"
kp archive -o "$T/sh" --to "$T/arc-sh"
t_rc "archive takes a complete set of shard manifests" 0
(cd "$T/arc-sh" && find . -name '*.pdf' | LC_ALL=C sort | xargs sha256sum) >"$T/sh.docs"
(cd "$T/arc.bak" && find . -name '*.pdf' | LC_ALL=C sort | xargs sha256sum) >"$T/whole.docs"
t_same "... and files the same documents as the unsharded run" "$T/whole.docs" "$T/sh.docs"
rm "$T/sh/manifest.shard-2-of-2.json"
kp archive -o "$T/sh" --to "$T/arc-sh2"
t_rc "an incomplete set of shards is refused (exit 2)" 2
t_grep "... naming the missing shard" 'has shard manifests of 2 shards, but not manifest.shard-2-of-2.json: render every shard first' "$T/out"

# ---- not an archive ----
mkdir -p "$T/empty"
kp verify "$T/empty"
t_rc "verify of a folder that is no archive exits 2" 2
t_grep "... and says so" 'is not a kpipress archive \(no period folder with a manifest.json\)' "$T/out"
kp archive -o "$T/empty" --to "$T/arc-x"
t_rc "archive without a run's manifest exits 2" 2

t_done
