# kpipress mail under faults, against the real loopback SMTP server
# (tests/smtp_server.py): a kill right after a "delivered" line is on disk
# (KPIPRESS_TEST_KILL=after-delivered, before ledger.pending is removed)
# does not make the next run send that message again; a server that stalls
# after the end of DATA past the timeout: that message is recorded unknown
# (not resent in the run) and the next message goes over a new connection
# (not "DATA failed: 250" on the old one).
. "$TESTS_DIR/lib.sh"

PY=/usr/bin/python3
SRV_PY=$SRC/tests/smtp_server.py
SRV=""
trap 'stop_server; chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT

if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
    echo "not ok 1 - python3-aiosmtpd is installed (scripts/deps.sh test)"
    exit 1
fi

start_server() { # NAME [server options]: serve into $T/srv/NAME
    name=$1
    shift
    rm -f "$T/port"
    $PY "$SRV_PY" serve "$T/srv/$name" "$T/port" "$@" >>"$T/server.log" 2>&1 &
    SRV=$!
    i=0
    while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    URL=smtp://127.0.0.1:$(cat "$T/port")
}
stop_server() {
    if [ -n "$SRV" ]; then kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; fi
    SRV=""
}
received() { find "$T/srv/$1" -name '*.eml' 2>/dev/null | wc -l | tr -d ' '; }
to_count() { # NAME ADDRESS: messages received with that To address
    $PY "$SRV_PY" inspect "$T/srv/$1" | awk -F'\t' -v a="$2" '$2 == a' | wc -l | tr -d ' '
}
statuses() { # OUT REP_ID: that person's ledger statuses, in order
    awk -F, -v id="$2" 'NR > 1 && $1 == id { print $4 }' "$1/mail/ledger.csv" | tr '\n' ' ' | sed 's/ $//'
}

mkdir -p "$T/in"
cp "$SRC/tests/data/small/metrics.csv" "$SRC/tests/data/small/roster.csv" "$T/in/"
cat >"$T/in/review.ini" <<EOT
[config]
include = $SRC/samples/acme/review.ini
[input]
roster  = roster.csv
metrics = metrics.csv
[review]
label   = 2026-Q2
history = 0
[mail]
from     = "Sales Ops <ops@example.com>"
smtp     = smtp://127.0.0.1:9
rate     = 0
retries  = 1
backoff  = 0.05
timeout  = 1
EOT
CFG=$T/in/review.ini
kp run -q -c "$CFG" -o "$T/base"
t_rc "run exits 0" 0

# ---- killed after the "delivered" line, before ledger.pending is removed ----
cp -r "$T/base" "$T/kill"
start_server kill
KPIPRESS_TEST_KILL=after-delivered kp mail -c "$CFG" -o "$T/kill" --send --smtp "$URL"
t_eq "the run is killed at the marker (SIGKILL)" 137 "$rc"
t_eq "one message went out before the kill" 1 "$(received kill)"
t_ok "the marker of the attempt is left behind" test -f "$T/kill/mail/ledger.pending"
first=$(awk -F, 'NR == 2 { print $1 }' "$T/kill/mail/ledger.csv")
t_eq "its delivered line is in the ledger" delivered "$(statuses "$T/kill" "$first")"
kp mail -c "$CFG" -o "$T/kill" --send --smtp "$URL"
t_rc "the next run exits 0" 0
t_grep "it finds the attempt's outcome in the ledger" "the last run stopped after recording its attempt for $first \\(delivered\\): nothing to recover" "$T/out"
t_nogrep "it does not record it as unknown" 'recorded as unknown|sending the identical message' "$T/out"
t_eq "the server received every message once: four in all" 4 "$(received kill)"
t_eq "the killed run's message exactly once" 1 "$(to_count kill mia@example.com)"
t_eq "the ledger: one delivered line for it, nothing else" delivered "$(statuses "$T/kill" "$first")"
t_ok "no marker is left" test ! -e "$T/kill/mail/ledger.pending"
kp mail -c "$CFG" -o "$T/kill" --send --smtp "$URL"
t_eq "a third run sends nothing" 4 "$(received kill)"
stop_server

# ---- killed before the outcome was written: still recorded as unknown ----
cp -r "$T/base" "$T/old"
printf 'kpipress-pending ledger-bytes=0\nM1,mia@example.com,%s,unknown,2026-07-01T00:00:00Z,interrupted\r\n' \
    "$(printf '%064d' 0)" >"$T/old/mail/ledger.pending"
kp mail -c "$CFG" -o "$T/old"
t_grep "a marker with no outcome after it is recorded as unknown" 'the last run stopped while sending \(M1\): recorded as unknown' "$T/out"
t_eq "the ledger holds it as unknown" unknown "$(statuses "$T/old" M1)"

# ---- the server stalls after the end of DATA: a new connection next ----
cp -r "$T/base" "$T/stall"
start_server stall --stall ann@example.com=8
kp mail -c "$CFG" -o "$T/stall" --send --smtp "$URL"
t_rc "a stalled reply: exit 1" 1
t_eq "the stalled message is recorded unknown, not resent in the run" unknown "$(statuses "$T/stall" R1)"
t_grep "its reply says no answer came" '^R1,.*,unknown,.*no reply after the whole message was sent' "$T/stall/mail/ledger.csv"
t_eq "the next message is delivered (a new connection)" delivered "$(statuses "$T/stall" R2)"
t_eq "and the one after" delivered "$(statuses "$T/stall" R3)"
t_nogrep "no late 250 is read as another command's reply" 'failed: 250' "$T/stall/mail/ledger.csv"
t_eq "the server has each message once" 4 "$(received stall)"
stop_server

t_done
