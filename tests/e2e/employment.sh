# Targets follow employment (docs/config.md, "Proration, ramps and team
# moves"), end to end on tests/golden/employment (every figure worked out by
# hand in its README.md): the tables, rejects.csv, the reviews' text in
# English and Chinese (pdftotext), explain, prorate = day and off, the
# config's and the roster's mistakes, a team that only metrics.csv names,
# and [crm] end_date on the CRM sample.
. "$TESTS_DIR/lib.sh"

G="$SRC/tests/golden/employment"
d="$T/emp"
mkdir -p "$d"
cp "$G/review.ini" "$G/roster.csv" "$G/metrics.csv" "$d/"

kp run -c "$d/review.ini" -o "$d/out" --no-charts
t_rc "run exits 0 (rows outside employment are informational)" 0
t_grep "J1's April row is listed: before hire_date" \
    'metrics.csv,5,period 2026-04 is before the hire_date of J1 \(2026-05-04\): not counted,' \
    "$d/out/rejects.csv"
t_grep "L1's June row is listed: after end_date" \
    'metrics.csv,14,period 2026-06 is after the end_date of L1 \(2026-05-20\): not counted,' \
    "$d/out/rejects.csv"
t_grep "the closing notes say so" 'note: 2 rows before a hire_date or after an end_date were not counted' \
    "$T/out"
t_grep "J1: visits target 30 × 0.5 / 3 = 5" '^J1,Joe Joiner,West,ae,visits,6,5,1.2,120,20,ok' \
    "$d/out/results.csv"
t_grep "J1: attainment against the ramped quota 50" '^J1,Joe Joiner,West,ae,attainment,0.8,1,0.8,80,40,ok' \
    "$d/out/results.csv"
t_grep "L1: revenue target 300 × 2/3 = 200" '^L1,Lea Leaver,East,ae,revenue,120,200,0.6,60,20,ok' \
    "$d/out/results.csv"
t_grep "Z1: a target prorated to 0 is no target" '^Z1,Zoe June,West,ae,revenue,5,,,,20,ok' \
    "$d/out/results.csv"
t_grep "Z1: the composite has conversion only" '^Z1,Zoe June,West,ae,100,' "$d/out/scores.csv"
t_grep "M1: the sum of the prorated targets 300 + 50 + 300" \
    '^M1,Mia Manager,West,mgr,revenue,645,650,' "$d/out/results.csv"
t_grep "teams.csv: West's visits use each month's team (T1: 2 of 3 months)" \
    '^West,visits,59,55,1.07272727273,ok' "$d/out/teams.csv"
t_grep "teams.csv: East has T1's April" '^East,revenue,210,300,0.7,ok' "$d/out/teams.csv"
t_ok "T1's review is in his roster team's folder" test -f "$d/out/reviews/West/T1.pdf"

for p in West/J1 West/T1 West/Z1 East/L1; do
    t_pdf "$d/out/reviews/$p.pdf"
done
for f in "$d"/out/reviews/*/*.pdf; do
    pdftotext "$f" "${f%.pdf}.txt" 2>/dev/null
done
t_grep "J1's review: ramp month 2: 50% of full target" 'ramp month 2: 50% of full target' \
    "$d/out/reviews/West/J1.txt"
t_grep "J1's review: ramp month 1: 0%" 'ramp month 1: 0% of full target' "$d/out/reviews/West/J1.txt"
t_grep "J1's review: when they joined and the share of the full targets" \
    'Joined 4 May 2026.*summed targets: 16.7% of the full window' "$d/out/reviews/West/J1.txt"
t_grep "T1's review names both teams" 'Teams: East, until 2026-04; then West' \
    "$d/out/reviews/West/T1.txt"
t_grep "L1's review: left" 'Left 20 May 2026.*66.7%' "$d/out/reviews/East/L1.txt"
t_grep "L1's tenure ends with her end_date (6 yr 4 mo, not 6 yr 5 mo)" '6 yr 4 mo' \
    "$d/out/reviews/East/L1.txt"
t_grep "Z1's review says why visits and revenue have no target" \
    'No target for visits, revenue: nothing of the full target falls in the months employed' \
    "$d/out/reviews/West/Z1.txt"
t_nogrep "A1's review has no employment line" 'ramp month|summed targets|Teams:' \
    "$d/out/reviews/West/A1.txt"

# The same in Chinese.
z="$T/zh"
mkdir -p "$z"
cp "$d/review.ini" "$d/metrics.csv" "$z/"
sed 's/^\(J1,.*,2026-05-04\),,$/\1,zh,/; s/^\(T1,.*\),,$/\1,zh,/' "$d/roster.csv" >"$z/roster.csv"
kp run -c "$z/review.ini" -o "$z/out" --no-charts --only J1 --only T1
t_rc "the Chinese run exits 0" 0
t_pdf "$z/out/reviews/West/J1.pdf"
pdftotext "$z/out/reviews/West/J1.pdf" "$z/J1.txt" 2>/dev/null
pdftotext "$z/out/reviews/West/T1.pdf" "$z/T1.txt" 2>/dev/null
t_grep "zh: the ramp line" '爬坡第2个月：全额目标的50%' "$z/J1.txt"
t_grep "zh: both teams" '所在团队：East（至2026-04）；之后West' "$z/T1.txt"

# explain shows every step.
(cd "$d" && "$KP" explain -c review.ini J1 visits) >"$T/ex" 2>&1
t_grep "explain: the prorate rule and the dates" \
    'employment \(\[scoring\] prorate = month\): hire_date 2026-05-04, end_date \(none\)' "$T/ex"
t_grep "explain: each month's share" '2026-06  employed 1  ramp month 2: 50%  share 0.5' "$T/ex"
t_grep "explain: the arithmetic" 'own target = full target × Σ share / W = 30 × 0.5 / 3 = 5' "$T/ex"
(cd "$d" && "$KP" explain -c review.ini J1 attainment) >"$T/ex" 2>&1
t_grep "explain: the ramped quota per row" 'quota=100 × ramp 0.5 = 50' "$T/ex"
t_grep "explain: a rate is not prorated" 'not prorated: only targets that add up' "$T/ex"

# prorate = day: L1 worked 20 of May's 31 days.
sed 's/^prorate = month/prorate = day/' "$d/review.ini" >"$d/day.ini"
kp compute -c "$d/day.ini" -o "$d/day"
t_rc "prorate = day: exit 0" 0
t_grep "day: L1's visits target 30 × (1 + 20/31) / 3 = 16.4516129032" \
    '^L1,Lea Leaver,East,ae,visits,15,16.4516129032,' "$d/day/results.csv"
t_grep "day: J1's ramp month 1 is 0% whatever the days" '^J1,Joe Joiner,West,ae,visits,6,5,' \
    "$d/day/results.csv"
# prorate = off: the full target (the ramp still applies).
sed 's/^prorate = month/prorate = off/' "$d/review.ini" >"$d/off.ini"
kp compute -c "$d/off.ini" -o "$d/off"
t_grep "off: L1 keeps the full visits target" '^L1,Lea Leaver,East,ae,visits,15,30,' \
    "$d/off/results.csv"

# Pacing (as_of inside the window) runs on each person's own clock: only
# the months employed count. as_of 2026-05-31, no June rows: A1 has E = 2 of
# W = 3; J1 (hired 2026-05-04) E = 1 of W = 2; L1 (left 2026-05-20) E = 2 of
# W = 2 — nothing left to project.
p="$T/pace"
mkdir -p "$p"
cp "$d/roster.csv" "$p/"
sed 's/^history = 0/history = 0\nas_of   = 2026-05-31/' "$d/review.ini" >"$p/review.ini"
grep -v '^2026-06' "$d/metrics.csv" >"$p/metrics.csv"
kp compute -c "$p/review.ini" -o "$p/out"
python3 - "$p/out/results.json" >"$T/pace.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for r in doc["people"]:
    v = r["kpis"]["visits"]
    print(r["id"], v["value"], v["projected"], v["needed"])
PY
t_grep "pace: A1 20 visits in 2 of 3 months -> 30" '^A1 20 30 10$' "$T/pace.txt"
t_grep "pace: J1 2 visits in 1 of his 2 months -> 4, needs 3 more" '^J1 2 4 3$' "$T/pace.txt"
t_grep "pace: L1 has worked all her months: projected = value, nothing needed" '^L1 15 15 None$' \
    "$T/pace.txt"
(cd "$p" && "$KP" explain -c review.ini J1 visits) >"$T/ex" 2>&1
t_grep "explain: J1's clock" 'E = 1 of W = 2 months elapsed, R = 1 remain \(the months employed\)' "$T/ex"

# Config mistakes: file:line, exit 2, nothing written.
printf '[config]\ninclude = review.ini\n[scoring]\nprorate = weekly\n' >"$d/bad1.ini"
kp check -c "$d/bad1.ini"
t_rc "prorate = weekly: exit 2" 2
t_grep "prorate: the choices" 'bad1.ini:4.*prorate.*"weekly" is not one of: month, day, off' "$T/out"
printf '[config]\ninclude = review.ini\n[ramp]\n5 = 75%%\n' >"$d/bad2.ini"
kp check -c "$d/bad2.ini"
t_rc "a ramp month past the months listed: exit 2" 2
t_grep "ramp: which months" 'bad2.ini:4.*\[ramp\] 5: a ramp key is a month since hire, 1 \(the hire month\) to 3' \
    "$T/out"
printf '[config]\ninclude = review.ini\n[ramp]\n2 = 25\n' >"$d/bad3.ini"
kp check -c "$d/bad3.ini"
t_grep "ramp: a share written as 25 reads as 2500%" 'bad3.ini:4.*share.*write 25%' "$T/out"

# Roster mistakes: the row is rejected with its reason.
r="$T/roster"
mkdir -p "$r"
cp "$d/review.ini" "$d/metrics.csv" "$r/"
sed 's/^L1,\(.*\),2026-05-20$/L1,\1,2026-05-32/; s/^A1,\(.*\),,$/A1,\1,,2019-12-31/' "$d/roster.csv" >"$r/roster.csv"
kp compute -c "$r/review.ini" -o "$r/out"
t_rc "bad end dates: exit 1" 1
t_grep "a bad end_date" 'roster.csv,7,"bad end_date ""2026-05-32"" \(want YYYY-MM-DD\)"' "$r/out/rejects.csv"
t_grep "an end_date before the hire_date" 'roster.csv,3,end_date 2019-12-31 is before hire_date 2020-01-01' \
    "$r/out/rejects.csv"

# A team only metrics.csv names: a row in teams.csv and a packet, no crash.
n="$T/north"
mkdir -p "$n"
cp "$d/review.ini" "$d/roster.csv" "$n/"
sed 's/^2026-04,T1,East,/2026-04,T1,North,/' "$d/metrics.csv" >"$n/metrics.csv"
kp run -c "$n/review.ini" -o "$n/out" --no-charts
t_rc "a team nobody is in now: exit 0" 0
t_grep "teams.csv has North with T1's April" '^North,revenue,90,100,0.9,ok' "$n/out/teams.csv"
pdftotext "$n/out/reviews/West/T1.pdf" "$n/T1.txt" 2>/dev/null
t_grep "T1's review names North" 'Teams: North, until 2026-04; then West' "$n/T1.txt"
t_pdf "$n/out/packets/North.pdf"

# [crm] end_date: the CRM sample with a leave date for one agent.
c="$T/crm"
mkdir -p "$c"
cp "$SRC"/samples/crm/deals.csv "$SRC"/samples/crm/targets.csv "$SRC"/samples/crm/review.ini "$c/"
awk 'NR == 1 { print $0 ",Leave Date"; next }
     /^Umar Castillo,/ { print $0 ",5/15/2026"; next } { print $0 "," }' \
    "$SRC/samples/crm/team.csv" >"$c/team.csv"
sed 's/^hire_date    = Start Date.*/&\nend_date     = Leave Date/' "$SRC/samples/crm/review.ini" >"$c/review.ini"
kp compute -c "$c/review.ini" -o "$c/out"
t_grep "crm: a deal after the leave date is listed" \
    'falls after 2026-05, the last month counted for Umar Castillo \(end date\)' "$c/out/rejects.csv"
t_grep "crm: the monthly revenue target counts April and May only (2 × 110,000)" \
    '^umar-castillo,Umar Castillo,Boston,ae,revenue,[0-9.]+,220000,' "$c/out/results.csv"
t_grep "crm: the May starter's window target is prorated (60,000 × 2/3)" \
    '^david-reyes,David Reyes,Denver,ae,revenue,13000,40000,' "$c/out/results.csv"

t_done
