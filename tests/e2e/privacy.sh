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
t_done
