/* sample — see sample.h.
 *
 * Everything random comes from PCG32 (O'Neill's permuted congruential
 * generator): one stream for the organisation, one per person (stream number
 * = the person's index), so a person's figures do not depend on the order in
 * which rows are written. Only +, -, *, / and comparisons touch doubles (no
 * libm), so the bytes are the same on every IEEE-754 machine. */
#include "sample.h"

#include "cli.h"
#include "diag.h"
#include "model.h"
#include "sys.h"
#include "tables.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const kp_archetype_names[KP_NARCH] = {
    "none",          "low_converter", "weak_collector", "few_deals",
    "top_performer", "idle_month",    "declining",
};

/* ---- PCG32 ---------------------------------------------------------------- */

struct rng {
    uint64_t state, inc;
};

static uint32_t rng_u32(struct rng *r)
{
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

/* SplitMix64's finaliser: spreads nearby seeds and stream numbers apart, since
 * PCG streams that share a seed are visibly correlated. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t k = mix64(seed ^ mix64(stream));
    r->state = 0;
    r->inc = (mix64(k) << 1) | 1;
    rng_u32(r);
    r->state += k;
    rng_u32(r);
}

static double rng_unit(struct rng *r) /* [0, 1) */
{
    return rng_u32(r) / 4294967296.0;
}

static long rng_range(struct rng *r, long lo, long hi) /* inclusive */
{
    return lo + (long)(rng_unit(r) * (double)(hi - lo + 1));
}

/* About N(0, 1): Irwin-Hall of four uniforms, scaled (range ±3.46). */
static double rng_normal(struct rng *r)
{
    double s = rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r);
    return (s - 2.0) * 1.7320508075688772;
}

static long rng_binom(struct rng *r, long n, double p)
{
    long k = 0;
    for (long i = 0; i < n; i++)
        k += rng_unit(r) < p;
    return k;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static long roundl_pos(double v) /* round half up, never negative */
{
    return v <= 0 ? 0 : (long)(v + 0.5);
}

static long round_to(double v, long step)
{
    return roundl_pos(v / (double)step) * step;
}

/* ---- name pools ----------------------------------------------------------- */

static const char *const en_first[] = {
    "James",     "Mary",     "John",      "Patricia", "Robert",    "Jennifer", "Michael",
    "Linda",     "William",  "Elizabeth", "David",    "Barbara",   "Richard",  "Susan",
    "Joseph",    "Jessica",  "Thomas",    "Sarah",    "Charles",   "Karen",    "Christopher",
    "Nancy",     "Daniel",   "Lisa",      "Matthew",  "Betty",     "Anthony",  "Margaret",
    "Mark",      "Sandra",   "Donald",    "Ashley",   "Steven",    "Kimberly", "Paul",
    "Emily",     "Andrew",   "Donna",     "Joshua",   "Michelle",  "Kenneth",  "Carol",
    "Kevin",     "Amanda",   "Brian",     "Melissa",  "George",    "Deborah",  "Timothy",
    "Stephanie", "Ronald",   "Rebecca",   "Edward",   "Sharon",    "Jason",    "Laura",
    "Jeffrey",   "Cynthia",  "Ryan",      "Kathleen", "Jacob",     "Amy",      "Gary",
    "Angela",    "Nicholas", "Shirley",   "Eric",     "Anna",      "Jonathan", "Brenda",
    "Stephen",   "Pamela",   "Larry",     "Emma",     "Justin",    "Nicole",   "Scott",
    "Helen",     "Brandon",  "Samantha",  "Benjamin", "Katherine", "Samuel",   "Christine",
    "Gregory",   "Debra",    "Alexander", "Rachel",   "Frank",     "Carolyn",  "Patrick",
    "Janet",     "Raymond",  "Catherine", "Jack",     "Maria",     "Priya",    "Omar",
    "Sofia",     "Lucas",    "Aisha",     "Mateo",    "Ingrid",    "Tomasz",
};

static const char *const en_last[] = {
    "Smith",    "Johnson",   "Williams",   "Brown",     "Jones",    "Garcia",   "Miller",
    "Davis",    "Rodriguez", "Martinez",   "Hernandez", "Lopez",    "Gonzalez", "Wilson",
    "Anderson", "Thomas",    "Taylor",     "Moore",     "Jackson",  "Martin",   "Lee",
    "Perez",    "Thompson",  "White",      "Harris",    "Sanchez",  "Clark",    "Ramirez",
    "Lewis",    "Robinson",  "Walker",     "Young",     "Allen",    "King",     "Wright",
    "Scott",    "Torres",    "Nguyen",     "Hill",      "Flores",   "Green",    "Adams",
    "Nelson",   "Baker",     "Hall",       "Rivera",    "Campbell", "Mitchell", "Carter",
    "Roberts",  "Gomez",     "Phillips",   "Evans",     "Turner",   "Diaz",     "Parker",
    "Cruz",     "Edwards",   "Collins",    "Reyes",     "Stewart",  "Morris",   "Morales",
    "Murphy",   "Cook",      "Rogers",     "Gutierrez", "Ortiz",    "Morgan",   "Cooper",
    "Peterson", "Bailey",    "Reed",       "Kelly",     "Howard",   "Ramos",    "Kim",
    "Cox",      "Ward",      "Richardson", "Watson",    "Brooks",   "Chavez",   "Wood",
    "James",    "Bennett",   "Gray",       "Mendoza",   "Ruiz",     "Hughes",   "Price",
    "Alvarez",  "Castillo",  "Sanders",    "Patel",     "Myers",    "Long",     "Ross",
    "Foster",   "O'Brien",   "Novak",      "Lindqvist", "Okafor",   "Haddad",
};

/* Chinese names: characters and the romanisation used for e-mail addresses. */
struct zh_name {
    const char *hanzi, *latin;
};

static const struct zh_name zh_surname[] = {
    {"王", "wang"},       {"李", "li"},       {"张", "zhang"},       {"刘", "liu"},
    {"陈", "chen"},       {"杨", "yang"},     {"黄", "huang"},       {"赵", "zhao"},
    {"吴", "wu"},         {"周", "zhou"},     {"徐", "xu"},          {"孙", "sun"},
    {"马", "ma"},         {"朱", "zhu"},      {"胡", "hu"},          {"郭", "guo"},
    {"何", "he"},         {"林", "lin"},      {"高", "gao"},         {"罗", "luo"},
    {"郑", "zheng"},      {"梁", "liang"},    {"谢", "xie"},         {"宋", "song"},
    {"唐", "tang"},       {"许", "xu"},       {"韩", "han"},         {"冯", "feng"},
    {"邓", "deng"},       {"曹", "cao"},      {"彭", "peng"},        {"曾", "zeng"},
    {"肖", "xiao"},       {"田", "tian"},     {"董", "dong"},        {"潘", "pan"},
    {"袁", "yuan"},       {"蔡", "cai"},      {"蒋", "jiang"},       {"余", "yu"},
    {"于", "yu"},         {"杜", "du"},       {"叶", "ye"},          {"程", "cheng"},
    {"魏", "wei"},        {"苏", "su"},       {"吕", "lv"},          {"丁", "ding"},
    {"任", "ren"},        {"卢", "lu"},       {"姚", "yao"},         {"沈", "shen"},
    {"钟", "zhong"},      {"姜", "jiang"},    {"崔", "cui"},         {"谭", "tan"},
    {"陆", "lu"},         {"范", "fan"},      {"汪", "wang"},        {"廖", "liao"},
    {"石", "shi"},        {"金", "jin"},      {"韦", "wei"},         {"贾", "jia"},
    {"夏", "xia"},        {"付", "fu"},       {"方", "fang"},        {"邹", "zou"},
    {"熊", "xiong"},      {"白", "bai"},      {"孟", "meng"},        {"秦", "qin"},
    {"邱", "qiu"},        {"侯", "hou"},      {"江", "jiang"},       {"尹", "yin"},
    {"薛", "xue"},        {"段", "duan"},     {"雷", "lei"},         {"龙", "long"},
    {"史", "shi"},        {"陶", "tao"},      {"贺", "he"},          {"顾", "gu"},
    {"毛", "mao"},        {"郝", "hao"},      {"龚", "gong"},        {"邵", "shao"},
    {"万", "wan"},        {"钱", "qian"},     {"戴", "dai"},         {"严", "yan"},
    {"欧阳", "ouyang"},   {"司马", "sima"},   {"上官", "shangguan"}, {"诸葛", "zhuge"},
    {"东方", "dongfang"}, {"慕容", "murong"},
};

static const struct zh_name zh_given[] = {
    {"芳", "fang"},      {"伟", "wei"},        {"娜", "na"},         {"敏", "min"},
    {"静", "jing"},      {"丽", "li"},         {"强", "qiang"},      {"磊", "lei"},
    {"军", "jun"},       {"洋", "yang"},       {"勇", "yong"},       {"艳", "yan"},
    {"杰", "jie"},       {"娟", "juan"},       {"涛", "tao"},        {"明", "ming"},
    {"超", "chao"},      {"秀英", "xiuying"},  {"霞", "xia"},        {"平", "ping"},
    {"刚", "gang"},      {"桂英", "guiying"},  {"明辉", "minghui"},  {"建华", "jianhua"},
    {"建国", "jianguo"}, {"志强", "zhiqiang"}, {"晓东", "xiaodong"}, {"晓燕", "xiaoyan"},
    {"海燕", "haiyan"},  {"雪梅", "xuemei"},   {"丽娟", "lijuan"},   {"玉兰", "yulan"},
    {"文博", "wenbo"},   {"子涵", "zihan"},    {"浩然", "haoran"},   {"梓轩", "zixuan"},
    {"欣怡", "xinyi"},   {"思远", "siyuan"},   {"宇航", "yuhang"},   {"嘉怡", "jiayi"},
    {"一鸣", "yiming"},  {"佳琪", "jiaqi"},    {"俊杰", "junjie"},   {"雨萱", "yuxuan"},
    {"天佑", "tianyou"}, {"晨曦", "chenxi"},   {"志伟", "zhiwei"},   {"春梅", "chunmei"},
    {"国庆", "guoqing"}, {"红梅", "hongmei"},  {"立新", "lixin"},    {"卫东", "weidong"},
    {"鹏", "peng"},      {"辉", "hui"},        {"斌", "bin"},        {"宇", "yu"},
    {"浩", "hao"},       {"凯", "kai"},        {"婷", "ting"},       {"雪", "xue"},
    {"琳", "lin"},       {"颖", "ying"},       {"倩", "qian"},       {"慧", "hui"},
    {"莉", "li"},        {"晶", "jing"},       {"瑶", "yao"},        {"楠", "nan"},
    {"帆", "fan"},       {"健", "jian"},       {"亮", "liang"},      {"峰", "feng"},
    {"成", "cheng"},     {"华", "hua"},        {"飞", "fei"},        {"彬", "bin"},
    {"昊", "hao"},       {"博", "bo"},         {"睿", "rui"},        {"翔", "xiang"},
    {"佳", "jia"},       {"悦", "yue"},        {"诗涵", "shihan"},   {"梦琪", "mengqi"},
    {"振华", "zhenhua"}, {"永刚", "yonggang"}, {"海波", "haibo"},    {"少华", "shaohua"},
    {"德明", "deming"},  {"美玲", "meiling"},  {"淑珍", "shuzhen"},  {"秀兰", "xiulan"},
    {"金凤", "jinfeng"}, {"家豪", "jiahao"},   {"嘉欣", "jiaxin"},   {"晓明", "xiaoming"},
    {"志明", "zhiming"}, {"丹", "dan"},        {"蕾", "lei"},        {"欢", "huan"},
};

/* ---- organisation --------------------------------------------------------- */

enum role { R_AE, R_KAM, R_CHANNEL, R_SUPPORT, R_MANAGER, NROLES };
static const char *const role_ids[NROLES] = {"ae", "kam", "channel", "support", "manager"};

/* Monthly magnitudes per role. */
struct role_prof {
    long quota_lo, quota_hi; /* 0 = no quota (no sales cells) */
    double opps, conv, visits, cycle;
};
static const struct role_prof profs[NROLES] = {
    [R_AE] = {60000, 120000, 14, 0.30, 20, 45},
    [R_KAM] = {180000, 320000, 6, 0.40, 13, 95},
    [R_CHANNEL] = {90000, 180000, 10, 0.33, 10, 60},
    [R_SUPPORT] = {0, 0, 0, 0, 18, 0},
    [R_MANAGER] = {0, 0, 0, 0, 5, 0},
};

enum team_kind { T_REGION, T_KEY, T_CHANNEL, T_LEAD };
static const enum team_kind kind_cycle[] = {T_REGION, T_KEY, T_REGION, T_CHANNEL, T_REGION};

struct team {
    enum team_kind kind;
    long first, n; /* people [first, first + n): the manager, then members */
    long director; /* person the manager reports to */
    char *name;
};

struct person {
    enum role role;
    long team; /* index into teams; -1 = leadership */
    long mgr;  /* -1 = none */
    int zh;
    enum kp_archetype arch;
    int first_m; /* first month index with a row */
    long hire;   /* days since 1970 */
    char *name, *email;
    /* traits */
    double skill, conv, lossr, collect, activity, trend, fbias, csat, cycle, renew, sd;
    long quota;
    double prev_rev;
    struct rng r;
};

struct gen {
    const struct kp_sample_params *p;
    long n, nteams, ndirectors;
    int months;
    kp_month m0;
    struct person *ppl;
    struct team *teams;
    int *used_en, *used_zh; /* how often each (first, last) name was drawn */
    int idw;                /* rep_id digits */
    struct rng org;
};

static void plan_teams(struct gen *g)
{
    long rest = g->n - 1;
    g->nteams = rest <= 0 ? 0 : (rest + 10) / 11; /* at most 11 a team on average */
    g->ndirectors = g->nteams > 6 ? (g->nteams + 5) / 6 : 0;
    if (g->nteams == 0)
        return;
    long members = rest - g->ndirectors, t = g->nteams;
    long *size = xcalloc((size_t)t, sizeof *size);
    for (long i = 0; i < t; i++)
        size[i] = members / t + (i < members % t);
    for (long i = 0; i < t && t > 1; i++) { /* uneven but 6..12 */
        long j = rng_range(&g->org, 0, t - 1), d = rng_range(&g->org, 0, 2);
        if (j != i && size[i] - d >= 6 && size[j] + d <= 12)
            size[i] -= d, size[j] += d;
    }
    g->teams = xcalloc((size_t)t, sizeof *g->teams);
    long next = 1 + g->ndirectors;
    for (long i = 0; i < t; i++) {
        struct team *tm = &g->teams[i];
        tm->kind = kind_cycle[i % (long)KP_NELEM(kind_cycle)];
        tm->first = next;
        tm->n = size[i];
        tm->director = g->ndirectors ? 1 + i / 6 : 0;
        next += size[i];
    }
    free(size);
}

static enum role member_role(enum team_kind k, long i, long m)
{
    if (m >= 5 && i == m - 1)
        return R_SUPPORT;
    switch (k) {
    case T_KEY: return m >= 7 && i == 1 ? R_AE : R_KAM;
    case T_CHANNEL: return m >= 7 && i == 1 ? R_AE : R_CHANNEL;
    default:
        if (m >= 7 && i == 2)
            return R_CHANNEL;
        if (m >= 9 && i == 4)
            return R_KAM;
        return R_AE;
    }
}

static void place_people(struct gen *g)
{
    g->ppl[0].role = R_MANAGER, g->ppl[0].team = -1, g->ppl[0].mgr = -1;
    for (long d = 1; d <= g->ndirectors; d++)
        g->ppl[d].role = R_MANAGER, g->ppl[d].team = -1, g->ppl[d].mgr = 0;
    for (long t = 0; t < g->nteams; t++) {
        const struct team *tm = &g->teams[t];
        for (long i = 0; i < tm->n; i++) {
            struct person *p = &g->ppl[tm->first + i];
            p->team = t;
            p->mgr = i == 0 ? tm->director : tm->first;
            p->role = i == 0 ? R_MANAGER : member_role(tm->kind, i - 1, tm->n - 1);
        }
    }
}

static int sells(enum role r)
{
    return r == R_AE || r == R_KAM || r == R_CHANNEL;
}

/* Archetype k (1-based) goes to team (slot % nteams): the first selling
 * member there without one yet. At least one slot per archetype, and one per
 * team in bigger organisations. */
static void plant_archetypes(struct gen *g)
{
    long slots = g->nteams > KP_NARCH - 1 ? g->nteams : KP_NARCH - 1;
    for (long s = 0; s < slots && g->nteams; s++) {
        const struct team *tm = &g->teams[s % g->nteams];
        for (long i = 1; i < tm->n; i++) {
            struct person *p = &g->ppl[tm->first + i];
            if (sells(p->role) && p->arch == KP_ARCH_NONE) {
                p->arch = (enum kp_archetype)(s % (KP_NARCH - 1) + 1);
                break;
            }
        }
    }
}

/* ---- people --------------------------------------------------------------- */

static char *email_part(const char *s)
{
    struct kp_buf b = {0};
    for (; *s; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            buf_addc(&b, c);
    }
    return buf_steal(&b);
}

static void make_name(struct gen *g, struct person *p)
{
    size_t nf = p->zh ? KP_NELEM(zh_surname) : KP_NELEM(en_first);
    size_t nl = p->zh ? KP_NELEM(zh_given) : KP_NELEM(en_last);
    int *used = p->zh ? g->used_zh : g->used_en;
    size_t f = 0, l = 0;
    for (int tries = 0; tries < 8; tries++) { /* prefer a name nobody has yet */
        f = (size_t)rng_range(&p->r, 0, (long)nf - 1);
        l = (size_t)rng_range(&p->r, 0, (long)nl - 1);
        if (!used[f * nl + l])
            break;
    }
    int dup = used[f * nl + l]++;
    char *a, *b;
    if (p->zh) {
        p->name = xasprintf("%s%s", zh_surname[f].hanzi, zh_given[l].hanzi);
        a = xstrdup(zh_surname[f].latin), b = xstrdup(zh_given[l].latin);
    } else {
        p->name = xasprintf("%s %s", en_first[f], en_last[l]);
        a = email_part(en_first[f]), b = email_part(en_last[l]);
    }
    if (dup)
        p->email = xasprintf("%s.%s%d@example.com", a, b, dup + 1);
    else
        p->email = xasprintf("%s.%s@example.com", a, b);
    free(a);
    free(b);
}

static long month_start(kp_month m)
{
    return date_from_ymd(m / 12, m % 12 + 1, 1);
}

static void make_hire(struct gen *g, struct person *p, long idx)
{
    long start = month_start(g->m0);
    p->first_m = 0;
    int hm = -1; /* hired within the data months: month index */
    if (p->arch == KP_ARCH_FEW_DEALS)
        hm = g->months >= 3 ? g->months - 3 : 0;
    else if (p->role != R_MANAGER && p->arch == KP_ARCH_NONE && g->months >= 2 &&
             rng_unit(&p->r) < 0.07)
        hm = (int)rng_range(&p->r, 1, g->months - 1);
    if (hm >= 0) {
        p->first_m = hm;
        p->hire = month_start(g->m0 + hm) + rng_range(&p->r, 0, 26);
        return;
    }
    long lo = date_from_ymd(idx == 0 ? 2011 : p->role == R_MANAGER ? 2012 : 2014, 1, 5);
    long hi = start - 45;
    if (hi < lo + 30)
        lo = hi - 3650;
    p->hire = rng_range(&p->r, lo, hi);
}

static void make_traits(struct person *p)
{
    struct rng *r = &p->r;
    const struct role_prof *rp = &profs[p->role];
    p->skill = clampd(1.0 + 0.13 * rng_normal(r), 0.62, 1.25);
    p->conv = clampd(rp->conv * (1 + 0.2 * rng_normal(r)), 0.1, 0.6);
    p->lossr = 0.5 + 0.25 * rng_unit(r);
    p->collect = clampd(0.93 + 0.035 * rng_normal(r), 0.82, 1.0);
    p->activity = clampd(1 + 0.15 * rng_normal(r), 0.65, 1.4);
    p->trend = 0.012 * rng_normal(r);
    p->fbias = 0.05 * rng_normal(r);
    p->csat = clampd(4.1 + 0.3 * rng_normal(r), 3.0, 4.8);
    p->cycle = rp->cycle * (1 + 0.15 * rng_normal(r));
    p->renew = clampd(0.85 + 0.07 * rng_normal(r), 0.55, 1.0);
    p->sd = 0.15;
    p->quota =
        rp->quota_lo
            ? round_to(rp->quota_lo + rng_unit(r) * (double)(rp->quota_hi - rp->quota_lo), 5000)
            : 0;
}

static void apply_archetype(struct person *p)
{
    switch (p->arch) {
    case KP_ARCH_LOW_CONVERTER:
        p->activity = 1.8, p->conv = 0.06, p->lossr = 0.8, p->skill = 0.68;
        break;
    case KP_ARCH_WEAK_COLLECTOR:
        p->conv = 0.52, p->lossr = 0.35, p->skill = 1.12, p->collect = 0.6;
        break;
    case KP_ARCH_FEW_DEALS: p->conv = 0.34; break;
    case KP_ARCH_TOP:
        p->skill = 1.35, p->conv = 0.5, p->lossr = 0.3, p->collect = 0.99, p->activity = 1.45;
        p->csat = 4.8, p->fbias = 0.01, p->renew = 1.0, p->cycle *= 0.7, p->trend = 0.01;
        p->sd = 0.04;
        break;
    case KP_ARCH_DECLINING: p->trend = -0.07, p->skill = 1.05; break;
    default: break;
    }
}

static void make_people(struct gen *g)
{
    for (long i = 0; i < g->n; i++) {
        struct person *p = &g->ppl[i];
        rng_seed(&p->r, g->p->seed, (uint64_t)i + 1);
        p->zh = rng_unit(&p->r) < g->p->zh_share;
        make_name(g, p);
        make_hire(g, p, i);
        make_traits(p);
        apply_archetype(p);
    }
    /* A few people without an e-mail address (about one in twenty). */
    for (long k = g->n >= 10 ? g->n / 20 + 1 : 0; k > 0; k--) {
        struct person *p = &g->ppl[rng_range(&g->org, 1, g->n - 1)];
        if (p->arch == KP_ARCH_NONE && *p->email) {
            free(p->email);
            p->email = xstrdup("");
        }
    }
}

/* ---- team names ------------------------------------------------------------ */

static const char *const en_region[] = {"East",      "West",      "North",     "South",
                                        "Central",   "Northeast", "Southeast", "Northwest",
                                        "Southwest", "Metro"};
static const char *const en_key[] = {"Key Accounts", "Enterprise", "Strategic Accounts"};
static const char *const en_channel[] = {"Channel", "Partners", "Distribution"};
static const char *const zh_region[] = {"华东", "华北", "华南", "华中", "西南", "西北", "东北"};
static const char *const zh_key[] = {"大客户部", "战略客户部", "行业客户部"};
static const char *const zh_channel[] = {"渠道部", "分销部", "电商渠道部"};
static const char *const zh_digit[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

/* 1..99 in Chinese numerals, else digits. */
static void zh_number(struct kp_buf *b, long n)
{
    if (n < 1 || n > 99) {
        buf_printf(b, "%ld", n);
        return;
    }
    if (n >= 20)
        buf_adds(b, zh_digit[n / 10]);
    if (n >= 10)
        buf_adds(b, "十");
    buf_adds(b, zh_digit[n % 10]);
}

static char *pool_name(const char *const *pool, long n, long k, int zh)
{
    if (k < n)
        return xstrdup(pool[k]);
    return xasprintf(zh ? "%s%ld" : "%s %ld", pool[k % n], k / n + 1);
}

static char *team_name(enum team_kind kind, int zh, long k)
{
    if (kind == T_LEAD)
        return xstrdup(zh ? "销售管理部" : "Sales Leadership");
    if (kind == T_KEY)
        return zh ? pool_name(zh_key, KP_NELEM(zh_key), k, 1)
                  : pool_name(en_key, KP_NELEM(en_key), k, 0);
    if (kind == T_CHANNEL)
        return zh ? pool_name(zh_channel, KP_NELEM(zh_channel), k, 1)
                  : pool_name(en_channel, KP_NELEM(en_channel), k, 0);
    if (!zh)
        return pool_name(en_region, KP_NELEM(en_region), k, 0);
    struct kp_buf b = {0}; /* 华东一区, 华东二区, 华东三区, 华北一区 … 华东四区 */
    buf_adds(&b, zh_region[(k / 3) % (long)KP_NELEM(zh_region)]);
    zh_number(&b, k % 3 + 1 + 3 * (k / (3 * (long)KP_NELEM(zh_region))));
    buf_adds(&b, "区");
    return buf_steal(&b);
}

static int mostly_zh(const struct person *p, long n)
{
    long zh = 0;
    for (long i = 0; i < n; i++)
        zh += p[i].zh;
    return 2 * zh > n;
}

static char *name_teams(struct gen *g)
{
    long count[2][3] = {{0}};
    for (long t = 0; t < g->nteams; t++) {
        struct team *tm = &g->teams[t];
        int zh = mostly_zh(&g->ppl[tm->first], tm->n);
        tm->name = team_name(tm->kind, zh, count[zh][tm->kind]++);
    }
    return team_name(T_LEAD, mostly_zh(g->ppl, g->n), 0);
}

/* ---- CSV writing ---------------------------------------------------------- */

static void put_long(struct kp_buf *b, long v)
{
    char tmp[24];
    int n = 0;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    char out[24];
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    buf_add(b, out, (size_t)n);
}

static void put_header(struct kp_buf *b, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_addc(b, ',');
        buf_adds(b, cols[i]);
    }
    buf_addc(b, '\n');
}

static void put_id(struct kp_buf *b, const struct gen *g, long idx)
{
    char id[24];
    int w = g->idw < 20 ? g->idw : 20;
    unsigned long v = (unsigned long)idx + 1;
    id[0] = 'R';
    for (int k = w; k >= 1; k--, v /= 10)
        id[k] = (char)('0' + v % 10);
    buf_add(b, id, (size_t)w + 1);
}

static void write_roster(const struct gen *g, const char *lead_team, struct kp_buf *b)
{
    put_header(b, kp_roster_cols, KP_R_END_DATE); /* no leavers: no end_date column */
    for (long i = 0; i < g->n; i++) {
        const struct person *p = &g->ppl[i];
        int y, m, d;
        char date[16];
        date_split(p->hire, &y, &m, &d);
        snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
        put_id(b, g, i);
        buf_addc(b, ',');
        csv_cell(b, p->name, 0);
        buf_addc(b, ',');
        csv_cell(b, p->email, 0);
        buf_addc(b, ',');
        csv_cell(b, p->team < 0 ? lead_team : g->teams[p->team].name, 0);
        buf_printf(b, ",%s,", role_ids[p->role]);
        if (p->mgr >= 0)
            put_id(b, g, p->mgr);
        buf_printf(b, ",%s,%s\n", date, p->zh ? "zh" : "en");
    }
}

/* ---- monthly figures ------------------------------------------------------ */

/* Calendar-month factors: slow January/February (and Chinese New Year),
 * quarter ends strong, December strongest. */
static const double season_tab[12] = {0.86, 0.80, 1.08, 0.95, 1.00, 1.14,
                                      0.90, 0.88, 1.08, 0.97, 1.02, 1.20};

struct month_ctx {
    int m;      /* month index in the data */
    int cal;    /* calendar month 0..11 */
    int tenure; /* months since the person's first row */
    int months;
};

/* What shapes one person's month. */
struct month_f {
    double season, qseason; /* sales and (flatter) quota seasonality */
    double trend;           /* the person's trend at this month */
    double ramp;            /* a new hire's first months: 0.5, 0.8 */
    int idle;               /* the idle archetype's empty month */
    int top;
};

static struct month_f month_factors(const struct person *p, const struct month_ctx *c)
{
    struct month_f f;
    int hired_late = p->first_m > 0;
    f.season = season_tab[c->cal];
    f.qseason = 1 + 0.5 * (f.season - 1);
    f.trend = clampd(1 + p->trend * (c->m - (c->months - 1) / 2.0), 0.25, 2.0);
    f.ramp = hired_late && c->tenure == 0 ? 0.5 : hired_late && c->tenure == 1 ? 0.8 : 1.0;
    f.idle = p->arch == KP_ARCH_IDLE_MONTH && c->m == (c->months >= 2 ? c->months - 2 : 0);
    f.top = p->arch == KP_ARCH_TOP;
    return f;
}

static void survey(struct rng *r, double csat, double *v)
{
    double cs = clampd(csat + 0.25 * rng_normal(r), 1.0, 5.0);
    v[KP_COL_CSAT] = roundl_pos(cs * 10) / 10.0;
    double nps = clampd((cs - 3.6) * 55 + 10 * rng_normal(r), -100, 100);
    v[KP_COL_NPS] = nps < 0 ? -(double)roundl_pos(-nps) : (double)roundl_pos(nps);
}

/* Opportunities, won, lost, new customers, cycle days; returns won. The
 * few-deals new hire has one opportunity a month: open, won, lost. The top
 * performer's wins follow the rates closely, so their KPIs never dip by luck. */
static long pipeline_cells(struct person *p, const struct month_ctx *c, const struct month_f *f,
                           double *v)
{
    struct rng *r = &p->r;
    const struct role_prof *rp = &profs[p->role];
    long opps = roundl_pos(rp->opps * p->activity * f->ramp * f->trend * (0.8 + 0.4 * rng_unit(r)));
    long won, lost;
    if (f->idle) {
        opps = won = lost = 0;
    } else if (p->arch == KP_ARCH_FEW_DEALS) {
        opps = 1, won = c->tenure % 3 == 1, lost = c->tenure % 3 == 2;
    } else if (f->top) {
        won = roundl_pos(opps * p->conv * (0.95 + 0.1 * rng_unit(r)));
        lost = roundl_pos((opps - won) * p->lossr);
    } else {
        won = rng_binom(r, opps, clampd(p->conv * (0.85 + 0.3 * rng_unit(r)), 0, 0.95));
        lost = rng_binom(r, opps - won, p->lossr); /* the rest stay open */
    }
    v[KP_COL_OPPORTUNITIES] = (double)opps;
    v[KP_COL_WON] = (double)won;
    v[KP_COL_LOST] = (double)lost;
    double newc = p->role == R_KAM ? 0.12 : p->role == R_CHANNEL ? 0.6 : 0.55;
    v[KP_COL_NEW_CUSTOMERS] = (double)rng_binom(r, won, newc);
    if (won > 0)
        v[KP_COL_CYCLE_DAYS] = roundl_pos(p->cycle * (0.85 + 0.3 * rng_unit(r)) * 10) / 10.0;
    return won;
}

/* Revenue, quota, collected (with a month's lag), forecast. */
static void money_cells(struct person *p, const struct month_ctx *c, const struct month_f *f,
                        long won, double *v)
{
    struct rng *r = &p->r;
    long quota = round_to(p->quota * f->qseason * (f->ramp < 1 ? f->ramp + 0.1 : 1), 1000);
    double expect = quota * p->skill * (f->season / f->qseason) * f->trend * f->ramp;
    double rev = f->idle ? 0 : roundl_pos(expect * (1 + p->sd * rng_normal(r)));
    if (p->arch == KP_ARCH_FEW_DEALS) {
        rev = won ? roundl_pos(p->quota * 0.5 * (0.8 + 0.4 * rng_unit(r))) : 0;
        expect = p->quota * 0.3;
    }
    double prev = c->tenure == 0 ? (p->first_m > 0 ? 0 : rev) : p->prev_rev;
    v[KP_COL_REVENUE] = rev;
    v[KP_COL_QUOTA] = (double)quota;
    v[KP_COL_COLLECTED] =
        roundl_pos(p->collect * (0.6 * rev + 0.4 * prev) * (1 + 0.03 * rng_normal(r)));
    v[KP_COL_FORECAST] = (double)round_to(expect * (1 + p->fbias + 0.07 * rng_normal(r)), 1000);
    p->prev_rev = rev;
}

static void sales_cells(struct person *p, const struct month_ctx *c, double *v)
{
    struct rng *r = &p->r;
    struct month_f f = month_factors(p, c);
    long won = pipeline_cells(p, c, &f, v);
    money_cells(p, c, &f, won, v);
    long due = p->role == R_KAM       ? roundl_pos(4 + 3 * rng_unit(r))
               : p->role == R_CHANNEL ? rng_binom(r, 3, 0.4)
                                      : rng_binom(r, 2, 0.25) + f.top;
    v[KP_COL_RENEWALS_DUE] = (double)due;
    v[KP_COL_RENEWALS_WON] = (double)(f.idle ? 0 : rng_binom(r, due, p->renew));
    double visits = profs[p->role].visits * p->activity * f.ramp * f.trend;
    v[KP_COL_VISITS] = f.idle ? 0 : (double)roundl_pos(visits * (0.8 + 0.4 * rng_unit(r)));
    if (!f.idle && (rng_unit(r) < 0.5 || f.top)) { /* a customer survey this month */
        survey(r, p->csat, v);
        if (rng_unit(r) >= 0.85 && !f.top)
            v[KP_COL_NPS] = NAN;
    }
}

static void other_cells(struct person *p, const struct month_ctx *c, double *v)
{
    struct rng *r = &p->r;
    double base = profs[p->role].visits * (p->role == R_MANAGER ? 1 : p->activity);
    v[KP_COL_VISITS] = (double)roundl_pos(base * (0.7 + 0.6 * rng_unit(r)) *
                                          (c->tenure == 0 && p->first_m > 0 ? 0.5 : 1));
    if (p->role == R_SUPPORT && rng_unit(r) < 0.7)
        survey(r, p->csat, v);
}

static void put_value(struct kp_buf *b, double v, int col)
{
    if (isnan(v))
        return;
    if (col == KP_COL_CSAT || col == KP_COL_CYCLE_DAYS) {
        long t = roundl_pos(v * 10);
        put_long(b, t / 10);
        buf_addc(b, '.');
        buf_addc(b, (char)('0' + t % 10));
        return;
    }
    put_long(b, (long)v);
}

/* Realistic gaps: now and then one extract behind a row is missing, which
 * blanks a group of cells that belong together (so that a ratio never pairs a
 * numerator with a missing denominator). About 3% of the cells. */
static const int gap_group[KP_NCANON] = {
    [KP_COL_REVENUE] = 0,       [KP_COL_QUOTA] = 0,         [KP_COL_COLLECTED] = 0,
    [KP_COL_FORECAST] = 0,      [KP_COL_OPPORTUNITIES] = 1, [KP_COL_WON] = 1,
    [KP_COL_LOST] = 1,          [KP_COL_CYCLE_DAYS] = 1,    [KP_COL_RENEWALS_DUE] = 2,
    [KP_COL_RENEWALS_WON] = 2,  [KP_COL_CSAT] = 3,          [KP_COL_NPS] = 3,
    [KP_COL_NEW_CUSTOMERS] = 4, [KP_COL_VISITS] = 5,
};
#define NGAP_GROUPS 6

static void make_gaps(struct person *p, double *v)
{
    for (int grp = 0; grp < NGAP_GROUPS; grp++) {
        if (rng_unit(&p->r) >= 0.03 || p->arch != KP_ARCH_NONE)
            continue;
        for (int k = 0; k < KP_NCANON; k++)
            if (gap_group[k] == grp)
                v[k] = NAN;
    }
}

static void metric_row(const struct gen *g, long i, const struct month_ctx *c, const char *period,
                       struct kp_buf *b)
{
    struct person *p = &g->ppl[i];
    double v[KP_NCANON];
    for (int k = 0; k < KP_NCANON; k++)
        v[k] = NAN;
    if (sells(p->role))
        sales_cells(p, c, v);
    else
        other_cells(p, c, v);
    make_gaps(p, v);
    buf_adds(b, period);
    buf_addc(b, ',');
    put_id(b, g, i);
    for (int k = 0; k < KP_NCANON; k++) {
        buf_addc(b, ',');
        put_value(b, v[k], k);
    }
    buf_addc(b, '\n');
}

/* Where full chunks of metrics go when streaming (NULL: keep all in b). */
struct sink {
    FILE *f;
};

static void write_metrics(const struct gen *g, struct kp_buf *b, const struct sink *sk)
{
    static const char *const lead[] = {"period", "rep_id"};
    const char *cols[2 + KP_NCANON];
    memcpy(cols, lead, sizeof lead);
    memcpy(cols + 2, kp_canon_cols, sizeof kp_canon_cols);
    put_header(b, cols, KP_NELEM(cols));
    for (int m = 0; m < g->months; m++) {
        char period[8];
        month_format(g->m0 + m, period);
        for (long i = 0; i < g->n; i++) {
            const struct person *p = &g->ppl[i];
            if (m < p->first_m)
                continue;
            struct month_ctx c = {m, (g->m0 + m) % 12, m - p->first_m, g->months};
            metric_row(g, i, &c, period, b);
            if (sk && b->len >= (1u << 20)) {
                fwrite(b->s, 1, b->len, sk->f); /* errors: out_commit checks ferror */
                buf_reset(b);
            }
        }
    }
    if (sk && b->len) {
        fwrite(b->s, 1, b->len, sk->f);
        buf_reset(b);
    }
}

/* ---- the generator and the command ---------------------------------------- */

static void write_archetypes(const struct gen *g, struct kp_buf *b)
{
    buf_adds(b, "rep_id,archetype\n");
    for (long i = 0; i < g->n; i++) {
        if (g->ppl[i].arch == KP_ARCH_NONE)
            continue;
        put_id(b, g, i);
        buf_printf(b, ",%s\n", kp_archetype_names[g->ppl[i].arch]);
    }
}

static void gen_free(struct gen *g)
{
    for (long i = 0; i < g->n; i++)
        free(g->ppl[i].name), free(g->ppl[i].email);
    for (long t = 0; t < g->nteams; t++)
        free(g->teams[t].name);
    free(g->ppl);
    free(g->teams);
    free(g->used_en);
    free(g->used_zh);
}

static void generate(const struct kp_sample_params *p, struct kp_buf *roster,
                     struct kp_buf *metrics, struct kp_buf *archetypes, const struct sink *sk)
{
    struct gen g = {0};
    g.p = p;
    g.n = p->reps < 1 ? 1 : p->reps;
    g.months = p->months < 1 ? 1 : (int)p->months;
    g.m0 = KP_SAMPLE_END_MONTH - (g.months - 1);
    g.idw = 1;
    for (long n = g.n; n >= 10; n /= 10)
        g.idw++;
    if (g.idw < 4)
        g.idw = 4;
    rng_seed(&g.org, p->seed, 0);
    g.ppl = xcalloc((size_t)g.n, sizeof *g.ppl);
    g.used_en = xcalloc(KP_NELEM(en_first) * KP_NELEM(en_last), sizeof *g.used_en);
    g.used_zh = xcalloc(KP_NELEM(zh_surname) * KP_NELEM(zh_given), sizeof *g.used_zh);
    plan_teams(&g);
    place_people(&g);
    plant_archetypes(&g);
    make_people(&g);
    char *lead = name_teams(&g);
    write_roster(&g, lead, roster);
    write_metrics(&g, metrics, sk);
    if (archetypes)
        write_archetypes(&g, archetypes);
    free(lead);
    gen_free(&g);
}

void sample_generate(const struct kp_sample_params *p, struct kp_buf *roster,
                     struct kp_buf *metrics, struct kp_buf *archetypes)
{
    generate(p, roster, metrics, archetypes, NULL);
}

/* Both files are written to temporary names and renamed into place only when
 * both are complete. The metrics stream out in chunks, so a big organisation
 * never has to fit in memory twice. */
int sample_main(const struct kp_opts *o)
{
    struct kp_sample_params p = {o->reps, o->months, o->seed, o->zh_share};
    if (sys_mkdirs(o->outdir) != 0)
        return diag_status();
    sys_sweep_tmp(o->outdir); /* leftovers of a killed run */
    char *rpath = path_join(o->outdir, "roster.csv");
    char *mpath = path_join(o->outdir, "metrics.csv");
    struct kp_out *ro = out_open(rpath), *mo = ro ? out_open(mpath) : NULL;
    if (ro && mo) {
        struct kp_buf roster = {0}, metrics = {0};
        struct sink sk = {out_file(mo)};
        generate(&p, &roster, &metrics, NULL, &sk);
        fwrite(roster.s, 1, roster.len, out_file(ro));
        buf_free(&roster);
        buf_free(&metrics);
        /* Metrics first: a new roster never appears without its metrics. */
        if (out_commit(mo) != 0)
            out_abort(ro);
        else if (out_commit(ro) == 0)
            diag(KP_NOTE, NULL, 0, 0, "wrote %s and %s (%ld people, %ld months to 2026-06)", rpath,
                 mpath, p.reps, p.months);
    } else {
        out_abort(ro);
    }
    free(rpath);
    free(mpath);
    return diag_status();
}
