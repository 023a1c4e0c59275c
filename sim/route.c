/*
 * route.c - static shortest-path routing on prefixes, longest-prefix match,
 * default routes and the reachability report.
 *
 * Only routers forward. The next hop from node u towards host h is:
 *   - the link to h itself when u is attached to h (lowest link id if
 *     several), else
 *   - the link to the router neighbour v of u that is fewest router hops
 *     away from one of h's routers (the routers h is attached to), ties to
 *     the lower v and then the lower link id.
 * That rule only depends on h through the set T(h) of h's routers, so hosts
 * are put in groups by T (a thousand hosts hanging off one router form one
 * group), one breadth-first search over the router graph is run per group,
 * and every node that keeps a table (routers, and hosts with several links)
 * gets one next hop per group. A router's own addresses ride with the group
 * of the hosts attached to it alone, since they are reached the same way.
 *
 * The addresses a node sends through one link are then merged into the
 * minimal set of CIDR blocks covering exactly them: each group's addresses
 * are first reduced to their blocks, and the blocks of all groups sharing a
 * link are merged again (disjoint aligned blocks in address order, merging
 * sibling pairs on a stack, give the maximal blocks). Hosts attached to the
 * node itself get /32 entries (a "direct map" in the same table).
 *
 * A host may also own whole blocks (sim_node_add_prefix, the emulation
 * bridge's tun node): a block joins its group's addresses as one entry
 * (addresses of the host inside it are dropped, so the entries stay
 * disjoint) and merges with them like any other, and is a direct entry of
 * its own on the nodes attached to the host.
 *
 * Cost: O(G * (R + E_r)) for the searches, G groups and R routers, plus
 * sorting the addresses once per group and the entries once per table.
 * The table layout and its axioms (R1-R6) are in sim/sim_int.h.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"


/* qsort for possibly empty arrays: qsort(NULL, 0, ...) is undefined
 * behaviour, and an empty table has a NULL entry array. */
static void sort_n(void *base, size_t n, size_t size,
                   int (*cmp)(const void *, const void *))
{
  if (n > 1)
    qsort(base, n, size, cmp);
}

/* ====================================================================== */
/* Types                                                                   */
/* ====================================================================== */

/* A route being built: block, link, and whether it is a direct entry,
 * which wins a tie on the same block (prio 0 before 1). */
struct rent {
  uint32_t prefix;
  uint32_t link;
  uint8_t len;
  uint8_t prio;
};

struct rvec {
  struct rent *e;
  size_t n;
  size_t cap;
};

/* (neighbour router, link), sorted by neighbour id then link id. */
struct nbr {
  uint32_t node;
  uint32_t link;
};

struct group {
  uint32_t t_off, t_n;      /* T: sorted router ids in tpool */
  uint32_t m_off, m_n;      /* member hosts in mpool */
  uint32_t self_router;     /* router whose own addresses join, or NONE */
  struct rent *blocks;      /* minimal blocks of the group's addresses */
  size_t nblocks;
};

struct build {
  struct sim_world *w;
  uint32_t n;               /* nodes */
  uint32_t nr;              /* routers */
  uint32_t *ridx;           /* node -> router index, NONE for hosts */
  uint32_t *rnode;          /* router index -> node */
  uint32_t *nb_off;         /* node -> first entry in nbrs (n + 1) */
  struct nbr *nbrs;         /* router neighbours of every node */
  struct group *g;
  uint32_t ng;
  uint32_t *tpool;
  uint32_t *mpool;
  struct rvec *tab;         /* per node being given a table */
};

/* ====================================================================== */
/* Small helpers                                                           */
/* ====================================================================== */

static uint32_t other_end(const struct sim_world *w, uint32_t link,
                          uint32_t node)
{
  const struct sim__link *l = w->links[link];
  return l->a == node ? l->b : l->a;
}

static uint32_t mask_of(unsigned len)
{
  return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

static bool keeps_table(const struct sim__node *n)
{
  return n->kind == SIM_NODE_ROUTER || n->nlinks >= 2;
}

static int rvec_push(struct rvec *v, struct rent e)
{
  if (v->n == v->cap) {
    size_t nc = v->cap ? v->cap * 2 : 8;
    struct rent *ne = realloc(v->e, nc * sizeof *ne);
    if (!ne)
      return SIM_ENOMEM;
    v->e = ne;
    v->cap = nc;
  }
  v->e[v->n++] = e;
  return SIM_OK;
}

static int cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static int cmp_nbr(const void *a, const void *b)
{
  const struct nbr *x = a, *y = b;
  if (x->node != y->node)
    return (x->node > y->node) - (x->node < y->node);
  return (x->link > y->link) - (x->link < y->link);
}

/* By link, then address: the order in which blocks of one link merge. */
static int cmp_rent_link(const void *a, const void *b)
{
  const struct rent *x = a, *y = b;
  if (x->prio != y->prio)
    return x->prio - y->prio;
  if (x->link != y->link)
    return (x->link > y->link) - (x->link < y->link);
  if (x->prefix != y->prefix)
    return (x->prefix > y->prefix) - (x->prefix < y->prefix);
  return x->len - y->len;
}

/* Table order (R1): longest first, then address, then direct first. */
static int cmp_rent_table(const void *a, const void *b)
{
  const struct rent *x = a, *y = b;
  if (x->len != y->len)
    return y->len - x->len;
  if (x->prefix != y->prefix)
    return (x->prefix > y->prefix) - (x->prefix < y->prefix);
  return x->prio - y->prio;
}

/*
 * Merge sibling blocks of e[0..n-1] in place; the entries must be disjoint
 * aligned blocks sorted by address and all for the same link and prio.
 * Returns the new count. When the last block inside a maximal block is
 * pushed, all the pieces of that block are the top of the stack, so the
 * cascade of sibling merges rebuilds it: the result is the minimal cover.
 */
static size_t merge_blocks(struct rent *e, size_t n)
{
  size_t top = 0;
  for (size_t i = 0; i < n; i++) {
    e[top++] = e[i];
    while (top >= 2) {
      struct rent *x = &e[top - 2], *y = &e[top - 1];
      if (x->len != y->len || x->len == 0)
        break;
      uint32_t half = (uint32_t)1 << (32 - x->len);
      if ((x->prefix & half) != 0 || y->prefix != (x->prefix | half))
        break;
      x->len--;
      top--;
    }
  }
  return top;
}

/* ====================================================================== */
/* Building                                                                */
/* ====================================================================== */

static int build_neighbours(struct build *b)
{
  const struct sim_world *w = b->w;
  size_t total = 0;
  b->nb_off = malloc((b->n + 1) * sizeof *b->nb_off);
  if (!b->nb_off)
    return SIM_ENOMEM;
  for (uint32_t u = 0; u < b->n; u++) {
    b->nb_off[u] = (uint32_t)total;
    const struct sim__node *nu = w->nodes[u];
    if (!keeps_table(nu))
      continue;
    for (uint32_t k = 0; k < nu->nlinks; k++)
      total += w->nodes[other_end(w, nu->links[k], u)]->kind ==
               SIM_NODE_ROUTER;
  }
  b->nb_off[b->n] = (uint32_t)total;
  b->nbrs = malloc((total ? total : 1) * sizeof *b->nbrs);
  if (!b->nbrs)
    return SIM_ENOMEM;
  for (uint32_t u = 0; u < b->n; u++) {
    const struct sim__node *nu = w->nodes[u];
    struct nbr *out = b->nbrs + b->nb_off[u];
    size_t k2 = 0;
    if (!keeps_table(nu))
      continue;
    for (uint32_t k = 0; k < nu->nlinks; k++) {
      uint32_t v = other_end(w, nu->links[k], u);
      if (w->nodes[v]->kind == SIM_NODE_ROUTER)
        out[k2++] = (struct nbr){.node = v, .link = nu->links[k]};
    }
    sort_n(out, k2, sizeof *out, cmp_nbr);
  }
  return SIM_OK;
}

/* A host's routers, sorted and without repeats, into buf (cap >= nlinks). */
static uint32_t host_routers(const struct sim_world *w, uint32_t h,
                             uint32_t *buf)
{
  const struct sim__node *nh = w->nodes[h];
  uint32_t k2 = 0;
  for (uint32_t k = 0; k < nh->nlinks; k++) {
    uint32_t v = other_end(w, nh->links[k], h);
    if (w->nodes[v]->kind == SIM_NODE_ROUTER)
      buf[k2++] = v;
  }
  sort_n(buf, k2, sizeof *buf, cmp_u32);
  uint32_t m = 0;
  for (uint32_t k = 0; k < k2; k++)
    if (m == 0 || buf[m - 1] != buf[k])
      buf[m++] = buf[k];
  return m;
}

/* Hosts attached to two or more routers, with their router sets, sorted so
 * that equal sets are adjacent (ties by host id: deterministic). */
struct multi {
  uint32_t host;
  uint32_t t_off, t_n;
};
static const uint32_t *g_sort_tpool; /* qsort has no context argument */

static int cmp_multi(const void *a, const void *b)
{
  const struct multi *x = a, *y = b;
  uint32_t n = x->t_n < y->t_n ? x->t_n : y->t_n;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t p = g_sort_tpool[x->t_off + i], q = g_sort_tpool[y->t_off + i];
    if (p != q)
      return (p > q) - (p < q);
  }
  if (x->t_n != y->t_n)
    return (x->t_n > y->t_n) - (x->t_n < y->t_n);
  return (x->host > y->host) - (x->host < y->host);
}

/* Whether multi[i] has the same router set as multi[i - 1]. */
static bool same_set(const uint32_t *tpool, const struct multi *multi,
                     uint32_t i)
{
  return i > 0 && multi[i].t_n == multi[i - 1].t_n &&
         !memcmp(tpool + multi[i].t_off, tpool + multi[i - 1].t_off,
                 multi[i].t_n * sizeof *tpool);
}

static int build_groups(struct build *b)
{
  const struct sim_world *w = b->w;
  int rc = SIM_ENOMEM;
  uint32_t *single = malloc((b->n ? b->n : 1) * sizeof *single);
  uint32_t *nsingle = calloc(b->nr ? b->nr : 1, sizeof *nsingle);
  uint32_t *gid_of_router = malloc((b->nr ? b->nr : 1) * sizeof *gid_of_router);
  struct multi *multi = NULL;
  uint32_t nmulti = 0;
  size_t tlen = 0, tcap = 64;
  uint32_t *tpool = malloc(tcap * sizeof *tpool);
  uint32_t *tmp = NULL;
  size_t tmp_cap = 0;
  if (!single || !nsingle || !gid_of_router || !tpool)
    goto out;
  multi = malloc((b->n ? b->n : 1) * sizeof *multi);
  if (!multi)
    goto out;

  /* Classify hosts: single router (by far the common case), several, or
   * none (reached by no router: not in any group). */
  for (uint32_t h = 0; h < b->n; h++) {
    single[h] = SIM__NONE;
    const struct sim__node *nh = w->nodes[h];
    if (nh->kind != SIM_NODE_HOST || nh->nlinks == 0)
      continue;
    if (nh->nlinks > tmp_cap) {
      free(tmp);
      tmp_cap = nh->nlinks;
      if (!(tmp = malloc(tmp_cap * sizeof *tmp)))
        goto out;
    }
    uint32_t m = host_routers(w, h, tmp);
    if (m == 1) {
      single[h] = b->ridx[tmp[0]];
      nsingle[single[h]]++;
    } else if (m >= 2) {
      while (tlen + m > tcap) {
        tcap *= 2;
        uint32_t *nt = realloc(tpool, tcap * sizeof *nt);
        if (!nt)
          goto out;
        tpool = nt;
      }
      memcpy(tpool + tlen, tmp, m * sizeof *tmp);
      multi[nmulti++] = (struct multi){.host = h, .t_off = (uint32_t)tlen,
                                       .t_n = m};
      tlen += m;
    }
  }
  g_sort_tpool = tpool;
  sort_n(multi, nmulti, sizeof *multi, cmp_multi);

  /* Groups: one per router with attached hosts or addresses of its own,
   * in router order, then one per distinct multi-router set. */
  uint32_t ng = 0;
  for (uint32_t r = 0; r < b->nr; r++)
    gid_of_router[r] = (nsingle[r] || w->nodes[b->rnode[r]]->naddrs)
                           ? ng++ : SIM__NONE;
  for (uint32_t i = 0; i < nmulti; i++)
    ng += !same_set(tpool, multi, i);
  b->g = calloc(ng ? ng : 1, sizeof *b->g);
  b->mpool = malloc((b->n ? b->n : 1) * sizeof *b->mpool);
  /* T of single-router groups goes after the multi sets in tpool. */
  uint32_t *nt = realloc(tpool, (tlen + b->nr + 1) * sizeof *nt);
  if (nt)
    tpool = nt;
  if (!b->g || !b->mpool || !nt)
    goto out;
  b->ng = ng;

  /* Members: counting sort of single-router hosts by router keeps host
   * order inside a group. */
  uint32_t moff = 0;
  for (uint32_t r = 0; r < b->nr; r++) {
    uint32_t gi = gid_of_router[r];
    if (gi == SIM__NONE)
      continue;
    struct group *g = &b->g[gi];
    tpool[tlen] = b->rnode[r];
    g->t_off = (uint32_t)tlen++;
    g->t_n = 1;
    g->m_off = moff;
    g->m_n = 0;
    moff += nsingle[r];
    g->self_router = w->nodes[b->rnode[r]]->naddrs ? b->rnode[r] : SIM__NONE;
  }
  for (uint32_t h = 0; h < b->n; h++)
    if (single[h] != SIM__NONE) {
      struct group *g = &b->g[gid_of_router[single[h]]];
      b->mpool[g->m_off + g->m_n++] = h;
    }
  uint32_t gi = 0;
  for (uint32_t r = 0; r < b->nr; r++)
    gi += gid_of_router[r] != SIM__NONE;
  for (uint32_t i = 0; i < nmulti; i++) {
    if (!same_set(tpool, multi, i)) {
      struct group *g = &b->g[gi++];
      g->t_off = multi[i].t_off;
      g->t_n = multi[i].t_n;
      g->m_off = moff;
      g->m_n = 0;
      g->self_router = SIM__NONE;
    }
    b->g[gi - 1].m_n++;
    b->mpool[moff++] = multi[i].host;
  }
  assert(gi == ng);
  b->tpool = tpool;
  tpool = NULL;
  rc = SIM_OK;
out:
  free(single);
  free(nsingle);
  free(gid_of_router);
  free(multi);
  free(tpool);
  free(tmp);
  return rc;
}

/* Blocks of sim_node_add_prefix owned by node h, appended to out as
 * entries of the given prio; returns how many. */
static size_t node_blocks(const struct sim_world *w, uint32_t h,
                          struct rent *out, uint8_t prio)
{
  size_t k = 0;
  if (!w->nodes[h]->npfx)
    return 0;
  for (size_t i = 0; i < w->nblocks; i++)
    if (w->blocks[i].node == h)
      out[k++] = (struct rent){.prefix = w->blocks[i].prefix,
                               .len = w->blocks[i].len, .prio = prio};
  return k;
}

/* By address, then the larger block first, so that a block comes before
 * the blocks (and addresses) it holds. */
static int cmp_rent_addr(const void *a, const void *b)
{
  const struct rent *x = a, *y = b;
  if (x->prefix != y->prefix)
    return (x->prefix > y->prefix) - (x->prefix < y->prefix);
  return x->len - y->len;
}

/* The minimal blocks covering exactly the addresses of group g (a host's
 * blocks count as all their addresses). */
static int group_blocks(struct build *b, struct group *g)
{
  const struct sim_world *w = b->w;
  size_t na = 0, npfx = 0;
  for (uint32_t i = 0; i < g->m_n; i++) {
    const struct sim__node *nh = w->nodes[b->mpool[g->m_off + i]];
    na += nh->naddrs;
    npfx += nh->npfx;
  }
  if (g->self_router != SIM__NONE)
    na += w->nodes[g->self_router]->naddrs;
  g->blocks = malloc((na + npfx ? na + npfx : 1) * sizeof *g->blocks);
  uint32_t *addrs = malloc((na ? na : 1) * sizeof *addrs);
  if (!g->blocks || !addrs) {
    free(addrs);
    return SIM_ENOMEM;
  }
  size_t k = 0;
  for (uint32_t i = 0; i < g->m_n; i++) {
    const struct sim__node *nh = w->nodes[b->mpool[g->m_off + i]];
    for (uint32_t j = 0; j < nh->naddrs; j++)
      addrs[k++] = nh->addrs[j];
  }
  if (g->self_router != SIM__NONE) {
    const struct sim__node *nr = w->nodes[g->self_router];
    for (uint32_t j = 0; j < nr->naddrs; j++)
      addrs[k++] = nr->addrs[j];
  }
  sort_n(addrs, na, sizeof *addrs, cmp_u32);
  for (size_t i = 0; i < na; i++)
    g->blocks[i] = (struct rent){.prefix = addrs[i], .len = 32, .prio = 1};
  free(addrs);
  if (npfx) {
    /* Owned blocks join the addresses; an address (or block) inside a
     * block of the same host is dropped, leaving disjoint blocks. */
    size_t n = na;
    for (uint32_t i = 0; i < g->m_n; i++)
      n += node_blocks(w, b->mpool[g->m_off + i], g->blocks + n, 1);
    sort_n(g->blocks, n, sizeof *g->blocks, cmp_rent_addr);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
      const struct rent *e = &g->blocks[i];
      if (out > 0 && (e->prefix & mask_of(g->blocks[out - 1].len)) ==
                         g->blocks[out - 1].prefix)
        continue;
      g->blocks[out++] = *e;
    }
    na = out;
  }
  g->nblocks = merge_blocks(g->blocks, na);
  return SIM_OK;
}

static bool in_sorted(const uint32_t *a, uint32_t n, uint32_t x)
{
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (a[mid] < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && a[lo] == x;
}

/* Lowest link id joining u and v, SIM__NONE if none (N4: links sorted). */
static uint32_t link_between(const struct sim_world *w, uint32_t u,
                             uint32_t v)
{
  const struct sim__node *nv = w->nodes[v];
  for (uint32_t k = 0; k < nv->nlinks; k++)
    if (other_end(w, nv->links[k], v) == u)
      return nv->links[k];
  return SIM__NONE;
}

static int add_direct(struct build *b, uint32_t u, uint32_t h, uint32_t link)
{
  const struct sim__node *nh = b->w->nodes[h];
  for (uint32_t j = 0; j < nh->naddrs; j++) {
    struct rent e = {.prefix = nh->addrs[j], .len = 32, .link = link,
                     .prio = 0};
    if (rvec_push(&b->tab[u], e) != SIM_OK)
      return SIM_ENOMEM;
  }
  /* Its blocks, as direct entries too (R6); few, so one at a time. */
  for (size_t i = 0; nh->npfx && i < b->w->nblocks; i++) {
    const struct sim__block *blk = &b->w->blocks[i];
    if (blk->node != h)
      continue;
    struct rent e = {.prefix = blk->prefix, .len = blk->len, .link = link,
                     .prio = 0};
    if (rvec_push(&b->tab[u], e) != SIM_OK)
      return SIM_ENOMEM;
  }
  return SIM_OK;
}

/* Next hops of every table-keeping node towards group g. */
static int route_group(struct build *b, struct group *g, int32_t *dist,
                       uint32_t *queue)
{
  const struct sim_world *w = b->w;
  const uint32_t *T = b->tpool + g->t_off;
  /* Multi-source BFS over routers from T. */
  for (uint32_t r = 0; r < b->nr; r++)
    dist[r] = -1;
  uint32_t qh = 0, qt = 0;
  for (uint32_t i = 0; i < g->t_n; i++) {
    dist[b->ridx[T[i]]] = 0;
    queue[qt++] = T[i];
  }
  while (qh < qt) {
    uint32_t u = queue[qh++];
    int32_t du = dist[b->ridx[u]];
    for (uint32_t k = b->nb_off[u]; k < b->nb_off[u + 1]; k++) {
      uint32_t ri = b->ridx[b->nbrs[k].node];
      if (dist[ri] < 0) {
        dist[ri] = du + 1;
        queue[qt++] = b->nbrs[k].node;
      }
    }
  }

  for (uint32_t u = 0; u < b->n; u++) {
    const struct sim__node *nu = w->nodes[u];
    if (!keeps_table(nu))
      continue;
    if (nu->kind == SIM_NODE_ROUTER && in_sorted(T, g->t_n, u)) {
      /* u is one of the group's routers: its hosts are attached to it. */
      for (uint32_t i = 0; i < g->m_n; i++) {
        uint32_t h = b->mpool[g->m_off + i];
        if (add_direct(b, u, h, link_between(w, u, h)) != SIM_OK)
          return SIM_ENOMEM;
      }
      continue;
    }
    /* Neighbours are sorted by (node, link): the first strict minimum is
     * the lowest node and then the lowest link among the best. */
    int32_t best = -1;
    uint32_t best_link = SIM__NONE;
    for (uint32_t k = b->nb_off[u]; k < b->nb_off[u + 1]; k++) {
      int32_t dv = dist[b->ridx[b->nbrs[k].node]];
      if (dv >= 0 && (best < 0 || dv < best)) {
        best = dv;
        best_link = b->nbrs[k].link;
      }
    }
    if (best_link == SIM__NONE)
      continue;
    for (size_t i = 0; i < g->nblocks; i++) {
      struct rent e = g->blocks[i];
      e.link = best_link;
      if (rvec_push(&b->tab[u], e) != SIM_OK)
        return SIM_ENOMEM;
    }
  }
  return SIM_OK;
}

/* Turn the entries gathered for one node into its table (R1-R3, R5). */
static int finish_table(struct sim__node *n, struct rvec *v)
{
  /* Merge the blocks of each link (direct entries are left as /32s). */
  sort_n(v->e, v->n, sizeof *v->e, cmp_rent_link);
  size_t out = 0;
  for (size_t i = 0; i < v->n;) {
    size_t j = i;
    while (j < v->n && v->e[j].link == v->e[i].link &&
           v->e[j].prio == v->e[i].prio)
      j++;
    size_t m = v->e[i].prio ? merge_blocks(v->e + i, j - i) : j - i;
    memmove(v->e + out, v->e + i, m * sizeof *v->e);
    out += m;
    i = j;
  }
  v->n = out;
  sort_n(v->e, v->n, sizeof *v->e, cmp_rent_table);

  struct sim__rtable *rt = &n->rt;
  sim__rtable_free(rt);
  rt->e = malloc((v->n ? v->n : 1) * sizeof *rt->e);
  if (!rt->e)
    return SIM_ENOMEM;
  uint32_t k = 0;
  for (size_t i = 0; i < v->n; i++) {
    if (k > 0 && i > 0 && v->e[i].len == v->e[i - 1].len &&
        v->e[i].prefix == v->e[i - 1].prefix)
      continue; /* same block twice: the direct entry came first */
    if (k == 0 || v->e[i].len != rt->lens[rt->nlens - 1]) {
      rt->lens[rt->nlens] = v->e[i].len;
      rt->start[rt->nlens] = k;
      rt->nlens++;
    }
    rt->e[k++] = (struct sim__route){.prefix = v->e[i].prefix,
                                     .link = v->e[i].link};
  }
  rt->n = k;
  rt->start[rt->nlens] = k;
  if (k >= 64) { /* small tables are searched as fast as a cache */
    rt->cache = malloc(SIM__RCACHE_SLOTS * sizeof *rt->cache);
    if (!rt->cache)
      return SIM_ENOMEM;
    for (uint32_t i = 0; i < SIM__RCACHE_SLOTS; i++)
      rt->cache[i].link = SIM__NONE;
  }
  return SIM_OK;
}

static void build_free(struct build *b)
{
  free(b->ridx);
  free(b->rnode);
  free(b->nb_off);
  free(b->nbrs);
  for (uint32_t i = 0; i < b->ng; i++)
    free(b->g[i].blocks);
  free(b->g);
  free(b->tpool);
  free(b->mpool);
  if (b->tab)
    for (uint32_t u = 0; u < b->n; u++)
      free(b->tab[u].e);
  free(b->tab);
}

/* ====================================================================== */
/* API                                                                     */
/* ====================================================================== */

void sim__rtable_free(struct sim__rtable *rt)
{
  free(rt->e);
  free(rt->cache);
  memset(rt, 0, sizeof *rt);
}

int sim_routes_compute(struct sim_world *w)
{
  struct build b = {.w = w, .n = (uint32_t)w->nnodes};
  int rc = SIM_ENOMEM;
  int32_t *dist = NULL;
  uint32_t *queue = NULL;
  b.ridx = malloc((b.n ? b.n : 1) * sizeof *b.ridx);
  b.rnode = malloc((b.n ? b.n : 1) * sizeof *b.rnode);
  b.tab = calloc(b.n ? b.n : 1, sizeof *b.tab);
  if (!b.ridx || !b.rnode || !b.tab)
    goto out;
  for (uint32_t u = 0; u < b.n; u++) {
    b.ridx[u] = SIM__NONE;
    if (w->nodes[u]->kind == SIM_NODE_ROUTER) {
      b.ridx[u] = b.nr;
      b.rnode[b.nr++] = u;
    }
  }
  dist = malloc((b.nr ? b.nr : 1) * sizeof *dist);
  queue = malloc((b.nr ? b.nr : 1) * sizeof *queue);
  if (!dist || !queue)
    goto out;
  if ((rc = build_neighbours(&b)) != SIM_OK ||
      (rc = build_groups(&b)) != SIM_OK)
    goto out;
  for (uint32_t i = 0; i < b.ng; i++) {
    if ((rc = group_blocks(&b, &b.g[i])) != SIM_OK ||
        (rc = route_group(&b, &b.g[i], dist, queue)) != SIM_OK)
      goto out;
    /* The blocks are copied into the tables: free them as we go. */
    free(b.g[i].blocks);
    b.g[i].blocks = NULL;
  }
  /* Hosts with several links reach hosts attached to them directly. */
  for (uint32_t u = 0; u < b.n; u++) {
    const struct sim__node *nu = w->nodes[u];
    if (nu->kind != SIM_NODE_HOST || nu->nlinks < 2)
      continue;
    for (uint32_t k = 0; k < nu->nlinks; k++) {
      uint32_t v = other_end(w, nu->links[k], u);
      if (w->nodes[v]->kind == SIM_NODE_HOST &&
          link_between(w, u, v) == nu->links[k] &&
          (rc = add_direct(&b, u, v, nu->links[k])) != SIM_OK)
        goto out;
    }
  }
  for (uint32_t u = 0; u < b.n; u++) {
    struct sim__node *nu = w->nodes[u];
    if (!keeps_table(nu)) {
      sim__rtable_free(&nu->rt); /* R4 */
      continue;
    }
    if ((rc = finish_table(nu, &b.tab[u])) != SIM_OK)
      goto out;
  }
  w->routes_valid = true;
  rc = SIM_OK;
out:
  free(dist);
  free(queue);
  build_free(&b);
  return rc;
}

int sim_route_set_default(struct sim_world *w, uint32_t router, uint32_t link)
{
  if (router >= w->nnodes || link >= w->nlinks)
    return SIM_EINVAL;
  const struct sim__link *l = w->links[link];
  if (l->a != router && l->b != router)
    return SIM_EINVAL;
  w->nodes[router]->default_link = link;
  return SIM_OK;
}

size_t sim_route_count(const struct sim_world *w, uint32_t node)
{
  if (node >= w->nnodes)
    return 0;
  const struct sim__node *n = w->nodes[node];
  return n->rt.n + (n->default_link != SIM__NONE && keeps_table(n));
}

uint64_t sim_route_default_used(const struct sim_world *w)
{
  return w->default_route_used;
}

/* Longest-prefix match: one binary search per length in use (R3). */
static bool rtable_lookup(const struct sim__rtable *rt, uint32_t dst,
                          uint32_t *link_out)
{
  struct sim__rcache *slot = NULL;
  if (rt->cache) {
    slot = &rt->cache[(uint32_t)(dst * 2654435761u) >> 22];
    if (slot->link != SIM__NONE && slot->dst == dst) {
      *link_out = slot->link;
      return true;
    }
  }
  for (uint32_t k = 0; k < rt->nlens; k++) {
    uint32_t key = dst & mask_of(rt->lens[k]);
    uint32_t lo = rt->start[k], hi = rt->start[k + 1];
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (rt->e[mid].prefix < key)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < rt->start[k + 1] && rt->e[lo].prefix == key) {
      *link_out = rt->e[lo].link;
      if (slot) {
        slot->dst = dst;
        slot->link = rt->e[lo].link;
      }
      return true;
    }
  }
  return false;
}

/* Lookup without side effects; *by_default tells whether the default route
 * answered. */
static int lookup(const struct sim_world *w, uint32_t node, uint32_t dst,
                  uint32_t *link_out, bool *by_default)
{
  const struct sim__node *n = w->nodes[node];
  *by_default = false;
  if (!keeps_table(n)) {
    if (n->nlinks == 0)
      return SIM_ENOROUTE;
    *link_out = n->links[0]; /* R4 */
    return SIM_OK;
  }
  if (rtable_lookup(&n->rt, dst, link_out))
    return SIM_OK;
  uint32_t owner;
  if (n->default_link == SIM__NONE || sim__addr_lookup(w, dst, &owner))
    return SIM_ENOROUTE; /* owned but unreachable: no default for it */
  *link_out = n->default_link;
  *by_default = true;
  return SIM_OK;
}

int sim_route_lookup(const struct sim_world *w, uint32_t node, uint32_t dst,
                     uint32_t *link_out)
{
  if (node >= w->nnodes)
    return SIM_EINVAL;
  bool by_default;
  return lookup(w, node, dst, link_out, &by_default);
}

int sim__route_next(struct sim_world *w, uint32_t node, uint32_t dst,
                    uint32_t *link_out)
{
  /* W6. A failed recomputation leaves the old tables, which is the best
   * that can be done from inside a packet's path. */
  if (!w->routes_valid && keeps_table(w->nodes[node]))
    (void)sim_routes_compute(w);
  bool by_default;
  int rc = lookup(w, node, dst, link_out, &by_default);
  if (rc == SIM_OK && by_default)
    w->default_route_used++;
  return rc;
}

/* ====================================================================== */
/* Reachability                                                            */
/* ====================================================================== */

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

static void uf_union(uint32_t *parent, uint32_t x, uint32_t y)
{
  x = uf_find(parent, x);
  y = uf_find(parent, y);
  /* The lower id becomes the root: roots do not depend on link order. */
  if (x < y)
    parent[y] = x;
  else if (y < x)
    parent[x] = y;
}

/*
 * Hosts talk to each other through routers only (hosts do not forward),
 * so pieces are the connected parts of the router graph; a host belongs to
 * the pieces of the routers it is attached to. Hosts attached to no router
 * form pieces of their own through host-host links. The network is the
 * piece with the most hosts (ties: the piece of the lowest host id); every
 * host outside it is reported, in increasing id order.
 */
size_t sim_unreachable_hosts(const struct sim_world *w, uint32_t *ids,
                             size_t cap)
{
  uint32_t n = (uint32_t)w->nnodes;
  if (n == 0)
    return 0;
  uint32_t *parent = malloc(n * sizeof *parent);
  uint32_t *home = malloc(n * sizeof *home);
  uint32_t *count = calloc(n, sizeof *count);
  size_t nout = 0;
  if (!parent || !home || !count)
    goto out; /* out of memory: nothing can be said, report nothing */
  for (uint32_t u = 0; u < n; u++)
    parent[u] = u;
  for (size_t l = 0; l < w->nlinks; l++) {
    const struct sim__link *lk = w->links[l];
    enum sim_node_kind ka = w->nodes[lk->a]->kind, kb = w->nodes[lk->b]->kind;
    if (ka == kb)
      uf_union(parent, lk->a, lk->b);
  }
  /* A host's home: its lowest router's piece, else its own piece. */
  uint32_t nhosts = 0;
  for (uint32_t h = 0; h < n; h++) {
    const struct sim__node *nh = w->nodes[h];
    home[h] = SIM__NONE;
    if (nh->kind != SIM_NODE_HOST)
      continue;
    nhosts++;
    uint32_t best = SIM__NONE;
    for (uint32_t k = 0; k < nh->nlinks; k++) {
      uint32_t v = other_end(w, nh->links[k], h);
      if (w->nodes[v]->kind == SIM_NODE_ROUTER && v < best)
        best = v;
    }
    home[h] = uf_find(parent, best != SIM__NONE ? best : h);
    count[home[h]]++;
  }
  if (nhosts < 2)
    goto out;
  uint32_t main_piece = SIM__NONE;
  for (uint32_t h = 0; h < n; h++)
    if (home[h] != SIM__NONE &&
        (main_piece == SIM__NONE || count[home[h]] > count[main_piece]))
      main_piece = home[h];
  for (uint32_t h = 0; h < n; h++) {
    if (home[h] == SIM__NONE || home[h] == main_piece)
      continue;
    /* A host with a router in the main piece is in it too. */
    const struct sim__node *nh = w->nodes[h];
    bool in_main = false;
    for (uint32_t k = 0; k < nh->nlinks && !in_main; k++) {
      uint32_t v = other_end(w, nh->links[k], h);
      in_main = w->nodes[v]->kind == SIM_NODE_ROUTER &&
                uf_find(parent, v) == main_piece;
    }
    if (in_main)
      continue;
    if (nout < cap)
      ids[nout] = h;
    nout++;
  }
out:
  free(parent);
  free(home);
  free(count);
  return nout;
}

/* ====================================================================== */
/* Debug checks                                                            */
/* ====================================================================== */

bool sim__rtable_check(const struct sim__rtable *rt)
{
  uint32_t k = 0;
  for (uint32_t li = 0; li < rt->nlens; li++) {
    if (li > 0 && rt->lens[li] >= rt->lens[li - 1])
      return false; /* R3 */
    if (rt->start[li] != k || rt->start[li + 1] <= k)
      return false;
    for (; k < rt->start[li + 1]; k++) {
      if (rt->e[k].prefix & ~mask_of(rt->lens[li]))
        return false; /* R2 */
      if (k > rt->start[li] && rt->e[k].prefix <= rt->e[k - 1].prefix)
        return false; /* R1 */
    }
  }
  return k == rt->n;
}
