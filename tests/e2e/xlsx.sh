# results.xlsx (xlsxout.c), read back with Debian's python3-openpyxl: the
# sheets Scores, KPIs, Teams, Coaching, Rejects equal scores.csv,
# results.csv, teams.csv, coaching.csv, rejects.csv cell for cell (numbers
# within 1e-12 relative, text equal, n/a an empty cell); a name that looks
# like a formula is a string cell; every sheet's header row is frozen and
# filtered; KPI formats (percent, currency, days) and band colours; two runs
# give the same bytes; [output] xlsx = no writes none (and removes an earlier
# run's); a bad value is an error at file:line.
. "$TESTS_DIR/lib.sh"

PY=/usr/bin/python3
unset SOURCE_DATE_EPOCH
if ! $PY -c 'import openpyxl' 2>/dev/null; then
    echo "not ok 1 - python3-openpyxl is installed (scripts/deps.sh test)"
    exit 1
fi

# The acme sample with a formula-like name, a Chinese name, a currency KPI,
# a KPI nobody has data for (n/a) and a rejected metrics row.
mkdir -p "$T/in"
sed -e 's/^R0003,Janet Johnson,/R0003,"=HYPERLINK(""x"")",/' \
    -e 's/^R0004,Jason Thomas,/R0004,王小明,/' "$SRC/samples/acme/roster.csv" >"$T/in/roster.csv"
cp "$SRC/samples/acme/metrics.csv" "$T/in/metrics.csv"
printf '2026-05,R0004,not-a-number,,,,,,,,,,,,,\n' >>"$T/in/metrics.csv"
cat >"$T/in/review.ini" <<EOF
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = roster.csv
metrics = metrics.csv
[kpi.revenue]
formula = sum(revenue)
format  = currency
[kpi.nothing]
formula = sum(won) / sum(nps) * 0 / 0
format  = percent
EOF

kp compute -q -c "$T/in/review.ini" -o "$T/a"
t_eq "compute exits 1 (one rejected row)" 1 "$rc"
t_ok "results.xlsx is written" test -s "$T/a/results.xlsx"
t_ok "a zip whose entries all check" unzip -tq "$T/a/results.xlsx"

$PY - "$T/a" >"$T/py.out" 2>&1 <<'EOF'
import csv, math, sys
import openpyxl

d = sys.argv[1]
wb = openpyxl.load_workbook(d + "/results.xlsx")
bad = []

def csv_rows(name):
    with open(d + "/" + name, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))

def unguard(s):
    # the CSV's formula guard: ' before = + - @ tab CR
    return s[1:] if len(s) > 1 and s[0] == "'" and s[1] in "=+-@\t\r" else s

def same(where, want, got, numeric):
    if want == "":
        if got is not None:
            bad.append("%s: want an empty cell, got %r" % (where, got))
        return
    if numeric:
        w = float(want)
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            bad.append("%s: want the number %s, got %r" % (where, want, got))
        elif abs(got - w) > 1e-12 * max(abs(w), 1e-300) and not (w == 0 and got == 0):
            bad.append("%s: want %r, got %r" % (where, w, got))
    else:
        if got != unguard(want):
            bad.append("%s: want %r, got %r" % (where, unguard(want), got))

def isnum(header, col):
    return header[col] in ("composite", "rank_team", "team_size", "rank_org", "org_size",
                           "percentile", "payout", "value", "target", "ratio", "line")

def compare(sheet, name):
    rows = csv_rows(name)
    ws = wb[sheet]
    got = list(ws.iter_rows(values_only=True))
    if list(got[0]) != rows[0]:
        bad.append("%s header %r != %s's %r" % (sheet, got[0], name, rows[0]))
    n = len(rows) if len(rows) > 1 else 1
    if ws.max_row != n:
        bad.append("%s has %d rows, %s %d" % (sheet, ws.max_row, name, n))
    for r in range(1, len(rows)):
        for c, want in enumerate(rows[r]):
            same("%s!%s%d" % (sheet, openpyxl.utils.get_column_letter(c + 1), r + 1),
                 want, got[r][c], isnum(rows[0], c))
    return len(rows) - 1

counts = {}
for sheet, name in (("Scores", "scores.csv"), ("Teams", "teams.csv"),
                    ("Coaching", "coaching.csv"), ("Rejects", "rejects.csv")):
    counts[sheet] = compare(sheet, name)

# KPIs: one row per person, value and ratio per KPI, as results.csv has them.
res = csv_rows("results.csv")
ws = wb["KPIs"]
head = [c.value for c in ws[1]]
kpis = head[4::2]
if head[5::2] != [k + " ratio" for k in kpis]:
    bad.append("KPIs header %r" % head)
rowof = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
for rec in res[1:]:
    r = rowof.get(rec[0])
    c = 5 + 2 * kpis.index(rec[4])
    where = "KPIs!%s%d" % (openpyxl.utils.get_column_letter(c), r)
    same(where, rec[5], ws.cell(r, c).value, True)
    same(where + "+1", rec[7], ws.cell(r, c + 1).value, True)
    same(where + " name", rec[1], ws.cell(r, 2).value, False)
counts["KPIs"] = len(res) - 1

# A name like =HYPERLINK("x") is a string cell, not a formula.
for sheet in ("Scores", "KPIs"):
    cell = wb[sheet]["B3"]
    if not (cell.data_type == "s" and cell.value == '=HYPERLINK("x")'):
        bad.append("%s!B3 is %r of type %s" % (sheet, cell.value, cell.data_type))
if wb["Scores"]["B4"].value != "王小明":
    bad.append("Scores!B4 is %r" % wb["Scores"]["B4"].value)

# Frozen and filtered header rows.
for ws in wb:
    ref = "A1:%s%d" % (openpyxl.utils.get_column_letter(ws.max_column), max(ws.max_row, 2))
    if ws.freeze_panes != "A2" or ws.auto_filter.ref != ref:
        bad.append("%s: frozen at %s, filter %s (want A2, %s)" %
                   (ws.title, ws.freeze_panes, ws.auto_filter.ref, ref))

# Formats: percent KPI, currency KPI, days KPI, attainment, payout; band colour.
ws = wb["KPIs"]
fmt = {head[c]: ws.cell(2, c + 1).number_format for c in range(len(head))}
for k, want in (("attainment", "0.0%"), ("attainment ratio", "0.0%"),
                ("revenue", '"$"#,##0;-"$"#,##0'), ("cycle_days", '#,##0" d"'),
                ("csat", "0.00")):
    if fmt.get(k) != want:
        bad.append("KPIs %s format %r, want %r" % (k, fmt.get(k), want))
ws = wb["Scores"]
if ws["L2"].number_format != '"$"#,##0.00;-"$"#,##0.00':
    bad.append("payout format %r" % ws["L2"].number_format)
colour = {"a": "FF1A7F37", "b": "FF2F6FB0", "c": "FFB7791F", "d": "FFC0392B"}
for r in range(2, ws.max_row + 1):
    b = ws.cell(r, 6)
    if b.fill.fgColor.rgb != colour.get(b.value):
        bad.append("Scores!F%d band %s filled %s" % (r, b.value, b.fill.fgColor.rgb))
if wb["Coaching"].column_dimensions["D"].width < 40:
    bad.append("Coaching text column is narrow")

for b in bad[:20]:
    print("# " + b)
print("rows", counts["Scores"], counts["KPIs"], counts["Teams"], counts["Coaching"],
      counts["Rejects"], "mismatches", len(bad))
EOF
cat "$T/py.out" | sed 's/^/# /'
t_grep "every sheet equals its CSV table cell for cell" ' mismatches 0$' "$T/py.out"
t_grep "the tables are not empty (people, KPI rows, groups, coaching, one reject)" \
    '^rows [1-9][0-9]* [1-9][0-9]* [1-9][0-9]* [1-9][0-9]* 1 ' "$T/py.out"
t_grep "a KPI with no data is n/a: empty cells, never 0" '^R0002,.*,nothing,,' "$T/a/results.csv"

# ---- deterministic ----
sleep 1
kp compute -q -c "$T/in/review.ini" -o "$T/b"
t_ok "two runs: results.xlsx byte-identical" cmp "$T/a/results.xlsx" "$T/b/results.xlsx"
SOURCE_DATE_EPOCH=1782864000 "$KP" compute -q -c "$T/in/review.ini" -o "$T/c" >/dev/null 2>&1
t_ok "created is the document date (SOURCE_DATE_EPOCH)" \
    sh -c "unzip -p '$T/c/results.xlsx' docProps/core.xml | grep -q '<dcterms:created [^>]*>2026-07-01T00:00:00Z<'"
t_ok "... else the as-of date" \
    sh -c "unzip -p '$T/a/results.xlsx' docProps/core.xml | grep -q '<dcterms:created [^>]*>2026-06-30T00:00:00Z<'"
t_ok "zip entries carry a fixed date" sh -c "unzip -l '$T/a/results.xlsx' | awk 'NR > 3 && /:/ && \$2 != \"1980-01-01\" { exit 1 }'"
t_eq "no temporary file is left" "" "$(ls -A "$T/a" | grep -v '^[a-z]' | grep -v '^\.kpipress\.lock$\|^\.kpipress-documents\.json$' || true)"

# ---- [output] xlsx = no ----
printf '[output]\nxlsx = no\n' >>"$T/in/review.ini"
kp compute -q -c "$T/in/review.ini" -o "$T/a"
t_eq "xlsx = no: compute exits 1 as before" 1 "$rc"
t_fail "xlsx = no: no results.xlsx (the earlier run's is removed)" test -e "$T/a/results.xlsx"
t_ok "xlsx = no: the CSV tables are still written" test -s "$T/a/scores.csv"
sed -i 's/^xlsx = no$/xlsx = maybe/' "$T/in/review.ini"
line=$(grep -n '^xlsx = maybe' "$T/in/review.ini" | cut -d: -f1)
kp compute -q -c "$T/in/review.ini" -o "$T/d"
t_rc "xlsx = maybe: exit 2" 2
t_grep "xlsx = maybe: an error at file:line" "review.ini:$line:.*\"maybe\" is not one of: yes, no" "$T/out"
t_fail "xlsx = maybe: nothing written" test -e "$T/d/results.xlsx"

t_done
