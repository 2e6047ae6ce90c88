# kpipress plan (docs/plan.md) on tests/golden/plan (every figure worked
# out by hand in its README.md): the three tables and the explanations equal
# the golden ones byte for byte, twice the same bytes, the planned
# targets.csv fed back into a review of the window gives the planned
# targets (people and teams), and the mistakes are errors with file:line.
. "$TESTS_DIR/lib.sh"

G="$SRC/tests/golden/plan"
d="$T/plan"
mkdir -p "$d"
cp "$G/plan.ini" "$G/roster.csv" "$G/metrics.csv" "$d/"

(cd "$d" && "$KP" plan -c plan.ini --for 2026-07..2026-09 -o "$T/p") >"$T/stdout" 2>"$T/stderr"
t_eq "plan exits 0" 0 $?
for f in targets.csv plan.csv milestones.csv; do
    t_same "golden $f" "$G/expected/$f" "$T/p/$f"
done
sed "s|$T/p|OUT|g" "$T/stdout" >"$T/stdout.txt"
t_same "golden stdout (the ceiling and the hire without history named)" "$G/expected/stdout.txt" \
    "$T/stdout.txt"
t_grep "E1's revenue: 472 (475 scaled to East's market ceiling)" '^E1,revenue,472$' \
    "$T/p/targets.csv"
t_nogrep "W3 has left: no row" '^W3,' "$T/p/targets.csv"
t_grep "plan.csv says why W3 has none" \
    '^person,West,W3,revenue,.*not employed \(or 0% ramp\) in the window: no target$' "$T/p/plan.csv"
t_grep "East's revenue stays under the ceiling 900" '^team,East,,revenue,.*,899.1666666667,' \
    "$T/p/plan.csv"

# A team named like a formula stays text in plan.csv (the tables' rule); its
# members' rep_ids in targets.csv stay as written, to be read back.
mkdir -p "$T/f"
cp "$d/plan.ini" "$d/metrics.csv" "$T/f/"
sed 's/,West,/,=West,/' "$d/roster.csv" >"$T/f/roster.csv"
sed -i 's/^growth\.West\.visits.*$//' "$T/f/plan.ini"
(cd "$T/f" && "$KP" plan -q -c plan.ini --for 2026-07..2026-09 -o "$T/pf") >/dev/null 2>&1
t_eq "a team named =West: plan exits 0" 0 $?
t_grep "plan.csv guards the team's name" '^person,"'"'"'=West",W1,' "$T/pf/plan.csv"
t_grep "targets.csv keeps W1 as written" '^W1,revenue,' "$T/pf/targets.csv"

while read -r rep kpi; do
    (cd "$d" && "$KP" plan -c plan.ini --for 2026-07..2026-09 "$rep" "$kpi") \
        >"$T/explain-$rep-$kpi.txt" 2>/dev/null
    t_same "explain $rep $kpi" "$G/expected/explain-$rep-$kpi.txt" "$T/explain-$rep-$kpi.txt"
done <"$G/explain.list"
t_ok "explain writes nothing" test ! -e "$d/plan"

# Same bytes twice.
(cd "$d" && "$KP" plan -q -c plan.ini --for 2026-07..2026-09 -o "$T/again") >/dev/null 2>&1
for f in targets.csv plan.csv milestones.csv; do
    t_ok "$f: the same bytes twice" cmp "$T/p/$f" "$T/again/$f"
done

# Fed back: a review of 2026-07..09 with the planned targets.csv shows the
# planned targets, for every person and team.
cp "$T/p/targets.csv" "$d/targets.csv"
printf '\n[input]\ntargets = targets.csv\n' >>"$d/plan.ini"
for m in 2026-07 2026-08 2026-09; do
    for p in E1 E2 W1; do echo "$m,$p,100,10,10,3"; done
done >>"$d/metrics.csv"
echo "2026-09,E3,10,1,10,3" >>"$d/metrics.csv"
echo "2026-07,W2,10,1,10,3" >>"$d/metrics.csv"
kp compute -c "$d/plan.ini" --from 2026-07 --to 2026-09 -o "$d/review"
t_rc "the review of the planned window runs" 0
awk -F, '$1 == "person" && $21 != "" { print $3 "," $4 "," $21 }' "$T/p/plan.csv" \
    | sort >"$T/planned"
awk -F, 'NR > 1 && ($5 == "revenue" || $5 == "visits") && $7 != "" { print $1 "," $5 "," $7 }' \
    "$d/review/results.csv" | sort >"$T/reviewed"
t_same "every review target equals the planned one" "$T/planned" "$T/reviewed"
t_eq "10 planned targets" 10 "$(wc -l <"$T/planned")"
awk -F, '$1 == "team" { print $2 "," $4 "," $21 } $1 == "org" { print "*," $4 "," $21 }' \
    "$T/p/plan.csv" | sort >"$T/planned_teams"
awk -F, 'NR > 1 && ($2 == "revenue" || $2 == "visits") { print $1 "," $2 "," $4 }' \
    "$d/review/teams.csv" | sort >"$T/reviewed_teams"
t_same "every team's and the org's review target equals the planned total" "$T/planned_teams" \
    "$T/reviewed_teams"
t_grep "E3 (announced hire): 415 × 0.5 / 3" '^E3,Ella Announced,East,ae,revenue,10,69.1666666667,' \
    "$d/review/results.csv"
t_grep "W2 (leaver): 518 × 2 / 3" '^W2,Wanda Leaving,West,ae,revenue,10,345.333333333,' \
    "$d/review/results.csv"

# Adjustments on the record: rows with effective_from, reason, approved_by.
{
    echo "rep_id,kpi,target,effective_from,reason,approved_by,override"
    sed 1d "$T/p/targets.csv" | sed 's/$/,,,,/'
    echo "E1,revenue,500,2026-08,New key account (Acme),Head of Sales,"
    echo "W1,revenue,700,2026-09,Territory grows,Head of Sales,"
    echo "W1,visits,70,2026-08,,Head of Sales,"
    echo "E2,revenue,330,2026-08,Long leave in August,Head of Sales,no"
} >"$d/targets.csv"
kp compute -c "$d/plan.ini" --from 2026-07 --to 2026-09 -o "$d/adj"
t_rc "refused adjustments: exit 1" 1
t_grep "an adjustment is named with its reason and approver" \
    'targets.csv:12: note: adjustment: E1 revenue 472 -> 500 from 2026-08 \(\+5.9%\), reason "New key account \(Acme\)", approved by Head of Sales' \
    "$T/out"
t_grep "E1: July at 472, August and September at 500: (472 + 2 × 500) / 3" \
    '^E1,Eve Early,East,ae,revenue,300,490.666666667,' "$d/adj/results.csv"
t_grep "beyond the margin: refused at its line" \
    'targets.csv,13,the adjustment of W1 revenue from 621 to 700 \(\+12.7%\) is beyond the ±10% margin \(\[plan\] margin\): refused; write override = yes to keep it' \
    "$d/adj/rejects.csv"
t_grep "… and the original stands" '^W1,Will Seasonal,West,ae,revenue,300,621,' \
    "$d/adj/results.csv"
t_grep "an adjustment without a reason is refused" \
    'targets.csv,14,an adjustment of W1 visits needs a reason and approved_by' "$d/adj/rejects.csv"
t_grep "E2: -7.8% is within the margin: (358 + 2 × 330) / 3" \
    '^E2,Ed Recent,East,ae,revenue,300,339.333333333,' "$d/adj/results.csv"
sed -i 's/^W1,revenue,700,2026-09,Territory grows,Head of Sales,$/W1,revenue,700,2026-09,Territory grows,Head of Sales,yes/' \
    "$d/targets.csv"
kp check -c "$d/plan.ini" --from 2026-07 --to 2026-09
t_grep "check prints an override" \
    'targets.csv:13: note: adjustment: W1 revenue 621 -> 700 from 2026-09 \(\+12.7%, override\)' "$T/out"
kp compute -c "$d/plan.ini" --from 2026-07 --to 2026-09 -o "$d/adj2"
kp explain -c "$d/plan.ini" --from 2026-07 --to 2026-09 E1 revenue
t_grep "explain shows the adjustment with its reason" \
    'adjusted \(targets.csv line 12\): 472 -> 500 from 2026-08, reason "New key account \(Acme\)", approved by Head of Sales; the window.s person target is the months. mean: 490.666666667' \
    "$T/out"
t_grep "override = yes keeps it: (2 × 621 + 700) / 3" \
    '^W1,Will Seasonal,West,ae,revenue,300,647.333333333,' "$d/adj2/results.csv"

# prev() and yoy(): growth KPIs over the same history, with targets and
# scoring like any KPI. Window 2026-04..06: E1 330 against 330 (Jan–Mar) and
# 300 (Apr–Jun 2025); E2 300 against 0 + 50 (hired in February), no 2025;
# W3 (left in May) 200 against 300 and 300.
cp "$G/metrics.csv" "$d/metrics.csv"
{
    printf '[review]\nfrom = 2026-04\nto = 2026-06\nhistory = 12\n\n'
    printf '[kpi.revenue]\nformula = sum(revenue)\n\n'
    printf '[kpi.rev_qoq]\nformula = sum(revenue) / prev(sum(revenue)) - 1\ntarget = 10%%\n\n'
    printf '[kpi.rev_yoy]\nformula = sum(revenue) / yoy(sum(revenue)) - 1\ntarget = 10%%\n\n'
    printf '[role.ae]\nweight.revenue = 50\nweight.rev_qoq = 25\nweight.rev_yoy = 25\n'
} >"$d/growth.ini"
kp compute -c "$d/growth.ini" -o "$d/growth"
t_rc "growth KPIs: exit 0" 0
t_grep "E1 quarter on quarter: 330 / 330 - 1 = 0" '^E1,Eve Early,East,ae,rev_qoq,0,0.1,0,0,25,ok' \
    "$d/growth/results.csv"
t_grep "E1 year on year: 330 / 300 - 1 = 0.1, at target" \
    '^E1,Eve Early,East,ae,rev_yoy,0.1,0.1,1,100,25,ok' "$d/growth/results.csv"
t_grep "E2: 300 / 50 - 1 = 5 (capped at 150 points)" '^E2,Ed Recent,East,ae,rev_qoq,5,0.1,1.5,150,' \
    "$d/growth/results.csv"
t_grep "E2: no rows a year back: n/a" '^E2,Ed Recent,East,ae,rev_yoy,,0.1,,,25,na' \
    "$d/growth/results.csv"
t_grep "W3: 200 / 300 - 1" '^W3,Walt Gone,West,ae,rev_yoy,-0.333333333333,' "$d/growth/results.csv"
kp explain -c "$d/growth.ini" E1 rev_yoy
t_grep "explain shows the year-back value" \
    'value: sum\(revenue\)\[=330\] / yoy\(sum\(revenue\)\)\[=300\] - 1 = 0.1' "$T/out"
sed -i 's/^history = 12/history = 3/' "$d/growth.ini"
kp compute -c "$d/growth.ini" -o "$d/growth3"
t_grep "history of 3 months: yoy n/a" '^E1,Eve Early,East,ae,rev_yoy,,0.1,,,25,na' \
    "$d/growth3/results.csv"
t_grep "… prev still there" '^E1,Eve Early,East,ae,rev_qoq,0,0.1,0,0,25,ok' "$d/growth3/results.csv"

# Mistakes: exit 2, at their line, nothing written.
cp "$G/plan.ini" "$d/bad.ini"
sed -i 's/^growth.East .*/growth.Eats = 20%/' "$d/bad.ini"
kp plan -c "$d/bad.ini" --for 2026-07..2026-09 -o "$T/bad"
t_rc "a growth key naming nothing: exit 2" 2
t_grep "… at its line" 'bad.ini:21: error: \[plan\] growth.eats: no team or KPI named "eats"' "$T/out"
t_ok "nothing written" test ! -e "$T/bad"
cp "$G/plan.ini" "$d/bad.ini"
sed -i 's/^market.East .*/market.North = 900/' "$d/bad.ini"
kp plan -c "$d/bad.ini" --for 2026-07..2026-09 -o "$T/bad"
t_rc "a market ceiling for no team: exit 2" 2
t_grep "… at its line" 'bad.ini:23: error: \[plan\] market.north: no team named "north"' "$T/out"
cp "$G/plan.ini" "$d/bad.ini"
sed -i 's/^margin .*/margin = 10%\nmarket_kpi = conversion/' "$d/bad.ini"
kp plan -c "$d/bad.ini" --for 2026-07..2026-09 -o "$T/bad"
t_rc "a market on a rate: exit 2" 2
t_grep "… says why" 'error: \[plan\] market_kpi: "conversion" is not a KPI whose target adds up' \
    "$T/out"
kp plan -c "$d/plan.ini" --for 2026-09..2026-07 -o "$T/bad"
t_rc "a backwards window: exit 2" 2
t_grep "… says what it wants" '\-\-for wants FROM..TO as YYYY-MM..YYYY-MM' "$T/out"
kp plan -c "$d/plan.ini" -o "$T/bad"
t_rc "no --for: exit 2" 2
t_ok "nothing written by any of them" test ! -e "$T/bad"
t_done
