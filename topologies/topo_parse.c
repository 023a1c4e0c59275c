/*
 * topo_parse.c - statements of the topology language, includes, and the
 * final resolution (pool addresses, default routes).
 *
 * The parser works one line at a time: the lexer cuts the line into
 * tokens, the first token names the statement, and the statement's
 * function consumes the rest, adding nodes, groups and links to the
 * struct topo immediately. Groups are expanded as they are declared and
 * link statements as they are read, so a name is known from its
 * declaration onwards and every later reference is one hash lookup.
 * Two things wait for the end of the text: addresses from the auto pool
 * (so that an explicit address written later is never taken by an earlier
 * automatic one) and default routes (whose link may be declared after the
 * `default` statement).
 *
 * The language is specified in topologies/README.md; the structures and
 * their axioms are in topologies/topo_int.h.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "topologies/topo_int.h"

/* ====================================================================== */
/* Types                                                                   */
/* ====================================================================== */

/* One file being read: the root, or an include in progress. */
struct frame {
  uint32_t file;   /* index into topo.files (display path) */
  bool known;      /* the file exists on disk: dev and ino identify it */
  dev_t dev;       /* for include cycles, whatever path reaches the file */
  ino_t ino;
};

struct parser {
  struct topo *t;
  struct topo_error *err;
  struct topo__lclass defaults;   /* what `defaults link` has set so far */
  struct frame stack[TOPO__INCLUDE_DEPTH_MAX + 1];
  int depth;                      /* frames in use; stack[depth-1] is current */
  struct topo__where wh;          /* current file and line, for the lexer */
  struct topo__tok toks[TOPO__TOKS_MAX];
  int ntok;
};

/* The ends of a link as written: a contiguous run of node ids. */
struct ends {
  uint32_t first;
  uint32_t count;
};

#define DIR_AB 1
#define DIR_BA 2
#define DIR_BOTH 3

/* ====================================================================== */
/* Private prototypes                                                      */
/* ====================================================================== */

static int parse_text(struct parser *p, const char *text, size_t len);

/* ====================================================================== */
/* Errors                                                                  */
/* ====================================================================== */

static uint32_t cur_file(const struct parser *p)
{
  return p->stack[p->depth - 1].file;
}

static struct topo__pos here(const struct parser *p, uint32_t col)
{
  struct topo__pos pos = {cur_file(p), p->wh.line, col};
  return pos;
}

/* Error at a column of the current line. Always returns TOPO_ESYNTAX so
 * that callers can write `return perr(...)`. */
static int perr(struct parser *p, uint32_t col, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;
static int perr(struct parser *p, uint32_t col, const char *fmt, ...)
{
  char msg[sizeof(((struct topo_error *)0)->msg)];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  topo__seterr(p->err, p->wh.file, p->wh.line, col, "%s", msg);
  return TOPO_ESYNTAX;
}

/* Error at a remembered place (resolution runs after the text is read). */
static int perr_at(struct parser *p, const struct topo__pos *pos,
                   const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;
static int perr_at(struct parser *p, const struct topo__pos *pos,
                   const char *fmt, ...)
{
  char msg[sizeof(((struct topo_error *)0)->msg)];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  topo__seterr(p->err, p->t->files[pos->file], pos->line, pos->col, "%s",
               msg);
  return TOPO_ESYNTAX;
}

static int oom(struct parser *p)
{
  topo__seterr(p->err, "", 0, 0, "out of memory");
  return TOPO_ENOMEM;
}

/* "a.topo:3:5" for "already declared at" messages. */
static const char *pos_str(const struct parser *p, const struct topo__pos *pos,
                           char *buf, size_t cap)
{
  snprintf(buf, cap, "%s:%lu:%lu", p->t->files[pos->file],
           (unsigned long)pos->line, (unsigned long)pos->col);
  return buf;
}

/* Nothing may follow the statement's last expected token. */
static int expect_end(struct parser *p, int i, const char *stmt)
{
  if (i < p->ntok) {
    const char *q = p->toks[i].quoted ? "\"" : "";
    return perr(p, p->toks[i].col, "unexpected '%s%.*s%s' at end of %s "
                "statement", q, (int)p->toks[i].len, p->toks[i].s, q, stmt);
  }
  return TOPO_OK;
}

#define TOKF(tk) (int)(tk)->len, (tk)->s

/* ====================================================================== */
/* Names, nodes and groups                                                 */
/* ====================================================================== */

static bool name_char(char c, bool first)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
    return true;
  return !first && ((c >= '0' && c <= '9') || c == '-');
}

/* A valid, not yet declared name of len bytes at the token's column. */
static int check_name(struct parser *p, const struct topo__tok *tk,
                      size_t len)
{
  uint32_t v;
  bool ok = !tk->quoted && len > 0;

  for (size_t i = 0; ok && i < len; i++)
    ok = name_char(tk->s[i], i == 0);
  if (!ok)
    return perr(p, tk->col, "bad name '%.*s' (a name starts with a letter or "
                "'_' and continues with letters, digits, '_' or '-')",
                (int)len, tk->s);
  if (len > TOPO__NAME_MAX)
    return perr(p, tk->col, "name '%.*s' is too long (at most %d characters)",
                (int)len, tk->s, TOPO__NAME_MAX);
  if (topo__names_get(p->t, tk->s, len, &v)) {
    char where[600];
    const struct topo__pos *pos = (v & TOPO__NAME_GROUP)
                                      ? &p->t->groups[v & ~TOPO__NAME_GROUP].pos
                                      : &p->t->nodes[v].pos;
    return perr(p, tk->col, "duplicate name '%.*s' (already declared at %s)",
                (int)len, tk->s, pos_str(p, pos, where, sizeof where));
  }
  return TOPO_OK;
}

/* Append a node whose name is already in the arena. addr 0 means none
 * (for now: want_pool asks for one at the end). col is where address
 * errors point. */
static int add_node(struct parser *p, uint32_t name_off, int kind,
                    uint32_t addr, bool want_pool, uint32_t group,
                    struct topo__pos pos, uint32_t addr_col)
{
  struct topo *t = p->t;
  struct topo__node *n;
  uint32_t id = (uint32_t)t->nnodes;
  uint32_t other;

  if (t->nnodes >= TOPO__NODES_MAX)
    return perr(p, pos.col, "too many nodes (at most %lu)",
                (unsigned long)TOPO__NODES_MAX);
  if (addr != 0 && topo__addrs_get(t, addr, &other)) {
    char a[16], where[600];
    return perr(p, addr_col, "duplicate address %s for '%s' (already given to "
                "'%s' at %s)", topo__ipv4_str(addr, a),
                topo__name(t, name_off), topo__name(t, t->nodes[other].name),
                pos_str(p, &t->nodes[other].pos, where, sizeof where));
  }
  if (addr != 0 && t->ntunpfx) {
    const struct topo__tunpfx *x = topo__tunpfx_of(t, addr);
    if (x) {
      char a[16], b[16], where[600];
      return perr(p, addr_col, "address %s for '%s' is inside prefix %s/%lu "
                  "of tun node '%s' (at %s)", topo__ipv4_str(addr, a),
                  topo__name(t, name_off), topo__ipv4_str(x->net, b),
                  (unsigned long)x->len,
                  topo__name(t, t->nodes[x->node].name),
                  pos_str(p, &x->pos, where, sizeof where));
    }
  }
  {
    void *arr = t->nodes;
    int rc = topo__reserve(&arr, &t->cap_nodes, t->nnodes, 1, sizeof *n);
    t->nodes = arr;
    if (rc != TOPO_OK)
      return oom(p);
  }
  n = &t->nodes[id];
  n->name = name_off;
  n->addr = addr;
  n->group = group;
  n->kind = (uint8_t)kind;
  n->want_pool = want_pool;
  n->tun = 0;
  n->pos = pos;
  if (topo__names_put(t, name_off, id) != TOPO_OK)
    return oom(p);
  if (addr != 0 && topo__addrs_put(t, addr, id) != TOPO_OK)
    return oom(p);
  t->nnodes++;
  if (kind == SIM_NODE_HOST)
    t->nhosts++;
  else
    t->nrouters++;
  return TOPO_OK;
}

/* host NAME [addr A.B.C.D] / router NAME [addr A.B.C.D] */
static int st_node(struct parser *p, int kind)
{
  const struct topo__tok *kw = &p->toks[0];
  const struct topo__tok *nt = &p->toks[1];
  uint32_t addr = 0, addr_col = 0, off;
  int i = 2, rc;

  if (p->ntok < 2)
    return perr(p, kw->col, "missing name after '%.*s'", TOKF(kw));
  if (!nt->quoted && memchr(nt->s, '[', nt->len) != NULL)
    return perr(p, nt->col, "'%.*s' looks like a group; declare groups with "
                "'%ss'", TOKF(nt), kind == SIM_NODE_HOST ? "host" : "router");
  if ((rc = check_name(p, nt, nt->len)) != TOPO_OK)
    return rc;
  if (p->ntok > 2) {
    if (!topo__tok_is(&p->toks[2], "addr"))
      return perr(p, p->toks[2].col, "unexpected '%.*s' after %s name "
                  "(expected 'addr A.B.C.D' or the end of the line)",
                  TOKF(&p->toks[2]), kind == SIM_NODE_HOST ? "host" : "router");
    if (p->ntok < 4)
      return perr(p, p->toks[2].col, "missing value after 'addr'");
    if (topo__val_addr(&p->wh, &p->toks[3], &addr) != 0)
      return TOPO_ESYNTAX;
    addr_col = p->toks[3].col;
    i = 4;
  }
  if ((rc = expect_end(p, i, kind == SIM_NODE_HOST ? "host" : "router")) != 0)
    return rc;
  if (topo__name_store(p->t, nt->s, nt->len, &off) != TOPO_OK)
    return oom(p);
  return add_node(p, off, kind, addr, kind == SIM_NODE_HOST && addr == 0,
                  TOPO__NO_GROUP, here(p, nt->col), addr_col);
}

/* tun NAME addr A.B.C.D [prefix P/LEN]: a host of the simulated network
 * that stands for the Linux end of a TUN device (the emulation mode, emu/).
 * The address is the one the kernel side has, so it is required: a pool
 * address would bind the device to an address nobody configured. With a
 * prefix, every address of it is reached through the node too (the Linux
 * side may own several, or route them further): it must hold no other
 * node's address, nor overlap another tun prefix (T7). */
static int st_tun(struct parser *p)
{
  struct topo *t = p->t;
  const struct topo__tok *kw = &p->toks[0];
  const struct topo__tok *nt = &p->toks[1];
  uint32_t addr = 0, off, net = 0, id;
  int plen = 0, rc;
  bool has_prefix = false;

  if (p->ntok < 2)
    return perr(p, kw->col, "missing name after 'tun'");
  if ((rc = check_name(p, nt, nt->len)) != TOPO_OK)
    return rc;
  if (p->ntok < 3 || !topo__tok_is(&p->toks[2], "addr"))
    return perr(p, p->ntok < 3 ? nt->col : p->toks[2].col,
                "a tun node needs 'addr A.B.C.D' (the address of the Linux "
                "end of the device) after its name");
  if (p->ntok < 4)
    return perr(p, p->toks[2].col, "missing value after 'addr'");
  if (topo__val_addr(&p->wh, &p->toks[3], &addr) != 0)
    return TOPO_ESYNTAX;
  if (p->ntok > 4 && topo__tok_is(&p->toks[4], "prefix")) {
    if (p->ntok < 6)
      return perr(p, p->toks[4].col, "missing value after 'prefix'");
    if (topo__val_prefix(&p->wh, &p->toks[5], &net, &plen) != 0)
      return TOPO_ESYNTAX;
    if (plen == 0)
      return perr(p, p->toks[5].col, "a tun prefix cannot be /0 (it would "
                  "hold every address)");
    has_prefix = true;
  }
  if ((rc = expect_end(p, has_prefix ? 6 : 4, "tun")) != 0)
    return rc;
  if (topo__name_store(t, nt->s, nt->len, &off) != TOPO_OK)
    return oom(p);
  id = (uint32_t)t->nnodes;
  rc = add_node(p, off, SIM_NODE_HOST, addr, false, TOPO__NO_GROUP,
                here(p, nt->col), p->toks[3].col);
  if (rc != TOPO_OK)
    return rc;
  t->nodes[id].tun = 1;
  if (!has_prefix)
    return TOPO_OK;

  {
    uint32_t mask = UINT32_MAX << (32 - plen);
    uint32_t col = p->toks[5].col;
    char a[16], b[16], where[600];
    for (size_t i = 0; i < t->ntunpfx; i++) {
      const struct topo__tunpfx *x = &t->tunpfx[i];
      if ((net & (UINT32_MAX << (32 - x->len))) == x->net ||
          (x->net & mask) == net)
        return perr(p, col, "prefix %s/%d of tun node '%.*s' overlaps prefix "
                    "%s/%lu of tun node '%s' (at %s)",
                    topo__ipv4_str(net, a), plen, TOKF(nt),
                    topo__ipv4_str(x->net, b), (unsigned long)x->len,
                    topo__name(t, t->nodes[x->node].name),
                    pos_str(p, &x->pos, where, sizeof where));
    }
    /* Nodes declared so far; later ones are checked in add_node, and the
     * pool skips the prefix. */
    for (uint32_t k = 0; k < id; k++) {
      const struct topo__node *o = &t->nodes[k];
      if (o->addr != 0 && (o->addr & mask) == net)
        return perr(p, col, "prefix %s/%d of tun node '%.*s' holds %s, the "
                    "address of '%s' (at %s)", topo__ipv4_str(net, a), plen,
                    TOKF(nt), topo__ipv4_str(o->addr, b),
                    topo__name(t, o->name),
                    pos_str(p, &o->pos, where, sizeof where));
    }
    void *arr = t->tunpfx;
    rc = topo__reserve(&arr, &t->cap_tunpfx, t->ntunpfx, 1,
                       sizeof *t->tunpfx);
    t->tunpfx = arr;
    if (rc != TOPO_OK)
      return oom(p);
    t->tunpfx[t->ntunpfx++] = (struct topo__tunpfx){
        .node = id, .net = net, .len = (uint32_t)plen, .pos = here(p, col)};
  }
  return TOPO_OK;
}

/* Read "LO-HI", "N" or "*" between brackets; false when it is none of
 * them. Numbers have at most 9 digits, so they fit in 32 bits. */
static bool range_body(const char *s, size_t len, uint32_t *lo, uint32_t *hi,
                       bool *star)
{
  size_t i = 0;
  uint32_t v[2] = {0, 0};
  int nums = 0;

  *star = false;
  if (len == 1 && s[0] == '*') {
    *star = true;
    return true;
  }
  for (nums = 0; nums < 2; nums++) {
    size_t digits = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
      if (++digits > 9)
        return false;
      v[nums] = v[nums] * 10 + (uint32_t)(s[i] - '0');
    }
    if (digits == 0)
      return false;
    if (i == len)
      break;
    if (s[i] != '-' || nums == 1)
      return false;
    i++;
  }
  if (i != len)
    return false;
  *lo = v[0];
  *hi = nums == 0 ? v[0] : v[1];
  return true;
}

/* Split "name[body]" of a token: false if there is no '[' at all. */
static bool split_bracket(const struct topo__tok *tk, size_t *name_len,
                          const char **body, size_t *body_len, bool *closed)
{
  const char *lb = tk->quoted ? NULL : memchr(tk->s, '[', tk->len);

  if (lb == NULL)
    return false;
  *name_len = (size_t)(lb - tk->s);
  *body = lb + 1;
  *closed = tk->s[tk->len - 1] == ']' && tk->len - *name_len >= 2;
  *body_len = *closed ? tk->len - *name_len - 2 : 0;
  return true;
}

/* hosts NAME[LO-HI] [prefix A.B.C.D/LEN] (and routers ...) */
static int st_group(struct parser *p, int kind)
{
  struct topo *t = p->t;
  const struct topo__tok *kw = &p->toks[0];
  const struct topo__tok *gt = &p->toks[1];
  const char *what = kind == SIM_NODE_HOST ? "hosts" : "routers";
  size_t name_len, body_len;
  const char *body;
  bool closed, star, has_prefix = false;
  uint32_t lo, hi, count, gname, gidx, pfirst = 0, pcol = 0;
  uint32_t net = 0;
  int plen = 0, i = 2, rc;
  struct topo__group *g;
  struct topo__pos pos;

  if (p->ntok < 2)
    return perr(p, kw->col, "missing group after '%s' (e.g. %s client[1-100])",
                what, what);
  if (!split_bracket(gt, &name_len, &body, &body_len, &closed))
    return perr(p, gt->col, "missing range in group '%.*s' (write %.*s[1-N])",
                TOKF(gt), TOKF(gt));
  if ((rc = check_name(p, gt, name_len)) != TOPO_OK)
    return rc;
  if (gt->s[name_len - 1] >= '0' && gt->s[name_len - 1] <= '9')
    return perr(p, gt->col, "group name '%.*s' ends with a digit, which would "
                "make member names ambiguous", (int)name_len, gt->s);
  if (!closed || !range_body(body, body_len, &lo, &hi, &star) ||
      (!star && memchr(body, '-', body_len) == NULL))
    return perr(p, gt->col, "bad range '%.*s' (expected NAME[FIRST-LAST], "
                "e.g. client[1-100])", TOKF(gt));
  if (star)
    return perr(p, gt->col, "a group declaration needs explicit bounds, e.g. "
                "%.*s[1-100]", (int)name_len, gt->s);
  if (lo > hi)
    return perr(p, gt->col, "range reversed in '%.*s': %lu is greater than "
                "%lu", TOKF(gt), (unsigned long)lo, (unsigned long)hi);
  if (hi - lo >= TOPO__NODES_MAX)
    return perr(p, gt->col, "group '%.*s' is too large (at most %lu members)",
                TOKF(gt), (unsigned long)TOPO__NODES_MAX);
  count = hi - lo + 1;
  {
    char digits[16];
    int nd = snprintf(digits, sizeof digits, "%lu", (unsigned long)hi);
    if (name_len + (size_t)nd > TOPO__NAME_MAX)
      return perr(p, gt->col, "member names of '%.*s' would be longer than "
                  "%d characters", TOKF(gt), TOPO__NAME_MAX);
  }
  if (p->ntok > 2) {
    if (!topo__tok_is(&p->toks[2], "prefix"))
      return perr(p, p->toks[2].col, "unexpected '%.*s' after group (expected "
                  "'prefix A.B.C.D/LEN' or the end of the line)",
                  TOKF(&p->toks[2]));
    if (p->ntok < 4)
      return perr(p, p->toks[2].col, "missing value after 'prefix'");
    if (topo__val_prefix(&p->wh, &p->toks[3], &net, &plen) != 0)
      return TOPO_ESYNTAX;
    {
      uint64_t usable;
      char a[16];
      topo__prefix_range(net, plen, &pfirst, &usable);
      if (usable < count)
        return perr(p, p->toks[3].col, "prefix %s/%d is too small for group "
                    "'%.*s': %llu usable addresses for %lu members",
                    topo__ipv4_str(net, a), plen, TOKF(gt),
                    (unsigned long long)usable, (unsigned long)count);
    }
    has_prefix = true;
    pcol = p->toks[3].col;
    i = 4;
  }
  if ((rc = expect_end(p, i, what)) != TOPO_OK)
    return rc;
  if ((uint64_t)t->nnodes + count > TOPO__NODES_MAX)
    return perr(p, gt->col, "too many nodes (at most %lu)",
                (unsigned long)TOPO__NODES_MAX);

  /* The group record first, so that members can point at it. */
  pos = here(p, gt->col);
  if (topo__name_store(t, gt->s, name_len, &gname) != TOPO_OK)
    return oom(p);
  {
    void *arr = t->groups;
    rc = topo__reserve(&arr, &t->cap_groups, t->ngroups, 1, sizeof *g);
    t->groups = arr;
    if (rc != TOPO_OK)
      return oom(p);
    arr = t->nodes;
    rc = topo__reserve(&arr, &t->cap_nodes, t->nnodes, count,
                       sizeof *t->nodes);
    t->nodes = arr;
    if (rc != TOPO_OK)
      return oom(p);
  }
  gidx = (uint32_t)t->ngroups;
  g = &t->groups[gidx];
  g->name = gname;
  g->first = (uint32_t)t->nnodes;
  g->count = count;
  g->lo = lo;
  g->kind = (uint8_t)kind;
  g->pos = pos;
  if (topo__names_put(t, gname, gidx | TOPO__NAME_GROUP) != TOPO_OK)
    return oom(p);
  t->ngroups++;

  for (uint32_t k = 0; k < count; k++) {
    char name[TOPO__NAME_MAX + 1];
    uint32_t off, v;
    int n = snprintf(name, sizeof name, "%.*s%lu", (int)name_len, gt->s,
                     (unsigned long)(lo + k));
    if (topo__names_get(t, name, (size_t)n, &v)) {
      char where[600];
      const struct topo__pos *vpos = (v & TOPO__NAME_GROUP)
                                         ? &t->groups[v & ~TOPO__NAME_GROUP].pos
                                         : &t->nodes[v].pos;
      return perr(p, gt->col, "duplicate name '%s' (already declared at %s)",
                  name, pos_str(p, vpos, where, sizeof where));
    }
    if (topo__name_store(t, name, (size_t)n, &off) != TOPO_OK)
      return oom(p);
    rc = add_node(p, off, kind, has_prefix ? pfirst + k : 0,
                  !has_prefix && kind == SIM_NODE_HOST, gidx, pos, pcol);
    if (rc != TOPO_OK)
      return rc;
  }
  return TOPO_OK;
}

/* ====================================================================== */
/* Link ends                                                               */
/* ====================================================================== */

/* NAME, GROUP[*], GROUP[N] or GROUP[FIRST-LAST] -> a run of node ids. */
static int parse_end(struct parser *p, const struct topo__tok *tk,
                     struct ends *e)
{
  const struct topo *t = p->t;
  size_t name_len, body_len;
  const char *body;
  bool closed, star;
  uint32_t v, lo, hi;
  const struct topo__group *g;

  if (tk->quoted)
    return perr(p, tk->col, "unknown node '\"%.*s\"' (names are not quoted)",
                TOKF(tk));
  if (!split_bracket(tk, &name_len, &body, &body_len, &closed)) {
    if (!topo__names_get(t, tk->s, tk->len, &v))
      return perr(p, tk->col, "unknown node '%.*s'", TOKF(tk));
    if (v & TOPO__NAME_GROUP)
      return perr(p, tk->col, "'%.*s' is a group; write %.*s[*] for all its "
                  "members or %.*s[N] for one", TOKF(tk), TOKF(tk), TOKF(tk));
    e->first = v;
    e->count = 1;
    return TOPO_OK;
  }
  if (!topo__names_get(t, tk->s, name_len, &v))
    return perr(p, tk->col, "unknown group '%.*s'", (int)name_len, tk->s);
  if (!(v & TOPO__NAME_GROUP))
    return perr(p, tk->col, "'%.*s' is a node, not a group", (int)name_len,
                tk->s);
  g = &t->groups[v & ~TOPO__NAME_GROUP];
  if (!closed || !range_body(body, body_len, &lo, &hi, &star))
    return perr(p, tk->col, "bad range '%.*s' (expected [*], [N] or "
                "[FIRST-LAST])", TOKF(tk));
  if (star) {
    e->first = g->first;
    e->count = g->count;
    return TOPO_OK;
  }
  if (lo > hi)
    return perr(p, tk->col, "range reversed in '%.*s': %lu is greater than "
                "%lu", TOKF(tk), (unsigned long)lo, (unsigned long)hi);
  if (lo < g->lo || hi - g->lo >= g->count)
    return perr(p, tk->col, "range '%.*s' is outside group %.*s[%lu-%lu]",
                TOKF(tk), (int)name_len, tk->s, (unsigned long)g->lo,
                (unsigned long)(g->lo + g->count - 1));
  e->first = g->first + (lo - g->lo);
  e->count = hi - lo + 1;
  return TOPO_OK;
}

/* ====================================================================== */
/* Link attributes                                                         */
/* ====================================================================== */

static const char *const attr_words[] = {
  "rate", "delay", "queue", "loss", "burst", "dup", "hold",
  "down", "up", "blocks", NULL};

#define SET_DIR(cls, dir, field, val) \
  do {                                \
    if ((dir) & DIR_AB)               \
      (cls)->ab.field = (val);        \
    if ((dir) & DIR_BA)               \
      (cls)->ba.field = (val);        \
  } while (0)

/* The value token after attribute token i, or an error naming it. */
static const struct topo__tok *value_after(struct parser *p, int i,
                                           const struct topo__tok *attr)
{
  if (i + 1 >= p->ntok) {
    perr(p, attr->col, "missing value after '%.*s'", TOKF(attr));
    return NULL;
  }
  return &p->toks[i + 1];
}

/* burst gb=P bg=P [good=P] [bad=P]; *i is the `burst` token, left on the
 * last token consumed. */
static int attr_burst(struct parser *p, int *i, struct topo__lclass *cls,
                      int dir, const struct topo__tok *attr)
{
  static const char *const keys[] = {"gb", "bg", "good", "bad"};
  double val[4] = {-1.0, -1.0, 0.0, 1.0};
  bool seen[4] = {false, false, false, false};
  int j = *i + 1;

  for (; j < p->ntok; j++) {
    const struct topo__tok *tk = &p->toks[j];
    const char *eq = tk->quoted ? NULL : memchr(tk->s, '=', tk->len);
    size_t klen;
    int k;
    struct topo__tok vt;
    char what[32];

    if (eq == NULL)
      break;
    klen = (size_t)(eq - tk->s);
    for (k = 0; k < 4; k++)
      if (strlen(keys[k]) == klen && memcmp(keys[k], tk->s, klen) == 0)
        break;
    if (k == 4)
      return perr(p, tk->col, "unknown burst parameter '%.*s' (use gb, bg, "
                  "good, bad)", (int)klen, tk->s);
    if (seen[k])
      return perr(p, tk->col, "burst parameter '%s' given twice", keys[k]);
    vt.s = eq + 1;
    vt.len = tk->len - (uint32_t)klen - 1;
    vt.col = tk->col + (uint32_t)klen + 1;
    vt.quoted = false;
    if (vt.len == 0)
      return perr(p, tk->col, "missing value after '%s='", keys[k]);
    snprintf(what, sizeof what, "burst %s", keys[k]);
    if (topo__val_prob(&p->wh, &vt, what, &val[k]) != 0)
      return TOPO_ESYNTAX;
    seen[k] = true;
  }
  if (j == *i + 1)
    return perr(p, attr->col, "missing values after 'burst' (e.g. burst "
                "gb=1%% bg=30%%)");
  if (!seen[0] || !seen[1])
    return perr(p, attr->col, "burst needs both gb= and bg=");
  SET_DIR(cls, dir, burst_p_gb, val[0]);
  SET_DIR(cls, dir, burst_p_bg, val[1]);
  SET_DIR(cls, dir, burst_loss_good, val[2]);
  SET_DIR(cls, dir, burst_loss_bad, val[3]);
  *i = j - 1;
  return TOPO_OK;
}

/* hold P uniform MIN MAX | hold P exp MEAN [max MAX] | hold P const T */
static int attr_hold(struct parser *p, int *i, struct topo__lclass *cls,
                     int dir, const struct topo__tok *attr)
{
  const struct topo__tok *pt, *kt, *t1, *t2;
  struct sim_dist d = {SIM_DIST_CONST, 0, 0};
  double prob;
  int j = *i;

  if ((pt = value_after(p, j, attr)) == NULL)
    return TOPO_ESYNTAX;
  if (topo__val_prob(&p->wh, pt, "hold", &prob) != 0)
    return TOPO_ESYNTAX;
  j++;
  if (j + 1 >= p->ntok)
    return perr(p, pt->col, "missing distribution after 'hold %.*s' (use "
                "uniform MIN MAX, exp MEAN [max MAX] or const T)", TOKF(pt));
  kt = &p->toks[++j];
  if (topo__tok_is(kt, "uniform")) {
    if (j + 2 >= p->ntok)
      return perr(p, kt->col, "uniform needs two times: uniform MIN MAX");
    t1 = &p->toks[j + 1];
    t2 = &p->toks[j + 2];
    d.kind = SIM_DIST_UNIFORM;
    if (topo__val_time(&p->wh, t1, "hold time", &d.a_ns) != 0 ||
        topo__val_time(&p->wh, t2, "hold time", &d.b_ns) != 0)
      return TOPO_ESYNTAX;
    if (d.a_ns > d.b_ns)
      return perr(p, t2->col, "hold range reversed: maximum '%.*s' is less "
                  "than minimum '%.*s'", TOKF(t2), TOKF(t1));
    j += 2;
  } else if (topo__tok_is(kt, "exp")) {
    if ((t1 = value_after(p, j, kt)) == NULL)
      return TOPO_ESYNTAX;
    d.kind = SIM_DIST_EXP;
    if (topo__val_time(&p->wh, t1, "hold time", &d.a_ns) != 0)
      return TOPO_ESYNTAX;
    j++;
    if (j + 1 < p->ntok && topo__tok_is(&p->toks[j + 1], "max")) {
      if ((t2 = value_after(p, j + 1, &p->toks[j + 1])) == NULL)
        return TOPO_ESYNTAX;
      if (topo__val_time(&p->wh, t2, "hold time", &d.b_ns) != 0)
        return TOPO_ESYNTAX;
      if (d.b_ns < d.a_ns || d.b_ns == 0)
        return perr(p, t2->col, "hold maximum '%.*s' is less than the mean "
                    "'%.*s'", TOKF(t2), TOKF(t1));
      j += 2;
    }
  } else if (topo__tok_is(kt, "const")) {
    if ((t1 = value_after(p, j, kt)) == NULL)
      return TOPO_ESYNTAX;
    d.kind = SIM_DIST_CONST;
    if (topo__val_time(&p->wh, t1, "hold time", &d.a_ns) != 0)
      return TOPO_ESYNTAX;
    j++;
  } else {
    return perr(p, kt->col, "unknown hold distribution '%.*s' (use uniform, "
                "exp or const)", TOKF(kt));
  }
  SET_DIR(cls, dir, hold, prob);
  SET_DIR(cls, dir, hold_time, d);
  *i = j;
  return TOPO_OK;
}

/* down at T / up at T */
static int attr_updown(struct parser *p, int *i, struct topo__lclass *cls,
                       const struct topo__tok *attr, bool up)
{
  const struct topo__tok *vt;
  int64_t ns;

  if (*i + 1 >= p->ntok || !topo__tok_is(&p->toks[*i + 1], "at"))
    return perr(p, attr->col, "expected 'at' after '%s' (e.g. %s at 5s)",
                up ? "up" : "down", up ? "up" : "down");
  if ((vt = value_after(p, *i + 1, &p->toks[*i + 1])) == NULL)
    return TOPO_ESYNTAX;
  if (topo__val_time(&p->wh, vt, up ? "up time" : "down time", &ns) != 0)
    return TOPO_ESYNTAX;
  if (cls->nev == TOPO__EVENTS_MAX)
    return perr(p, attr->col, "too many down/up events on one link (at most "
                "%d)", TOPO__EVENTS_MAX);
  if (cls->nev > 0 && ns <= cls->ev[cls->nev - 1].t_ns)
    return perr(p, vt->col, "link events must be in increasing time order: "
                "'%.*s' is not after the previous one", TOKF(vt));
  cls->ev[cls->nev].t_ns = ns;
  cls->ev[cls->nev].up = up;
  cls->nev++;
  *i += 2;
  return TOPO_OK;
}

/*
 * Attributes from token i to the end of the line, applied left to right
 * to cls (a later attribute overrides an earlier one for the directions it
 * names). in_defaults forbids what only makes sense on one link statement;
 * *blocks receives the `blocks` keyword.
 */
static int parse_attrs(struct parser *p, int i, struct topo__lclass *cls,
                       bool in_defaults, bool *blocks)
{
  for (; i < p->ntok; i++) {
    struct topo__tok at = p->toks[i]; /* the attribute word, prefix removed */
    const struct topo__tok *vt;
    int dir = DIR_BOTH;
    int rc = TOPO_OK;

    if (!at.quoted && at.len >= 4 &&
        (memcmp(at.s, "a>b:", 4) == 0 || memcmp(at.s, "b>a:", 4) == 0)) {
      dir = at.s[0] == 'a' ? DIR_AB : DIR_BA;
      if (at.len == 4) {
        if (i + 1 >= p->ntok)
          return perr(p, at.col, "missing attribute after '%.*s'", TOKF(&at));
        at = p->toks[++i];
      } else {
        at.s += 4;
        at.len -= 4;
        at.col += 4;
      }
    }
    if (topo__tok_is(&at, "rate")) {
      uint64_t bps;
      if ((vt = value_after(p, i, &at)) == NULL ||
          topo__val_rate(&p->wh, vt, &bps) != 0)
        return TOPO_ESYNTAX;
      SET_DIR(cls, dir, rate_bps, bps);
      i++;
    } else if (topo__tok_is(&at, "delay")) {
      int64_t ns;
      if ((vt = value_after(p, i, &at)) == NULL ||
          topo__val_time(&p->wh, vt, "delay", &ns) != 0)
        return TOPO_ESYNTAX;
      SET_DIR(cls, dir, delay_ns, ns);
      i++;
    } else if (topo__tok_is(&at, "queue")) {
      uint32_t n;
      if ((vt = value_after(p, i, &at)) == NULL ||
          topo__val_count(&p->wh, vt, "queue", &n) != 0)
        return TOPO_ESYNTAX;
      SET_DIR(cls, dir, queue_pkts, n);
      i++;
    } else if (topo__tok_is(&at, "loss") || topo__tok_is(&at, "dup")) {
      double pr;
      bool loss = at.s[0] == 'l';
      if ((vt = value_after(p, i, &at)) == NULL ||
          topo__val_prob(&p->wh, vt, loss ? "loss" : "dup", &pr) != 0)
        return TOPO_ESYNTAX;
      if (loss)
        SET_DIR(cls, dir, loss, pr);
      else
        SET_DIR(cls, dir, dup, pr);
      i++;
    } else if (topo__tok_is(&at, "burst")) {
      rc = attr_burst(p, &i, cls, dir, &at);
    } else if (topo__tok_is(&at, "hold")) {
      rc = attr_hold(p, &i, cls, dir, &at);
    } else if (topo__tok_is(&at, "down") || topo__tok_is(&at, "up") ||
               topo__tok_is(&at, "blocks")) {
      if (in_defaults)
        return perr(p, at.col, "'%.*s' cannot be a default; write it on the "
                    "link", TOKF(&at));
      if (dir != DIR_BOTH)
        return perr(p, at.col, "'%.*s' applies to the whole link and takes no "
                    "direction prefix", TOKF(&at));
      if (at.s[0] == 'b')
        *blocks = true;
      else
        rc = attr_updown(p, &i, cls, &at, at.s[0] == 'u');
    } else {
      const char *hint = at.quoted ? NULL : topo__suggest(at.s, at.len,
                                                          attr_words);
      if (hint != NULL)
        return perr(p, at.col, "unknown link attribute '%.*s' (did you mean "
                    "'%s'?)", TOKF(&at), hint);
      return perr(p, at.col, "unknown link attribute '%.*s' (expected rate, "
                  "delay, queue, loss, burst, dup, hold, down, up, blocks, or "
                  "a direction prefix a>b: or b>a:)", TOKF(&at));
    }
    if (rc != TOPO_OK)
      return rc;
  }
  return TOPO_OK;
}

/* ====================================================================== */
/* Statements                                                              */
/* ====================================================================== */

static bool params_eq(const struct sim_link_params *a,
                      const struct sim_link_params *b)
{
  return a->rate_bps == b->rate_bps && a->delay_ns == b->delay_ns &&
         a->queue_pkts == b->queue_pkts && a->loss == b->loss &&
         a->burst_p_gb == b->burst_p_gb && a->burst_p_bg == b->burst_p_bg &&
         a->burst_loss_good == b->burst_loss_good &&
         a->burst_loss_bad == b->burst_loss_bad && a->dup == b->dup &&
         a->hold == b->hold && a->hold_time.kind == b->hold_time.kind &&
         a->hold_time.a_ns == b->hold_time.a_ns &&
         a->hold_time.b_ns == b->hold_time.b_ns;
}

static bool class_eq(const struct topo__lclass *a, const struct topo__lclass *b)
{
  if (!params_eq(&a->ab, &b->ab) || !params_eq(&a->ba, &b->ba) ||
      a->nev != b->nev)
    return false;
  for (uint32_t i = 0; i < a->nev; i++)
    if (a->ev[i].t_ns != b->ev[i].t_ns || a->ev[i].up != b->ev[i].up)
      return false;
  return true;
}

/* link END END [ATTRIBUTE...] */
static int st_link(struct parser *p)
{
  struct topo *t = p->t;
  const struct topo__tok *ta = &p->toks[1], *tb = &p->toks[2];
  struct topo__lclass cls = p->defaults;
  struct ends ea = {0, 0}, eb = {0, 0};
  bool blocks = false;
  uint32_t n, cls_idx, stmt;
  int rc;

  if (p->ntok < 3)
    return perr(p, p->toks[0].col, "link needs two ends: link A B "
                "[attributes]");
  if ((rc = parse_end(p, ta, &ea)) != TOPO_OK ||
      (rc = parse_end(p, tb, &eb)) != TOPO_OK)
    return rc;
  if ((rc = parse_attrs(p, 3, &cls, false, &blocks)) != TOPO_OK)
    return rc;

  /* How the ends pair up: one to many (a star), pairwise, or blocks. */
  if (ea.count == 1 || eb.count == 1 || ea.count == eb.count) {
    n = ea.count > eb.count ? ea.count : eb.count;
  } else if (blocks) {
    if (ea.count % eb.count != 0 && eb.count % ea.count != 0)
      return perr(p, tb->col, "'blocks' needs one end's size to be a multiple "
                  "of the other's: '%.*s' has %lu members, '%.*s' has %lu",
                  TOKF(ta), (unsigned long)ea.count, TOKF(tb),
                  (unsigned long)eb.count);
    n = ea.count > eb.count ? ea.count : eb.count;
  } else {
    return perr(p, tb->col, "group size mismatch: '%.*s' has %lu members, "
                "'%.*s' has %lu (pairwise links need equal sizes; add "
                "'blocks' to split the larger end)", TOKF(ta),
                (unsigned long)ea.count, TOKF(tb), (unsigned long)eb.count);
  }
  if ((uint64_t)t->nlinks + n > TOPO__LINKS_MAX)
    return perr(p, p->toks[0].col, "too many links (at most %lu)",
                (unsigned long)TOPO__LINKS_MAX);

  /* Consecutive statements usually resolve to the same parameters: share
   * the class instead of storing one per statement. */
  if (t->nclasses > 0 && class_eq(&t->classes[t->nclasses - 1], &cls)) {
    cls_idx = (uint32_t)t->nclasses - 1;
  } else {
    void *arr = t->classes;
    rc = topo__reserve(&arr, &t->cap_classes, t->nclasses, 1, sizeof cls);
    t->classes = arr;
    if (rc != TOPO_OK)
      return oom(p);
    t->classes[t->nclasses] = cls;
    cls_idx = (uint32_t)t->nclasses++;
  }
  {
    void *arr = t->stmt_pos;
    rc = topo__reserve(&arr, &t->cap_stmts, t->nstmts, 1, sizeof(struct topo__pos));
    t->stmt_pos = arr;
    if (rc != TOPO_OK)
      return oom(p);
    t->stmt_pos[t->nstmts] = here(p, p->toks[0].col);
    stmt = (uint32_t)t->nstmts++;
    arr = t->links;
    rc = topo__reserve(&arr, &t->cap_links, t->nlinks, n, sizeof *t->links);
    t->links = arr;
    if (rc != TOPO_OK)
      return oom(p);
  }
  for (uint32_t k = 0; k < n; k++) {
    struct topo__link *l = &t->links[t->nlinks];
    /* With blocks the larger end is cut into runs of big/small members;
     * in every other case one of the divisions below is by itself. */
    uint32_t ka = ea.count == 1 ? 0 : k / (n / ea.count);
    uint32_t kb = eb.count == 1 ? 0 : k / (n / eb.count);
    l->a = ea.first + ka;
    l->b = eb.first + kb;
    l->cls = cls_idx;
    l->stmt = stmt;
    if (l->a == l->b)
      return perr(p, tb->col, "link from '%s' to itself",
                  topo__name(t, t->nodes[l->a].name));
    t->nlinks++;
  }
  return TOPO_OK;
}

/* defaults link ATTRIBUTE... */
static int st_defaults(struct parser *p)
{
  struct topo__lclass cls = p->defaults;
  bool blocks = false;
  int rc;

  if (p->ntok < 2)
    return perr(p, p->toks[0].col, "missing kind after 'defaults' (write "
                "'defaults link ATTRIBUTES')");
  if (!topo__tok_is(&p->toks[1], "link"))
    return perr(p, p->toks[1].col, "unknown defaults kind '%.*s' (write "
                "'defaults link ATTRIBUTES')", TOKF(&p->toks[1]));
  if (p->ntok < 3)
    return perr(p, p->toks[1].col, "'defaults link' needs at least one "
                "attribute");
  if ((rc = parse_attrs(p, 2, &cls, true, &blocks)) != TOPO_OK)
    return rc;
  p->defaults = cls;
  return TOPO_OK;
}

/* A link end that must be a single node (for `default`). */
static int single_node(struct parser *p, const struct topo__tok *tk,
                       uint32_t *node)
{
  struct ends e;
  int rc = parse_end(p, tk, &e);

  if (rc != TOPO_OK)
    return rc;
  if (e.count != 1)
    return perr(p, tk->col, "'%.*s' names %lu nodes; a default route needs "
                "one", TOKF(tk), (unsigned long)e.count);
  *node = e.first;
  return TOPO_OK;
}

/* default ROUTER via NODE */
static int st_default(struct parser *p)
{
  struct topo *t = p->t;
  struct topo__defroute *d;
  uint32_t router = 0, via = 0;
  int rc;

  if (p->ntok < 2)
    return perr(p, p->toks[0].col, "missing router after 'default' (write "
                "'default ROUTER via NODE')");
  if ((rc = single_node(p, &p->toks[1], &router)) != TOPO_OK)
    return rc;
  if (t->nodes[router].kind != SIM_NODE_ROUTER)
    return perr(p, p->toks[1].col, "'%.*s' is a host; only routers have "
                "default routes", TOKF(&p->toks[1]));
  if (p->ntok < 3 || !topo__tok_is(&p->toks[2], "via"))
    return perr(p, p->ntok < 3 ? p->toks[1].col : p->toks[2].col,
                "expected 'via' after the router (write 'default ROUTER via "
                "NODE')");
  if (p->ntok < 4)
    return perr(p, p->toks[2].col, "missing node after 'via'");
  if ((rc = single_node(p, &p->toks[3], &via)) != TOPO_OK)
    return rc;
  if (via == router)
    return perr(p, p->toks[3].col, "default route of '%.*s' via itself",
                TOKF(&p->toks[1]));
  if ((rc = expect_end(p, 4, "default")) != TOPO_OK)
    return rc;
  {
    void *arr = t->defroutes;
    rc = topo__reserve(&arr, &t->cap_defroutes, t->ndefroutes, 1, sizeof *d);
    t->defroutes = arr;
    if (rc != TOPO_OK)
      return oom(p);
  }
  d = &t->defroutes[t->ndefroutes++];
  d->router = router;
  d->via = via;
  d->link = UINT32_MAX;
  d->pos = here(p, p->toks[0].col);
  d->via_pos = here(p, p->toks[3].col);
  return TOPO_OK;
}

/* pool A.B.C.D/LEN */
static int st_pool(struct parser *p)
{
  struct topo *t = p->t;
  uint32_t net;
  int len, rc;

  if (p->ntok < 2)
    return perr(p, p->toks[0].col, "missing value after 'pool'");
  if (topo__val_prefix(&p->wh, &p->toks[1], &net, &len) != 0)
    return TOPO_ESYNTAX;
  if ((rc = expect_end(p, 2, "pool")) != TOPO_OK)
    return rc;
  if (t->pool_set) {
    char where[600];
    return perr(p, p->toks[0].col, "duplicate pool (already set at %s)",
                pos_str(p, &t->pool_pos, where, sizeof where));
  }
  t->pool_net = net;
  t->pool_len = (uint32_t)len;
  t->pool_set = true;
  t->pool_pos = here(p, p->toks[0].col);
  return TOPO_OK;
}

/* ====================================================================== */
/* Files and includes                                                      */
/* ====================================================================== */

/* Read a whole file into a NUL-terminated buffer. Returns 0, or an errno
 * value (EFBIG for files over TOPO__FILE_MAX). */
static int read_file(const char *path, char **buf, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *b = NULL;
  size_t n = 0, cap = 0;
  int e = 0;

  if (f == NULL)
    return errno != 0 ? errno : EIO;
  for (;;) {
    size_t got;
    if (cap - n < 4096) {
      size_t ncap = cap == 0 ? 65536 : cap * 2;
      char *nb;
      if (ncap > (size_t)TOPO__FILE_MAX + 65536) {
        e = EFBIG;
        break;
      }
      nb = realloc(b, ncap);
      if (nb == NULL) {
        e = ENOMEM;
        break;
      }
      b = nb;
      cap = ncap;
    }
    got = fread(b + n, 1, cap - n - 1, f);
    n += got;
    if (n > TOPO__FILE_MAX) {
      e = EFBIG;
      break;
    }
    if (got == 0) {
      if (ferror(f))
        e = errno != 0 ? errno : EIO;
      break;
    }
  }
  fclose(f);
  if (e != 0) {
    free(b);
    return e;
  }
  if (b == NULL && (b = malloc(1)) == NULL)
    return ENOMEM;
  b[n] = '\0';
  *buf = b;
  *len = n;
  return 0;
}

static const char *errno_text(int e)
{
  return e == EFBIG ? "file too large (at most 256 MiB)" : strerror(e);
}

/* include "FILE" */
static int st_include(struct parser *p)
{
  struct topo *t = p->t;
  const struct topo__tok *ft = &p->toks[1];
  const char *from = t->files[cur_file(p)];
  const char *slash = strrchr(from, '/');
  size_t dir_len = slash != NULL ? (size_t)(slash - from) + 1 : 0;
  char *path = NULL, *text = NULL;
  struct stat st;
  struct topo__where saved = p->wh;
  size_t len;
  uint32_t fidx;
  int rc, e;

  if (p->ntok < 2)
    return perr(p, p->toks[0].col, "missing file name after 'include' (write "
                "include \"file.topo\")");
  if (!ft->quoted)
    return perr(p, ft->col, "include needs a quoted file name: include "
                "\"%.*s\"", TOKF(ft));
  if (ft->len == 0)
    return perr(p, ft->col, "empty file name in include");
  if ((rc = expect_end(p, 2, "include")) != TOPO_OK)
    return rc;
  if (p->depth > TOPO__INCLUDE_DEPTH_MAX)
    return perr(p, ft->col, "includes nested more than %d deep",
                TOPO__INCLUDE_DEPTH_MAX);

  /* Relative to the including file's directory; absolute paths as is. */
  if (ft->s[0] == '/')
    dir_len = 0;
  path = malloc(dir_len + ft->len + 1);
  if (path == NULL)
    return oom(p);
  memcpy(path, from, dir_len);
  memcpy(path + dir_len, ft->s, ft->len);
  path[dir_len + ft->len] = '\0';

  errno = 0;
  if (stat(path, &st) != 0) {
    e = errno;
    if (e == ENOENT || e == ENOTDIR)
      rc = perr(p, ft->col, "include file '%s' not found", path);
    else
      rc = perr(p, ft->col, "cannot open include file '%s': %s", path,
                errno_text(e));
    goto out;
  }
  for (int k = 0; k < p->depth; k++) {
    if (p->stack[k].known && p->stack[k].dev == st.st_dev &&
        p->stack[k].ino == st.st_ino) {
      char chain[512];
      size_t used = 0;
      for (int m = k; m < p->depth && used < sizeof chain; m++) {
        int w = snprintf(chain + used, sizeof chain - used, "%s -> ",
                         t->files[p->stack[m].file]);
        used += w > 0 ? (size_t)w : 0;
      }
      rc = perr(p, ft->col, "include cycle: %s%s",
                used < sizeof chain ? chain : "", path);
      goto out;
    }
  }
  if ((e = read_file(path, &text, &len)) != 0) {
    rc = perr(p, ft->col, "cannot read include file '%s': %s", path,
              errno_text(e));
    goto out;
  }
  if (topo__file_add(t, path, &fidx) != TOPO_OK) {
    rc = oom(p);
    goto out;
  }
  p->stack[p->depth].file = fidx;
  p->stack[p->depth].known = true;
  p->stack[p->depth].dev = st.st_dev;
  p->stack[p->depth].ino = st.st_ino;
  p->depth++;
  rc = parse_text(p, text, len);
  p->depth--;
  p->wh = saved;
out:
  free(text);
  free(path);
  return rc;
}

/* ====================================================================== */
/* Lines                                                                   */
/* ====================================================================== */

static const char *const stmt_words[] = {
  "host", "hosts", "router", "routers", "tun", "link", "defaults",
  "default", "pool", "include", NULL};

static int statement(struct parser *p)
{
  const struct topo__tok *kw = &p->toks[0];
  const char *hint;

  if (topo__tok_is(kw, "host"))
    return st_node(p, SIM_NODE_HOST);
  if (topo__tok_is(kw, "router"))
    return st_node(p, SIM_NODE_ROUTER);
  if (topo__tok_is(kw, "hosts"))
    return st_group(p, SIM_NODE_HOST);
  if (topo__tok_is(kw, "routers"))
    return st_group(p, SIM_NODE_ROUTER);
  if (topo__tok_is(kw, "tun"))
    return st_tun(p);
  if (topo__tok_is(kw, "link"))
    return st_link(p);
  if (topo__tok_is(kw, "defaults"))
    return st_defaults(p);
  if (topo__tok_is(kw, "default"))
    return st_default(p);
  if (topo__tok_is(kw, "pool"))
    return st_pool(p);
  if (topo__tok_is(kw, "include"))
    return st_include(p);
  if (kw->quoted)
    return perr(p, kw->col, "unknown statement '\"%.*s\"' (statements are "
                "not quoted)", TOKF(kw));
  hint = topo__suggest(kw->s, kw->len, stmt_words);
  if (hint != NULL)
    return perr(p, kw->col, "unknown statement '%.*s' (did you mean '%s'?)",
                TOKF(kw), hint);
  return perr(p, kw->col, "unknown statement '%.*s' (expected host, hosts, "
              "router, routers, tun, link, defaults, default, pool or "
              "include)",
              TOKF(kw));
}

/* Every line of one file (the current frame). */
/* Append n bytes and a newline to the flattened text (topo_text). */
static int flat_add(struct parser *p, const char *s, size_t n)
{
  struct topo *t = p->t;
  if (t->cap_flat - t->flat_len < n + 2) {
    size_t cap = t->cap_flat ? t->cap_flat : 4096;
    while (cap - t->flat_len < n + 2)
      cap *= 2;
    char *nb = realloc(t->flat, cap);
    if (nb == NULL)
      return oom(p);
    t->flat = nb;
    t->cap_flat = cap;
  }
  memcpy(t->flat + t->flat_len, s, n);
  t->flat_len += n;
  t->flat[t->flat_len++] = '\n';
  t->flat[t->flat_len] = '\0';
  return TOPO_OK;
}

static int parse_text(struct parser *p, const char *text, size_t len)
{
  size_t pos = 0;
  uint32_t line = 1;

  while (pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl != NULL ? (size_t)(nl - text) : len;
    int rc;

    p->wh.file = p->t->files[cur_file(p)];
    p->wh.line = line;
    p->ntok = topo__lex_line(&p->wh, text + pos, end - pos, p->toks);
    if (p->ntok < 0)
      return TOPO_ESYNTAX;
    /* An include's lines replace it in the flattened text, between two
     * comments that name the file. */
    bool incl = p->ntok > 0 && topo__tok_is(&p->toks[0], "include");
    if (incl) {
      char mark[TOPO__LINE_MAX + 32];
      int n = snprintf(mark, sizeof mark, "# >>> %.*s", (int)(end - pos),
                       text + pos);
      if ((rc = flat_add(p, mark, (size_t)n < sizeof mark ? (size_t)n
                                                           : sizeof mark - 1)))
        return rc;
    } else if ((rc = flat_add(p, text + pos, end - pos)) != TOPO_OK) {
      return rc;
    }
    if (p->ntok > 0 && (rc = statement(p)) != TOPO_OK)
      return rc;
    if (incl && (rc = flat_add(p, "# <<<", 5)) != TOPO_OK)
      return rc;
    if (line == UINT32_MAX)
      return perr(p, 1, "too many lines");
    line++;
    pos = end + 1;
  }
  return TOPO_OK;
}

/* ====================================================================== */
/* Resolution                                                              */
/* ====================================================================== */

/* Hosts declared without an address take the next free address of the
 * pool, in declaration order, skipping any address given explicitly
 * anywhere in the text, and the tun prefixes. */
static int assign_pool(struct parser *p)
{
  struct topo *t = p->t;
  uint32_t first, other;
  uint64_t count, cursor = 0;

  topo__prefix_range(t->pool_net, (int)t->pool_len, &first, &count);
  for (size_t i = 0; i < t->nnodes; i++) {
    struct topo__node *n = &t->nodes[i];
    if (!n->want_pool)
      continue;
    while (cursor < count &&
           (topo__addrs_get(t, first + (uint32_t)cursor, &other) ||
            (t->ntunpfx && topo__tunpfx_of(t, first + (uint32_t)cursor))))
      cursor++;
    if (cursor >= count) {
      char a[16];
      return perr_at(p, &n->pos, "auto address pool %s/%lu is exhausted at "
                     "'%s' (%llu addresses; set a larger one with 'pool' or "
                     "give the group a prefix)",
                     topo__ipv4_str(t->pool_net, a),
                     (unsigned long)t->pool_len, topo__name(t, n->name),
                     (unsigned long long)count);
    }
    n->addr = first + (uint32_t)cursor++;
    n->want_pool = false;
    if (topo__addrs_put(t, n->addr, (uint32_t)i) != TOPO_OK)
      return oom(p);
  }
  return TOPO_OK;
}

/* Each default route takes the first declared link between its router and
 * its "via" node. One pass over the links with a per-node table keeps
 * this linear however many default routes there are. */
static int resolve_defaults(struct parser *p)
{
  struct topo *t = p->t;
  uint32_t *dr_of;
  int rc = TOPO_OK;

  if (t->ndefroutes == 0)
    return TOPO_OK;
  dr_of = malloc(t->nnodes * sizeof *dr_of);
  if (dr_of == NULL)
    return oom(p);
  for (size_t i = 0; i < t->nnodes; i++)
    dr_of[i] = UINT32_MAX;
  for (size_t i = 0; i < t->ndefroutes; i++) {
    struct topo__defroute *d = &t->defroutes[i];
    if (dr_of[d->router] != UINT32_MAX) {
      char where[600];
      rc = perr_at(p, &d->pos, "router '%s' already has a default route (at "
                   "%s)", topo__name(t, t->nodes[d->router].name),
                   pos_str(p, &t->defroutes[dr_of[d->router]].pos, where,
                           sizeof where));
      goto out;
    }
    dr_of[d->router] = (uint32_t)i;
  }
  for (size_t i = 0; i < t->nlinks; i++) {
    const struct topo__link *l = &t->links[i];
    uint32_t da = dr_of[l->a], db = dr_of[l->b];
    if (da != UINT32_MAX && t->defroutes[da].link == UINT32_MAX &&
        t->defroutes[da].via == l->b)
      t->defroutes[da].link = (uint32_t)i;
    if (db != UINT32_MAX && t->defroutes[db].link == UINT32_MAX &&
        t->defroutes[db].via == l->a)
      t->defroutes[db].link = (uint32_t)i;
  }
  for (size_t i = 0; i < t->ndefroutes; i++) {
    const struct topo__defroute *d = &t->defroutes[i];
    if (d->link == UINT32_MAX) {
      rc = perr_at(p, &d->via_pos, "no link between '%s' and '%s' for the "
                   "default route", topo__name(t, t->nodes[d->router].name),
                   topo__name(t, t->nodes[d->via].name));
      goto out;
    }
  }
out:
  free(dr_of);
  return rc;
}

/* ====================================================================== */
/* API                                                                     */
/* ====================================================================== */

/* The language's link defaults are the core's (topologies/README.md
 * states them; tests/topologies/test_parse.c checks that they agree). */
static void link_defaults(struct topo__lclass *c)
{
  memset(c, 0, sizeof *c);
  sim_link_params_default(&c->ab);
  c->ba = c->ab;
}

/* Parse text as the root file called display (if a file of that name
 * exists, includes that come back to it are cycles). */
static int parse_root(const char *display, const char *text,
                      size_t len, struct topo **out, struct topo_error *err)
{
  struct parser *p;
  struct topo *t;
  uint32_t fidx;
  int rc;

  *out = NULL;
  p = calloc(1, sizeof *p);
  t = topo__new();
  if (p == NULL || t == NULL) {
    free(p);
    topo_free(t);
    topo__seterr(err, display, 0, 0, "out of memory");
    return TOPO_ENOMEM;
  }
  p->t = t;
  p->err = err;
  p->wh.err = err;
  link_defaults(&p->defaults);
  if (topo__file_add(t, display, &fidx) != TOPO_OK) {
    rc = oom(p);
    goto out;
  }
  p->stack[0].file = fidx;
  {
    struct stat st;
    p->stack[0].known = stat(display, &st) == 0;
    p->stack[0].dev = p->stack[0].known ? st.st_dev : 0;
    p->stack[0].ino = p->stack[0].known ? st.st_ino : 0;
  }
  p->depth = 1;
  rc = parse_text(p, text, len);
  if (rc == TOPO_OK)
    rc = assign_pool(p);
  if (rc == TOPO_OK)
    rc = resolve_defaults(p);
#ifdef TCPSIM_DEBUG
  /* Costs about half the parse of a large file (every member name is
   * rebuilt), so only debug builds pay it here; the tests call
   * topo__check() after every parse they make. */
  if (rc == TOPO_OK)
    assert(topo__check(t));
#endif
out:
  free(p);
  if (rc != TOPO_OK) {
    topo_free(t);
    return rc;
  }
  *out = t;
  return TOPO_OK;
}

int topo_link_attrs(const char *text, struct sim_link_params *ab,
                    struct sim_link_params *ba, struct topo_error *err)
{
  struct parser *p;
  struct topo__lclass cls;
  bool blocks = false;
  int rc;

  if (text == NULL || ab == NULL || ba == NULL)
    return TOPO_EINVAL;
  size_t len = strlen(text);
  if (len > TOPO__LINE_MAX || memchr(text, '\n', len) != NULL) {
    topo__seterr(err, "", 0, 0, "link attributes must be one line of at most "
                 "%d bytes", TOPO__LINE_MAX);
    return TOPO_ESYNTAX;
  }
  p = calloc(1, sizeof *p);
  if (p == NULL) {
    topo__seterr(err, "", 0, 0, "out of memory");
    return TOPO_ENOMEM;
  }
  p->err = err;
  p->wh.err = err;
  p->wh.file = "";
  p->wh.line = 1;
  memset(&cls, 0, sizeof cls);
  cls.ab = *ab;
  cls.ba = *ba;
  p->ntok = topo__lex_line(&p->wh, text, len, p->toks);
  rc = p->ntok < 0 ? TOPO_ESYNTAX : TOPO_OK;
  for (int i = 0; rc == TOPO_OK && i < p->ntok; i++)
    if (topo__tok_is(&p->toks[i], "down") || topo__tok_is(&p->toks[i], "up") ||
        topo__tok_is(&p->toks[i], "blocks"))
      rc = perr(p, p->toks[i].col, "'%.*s' is not a link parameter here "
                "(links go down and up by faults)", TOKF(&p->toks[i]));
  if (rc == TOPO_OK)
    rc = parse_attrs(p, 0, &cls, true, &blocks);
  if (rc == TOPO_OK) {
    *ab = cls.ab;
    *ba = cls.ba;
  }
  free(p);
  return rc;
}

int topo_parse_file(const char *path, struct topo **out, struct topo_error *err)
{
  char *text = NULL;
  size_t len;
  int rc, e;

  if (out == NULL)
    return TOPO_EINVAL;
  *out = NULL;
  if (path == NULL) {
    topo__seterr(err, "", 0, 0, "no topology file given");
    return TOPO_EINVAL;
  }
  if ((e = read_file(path, &text, &len)) != 0) {
    topo__seterr(err, path, 0, 0, "cannot read topology file: %s",
                 errno_text(e));
    return e == ENOMEM ? TOPO_ENOMEM : TOPO_EIO;
  }
  rc = parse_root(path, text, len, out, err);
  free(text);
  return rc;
}

int topo_parse_string(const char *name, const char *text, struct topo **out,
                      struct topo_error *err)
{
  if (out == NULL)
    return TOPO_EINVAL;
  *out = NULL;
  if (name == NULL)
    name = "<string>";
  if (text == NULL) {
    topo__seterr(err, name, 0, 0, "no topology text given");
    return TOPO_EINVAL;
  }
  return parse_root(name, text, strlen(text), out, err);
}
