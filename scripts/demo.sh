#!/bin/sh
# make demo: run kpipress on the bundled English and Chinese samples and say
# where the documents are.
set -eu
kp=${1:-build/kpipress}
out=demo-out
rm -rf "$out"
"$kp" run -c samples/acme/review.ini -o "$out/acme"
"$kp" run -c samples/huadong/review.ini -o "$out/huadong"
echo
echo "Reviews, team packets and tables are in $out/:"
for s in acme huadong; do
    n=$(find "$out/$s/reviews" -name '*.pdf' | wc -l)
    p=$(find "$out/$s/packets" -name '*.pdf' | wc -l)
    echo "  $out/$s/reviews/<team>/<rep_id>.pdf   $n reviews"
    echo "  $out/$s/packets/<team>.pdf            $p team packets"
done
echo "  $out/acme/scores.csv, results.csv, teams.csv, rejects.csv …"
echo "For example: xdg-open $out/acme/reviews/East/R0003.pdf"
