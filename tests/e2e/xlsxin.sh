# .xlsx inputs (xlsxread.c): the acme, huadong and CRM samples saved as
# workbooks by a real writer (python3-openpyxl: numbers as numbers, dates as
# Excel dates with a date format, text as shared strings) give the same
# results.csv, scores.csv, teams.csv and rejects.csv (lines and
# reasons) as the CSV files; a bad cell is cited as roster.xlsx:Sheet1!G5; an
# Excel error cell (#N/A) and serial 60 (29 Feb 1900) are rejected with
# their cell; [input] sheet picks a sheet by name; a workbook is recognised
# by its first bytes whatever its name; a missing sheet, a file that is not
# a zip, a legacy .xls and a zip bomb are each one clear error (exit 2).
. "$TESTS_DIR/lib.sh"

PY=/usr/bin/python3
if ! $PY -c 'import openpyxl' 2>/dev/null; then
    echo "not ok 1 - python3-openpyxl is installed (scripts/deps.sh test)"
    exit 1
fi

# csv2xlsx IN.csv OUT.xlsx [SHEET [OTHER-SHEET-FIRST]]: a CSV file as a
# workbook the way a user's Excel would hold it.
cat >"$T/csv2xlsx.py" <<'EOF'
import csv, datetime, re, sys
import openpyxl
src, dst = sys.argv[1], sys.argv[2]
def valid(y, m, d):             # 2/30/2026 stays text, as Excel keeps it
    try:
        return datetime.date(y, m, d) and True
    except ValueError:
        return False
wb = openpyxl.Workbook()
ws = wb.active
if len(sys.argv) > 4:          # another sheet first: the data is not the first sheet
    ws.title = sys.argv[4]
    ws["A1"] = "notes"
    ws = wb.create_sheet()
ws.title = sys.argv[3] if len(sys.argv) > 3 else "Sheet1"  # Excel's name
with open(src, newline="", encoding="utf-8-sig") as f:
    for r, row in enumerate(csv.reader(f), 1):
        for c, v in enumerate(row, 1):
            if v == "":
                continue
            cell = ws.cell(row=r, column=c)
            iso = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", v)
            mdy = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", v)
            num = re.fullmatch(r"[￥$]?(-?[0-9,]*\.?[0-9]+)", v)
            if r == 1:
                cell.value = v
            elif v == "#N/A":
                cell.value = v                      # openpyxl: an error cell
            elif v == "SERIAL60":
                cell.value = 60                     # Excel's 29 Feb 1900
                cell.number_format = "yyyy-mm-dd"
            elif iso:
                cell.value = datetime.datetime(int(iso[1]), int(iso[2]), int(iso[3] or 1))
                cell.number_format = "yyyy-mm-dd" if iso[3] else "yyyy-mm"
            elif mdy and valid(int(mdy[3]), int(mdy[1]), int(mdy[2])):
                cell.value = datetime.datetime(int(mdy[3]), int(mdy[1]), int(mdy[2]))
                cell.number_format = "m/d/yyyy"
            elif num and not re.fullmatch(r"0\d+", num[1]):
                t = num[1].replace(",", "")
                cell.value = float(t) if "." in t else int(t)
                if v[0] in "￥$":
                    cell.number_format = '"$"#,##0.00'
            else:
                cell.value = v
wb.save(dst)
EOF
xl() { $PY "$T/csv2xlsx.py" "$@"; }

# rejects.csv's line and reason columns: the file names differ (also where a
# reason names the roster), and the raw column is the cells as the workbook
# holds them (4.0 is stored as the number 4).
norej() {
    $PY -c 'import csv, sys
for r in csv.reader(open(sys.argv[1], newline="", encoding="utf-8")):
    print(r[1], r[2].replace(".xlsx", ".csv"), sep="|")' "$1"
}

same_tables() { # WHAT CSV-OUT XLSX-OUT [lines]
    for f in results.csv scores.csv teams.csv; do
        t_same "$1: $f is the same" "$2/$f" "$3/$f"
    done
    if [ "${4:-}" = lines ]; then # reasons quote the cells as the workbook holds them
        norej "$2/rejects.csv" | cut -d'|' -f1 >"$T/rej.csv"
        norej "$3/rejects.csv" | cut -d'|' -f1 >"$T/rej.xlsx"
        t_same "$1: rejects.csv lists the same rows" "$T/rej.csv" "$T/rej.xlsx"
        return
    fi
    norej "$2/rejects.csv" >"$T/rej.csv"
    norej "$3/rejects.csv" >"$T/rej.xlsx"
    t_same "$1: rejects.csv has the same lines and reasons" "$T/rej.csv" "$T/rej.xlsx"
}

# ---- acme with a bad hire_date (G5) and a bad number, as CSV and as .xlsx
mkdir -p "$T/acme"
awk -F, 'NR == 5 { OFS = ","; $7 = "soon" } { print }' "$SRC/samples/acme/roster.csv" \
    >"$T/acme/roster.csv"
awk -F, 'BEGIN { OFS = "," } /^2026-05,R0006,/ { $3 = "lots" } { print }' \
    "$SRC/samples/acme/metrics.csv" >"$T/acme/metrics.csv"
xl "$T/acme/roster.csv" "$T/acme/roster.xlsx"
xl "$T/acme/metrics.csv" "$T/acme/metrics.xlsx"
for kind in csv xlsx; do
    cat >"$T/acme/$kind.ini" <<EOF
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = roster.$kind
metrics = metrics.$kind
EOF
    kp compute -c "$T/acme/$kind.ini" -o "$T/acme/out-$kind"
    t_rc "acme $kind: compute exits 1 (rejected rows)" 1
    cp "$T/out" "$T/acme/stderr-$kind"
done
same_tables acme "$T/acme/out-csv" "$T/acme/out-xlsx"
t_grep "the bad hire_date is cited by its cell" \
    'roster\.xlsx:Sheet1!G5: error: bad hire_date "soon"' "$T/acme/stderr-xlsx"
t_grep "the bad number is cited by its cell" \
    'metrics\.xlsx:Sheet1!C232: error: bad number "lots" in column revenue' "$T/acme/stderr-xlsx"
t_grep "the CSV run still cites file:line" 'roster\.csv:5: error: bad hire_date "soon"' \
    "$T/acme/stderr-csv"
t_grep "the roster's rows are all accounted for" 'roster\.xlsx: note: 34 rows: 33 used' \
    "$T/acme/stderr-xlsx"
# A workbook's date cells are dates, whatever [input] date_format says for
# dates typed as text.
cat >"$T/acme/mdy.ini" <<EOF
[config]
include = $T/acme/xlsx.ini
[input]
date_format = M/D/YYYY
EOF
kp compute -c "$T/acme/mdy.ini" -o "$T/acme/out-mdy"
t_rc "acme xlsx, date_format = M/D/YYYY: compute exits 1 (the same rejected rows)" 1
t_same "acme xlsx, date_format = M/D/YYYY: scores.csv as with ISO" "$T/acme/out-xlsx/scores.csv" \
    "$T/acme/out-mdy/scores.csv"

# ---- huadong: Chinese headers and text, money as numbers
mkdir -p "$T/hd"
xl "$SRC/samples/huadong/roster.csv" "$T/hd/roster.xlsx"
xl "$SRC/samples/huadong/metrics.csv" "$T/hd/metrics.xlsx"
cat >"$T/hd/review.ini" <<EOF
[config]
include = $SRC/samples/huadong/review.ini
[input]
roster  = $T/hd/roster.xlsx
metrics = $T/hd/metrics.xlsx
EOF
kp compute -q -c "$SRC/samples/huadong/review.ini" -o "$T/hd/out-csv"
t_rc "huadong csv: compute exits 0" 0
kp compute -q -c "$T/hd/review.ini" -o "$T/hd/out-xlsx"
t_rc "huadong xlsx: compute exits 0" 0
same_tables huadong "$T/hd/out-csv" "$T/hd/out-xlsx"

# ---- the CRM sample: deals, team list and targets as workbooks (M/D/YYYY dates
# become real dates; "$118,000" a number)
mkdir -p "$T/crm"
for f in deals team targets; do
    xl "$SRC/samples/crm/$f.csv" "$T/crm/$f.xlsx"
done
cat >"$T/crm/review.ini" <<EOF
[config]
include = $SRC/samples/crm/review.ini
[crm]
deals     = $T/crm/deals.xlsx
team_list = $T/crm/team.xlsx
targets   = $T/crm/targets.xlsx
EOF
kp compute -q -c "$SRC/samples/crm/review.ini" -o "$T/crm/out-csv"
crc=$rc
kp compute -c "$T/crm/review.ini" -o "$T/crm/out-xlsx"
t_eq "crm: the .xlsx run exits as the CSV run" "$crc" "$rc"
same_tables crm "$T/crm/out-csv" "$T/crm/out-xlsx" lines
t_grep "crm: a date cell is read whatever date_format says" \
    'deals\.xlsx:Sheet1!I4330: error: close date "2026-03-02" is before the engaged date' "$T/out"
t_grep "crm: a text date is still read by date_format" \
    'deals\.xlsx:Sheet1!H4328: error: bad date "2/30/2026" in column Created Date \(want M/D/YYYY\)' "$T/out"

# ---- error cells, serial 60, a sheet chosen by name (for every input), a
# workbook by its bytes
mkdir -p "$T/cells"
awk -F, 'BEGIN { OFS = "," } NR == 4 { $7 = "SERIAL60" } NR == 6 { $4 = "#N/A" } { print }' \
    "$SRC/samples/acme/roster.csv" >"$T/cells/roster.csv"
xl "$T/cells/roster.csv" "$T/cells/roster.xlsx" 名单 说明
xl "$T/acme/metrics.csv" "$T/cells/metrics.dat" 名单 # a workbook whatever its name
cat >"$T/cells/review.ini" <<EOF
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = roster.xlsx
metrics = metrics.dat
sheet   = 名单
EOF
kp compute -c "$T/cells/review.ini" -o "$T/cells/out"
t_rc "sheet 名单: compute exits 1 (rejected rows)" 1
t_grep "serial 60 is cited by its cell" \
    "roster\.xlsx:名单!G4: error: .*29 Feb 1900" "$T/out"
t_grep "an #N/A cell is cited by its cell" \
    "roster\.xlsx:名单!D6: error: the cell holds the Excel error #N/A" "$T/out"
t_grep "a workbook named metrics.dat is read as one" 'metrics\.dat:名单!B4: error: unknown rep_id "R0003"' \
    "$T/out"
t_grep "the other rows are used" 'roster\.xlsx: note: 34 rows: 32 used' "$T/out"

# a sheet that is not there
sed 's/^sheet .*/sheet = Missing/' "$T/cells/review.ini" >"$T/cells/missing.ini"
kp compute -c "$T/cells/missing.ini" -o "$T/cells/out2"
t_rc "a missing sheet: exit 2" 2
t_grep "a missing sheet is named, with the sheets there are" \
    'roster\.xlsx: error: no sheet named "Missing" \(\[input\] sheet; the sheets: "说明", "名单"\)' "$T/out"

# a sheet name with a space and a quote is cited as Excel writes it
xl "$T/acme/roster.csv" "$T/cells/quoted.xlsx" "Q2 bob's"
xl "$T/acme/metrics.csv" "$T/cells/quoted-m.xlsx" "Q2 bob's"
cat >"$T/cells/quoted.ini" <<EOF
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = quoted.xlsx
metrics = quoted-m.xlsx
sheet   = Q2 bob's
EOF
kp compute -c "$T/cells/quoted.ini" -o "$T/cells/out3"
t_rc "sheet Q2 bob's: compute exits 1 (rejected rows)" 1
t_grep "a sheet name with a space is quoted in the cell reference" \
    "quoted\.xlsx:'Q2 bob''s'!G5: error: bad hire_date \"soon\"" "$T/out"

# ---- files that are not workbooks, and a zip bomb
mkdir -p "$T/bad"
cp "$T/acme/metrics.xlsx" "$T/bad/metrics.xlsx"
bad_roster() { # WHAT PATTERN
    cat >"$T/bad/review.ini" <<EOF
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = $rosterfile
metrics = metrics.xlsx
EOF
    kp compute -c "$T/bad/review.ini" -o "$T/bad/out"
    t_rc "$1: exit 2" 2
    t_grep "$1: one clear error" "$2" "$T/out"
}
printf 'rep_id,name\nR1,A\n' >"$T/bad/roster.xlsx"
rosterfile=roster.xlsx
bad_roster "a CSV named .xlsx" 'roster\.xlsx: error: not an \.xlsx workbook \(not a zip archive\)'
printf '\320\317\021\340\241\261\032\341rest of an OLE file' >"$T/bad/old.xls"
rosterfile=old.xls
bad_roster "a legacy .xls" 'old\.xls: error: a legacy Excel \.xls workbook: save it as \.xlsx or CSV'
$PY - "$T/bad/bomb.xlsx" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
        f.write(b"<worksheet><sheetData>")
        block = b" " * (1 << 20)
        for _ in range(300):
            f.write(block)
        f.write(b"</sheetData></worksheet>")
EOF
rosterfile=bomb.xlsx
bad_roster "a zip bomb" 'bomb\.xlsx: error: xl/worksheets/sheet1\.xml is [0-9]+ bytes once uncompressed \(over the limit of 256 MiB\): refused'
t_ok "the bomb is small" test "$(wc -c <"$T/bad/bomb.xlsx")" -lt 2000000

t_done
