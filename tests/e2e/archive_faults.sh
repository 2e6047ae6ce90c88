# The archive under faults: a first archive killed at each step
# (KPIPRESS_TEST_KILL=archive-after-document, -history, -manifest) or cut
# short by a full disk (a small tmpfs, when mount is permitted) is reported
# by verify and completed by the same archive command; archive refuses to
# build on a damaged archive (SHA256SUMS cut, a history file edited, a
# document altered), leaving the evidence for verify.
. "$TESTS_DIR/lib.sh"
trap 'umount "$T/full" 2>/dev/null; chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT

CFG=$SRC/samples/acme/review.ini
docs() { (cd "$1" && find . -name '*.pdf' | LC_ALL=C sort | xargs sha256sum); }

kp run -q -c "$CFG" -o "$T/o1"
t_rc "run exits 0" 0
kp archive -o "$T/o1" --to "$T/clean"
t_rc "a clean archive exits 0" 0
docs "$T/clean" >"$T/clean.docs"

# ---- a first archive killed at each step, then the same command again ----
for at in document history manifest; do
    A=$T/k-$at
    KPIPRESS_TEST_KILL=archive-after-$at kp archive -o "$T/o1" --to "$A"
    t_eq "first archive killed after the $at: SIGKILL" 137 "$rc"
    kp verify "$A"
    t_rc "verify of the half-made archive ($at): exit 1" 1
    if [ "$at" = manifest ]; then
        t_grep "... reports SHA256SUMS as missing ($at)" '^missing    2026-Q2/SHA256SUMS$' "$T/out"
    else
        t_grep "... says a first archive run was interrupted ($at)" \
            '^broken     2026-Q2: has no manifest.json: a first archive run was interrupted after filing [0-9]+ documents?; run the same kpipress archive command again to complete it$' "$T/out"
        t_nogrep "... not 'not a kpipress archive' ($at)" 'not a kpipress archive' "$T/out"
    fi
    kp archive -o "$T/o1" --to "$A"
    t_rc "the same archive command completes it ($at): exit 0" 0
    if [ "$at" = manifest ]; then
        t_grep "... and says so ($at)" 'note: completing an archive run that was interrupted' "$T/out"
    else
        t_grep "... and says so ($at)" 'note: completing the first archive run of this period, which was interrupted \([0-9]+ of its 38 documents were filed\)' "$T/out"
        t_grep "... filing every document ($at)" 'archived 38 new and 0 superseded documents \(version 1\)' "$T/out"
    fi
    kp verify "$A"
    t_rc "verify: intact after completion ($at)" 0
    docs "$A" >"$T/k.docs"
    t_same "the same documents as an uninterrupted archive ($at)" "$T/clean.docs" "$T/k.docs"
done

# ---- a full disk during the first archive ----
mkdir "$T/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=600k none "$T/full" 2>/dev/null; then
    kp archive -o "$T/o1" --to "$T/full/arc"
    t_rc "a full disk during the first archive: exit 3" 3
    t_grep "... named" 'No space left on device' "$T/out"
    kp verify "$T/full/arc"
    t_rc "verify of the half-made archive: exit 1" 1
    t_grep "... says a first archive run was interrupted" '^broken     2026-Q2: has no manifest.json: a first archive run was interrupted' "$T/out"
    mount -o remount,size=16m "$T/full"
    kp archive -o "$T/o1" --to "$T/full/arc"
    t_rc "with room again, the same command completes it: exit 0" 0
    kp verify "$T/full/arc"
    t_rc "verify: intact" 0
    docs "$T/full/arc" >"$T/full.docs"
    t_same "the same documents as an uninterrupted archive" "$T/clean.docs" "$T/full.docs"
    umount "$T/full"
else
    _ok "# SKIP full disk: cannot mount a small tmpfs here (needs root)"
fi

# ---- archive refuses to build on a damaged archive ----
mkdir -p "$T/in"
cp "$CFG" "$SRC/samples/acme/roster.csv" "$T/in/"
awk -F, -v OFS=, '$1 == "2026-05" && $2 == "R0003" { $7 = $7 + 1 } { print }' \
    "$SRC/samples/acme/metrics.csv" >"$T/in/metrics.csv"
kp run -q -c "$T/in/review.ini" -o "$T/o2"
P=$T/cut/2026-Q2
cp -R "$T/clean" "$T/cut"
sed -i '5d' "$P/SHA256SUMS"
cp "$P/SHA256SUMS" "$T/cut.sums"
kp archive -o "$T/o2" --to "$T/cut" --supersede "R0003 corrected"
t_rc "SHA256SUMS cut: archive --supersede refuses (exit 1)" 1
t_grep "... naming SHA256SUMS" '2026-Q2/SHA256SUMS: error: does not list what manifest.json and history/ record \(lines cut, added or edited\): nothing archived' "$T/out"
t_same "... and leaves it as it was" "$T/cut.sums" "$P/SHA256SUMS"
kp verify "$T/cut"
t_rc "verify still finds the damage (exit 1)" 1

P=$T/hist/2026-Q2
cp -R "$T/clean" "$T/hist"
kp archive -o "$T/o2" --to "$T/hist" --supersede "R0003 corrected"
t_rc "a second version (supersede)" 0
sed -i 's/"who":"[^"]*"/"who":"nobody"/' "$P/history/0001.json"
kp archive -o "$T/o2" --to "$T/hist" --supersede "again"
t_rc "a history file edited: archive refuses (exit 1)" 1
t_grep "... naming the broken version" '^broken     2026-Q2/history/0002.json: ' "$T/out"
t_grep "... and nothing archived" '2026-Q2/history: error: is broken \(see above\): nothing archived' "$T/out"
kp verify "$T/hist"
t_rc "verify still finds the damage (exit 1)" 1

P=$T/alt/2026-Q2
cp -R "$T/clean" "$T/alt"
printf 'X' | dd of="$P/West/R0033.pdf" bs=1 seek=2000 conv=notrunc 2>/dev/null
kp archive -o "$T/o2" --to "$T/alt" --supersede "R0003 corrected"
t_rc "an archived document altered: archive refuses (exit 1)" 1
t_grep "... naming it" '2026-Q2/West/R0033.pdf: error: was altered in the archive' "$T/out"

# ---- a supersede killed after its documents: the same command completes it ----
cp -R "$T/clean" "$T/sup"
KPIPRESS_TEST_KILL=archive-after-history kp archive -o "$T/o2" --to "$T/sup" --supersede "R0003 corrected"
t_eq "a supersede killed after history/0002.json: SIGKILL" 137 "$rc"
kp archive -o "$T/o2" --to "$T/sup" --supersede "R0003 corrected"
t_rc "the same command completes it" 0
t_grep "... filing the 14 new versions" 'archived 0 new and 14 superseded documents \(version 2\)' "$T/out"
kp verify "$T/sup"
t_rc "verify: intact" 0

t_done
