# Trust at the input edge (issue 15 §1–2, issue 22 §8): every name the config
# gives must exist in its file (an error at the config's line, with "did you
# mean" by characters); a KPI whose column no input has is an error unless it
# says missing = allow, and then the closing summary names it; rows after
# as_of never count as to date; the window rule holds for --from/--to; a
# header-only roster says what is true. Each run ends with one closing block.
. "$TESTS_DIR/lib.sh"

cp -R "$SRC/samples" "$T/s"
H=$T/s/huadong
A=$T/s/acme
C=$T/s/crm

# ---- 1. a typo in [columns]: 销售金额 for the header 销售额 ----
sed 's/^revenue       = 销售额/revenue       = 销售金额/' "$H/review.ini" >"$H/typo.ini"
line=$(grep -n '^revenue       = 销售金额' "$H/typo.ini" | cut -d: -f1)
for cmd in check compute run; do
    o="-o $T/typo-$cmd"
    [ $cmd = check ] && o=
    cd "$H" && kp $cmd -c typo.ini $o
    t_rc "[columns] typo, $cmd: exit 2" 2
    t_grep "[columns] typo, $cmd: error at the config's line, did you mean by characters" \
        "^kpipress: typo.ini:$line: error: \[columns\] revenue = 销售金额: metrics.csv has no column \"销售金额\" \(did you mean \"销售额\"\?\)\$" \
        "$T/out"
    t_fail "[columns] typo, $cmd: nothing written" test -e "$T/typo-$cmd"
done

# [input] extra and keep name columns too.
sed 's/^\[input\]/[input]\nextra = partners/' "$A/review.ini" >"$A/extra.ini"
cd "$A" && kp check -c extra.ini
t_rc "[input] extra not in the file: exit 2" 2
t_grep "[input] extra not in the file: at its line" \
    '^kpipress: extra.ini:[0-9]+: error: \[input\] extra: metrics.csv has no column "partners" \(its columns: period, rep_id, ' \
    "$T/out"
sed 's/^\[input\]/[input]\nkeep = pasword/' "$A/review.ini" >"$A/keep.ini"
awk -F, 'BEGIN { OFS = "," } { print $0, (NR == 1 ? "password" : "x") }' "$A/roster.csv" >"$A/roster-pw.csv"
cd "$A" && kp check -c keep.ini --roster roster-pw.csv
t_rc "[input] keep with a typo: exit 2" 2
t_grep "[input] keep with a typo: did you mean" \
    'error: \[input\] keep: roster-pw.csv has no column "pasword" \(did you mean "password"\?\)' \
    "$T/out"

# [crm]: a column name with a typo, at the config's line.
sed 's/^closed *=.*/closed      = Close Dat/' "$C/review.ini" >"$C/typo.ini"
line=$(grep -n '^closed      = Close Dat' "$C/typo.ini" | cut -d: -f1)
cd "$C" && kp compute -c typo.ini -o "$T/crm-typo"
t_rc "[crm] closed typo: exit 2" 2
t_grep "[crm] closed typo: error at the config's line" \
    "^kpipress: typo.ini:$line: error: \[crm\] closed: deals.csv has no column \"Close Dat\" \(did you mean \"Close Date\"\?\)" \
    "$T/out"
t_fail "[crm] closed typo: nothing written" test -e "$T/crm-typo"

# ---- a KPI whose column no input has ----
cut -d, -f1-12,14- "$A/metrics.csv" >"$A/nocsat.csv" # drop csat
kline=$(grep -n '^formula  = avg(csat)' "$A/review.ini" | cut -d: -f1)
cd "$A" && kp compute -c review.ini --metrics nocsat.csv -o "$T/nocsat"
t_rc "KPI column missing: exit 2" 2
t_grep "KPI column missing: named with the formula's line" \
    "^kpipress: review.ini:$kline: error: \[kpi.csat\] formula avg\(csat\): column \"csat\" is in no input \(nocsat.csv has no such column\); to review without this KPI, add missing = allow to \[kpi.csat\]\$" \
    "$T/out"
t_fail "KPI column missing: nothing written" test -e "$T/nocsat"
sed 's/^formula  = avg(csat)/formula  = avg(csat)\nmissing  = allow/' "$A/review.ini" >"$A/allow.ini"
n=$(($(wc -l <"$A/roster.csv") - 1))
w=$(awk -F, 'NR > 1 && ($5 == "kam" || $5 == "support")' "$A/roster.csv" | wc -l)
for cmd in check compute; do
    if [ $cmd = check ]; then
        cd "$A" && kp check -c allow.ini --metrics nocsat.csv
    else
        cd "$A" && kp compute -c allow.ini --metrics nocsat.csv -o "$T/allow"
    fi
    t_rc "missing = allow, $cmd: exit 0" 0
    t_grep "missing = allow, $cmd: the closing summary names the KPI and the people" \
        "^kpipress: allow.ini:$((kline + 1)): warning: KPI csat left out: a column it needs is in no input \(missing = allow\), so it is \"no data\" for all $n people and left out of the composite of $w who are weighted on it\$" \
        "$T/out"
    t_eq "missing = allow, $cmd: the summary is the last block" "rejects" \
        "$(tail -n 1 "$T/out" | grep -q 'KPI csat left out' && echo rejects)"
done
cd "$A" && kp run -q -c allow.ini --metrics nocsat.csv -o "$T/allow-run" --only R0007
t_rc "missing = allow, run: exit 0" 0
pdf=$(find "$T/allow-run/reviews" -name R0007.pdf)
t_pdf "$pdf"
pdftotext -layout "$pdf" "$T/r7.txt"
t_grep "missing = allow: the review says \"no data\" for it" 'Customer satisfaction +n/a .* no data' "$T/r7.txt"
t_grep "missing = allow: csat is n/a in results.csv" '^R0003,[^,]*,[^,]*,[^,]*,csat,,4.5,,,[0-9]*,na' \
    "$T/allow/results.csv"

# An idle alert on a column no input has would fire every month: an error.
cut -d, -f1-6,8- "$A/metrics.csv" >"$A/novisits.csv"
sed 's/^formula  = sum(visits)/formula  = sum(visits)\nmissing  = allow/' "$A/review.ini" >"$A/idle.ini"
aline=$(awk '/^\[alert.idle\]/ { s = 1 } s && /^columns/ { print NR; exit }' "$A/idle.ini")
cd "$A" && kp check -c idle.ini --metrics novisits.csv
t_rc "idle alert on a missing column: exit 2" 2
t_grep "idle alert on a missing column: at its line" \
    "^kpipress: idle.ini:$aline: error: \[alert.idle\] columns: column \"visits\" is in no input \(not in the metrics file\)\$" \
    "$T/out"

# ---- 2. time is honest: rows after as_of ----
sed 's/^\[review\]/[review]\nas_of = 2026-05-15/' "$A/review.ini" >"$A/asof.ini"
# June rows with an actual (any cell but period, rep_id and quota)
june=$(awk -F, '$1 == "2026-06" { for (i = 3; i <= NF; i++) if (i != 4 && $i != "") { n++; break } } END { print n }' "$A/metrics.csv")
cd "$A" && kp compute -c asof.ini -o "$T/asof"
t_rc "as_of inside the window, June rows with actuals: exit 1" 1
t_eq "as_of: every June row with actuals is in rejects.csv" "$june" \
    "$(grep -c '^metrics.csv,[0-9]*,after as_of 2026-05-15: the actuals of 2026-06 are not counted (quota kept as the plan),' "$T/asof/rejects.csv")"
t_grep "as_of: the closing summary counts them" \
    "^kpipress: metrics.csv: note: [0-9]+ rows: [0-9]+ used, $june not used \($june × after as_of …, first at line [0-9]+\)\$" \
    "$T/out"
# R0003's visits are April + May only, not June.
want=$(awk -F, '$2 == "R0003" && ($1 == "2026-04" || $1 == "2026-05") { s += $7 } END { print s }' "$A/metrics.csv")
t_grep "as_of: visits to date are April and May only ($want)" "^R0003,[^,]*,[^,]*,[^,]*,visits,$want," \
    "$T/asof/results.csv"
cd "$A" && kp check -c asof.ini
t_rc "as_of: check says the same (exit 1)" 1
t_grep "as_of: check's closing summary" "^kpipress: metrics.csv: note: .*$june × after as_of" "$T/out"
cd "$A" && kp explain -c asof.ini R0003 visits
t_rc "as_of: explain reports on one person (exit 0)" 0
t_grep "as_of: explain's messages end with the summary they point to" \
    "^kpipress: warning: $june rows were rejected \(kpipress compute lists them in rejects.csv\)\$" "$T/out"
t_grep "as_of: explain sums visits over April and May only" "^value: sum\(visits\)\[=$want\]|=$want" "$T/out"
# A plan-only row after as_of (quota alone) is used, not rejected.
awk -F, 'BEGIN { OFS = "," } $1 == "2026-06" { for (i = 3; i <= NF; i++) if (i != 4) $i = "" } { print }' \
    "$A/metrics.csv" >"$A/plan.csv"
cd "$A" && kp compute -c asof.ini --metrics plan.csv -o "$T/plan"
t_rc "as_of: June rows with only the quota are a plan: exit 0" 0
t_nogrep "as_of: no plan row rejected" 'after as_of' "$T/plan/rejects.csv"

# The CRM: deals that count after as_of.
sed 's/^\[review\]/[review]\nas_of = 2026-05-15/' "$C/review.ini" >"$C/asof.ini"
cd "$C" && kp compute -c asof.ini -o "$T/crm-asof"
t_rc "CRM as_of: exit 1" 1
t_grep "CRM as_of: a deal closed after as_of is listed" \
    '^deals.csv,[0-9]+,after as_of 2026-05-15: the deal counts in no month up to as_of,' \
    "$T/crm-asof/rejects.csv"

# ---- the cap on rejects.csv ----
cp "$A/metrics.csv" "$A/old.csv"
i=0
while [ $i -lt 30 ]; do
    printf '2020-01,R%04d,1,1,1,1,1,1,1,1,,,,,1,1\n' $((i + 1000)) >>"$A/old.csv"
    i=$((i + 1))
done
sed 's/^\[output\]/[output]\nrejects_max = 5/' "$A/review.ini" >"$A/cap.ini"
cd "$A" && kp compute -c cap.ini --metrics old.csv -o "$T/cap"
t_rc "rejects_max: rows outside the months used are not errors: exit 0" 0
t_eq "rejects_max: header, 5 rows and a last line" 7 "$(wc -l <"$T/cap/rejects.csv")"
t_grep "rejects_max: the last line counts what was left out" \
    '^,,25 more rows not listed \(\[output\] rejects_max = 5\),' "$T/cap/rejects.csv"
t_grep "rejects_max: the closing summary says so" \
    'warning: 25 rows are left out of rejects.csv \(\[output\] rejects_max = 5\): see ' "$T/out"

# ---- 5. --from/--to obey the config's window rule; a header-only roster ----
cd "$A" && kp check -c review.ini --from 1990-01 --to 2026-06
t_rc "--from 1990-01 --to 2026-06: exit 2" 2
t_grep "--from/--to: the 24-month rule" '^kpipress: error: --from/--to: the window is longer than 24 months$' \
    "$T/out"
head -n 1 "$A/roster.csv" >"$A/empty.csv"
cd "$A" && kp compute -c review.ini --roster empty.csv -o "$T/empty"
t_rc "header-only roster: exit 2" 2
t_grep "header-only roster: nobody to review" 'empty.csv: error: no usable rows: nobody to review' "$T/out"
t_nogrep "header-only roster: no promise of a rejects.csv" 'rejected|rejects.csv' "$T/out"

t_done
