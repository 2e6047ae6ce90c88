# GROW coaching prompts: the golden cases of tests/golden/coach (hand-built
# people, prompts checked by hand), determinism, privacy, a language without
# texts, and template errors (exit 2, file and line, nothing written).
# test_coach checks that every number in these prompts is one of the
# person's figures.
. "$TESTS_DIR/lib.sh"

G=$SRC/tests/golden/coach

for c in team-en team-zh options pacing; do
    kp compute -c "$G/$c/review.ini" -o "$T/$c"
    t_rc "$c: compute exits 0" 0
    t_same "$c: coaching.csv as checked by hand" "$G/$c/expected/coaching.csv" "$T/$c/coaching.csv"
done

kp compute -c "$G/team-en/review.ini" -o "$T/again"
t_same "same data, same prompts" "$T/team-en/coaching.csv" "$T/again/coaching.csv"

cut -d, -f1-3 "$T/team-en/coaching.csv" >"$T/en.rows"
cut -d, -f1-3 "$T/team-zh/coaching.csv" >"$T/zh.rows"
t_same "English and Chinese: the same prompts, row for row" "$T/en.rows" "$T/zh.rows"

# Nobody is named in a prompt: not the person, not a colleague.
for c in team-en team-zh options; do
    tail -n +2 "$G/$c/roster.csv" | cut -d, -f2 >"$T/names"
    while read -r name; do
        t_nogrep "$c: no prompt names $name" "$name" "$T/$c/coaching.csv"
    done <"$T/names"
done
t_grep "every step is goal, reality, options or will" '^rep_id,step,kpi,text' "$T/options/coaching.csv"
t_eq "no other step" "" "$(tail -n +2 "$T/options/coaching.csv" | cut -d, -f2 | grep -v -x -E 'goal|reality|options|will')"
t_nogrep "a two-person team's figures are never quoted" '^N0[12],.*(team as a whole|The team is at|团队整体)' \
    "$T/options/coaching.csv"
t_grep "someone without data gets the short version" '^X01,reality,,"There are no scored figures' \
    "$T/options/coaching.csv"

# A language without coaching texts: a warning, and the config's language.
mkdir -p "$T/fr"
sed 's/^A02,\(.*\),en$/A02,\1,fr/' "$G/team-en/roster.csv" >"$T/fr/roster.csv"
sed -e "s|^roster  = roster.csv|roster  = $T/fr/roster.csv|" \
    -e "s|^metrics = metrics.csv|metrics = $G/team-en/metrics.csv|" \
    "$G/team-en/review.ini" >"$T/fr/review.ini"
kp compute -c "$T/fr/review.ini" -o "$T/fr/out"
t_rc "a roster language without texts: exit 0" 0
t_grep "and a warning that names it" 'warning: no coaching texts for language "fr"' "$T/out"
grep '^A02,' "$T/team-en/coaching.csv" >"$T/a02.en"
grep '^A02,' "$T/fr/out/coaching.csv" >"$T/a02.fr"
t_same "those prompts are in the config's language" "$T/a02.en" "$T/a02.fr"

# Broken templates in a folder of our own ([coaching] templates = ...).
broken() { # $1 = name, $2 = sed script for en/coaching.ini, $3 = for zh, $4 = case
    mkdir -p "$T/$1/en" "$T/$1/zh"
    sed -e "$2" "$SRC/templates/en/coaching.ini" >"$T/$1/en/coaching.ini"
    sed -e "$3" "$SRC/templates/zh/coaching.ini" >"$T/$1/zh/coaching.ini"
    sed -e "s|^roster  = roster.csv|roster  = $G/${4:-team-en}/roster.csv|" \
        -e "s|^metrics = .*metrics.csv|metrics = $G/team-en/metrics.csv|" \
        -e "s|^\[coaching\]|[coaching]\ntemplates = $1|" \
        "$G/${4:-team-en}/review.ini" >"$T/$1.ini"
    kp compute -c "$T/$1.ini" -o "$T/$1-out"
}
line() { grep -n -F "$2" "$1" | head -n 1 | cut -d: -f1; }

broken ph 's/(up {gap})/(up {gapp})/' ''
t_rc "unknown placeholder: exit 2" 2
t_grep "unknown placeholder: file, line and column" \
    "$T/ph/en/coaching.ini:$(line "$T/ph/en/coaching.ini" '{gapp}'):[0-9]+: error: unknown placeholder \{gapp\} in \[text\] goal_up" \
    "$T/out"
t_eq "nothing is written" "" "$(ls -A "$T/ph-out" 2>/dev/null)"

broken kpi 's/^kpi  = conversion, win_rate$/kpi  = conversion, win_rte/' ''
t_rc "a rule naming an unknown KPI: exit 2" 2
t_grep "unknown KPI: file and line" \
    "$T/kpi/en/coaching.ini:$(line "$T/kpi/en/coaching.ini" 'win_rte'):8: error: \[play.conversion_lost\] kpi names a KPI \"win_rte\", which the config \($T/kpi.ini\) does not define" \
    "$T/out"

broken zh '' '/^will_support/d' team-zh
t_rc "a language missing a text: exit 2" 2
t_grep "missing text: the file, and where English has it" \
    "$T/zh/zh/coaching.ini: error: \[text\] will_support is missing \(English has it at $T/zh/en/coaching.ini:$(line "$T/zh/en/coaching.ini" 'will_support')\)" \
    "$T/out"

broken ok '' ''
t_rc "an unedited copy of the templates: exit 0" 0
t_same "and the same prompts" "$T/team-en/coaching.csv" "$T/ok-out/coaching.csv"
t_done
