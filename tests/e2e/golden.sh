# Golden cases: every folder tests/golden/<case>/ holds a review.ini, its
# roster.csv and metrics.csv (and targets.csv when it needs one), a README.md
# with the arithmetic, and expected/ with the hand-checked outputs of
# `kpipress compute`:
#   results.csv scores.csv teams.csv   compared byte for byte
#   messages.txt   stderr, run from the case's folder, the output folder as OUT
#   status         the exit status (absent: 0)
#   summary.txt    (when present) tests/golden/summary.py of results.json
#                  (options from the case's summary.opts): series, previous
#                  window, pacing, alerts, payout rate
#   explain-REP-KPI.txt   `kpipress explain REP KPI` (stdout) for each "REP KPI" line
#                  of the case's explain.list
# UPDATE=1 writes what kpipress gives now over the expected files, for
# review only: a committed expected file holds values checked by hand
# against the case's README.md, never output copied unread.
. "$TESTS_DIR/lib.sh"

G="$SRC/tests/golden"
update=${UPDATE:-0}

check() { # case name file: compare or (UPDATE=1) store $T/$1/$2 as expected/$2
    if [ "$update" = 1 ]; then
        cp "$T/$1/$2" "$G/$1/expected/$2"
    elif [ -f "$G/$1/expected/$2" ]; then
        t_same "$1: $2" "$G/$1/expected/$2" "$T/$1/$2"
    else
        _bad "$1: expected/$2 is missing"
    fi
}

ncases=0
for dir in "$G"/*/; do
    case=$(basename "$dir")
    [ -f "$dir/review.ini" ] || continue
    ncases=$((ncases + 1))
    mkdir -p "$T/$case" "$G/$case/expected"
    out="$T/$case/out"
    (cd "$dir" && "$KP" compute -c review.ini -o "$out") >"$T/$case/stdout" 2>"$T/$case/stderr"
    echo $? >"$T/$case/status"
    sed "s|$out|OUT|g" "$T/$case/stderr" >"$T/$case/messages.txt"
    t_eq "$case: nothing on stdout" "" "$(cat "$T/$case/stdout")"
    want=0
    [ -f "$G/$case/expected/status" ] && want=$(cat "$G/$case/expected/status")
    if [ "$update" = 1 ] && [ "$(cat "$T/$case/status")" != 0 ]; then
        cp "$T/$case/status" "$G/$case/expected/status"
    elif [ "$update" != 1 ]; then
        t_eq "$case: exit status" "$want" "$(cat "$T/$case/status")"
    fi
    check "$case" messages.txt
    for f in results.csv scores.csv teams.csv; do
        if [ -f "$out/$f" ]; then
            cp "$out/$f" "$T/$case/$f"
            check "$case" "$f"
        elif [ -f "$G/$case/expected/$f" ]; then
            _bad "$case: $f was not written"
        fi
    done
    if [ -f "$G/$case/expected/summary.txt" ] && [ -f "$out/results.json" ]; then
        # shellcheck disable=SC2046
        python3 "$G/summary.py" "$out/results.json" $(cat "$dir/summary.opts" 2>/dev/null) \
            >"$T/$case/summary.txt"
        check "$case" summary.txt
    fi
    if [ -f "$dir/explain.list" ]; then
        while read -r rep kpi; do
            [ -n "$rep" ] || continue
            f="explain-$rep-$kpi.txt"
            (cd "$dir" && "$KP" explain -c review.ini "$rep" "$kpi") >"$T/$case/$f" 2>/dev/null
            check "$case" "$f"
        done <"$dir/explain.list"
    fi
done
t_ok "found the golden cases" test "$ncases" -ge 10
t_done
