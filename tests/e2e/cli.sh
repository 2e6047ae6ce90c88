# The command line: help, version, usage errors and their exit statuses.
. "$TESTS_DIR/lib.sh"

kp --version
t_rc "--version exits 0" 0
t_grep "--version prints the version" '^kpipress [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"

kp --help
t_rc "--help exits 0" 0
cp "$T/out" "$T/help"
for c in run check compute render explain mail archive verify sample; do
    t_grep "--help lists $c" "^  $c " "$T/help"
    kp "$c" --help
    t_rc "$c --help exits 0" 0
    t_grep "$c --help shows usage" "^usage: kpipress $c" "$T/out"
done

kp
t_rc "no command: exit 2" 2
kp frobnicate
t_rc "unknown command: exit 2" 2
t_grep "unknown command is named" 'unknown command "frobnicate"' "$T/out"
kp run
t_rc "run without -c: exit 2" 2
t_grep "run without -c says what is missing" 'needs a config: -c CONFIG' "$T/out"
kp run -c x.ini --bogus
t_rc "unknown option: exit 2" 2
t_grep "unknown option is named, with the command that does not take it" 'unknown option --bogus: kpipress run does not take it' "$T/out"
kp run -c x.ini -j 0
t_rc "-j 0: exit 2" 2
t_grep "-j 0 explained" 'jobs wants a whole number from 1' "$T/out"
kp run -c x.ini --shard 5/4
t_rc "--shard 5/4: exit 2" 2
kp sample
t_rc "sample without -o: exit 2" 2

# Issue #19 item 5: a conventional command line.
CFG=$SRC/samples/acme/review.ini
kp run -c
t_rc "run -c without a value: exit 2" 2
t_grep "run -c says the value is missing" '^kpipress run: option -c needs a value: -c CONFIG$' "$T/out"
t_nogrep "run -c is not an unknown option" 'unknown option' "$T/out"
kp run --config
t_grep "run --config says the value is missing" 'option --config needs a value' "$T/out"
kp run --config=
t_grep "run --config= says the value is missing" 'option --config needs a value' "$T/out"
kp run -c -q
t_grep "run -c -q: -q is not taken for the config" 'option -c needs a value' "$T/out"
kp run --quiet=yes -c x.ini
t_rc "a value for a flag: exit 2" 2
t_grep "a value for a flag is named" 'option --quiet takes no value' "$T/out"
kp run -c x.ini --onyl R0003
t_rc "misspelt option: exit 2" 2
t_grep "misspelt option: the nearest is suggested" 'unknown option --onyl: kpipress run does not take it; did you mean --only\?' "$T/out"
kp check -c x.ini --send
t_grep "an option of another command: that command is named" 'unknown option --send: kpipress check does not take it \(kpipress mail does\)' "$T/out"
kp rnu
t_grep "misspelt command: the nearest is suggested" 'unknown command "rnu"; did you mean run\?' "$T/out"

kp explain -c "$CFG" R0003 conversion
t_rc "explain with the options first: exit 0" 0
cp "$T/out" "$T/explain1"
kp explain R0003 conversion -c "$CFG"
t_rc "explain with the options after the arguments: exit 0" 0
t_same "explain: options after the arguments give the same output" "$T/explain1" "$T/out"
kp explain R0003 -c "$CFG" conversion
t_same "explain: options between the arguments give the same output" "$T/explain1" "$T/out"
kp -c "$CFG" explain R0003 conversion
t_same "explain: options before the command give the same output" "$T/explain1" "$T/out"
kp explain R0003 bogus -c "$CFG"
t_rc "explain of an unknown KPI: exit 2 (as its help says)" 2
t_grep "explain names the unknown KPI" 'no KPI "bogus" in the config' "$T/out"
kp explain -c "$CFG" -- R0003 conversion
t_same "-- ends the options" "$T/explain1" "$T/out"
kp verify "$T/v" -- -q
t_rc "after --, -q is an argument: exit 2" 2
t_grep "after --, -q is an argument" 'wants the archive folder' "$T/out"

for c in run check compute render explain mail archive verify sample; do
    kp "$c" --help
    cp "$T/out" "$T/h1"
    kp help "$c"
    t_rc "help $c exits 0" 0
    t_same "help $c = $c --help" "$T/h1" "$T/out"
    t_grep "$c --help has its exit statuses" '^exit status:$' "$T/out"
    kp "$c" --version
    t_grep "$c --version prints the version" '^kpipress [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"
    kp "$c" -V
    t_rc "$c -V exits 0" 0
done
kp help
t_rc "help alone exits 0" 0
t_same "help alone = --help" "$T/help" "$T/out"
kp help frobnicate
t_rc "help of an unknown command: exit 2" 2

# Each command's help lists what the command really returns.
kp verify --help
t_grep "verify: 0 intact" '^  0  the archive is intact$' "$T/out"
t_grep "verify: 1 damaged" '^  1  the archive is damaged' "$T/out"
t_grep "verify: 2 not an archive" '^  2  usage error, or ARCHIVE_DIR is not a folder or not a kpipress archive$' "$T/out"
t_nogrep "verify: no rejects.csv" 'rejects' "$T/out"
kp explain --help
t_nogrep "explain: no status 1" '^  1 ' "$T/out"
kp sample --help
t_nogrep "sample: no status 1" '^  1 ' "$T/out"
mkdir "$T/notarc"
kp verify "$T/notarc"
t_rc "verify of a folder that is no archive: exit 2" 2
kp verify "$T/nothere"
t_rc "verify of no folder: exit 2" 2
kp run -q -c "$CFG" -o "$T/o" --no-charts
t_rc "run exits 0" 0
kp archive --to "$T/arc" -o "$T/o"
t_rc "archive exits 0" 0
kp verify "$T/arc"
t_rc "verify of an intact archive: exit 0" 0
rm "$(find "$T/arc" -name R0003.pdf)"
kp verify "$T/arc"
t_rc "verify of a damaged archive: exit 1" 1
kp sample -o "$T/s" --reps 3 --months 3 -q
t_rc "sample exits 0" 0
mkdir "$T/empty"
kp archive -o "$T/empty" --to "$T/arc2"
t_rc "archive of a folder without a run: exit 2 (as its help says)" 2
kp render -c "$CFG" -o "$T/empty" --no-charts
t_rc "render of a folder without tables: exit 2 (as its help says)" 2
# Colour for error: and warning: on a terminal only, and not with NO_COLOR.
mkdir "$T/bad"
cp "$SRC/samples/acme/"* "$T/bad/"
echo "R0003,2026-13,1,2,3" >>"$T/bad/metrics.csv"
cat >"$T/onpty.py" <<'EOF'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(out.replace(b"\x1b", b"ESC"))
sys.exit(os.waitstatus_to_exitcode(st))
EOF
env -u NO_COLOR TERM=xterm python3 "$T/onpty.py" "$KP" check -c "$T/bad/review.ini" >"$T/tty" 2>&1
t_grep "on a terminal, error: is red" 'metrics.csv:[0-9]+: ESC\[1;31merror:ESC\[0m wrong number of fields' "$T/tty"
t_grep "on a terminal, warning: is coloured" '^kpipress: ESC\[1;35mwarning:ESC\[0m 1 row was rejected' "$T/tty"
t_nogrep "on a terminal, note: is not coloured" 'ESC\[[0-9;]*mnote' "$T/tty"
NO_COLOR=1 TERM=xterm python3 "$T/onpty.py" "$KP" check -c "$T/bad/review.ini" >"$T/tty" 2>&1
t_grep "NO_COLOR: the same messages" 'metrics.csv:[0-9]+: error: wrong number of fields' "$T/tty"
t_nogrep "NO_COLOR: no colour" 'ESC' "$T/tty"
env -u NO_COLOR TERM=xterm "$KP" check -c "$T/bad/review.ini" >"$T/out" 2>&1
t_grep "not a terminal: the plain message" 'metrics.csv:[0-9]+: error: wrong number of fields' "$T/out"
t_nogrep "not a terminal: no colour" "$(printf '\033')" "$T/out"
# run ends with where its outputs are, how many, and the rejected rows.
kp run -c "$T/bad/review.ini" -o "$T/bo" --no-charts
t_rc "run with a rejected row: exit 1" 1
t_grep "run's summary: reviews, packets and tables, where and how many" \
    "^kpipress: note: in $T/bo: 34 reviews in reviews/, 4 packets in packets/, 7 tables \\(coaching.csv, rejects.csv, results.csv, results.json, results.xlsx, scores.csv, teams.csv\\)\$" "$T/out"
t_grep "run's summary: the rejected rows and rejects.csv" "^kpipress: warning: 1 row was rejected: see $T/bo/rejects.csv\$" "$T/out"
t_eq "the summary is said once" 1 "$(grep -c 'reviews in reviews/' "$T/out")"
t_eq "the summary is the last line" "in $T/bo:" "$(tail -1 "$T/out" | cut -d' ' -f3-4)"
t_pdf "$T/bo/reviews/East/R0003.pdf"
t_pdf "$T/bo/packets/East.pdf"
pdftotext "$T/bo/reviews/East/R0003.pdf" "$T/r3.txt"
t_grep "the review is R0003's" 'Janet Johnson' "$T/r3.txt"
kp run -c "$CFG" -o "$T/bo2" --no-charts --only R0003
t_grep "run --only: the packets not made are counted" "in $T/bo2: 1 review in reviews/, 0 of 4 packets in packets/" "$T/out"
# The man page: renders without a warning, and has every command's options
# (from the command table, through --help) in that command's subsection.
MAN=$SRC/kpipress.1
groff -k -man -Tutf8 -ww -z "$MAN" >"$T/groff" 2>&1
t_eq "groff renders kpipress.1 without warnings" "" "$(cat "$T/groff")"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" FILES ENVIRONMENT EXAMPLES; do
    t_grep "the man page has $s" "^\\.SH $s\$" "$MAN"
done
for v in KPIPRESS_DATADIR SOURCE_DATE_EPOCH NO_COLOR KPIPRESS_TIMINGS; do
    t_grep "ENVIRONMENT names $v" "^\\.B $v\$" "$MAN"
done
for c in $(sed -n 's/^  \([a-z]*\)  .*/\1/p' "$T/help"); do
    awk -v c="$c" '$0 == ".SS " c { on = 1; next } /^\.S[SH] / { on = 0 } on' "$MAN" >"$T/sec"
    t_grep "the man page has a subsection for $c" 'kpipress' "$T/sec"
    "$KP" help "$c" | sed -n 's/^  \(-[A-Za-z], \)\{0,1\} *--\([a-z-]*\).*/\2/p' >"$T/opts"
    missing=""
    for o in $(cat "$T/opts"); do
        grep -q -F -- "\\-\\-$(echo "$o" | sed 's/-/\\-/g')" "$T/sec" || missing="$missing --$o"
    done
    t_eq "every option of $c is in its man subsection" "" "$missing"
    "$KP" help "$c" | sed -n 's/^  \([0-3]\)  .*/\1/p' | tr '\n' ' ' >"$T/st1"
    sed -n '/^Exit status:/,$p' "$T/sec" | sed -n '/^\.B [0-3]$/s/^\.B //p' | tr '\n' ' ' >"$T/st2"
    t_same "the man page has $c's exit statuses" "$T/st1" "$T/st2"
done
t_done
