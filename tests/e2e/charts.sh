# Charts end to end: the samples' reviews and packets carry vector charts
# (no raster image) whose titles, legends and axis labels are text, in
# English and in Chinese; hostile names run nothing; a missing gnuplot stops
# the run before anything is written (exit 2) and --no-charts does without;
# a hanging or crashing gnuplot costs only its charts ("chart unavailable",
# exit 1, the reviews still produced); gnuplot's chatter stays off the
# terminal.
. "$TESTS_DIR/lib.sh"

ACME=$SRC/samples/acme/review.ini
GNUPLOT=$(command -v gnuplot)
text() { pdftotext -layout "$1" - 2>/dev/null; }
images() { pdfimages -list "$1" 2>/dev/null | tail -n +3 | wc -l; }

# ---- the English sample ----
kp run -q -c "$ACME" -o "$T/acme"
t_rc "acme: run exits 0" 0
R=$T/acme/reviews/East/R0003.pdf
text "$R" >"$T/r.txt"
t_eq "acme: no raster image in a review (vector charts)" 0 "$(images "$R")"
t_eq "acme: no raster image in a packet" 0 "$(images "$T/acme/packets/East.pdf")"
for s in "Revenue against quota by month" "Quota attainment by month" \
    "KPI points against the team average" "Sales funnel in the review period" \
    "Revenue, earlier months" "Review period" "Opportunities" " Apr " " Jun " "100%" "80k"; do
    t_grep "acme review shows \"$s\"" "$s" "$T/r.txt"
done
t_nogrep "acme: month ticks in words, not 2026-04" "2026-0[456]" "$T/r.txt"
text "$T/acme/packets/East.pdf" >"$T/p.txt"
for s in "Composite scores in the team" "Quota attainment by team" \
    "Members' quota attainment, ranked" "This team" "Key Accounts" "Janet Johnson"; do
    t_grep "acme packet shows \"$s\"" "$s" "$T/p.txt"
done

# ---- the Chinese sample ----
kp run -q -c "$SRC/samples/huadong/review.ini" -o "$T/hd"
t_rc "huadong: run exits 0" 0
Z=$(find "$T/hd/reviews" -name R0005.pdf)
text "$Z" >"$T/z.txt"
t_eq "huadong: no raster image in a review" 0 "$(images "$Z")"
for s in 月度销售额与指标 月度指标达成率 关键指标得分与团队平均 考核期销售漏斗 往期销售额 4月 赢单; do
    t_grep "huadong review shows \"$s\"" "$s" "$T/z.txt"
done

# ---- hostile names run nothing ----
W=$T/work
mkdir -p "$W"
awk -F, 'BEGIN { OFS = "," }
    NR == 4 { $2 = "\"x\"\"; system(\"\"touch PWNED\"\"); \"\"\"" }
    NR == 5 { $2 = "`touch PWNED`" }
    NR == 6 { $2 = "$(touch PWNED)" }
    NR == 7 { $2 = "\"Two\nlines; system(\"\"touch PWNED\"\")\"" }
    NR == 8 { $2 = "@{} ! touch PWNED" }
    NR == 9 { $2 = "\"\\\"\"; ! touch PWNED #\"" }
    { print }' "$SRC/samples/acme/roster.csv" >"$W/roster.csv"
(cd "$W" && "$KP" run -q -c "$ACME" --roster roster.csv -o "$W/out" >"$T/out" 2>&1)
rc=$?
t_rc "hostile names: run exits 0" 0
t_eq "hostile names: every review produced" 34 "$(find "$W/out/reviews" -name '*.pdf' | wc -l)"
t_eq "hostile names: no PWNED anywhere (cwd, OUTDIR, /tmp, TMPDIR)" "" \
    "$(find "$W" "$T" -name PWNED; ls /tmp/PWNED "${TMPDIR:-/tmp}/PWNED" 2>/dev/null)"
text "$W/out/packets/East.pdf" >"$T/inj.txt"
t_grep "hostile names are set as text in the ranked chart" 'touch PWNED`' "$T/inj.txt"

# ---- gnuplot missing ----
mkdir -p "$T/nobin"
(PATH=$T/nobin; export PATH; "$KP" run -q -c "$ACME" -o "$T/nognu" >"$T/out" 2>&1)
rc=$?
t_rc "no gnuplot: exit 2" 2
t_eq "no gnuplot: the message" \
    "kpipress: error: gnuplot is not installed: apt-get install gnuplot-nox, or run with --no-charts" \
    "$(cat "$T/out")"
t_fail "no gnuplot: nothing written" test -e "$T/nognu"
(PATH=$T/nobin; export PATH; "$KP" render -q -c "$ACME" -o "$T/acme2" >"$T/out" 2>&1)
rc=$?
t_rc "no gnuplot: render exits 2" 2
(PATH=$T/nobin; export PATH; "$KP" run -q -c "$ACME" -o "$T/nocharts" --no-charts >"$T/out" 2>&1)
rc=$?
t_rc "no gnuplot, --no-charts: exit 0" 0
t_eq "--no-charts: every review produced" 34 "$(find "$T/nocharts/reviews" -name '*.pdf' | wc -l)"
text "$T/nocharts/reviews/East/R0003.pdf" >"$T/nc.txt"
t_nogrep "--no-charts: no chart in the review" "Revenue against quota" "$T/nc.txt"

# ---- a gnuplot that hangs, crashes or chatters ----
cat >"$T/timeout.ini" <<EOF
[config]
include = $ACME
[theme]
chart_timeout = 300
EOF
fake() { # name, script body: a fake gnuplot first on PATH
    mkdir -p "$T/$1"
    printf '#!/bin/sh\n%s\n' "$2" >"$T/$1/gnuplot"
    chmod +x "$T/$1/gnuplot"
}
fake hang 'exec cat >/dev/null'
(PATH=$T/hang:$PATH; export PATH; "$KP" run -q -c "$T/timeout.ini" -o "$T/hang-out" \
    --only R0003 -j 1 >"$T/out" 2>&1)
rc=$?
t_rc "hanging gnuplot: exit 1" 1
t_grep "hanging gnuplot: the failure named" \
    "^kpipress: error: R0003: the revenue chart is unavailable: gnuplot did not answer within 300 ms; restarted$" \
    "$T/out"
t_ok "hanging gnuplot: the review still produced" test -s "$T/hang-out/reviews/East/R0003.pdf"
text "$T/hang-out/reviews/East/R0003.pdf" >"$T/h.txt"
t_eq "hanging gnuplot: four framed notes" 4 "$(grep -o 'Chart unavailable' "$T/h.txt" | wc -l)"
t_grep "hanging gnuplot: the rest of the review is there" "Key performance indicators" "$T/h.txt"

fake crash 'exit 3'
(PATH=$T/crash:$PATH; export PATH; "$KP" run -q -c "$ACME" -o "$T/crash-out" --only R0003 \
    >"$T/out" 2>&1)
rc=$?
t_rc "crashing gnuplot: exit 1" 1
t_grep "crashing gnuplot: the failure named" \
    "^kpipress: error: R0003: the funnel chart is unavailable: gnuplot " "$T/out"
t_ok "crashing gnuplot: the review still produced" test -s "$T/crash-out/reviews/East/R0003.pdf"

fake noisy "echo 'warning: gnuplot noise' >&2; exec $GNUPLOT \"\$@\""
(PATH=$T/noisy:$PATH; export PATH; "$KP" run -c "$ACME" -o "$T/noisy-out" --only R0003 \
    >"$T/out" 2>&1)
rc=$?
t_rc "chattering gnuplot: exit 0" 0
t_nogrep "chattering gnuplot: nothing of it on the terminal" "noise" "$T/out"

t_done
