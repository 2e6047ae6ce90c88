# The org packet ([output] org_packet = yes): the company's cover and summary,
# then every team's packet, bookmarked by team and, under each, by member;
# in the manifest, archived as
# +org.pdf and verified.
. "$TESTS_DIR/lib.sh"

cat >"$T/r.ini" <<EOF2
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = $SRC/samples/acme/roster.csv
metrics = $SRC/samples/acme/metrics.csv
[output]
org_packet = yes
EOF2
kp run -q -c "$T/r.ini" -o "$T/o"
t_rc "run with an org packet: exit 0" 0
t_ok "org.pdf written" test -s "$T/o/org.pdf"
t_pdf "$T/o/org.pdf"
pages() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ { print $2 }'; }
sum=0
for p in "$T"/o/packets/*.pdf; do sum=$((sum + $(pages "$p"))); done
t_eq "its pages: a cover and a summary, then every team packet" "$((sum + 2))" "$(pages "$T/o/org.pdf")"
qpdf --json "$T/o/org.pdf" 2>/dev/null | jq -r '.outlines[0].title, (.outlines[0].kids[].title)' >"$T/outline"
t_eq "the outline: the company, its summary, then each team" \
    "Acme Corp|Company summary|East|Key Accounts|Sales Leadership|West" "$(tr '\n' '|' <"$T/outline" | sed 's/|$//')"
# Each team's bookmark (closed) opens onto the team packet's own bookmarks,
# each to the same page as in the team packet, moved by where it starts.
qpdf --json "$T/o/org.pdf" 2>/dev/null |
    jq -r '.outlines[0].kids[] | select(.title == "East") | .destpageposfrom1 as $at |
           (.open | tostring), (.kids[] | "\(.title) \(.destpageposfrom1 - $at + 1)")' >"$T/east.org"
qpdf --json "$T/o/packets/East.pdf" 2>/dev/null |
    jq -r '"false", (.outlines[0].kids[] | "\(.title) \(.destpageposfrom1)")' >"$T/east.team"
t_same "a team's bookmark nests its summary and members, to their pages" "$T/east.team" "$T/east.org"
t_eq "East's bookmark: closed, then its summary and 11 members" "false|Team summary 2" \
    "$(head -n 2 "$T/east.org" | tr '\n' '|' | sed 's/|$//')"
t_eq "East's bookmark: 11 members" 11 "$(tail -n +3 "$T/east.org" | wc -l | tr -d ' ')"
pdftotext -f 2 -l 2 "$T/o/org.pdf" "$T/summary.txt" 2>/dev/null
t_grep "the summary ranks the teams" 'Teams by composite score' "$T/summary.txt"
t_grep "org.pdf is in SHA256SUMS" '  org\.pdf$' "$T/o/SHA256SUMS"
t_grep "and in manifest.json" '"path":"org\.pdf","kind":"packet","id":"\*"' "$T/o/manifest.json"
(cd "$T/o" && sha256sum -c --quiet SHA256SUMS) >"$T/sums" 2>&1
t_eq "sha256sum -c passes" "" "$(cat "$T/sums")"
kp archive -o "$T/o" --to "$T/arch"
t_rc "archive with the org packet: exit 0" 0
t_ok "archived as +org.pdf" test -s "$T/arch/2026-Q2/+org.pdf"
kp verify "$T/arch"
t_rc "verify: intact" 0
# Not in a sharded render (it needs every team's packet).
kp compute -q -c "$T/r.ini" -o "$T/sh"
kp render -q -c "$T/r.ini" -o "$T/sh" --shard 1/2
t_fail "no org packet from one shard" test -e "$T/sh/org.pdf"
t_done
