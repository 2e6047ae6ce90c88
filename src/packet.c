/* packet — see packet.h. */
#include "packet.h"

#include "diag.h"
#include "sys.h"
#include "util.h"

#include <qpdf/qpdf-c.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One assembly: the packet (part 0 read, the others' pages added) and the
 * parts it copies from, kept open until it is written (qpdf reads a copied
 * page's stream data from its source only then). */
struct assembly {
    const struct kp_packet *p;
    qpdf_data q;    /* the packet = part 0 */
    qpdf_data *src; /* [nparts]: src[0] = q */
    size_t *first;  /* [nparts] each part's first page in the packet */
    size_t *npages; /* [nparts] */
    size_t total;   /* pages */
};

static const char *part_name(const struct assembly *a, size_t i, char *tmp, size_t n)
{
    if (a->p->parts[i].name)
        return a->p->parts[i].name;
    snprintf(tmp, n, "part %zu", i);
    return tmp;
}

static void report_warnings(const struct assembly *a, qpdf_data q);

/* After a qpdf call: report qpdf's error (if any) as a KP_ERROR, after the
 * warnings that led to it, and say so. */
static int failed(const struct assembly *a, qpdf_data q, const char *what)
{
    if (!qpdf_has_error(q))
        return 0;
    report_warnings(a, q);
    qpdf_error e = qpdf_get_error(q);
    diag(KP_ERROR, a->p->name, 0, 0, "cannot assemble the packet: %s: %s", what,
         e ? qpdf_get_error_full_text(q, e) : "unknown qpdf error");
    return 1;
}

/* qpdf's warnings, as ours (it prints nothing itself). */
static void report_warnings(const struct assembly *a, qpdf_data q)
{
    while (q && qpdf_more_warnings(q)) {
        qpdf_error e = qpdf_next_warning(q);
        diag(KP_WARN, a->p->name, 0, 0, "qpdf: %s", qpdf_get_error_full_text(q, e));
    }
}

/* Read part i into a new qpdf object (a->src[i]); note its page count. */
static int open_part(struct assembly *a, size_t i)
{
    const struct kp_packet_part *pt = &a->p->parts[i];
    char tmp[32];
    const char *name = part_name(a, i, tmp, sizeof tmp);
    qpdf_data q = a->src[i] = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    qpdf_set_attempt_recovery(q, QPDF_FALSE);
    if (!pt->pdf || pt->len == 0) {
        diag(KP_ERROR, a->p->name, 0, 0, "cannot assemble the packet: %s is empty", name);
        return -1;
    }
    qpdf_read_memory(q, name, pt->pdf, pt->len, NULL);
    if (failed(a, q, "cannot read"))
        return -1;
    int n = qpdf_get_num_pages(q);
    if (failed(a, q, "cannot read its pages"))
        return -1;
    if (n <= 0) {
        diag(KP_ERROR, a->p->name, 0, 0, "cannot assemble the packet: %s has no pages", name);
        return -1;
    }
    a->npages[i] = (size_t)n;
    return 0;
}

/* Append part i's pages (copies) to the packet. */
static int add_pages(struct assembly *a, size_t i)
{
    a->first[i] = a->total;
    for (size_t k = 0; k < a->npages[i]; k++) {
        qpdf_oh page = qpdf_get_page_n(a->src[i], k);
        if (i > 0)
            qpdf_add_page(a->q, a->src[i], page, QPDF_FALSE);
        if (failed(a, a->src[i], "cannot copy a page") || failed(a, a->q, "cannot add a page"))
            return -1;
    }
    a->total += a->npages[i];
    return 0;
}

/* ---- font subset tags ---- */

/* Every document tags its font subsets as its library likes (libharu:
 * HPDFAA+, HPDFAB+ … in each), but different subsets in one file must have
 * different tags (ISO 32000-1, 9.6.4). So the members' fonts get new ones,
 * KPAAAA+ on, in page order; the head keeps its own. A tag names a font
 * program, so fonts sharing one (pdf.c: a face's simple TrueType font and
 * its Type0 font share the FontDescriptor) share the new tag too, and
 * /BaseFont stays equal to the descriptor's /FontName. */
struct retag {
    int *seen; /* object ids done (fonts are shared by pages) */
    size_t nseen, cap;
    struct {
        int desc;     /* a descriptor's object id in this part */
        unsigned tag; /* the tag number its fonts got */
    } * done;
    size_t ndone, cap_done;
    unsigned next; /* the packet's next tag number */
};

/* "/XXXXXX+Name" -> "/KPxxxx+Name" (xxxx = n in base 26), or NULL when the
 * name has no subset tag. */
static char *new_tag(const char *name, unsigned n)
{
    if (strlen(name) < 8 || name[7] != '+')
        return NULL;
    for (int i = 1; i < 7; i++)
        if (name[i] < 'A' || name[i] > 'Z')
            return NULL;
    char *s = xstrdup(name);
    s[1] = 'K', s[2] = 'P';
    for (int i = 6; i >= 3; i--, n /= 26)
        s[i] = (char)('A' + n % 26);
    return s;
}

/* Rename d's key (a tagged name) as the subset n. */
static void retag_key(qpdf_data q, qpdf_oh d, const char *key, unsigned n)
{
    qpdf_oh v = qpdf_oh_get_key_if_dict(q, d, key);
    char *t = qpdf_oh_is_name(q, v) ? new_tag(qpdf_oh_get_name(q, v), n) : NULL;
    if (t)
        qpdf_oh_replace_key(q, d, key, qpdf_oh_new_name(q, t));
    free(t);
}

/* The tag number for font: its descriptor's (direct, or its Type0
 * descendant's) if that has one already, else the next. */
static unsigned tag_for(qpdf_data q, qpdf_oh font, struct retag *rt)
{
    qpdf_oh fd = qpdf_oh_get_key_if_dict(q, font, "/FontDescriptor");
    if (!qpdf_oh_is_dictionary(q, fd)) {
        qpdf_oh kids = qpdf_oh_get_key_if_dict(q, font, "/DescendantFonts");
        qpdf_oh d0 =
            qpdf_oh_is_array(q, kids) ? qpdf_oh_get_array_item(q, kids, 0) : qpdf_oh_new_null(q);
        fd = qpdf_oh_get_key_if_dict(q, d0, "/FontDescriptor");
    }
    if (!qpdf_oh_is_indirect(q, fd))
        return rt->next++;
    int id = qpdf_oh_get_object_id(q, fd);
    for (size_t i = 0; i < rt->ndone; i++)
        if (rt->done[i].desc == id)
            return rt->done[i].tag;
    xgrow(&rt->done, &rt->cap_done, rt->ndone + 1, sizeof *rt->done);
    rt->done[rt->ndone].desc = id;
    rt->done[rt->ndone++].tag = rt->next;
    return rt->next++;
}

/* A font and what names it: its descendant (Type0) and their descriptors. */
static void retag_font(qpdf_data q, qpdf_oh font, unsigned n)
{
    retag_key(q, font, "/BaseFont", n);
    retag_key(q, qpdf_oh_get_key_if_dict(q, font, "/FontDescriptor"), "/FontName", n);
    qpdf_oh kids = qpdf_oh_get_key_if_dict(q, font, "/DescendantFonts");
    for (int k = 0; qpdf_oh_is_array(q, kids) && k < qpdf_oh_get_array_n_items(q, kids); k++) {
        qpdf_oh d = qpdf_oh_get_array_item(q, kids, k);
        retag_key(q, d, "/BaseFont", n);
        retag_key(q, qpdf_oh_get_key_if_dict(q, d, "/FontDescriptor"), "/FontName", n);
    }
}

static int seen(struct retag *rt, int id)
{
    for (size_t i = 0; i < rt->nseen; i++)
        if (rt->seen[i] == id)
            return 1;
    xgrow(&rt->seen, &rt->cap, rt->nseen + 1, sizeof *rt->seen);
    rt->seen[rt->nseen++] = id;
    return 0;
}

/* The fonts of one page of q (its own resources). */
static void retag_page(qpdf_data q, qpdf_oh page, struct retag *rt)
{
    qpdf_oh fonts =
        qpdf_oh_get_key_if_dict(q, qpdf_oh_get_key_if_dict(q, page, "/Resources"), "/Font");
    if (!qpdf_oh_is_dictionary(q, fonts))
        return;
    char **keys = NULL;
    size_t n = 0, cap = 0;
    qpdf_oh_begin_dict_key_iter(q, fonts);
    while (qpdf_oh_dict_more_keys(q)) {
        xgrow(&keys, &cap, n + 1, sizeof *keys);
        keys[n++] = xstrdup(qpdf_oh_dict_next_key(q));
    }
    for (size_t i = 0; i < n; i++) {
        qpdf_oh f = qpdf_oh_get_key(q, fonts, keys[i]);
        if (!qpdf_oh_is_indirect(q, f) || !seen(rt, qpdf_oh_get_object_id(q, f)))
            retag_font(q, f, tag_for(q, f, rt));
        free(keys[i]);
    }
    free(keys);
}

/* Part i's fonts renamed in its own copy, before its pages are copied. */
static int retag_part(struct assembly *a, size_t i, struct retag *rt)
{
    qpdf_data q = a->src[i];
    qpdf_push_inherited_attributes_to_page(q);
    rt->nseen = rt->ndone = 0;
    for (size_t k = 0; k < a->npages[i]; k++)
        retag_page(q, qpdf_get_page_n(q, k), rt);
    return failed(a, q, "cannot rename its fonts") ? -1 : 0;
}

/* ---- outline ---- */

static qpdf_oh name_obj(qpdf_data q, const char *name)
{
    return qpdf_oh_new_name(q, name);
}

/* A destination: the page's top, zoom unchanged ([page /XYZ null top null]);
 * /Fit when the page has no plain media box. */
static qpdf_oh dest(qpdf_data q, size_t page_index)
{
    qpdf_oh page = qpdf_get_page_n(q, page_index);
    qpdf_oh d = qpdf_oh_new_array(q);
    qpdf_oh_append_item(q, d, page);
    qpdf_oh box = qpdf_oh_get_key(q, page, "/MediaBox");
    qpdf_oh top = qpdf_oh_is_array(q, box) && qpdf_oh_get_array_n_items(q, box) == 4
                      ? qpdf_oh_get_array_item(q, box, 3)
                      : qpdf_oh_new_null(q);
    if (qpdf_oh_is_number(q, top)) {
        qpdf_oh_append_item(q, d, name_obj(q, "/XYZ"));
        qpdf_oh_append_item(q, d, qpdf_oh_new_null(q));
        qpdf_oh_append_item(q, d, top);
        qpdf_oh_append_item(q, d, qpdf_oh_new_null(q));
    } else {
        qpdf_oh_append_item(q, d, name_obj(q, "/Fit"));
    }
    return d;
}

/* A new outline item (indirect) under parent: title (UTF-8, cleaned) to page. */
static qpdf_oh outline_item(qpdf_data q, qpdf_oh parent, const char *title, size_t page)
{
    int bad = 0;
    char *clean = utf8_clean(title, strlen(title), 0, &bad);
    qpdf_oh it = qpdf_make_indirect_object(q, qpdf_oh_new_dictionary(q));
    qpdf_oh_replace_key(q, it, "/Title", qpdf_oh_new_unicode_string(q, clean));
    qpdf_oh_replace_key(q, it, "/Parent", parent);
    qpdf_oh_replace_key(q, it, "/Dest", dest(q, page));
    free(clean);
    return it;
}

/* Put `it` after `prev` (0: first) among parent's children. */
static void link_child(qpdf_data q, qpdf_oh parent, qpdf_oh prev, qpdf_oh it)
{
    if (!prev) {
        qpdf_oh_replace_key(q, parent, "/First", it);
    } else {
        qpdf_oh_replace_key(q, prev, "/Next", it);
        qpdf_oh_replace_key(q, it, "/Prev", prev);
    }
    qpdf_oh_replace_key(q, parent, "/Last", it);
}

/* The bookmarks under the src outline item `from` (part i's), copied under
 * `to` in the packet: titles kept, each to the same page of the part, which
 * is now page first[i] + k; an item with children is closed. Our own
 * packets nest two deep; depth and count are bounded all the same. Returns
 * how many items were made directly under `to`. */
static size_t copy_outline(const struct assembly *a, size_t i, qpdf_oh from, qpdf_oh to,
                           int depth, size_t *budget)
{
    qpdf_data q = a->q, s = a->src[i];
    qpdf_oh prev = 0;
    size_t n = 0;
    if (depth > 8)
        return 0;
    for (qpdf_oh c = qpdf_oh_get_key(s, from, "/First");
         qpdf_oh_is_dictionary(s, c) && *budget > 0; c = qpdf_oh_get_key(s, c, "/Next")) {
        --*budget;
        qpdf_oh d = qpdf_oh_get_key(s, c, "/Dest");
        int k = qpdf_oh_is_array(s, d) && qpdf_oh_get_array_n_items(s, d) > 0
                    ? qpdf_find_page_by_oh(s, qpdf_oh_get_array_item(s, d, 0))
                    : -1;
        if (k < 0 || (size_t)k >= a->npages[i])
            continue; /* not to one of its pages: left out */
        qpdf_oh t = qpdf_oh_get_key(s, c, "/Title");
        const char *title = qpdf_oh_is_string(s, t) ? qpdf_oh_get_utf8_value(s, t) : "";
        qpdf_oh it = outline_item(q, to, title, a->first[i] + (size_t)k);
        size_t kids = copy_outline(a, i, c, it, depth + 1, budget);
        if (kids > 0)
            qpdf_oh_replace_key(q, it, "/Count", qpdf_oh_new_integer(q, -(long long)kids));
        link_child(q, to, prev, it);
        n++;
        prev = it;
    }
    return n;
}

/* A nested part's bookmarks: the children of its top-level ones. */
static size_t nest_outline(const struct assembly *a, size_t i, qpdf_oh it)
{
    qpdf_data s = a->src[i];
    qpdf_oh outlines = qpdf_oh_get_key(s, qpdf_get_root(s), "/Outlines");
    size_t budget = 1000000, n = 0;
    if (!qpdf_oh_is_dictionary(s, outlines))
        return 0;
    /* A team packet has one top item (the team); its children come up one
     * level, under the part's own bookmark. */
    qpdf_oh top = qpdf_oh_get_key(s, outlines, "/First");
    if (qpdf_oh_is_dictionary(s, top))
        n = copy_outline(a, i, top, it, 0, &budget);
    if (n > 0)
        qpdf_oh_replace_key(a->q, it, "/Count", qpdf_oh_new_integer(a->q, -(long long)n));
    return n;
}

/* The top item's children: each part's title, to its first (own) page. */
static size_t outline_children(const struct assembly *a, qpdf_oh top)
{
    qpdf_data q = a->q;
    qpdf_oh prev = 0;
    size_t n = 0;
    for (size_t i = 0; i < a->p->nparts; i++) {
        const char *title = a->p->parts[i].title;
        size_t page = a->first[i] + (i == 0 && a->p->cover_label ? 1 : 0);
        if (!title || page >= a->first[i] + a->npages[i])
            continue;
        qpdf_oh it = outline_item(q, top, title, page);
        if (a->p->parts[i].nest)
            nest_outline(a, i, it);
        link_child(q, top, prev, it);
        n++;
        prev = it;
    }
    if (n > 0)
        qpdf_oh_replace_key(q, top, "/Count", qpdf_oh_new_integer(q, (long long)n));
    return n;
}

/* /Outlines: the top item (open) and its children; /PageMode shows it. */
static void make_outline(const struct assembly *a, qpdf_oh root)
{
    qpdf_data q = a->q;
    qpdf_oh outlines = qpdf_make_indirect_object(q, qpdf_oh_new_dictionary(q));
    qpdf_oh_replace_key(q, outlines, "/Type", name_obj(q, "/Outlines"));
    qpdf_oh top = outline_item(q, outlines, a->p->title ? a->p->title : "", 0);
    size_t n = outline_children(a, top);
    qpdf_oh_replace_key(q, outlines, "/First", top);
    qpdf_oh_replace_key(q, outlines, "/Last", top);
    qpdf_oh_replace_key(q, outlines, "/Count", qpdf_oh_new_integer(q, (long long)(1 + n)));
    qpdf_oh_replace_key(q, root, "/Outlines", outlines);
    qpdf_oh_replace_key(q, root, "/PageMode", name_obj(q, "/UseOutlines"));
}

/* ---- page labels ---- */

/* One range of /Nums: from page on, decimal, after prefix (ASCII). */
static void label_range(qpdf_data q, qpdf_oh nums, size_t page, const char *prefix)
{
    qpdf_oh d = qpdf_oh_new_dictionary(q);
    qpdf_oh_replace_key(q, d, "/S", name_obj(q, "/D"));
    if (prefix) {
        char *s = xstrdup(prefix);
        for (char *c = s; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
                *c = '_';
        qpdf_oh_replace_key(q, d, "/P", qpdf_oh_new_string(q, s));
        free(s);
    }
    qpdf_oh_replace_key(q, d, "/St", qpdf_oh_new_integer(q, 1));
    qpdf_oh_append_item(q, nums, qpdf_oh_new_integer(q, (long long)page));
    qpdf_oh_append_item(q, nums, d);
}

static void make_labels(const struct assembly *a, qpdf_oh root)
{
    qpdf_data q = a->q;
    qpdf_oh nums = qpdf_oh_new_array(q);
    for (size_t i = 0; i < a->p->nparts; i++) {
        size_t page = a->first[i];
        if (i == 0 && a->p->cover_label)
            label_range(q, nums, page++, a->p->cover_label);
        if (page < a->first[i] + a->npages[i])
            label_range(q, nums, page, a->p->parts[i].label);
    }
    qpdf_oh tree = qpdf_oh_new_dictionary(q);
    qpdf_oh_replace_key(q, tree, "/Nums", nums);
    qpdf_oh_replace_key(q, root, "/PageLabels", tree);
}

/* ---- writing ---- */

/* Streams as they are (no decoding, no recompressing); the other objects in
 * object streams; the /ID from the content. Written to a scratch file and
 * read back: qpdf's memory output keeps the packet twice (its pipeline's
 * buffer and the copy it hands out), and the caller's copy made a third. */
static int write_packet(const struct assembly *a, char **out, size_t *outlen)
{
    qpdf_data q = a->q;
    qpdf_oh_remove_key(q, qpdf_get_trailer(q), "/ID"); /* both halves ours, not the head's */
    char *tmp = sys_tmpfile("packet", "", 0);
    if (!tmp)
        return -1;
    int rc = -1;
    qpdf_init_write(q, tmp);
    if (failed(a, q, "cannot start writing"))
        goto done;
    /* Both, or qpdf decodes and recompresses every stream whose /Filter is
     * an array, as libharu writes it ([/FlateDecode]): 7x slower. */
    qpdf_set_decode_level(q, qpdf_dl_none);
    qpdf_set_compress_streams(q, QPDF_FALSE);
    qpdf_set_object_stream_mode(q, qpdf_o_generate);
    qpdf_set_deterministic_ID(q, QPDF_TRUE);
    qpdf_write(q);
    if (failed(a, q, "cannot write"))
        goto done;
    int e = sys_read_file(tmp, out, outlen);
    if (e != 0) {
        diag(KP_SYSERR, a->p->name, 0, 0, "cannot read the packet back from %s: %s", tmp,
             strerror(e));
        goto done;
    }
    rc = 0;
done:
    sys_remove(tmp);
    free(tmp);
    return rc;
}

static int assemble(struct assembly *a, char **out, size_t *outlen)
{
    for (size_t i = 0; i < a->p->nparts; i++)
        if (open_part(a, i) != 0)
            return -1;
    a->q = a->src[0];
    struct retag rt = {0};
    int rc = 0;
    for (size_t i = 0; i < a->p->nparts && rc == 0; i++)
        rc = (i > 0 ? retag_part(a, i, &rt) : 0) || add_pages(a, i) ? -1 : 0;
    free(rt.seen), free(rt.done);
    if (rc != 0)
        return -1;
    qpdf_oh root = qpdf_get_root(a->q);
    make_outline(a, root);
    make_labels(a, root);
    if (failed(a, a->q, "cannot make the bookmarks and page labels"))
        return -1;
    return write_packet(a, out, outlen);
}

int packet_assemble(const struct kp_packet *p, char **out, size_t *outlen)
{
    *out = NULL, *outlen = 0;
    if (p->nparts == 0) {
        diag(KP_ERROR, p->name, 0, 0, "cannot assemble the packet: no parts");
        return -1;
    }
    struct assembly a = {.p = p};
    a.src = xcalloc(p->nparts, sizeof *a.src);
    a.first = xcalloc(p->nparts, sizeof *a.first);
    a.npages = xcalloc(p->nparts, sizeof *a.npages);
    int rc = assemble(&a, out, outlen);
    for (size_t i = 0; i < p->nparts; i++) {
        report_warnings(&a, a.src[i]);
        if (a.src[i])
            qpdf_cleanup(&a.src[i]);
    }
    if (rc != 0) {
        free(*out);
        *out = NULL, *outlen = 0;
    }
    int pages = (int)a.total;
    free(a.src), free(a.first), free(a.npages);
    return rc == 0 ? pages : -1;
}
