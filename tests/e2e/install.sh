# make install PREFIX=… DESTDIR=…: binary, templates, fonts and man page land
# where they should, and the installed binary works from its data folder.
. "$TESTS_DIR/lib.sh"

t_ok "make install into a DESTDIR" make -s -C "$SRC" install PREFIX=/opt/kp DESTDIR="$T/root" \
    SANITIZE="${SANITIZE:-}"
R=$T/root/opt/kp
for f in bin/kpipress share/kpipress/templates/en/labels.ini share/kpipress/templates/zh/locale.ini \
    share/kpipress/fonts/NotoSans-Regular.ttf share/kpipress/fonts/wqy-microhei.ttc \
    share/kpipress/fonts/NotoSans-COPYRIGHT.txt share/man/man1/kpipress.1; do
    t_ok "installed: $f" test -s "$R/$f"
done
t_grep "the man page is a section-1 page" '^\.TH KPIPRESS 1 ' "$R/share/man/man1/kpipress.1"
cp -R "$SRC/samples/acme" "$T/acme"
KPIPRESS_DATADIR=$R/share/kpipress "$R/bin/kpipress" run -q -c "$T/acme/review.ini" -o "$T/out" >"$T/log" 2>&1
rc=$?; : "$rc"
t_rc "the installed binary runs the sample" 0
t_eq "the installed binary wrote the reviews" 34 "$(find "$T/out/reviews" -name '*.pdf' | wc -l)"

# Relocatable: the binary was built for PREFIX=/usr/local (make check's
# build), installed elsewhere, moved, and run from another folder with an
# empty environment: it finds ../share/kpipress beside itself.
t_ok "make install into a PREFIX the binary was not built for" make -s -C "$SRC" install \
    PREFIX="$T/kp" SANITIZE="${SANITIZE:-}"
mv "$T/kp" "$T/moved"
mkdir -p "$T/elsewhere"
(cd "$T/elsewhere" && env -i PATH=/usr/bin:/bin ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    "$T/moved/bin/kpipress" run -q \
    -c "$T/acme/review.ini" -o "$T/out2") >"$T/log2" 2>&1
rc=$?; : "$rc"
t_rc "the moved install runs with no environment variables" 0
t_eq "the moved install wrote the reviews" 34 "$(find "$T/out2/reviews" -name '*.pdf' | wc -l)"
t_nogrep "no templates looked up under the built-in prefix" 'usr/local/share' "$T/log2"
t_done
