#!/bin/sh
# Rebuild the committed sample data (samples/*/roster.csv, metrics.csv) from
# the generator, `kpipress sample`, plus a few transformations (POSIX sh, awk,
# iconv). Running it twice gives identical files; the review.ini files are
# written by hand and left alone.
#
#   sh samples/regenerate.sh [KPIPRESS [OUTROOT]]
#
# KPIPRESS defaults to build/kpipress of this tree, OUTROOT to samples/ (the
# end-to-end test regenerates into a temporary folder and compares).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
KP=${1:-$here/../build/kpipress}
OUT=${2:-$here}
export LC_ALL=C # awk works on bytes: UTF-8 passes through untouched
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kp-samples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# acme: English, 34 people (head, 3 team managers, 30 in the teams), the
# generator's canonical layout as is.
"$KP" sample -q -o "$OUT/acme" --reps 34 --months 9 --seed 5 --zh-share 0

# huadong (华东销售公司): 28 people, nearly all Chinese, exported the way
# Chinese Excel saves "CSV UTF-8": BOM, CRLF, Chinese headers and role names,
# money as "￥1,234.00". U+FFE5 (fullwidth yen) is the sign Chinese Windows
# uses; the ASCII-looking U+00A5 does not exist in GBK.
"$KP" sample -q -o "$tmp/hd" --reps 28 --months 9 --seed 6 --zh-share 0.93
mkdir -p "$OUT/huadong/gbk"

# The generator never quotes a field; the transformations below rely on it.
if grep -q '"' "$tmp/hd/roster.csv" "$tmp/hd/metrics.csv"; then
    echo "regenerate.sh: unexpected quoted field in the generator's output" >&2
    exit 1
fi

awk 'BEGIN {
    FS = OFS = ","
    role["ae"] = "直销代表"; role["kam"] = "大客户经理"; role["channel"] = "渠道经理"
    role["support"] = "销售支持"; role["manager"] = "销售经理"
}
NR == 1 { printf "\357\273\277工号,姓名,邮箱,团队,角色,上级工号,入职日期,语言\r\n"; next }
{
    if (!($5 in role)) { print "unknown role " $5 > "/dev/stderr"; exit 1 }
    $5 = role[$5]
    sub(/@example\.com$/, "@huadong.example", $3)
    printf "%s\r\n", $0
}' "$tmp/hd/roster.csv" >"$tmp/roster.csv"

# Money columns (revenue, quota, collected, forecast) as Excel shows them:
# "￥85,989.00" (quoted because of the comma), "￥950.00" (no comma, no
# quotes); every 13th row keeps plain numbers, as when a cell was typed in.
awk 'function money(v,   s, dot, ip, out) {
    s = sprintf("%.2f", v); dot = index(s, ".")
    ip = substr(s, 1, dot - 1); out = substr(s, dot)
    while (length(ip) > 3) {
        out = "," substr(ip, length(ip) - 2) out
        ip = substr(ip, 1, length(ip) - 3)
    }
    s = "￥" ip out
    return index(s, ",") ? "\"" s "\"" : s
}
BEGIN { FS = OFS = "," }
NR == 1 {
    printf "\357\273\277月份,工号,销售额,销售指标,回款额,新客户数,拜访次数,商机数,赢单数,输单数,应续约数,已续约数,客户满意度,净推荐值,预测销售额,销售周期天数\r\n"
    next
}
{
    if (NR % 13 != 0)
        for (c = 3; c <= 15; c++)
            if ((c <= 5 || c == 15) && $c != "")
                $c = money($c)
    printf "%s\r\n", $0
}' "$tmp/hd/metrics.csv" >"$tmp/metrics.csv"

for f in roster.csv metrics.csv; do
    # GBK, no BOM: what older Excel saves as "CSV (逗号分隔)". iconv fails on
    # any character GBK lacks, so a bad pool entry cannot slip through.
    tail -c +4 "$tmp/$f" | iconv -f UTF-8 -t GBK >"$tmp/gbk-$f"
    mv "$tmp/$f" "$OUT/huadong/$f"
    mv "$tmp/gbk-$f" "$OUT/huadong/gbk/$f"
done
