# tests/adversarial/lib.sh — the harness of the hostile-input suite (sourced
# by tests/e2e/adversarial.sh after tests/lib.sh; POSIX sh).
#
# Each case runs in a fresh folder $C = $T/<case> with its own HOME and
# TMPDIR inside it, on a copy of the base data in $C/work (the acme config
# and the four people of tests/data/small: M1 R1 R2 R3 in team North):
#
#   adv_begin NAME           fresh $C, cd $C/work, snapshot of $T
#   adv_run ARGS...          kpipress ARGS in $C/work (HOME, TMPDIR set; killed
#                            after ADV_TIMEOUT s); output in $T/out, status in
#                            $rc, seconds in $secs
#   adv_end OUTDIR RC MSG [PEOPLE]
#                            the checks every case makes:
#       - the exit status is RC, and MSG (an ERE) is in the messages (MSG
#         "-": there are none: the input is fine as it is);
#       - no file appeared outside OUTDIR (the snapshot of $T), TMPDIR is
#         empty, and OUTDIR holds no temporary file (.*.kp-tmp-*);
#       - RC 2: nothing was written (OUTDIR does not exist);
#         else: every person of PEOPLE (default "M1 R1 R2 R3", "-" none) has
#         a review that qpdf accepts, and every CSV in OUTDIR passes
#         csvcheck.py (no formula, no NaN or inf, valid UTF-8).
#   adv_skip WHAT WHY        a TAP "ok - WHAT # SKIP WHY" line

ADV=$SRC/tests/adversarial
: >"$T/out"

adv_snapshot() { # $1 = file; every path under $T but the case's output folder
    find "$T" -path "$C/work/${ADV_OUT:-out}" -prune -o -print 2>/dev/null |
        grep -v -e "^$T/out\$" -e "^$T/cmd.out\$" -e "^$T/qpdf.out\$" -e "^$C/snap-" |
        LC_ALL=C sort >"$1"
}

adv_begin() {
    C=$T/$1
    ADV_NAME=$1
    ADV_OUT=out
    mkdir -p "$C/home" "$C/tmp" "$C/work"
    cp "$ADV/data/review.ini" "$ADV/data/roster.csv" "$ADV/data/metrics.csv" "$C/work/"
    cd "$C/work" || exit 1
}

# Call after preparing the case's files, right before adv_run.
adv_ready() {
    ADV_OUT=${1:-out}
    adv_snapshot "$C/snap-before"
}

# A case that hangs fails (status 124) after ADV_TIMEOUT seconds.
ADV_TIMEOUT=${ADV_TIMEOUT:-120}
adv_run() {
    t0=$(date +%s)
    (cd "$C/work" && HOME=$C/home TMPDIR=$C/tmp timeout "$ADV_TIMEOUT" "$KP" "$@") >"$T/out" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
}

adv_skip() { _n=$((_n + 1)); echo "ok $_n - $1 # SKIP $2"; }

adv_end() { # outdir rc message [people]
    out=$1 want=$2 msg=$3 people=${4:-M1 R1 R2 R3}
    t_rc "$ADV_NAME: exit $want" "$want"
    if [ "$msg" = "-" ]; then # accepted as it is: nothing to say (-q)
        t_eq "$ADV_NAME: no message (nothing wrong with it)" "" "$(cat "$T/out")"
    else
        t_grep "$ADV_NAME: says what happened" "$msg" "$T/out"
    fi
    adv_snapshot "$C/snap-after"
    if cmp -s "$C/snap-before" "$C/snap-after"; then
        _ok "$ADV_NAME: no file outside the output folder"
    else
        _bad "$ADV_NAME: no file outside the output folder"
        diff "$C/snap-before" "$C/snap-after" | grep '^[<>]' | head -10 | sed 's/^/#   /'
    fi
    left=$(find "$C/tmp" -mindepth 1 2>/dev/null | head -5)
    t_eq "$ADV_NAME: the temporary folder is left empty" "" "$left"
    left=$(find "$out" -name '.*kp-tmp*' 2>/dev/null | head -5)
    t_eq "$ADV_NAME: no temporary file in the output folder" "" "$left"
    if [ "$want" = 2 ]; then
        t_fail "$ADV_NAME: nothing written" test -e "$out"
        return
    fi
    adv_people "$out" "$people"
    if python3 "$ADV/csvcheck.py" "$out" >"$T/cmd.out" 2>&1; then
        _ok "$ADV_NAME: every CSV cell is safe (no formula, no NaN/inf, UTF-8)"
    else
        _bad "$ADV_NAME: every CSV cell is safe (no formula, no NaN/inf, UTF-8)"
        sed 's/^/#   /' "$T/cmd.out" | head -10
    fi
}

# Every person named has a review under $1/reviews/*/ that qpdf accepts.
adv_people() {
    [ "$2" = "-" ] && return
    missing="" bad=""
    for id in $2; do
        f=$(find "$1/reviews" -name "$id.pdf" 2>/dev/null | head -1)
        if [ -z "$f" ] || [ ! -s "$f" ]; then
            missing="$missing $id"
        elif ! qpdf --check "$f" >/dev/null 2>&1; then
            bad="$bad $id"
        fi
    done
    t_eq "$ADV_NAME: every other person's review is produced ($2)" "" "$missing"
    t_eq "$ADV_NAME: ... and is a valid PDF" "" "$bad"
}

# A line appended to a file (printf format and arguments).
adv_add() { f=$1; shift; printf "$@" >>"$f"; }

# A metrics row for rep $2 in month $1, every number 1.
adv_row() { printf '%s,%s,1,1,1,1,1,1,1,1,,,,,1,1\n' "$1" "$2"; }
