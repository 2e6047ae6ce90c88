# Privacy: a review holds the person's own figures, group aggregates and their
# own rank: no other person's name appears in it, except their own manager's.
# Checked on every review of both samples (and the leaderboard switch).
. "$TESTS_DIR/lib.sh"

check() { # sample config
    name=$1 out=$T/$1
    kp run -q -c "$2" -o "$out"
    t_rc "$name: run exits 0" 0
    # rep_id, name, manager_id from results.json (one person per line)
    sed -n 's/^{"kind":"person","id":"\([^"]*\)","name":"\([^"]*\)".*"manager_id":"\([^"]*\)".*/\1\t\2\t\3/p' \
        "$out/results.json" >"$T/people"
    t_ok "$name: people listed" test -s "$T/people"
    leaks=0 checked=0
    for pdf in $(find "$out/reviews" -name '*.pdf' | sort); do
        id=$(basename "$pdf" .pdf)
        mgr=$(awk -F '\t' -v id="$id" '$1 == id { print $3 }' "$T/people")
        awk -F '\t' -v id="$id" -v mgr="$mgr" '$1 != id && $1 != mgr { print $2 }' "$T/people" >"$T/others"
        pdftotext "$pdf" - 2>/dev/null | tr '\n' ' ' >"$T/text"
        if grep -F -o -f "$T/others" "$T/text" >"$T/found"; then
            leaks=$((leaks + 1))
            echo "# $id shows: $(sort -u "$T/found" | tr '\n' ',')"
        fi
        checked=$((checked + 1))
    done
    t_ok "$name: every review checked ($checked)" test "$checked" -gt 20
    t_eq "$name: no review names another person than its own manager" 0 "$leaks"
}
check acme "$SRC/samples/acme/review.ini"
check huadong "$SRC/samples/huadong/review.ini"

# The check can fail: with the leaderboard on names, colleagues appear.
cat >"$T/lb.ini" <<EOF2
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = $SRC/samples/acme/roster.csv
metrics = $SRC/samples/acme/metrics.csv
[scoring]
leaderboard = names
EOF2
kp run -q -c "$T/lb.ini" -o "$T/lb" --only R0003
pdftotext "$T/lb/reviews/East/R0003.pdf" "$T/lb.txt" 2>/dev/null
t_grep "leaderboard = names: colleagues are named (the check would catch it)" 'Jason Thomas' "$T/lb.txt"
cat >"$T/anon.ini" <<EOF2
[config]
include = $T/lb.ini
[scoring]
leaderboard = anonymous
EOF2
kp run -q -c "$T/anon.ini" -o "$T/anon" --only R0003
pdftotext "$T/anon/reviews/East/R0003.pdf" "$T/anon.txt" 2>/dev/null
t_nogrep "leaderboard = anonymous: no colleague named" 'Jason Thomas' "$T/anon.txt"
t_grep "leaderboard = anonymous: colleagues numbered" 'Colleague 1' "$T/anon.txt"

# A new run into the same folder: the documents of people it no longer has
# (left, or moved to another team) go, so a team's folder never holds a stale
# review of someone else; a document changed by hand since is left, and said.
S=$SRC/tests/data/small
sed 's/^R1,/R1x,/' "$S/roster.csv" >"$T/roster-left.csv"
sed 's/^R2,\(.*\),North,/R2,\1,South,/' "$S/roster.csv" >"$T/roster-moved.csv"
kp run -q -c "$S/review.ini" -o "$T/again"
t_ok "first run: R2's review in North" test -s "$T/again/reviews/North/R2.pdf"
echo "changed by hand" >>"$T/again/reviews/North/R3.pdf"
kp run -c "$S/review.ini" -o "$T/again" --roster "$T/roster-moved.csv"
t_ok "R2 moved: the review is in South" test -s "$T/again/reviews/South/R2.pdf"
t_fail "and no longer in North" test -e "$T/again/reviews/North/R2.pdf"
t_grep "the removal is said" 'removed 1 document of earlier runs in .* that this run does not make \(reviews/North/R2.pdf\)' "$T/out"
kp run -c "$S/review.ini" -o "$T/again" --roster "$T/roster-left.csv"
t_fail "R1 left: R1's review is gone" test -e "$T/again/reviews/North/R1.pdf"
t_ok "R1x's is there" test -s "$T/again/reviews/North/R1x.pdf"
t_nogrep "R3's changed review was made by the run before: not this run's to judge" 'R3.pdf' "$T/out"
printf 'rep_id,name,email,team,role,manager_id,hire_date,locale\nM1,Mia Manager,mia@example.com,North,manager,,2020-01-15,en\n' >"$T/roster-m1.csv"
cp "$T/again/reviews/North/R1x.pdf" "$T/r1x.pdf"
echo "changed by hand" >>"$T/again/reviews/North/R1x.pdf"
kp run -c "$S/review.ini" -o "$T/again" --roster "$T/roster-m1.csv"
t_grep "a stale document changed by hand is left, with a warning" 'R1x.pdf: warning: left in place: made by an earlier run' "$T/out"
t_ok "and is still there" test -e "$T/again/reviews/North/R1x.pdf"
t_fail "the unchanged ones are gone" test -e "$T/again/reviews/South/R2.pdf"
t_fail "with the team folder they leave empty" test -e "$T/again/reviews/South"
t_eq "SHA256SUMS lists this run's documents only" "packets/North.pdf reviews/North/M1.pdf" \
    "$(grep -o '  [a-z]*/.*pdf$' "$T/again/SHA256SUMS" | tr -d ' ' | sort | tr '\n' ' ' | sed 's/ $//')"
kp run -c "$S/review.ini" -o "$T/again" --only R1
t_ok "--only removes nothing" test -e "$T/again/reviews/North/M1.pdf"
t_done
