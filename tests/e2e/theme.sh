# The theme: a company logo (PNG, checked and re-encoded before libharu sees
# it), Letter paper, and the title and confidentiality lines from the config.
. "$TESTS_DIR/lib.sh"

# A small valid PNG, and a damaged copy (a flipped byte in the image data).
/usr/bin/python3 - "$T/logo.png" "$T/bad.png" <<'EOF2'
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
w, h = 60, 20
row = b'\0' + bytes(v for x in range(w) for v in (30 + 3 * x, 80, 160))
raw = row * h
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) \
    + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)
bad = bytearray(png); bad[45] ^= 0xFF
open(sys.argv[2], 'wb').write(bad)
EOF2
printf 'not a picture\n' >"$T/text.png"

cfg() { # file extra-lines
    printf '[config]\ninclude = %s/samples/acme/review.ini\n[input]\nroster = %s/samples/acme/roster.csv\nmetrics = %s/samples/acme/metrics.csv\n%s\n' \
        "$SRC" "$SRC" "$SRC" "$2" >"$T/$1"
}

cfg logo.ini "[theme]
logo = logo.png
page = letter
title.en = \"Quarterly performance review: {label}\"
confidential.en = \"Personal and confidential: {name}\""
kp run -q -c "$T/logo.ini" -o "$T/doc" --only R0003 --no-charts
t_rc "a logo, Letter, a title: exit 0" 0
pdfimages -list "$T/doc/reviews/East/R0003.pdf" >"$T/images" 2>/dev/null
t_eq "the logo is the one image in the review (its alpha is a soft mask)" 1 "$(awk '$3 == "image"' "$T/images" | wc -l)"
t_grep "Letter paper" 'Page size: +612 x 792' "$(pdfinfo "$T/doc/reviews/East/R0003.pdf" >"$T/info" 2>/dev/null; echo "$T/info")"
pdftotext "$T/doc/reviews/East/R0003.pdf" "$T/text" 2>/dev/null
t_grep "the configured title" 'Quarterly performance review: 2026-Q2' "$T/text"
t_grep "the configured confidentiality line" 'Personal and confidential: Janet Johnson' "$T/text"
t_pdf "$T/doc/reviews/East/R0003.pdf"

cfg bad.ini "[theme]
logo = bad.png"
kp run -q -c "$T/bad.ini" -o "$T/bad-out"
t_rc "a damaged logo: exit 2" 2
t_grep "a damaged logo: file, line and the reason" 'bad.ini:7: error: \[theme\] logo: .*bad.png: the PNG is damaged' "$T/out"
t_fail "a damaged logo: nothing written" test -e "$T/bad-out"
cfg text.ini "[theme]
logo = text.png"
kp run -q -c "$T/text.ini" -o "$T/text-out"
t_rc "not a PNG: exit 2" 2
t_grep "not a PNG: said so" 'text.png: not a readable PNG' "$T/out"
cfg gone.ini "[theme]
logo = nowhere.png"
kp run -q -c "$T/gone.ini" -o "$T/gone-out"
t_rc "a missing logo: exit 2" 2
t_grep "a missing logo: named" 'cannot read .*nowhere.png: No such file or directory' "$T/out"
t_done
