# kpipress mail against a real SMTP server on loopback (tests/smtp_server.py,
# Debian's python3-aiosmtpd, on a free port): every message arrives once and
# carries exactly its person's review; a Chinese subject and file name decode
# right; with the server down every message is recorded as not delivered and
# the exit status is 1, started again the same command delivers them all, a
# third run sends nothing; 451 is retried, 550 is not; a message whose end
# got no reply is held, not sent twice; AUTH; the per-person PDF password
# opens the attachment (qpdf) and nothing else does; reviews stay plain.
. "$TESTS_DIR/lib.sh"

PY=/usr/bin/python3
SRV_PY=$SRC/tests/smtp_server.py
SRV=""
trap 'stop_server; chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT

if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
    echo "not ok 1 - python3-aiosmtpd is installed (scripts/deps.sh test)"
    exit 1
fi

start_server() { # NAME [server options]: serve into $T/srv/NAME; PORT reused when set
    name=$1
    shift
    rm -f "$T/port"
    $PY "$SRV_PY" serve "$T/srv/$name" "$T/port" --port "${PORT:-0}" "$@" >>"$T/server.log" 2>&1 &
    SRV=$!
    i=0
    while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    PORT=$(cat "$T/port")
    URL=smtp://127.0.0.1:$PORT
}
stop_server() {
    if [ -n "$SRV" ]; then kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; fi
    SRV=""
}
received() { find "$T/srv/$1" -name '*.eml' 2>/dev/null | wc -l | tr -d ' '; }
inspect() { $PY "$SRV_PY" inspect "$T/srv/$1" >"$T/inspect.$1"; }
ledger_count() { # OUT STATUS: lines with that status
    awk -F, -v s="$2" 'NR > 1 && $4 == s' "$1/mail/ledger.csv" 2>/dev/null | wc -l | tr -d ' '
}

# Inputs: the small test set plus one person without an address.
mkdir -p "$T/in"
cp "$SRC/tests/data/small/metrics.csv" "$T/in/"
{ cat "$SRC/tests/data/small/roster.csv"; echo "R4,Dee Nomail,,North,ae,M1,2022-01-01,en"; } \
    >"$T/in/roster.csv"
cat >"$T/in/review.ini" <<EOF
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
reply_to = salesops@example.com
smtp     = smtp://127.0.0.1:9
rate     = 0
retries  = 2
backoff  = 0.05
timeout  = 5
EOF
CFG=$T/in/review.ini

# ---- the dry run: run writes the messages, nothing leaves the machine ----
start_server main
kp run -q -c "$CFG" -o "$T/o1"
t_rc "run with [mail] exits 0" 0
t_eq "run writes one message per person with an address" "M1.eml R1.eml R2.eml R3.eml" \
    "$(cd "$T/o1/mail" && ls *.eml | tr '\n' ' ' | sed 's/ $//')"
t_grep "the person without an address is listed" 'R4 \(Dee Nomail\) has no e-mail address: no message' "$T/out"
kp mail -c "$CFG" -o "$T/o1"
t_rc "mail without --send exits 0" 0
t_eq "the dry run lists the four messages" 4 "$(grep -c '^send ' "$T/out")"
t_grep "the dry run names the Cc" '^send   R1  ann@example.com cc mia@example.com' "$T/out"
t_grep "the dry run lists R4 as without an address" '^none  R4  no e-mail address' "$T/out"
t_eq "the dry run sent nothing" 0 "$(received main)"
t_ok "the dry run wrote no ledger" test ! -e "$T/o1/mail/ledger.csv"
kp run -q -c "$CFG" -o "$T/again"
t_same "messages are byte-identical from run to run (SOURCE_DATE_EPOCH)" "$T/o1/mail/R3.eml" "$T/again/mail/R3.eml"
t_grep "Date comes from SOURCE_DATE_EPOCH" '^Date: Wed, 01 Jul 2026 00:00:00 \+0000' "$T/o1/mail/R1.eml"

# ---- sending ----
kp mail -c "$CFG" -o "$T/o1" --send --smtp "$URL"
t_rc "mail --send exits 0" 0
t_eq "four messages arrived" 4 "$(received main)"
inspect main
t_eq "each person's message arrived once" "ann@example.com bo@example.com chen@example.com mia@example.com" \
    "$(cut -f2 "$T/inspect.main" | sort | tr '\n' ' ' | sed 's/ $//')"
bad=0
for id in M1 R1 R2 R3; do
    want=$(sha256sum "$T/o1/reviews/North/$id.pdf" | cut -d' ' -f1)
    got=$(awk -F'\t' -v a="$(awk -F, -v id="$id" '$1 == id { print $3 }' "$T/in/roster.csv")" '$2 == a { print $6 }' "$T/inspect.main")
    [ "$want" = "$got" ] || { bad=1; echo "# $id: attachment $got, review $want"; }
done
t_eq "every attachment decodes to the exact bytes of that person's review" 0 "$bad"
t_eq "the Chinese subject decodes to UTF-8" "您的 2026-Q2 绩效评估" \
    "$(awk -F'\t' '$2 == "chen@example.com" { print $4 }' "$T/inspect.main")"
t_eq "the Chinese file name decodes (RFC 2231)" "2026-Q2 绩效评估 - 陈静.pdf" \
    "$(awk -F'\t' '$2 == "chen@example.com" { print $5 }' "$T/inspect.main")"
t_eq "the manager is in Cc and an envelope recipient" "mia@example.com|ann@example.com mia@example.com" \
    "$(awk -F'\t' '$2 == "ann@example.com" { print $3 "|" $9 }' "$T/inspect.main")"
t_eq "the ledger has four delivered lines" 4 "$(ledger_count "$T/o1" delivered)"
bad=0
for raw in $(cut -f7 "$T/inspect.main"); do
    grep -q ",$raw,delivered," "$T/o1/mail/ledger.csv" || { bad=1; echo "# $raw is not in the ledger"; }
done
t_eq "the ledger's hash is the hash of the bytes the server received" 0 "$bad"
eml_hash=$(sha256sum "$T/o1/mail/R2.eml" | cut -d' ' -f1)
t_grep "mail/R2.eml is exactly what was sent" ",$eml_hash,delivered," "$T/o1/mail/ledger.csv"
t_grep "the ledger has its header" '^rep_id,address,sha256,status,time,reply' "$T/o1/mail/ledger.csv"
t_grep "the ledger keeps the server's reply" 'delivered,[0-9T:-]+Z,250 2.0.0 Message 000[1-4] accepted' "$T/o1/mail/ledger.csv"

kp mail -c "$CFG" -o "$T/o1" --send --smtp "$URL"
t_rc "a second run exits 0" 0
t_eq "a second run sends nothing" 4 "$(received main)"
t_grep "a second run says they were delivered before" '0 delivered now, 4 delivered before' "$T/out"
kp mail -c "$CFG" -o "$T/o1" --send --smtp "$URL" --resend R1
t_rc "--resend R1 exits 0" 0
t_eq "--resend R1 sends exactly one more" 5 "$(received main)"
kp run -q -c "$CFG" -o "$T/o1"
kp mail -c "$CFG" -o "$T/o1" --send --smtp "$URL"
t_eq "after run again, delivered messages are not sent again" 5 "$(received main)"
kp mail -c "$CFG" -o "$T/o1" --resend R9
t_rc "--resend of an unknown person: exit 2" 2
kp mail -c "$CFG" -o "$T/o1" --send --smtp "smtp://u:secret@127.0.0.1:$PORT"
t_rc "a password in --smtp is refused: exit 2" 2
t_grep "and explained" 'has a user name or password in it' "$T/out"
stop_server

# ---- the server down, then back: every message exactly once ----
PORT_KEEP=$PORT
kp run -q -c "$CFG" -o "$T/down"
kp mail -c "$CFG" -o "$T/down" --send --smtp "$URL"
t_rc "server down: exit 1" 1
t_eq "server down: nothing delivered" 0 "$(ledger_count "$T/down" delivered)"
t_eq "server down: every message recorded as not delivered" "M1 R1 R2 R3" \
    "$(awk -F, 'NR > 1 && $4 == "deferred" { print $1 }' "$T/down/mail/ledger.csv" | sort -u | tr '\n' ' ' | sed 's/ $//')"
t_eq "server down: the first message was tried 1 + retries times" 3 \
    "$(awk -F, '$1 == "M1" && $4 == "deferred"' "$T/down/mail/ledger.csv" | wc -l | tr -d ' ')"
t_grep "server down: the rest are recorded as not attempted" '^R3,.*,deferred,.*not attempted: the server could not be reached' "$T/down/mail/ledger.csv"
PORT=$PORT_KEEP
start_server back
kp mail -c "$CFG" -o "$T/down" --send --smtp "$URL"
t_rc "server back: exit 0" 0
t_eq "server back: all four delivered" 4 "$(received back)"
inspect back
t_eq "server back: each person once" 4 "$(cut -f2 "$T/inspect.back" | sort -u | wc -l | tr -d ' ')"
kp mail -c "$CFG" -o "$T/down" --send --smtp "$URL"
t_rc "third run: exit 0" 0
t_eq "third run: nothing sent" 4 "$(received back)"
stop_server

# ---- 451 retried, 550 not ----
PORT=""
start_server codes --reply ann@example.com=451x1 --reply bo@example.com=550
kp run -q -c "$CFG" -o "$T/codes"
kp mail -c "$CFG" -o "$T/codes" --send --smtp "$URL"
t_rc "a 550: exit 1" 1
t_eq "451 then accepted: R1 deferred once, then delivered" "deferred delivered" \
    "$(awk -F, '$1 == "R1" { print $4 }' "$T/codes/mail/ledger.csv" | tr '\n' ' ' | sed 's/ $//')"
t_eq "550: R2 rejected after one attempt" "rejected" \
    "$(awk -F, '$1 == "R2" { print $4 }' "$T/codes/mail/ledger.csv" | tr '\n' ' ' | sed 's/ $//')"
t_grep "550: the server's reply is recorded" '^R2,.*,rejected,.*,550 5.1.1 No such mailbox' "$T/codes/mail/ledger.csv"
t_grep "550: reported" 'R2: refused by the server: 550 5.1.1 No such mailbox' "$T/out"
t_eq "three messages arrived (R2's did not)" 3 "$(received codes)"
kp mail -c "$CFG" -o "$T/codes" --send --smtp "$URL"
t_eq "a re-run tries only the undelivered R2" "rejected rejected" \
    "$(awk -F, '$1 == "R2" { print $4 }' "$T/codes/mail/ledger.csv" | tr '\n' ' ' | sed 's/ $//')"
t_eq "a re-run sends nothing else" 3 "$(received codes)"
stop_server

# ---- no reply to the end of DATA: status unknown, sent again identically ----
PORT=""
start_server hang --hangup chen@example.com
kp run -q -c "$CFG" -o "$T/hang"
kp mail -c "$CFG" -o "$T/hang" --send --smtp "$URL"
t_rc "no reply after the message: exit 1" 1
t_grep "no reply after the message: status unknown" '^R3,.*,unknown,' "$T/hang/mail/ledger.csv"
t_eq "the server has that message once" 4 "$(received hang)"
first_id=$(grep -i -m1 '^Message-ID:' "$(grep -l 'chen@example.com' "$T"/srv/hang/*.eml | head -n 1)" | tr -d '\r')
stop_server
PORT=""
start_server hang2
kp mail -c "$CFG" -o "$T/hang" --send --smtp "$URL"
t_rc "a re-run after the lost reply: exit 0" 0
t_grep "and says the identical message goes again" 'R3: the attempt of .* got no answer from the server: sending the identical message \(same Message-ID\) again' "$T/out"
t_eq "only that message is sent again" 1 "$(received hang2)"
again_id=$(grep -i -m1 '^Message-ID:' "$T"/srv/hang2/*.eml | tr -d '\r')
t_eq "with the same Message-ID (mail systems file it once)" "$first_id" "$again_id"
kp mail -c "$CFG" -o "$T/hang" --send --smtp "$URL"
t_eq "a third run sends nothing" 1 "$(received hang2)"
stop_server

# ---- a run stopped during an attempt: recorded as unknown, then sent again ----
printf 'R2,bo@example.com,%s,unknown,2026-07-01T00:00:00Z,interrupted\r\n' "$(printf '%064d' 0)" \
    >"$T/hang/mail/ledger.pending"
kp mail -c "$CFG" -o "$T/hang"
t_grep "an interrupted attempt is recorded" 'the last run stopped while sending \(R2\): recorded as unknown' "$T/out"
t_ok "and its marker is gone" test ! -e "$T/hang/mail/ledger.pending"
t_grep "and R2 would be sent again" '^send +R2 ' "$T/out"

# ---- AUTH ----
PORT=""
start_server auth --auth kp:s3cret
sed "s|^timeout  = 5|timeout  = 5\nuser = kp\npassword_env = KP_TEST_SMTP_PW|" "$CFG" >"$T/in/auth.ini"
kp run -q -c "$T/in/auth.ini" -o "$T/auth"
KP_TEST_SMTP_PW=wrong kp mail -c "$T/in/auth.ini" -o "$T/auth" --send --smtp "$URL"
t_rc "a refused login: exit 1" 1
t_grep "a refused login stops the batch" 'sending stopped: the server cannot be used' "$T/out"
t_eq "a refused login: nothing arrived" 0 "$(received auth)"
KP_TEST_SMTP_PW=s3cret kp mail -c "$T/in/auth.ini" -o "$T/auth" --send --smtp "$URL"
t_rc "AUTH with the password from the environment: exit 0" 0
t_eq "AUTH: four messages arrived" 4 "$(received auth)"
kp mail -c "$T/in/auth.ini" -o "$T/auth" --send --smtp "$URL"
t_rc "the password variable unset: exit 2" 2
t_grep "the password variable unset: said" 'the environment variable KP_TEST_SMTP_PW is not set' "$T/out"
stop_server

# ---- TLS: STARTTLS and smtps://, the server verified with [mail] ca_file ----
t_ok "openssl is installed (scripts/deps.sh test)" command -v openssl
if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
        -keyout "$T/in/tls.key" -out "$T/in/tls.crt" >/dev/null 2>&1
    PORT=""
    start_server tls --tls "$T/in/tls.crt,$T/in/tls.key" --auth kp:s3cret
    kp run -q -c "$T/in/auth.ini" -o "$T/tls"
    KP_TEST_SMTP_PW=s3cret kp mail -c "$T/in/auth.ini" -o "$T/tls" --send --smtp "$URL"
    t_rc "STARTTLS with a certificate no CA vouches for: exit 1" 1
    t_grep "and why" 'sending stopped: the server cannot be used \(SSL certificate problem: self-signed certificate.*\[mail\] ca_file' "$T/out"
    t_eq "an unverified server got nothing" 0 "$(received tls)"
    printf 'ca_file = tls.crt\n' >>"$T/in/auth.ini"
    KP_TEST_SMTP_PW=s3cret kp mail -c "$T/in/auth.ini" -o "$T/tls" --send --smtp "$URL"
    t_rc "STARTTLS verified with ca_file, AUTH after it: exit 0" 0
    t_eq "STARTTLS: four messages arrived" 4 "$(received tls)"
    stop_server
    PORT=""
    start_server smtps --tls "$T/in/tls.crt,$T/in/tls.key" --smtps
    kp mail -c "$T/in/auth.ini" -o "$T/smtps" >/dev/null 2>&1
    kp run -q -c "$T/in/auth.ini" -o "$T/smtps"
    KP_TEST_SMTP_PW=s3cret kp mail -c "$T/in/auth.ini" -o "$T/smtps" --send --smtp "smtps://127.0.0.1:$PORT"
    t_rc "smtps:// verified with ca_file: exit 0" 0
    t_eq "smtps: four messages arrived" 4 "$(received smtps)"
    stop_server
    printf 'not a certificate\n' >"$T/in/tls.crt"
    KP_TEST_SMTP_PW=s3cret kp mail -c "$T/in/auth.ini" -o "$T/smtps" --send --smtp "smtps://127.0.0.1:$PORT"
    t_rc "a ca_file without a certificate: exit 2" 2
    t_grep "is named with its config line" 'auth.ini:[0-9]+: .*ca_file.*tls.crt holds no PEM certificate' "$T/out"
fi

# ---- one process at a time ----
if command -v flock >/dev/null; then
    flock "$T/o1/mail/.lock" sleep 3 &
    locker=$!
    sleep 0.5
    kp mail -c "$CFG" -o "$T/o1" --send --smtp "$URL"
    t_rc "a second kpipress mail on the same folder: exit 2" 2
    t_grep "and why" 'another kpipress is sending these messages now' "$T/out"
    kill "$locker" 2>/dev/null
    wait "$locker" 2>/dev/null
fi

# ---- addresses ----
{ cat "$T/in/roster.csv"; echo "R5,Eve Bad,eve@@example.com,North,ae,M1,2022-01-01,en"
  echo "R6,Bo Twin,BO@example.com,North,ae,M1,2022-01-01,en"; } >"$T/in/roster5.csv"
kp run -q -c "$CFG" -o "$T/addr" --roster "$T/in/roster5.csv"
t_rc "an invalid or shared address: exit 1" 1
t_grep "the invalid address is listed with its roster line" 'roster5.csv:7: error: R5 \(Eve Bad\): the e-mail address "eve@@example.com" has more than one @: no message' "$T/out"
t_grep "a shared address is listed" 'roster5.csv:8: error: R6 \(Bo Twin\): BO@example.com is also the address of R2 \(Bo Baker\): no message' "$T/out"
t_eq "no message for either sharer, nor the invalid one" "M1.eml R1.eml R3.eml" \
    "$(cd "$T/addr/mail" && ls *.eml | tr '\n' ' ' | sed 's/ $//')"

kp run -q -c "$CFG" -o "$T/only" --only R1
t_grep "run --only R1: the manager is not there, so no Cc, and that is said" 'R1: the manager M1 is not in .*only/results.json \(computed with --only\?\): no Cc' "$T/out"
t_nogrep "run --only R1: no Cc header" '^Cc:' "$T/only/mail/R1.eml"

# ---- a batch that loses its server halfway, run again: exactly one each ----
"$KP" sample -q -o "$T/big" --reps 60 --seed 7
sed -e "s|^roster  = roster.csv|roster  = $T/big/roster.csv|" \
    -e "s|^metrics = metrics.csv|metrics = $T/big/metrics.csv|" "$CFG" >"$T/big/review.ini"
kp run -q -c "$T/big/review.ini" -o "$T/big/out"
want=$(find "$T/big/out/mail" -name '*.eml' | wc -l | tr -d ' ')
PORT=""
start_server big --die-after 20
kp mail -c "$T/big/review.ini" -o "$T/big/out" --send --smtp "$URL"
t_rc "the server lost halfway: exit 1" 1
half=$(received big)
t_ok "the server lost halfway: some arrived ($half of $want)" test "$half" -ge 20 -a "$half" -lt "$want"
t_eq "the ledger's delivered lines are what arrived" "$half" "$(ledger_count "$T/big/out" delivered)"
wait "$SRV" 2>/dev/null
SRV=""
start_server big
kp mail -c "$T/big/review.ini" -o "$T/big/out" --send --smtp "$URL"
t_rc "the same command again: exit 0" 0
t_eq "every message has arrived" "$want" "$(received big)"
inspect big
t_eq "nobody got two" "$want" "$(cut -f2 "$T/inspect.big" | sort -u | wc -l | tr -d ' ')"
cut -f1,2,6 "$T/inspect.big" >"$T/big.got"
bad=0
while read -r n to got; do
    id=$(awk -F, -v a="$to" '$3 == a { print $1 }' "$T/big/roster.csv")
    want_h=$(sha256sum "$(find "$T/big/out/reviews" -name "$id.pdf")" | cut -d' ' -f1)
    [ "$got" = "$want_h" ] || { bad=1; echo "# $n $to ($id): $got, review $want_h"; }
done <"$T/big.got"
t_eq "each holds exactly that person's review" 0 "$bad"
kp mail -c "$T/big/review.ini" -o "$T/big/out" --send --smtp "$URL"
t_eq "and a third run sends nothing" "$want" "$(received big)"
stop_server

# ---- per-person PDF password ----
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "pdf_pw"; next } { print $0, "pw-" $1 }' \
    "$T/in/roster.csv" >"$T/in/roster_pw.csv"
sed -e 's|^roster  = roster.csv|roster  = roster_pw.csv\nkeep = pdf_pw|' \
    -e 's|^timeout  = 5|timeout  = 5\npdf_password = pdf_pw|' "$CFG" >"$T/in/pw.ini"
kp run -q -c "$T/in/pw.ini" -o "$T/pw"
t_rc "run with PDF passwords exits 0" 0
$PY "$SRV_PY" attachment "$T/pw/mail/R1.eml" "$T/att.pdf"
t_ok "the attachment opens with its password (qpdf)" qpdf --password=pw-R1 --check "$T/att.pdf"
t_fail "the attachment does not open without it" qpdf --check "$T/att.pdf"
t_fail "nor with another person's" qpdf --password=pw-R2 --check "$T/att.pdf"
qpdf --requires-password "$T/att.pdf" >/dev/null 2>&1
t_eq "qpdf: the attachment requires a password" 0 $?
qpdf --show-encryption --password=pw-R1 "$T/att.pdf" >"$T/enc.txt" 2>&1
t_grep "the attachment is AES-256: revision 6" '^R = 6$' "$T/enc.txt"
t_grep "... AESv3 for streams" '^stream encryption method: AESv3$' "$T/enc.txt"
t_grep "... and strings" '^string encryption method: AESv3$' "$T/enc.txt"
eml_before=$(sha256sum "$T/pw/mail/R1.eml" | cut -c1-64)
kp mail -c "$T/in/pw.ini" -o "$T/pw"
t_eq "a re-run keeps the encrypted message's exact bytes (AES IVs are random)" "$eml_before" \
    "$(sha256sum "$T/pw/mail/R1.eml" | cut -c1-64)"
qpdf --is-encrypted "$T/pw/reviews/North/R1.pdf" >/dev/null 2>&1
t_eq "the review itself is not encrypted" 2 $?
t_same "the review is byte-identical to one made without passwords" "$T/o1/reviews/North/R1.pdf" "$T/pw/reviews/North/R1.pdf"
qpdf --password=pw-R1 --decrypt "$T/att.pdf" "$T/att-plain.pdf" 2>/dev/null
t_pdf "$T/att-plain.pdf"
pdftotext "$T/att-plain.pdf" - 2>/dev/null | tr -s ' \n' '  ' >"$T/att.txt"
t_grep "the encrypted copy is R1's review" 'Ann Able' "$T/att.txt"
t_nogrep "and holds nobody else's name" 'Bo Baker|陈静' "$T/att.txt"
$PY "$SRV_PY" body "$T/pw/mail/R1.eml" >"$T/body.txt"
t_grep "the message says the PDF is protected" 'The PDF is protected' "$T/body.txt"
$PY "$SRV_PY" body "$T/o1/mail/R1.eml" >"$T/body.txt"
t_nogrep "a message without a password does not" 'protected' "$T/body.txt"
t_grep "the body is filled in" '^attached is your performance review for 2026-Q2 \(April 2026 – June 2026\)\.' "$T/body.txt"
h1=$(sha256sum "$T/pw/mail/R1.eml")
kp mail -c "$T/in/pw.ini" -o "$T/pw"
t_eq "an unchanged encrypted message is kept as it is (same hash)" "$h1" "$(sha256sum "$T/pw/mail/R1.eml")"
awk -F, 'BEGIN { OFS = "," } $1 == "R2" { $NF = "" } { print }' "$T/in/roster_pw.csv" >"$T/in/roster_pw2.csv"
kp mail -c "$T/in/pw.ini" -o "$T/pw" --roster "$T/in/roster_pw2.csv"
t_rc "a person without a PDF password: exit 1" 1
t_grep "and no message for them" 'R2: no PDF password in column pdf_pw: no message' "$T/out"

t_done
