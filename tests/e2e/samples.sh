# The bundled samples end to end: `kpipress run` writes the tables, the
# rejects and a review per person plus a packet per team; the tables equal
# the committed regression copies (tests/regress/); every PDF passes qpdf,
# embeds every font, and shows the person's name and attainment as text.
# UPDATE=1 rewrites the regression copies (review the diff before committing).
. "$TESTS_DIR/lib.sh"

check_sample() { # name config
    name=$1 cfg=$2 out=$T/$name
    kp run -q -c "$cfg" -o "$out"
    t_rc "$name: run exits 0" 0
    for f in results.csv scores.csv teams.csv coaching.csv rejects.csv results.json; do
        t_ok "$name: $f written" test -s "$out/$f"
    done
    for f in results.csv scores.csv teams.csv rejects.csv; do
        exp=$SRC/tests/regress/$name/$f
        if [ "${UPDATE:-}" = 1 ]; then mkdir -p "$(dirname "$exp")"; cp "$out/$f" "$exp"; fi
        t_same "$name: $f equals tests/regress/$name/$f" "$exp" "$out/$f"
    done
    people=$(($(wc -l <"$out/scores.csv") - 1))
    reviews=$(find "$out/reviews" -name '*.pdf' | wc -l)
    t_eq "$name: one review per person" "$people" "$reviews"
    teams=$(awk -F, 'NR > 1 && $1 != "*" { print $1 }' "$out/teams.csv" | sort -u | wc -l)
    t_eq "$name: one packet per team" "$teams" "$(find "$out/packets" -name '*.pdf' | wc -l)"
    t_nogrep "$name: no temporary file left" '.' "$(find "$out" -name '*.kp-tmp-*' >"$T/tmpfiles"; echo "$T/tmpfiles")"
}

check_pdfs() { # name: every review shows its person's name and attainment
    name=$1 out=$T/$1 bad=0
    # rep_id -> name and attainment formatted as the review prints it (87.5%)
    awk -F, 'NR > 1 && $5 == "attainment" {
        v = ($6 == "") ? "" : sprintf("%.1f%%", $6 * 100); print $1 "\t" v }' \
        "$out/results.csv" >"$T/att"
    for pdf in $(find "$out/reviews" "$out/packets" -name '*.pdf' | sort); do
        qpdf --check "$pdf" >/dev/null 2>&1 || { bad=1; echo "# qpdf --check fails: $pdf"; }
        pdffonts "$pdf" 2>/dev/null | awk 'NR > 2 && $(NF-4) != "yes" { bad = 1 } END { exit bad }' ||
            { bad=1; echo "# a font is not embedded: $pdf"; }
    done
    t_eq "$name: every PDF passes qpdf --check and embeds its fonts" 0 "$bad"
    bad=0
    for pdf in $(find "$out/reviews" -name '*.pdf' | sort); do
        id=$(basename "$pdf" .pdf)
        pname=$(awk -F, -v id="$id" '$1 == id { print $2; exit }' "$out/scores.csv")
        att=$(awk -F '\t' -v id="$id" '$1 == id { print $2 }' "$T/att")
        pdftotext -layout "$pdf" "$T/page.txt" 2>/dev/null
        grep -qF -- "$pname" "$T/page.txt" || { bad=1; echo "# $id: name \"$pname\" not in the text"; }
        [ -z "$att" ] || grep -qF -- "$att" "$T/page.txt" || { bad=1; echo "# $id: attainment $att not in the text"; }
    done
    t_eq "$name: every review shows the person's name and attainment" 0 "$bad"
}

check_sample acme "$SRC/samples/acme/review.ini"
check_pdfs acme
check_sample huadong "$SRC/samples/huadong/review.ini"
check_pdfs huadong

# The GBK export gives exactly the same tables as the UTF-8 one.
kp compute -q -c "$SRC/samples/huadong/gbk/review.ini" -o "$T/gbk"
t_rc "huadong GBK: compute exits 0" 0
for f in results.csv scores.csv teams.csv; do
    t_same "huadong GBK: $f equals the UTF-8 run's" "$T/huadong/$f" "$T/gbk/$f"
done

# The English review's text, in reading order.
pdftotext "$T/acme/reviews/East/R0003.pdf" "$T/r3.txt" 2>/dev/null
t_grep "acme R0003: title" '2026-Q2 performance review' "$T/r3.txt"
t_grep "acme R0003: KPI table" 'Opportunity conversion' "$T/r3.txt"
t_grep "acme R0003: manager named" 'Kevin Foster' "$T/r3.txt"
# The Chinese review: labels and a Chinese name extracted as text.
f=$(find "$T/huadong/reviews" -name R0004.pdf)
pdftotext "$f" "$T/h4.txt" 2>/dev/null
t_grep "huadong R0004: Chinese title" '2026年第二季度 绩效评估' "$T/h4.txt"
t_grep "huadong R0004: Chinese KPI label" '销售达成率' "$T/h4.txt"
t_grep "huadong R0004: WenQuanYi embedded" 'WenQuanYiMicroHei' "$(pdffonts "$f" >"$T/fonts" 2>/dev/null; echo "$T/fonts")"

# Folder and file names keep Chinese letters (NFC); [output] ascii_names =
# yes keeps the ASCII-only rule.
t_ok "huadong: reviews/华东一区/ exists" test -d "$T/huadong/reviews/华东一区"
t_ok "huadong: packets/大客户部.pdf exists" test -s "$T/huadong/packets/大客户部.pdf"
t_eq "huadong: no folder made of '_' alone" "" "$(ls "$T/huadong/reviews" | grep '^_*\(-[0-9a-f]*\)\?$')"
t_grep "huadong: SHA256SUMS lists the Chinese paths" ' reviews/华东二区/' "$T/huadong/SHA256SUMS"
t_ok "huadong: sha256sum -c passes" sh -c "cd '$T/huadong' && sha256sum -c --quiet SHA256SUMS"
mkdir -p "$T/hascii"
cp -R "$SRC/samples/huadong/." "$T/hascii/"
printf '\n[output]\nascii_names = yes\n' >>"$T/hascii/review.ini"
kp run -q --no-charts -c "$T/hascii/review.ini" -o "$T/hascii/out"
t_rc "huadong, ascii_names = yes: run exits 0" 0
t_eq "huadong, ascii_names = yes: ASCII folders, told apart by their hash" \
    "$(ls "$T/huadong/reviews" | wc -l)" "$(ls "$T/hascii/out/reviews" | grep -c '^____-[0-9a-f]\{8\}$\|^__-[0-9a-f]\{8\}$\|^_____$\|^__$')"

# Packets: bookmarks team -> person, page labels.
qpdf --json "$T/acme/packets/East.pdf" >"$T/east.json" 2>/dev/null
t_grep "packet: a bookmark per member" '"title": "Janet Johnson"' "$T/east.json"
t_grep "packet: page labels" '"/P": "u:R0003-"' "$T/east.json"
t_done
