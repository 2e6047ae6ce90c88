# The KPI engine end to end on generated and shipped data: the org's and
# each team's revenue equal the sums of the input rows (counted here with
# awk, independently of kpipress) for several seeds; results.json agrees
# with results.csv, scores.csv and teams.csv; the same run twice gives the
# same bytes; `explain` prints the key lines and fails cleanly on unknown
# names. Hand-checked figures are in tests/golden/ (golden.sh).
. "$TESTS_DIR/lib.sh"

# A config: the acme sample's, over DIR's files, with a revenue KPI added.
wrap() { # DIR
    cat >"$1/review.ini" <<EOF
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = roster.csv
metrics = metrics.csv
[kpi.revenue]
formula = sum(revenue)
EOF
}

# Σ revenue over the window 2026-04..2026-06 per team and "*" from the inputs.
awk_sums() { # DIR
    awk -F, 'FNR == 1 { next }
        FILENAME ~ /roster/ { team[$1] = $4; next }
        $1 >= "2026-04" && $1 <= "2026-06" && $3 != "" { s[team[$2]] += $3; s["*"] += $3 }
        END { for (t in s) printf "%s,%d\n", t, s[t] }' "$1/roster.csv" "$1/metrics.csv" | sort
}

for seed in 1 5 11 2026; do
    d="$T/seed$seed"
    kp sample -q -o "$d" --seed "$seed" --reps 120
    wrap "$d"
    kp compute -c "$d/review.ini" -o "$d/out"
    t_rc "seed $seed: compute exits 0" 0
    awk_sums "$d" >"$d/want"
    awk -F, '$2 == "revenue" && $3 != "" { printf "%s,%s\n", $1, $3 }' "$d/out/teams.csv" |
        sort >"$d/got"
    t_same "seed $seed: the org's and every team's revenue = the sum of its rows" "$d/want" "$d/got"
    python3 - "$d/out" >"$T/agree.out" 2>&1 <<'EOF'
import csv, json, sys
out = sys.argv[1]
doc = json.load(open(out + "/results.json", encoding="utf-8"))
people = {r["id"]: r for r in doc["people"]}
groups = {r["id"]: r for r in doc["groups"]}
bad = []
def num(cell):
    return None if cell == "" else float(cell)
def same(what, a, b):
    if a != b:
        bad.append("%s: csv %r, json %r" % (what, a, b))
for row in csv.DictReader(open(out + "/results.csv", encoding="utf-8", newline="")):
    k = people[row["rep_id"]]["kpis"][row["kpi"]]
    for f in ("value", "target", "ratio", "points", "weight"):
        same("%s %s %s" % (row["rep_id"], row["kpi"], f), num(row[f]), k[f])
    same("%s %s status" % (row["rep_id"], row["kpi"]), row["status"], k["status"])
n = 0
for row in csv.DictReader(open(out + "/scores.csv", encoding="utf-8", newline="")):
    r = people[row["rep_id"]]
    n += 1
    for f in ("composite", "percentile", "payout"):
        same(row["rep_id"] + " " + f, num(row[f]), r[f])
    for f in ("rank_team", "rank_org"):
        same(row["rep_id"] + " " + f, int(row[f] or 0), r[f])
    for f in ("team_size", "org_size"):
        same(row["rep_id"] + " " + f, int(row[f]), r[f])
    same(row["rep_id"] + " band", row["band"], r["band"])
same("people", n, len(people))
for row in csv.DictReader(open(out + "/teams.csv", encoding="utf-8", newline="")):
    g = groups[row["team"]]
    if row["kpi"] == "composite":
        same(row["team"] + " composite", num(row["value"]), g["composite"])
        continue
    k = g["kpis"][row["kpi"]]
    for f in ("value", "target", "ratio"):
        same("%s %s %s" % (row["team"], row["kpi"], f), num(row[f]), k[f])
    same("%s %s status" % (row["team"], row["kpi"]), row["status"], k["status"])
# A person's own revenue adds up to the org's (managers' records cover trees).
tree = sum(1 for r in doc["people"] if r["scope"] > 1)
print("\n".join(bad[:10]) if bad else "agree (%d people, %d managers)" % (n, tree))
sys.exit(1 if bad else 0)
EOF
    t_ok "seed $seed: results.json agrees with results.csv, scores.csv, teams.csv" \
        grep -q '^agree' "$T/agree.out"
    [ -n "$(grep -v '^agree' "$T/agree.out")" ] && sed 's/^/#   /' "$T/agree.out" | head -10
done

# Determinism: the same run twice, byte for byte.
d="$T/seed5"
kp compute -c "$d/review.ini" -o "$d/again"
for f in results.csv scores.csv teams.csv results.json; do
    t_same "same inputs, same $f" "$d/out/$f" "$d/again/$f"
done

# explain on the shipped sample.
A="$SRC/samples/acme/review.ini"
"$KP" explain -c "$A" R0003 attainment >"$T/ex" 2>"$T/ex.err"
t_eq "explain exits 0" 0 $?
t_grep "explain: who" '^R0003 Janet Johnson \(team East, role ae, roster line 4\)$' "$T/ex"
t_grep "explain: the rows with their lines" '^    R0003    2026-05  line 229    revenue=43348 quota=75000$' "$T/ex"
t_grep "explain: the formula with its values" '^value: sum\(revenue\)\[=150843\] / sum\(quota\)\[=228000\] = 0.661592105263$' "$T/ex"
t_grep "explain: the composite" '^composite \(role ae\): \(35 × 66.1592105263 \+ ' "$T/ex"
t_eq "explain writes nothing on stderr" "" "$(cat "$T/ex.err")"
"$KP" explain -c "$A" R0002 attainment >"$T/ex" 2>&1
t_grep "explain: a manager's rows include the people below" '^  and the 10 people below them:$' "$T/ex"
t_grep "explain: a manager's value over the tree" '^value: sum\(revenue\)\[=3192473\] / sum\(quota\)\[=3017000\] = 1.05816141863$' "$T/ex"
kp explain -c "$A" R9999 attainment
t_rc "explain of an unknown rep_id: exit 2" 2
t_grep "the unknown rep_id is named" 'no rep_id "R9999" in the roster' "$T/out"
kp explain -c "$A" R0003 attainmnt
t_rc "explain of an unknown KPI: exit 2" 2
t_grep "the unknown KPI is named" 'no KPI "attainmnt" in the config' "$T/out"
t_done
