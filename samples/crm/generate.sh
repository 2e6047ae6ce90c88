#!/bin/sh
# Makes samples/crm/deals.csv and team.csv: a made-up opportunity export and
# team list of the shape a CRM gives at quarter end (see README.md there).
# Deterministic: the same files every time, on any POSIX awk (the random
# numbers are our own Park-Miller generator, exact in double arithmetic).
#   sh samples/crm/generate.sh [OUTDIR]     (default: this folder)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
export LC_ALL=C

awk -v out="$out" '
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
function irand(a, b) { return a + int(rnd() * (b - a + 1)) }
function pick(list,    n, v) { n = split(list, v, "|"); return v[irand(1, n)] }

# Days since 1970-01-01 <-> civil dates (H. Hinnant), years >= 1970 only.
function days(y, m, d,    era, yoe, doy, doe) {
    y -= (m <= 2); era = int(y / 400); yoe = y - era * 400
    doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
    doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
    return era * 146097 + doe - 719468
}
function civil(z,    era, doe, yoe, doy, mp) {
    z += 719468; era = int(z / 146097); doe = z - era * 146097
    yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
    CY = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
    mp = int((5 * doy + 2) / 153); CD = doy - int((153 * mp + 2) / 5) + 1
    CM = mp + (mp < 10 ? 3 : -9); CY += (CM <= 2)
}
function mdy(z) { civil(z); return CM "/" CD "/" CY }
function money(n,    s, r) {
    s = n ""; r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
}
function q(s) { return "\"" s "\"" }

BEGIN {
    seed = 20260630
    team = out "/team.csv"; deals = out "/deals.csv"
    split("Boston|Chicago|Denver|Seattle", office, "|")
    split("Rachel Moreno|Samuel Okafor|Helen Kowalski|Victor Lindqvist", boss, "|")
    firsts = "Alice|Brian|Carmen|David|Elena|Frank|Grace|Hassan|Irene|Jamal|Karen|Luis|" \
             "Maya|Nathan|Olivia|Pedro|Quinn|Rosa|Simon|Tara|Umar|Vera|Wes|Yara"
    lasts = "Anderson|Bennett|Castillo|Dawson|Ellis|Fischer|Gupta|Hughes|Ibarra|Jensen|" \
            "Keller|Lopez|Murphy|Novak|Ortiz|Patel|Reyes|Sato|Turner|Walsh"
    split("Northwind|Contoso|Fabrikam|Tailspin|Litware|Proseware|Adatum|Wingtip|" \
          "Blue Yonder|Coho|Alpine|Lucerne|Margie|Trey|Fourth Coffee|Humongous", acc1, "|")
    split("Traders|Foods|Logistics|Health|Labs|Energy|Retail|Bank|Media|Systems", acc2, "|")
    asof = days(2026, 6, 30)

    print "Agent,Email,Office,Manager,Role,Start Date" > team
    n = 0
    for (o = 1; o <= 4; o++)
        for (i = 1; i <= 9; i++) {
            do { nm = pick(firsts) " " pick(lasts) } while (nm in used)
            used[nm] = 1; n++
            name[n] = nm; off[n] = office[o]
            role[n] = (i == 9) ? "Channel Partner Manager" : "Account Executive"
            skill[n] = 0.22 + rnd() * 0.26        # chance a decided deal is won
            pace[n] = 8 + irand(0, 5)             # deals opened a month
            start[n] = days(2018 + irand(0, 6), irand(1, 12), irand(1, 28))
            if (n == 7) start[n] = days(2026, 2, 16)   # new hires: no deals before they start
            if (n == 22) start[n] = days(2026, 5, 4)
            mail = tolower(nm); sub(/ /, ".", mail)
            civil(start[n])
            printf "%s,%s@example.com,%s,%s,%s,%d/%d/%d\n", nm, mail, off[n], boss[o], role[n],
                   CM, CD, CY > team
        }

    print "Opportunity ID,Opportunity Name,Account Name,Opportunity Owner,Product,Stage," \
          "Lead Source,Created Date,First Meeting,Close Date,Amount" > deals
    id = 6100000; rows = 0
    for (y = 2025; y <= 2026; y++)
        for (m = (y == 2025 ? 7 : 1); m <= (y == 2025 ? 12 : 6); m++)
            for (a = 1; a <= n; a++) {
                cnt = pace[a] + irand(-2, 2)
                for (j = 0; j < cnt; j++) deal(a, y, m)
            }
    plant()
}

function deal(a, y, m,    c, e, cl, pr, amt, st, won, acct, len) {
    c = days(y, m, irand(1, 28))
    if (c < start[a]) return
    pr = rnd(); pr = pr < 0.2 ? "Enterprise" : pr < 0.6 ? "Professional" : "Starter"
    amt = pr == "Enterprise" ? irand(80, 320) * 500 : pr == "Professional" ? irand(120, 400) * 100 \
        : irand(40, 180) * 50
    e = rnd() < 0.12 ? "" : c + irand(0, 14)
    len = (pr == "Enterprise" ? 60 : pr == "Professional" ? 35 : 18) + irand(0, 60)
    cl = (e == "" ? c : e) + len
    if (cl > asof) {
        st = pick("Prospecting|Qualification|Proposal|Negotiation")
        if (rnd() < 0.1) cl = asof - irand(1, 40)       # stale: past its expected close
        if (cl < (e == "" ? c : e)) cl = (e == "" ? c : e)
    } else {
        won = rnd() < skill[a]
        st = won ? "Closed Won" : "Closed Lost"
        if (rnd() < 0.04) st = won ? pick("closed won|Closed-Won|CLOSED WON") : pick("closed lost|Closed_Lost")
        if (!won) amt = int(amt * (0.8 + rnd() * 0.4) / 50) * 50
    }
    acct = pick_account()
    row(++id, acct " - " pr, acct, name[a], pr, st, pick("Web|Referral|Partner|Event|Outbound"),
        mdy(c), e == "" ? "" : mdy(e), mdy(cl), rnd() < 0.5 ? q("$" money(amt)) : amt)
}

function pick_account() { return acc1[irand(1, 16)] " " acc2[irand(1, 10)] }

function row(id, opp, acct, owner, prod, stage, src, c, e, cl, amt) {
    printf "006%07d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", id, q(opp), q(acct), owner, prod, stage, src,
           c, e, cl, amt > deals
    rows++
}

# Rows that go wrong the way real exports do; each is rejected with its reason
# (and one that only looks wrong). Tom Becker has left: not in the team list.
function plant() {
    row(++id, "Adatum Labs - Starter", "Adatum Labs", name[16], "Starter", "Closed Won",
        "Web", "2/30/2026", "", "4/14/2026", 3150)                          # no such day
    row(++id, "Coho Bank - Professional", "Coho Bank", name[3], "Professional", "Closed Won",
        "Referral", "3/2/2026", "3/9/2026", "", q("$21,400"))               # won, no close date
    row(++id, "Trey Media - Enterprise", "Trey Media", name[12], "Enterprise", "Closed Lost",
        "Event", "2/20/2026", "3/9/2026", "3/2/2026", q("$96,000"))         # closed before engaged
    row(++id, "Alpine Energy - Starter", "Alpine Energy", name[20], "Starter", "Proposal",
        "Web", "5/11/2026", "5/12/2026", "7/30/2026", "TBD")                # amount not a number
    row(++id, "Wingtip Retail - Professional", "Wingtip Retail", name[28], "Professional",
        "Negotation", "Partner", "4/2/2026", "4/8/2026", "7/15/2026", 18500) # stage misspelt
    row(++id, "Blue Yonder Systems - Enterprise", "Blue Yonder Systems", name[30], "Enterprise",
        "Closed Won", "Partner", "2/2/2026", "2/18/2026", "5/15/2026", q("$118,500"))
    row(id, "Blue Yonder Systems - Enterprise", "Blue Yonder Systems", name[30], "Enterprise",
        "Closed Won", "Partner", "2/2/2026", "2/18/2026", "5/15/2026", q("$118,500")) # twice
    for (i = 0; i < 3; i++)
        row(++id, "Margie Foods - Professional", "Margie Foods", "Tom Becker", "Professional",
            "Closed Won", "Outbound", "3/" (3 + i) "/2026", "", "4/" (20 + i) "/2026", 15000 + i * 700)
    row(++id, "Litware Health - Starter", "Litware Health", name[33], "Starter", "Closed Won",
        "Web", "4/20/2026", "", "5/28/2026", "")                            # won without amount
    row(++id, "Fabrikam Foods - Starter", "Fabrikam Foods", "  " toupper(name[5]) " ", "Starter",
        "Closed Won", "Web", "5/3/2026", "5/6/2026", "6/30/2026", 4200)     # owner in capitals: fine
}
' </dev/null
