# The CRM export end to end (samples/crm): kpipress reads the raw
# opportunity export and the team list, and
#   - every deal is counted or listed in rejects.csv (rows = used + rejected),
#     the rejected ones with exactly the reasons of tests/golden/crm/;
#   - the reviews equal those of a hand pivot: an independent awk pivot of
#     the same export into roster.csv + metrics.csv + targets.csv (the
#     canonical layout, the way an analyst would do it in a spreadsheet)
#     gives byte-identical results.csv, scores.csv, teams.csv, coaching.csv;
#   - samples/crm/generate.sh makes exactly the committed files;
#   - config and command-line mistakes stop the run (exit 2) with a clear line.
# UPDATE=1 rewrites the golden rejects (review the diff before committing).
. "$TESTS_DIR/lib.sh"

S=$SRC/samples/crm
G=$SRC/tests/golden/crm

# ---- the sample runs: a review per person, a packet per team ----
kp run -q -c "$S/review.ini" -o "$T/crm"
t_rc "crm: run exits 1 (the export's bad rows are rejected)" 1
for f in results.csv scores.csv teams.csv coaching.csv rejects.csv; do
    t_ok "crm: $f written" test -s "$T/crm/$f"
done
people=$(($(wc -l <"$T/crm/scores.csv") - 1))
t_eq "crm: 36 agents + 4 managers from the team list" 40 "$people"
t_eq "crm: one review per person" "$people" "$(find "$T/crm/reviews" -name '*.pdf' | wc -l)"
t_eq "crm: one packet per office" 4 "$(find "$T/crm/packets" -name '*.pdf' | wc -l)"
pdftotext -layout "$T/crm/reviews/Denver/david-reyes.pdf" "$T/dr.txt" 2>/dev/null
t_grep "crm: a review names the person" 'David Reyes' "$T/dr.txt"
t_grep "crm: a KPI without a target says so" 'Average deal won .*no target' "$T/dr.txt"
t_grep "crm: the manager made from the Manager column is named" 'Helen Kowalski' "$T/dr.txt"

# ---- every deal is counted or listed ----
kp check -c "$S/review.ini"
deals=$(($(wc -l <"$S/deals.csv") - 1))
t_grep "crm: check counts every deal" "deals.csv: note: $deals rows: [0-9]+ used, [0-9]+ not used" "$T/out"
used=$(sed -n 's/.*deals.csv: note: [0-9]* rows: \([0-9]*\) used.*/\1/p' "$T/out")
listed=$(awk -F, 'NR > 1 && $1 ~ /deals.csv$/' "$T/crm/rejects.csv" | wc -l)
t_eq "crm: deals = used + listed in rejects.csv" "$deals" "$((used + listed))"
# The rows that count as errors (not the deals that fall outside the months),
# with the sample's folder taken out of the file names.
awk 'NR > 1' "$T/crm/rejects.csv" | grep -v -E '^[^,]*,[0-9]+,(falls |no \[derive)' |
    sed "s|$S/||g" >"$T/rejected"
if [ "${UPDATE:-}" = 1 ]; then mkdir -p "$G"; cp "$T/rejected" "$G/rejected.csv"; fi
t_same "crm: the rejected rows and reasons" "$G/rejected.csv" "$T/rejected"
t_grep "crm: the rest are outside the months used" \
    'deals.csv: note: [0-9]+ deals were counted in no month used' "$T/out"

# ---- the same reviews as a hand pivot ----
# An independent pivot (awk): checks each deal as the README says, then adds
# the won amounts by close month, counts, cycle days, the pipeline open at
# each month's end, per person and month, from each person's start month.
mkdir -p "$T/hand"
awk -v out="$T/hand" '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
function key(s) { s = tolower(trim(s)); gsub(/[ \t]+/, " ", s); return s }
function skey(s) { s = tolower(s); gsub(/[-_. \t]+/, " ", s); return trim(s) }
function slug(s) { s = key(s); gsub(/ /, "-", s); return s }
function csv(line, f,    n, i, c, q, cur) {
    n = 0; cur = ""; q = 0
    for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (q) { if (c == "\"") q = 0; else cur = cur c }
        else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = trim(cur); cur = "" }
        else cur = cur c
    }
    f[++n] = trim(cur)
    return n
}
function days(y, m, d,    era, yoe, doy, doe) {
    y -= (m <= 2); era = int(y / 400); yoe = y - era * 400
    doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
    doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
    return era * 146097 + doe - 719468
}
function mlen(y, m) { return m == 2 ? 28 + (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31 }
# M/D/YYYY -> day number; "" when empty; -1 when not a date. Sets DM (month count).
function date(s,    p, n) {
    if (s == "") return ""
    n = split(s, p, "/")
    if (n != 3 || p[1] !~ /^[0-9][0-9]?$/ || p[2] !~ /^[0-9][0-9]?$/ || p[3] !~ /^[0-9][0-9][0-9][0-9]$/) return -1
    if (p[1] < 1 || p[1] > 12 || p[2] < 1 || p[2] > mlen(p[3], p[1])) return -1
    DM = p[3] * 12 + p[1] - 1
    return days(p[3] + 0, p[1] + 0, p[2] + 0)
}
function money(s) { gsub(/[$,]/, "", s); return s ~ /^[0-9]+(\.[0-9]+)?$/ ? s + 0 : -1 }
function lastday(m) { return days(int(m / 12), m % 12 + 1, mlen(int(m / 12), m % 12 + 1)) }
function add(a, p, mi, x) { if (mi >= first[p] && mi < NM) { V[a, p, mi] += x; N[a, p, mi]++; return 1 } return 0 }
BEGIN { M0 = 2025 * 12 + 9; NM = 9; WINDOW = 3 }   # 2025-10 .. 2026-06, window 2026-04 .. 06
FILENAME ~ /team.csv$/ {
    if (FNR == 1) next
    csv($0, f); p = slug(f[1])
    np++; id[np] = p; name[p] = f[1]; email[p] = f[2]; team[p] = f[3]; role[p] = f[5]
    boss[p] = slug(f[4]); bossname[boss[p]] = f[4]; bossteam[boss[p]] = f[3]
    split(f[6], hd, "/"); hire[p] = sprintf("%04d-%02d-%02d", hd[3], hd[1], hd[2])
    hm = hd[3] * 12 + hd[1] - 1; first[p] = hm - M0 > 0 ? hm - M0 : 0; known[key(f[1])] = p
    next
}
FILENAME ~ /targets.csv$/ {
    if (FNR == 1) next
    csv($0, f); v = money(f[5]) * (f[6] == "month" ? WINDOW : 1)
    if (f[1] != "") TP[slug(f[1]), f[4]] = v
    else if (f[2] != "") TT[f[2], f[4]] = v
    else TR[f[3], f[4]] = v
    next
}
FNR == 1 { next }
{
    csv($0, f); bad = 0
    p = known[key(f[4])]; st = skey(f[6])
    cls = st == "closed won" ? "won" : st == "closed lost" ? "lost" \
        : st ~ /^(prospecting|qualification|proposal|negotiation)$/ ? "open" : ""
    c = date(f[8]); mc = DM; e = date(f[9]); cl = date(f[10]); mcl = DM
    amt = f[11] == "" ? "" : money(f[11])
    if (p == "" || (f[1] in seen) || cls == "" || c == -1 || e == -1 || cl == -1) bad = 1
    else if (cls != "open" && (cl == "" || cl < c || (e != "" && cl < e))) bad = 1
    else if (amt == -1 || c == "") bad = 1
    if (!bad && amt == "") {          # an amount is needed where one is added
        if (cls == "won" && mcl - M0 >= first[p] && mcl - M0 < NM) bad = 1
        for (m = mc; !bad && m < M0 + NM; m++)
            if ((cls == "open" || cl > lastday(m)) && m - M0 >= first[p]) bad = 1
            else if (cls != "open" && cl <= lastday(m)) break
    }
    if (bad) { print FNR > (out "/bad"); next }
    seen[f[1]] = 1
    add("opportunities", p, mc - M0, 1)
    if (cls == "won") {
        mi = mcl - M0
        add("revenue", p, mi, amt); add("won", p, mi, 1)
        add("cycle_days", p, mi, cl - (e != "" ? e : c))
        if (f[5] == "Enterprise") add("enterprise_revenue", p, mi, amt)
    }
    if (cls == "lost") add("lost", p, mcl - M0, 1)
    for (m = mc; m < M0 + NM; m++) {
        if (cls != "open" && cl <= lastday(m)) break
        if (m >= M0) add("pipeline", p, m - M0, amt)
    }
}
END {
    split("revenue won lost opportunities cycle_days pipeline enterprise_revenue", col, " ")
    R = out "/roster.csv"; M = out "/metrics.csv"; TG = out "/targets.csv"
    print "rep_id,name,email,team,role,manager_id,hire_date,locale" > R
    print "period,rep_id,revenue,won,lost,opportunities,cycle_days,pipeline,enterprise_revenue" > M
    print "rep_id,kpi,target" > TG
    for (i = 1; i <= np; i++) {
        p = id[i]
        print p "," name[p] "," email[p] "," team[p] "," role[p] "," boss[p] "," hire[p] "," > R
    }
    for (b in bossname) {
        id[++np] = b; first[b] = 0
        print b "," bossname[b] ",," bossteam[b] ",manager,,," > R
    }
    for (i = 1; i <= np; i++) {
        p = id[i]
        for (mi = first[p]; mi < NM; mi++) {
            m = M0 + mi
            printf "%04d-%02d,%s", int(m / 12), m % 12 + 1, p > M
            for (c = 1; c <= 7; c++) {
                v = V[col[c], p, mi] + 0; n = N[col[c], p, mi] + 0
                if (col[c] == "cycle_days") printf ",%s", n ? sprintf("%.17g", v / n) : "" > M
                else printf ",%.17g", v > M
            }
            printf "\n" > M
        }
        if (p in bossname) continue
        r = role[p] == "Account Executive" ? "ae" : "channel"
        for (k = split("revenue opportunities pipeline", kp, " "); k > 0; k--) {
            t = ((p, kp[k]) in TP) ? TP[p, kp[k]] : ((team[p], kp[k]) in TT) ? TT[team[p], kp[k]] \
              : ((r, kp[k]) in TR) ? TR[r, kp[k]] : ""   # managers: none (the sum of their team)
            if (t != "") printf "%s,%s,%.17g\n", p, kp[k], t > TG
        }
    }
}
' "$S/team.csv" "$S/targets.csv" "$S/deals.csv"
t_ok "crm: the hand pivot ran" test -s "$T/hand/metrics.csv"
awk -F, '$1 == "deals.csv" { print $2 }' "$T/rejected" | sort -n >"$T/kp_bad"
t_eq "crm: 10 deals rejected as errors" 10 "$(wc -l <"$T/kp_bad")"
sort -n "$T/hand/bad" >"$T/hand_bad"
t_same "crm: the hand pivot rejects the same deals" "$T/kp_bad" "$T/hand_bad"

# The canonical config: the sample's without [crm] and [derive.*], reading the pivot.
{
    printf '[input]\nroster = roster.csv\nmetrics = metrics.csv\ntargets = targets.csv\n'
    printf 'extra = pipeline, enterprise_revenue\n'
    awk '/^\[/ { skip = ($0 ~ /^\[(crm|derive\.)/) } !skip' "$S/review.ini"
} >"$T/hand/review.ini"
kp compute -q -c "$T/hand/review.ini" -o "$T/hand/out"
t_rc "hand pivot: compute exits 0" 0
kp compute -q -c "$S/review.ini" -o "$T/crm2"
for f in results.csv scores.csv teams.csv coaching.csv; do
    t_same "crm: $f equals the hand pivot's" "$T/hand/out/$f" "$T/crm2/$f"
done
t_same "crm: compute and run give the same results.csv" "$T/crm/results.csv" "$T/crm2/results.csv"

# ---- beside a metrics.csv: derived and canonical columns in one formula ----
cp "$S/team.csv" "$S/deals.csv" "$S/targets.csv" "$T/"
{
    sed 's/^targets      = targets.csv.*//' "$S/review.ini"
    printf '[input]\nmetrics = quota.csv\n'
    printf '[kpi.attainment]\nformula = sum(revenue) / sum(quota)\nformat = percent\n'
} >"$T/mixed.ini"
printf 'period,rep_id,quota,revenue\n2026-04,alice-bennett,100000,1\n2026-05,alice-bennett,100000,1\n2026-06,alice-bennett,200000,1\n' >"$T/quota.csv"
kp compute -c "$T/mixed.ini" -o "$T/mixed"
t_rc "mixed: compute exits 1 (the export's bad rows)" 1
rev=$(awk -F, '$1 == "alice-bennett" && $5 == "revenue" { print $6 }' "$T/crm/results.csv")
att=$(awk -F, '$1 == "alice-bennett" && $5 == "attainment" { print $6 }' "$T/mixed/results.csv")
t_eq "mixed: attainment = derived revenue / quota from metrics.csv" \
    "$(awk -v r="$rev" 'BEGIN { printf "%.9f", r / 400000 }')" "$(awk -v a="$att" 'BEGIN { printf "%.9f", a }')"
t_grep "mixed: the file's revenue column is not read" \
    'quota.csv:1: note: columns derived from the CRM export \(\[derive.\*\]\), so not read from this file: revenue' "$T/out"

# ---- a Chinese export: GBK, 赢单/输单, YYYY年M月D日, Excel serial numbers ----
mkdir -p "$T/zh"
printf '销售,经理,区域\n王伟,李娜,华东\n张 敏,李娜,华东\n' | iconv -f UTF-8 -t GBK >"$T/zh/team.csv"
printf '负责人,阶段,金额,创建日期,结束日期\n王伟,赢单,"￥12,000",2026年4月1日,2026年4月30日\n王伟,输单,5000,2026年4月2日,46157\n张  敏,赢单,8000,2026年3月1日,2026年6月30日 18:00\n王伟,赢单,100,2026年4月1日,2026年2月30日\n' |
    iconv -f UTF-8 -t GBK >"$T/zh/deals.csv"
cat >"$T/zh/review.ini" <<'INI'
[review]
from = 2026-04
to = 2026-06
history = 0
[kpi.revenue]
formula = sum(revenue)
[kpi.win_rate]
formula = sum(won) / (sum(won) + sum(lost))
[role.ae]
weight.revenue = 100
[role.manager]
weight.revenue = 100
[crm]
encoding = GBK
deals = deals.csv
owner = 负责人
stage = 阶段
amount = 金额
created = 创建日期
closed = 结束日期
date_format = YYYY年M月D日, excel
won = 赢单
lost = 输单
team_list = team.csv
name = 销售
manager = 经理
team = 区域
[derive.revenue]
deals = won
date = closed
value = sum(amount)
[derive.won]
deals = won
date = closed
value = count
[derive.lost]
deals = lost
date = closed
value = count
INI
kp compute -q -c "$T/zh/review.ini" -o "$T/zh/out"
t_rc "zh: compute exits 1 (one bad date)" 1
R=$T/zh/out/results.csv
t_grep "zh: 王伟 won ￥12,000" '^p-[0-9a-f]{8},王伟,华东,ae,revenue,12000,' "$R"
t_grep "zh: 王伟 won 1 of 2 (lost on Excel serial 46157 = 2026-05-15)" '^p-[0-9a-f]{8},王伟,华东,ae,win_rate,0.5,' "$R"
t_grep "zh: owner 张  敏 is 张 敏 (spaces do not matter)" '^p-[0-9a-f]{8},张 敏,华东,ae,revenue,8000,' "$R"
t_grep "zh: the manager 李娜 made from the 经理 column" '^p-[0-9a-f]{8},李娜,华东,manager,revenue,20000,' "$R"
t_grep "zh: 2026年2月30日 is rejected" \
    'deals.csv,5,"bad date ""2026年2月30日"" in column 结束日期 \(want YYYY年M月D日 or an Excel serial number\)"' "$T/zh/out/rejects.csv"

# ---- the sample is what generate.sh makes ----
mkdir -p "$T/gen"
sh "$S/generate.sh" "$T/gen"
t_same "crm: generate.sh makes deals.csv" "$S/deals.csv" "$T/gen/deals.csv"
t_same "crm: generate.sh makes team.csv" "$S/team.csv" "$T/gen/team.csv"

# ---- mistakes ----
sed 's/^date_format = M\/D\/YYYY.*/date_format = M\/D\/YYYY, D\/M\/YYYY/' "$S/review.ini" >"$T/ambig.ini"
kp check -c "$T/ambig.ini"
t_rc "ambiguous date formats: exit 2" 2
t_grep "ambiguous date formats: said why" \
    'ambig.ini:[0-9]+: error: \[crm\] date_format: M/D/YYYY and D/M/YYYY cannot both be accepted' "$T/out"
sed 's/^closed      = Close Date.*/closed = Closing Date/' "$S/review.ini" >"$T/nocol.ini"
kp check -c "$T/nocol.ini"
t_rc "a column the export lacks: exit 2" 2
t_grep "a column the export lacks: named" \
    'nocol.ini:[0-9]+: error: \[crm\] closed: .*deals.csv has no column "Closing Date" \(did you mean "Close Date"\?\)' \
    "$T/out"
kp check -c "$S/review.ini" --roster "$SRC/samples/acme/roster.csv"
t_rc "--roster with a team list: exit 2" 2
t_grep "--roster with a team list: said why" 'reads its people from the CRM team list' "$T/out"
t_done
