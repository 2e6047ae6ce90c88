#!/usr/bin/env python3
"""Print the parts of OUTDIR/results.json that the CSV tables do not hold, in a
form a person can check by hand: per record the previous-window composite and
the commission tier rate, per KPI the monthly series, the previous window's
value, the pacing projection and the amount needed per remaining month, and
every alert; with the option "team", each person's team value and the team's
mean points per KPI; a person's employment (share of each month employed, the
ramp's share, the month's team, a KPI's full target before proration) when
results.json has it. n/a is written n/a.
Usage: summary.py results.json [team]"""
import json
import sys


def num(v):
    if v is None:
        return "n/a"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def months(meta):
    y, m = map(int, meta["m0"].split("-"))
    out = []
    for _ in range(meta["nmonths"]):
        out.append("%04d-%02d" % (y, m))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def record(r, meta, opts):
    head = "%s %s: composite %s, previous window %s" % (
        r["kind"], r["id"], num(r["composite"]), num(r["composite_prev"]))
    if r["kind"] == "person":
        head += ", payout rate %s" % num(r["payout_rate"])
    print(head)
    if "employment" in r:
        e = r["employment"]
        print("  employment: end_date %s; employed %s; ramp %s" % (
            e["end_date"] or "none", " ".join(num(x) for x in e["employed"]),
            " ".join(num(x) for x in e["ramp"])))
    if "teams" in r:
        print("  teams: " + " ".join(t or "-" for t in r["teams"]))
    for k in meta["kpis"]:
        v = r["kpis"][k]
        parts = ["series " + " ".join(num(x) for x in v["series"])]
        if "target_full" in v:
            parts.append("full target %s" % num(v["target_full"]))
        for key in ("prev", "projected", "needed"):
            if v[key] is not None:
                parts.append("%s %s" % (key, num(v[key])))
        if r["kind"] == "person" and "team" in opts:
            parts.append("team value %s, team mean points %s" % (
                num(v["group_value"]), num(v["group_points"])))
        print("  %s: %s" % (k, "; ".join(parts)))
    for a in r["alerts"]:
        print("  alert %s (%s)%s%s: value %s, threshold %s" % (
            a["rule"], a["kind"],
            " " + a["kpi"] if a["kpi"] else "",
            " " + a["month"] if a["month"] else "",
            num(a["value"]), num(a["threshold"])))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    meta = doc["meta"]
    opts = sys.argv[2:]
    print("months: " + " ".join(months(meta)))
    print("pacing: %s, as of %s" % ("yes" if meta["pacing"] else "no", meta["as_of"]))
    for r in doc["people"] + doc["groups"]:
        record(r, meta, opts)


main()
