# Dates and numbers as people write them (docs/config.md, "Dates"; docs/charts.md,
# "Large amounts"): [input] date_format reads the roster's dates and the
# metrics' periods in the formats a spreadsheet exports (the same tables as
# the ISO files), a bad cell is a rejected row naming the formats wanted, a
# wrong date_format is an error at the config's line; a Chinese review's
# revenue axis reads 万 where the English one reads k.
. "$TESTS_DIR/lib.sh"

G="$SRC/tests/golden/employment"
iso="$T/iso"
mkdir -p "$iso"
cp "$G/review.ini" "$G/roster.csv" "$G/metrics.csv" "$iso/"
kp run -q -c "$iso/review.ini" -o "$iso/out" --no-charts
t_rc "ISO files: exit 0" 0

# The same data as an M/D/YYYY spreadsheet: dates 5/4/2026, periods 4/2026
# or a day of the month (the first, the last), one period as an Excel serial.
us="$T/us"
mkdir -p "$us"
awk -F, -v OFS=, 'NR > 1 { for (i = 7; i <= 9; i += 2) if ($i ~ /-/) {
        split($i, a, "-"); $i = (a[2] + 0) "/" (a[3] + 0) "/" a[1] } } { print }' \
    "$G/roster.csv" >"$us/roster.csv"
awk -F, -v OFS=, 'NR > 1 { split($1, a, "-"); m = a[2] + 0
        if (NR % 4 == 0) $1 = m "/1/" a[1]
        else if (NR % 4 == 1) $1 = m "/" (m == 4 || m == 6 ? 30 : 31) "/" a[1]
        else if ($1 == "2026-05") $1 = 46143 # 2026-05-01
        else $1 = m "/" a[1] } { print }' "$G/metrics.csv" >"$us/metrics.csv"
{ printf '[input]\ndate_format = M/D/YYYY, excel\n'; cat "$G/review.ini"; } >"$us/review.ini"
t_grep "the roster is written M/D/YYYY" '^J1,Joe Joiner,,West,ae,M1,5/4/2026,,$' "$us/roster.csv"
t_grep "so is the leaver's end date" ',5/20/2026$' "$us/roster.csv"
t_grep "periods as M/YYYY" '^4/2026,' "$us/metrics.csv"
t_grep "periods as the first of the month" '^[456]/1/2026,' "$us/metrics.csv"
t_grep "periods as the last of the month" '^[456]/3[01]/2026,' "$us/metrics.csv"
t_grep "a period as an Excel serial" '^46143,' "$us/metrics.csv"
kp run -q -c "$us/review.ini" -o "$us/out" --no-charts
t_rc "M/D/YYYY files: exit 0" 0
for f in results.csv scores.csv teams.csv coaching.csv; do
    t_same "M/D/YYYY files: $f as with ISO" "$iso/out/$f" "$us/out/$f"
done
t_eq "M/D/YYYY files: the same rejects' reasons" \
    "$(cut -d, -f3 "$iso/out/rejects.csv")" "$(cut -d, -f3 "$us/out/rejects.csv")"
t_grep "the hire date is stored as YYYY-MM-DD" \
    'period 2026-04 is before the hire_date of J1 \(2026-05-04\)' "$us/out/rejects.csv"

# Chinese dates: 2026年5月4日 and 2026年5月.
cn="$T/cn"
mkdir -p "$cn"
awk -F, -v OFS=, 'NR > 1 { for (i = 7; i <= 9; i += 2) if ($i ~ /-/) {
        split($i, a, "-"); $i = a[1] "年" (a[2] + 0) "月" (a[3] + 0) "日" } } { print }' \
    "$G/roster.csv" >"$cn/roster.csv"
awk -F, -v OFS=, 'NR > 1 { split($1, a, "-"); $1 = a[1] "年" (a[2] + 0) "月" } { print }' \
    "$G/metrics.csv" >"$cn/metrics.csv"
{ printf '[input]\ndate_format = YYYY年M月D日\n'; cat "$G/review.ini"; } >"$cn/review.ini"
t_grep "the roster is written 2026年5月4日" ',2026年5月4日,' "$cn/roster.csv"
kp run -q -c "$cn/review.ini" -o "$cn/out" --no-charts
t_rc "YYYY年M月D日 files: exit 0" 0
for f in results.csv scores.csv teams.csv; do
    t_same "YYYY年M月D日 files: $f as with ISO" "$iso/out/$f" "$cn/out/$f"
done

# A cell in no format listed: the row is rejected, naming the formats wanted.
sed 's/^J1,\(.*\),5\/4\/2026,/J1,\1,2026-05-04,/' "$us/roster.csv" >"$us/r2.csv"
sed 's/^4\/2026,A1,/2026-4-1x,A1,/' "$us/metrics.csv" >"$us/m2.csv"
kp run -q -c "$us/review.ini" --roster "$us/r2.csv" --metrics "$us/m2.csv" -o "$us/out2" --no-charts
t_rc "a bad date: exit 1" 1
t_grep "a bad hire_date names the formats wanted" \
    'r2.csv:4: error: bad hire_date "2026-05-04" \(want M/D/YYYY or an Excel serial number\)' "$T/out"
t_grep "a bad period names the month forms wanted" \
    'm2.csv:2: error: bad period "2026-4-1x" \(want YYYY-MM, M/YYYY or a day of the month \(M/D/YYYY or an Excel serial number\)\)' \
    "$T/out"
t_grep "both are in rejects.csv" 'r2.csv,4,"bad hire_date ""2026-05-04"" \(want M/D/YYYY' "$us/out2/rejects.csv"

# A date_format that would guess, or that does not exist: the config's line.
sed 's/^date_format = .*/date_format = M\/D\/YYYY, D\/M\/YYYY/' "$us/review.ini" >"$us/ambig.ini"
kp check -c "$us/ambig.ini"
t_rc "M/D/YYYY with D/M/YYYY: exit 2" 2
t_grep "M/D/YYYY with D/M/YYYY: error at the config's line" \
    'ambig.ini:2: error: \[input\] date_format: M/D/YYYY and D/M/YYYY cannot both be accepted' "$T/out"
sed 's/^date_format = .*/date_format = MM-YYYY/' "$us/review.ini" >"$us/bad.ini"
kp check -c "$us/bad.ini"
t_rc "an unknown date format: exit 2" 2
t_grep "an unknown date format: its names listed" \
    'bad.ini:2: error: \[input\] date_format: "MM-YYYY" is not a date format: write ISO, M/D/YYYY, D/M/YYYY, YYYY年M月D日 or excel' \
    "$T/out"

# Large amounts on the revenue axis: 万 in a Chinese review, k in an English
# one, in the same packet of the huadong sample (R0004 writes Chinese, R0003
# English); the tick at 0 has no unit; chart.h's machine mark never shows.
cp -R "$SRC/samples/huadong" "$T/hd"
kp run -q -c "$T/hd/review.ini" -o "$T/hd/out" --only R0003 --only R0004
t_rc "huadong, two reviews: exit 0" 0
zh_pdf=$(find "$T/hd/out/reviews" -name R0004.pdf)
en_pdf=$(find "$T/hd/out/reviews" -name R0003.pdf)
t_pdf "$zh_pdf"
t_pdf "$en_pdf"
pdftotext -layout -f 1 -l 1 "$zh_pdf" "$T/zh.txt" 2>/dev/null
pdftotext -layout -f 1 -l 1 "$en_pdf" "$T/en.txt" 2>/dev/null
t_grep "the Chinese review is Chinese" '月度销售额与指标' "$T/zh.txt"
t_grep "Chinese axis: 14万 at the top" '^ *14万 ' "$T/zh.txt"
t_grep "Chinese axis: 2万 at the bottom" '^ *2万 ' "$T/zh.txt"
t_nogrep "Chinese axis: no k" '[0-9]k ' "$T/zh.txt"
t_nogrep "Chinese axis: no 0万" '(^|[^0-9])0万' "$T/zh.txt"
t_grep "English axis: 120k" '^ *120k ' "$T/en.txt"
t_nogrep "English axis: no 万" '万' "$T/en.txt"
t_nogrep "English axis: no 0k" '(^|[^0-9.])0k' "$T/en.txt"
cat "$T/zh.txt" "$T/en.txt" >"$T/both.txt"
t_nogrep "no machine mark in either" '[0-9]#' "$T/both.txt"

t_done
