# tests/lib.sh — helpers for end-to-end scripts (POSIX sh). Each check prints
# one TAP line: "ok - what" or "not ok - what" (plus details on failure).
# Source it, run checks, end with t_done.
#
#   T            a fresh temporary folder, removed at exit
#   KP           the kpipress binary
#   kp ARGS      run kpipress, stdout+stderr to $T/out, exit status in $rc
#   t_ok WHAT CMD...        CMD succeeds
#   t_fail WHAT CMD...      CMD fails
#   t_eq WHAT EXPECTED ACTUAL
#   t_rc WHAT EXPECTED      the last kp's exit status
#   t_grep WHAT PATTERN FILE       (grep -E)
#   t_nogrep WHAT PATTERN FILE
#   t_same WHAT EXPECTED_FILE ACTUAL_FILE   (diff -u on failure)
#   t_pdf FILE              qpdf --check passes and every font is embedded

set -u
KP=${KPIPRESS:?}
SRC=${SRC_DIR:?}
T=$(mktemp -d "${TMPDIR:-/tmp}/kp-e2e.XXXXXX")
trap 'chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT
_fails=0
_n=0
rc=0

_ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
_bad() { _n=$((_n + 1)); _fails=$((_fails + 1)); echo "not ok $_n - $1"; }

kp() {
    "$KP" "$@" >"$T/out" 2>&1
    rc=$?
    return 0
}

t_ok() { w=$1; shift; if "$@" >"$T/cmd.out" 2>&1; then _ok "$w"; else _bad "$w"; sed 's/^/#   /' "$T/cmd.out" | head -20; fi; }
t_fail() { w=$1; shift; if "$@" >"$T/cmd.out" 2>&1; then _bad "$w"; sed 's/^/#   /' "$T/cmd.out" | head -20; else _ok "$w"; fi; }
t_eq() {
    if [ "$2" = "$3" ]; then _ok "$1"; else _bad "$1"; echo "#   expected: $2"; echo "#   actual:   $3"; fi
}
t_rc() {
    if [ "$rc" = "$2" ]; then _ok "$1"; else
        _bad "$1"; echo "#   exit status $rc, expected $2; output:"; sed 's/^/#   /' "$T/out" | head -20
    fi
}
t_grep() {
    if grep -E -q -- "$2" "$3" 2>/dev/null; then _ok "$1"; else
        _bad "$1"; echo "#   /$2/ not in $3:"; sed 's/^/#   /' "$3" 2>/dev/null | head -20
    fi
}
t_nogrep() {
    if grep -E -q -- "$2" "$3" 2>/dev/null; then
        _bad "$1"; echo "#   /$2/ found in $3:"; grep -E -- "$2" "$3" | sed 's/^/#   /' | head -10
    else _ok "$1"; fi
}
t_same() {
    if cmp -s "$2" "$3"; then _ok "$1"; else _bad "$1"; diff -u "$2" "$3" | head -40 | sed 's/^/#   /'; fi
}
t_pdf() {
    if qpdf --check "$1" >"$T/qpdf.out" 2>&1; then _ok "qpdf --check $(basename "$1")"; else
        _bad "qpdf --check $1"; sed 's/^/#   /' "$T/qpdf.out" | head -10
    fi
    # pdffonts: the "emb" column (third from the right) must be "yes" for every font.
    if pdffonts "$1" 2>/dev/null | awk 'NR > 2 && $(NF-4) != "yes" { bad = 1 } END { exit bad }'; then
        _ok "fonts embedded in $(basename "$1")"
    else
        _bad "fonts embedded in $1"; pdffonts "$1" 2>&1 | sed 's/^/#   /' | head -10
    fi
}
t_done() { [ "$_fails" -eq 0 ]; exit $?; }
