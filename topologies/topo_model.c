/*
 * topo_model.c - the resolved topology: containers, hash maps, accessors,
 * error formatting, the invariant checker and the digest.
 *
 * Names and addresses are looked up in open-addressing hash maps so that
 * a 100,000-host file parses in time linear in its size; the arrays grow
 * geometrically. The axioms these structures keep are T1-T6 in
 * topologies/topo_int.h; topo__check() verifies them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topologies/topo_int.h"

/* ====================================================================== */
/* Errors                                                                  */
/* ====================================================================== */

const char *topo_strerror(int err)
{
  switch (err) {
#define TOPO__ERR_MSG(name, code, msg) \
  case (code):                         \
    return (msg);
    TOPO_ERRORS(TOPO__ERR_MSG)
#undef TOPO__ERR_MSG
  default:
    return "unknown error";
  }
}

void topo__seterr(struct topo_error *err, const char *file, uint32_t line,
                  uint32_t col, const char *fmt, ...)
{
  va_list ap;

  if (err == NULL)
    return;
  snprintf(err->file, sizeof err->file, "%s", file != NULL ? file : "");
  err->line = (int)line;
  err->col = (int)col;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
}

int topo_format_error(const struct topo_error *e, char *buf, size_t cap)
{
  if (e->line > 0)
    return snprintf(buf, cap, "%s:%d:%d: %s", e->file, e->line, e->col,
                    e->msg);
  if (e->file[0] != '\0')
    return snprintf(buf, cap, "%s: %s", e->file, e->msg);
  return snprintf(buf, cap, "%s", e->msg);
}

/* ====================================================================== */
/* Containers                                                              */
/* ====================================================================== */

struct topo *topo__new(void)
{
  struct topo *t = calloc(1, sizeof *t);

  if (t == NULL)
    return NULL;
  t->pool_net = TOPO__POOL_DEFAULT_NET;
  t->pool_len = TOPO__POOL_DEFAULT_LEN;
  return t;
}

void topo_free(struct topo *t)
{
  if (t == NULL)
    return;
  free(t->nodes);
  free(t->groups);
  free(t->classes);
  free(t->links);
  free(t->stmt_pos);
  free(t->defroutes);
  free(t->tunpfx);
  free(t->names);
  for (size_t i = 0; i < t->nfiles; i++)
    free(t->files[i]);
  free(t->files);
  free(t->flat);
  free(t->name_map.vals);
  free(t->name_map.keys);
  free(t->addr_map.vals);
  free(t->addr_map.keys);
  free(t);
}

static uint32_t pfx_mask(uint32_t len)
{
  return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

const struct topo__tunpfx *topo__tunpfx_of(const struct topo *t,
                                           uint32_t addr)
{
  for (size_t i = 0; i < t->ntunpfx; i++)
    if ((addr & pfx_mask(t->tunpfx[i].len)) == t->tunpfx[i].net)
      return &t->tunpfx[i];
  return NULL;
}

int topo__reserve(void **arr, size_t *cap, size_t len, size_t n, size_t elem)
{
  size_t want, ncap;
  void *p;

  if (n > SIZE_MAX / elem - len)
    return TOPO_ENOMEM;
  want = len + n;
  if (want <= *cap)
    return TOPO_OK;
  ncap = *cap < 16 ? 16 : *cap;
  while (ncap < want)
    ncap = ncap > SIZE_MAX / 2 / elem ? want : ncap * 2;
  p = realloc(*arr, ncap * elem);
  if (p == NULL)
    return TOPO_ENOMEM;
  *arr = p;
  *cap = ncap;
  return TOPO_OK;
}

int topo__name_store(struct topo *t, const char *s, size_t len, uint32_t *off)
{
  void *arr = t->names;
  int rc;

  if (t->names_len + len + 1 > UINT32_MAX)
    return TOPO_ENOMEM;
  rc = topo__reserve(&arr, &t->cap_names, t->names_len, len + 1, 1);
  t->names = arr;
  if (rc != TOPO_OK)
    return rc;
  memcpy(t->names + t->names_len, s, len);
  t->names[t->names_len + len] = '\0';
  *off = (uint32_t)t->names_len;
  t->names_len += len + 1;
  return TOPO_OK;
}

int topo__file_add(struct topo *t, const char *display, uint32_t *idx)
{
  void *arr = t->files;
  char *copy;
  int rc;

  rc = topo__reserve(&arr, &t->cap_files, t->nfiles, 1, sizeof(char *));
  t->files = arr;
  if (rc != TOPO_OK)
    return rc;
  copy = malloc(strlen(display) + 1);
  if (copy == NULL)
    return TOPO_ENOMEM;
  strcpy(copy, display);
  t->files[t->nfiles] = copy;
  *idx = (uint32_t)t->nfiles++;
  return TOPO_OK;
}

/* ====================================================================== */
/* Hash maps                                                               */
/* ====================================================================== */

/* Slots are taken from the low bits of a hash. A bare multiply would
 * leave those bits blind to the high bits of the key (10.1.0.5 and
 * 10.2.0.5 would collide in any table up to 2^16 slots), so every hash
 * goes through this finaliser, which lets each input bit reach each
 * output bit. */
static uint32_t mix32(uint32_t x)
{
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

static uint32_t hash_name(const char *s, size_t len)
{
  uint32_t h = 2166136261u; /* FNV-1a, 32 bits */

  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return mix32(h);
}

static uint32_t hash_addr(uint32_t a) { return mix32(a); }

static bool name_eq(const struct topo *t, uint32_t val, const char *s,
                    size_t len)
{
  const char *n = (val & TOPO__NAME_GROUP)
                      ? topo__name(t, t->groups[val & ~TOPO__NAME_GROUP].name)
                      : topo__name(t, t->nodes[val].name);
  return strncmp(n, s, len) == 0 && n[len] == '\0';
}

/* Double the table (or create it) and reinsert. keys[] keeps what places
 * an entry (the full hash of a name, or the address itself), so growing
 * never touches the strings. */
static int map_grow(struct topo__map *m, bool addr_keys)
{
  size_t ncap = m->cap == 0 ? 64 : m->cap * 2;
  uint32_t *vals = calloc(ncap, sizeof *vals);
  uint32_t *keys = calloc(ncap, sizeof *keys);

  if (vals == NULL || keys == NULL) {
    free(vals);
    free(keys);
    return TOPO_ENOMEM;
  }
  for (size_t i = 0; i < m->cap; i++) {
    uint32_t h;
    size_t j;
    if (m->vals[i] == 0)
      continue;
    h = addr_keys ? hash_addr(m->keys[i]) : m->keys[i];
    for (j = h & (ncap - 1); vals[j] != 0; j = (j + 1) & (ncap - 1))
      ;
    vals[j] = m->vals[i];
    keys[j] = m->keys[i];
  }
  free(m->vals);
  free(m->keys);
  m->vals = vals;
  m->keys = keys;
  m->cap = ncap;
  return TOPO_OK;
}

bool topo__names_get(const struct topo *t, const char *s, size_t len,
                     uint32_t *val)
{
  const struct topo__map *m = &t->name_map;
  uint32_t h = hash_name(s, len);

  if (m->cap == 0)
    return false;
  for (size_t j = h & (m->cap - 1); m->vals[j] != 0; j = (j + 1) & (m->cap - 1)) {
    if (m->keys[j] == h && name_eq(t, m->vals[j] - 1, s, len)) {
      *val = m->vals[j] - 1;
      return true;
    }
  }
  return false;
}

int topo__names_put(struct topo *t, uint32_t name_off, uint32_t val)
{
  struct topo__map *m = &t->name_map;
  const char *s = topo__name(t, name_off);
  uint32_t h = hash_name(s, strlen(s));
  size_t j;

  if ((m->used + 1) * 2 > m->cap && map_grow(m, false) != TOPO_OK)
    return TOPO_ENOMEM;
  for (j = h & (m->cap - 1); m->vals[j] != 0; j = (j + 1) & (m->cap - 1))
    ;
  m->vals[j] = val + 1;
  m->keys[j] = h;
  m->used++;
  return TOPO_OK;
}

bool topo__addrs_get(const struct topo *t, uint32_t addr, uint32_t *node)
{
  const struct topo__map *m = &t->addr_map;

  if (m->cap == 0)
    return false;
  for (size_t j = hash_addr(addr) & (m->cap - 1); m->vals[j] != 0;
       j = (j + 1) & (m->cap - 1)) {
    if (m->keys[j] == addr) {
      *node = m->vals[j] - 1;
      return true;
    }
  }
  return false;
}

int topo__addrs_put(struct topo *t, uint32_t addr, uint32_t node)
{
  struct topo__map *m = &t->addr_map;
  size_t j;

  if ((m->used + 1) * 2 > m->cap && map_grow(m, true) != TOPO_OK)
    return TOPO_ENOMEM;
  for (j = hash_addr(addr) & (m->cap - 1); m->vals[j] != 0;
       j = (j + 1) & (m->cap - 1))
    ;
  m->vals[j] = node + 1;
  m->keys[j] = addr;
  m->used++;
  return TOPO_OK;
}

/* ====================================================================== */
/* Addresses                                                               */
/* ====================================================================== */

void topo__prefix_range(uint32_t net, int len, uint32_t *first,
                        uint64_t *count)
{
  uint64_t size = (uint64_t)1 << (32 - len);

  if (len >= 31) {
    *first = net;
    *count = size;
  } else {
    *first = net + 1;
    *count = size - 2;
  }
  /* 0.0.0.0 means "no address" to the simulator: never hand it out. */
  if (*first == 0 && *count > 0) {
    *first = 1;
    *count -= 1;
  }
}

char *topo__ipv4_str(uint32_t addr, char *buf)
{
  snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(addr >> 24),
           (unsigned)((addr >> 16) & 255), (unsigned)((addr >> 8) & 255),
           (unsigned)(addr & 255));
  return buf;
}

/* ====================================================================== */
/* Accessors                                                               */
/* ====================================================================== */

size_t topo_node_count(const struct topo *t) { return t->nnodes; }
size_t topo_host_count(const struct topo *t) { return t->nhosts; }
size_t topo_router_count(const struct topo *t) { return t->nrouters; }
size_t topo_link_count(const struct topo *t) { return t->nlinks; }
size_t topo_group_count(const struct topo *t) { return t->ngroups; }

const char *topo_node_name(const struct topo *t, uint32_t node)
{
  return node < t->nnodes ? topo__name(t, t->nodes[node].name) : NULL;
}

uint32_t topo_node_addr(const struct topo *t, uint32_t node)
{
  return node < t->nnodes ? t->nodes[node].addr : 0;
}

int topo_group_find(const struct topo *t, const char *name,
                    uint32_t *first_node, uint32_t *count)
{
  uint32_t v;

  if (name == NULL || !topo__names_get(t, name, strlen(name), &v))
    return TOPO_ENOENT;
  if (v & TOPO__NAME_GROUP) {
    const struct topo__group *g = &t->groups[v & ~TOPO__NAME_GROUP];
    *first_node = g->first;
    *count = g->count;
  } else {
    *first_node = v;
    *count = 1;
  }
  return TOPO_OK;
}

int topo_group_at(const struct topo *t, size_t i, const char **name,
                  uint32_t *first_node, uint32_t *count)
{
  if (i >= t->ngroups)
    return TOPO_ENOENT;
  *name = topo__name(t, t->groups[i].name);
  *first_node = t->groups[i].first;
  *count = t->groups[i].count;
  return TOPO_OK;
}

/* ====================================================================== */
/* Invariants                                                              */
/* ====================================================================== */

bool topo__check(const struct topo *t)
{
  size_t hosts = 0, routers = 0, addrs = 0;
  uint32_t v;

  for (size_t i = 0; i < t->nnodes; i++) {
    const struct topo__node *n = &t->nodes[i];
    const char *name = topo__name(t, n->name);
    if (n->kind == SIM_NODE_HOST) {
      hosts++;
      if (n->addr == 0) /* T3 */
        return false;
    } else {
      routers++;
    }
    if (!topo__names_get(t, name, strlen(name), &v) || v != i) /* T2 */
      return false;
    if (n->addr != 0) {
      addrs++;
      if (!topo__addrs_get(t, n->addr, &v) || v != i) /* T3 */
        return false;
    }
  }
  if (hosts != t->nhosts || routers != t->nrouters) /* T6 */
    return false;
  if (addrs != t->addr_map.used) /* T3: nothing else in the map */
    return false;
  for (size_t g = 0; g < t->ngroups; g++) { /* T1 */
    const struct topo__group *gr = &t->groups[g];
    const char *name = topo__name(t, gr->name);
    if (gr->count == 0 || gr->first + (uint64_t)gr->count > t->nnodes)
      return false;
    if (!topo__names_get(t, name, strlen(name), &v) ||
        v != (g | TOPO__NAME_GROUP))
      return false;
    for (uint32_t k = 0; k < gr->count; k++) {
      const struct topo__node *n = &t->nodes[gr->first + k];
      char want[TOPO__NAME_MAX + 12];
      snprintf(want, sizeof want, "%s%lu", name,
               (unsigned long)gr->lo + k);
      if (n->group != g || n->kind != gr->kind ||
          strcmp(topo__name(t, n->name), want) != 0)
        return false;
    }
  }
  if (t->nnodes + t->ngroups != t->name_map.used) /* T2 */
    return false;
  for (size_t i = 0; i < t->nlinks; i++) { /* T4 */
    const struct topo__link *l = &t->links[i];
    if (l->a >= t->nnodes || l->b >= t->nnodes || l->a == l->b ||
        l->cls >= t->nclasses || l->stmt >= t->nstmts)
      return false;
  }
  for (size_t i = 0; i < t->ndefroutes; i++) { /* T5 */
    const struct topo__defroute *d = &t->defroutes[i];
    const struct topo__link *l;
    if (d->router >= t->nnodes || t->nodes[d->router].kind != SIM_NODE_ROUTER ||
        d->link >= t->nlinks)
      return false;
    l = &t->links[d->link];
    if (!((l->a == d->router && l->b == d->via) ||
          (l->b == d->router && l->a == d->via)))
      return false;
    for (size_t j = 0; j < i; j++)
      if (t->defroutes[j].router == d->router)
        return false;
  }
  for (size_t i = 0; i < t->ntunpfx; i++) { /* T7 */
    const struct topo__tunpfx *x = &t->tunpfx[i];
    uint32_t m = pfx_mask(x->len);
    if (x->node >= t->nnodes || !t->nodes[x->node].tun || x->len < 1 ||
        x->len > 32 || (x->net & ~m))
      return false;
    for (size_t j = 0; j < i; j++) {
      const struct topo__tunpfx *y = &t->tunpfx[j];
      if (y->node == x->node || (x->net & pfx_mask(y->len)) == y->net ||
          (y->net & m) == x->net)
        return false;
    }
    for (size_t k = 0; k < t->nnodes; k++)
      if (k != x->node && t->nodes[k].addr != 0 &&
          (t->nodes[k].addr & m) == x->net)
        return false;
  }
  return true;
}

/* ====================================================================== */
/* Digest                                                                  */
/* ====================================================================== */

/* FNV-1a over a canonical byte stream: every integer as 8 little-endian
 * bytes, every double as its IEEE-754 bits, every string as its length
 * then its bytes. Field order is fixed here and nowhere else. */
struct fnv {
  uint64_t h;
};

static void fnv_bytes(struct fnv *f, const void *p, size_t n)
{
  const unsigned char *b = p;

  for (size_t i = 0; i < n; i++) {
    f->h ^= b[i];
    f->h *= 0x100000001b3ull;
  }
}

static void fnv_u64(struct fnv *f, uint64_t v)
{
  unsigned char b[8];

  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char)(v >> (8 * i));
  fnv_bytes(f, b, 8);
}

static void fnv_f64(struct fnv *f, double d)
{
  uint64_t bits;

  memcpy(&bits, &d, sizeof bits);
  fnv_u64(f, bits);
}

static void fnv_str(struct fnv *f, const char *s)
{
  size_t n = strlen(s);

  fnv_u64(f, n);
  fnv_bytes(f, s, n);
}

static void fnv_params(struct fnv *f, const struct sim_link_params *p)
{
  fnv_u64(f, p->rate_bps);
  fnv_u64(f, (uint64_t)p->delay_ns);
  fnv_u64(f, p->queue_pkts);
  fnv_f64(f, p->loss);
  fnv_f64(f, p->burst_p_gb);
  fnv_f64(f, p->burst_p_bg);
  fnv_f64(f, p->burst_loss_good);
  fnv_f64(f, p->burst_loss_bad);
  fnv_f64(f, p->dup);
  fnv_f64(f, p->hold);
  fnv_u64(f, (uint64_t)p->hold_time.kind);
  fnv_u64(f, (uint64_t)p->hold_time.a_ns);
  fnv_u64(f, (uint64_t)p->hold_time.b_ns);
}

int topo_digest(const struct topo *t, char out_hex[17])
{
  struct fnv f = {0xcbf29ce484222325ull};

  fnv_str(&f, "tcpsim-topo-1");
  fnv_u64(&f, t->nnodes);
  for (size_t i = 0; i < t->nnodes; i++) {
    /* a tun node is a host to the simulator; 2 keeps it distinct while
     * leaving the digests of topologies without one as they were */
    fnv_u64(&f, t->nodes[i].tun ? 2 : t->nodes[i].kind);
    fnv_str(&f, topo__name(t, t->nodes[i].name));
    fnv_u64(&f, t->nodes[i].addr);
  }
  fnv_u64(&f, t->ngroups);
  for (size_t i = 0; i < t->ngroups; i++) {
    fnv_str(&f, topo__name(t, t->groups[i].name));
    fnv_u64(&f, t->groups[i].first);
    fnv_u64(&f, t->groups[i].count);
  }
  fnv_u64(&f, t->nlinks);
  for (size_t i = 0; i < t->nlinks; i++) {
    const struct topo__lclass *c = &t->classes[t->links[i].cls];
    fnv_u64(&f, t->links[i].a);
    fnv_u64(&f, t->links[i].b);
    fnv_params(&f, &c->ab);
    fnv_params(&f, &c->ba);
    fnv_u64(&f, c->nev);
    for (uint32_t e = 0; e < c->nev; e++) {
      fnv_u64(&f, (uint64_t)c->ev[e].t_ns);
      fnv_u64(&f, c->ev[e].up);
    }
  }
  /* Default routes by router id, so their order in the text is irrelevant
   * (T5: at most one per router). */
  {
    uint32_t *by_router = malloc((t->nnodes + 1) * sizeof *by_router);
    if (by_router == NULL)
      return TOPO_ENOMEM;
    for (size_t i = 0; i < t->nnodes; i++)
      by_router[i] = UINT32_MAX;
    for (size_t i = 0; i < t->ndefroutes; i++)
      by_router[t->defroutes[i].router] = t->defroutes[i].link;
    fnv_u64(&f, t->ndefroutes);
    for (size_t i = 0; i < t->nnodes; i++) {
      if (by_router[i] == UINT32_MAX)
        continue;
      fnv_u64(&f, i);
      fnv_u64(&f, by_router[i]);
    }
    free(by_router);
  }
  /* Tun prefixes only when there are some: digests of topologies without
   * one stay as they were. */
  if (t->ntunpfx) {
    fnv_str(&f, "tun-prefixes");
    fnv_u64(&f, t->ntunpfx);
    for (size_t i = 0; i < t->ntunpfx; i++) {
      fnv_u64(&f, t->tunpfx[i].node);
      fnv_u64(&f, t->tunpfx[i].net);
      fnv_u64(&f, t->tunpfx[i].len);
    }
  }
  snprintf(out_hex, 17, "%016llx", (unsigned long long)f.h);
  return TOPO_OK;
}

const char *topo_text(const struct topo *t)
{
  return t != NULL && t->flat != NULL ? t->flat : "";
}

bool topo_node_is_tun(const struct topo *t, uint32_t node)
{
  return t && node < t->nnodes && t->nodes[node].tun;
}

bool topo_node_tun_prefix(const struct topo *t, uint32_t node, uint32_t *net,
                          int *len)
{
  if (!t)
    return false;
  for (size_t i = 0; i < t->ntunpfx; i++)
    if (t->tunpfx[i].node == node) {
      *net = t->tunpfx[i].net;
      *len = (int)t->tunpfx[i].len;
      return true;
    }
  return false;
}
