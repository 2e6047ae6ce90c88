#!/bin/sh
# Render one batch on several machines with GNU parallel, then merge.
# usage: docs/shard-parallel.sh CONFIG OUTDIR N [HOSTS]
#   HOSTS: GNU parallel's -S list, e.g. "2/host1,2/host2" (default ":" = this
#   machine). OUTDIR must be the same path on every host (a shared folder, NFS),
#   and each host needs kpipress, the config, templates/ and fonts/.
set -eu
cfg=$1 out=$2 n=$3 hosts=${4:-:}
kp=${KPIPRESS:-kpipress}

# 1. The tables, once.
"$kp" compute -q -c "$cfg" -o "$out"

# 2. One shard per job; each writes its documents and
#    SHA256SUMS.shard-K-of-N + manifest.shard-K-of-N.json into OUTDIR.
seq 1 "$n" | parallel -j 1 -S "$hosts" --halt now,fail=1 \
    "$kp" render -q -c "$cfg" -o "$out" --shard "{}/$n" -j 2

# 3. Merge: one SHA256SUMS (= a single run's) and one manifest.json.
cd "$out"
cat SHA256SUMS.shard-*-of-"$n" | LC_ALL=C sort -u -k2 >SHA256SUMS
if command -v jq >/dev/null; then
    jq -s '.[0] + {shard: null, documents: ([.[].documents[]] | unique_by(.path) | sort_by(.path))}' \
        manifest.shard-*-of-"$n".json >manifest.json
fi
sha256sum -c --quiet SHA256SUMS && echo "merged $n shards: $(grep -c '\.pdf$' SHA256SUMS) documents, checksums verified"
