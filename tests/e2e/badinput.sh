# Bad input, one class at a time: each gets a message with file and line, a
# row in rejects.csv, and the others' reviews are still produced (exit 1);
# unusable files and configs stop before anything is written (exit 2).
. "$TESTS_DIR/lib.sh"

D=$T/data
cp -R "$SRC/tests/data/small" "$D"
cp -R "$SRC/samples" "$T/samples" # the config includes ../../../samples/acme
mkdir -p "$T/tests/data" && mv "$D" "$T/tests/data/small" && D=$T/tests/data/small
cd "$D" || exit 1

kp run -q -c review.ini -o clean
t_rc "clean data: exit 0" 0
t_eq "clean data: rejects.csv has only its header" 1 "$(wc -l <clean/rejects.csv)"

# ---- metrics rows ----
# The row is appended as line 11, or (with a line number) replaces that line.
bad_metrics() { # what, row, reason (as in rejects.csv, CSV-quoted), message [line]
    line=${5:-11}
    if [ "$line" = 11 ]; then
        cp metrics.csv m.csv && printf '%s\n' "$2" >>m.csv
    else
        awk -v n="$line" -v row="$2" 'NR == n { print row; next } { print }' metrics.csv >m.csv
    fi
    kp run -q -c review.ini --metrics m.csv -o "out-$1"
    t_rc "$1: exit 1" 1
    t_grep "$1: message with file and line" "^kpipress: m.csv:$line: error: $4\$" "$T/out"
    t_grep "$1: rejects.csv row" "^m.csv,$line,$3," "out-$1/rejects.csv"
    t_eq "$1: every review still produced" 4 "$(find "out-$1/reviews" -name '*.pdf' | wc -l)"
}
bad_metrics unknown_rep '2026-05,R999,1,1,1,1,1,1,1,1,,,,,1,1' \
    '"unknown rep_id ""R999"" \(not in roster.csv\)"' 'unknown rep_id "R999" \(not in roster.csv\)'
bad_metrics duplicate '2026-05,R1,5,5,5,5,5,5,5,5,,,,,5,5' \
    'duplicate row for R1 in 2026-05 \(first at line 3\)' \
    'duplicate row for R1 in 2026-05 \(first at line 3\)'
bad_metrics bad_number '2026-06,R2,"12,3x",1,1,1,1,1,1,1,,,,,1,1' \
    '"bad number ""12,3x"" in column revenue"' 'bad number "12,3x" in column revenue' 7
bad_metrics bad_period '2026-13,R2,1,1,1,1,1,1,1,1,,,,,1,1' \
    '"bad period ""2026-13"" \(want YYYY-MM or a day of the month \(YYYY-MM-DD\)\)"' \
    'bad period "2026-13" \(want YYYY-MM or a day of the month \(YYYY-MM-DD\)\)'
bad_metrics short_period '2026-1,R2,1,1,1,1,1,1,1,1,,,,,1,1' \
    '"bad period ""2026-1"" \(want YYYY-MM or a day of the month \(YYYY-MM-DD\)\)"' \
    'bad period "2026-1" \(want YYYY-MM or a day of the month \(YYYY-MM-DD\)\)'
bad_metrics column_count '2026-06,R3,1,1,1' \
    '"wrong number of fields: 5, expected 16"' 'wrong number of fields: 5, expected 16'

# A row outside the months used is listed but is not an error.
cp metrics.csv m.csv
printf '2025-01,R1,1,1,1,1,1,1,1,1,,,,,1,1\n' >>m.csv
kp run -q -c review.ini --metrics m.csv -o out-old
t_rc "a row before the months used: exit 0" 0
t_grep "a row before the months used: listed in rejects.csv" \
    '^m.csv,11,period 2025-01 is outside the months used' out-old/rejects.csv

# Missing is not zero: empty revenue cells leave attainment n/a, not 0.
# (CSV outputs end lines with CRLF, as RFC 4180 says: no $ anchors below.)
awk -F, 'BEGIN { OFS = "," } $2 == "R2" { $3 = "" } { print }' metrics.csv >m.csv
kp compute -q -c review.ini --metrics m.csv -o out-missing
t_grep "missing revenue: attainment is n/a" '^R2,Bo Baker,North,ae,attainment,,1,,,35,na' \
    out-missing/results.csv

# ---- roster problems ----
cp roster.csv r.csv
printf 'R1,Dup Person,d@example.com,North,ae,M1,2021-03-01,en\n' >>r.csv
printf 'R5,Eve Error,e@example.com,North,astronaut,M1,2021-03-01,en\n' >>r.csv
printf 'R6,Fay Far,f@example.com,South,ae,GHOST,2021-03-01,en\n' >>r.csv
printf 'C1,Cy Cle,c1@example.com,South,ae,C2,2021-03-01,en\n' >>r.csv
printf 'C2,Cy Clone,c2@example.com,South,ae,C1,2021-03-01,en\n' >>r.csv
kp run -q -c review.ini --roster r.csv -o out-roster
t_rc "roster problems: exit 1" 1
t_grep "duplicate rep_id: message" '^kpipress: r.csv:6: error: duplicate rep_id "R1" \(first at line 3\)$' "$T/out"
t_grep "duplicate rep_id: rejects row" '^r.csv,6,"duplicate rep_id ""R1"" \(first at line 3\)",' out-roster/rejects.csv
t_grep "unknown role: message" '^kpipress: r.csv:7: error: unknown role "astronaut" \(known roles: ae \(aliases AE, 直销代表\), kam \(aliases KAM, 大客户经理\), channel \(aliases 渠道经理\), support \(aliases 销售支持\), manager \(aliases 销售经理\)\)$' "$T/out"
t_grep "unknown role: rejects row" '^r.csv,7,"unknown role ""astronaut""' out-roster/rejects.csv
t_grep "unknown manager: message" '^kpipress: r.csv:8: error: unknown manager_id "GHOST" for R6 \(not in r.csv\); kept without a manager$' "$T/out"
t_grep "manager cycle: message" '^kpipress: r.csv:9: error: manager cycle C1 -> C2 -> C1: their manager links were removed$' "$T/out"
t_ok "people in a cycle still get their review" test -f out-roster/reviews/South/C1.pdf
t_ok "a person with an unknown manager still gets a review" test -f out-roster/reviews/South/R6.pdf

# ---- files and configs that cannot be used: exit 2, nothing written ----
kp run -q -c review.ini --roster nope.csv -o out-nofile
t_rc "missing roster: exit 2" 2
t_eq "missing roster: one line naming the file and the reason" \
    "kpipress: nope.csv: error: cannot read: No such file or directory" "$(cat "$T/out")"
t_fail "missing roster: nothing written" test -e out-nofile
kp run -q -c review.ini --metrics . -o out-dir
t_rc "a folder as metrics: exit 2" 2
t_grep "a folder as metrics: named" '^kpipress: \.: error: cannot read: Is a directory$' "$T/out"
kp run -q -c nope.ini
t_rc "missing config: exit 2" 2
t_grep "missing config: named" '^kpipress: nope.ini: error: cannot read: No such file or directory$' "$T/out"
printf '[review]\nfrom = 2026-04\nto = 2026-06\n[bogus]\n' >bad.ini
kp run -q -c bad.ini -o out-badcfg
t_rc "bad config: exit 2" 2
t_grep "bad config: file and line" '^kpipress: bad.ini:4:1: error: unknown section \[bogus\]$' "$T/out"
t_fail "bad config: nothing written" test -e out-badcfg
kp run -q -c review.ini --from 2026-13 -o out-badfrom
t_rc "bad --from: exit 2" 2
t_grep "bad --from: explained" 'from "2026-13" is not a month: write YYYY-MM' "$T/out"
kp run -q -c review.ini --only NOBODY -o out-only
t_rc "--only an unknown person: exit 2" 2
t_grep "--only an unknown person: named" 'only NOBODY: no such rep_id in the roster' "$T/out"
t_done
