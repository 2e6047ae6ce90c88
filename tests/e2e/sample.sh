# kpipress sample: the files, determinism, option and I/O errors, and the
# committed samples (reproducible from the generator; the GBK copies hold the
# same text as the UTF-8 files).
. "$TESTS_DIR/lib.sh"

kp sample -o "$T/a/b"
t_rc "sample exits 0" 0
t_grep "sample says what it wrote" "note: wrote $T/a/b/roster.csv and $T/a/b/metrics.csv" "$T/out"
t_eq "roster header" "rep_id,name,email,team,role,manager_id,hire_date,locale" \
    "$(head -n 1 "$T/a/b/roster.csv")"
t_eq "metrics header" \
    "period,rep_id,revenue,quota,collected,new_customers,visits,opportunities,won,lost,renewals_due,renewals_won,csat,nps,forecast,cycle_days" \
    "$(head -n 1 "$T/a/b/metrics.csv")"
t_eq "30 people by default" 31 "$(wc -l <"$T/a/b/roster.csv" | tr -d ' ')"
t_eq "9 months by default, ending 2026-06" "2025-10 2026-06" \
    "$(tail -n +2 "$T/a/b/metrics.csv" | cut -d, -f1 | sort -u | sed -n '1p;$p' | tr '\n' ' ' | sed 's/ $//')"
t_eq "only the two files, no temporaries" "metrics.csv roster.csv" \
    "$(ls -A "$T/a/b" | tr '\n' ' ' | sed 's/ $//')"
t_nogrep "no CR in the canonical layout" "$(printf '\r')" "$T/a/b/metrics.csv"

"$KP" sample -q -o "$T/stdout" >"$T/stdout.txt" 2>"$T/stderr.txt"
t_eq "nothing on stdout, nothing on stderr with -q" "0 0" \
    "$(wc -c <"$T/stdout.txt" | tr -d ' ') $(wc -c <"$T/stderr.txt" | tr -d ' ')"

kp sample -q -o "$T/again"
t_same "same arguments, same roster" "$T/a/b/roster.csv" "$T/again/roster.csv"
t_same "same arguments, same metrics" "$T/a/b/metrics.csv" "$T/again/metrics.csv"
kp sample -q -o "$T/again" # over existing files
t_rc "writing over an earlier run exits 0" 0
t_same "and gives the same bytes" "$T/a/b/metrics.csv" "$T/again/metrics.csv"
mkdir -p "$T/sweep" && : >"$T/sweep/.metrics.csv.kp-tmp-999-0"
kp sample -q -o "$T/sweep"
t_eq "a killed run's temporary file is swept" "metrics.csv roster.csv" \
    "$(ls -A "$T/sweep" | tr '\n' ' ' | sed 's/ $//')"
kp sample -q -o "$T/seed2" --seed 2
t_fail "another seed, other data" cmp -s "$T/a/b/metrics.csv" "$T/seed2/metrics.csv"

kp sample -q -o "$T/big" --reps 2000 --months 24 --zh-share 1
t_rc "2000 people, 24 months: exit 0" 0
t_eq "2000 people" 2001 "$(wc -l <"$T/big/roster.csv" | tr -d ' ')"
t_eq "zh-share 1: every locale zh" "zh" "$(tail -n +2 "$T/big/roster.csv" | cut -d, -f8 | sort -u)"
t_grep "ids padded to four digits" '^R2000,' "$T/big/roster.csv"
t_eq "24 months from 2024-07" "2024-07" "$(sed -n 2p "$T/big/metrics.csv" | cut -d, -f1)"

kp sample -o "$T/x" --reps 0
t_rc "--reps 0: exit 2" 2
t_grep "--reps 0 explained" '--reps wants a whole number from 1 to 1000000, not "0"' "$T/out"
kp sample -o "$T/x" --zh-share 2
t_rc "--zh-share 2: exit 2" 2
t_grep "--zh-share 2 explained" '--zh-share wants a number from 0 to 1, not "2"' "$T/out"
kp sample -o "$T/x" --months 0
t_rc "--months 0: exit 2" 2
t_fail "nothing written on a usage error" test -e "$T/x"

kp sample -o /proc/nope
t_rc "unwritable -o: exit 3" 3
t_grep "the unwritable path is named" 'kpipress: /proc/nope: error: cannot create folder' "$T/out"
: >"$T/plainfile"
kp sample -o "$T/plainfile/sub"
t_rc "-o under a file: exit 3" 3
t_grep "the path under a file is named" "$T/plainfile/sub: error: " "$T/out"

# The committed samples.
S="$SRC/samples"
t_ok "regenerate.sh runs" sh "$S/regenerate.sh" "$KP" "$T/regen"
for f in acme/roster.csv acme/metrics.csv huadong/roster.csv huadong/metrics.csv \
    huadong/gbk/roster.csv huadong/gbk/metrics.csv; do
    t_same "samples/$f is what regenerate.sh makes" "$S/$f" "$T/regen/$f"
done
for f in roster metrics; do
    iconv -f GBK -t UTF-8 "$S/huadong/gbk/$f.csv" >"$T/gbk-$f.csv" 2>"$T/iconv.err"
    tail -c +4 "$S/huadong/$f.csv" >"$T/nobom-$f.csv"
    t_same "huadong/gbk/$f.csv is huadong/$f.csv in GBK" "$T/nobom-$f.csv" "$T/gbk-$f.csv"
    t_eq "huadong/$f.csv starts with a BOM" "efbbbf" "$(head -c 3 "$S/huadong/$f.csv" | od -An -tx1 | tr -d ' \n')"
    t_eq "huadong/$f.csv: every line ends in CRLF" 0 "$(grep -c -v "$(printf '\r')\$" "$S/huadong/$f.csv")"
done
t_grep "huadong roster: Chinese headers" '^.?.?.?工号,姓名,邮箱,团队,角色,上级工号,入职日期,语言' "$S/huadong/roster.csv"
t_grep "huadong roles in Chinese" ',大客户经理,R[0-9]+,' "$S/huadong/roster.csv"
t_grep "huadong money as Excel writes it" '"￥[0-9]{1,3}(,[0-9]{3})+\.00"' "$S/huadong/metrics.csv"
t_eq "acme: 34 people" 35 "$(wc -l <"$S/acme/roster.csv" | tr -d ' ')"
t_done
