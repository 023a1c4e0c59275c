/*
 * test_route.c - static routing: shortest paths and their tie-breaks on
 * hand-built topologies (a line of routers, a diamond, a dumbbell, a star of
 * a thousand hosts, 100,000 hosts behind four routers), prefix aggregation
 * checked against an independent minimal-cover count, longest-prefix match,
 * default routes, NO_ROUTE and TTL drops, and the reachability report.
 *
 * The rules are written at the top of sim/route.c; the table's axioms
 * (R1-R6) in sim/sim_int.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sim/sim_int.h"

/* ====================================================================== */
/* Harness                                                                 */
/* ====================================================================== */

#define PROTO 253

struct got {
  uint32_t node[64];
  uint8_t ttl[64];
  int64_t t_ns[64];
  int n;
  uint32_t drop_node[64];
  enum sim_drop_reason drop_why[64];
  int ndrops;
};

static void g_rx(struct sim_world *w, uint32_t node, void *hs,
                 struct sim_packet *p)
{
  struct got *g = hs;
  if (g->n < 64) {
    g->node[g->n] = node;
    g->ttl[g->n] = p->ttl;
    g->t_ns[g->n++] = sim_now(w);
  }
  sim_packet_free(w, p);
}

static void *g_attach(struct sim_world *w, uint32_t node, void *ctx)
{
  return ctx;
}

static void g_drop(void *ctx, struct sim_world *w, uint32_t node,
                   uint32_t link, enum sim_drop_reason why,
                   const struct sim_packet *p)
{
  struct got *g = ctx;
  if (g->ndrops < 64) {
    g->drop_node[g->ndrops] = node;
    g->drop_why[g->ndrops++] = why;
  }
}

static const struct sim_proto_ops g_ops = {
    .ipproto = PROTO, .name = "got", .attach = g_attach, .rx = g_rx};
static const struct sim_trace_ops g_trace = {.pkt_drop = g_drop};

static struct sim_world *world(struct got *g)
{
  struct sim_world *w = sim_world_new(1);
  assert_non_null(w);
  if (g) {
    memset(g, 0, sizeof *g);
    assert_int_equal(sim_proto_register(w, &g_ops, g), SIM_OK);
    assert_int_equal(sim_trace_subscribe(w, &g_trace, g), SIM_OK);
  }
  return w;
}

static uint32_t node(struct sim_world *w, enum sim_node_kind k,
                     const char *name, uint32_t addr)
{
  uint32_t id;
  assert_int_equal(sim_node_add(w, k, name, &id), SIM_OK);
  if (addr)
    assert_int_equal(sim_node_add_addr(w, id, addr), SIM_OK);
  return id;
}

static uint32_t link(struct sim_world *w, uint32_t a, uint32_t b)
{
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  lp.rate_bps = 0;
  lp.delay_ns = SIM_MS;
  uint32_t id;
  assert_int_equal(sim_link_add(w, a, b, &lp, NULL, &id), SIM_OK);
  return id;
}

static uint32_t route(struct sim_world *w, uint32_t at, uint32_t dst)
{
  uint32_t l;
  if (sim_route_lookup(w, at, dst, &l) != SIM_OK)
    return SIM__NONE;
  return l;
}

static int send(struct sim_world *w, uint32_t from, uint32_t dst, uint8_t ttl)
{
  struct sim_packet *p = sim_packet_alloc(w);
  p->src = sim_node_addr(w, from);
  p->dst = dst;
  p->proto = PROTO;
  p->ttl = ttl;
  return sim_ip_output(w, from, p);
}

/* Independent count of the minimal CIDR cover of a sorted address set:
 * a block counts once if all its addresses are in the set, else its two
 * halves are counted. */
static size_t cover_count(const uint32_t *a, size_t n, uint32_t base,
                          unsigned len)
{
  if (n == 0)
    return 0;
  uint64_t size = (uint64_t)1 << (32 - len);
  if (n == size)
    return 1;
  uint32_t half = (uint32_t)(size / 2);
  size_t k = 0;
  while (k < n && a[k] < base + half)
    k++;
  return cover_count(a, k, base, len + 1) +
         cover_count(a + k, n - k, base + half, len + 1);
}

static int cmp_u32(const void *x, const void *y)
{
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  return (a > b) - (a < b);
}

static void check_tables(const struct sim_world *w)
{
  for (size_t i = 0; i < sim_node_count(w); i++)
    assert_true(sim__rtable_check(&w->nodes[i]->rt));
}

/* ====================================================================== */
/* Paths                                                                   */
/* ====================================================================== */

static void test_line_of_routers(void **state)
{
  struct got g;
  struct sim_world *w = world(&g);
  uint32_t h0 = node(w, SIM_NODE_HOST, "h0", 0x0a000001);
  uint32_t r1 = node(w, SIM_NODE_ROUTER, "r1", 0);
  uint32_t r2 = node(w, SIM_NODE_ROUTER, "r2", 0);
  uint32_t r3 = node(w, SIM_NODE_ROUTER, "r3", 0);
  uint32_t h4 = node(w, SIM_NODE_HOST, "h4", 0x0a000104);
  uint32_t l0 = link(w, h0, r1), l1 = link(w, r1, r2), l2 = link(w, r2, r3),
           l3 = link(w, r3, h4);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  check_tables(w);
  assert_int_equal(route(w, h0, 0x0a000104), l0);
  assert_int_equal(route(w, r1, 0x0a000104), l1);
  assert_int_equal(route(w, r2, 0x0a000104), l2);
  assert_int_equal(route(w, r3, 0x0a000104), l3);
  assert_int_equal(route(w, r3, 0x0a000001), l2);
  assert_int_equal(route(w, r1, 0x0a000001), l0);
  /* Single-link hosts hold no table: everything leaves by their link. */
  assert_int_equal(sim_route_count(w, h0), 0);
  assert_int_equal(route(w, h0, 0x08080808), l0);
  assert_int_equal(sim_route_count(w, r2), 2);
  assert_int_equal(send(w, h0, 0x0a000104, 64), SIM_OK);
  assert_int_equal(send(w, h4, 0x0a000001, 64), SIM_OK);
  assert_int_equal(sim_run(w, SIM_S), SIM_OK);
  assert_int_equal(g.n, 2);
  assert_int_equal(g.node[0], h4);
  assert_int_equal(g.node[1], h0);
  assert_int_equal(g.ttl[0], 61); /* three routers */
  assert_int_equal(g.t_ns[0], 4 * SIM_MS);
  sim_world_free(w);
}

static void test_ties_to_lower_node_id(void **state)
{
  struct sim_world *w = world(NULL);
  uint32_t r0 = node(w, SIM_NODE_ROUTER, "r0", 0);
  uint32_t ra = node(w, SIM_NODE_ROUTER, "ra", 0);
  uint32_t rb = node(w, SIM_NODE_ROUTER, "rb", 0);
  uint32_t r3 = node(w, SIM_NODE_ROUTER, "r3", 0);
  uint32_t h = node(w, SIM_NODE_HOST, "h", 0x0a000005);
  /* The link to rb is created first (lower link id), but ra has the lower
   * node id: ra wins. Between two parallel links, the lower id wins. */
  uint32_t l_rb = link(w, r0, rb);
  uint32_t l_ra = link(w, r0, ra);
  link(w, rb, r3);
  uint32_t l_ra3a = link(w, ra, r3);
  link(w, ra, r3);
  link(w, r3, h);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  assert_int_equal(route(w, r0, 0x0a000005), l_ra);
  assert_int_equal(route(w, ra, 0x0a000005), l_ra3a);
  assert_int_not_equal(route(w, r0, 0x0a000005), l_rb);
  /* Shortest first: a direct link beats the tie-break. */
  uint32_t l_direct = link(w, rb, h);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  assert_int_equal(route(w, rb, 0x0a000005), l_direct);
  assert_int_equal(route(w, r0, 0x0a000005), l_rb);
  sim_world_free(w);
}

static void test_dumbbell(void **state)
{
  struct got g;
  struct sim_world *w = world(&g);
  uint32_t rl = node(w, SIM_NODE_ROUTER, "rl", 0x0a0100fe);
  uint32_t rr = node(w, SIM_NODE_ROUTER, "rr", 0x0a0200fe);
  uint32_t bott = link(w, rl, rr);
  uint32_t left[4], right[4];
  for (uint32_t i = 0; i < 4; i++) {
    char name[16];
    snprintf(name, sizeof name, "l%u", i);
    left[i] = node(w, SIM_NODE_HOST, name, 0x0a010000 + i);
    link(w, left[i], rl);
    snprintf(name, sizeof name, "r%u", i);
    right[i] = node(w, SIM_NODE_HOST, name, 0x0a020000 + i);
    link(w, right[i], rr);
  }
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  check_tables(w);
  /* rr: its 4 hosts directly, the 4 left hosts as 10.1.0.0/30, and rl's
   * own address as a /32. */
  assert_int_equal(sim_route_count(w, rr), 4 + 1 + 1);
  assert_int_equal(sim_route_count(w, rl), 4 + 1 + 1);
  for (uint32_t i = 0; i < 4; i++) {
    assert_int_equal(route(w, rr, 0x0a010000 + i), bott);
    assert_int_equal(route(w, rl, 0x0a020000 + i), bott);
  }
  assert_int_equal(route(w, rr, 0x0a0100fe), bott);
  assert_int_equal(route(w, rr, 0x0a010004), SIM__NONE);
  for (uint32_t i = 0; i < 4; i++)
    assert_int_equal(send(w, left[i], 0x0a020000 + (3 - i), 64), SIM_OK);
  assert_int_equal(sim_run(w, SIM_S), SIM_OK);
  assert_int_equal(g.n, 4);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(g.node[i], right[3 - i]);
    assert_int_equal(g.ttl[i], 62);
  }
  assert_int_equal(g.ndrops, 0);
  sim_world_free(w);
}

static void test_star_1000_aggregates(void **state)
{
  struct sim_world *w = world(NULL);
  uint32_t hub = node(w, SIM_NODE_ROUTER, "hub", 0);
  uint32_t edge = node(w, SIM_NODE_ROUTER, "edge", 0);
  uint32_t trunk = link(w, hub, edge);
  uint32_t far = node(w, SIM_NODE_HOST, "far", 0x0b000001);
  uint32_t far_link = link(w, edge, far);
  uint32_t hl[1000];
  uint32_t addrs[1000];
  for (uint32_t i = 0; i < 1000; i++) {
    char name[16];
    snprintf(name, sizeof name, "h%u", i);
    addrs[i] = 0x0a000001 + i; /* 10.0.0.1 .. 10.0.3.232 */
    uint32_t h = node(w, SIM_NODE_HOST, name, addrs[i]);
    hl[i] = link(w, h, hub);
  }
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  check_tables(w);
  /* The edge router sees the thousand hosts as the minimal cover of
   * 10.0.0.1-10.0.3.232: 15 blocks, plus its own host. */
  size_t want = cover_count(addrs, 1000, 0, 0);
  assert_int_equal(want, 15);
  assert_int_equal(sim_route_count(w, edge), want + 1);
  assert_int_equal(sim_route_count(w, hub), 1000 + 1);
  for (uint32_t i = 0; i < 1000; i++) {
    assert_int_equal(route(w, edge, addrs[i]), trunk);
    assert_int_equal(route(w, hub, addrs[i]), hl[i]);
  }
  assert_int_equal(route(w, hub, 0x0b000001), trunk);
  assert_int_equal(route(w, edge, 0x0b000001), far_link);
  /* Nothing beyond the hosts is covered. */
  assert_int_equal(route(w, edge, 0x0a000000), SIM__NONE);
  assert_int_equal(route(w, edge, 0x0a000001 + 1000), SIM__NONE);
  assert_int_equal(sim_unreachable_hosts(w, NULL, 0), 0);
  sim_world_free(w);
}

static void test_aggregation_exact_random(void **state)
{
  /* 300 random addresses of 10.0.0.0/20 behind r1, the rest of the /20
   * owned by nobody: r0 must route exactly the owned ones to r1, with the
   * minimal number of blocks. */
  struct sim_world *w = world(NULL);
  uint32_t r0 = node(w, SIM_NODE_ROUTER, "r0", 0);
  uint32_t r1 = node(w, SIM_NODE_ROUTER, "r1", 0);
  uint32_t trunk = link(w, r0, r1);
  uint8_t owned[4096] = {0};
  uint32_t addrs[300];
  struct sim_rng rng;
  sim_rng_seed(&rng, 77, "test.addrs", 0);
  for (int i = 0; i < 300;) {
    uint32_t off = (uint32_t)sim_rng_below(&rng, 4096);
    if (off == 0 || owned[off])
      continue;
    owned[off] = 1;
    addrs[i] = 0x0a000000 + off;
    char name[16];
    snprintf(name, sizeof name, "h%d", i);
    uint32_t h = node(w, SIM_NODE_HOST, name, addrs[i]);
    link(w, h, r1);
    i++;
  }
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  check_tables(w);
  qsort(addrs, 300, sizeof *addrs, cmp_u32);
  assert_int_equal(sim_route_count(w, r0), cover_count(addrs, 300, 0, 0));
  for (uint32_t off = 0; off < 4096; off++)
    assert_int_equal(route(w, r0, 0x0a000000 + off),
                     owned[off] ? trunk : SIM__NONE);
  sim_world_free(w);
}

/* A router with 2000 host routes (no aggregation: one host per /30, as
 * the ns-3 star numbers them) answers from its lookup cache (1024 slots,
 * so slots are shared) exactly as from its table, for owned and unowned
 * addresses, before and after the routes are computed again (the cache
 * goes with the old table). */
static void test_route_cache_agrees(void **state)
{
  struct sim_world *w = world(NULL);
  uint32_t r = node(w, SIM_NODE_ROUTER, "r", 0);
  uint32_t links[2000];
  for (uint32_t i = 0; i < 2000; i++) {
    char name[16];
    snprintf(name, sizeof name, "h%u", i);
    uint32_t h = node(w, SIM_NODE_HOST, name, 0x0a000002u + 4 * i);
    links[i] = link(w, h, r);
  }
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  assert_int_equal(sim_route_count(w, r), 2000);
  for (int pass = 0; pass < 3; pass++) {
    for (uint32_t k = 0; k < 6000; k++) {
      uint32_t i = (k * 7919u) % 2000; /* an order that collides */
      assert_int_equal(route(w, r, 0x0a000002u + 4 * i), links[i]);
      assert_int_equal(route(w, r, 0x0a000003u + 4 * i), SIM__NONE);
    }
    if (pass == 1) /* a new table and a new cache, the same answers */
      assert_int_equal(sim_routes_compute(w), SIM_OK);
  }
  check_tables(w);
  sim_world_free(w);
}

static void test_multihomed_and_multilink_host(void **state)
{
  struct sim_world *w = world(NULL);
  uint32_t r1 = node(w, SIM_NODE_ROUTER, "r1", 0);
  uint32_t r2 = node(w, SIM_NODE_ROUTER, "r2", 0);
  uint32_t r3 = node(w, SIM_NODE_ROUTER, "r3", 0);
  uint32_t m = node(w, SIM_NODE_HOST, "m", 0x0a000002); /* on r1 and r2 */
  uint32_t g = node(w, SIM_NODE_HOST, "g", 0x0a000003); /* behind r3 */
  uint32_t q = node(w, SIM_NODE_HOST, "q", 0x0a000001); /* behind r1 */
  uint32_t l12 = link(w, r1, r2), l23 = link(w, r2, r3);
  uint32_t lm1 = link(w, m, r1), lm2 = link(w, m, r2);
  link(w, g, r3);
  uint32_t lq1 = link(w, q, r1);
  /* A host-to-host link too: m reaches q directly. */
  uint32_t lmq = link(w, m, q);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  check_tables(w);
  /* r3 reaches m through r2 (one hop), r1 directly. */
  assert_int_equal(route(w, r3, 0x0a000002), l23);
  assert_int_equal(route(w, r2, 0x0a000002), lm2);
  assert_int_equal(route(w, r1, 0x0a000002), lm1);
  /* m keeps a table: g through r2 (closer to r3), q over the direct link,
   * which wins by longest prefix over the block of r1's hosts. */
  assert_true(sim_route_count(w, m) >= 2);
  assert_int_equal(route(w, m, 0x0a000003), lm2);
  assert_int_equal(route(w, m, 0x0a000001), lmq);
  /* q has two links now, and reaches m directly too. */
  assert_int_equal(route(w, q, 0x0a000002), lmq);
  assert_int_equal(route(w, q, 0x0a000003), lq1);
  (void)l12;
  sim_world_free(w);
}

/* ====================================================================== */
/* Longest-prefix match                                                    */
/* ====================================================================== */

static void test_longest_prefix_match(void **state)
{
  struct sim_world *w = world(NULL);
  uint32_t r = node(w, SIM_NODE_ROUTER, "r", 0);
  struct sim__rtable *rt = &w->nodes[r]->rt;
  /* A table written by hand in the layout of R1-R3. */
  static struct sim__route e[] = {
      {0x0a010203, 3},                    /* 10.1.2.3/32 */
      {0x0a010200, 2},                    /* 10.1.2.0/24 */
      {0x0a010000, 1}, {0x0b0b0000, 5},   /* 10.1.0.0/16, 11.11.0.0/16 */
      {0x0a000000, 0},                    /* 10.0.0.0/8 */
      {0x00000000, 4},                    /* 0.0.0.0/0 */
  };
  rt->e = malloc(sizeof e);
  memcpy(rt->e, e, sizeof e);
  rt->n = 6;
  rt->nlens = 5;
  uint8_t lens[] = {32, 24, 16, 8, 0};
  uint32_t start[] = {0, 1, 2, 4, 5, 6};
  memcpy(rt->lens, lens, sizeof lens);
  memcpy(rt->start, start, sizeof start);
  assert_true(sim__rtable_check(rt));
  assert_int_equal(route(w, r, 0x0a010203), 3);
  assert_int_equal(route(w, r, 0x0a010204), 2);
  assert_int_equal(route(w, r, 0x0a0102ff), 2);
  assert_int_equal(route(w, r, 0x0a010300), 1);
  assert_int_equal(route(w, r, 0x0a020000), 0);
  assert_int_equal(route(w, r, 0x0b0b0101), 5);
  assert_int_equal(route(w, r, 0x0b0c0101), 4);
  assert_int_equal(route(w, r, 0xffffffff), 4);
  /* Out of order, the check notices. */
  rt->e[2].prefix = 0x0c000000;
  assert_false(sim__rtable_check(rt));
  sim_world_free(w);
}

/* ====================================================================== */
/* Drops and defaults                                                      */
/* ====================================================================== */

static void test_default_route_and_no_route(void **state)
{
  struct got g;
  struct sim_world *w = world(&g);
  uint32_t h0 = node(w, SIM_NODE_HOST, "h0", 0x0a000001);
  uint32_t r0 = node(w, SIM_NODE_ROUTER, "r0", 0);
  uint32_t r1 = node(w, SIM_NODE_ROUTER, "inet", 0);
  uint32_t lonely = node(w, SIM_NODE_HOST, "lonely", 0x0a090909);
  link(w, h0, r0);
  uint32_t up = link(w, r0, r1);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  /* Without a default: an unowned address has no route at r0. */
  assert_int_equal(route(w, r0, 0xc0a80101), SIM__NONE);
  assert_int_equal(send(w, h0, 0xc0a80101, 64), SIM_OK);
  assert_int_equal(sim_run(w, SIM_S), SIM_OK);
  assert_int_equal(g.ndrops, 1);
  assert_int_equal(g.drop_node[0], r0);
  assert_int_equal(g.drop_why[0], SIM_DROP_NO_ROUTE);
  /* A router sending itself gets the reason back. */
  struct sim_packet *p = sim_packet_alloc(w);
  p->dst = 0xc0a80101;
  assert_int_equal(sim_ip_output(w, r0, p), SIM_ENOROUTE);
  assert_int_equal(sim_drop_count(w, SIM_DROP_NO_ROUTE), 2);

  assert_int_equal(sim_route_set_default(w, r0, up), SIM_OK);
  assert_int_equal(sim_route_set_default(w, h0, up), SIM_EINVAL);
  assert_int_equal(sim_route_count(w, r0), 2); /* h0 + default */
  assert_int_equal(route(w, r0, 0xc0a80101), up);
  /* An owned address that cannot be reached does not take the default. */
  assert_int_equal(route(w, r0, 0x0a090909), SIM__NONE);
  assert_int_equal(send(w, h0, 0xc0a80101, 64), SIM_OK);
  assert_int_equal(send(w, h0, 0x0a090909, 64), SIM_OK);
  assert_int_equal(sim_run(w, 2 * SIM_S), SIM_OK);
  assert_int_equal(sim_route_default_used(w), 1);
  /* The spoofed one went up and died at inet (no default there). */
  assert_int_equal(g.ndrops, 4);
  assert_int_equal(g.drop_node[2], r0);   /* 10.9.9.9: at once */
  assert_int_equal(g.drop_node[3], r1);   /* 192.168.1.1: one hop later */
  assert_int_equal(sim_drop_count(w, SIM_DROP_NO_ROUTE), 4);
  (void)lonely;
  sim_world_free(w);
}

static void test_ttl(void **state)
{
  struct got g;
  struct sim_world *w = world(&g);
  uint32_t h0 = node(w, SIM_NODE_HOST, "h0", 0x0a000001);
  uint32_t r1 = node(w, SIM_NODE_ROUTER, "r1", 0);
  uint32_t r2 = node(w, SIM_NODE_ROUTER, "r2", 0);
  uint32_t h3 = node(w, SIM_NODE_HOST, "h3", 0x0a000003);
  link(w, h0, r1);
  link(w, r1, r2);
  link(w, r2, h3);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  assert_int_equal(send(w, h0, 0x0a000003, 1), SIM_OK);
  assert_int_equal(send(w, h0, 0x0a000003, 2), SIM_OK);
  assert_int_equal(send(w, h0, 0x0a000003, 3), SIM_OK);
  assert_int_equal(sim_run(w, SIM_S), SIM_OK);
  assert_int_equal(g.ndrops, 2);
  assert_int_equal(g.drop_node[0], r1);
  assert_int_equal(g.drop_why[0], SIM_DROP_TTL);
  assert_int_equal(g.drop_node[1], r2);
  assert_int_equal(g.drop_why[1], SIM_DROP_TTL);
  assert_int_equal(g.n, 1);
  assert_int_equal(g.node[0], h3);
  assert_int_equal(g.ttl[0], 1);
  assert_int_equal(sim_drop_count(w, SIM_DROP_TTL), 2);
  sim_world_free(w);
}

static void test_routes_recomputed_when_stale(void **state)
{
  /* Forwarding after the topology grew uses fresh tables. */
  struct got g;
  struct sim_world *w = world(&g);
  uint32_t h0 = node(w, SIM_NODE_HOST, "h0", 0x0a000001);
  uint32_t r = node(w, SIM_NODE_ROUTER, "r", 0);
  link(w, h0, r);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  uint32_t h1 = node(w, SIM_NODE_HOST, "h1", 0x0a000002);
  link(w, r, h1);
  assert_int_equal(send(w, h0, 0x0a000002, 64), SIM_OK);
  assert_int_equal(sim_run(w, SIM_S), SIM_OK);
  assert_int_equal(g.n, 1);
  assert_int_equal(g.node[0], h1);
  sim_world_free(w);
}

/* ====================================================================== */
/* Reachability                                                            */
/* ====================================================================== */

static void test_unreachable_hosts(void **state)
{
  struct sim_world *w = world(NULL);
  uint32_t r0 = node(w, SIM_NODE_ROUTER, "r0", 0);
  uint32_t h[7];
  for (int i = 0; i < 3; i++) {
    char name[16];
    snprintf(name, sizeof name, "m%d", i);
    h[i] = node(w, SIM_NODE_HOST, name, 0x0a000001 + (uint32_t)i);
    link(w, h[i], r0);
  }
  assert_int_equal(sim_unreachable_hosts(w, NULL, 0), 0);
  /* An island: a router with two hosts; and a host with no link. */
  uint32_t r5 = node(w, SIM_NODE_ROUTER, "r5", 0);
  h[3] = node(w, SIM_NODE_HOST, "i0", 0x0b000001);
  h[4] = node(w, SIM_NODE_HOST, "i1", 0x0b000002);
  link(w, h[3], r5);
  link(w, h[4], r5);
  h[5] = node(w, SIM_NODE_HOST, "alone", 0x0c000001);
  uint32_t ids[8];
  assert_int_equal(sim_unreachable_hosts(w, ids, 8), 3);
  assert_int_equal(ids[0], h[3]);
  assert_int_equal(ids[1], h[4]);
  assert_int_equal(ids[2], h[5]);
  /* cap smaller than the count: the count is still the whole. */
  ids[1] = 999;
  assert_int_equal(sim_unreachable_hosts(w, ids, 1), 3);
  assert_int_equal(ids[0], h[3]);
  assert_int_equal(ids[1], 999);
  /* A host on both islands reaches both, but does not join them. */
  h[6] = node(w, SIM_NODE_HOST, "bridge", 0x0d000001);
  link(w, h[6], r0);
  link(w, h[6], r5);
  assert_int_equal(sim_unreachable_hosts(w, ids, 8), 3);
  /* Joining the routers joins the islands. */
  link(w, r0, r5);
  assert_int_equal(sim_unreachable_hosts(w, ids, 8), 1);
  assert_int_equal(ids[0], h[5]);
  sim_world_free(w);
}

/* ====================================================================== */
/* Scale                                                                   */
/* ====================================================================== */

static void test_100k_hosts_behind_four_routers(void **state)
{
  enum { NR = 4, PER = 25000 };
  struct sim_world *w = world(NULL);
  uint32_t r[NR];
  for (int i = 0; i < NR; i++) {
    char name[16];
    snprintf(name, sizeof name, "r%d", i);
    r[i] = node(w, SIM_NODE_ROUTER, name, 0);
  }
  /* A line r0 - r1 - r2 - r3. */
  uint32_t trunk[NR - 1];
  for (int i = 0; i + 1 < NR; i++)
    trunk[i] = link(w, r[i], r[i + 1]);
  /* Router i's hosts: 10.i.0.0 + k, contiguous. */
  for (int i = 0; i < NR; i++)
    for (uint32_t k = 0; k < PER; k++) {
      uint32_t h = node(w, SIM_NODE_HOST, NULL,
                        0x0a000000 + ((uint32_t)i << 16) + k + 1);
      link(w, h, r[i]);
    }
  /* Measured for the record (printed, never asserted): CPU time. */
  clock_t c0 = clock();
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  clock_t c1 = clock();
  printf("    routes for %d hosts behind %d routers: %.1f ms CPU\n",
         NR * PER, NR, 1000.0 * (double)(c1 - c0) / CLOCKS_PER_SEC);
  check_tables(w);
  /* 10.i.0.1 .. 10.i.97.168: at most two blocks per bit of the range
   * size (15 bits), a handful against 25,000 hosts. */
  uint32_t one[PER];
  for (uint32_t k = 0; k < PER; k++)
    one[k] = 0x0a000000 + k + 1;
  size_t blocks = cover_count(one, PER, 0, 0);
  assert_true(blocks <= 30);
  assert_int_equal(sim_route_count(w, r[0]), PER + 3 * blocks);
  assert_int_equal(sim_route_count(w, r[1]), PER + 3 * blocks);
  /* Spot checks across the whole address range. */
  for (uint32_t k = 0; k < PER; k += 97) {
    assert_int_equal(route(w, r[0], 0x0a030000 + k + 1), trunk[0]);
    assert_int_equal(route(w, r[2], 0x0a000000 + k + 1), trunk[1]);
    assert_int_equal(route(w, r[2], 0x0a030000 + k + 1), trunk[2]);
  }
  assert_int_equal(sim_unreachable_hosts(w, NULL, 0), 0);
  sim_world_free(w);
}

/* ====================================================================== */
/* Blocks owned by a host (sim_node_add_prefix)                            */
/* ====================================================================== */

/* t owns 10.0.9.0/25 (and 10.0.9.6 inside it), h2 10.0.9.128/25, both
 * behind r1; v owns 10.0.7.0/24 around its own 10.0.7.1, behind r2 with
 * s. Every address of a block belongs to its host, is delivered to it and
 * routed as one prefix: r2 sees r1's side as two blocks, the two /25s
 * merged into one /24. */
static void test_host_prefix_blocks(void **state)
{
  struct got g;
  struct sim_world *w = world(&g);
  uint32_t t = node(w, SIM_NODE_HOST, "t", 0x0a000002);
  uint32_t h2 = node(w, SIM_NODE_HOST, "h2", 0x0a000801);
  uint32_t r1 = node(w, SIM_NODE_ROUTER, "r1", 0);
  uint32_t r2 = node(w, SIM_NODE_ROUTER, "r2", 0);
  uint32_t s = node(w, SIM_NODE_HOST, "s", 0x0a000001);
  uint32_t v = node(w, SIM_NODE_HOST, "v", 0x0a000701);
  uint32_t lt = link(w, t, r1);
  uint32_t lh = link(w, h2, r1);
  uint32_t lr = link(w, r1, r2);
  link(w, s, r2);
  uint32_t lv = link(w, v, r2);

  /* Refusals: a router, host bits, lengths, overlaps, strangers inside. */
  assert_int_equal(sim_node_add_prefix(w, r1, 0x0a000900, 24), SIM_EINVAL);
  assert_int_equal(sim_node_add_prefix(w, t, 0x0a000901, 24), SIM_EINVAL);
  assert_int_equal(sim_node_add_prefix(w, t, 0, 0), SIM_EINVAL);
  assert_int_equal(sim_node_add_prefix(w, t, 0x0a000900, 33), SIM_EINVAL);
  assert_int_equal(sim_node_add_prefix(w, 99, 0x0a000900, 24), SIM_EINVAL);
  assert_int_equal(sim_node_add_prefix(w, h2, 0x0a000000, 24), SIM_EEXIST);
  assert_int_equal(sim_node_add_prefix(w, t, 0x0a000900, 25), SIM_OK);
  assert_int_equal(sim_node_add_prefix(w, h2, 0x0a000900, 24), SIM_EEXIST);
  assert_int_equal(sim_node_add_prefix(w, h2, 0x0a000940, 26), SIM_EEXIST);
  assert_int_equal(sim_node_add_prefix(w, h2, 0x0a000980, 25), SIM_OK);
  assert_int_equal(sim_node_add_prefix(w, v, 0x0a000700, 24), SIM_OK);
  assert_int_equal(sim_node_add_addr(w, s, 0x0a000905), SIM_EEXIST);
  assert_int_equal(sim_node_add_addr(w, t, 0x0a000906), SIM_OK);
  assert_true(sim__world_check(w));

  uint32_t o;
  assert_int_equal(sim_addr_owner(w, 0x0a00094d, &o), SIM_OK);
  assert_int_equal(o, t);
  assert_int_equal(sim_addr_owner(w, 0x0a000906, &o), SIM_OK);
  assert_int_equal(o, t);
  assert_int_equal(sim_addr_owner(w, 0x0a0009c8, &o), SIM_OK);
  assert_int_equal(o, h2);
  assert_int_equal(sim_addr_owner(w, 0x0a000763, &o), SIM_OK);
  assert_int_equal(o, v);
  assert_int_equal(sim_addr_owner(w, 0x0a000a01, &o), SIM_ENOENT);
  assert_int_equal(sim_node_addr(w, t), 0x0a000002);

  assert_int_equal(sim_routes_compute(w), SIM_OK);
  check_tables(w);
  assert_int_equal(route(w, r2, 0x0a00094d), lr);
  assert_int_equal(route(w, r2, 0x0a0009c8), lr);
  assert_int_equal(route(w, r1, 0x0a00094d), lt);
  assert_int_equal(route(w, r1, 0x0a000906), lt);
  assert_int_equal(route(w, r1, 0x0a0009c8), lh);
  assert_int_equal(route(w, r2, 0x0a000763), lv);
  assert_int_equal(route(w, r2, 0x0a000a01), SIM__NONE);
  /* r2: 10.0.0.2/32, 10.0.8.1/32, 10.0.9.0/24 towards r1; s's /32 and v's
   * /32 and /24 direct. r1: t's 10.0.0.2, 10.0.9.6 and /25, h2's /32 and
   * /25 direct; 10.0.0.1/32 and 10.0.7.0/24 (holding v's own) to r2. */
  assert_int_equal(sim_route_count(w, r2), 6);
  assert_int_equal(sim_route_count(w, r1), 7);

  /* Delivery: to the owner, from far and from near. */
  assert_int_equal(send(w, s, 0x0a00094d, 64), SIM_OK);
  assert_int_equal(send(w, s, 0x0a0009c8, 64), SIM_OK);
  assert_int_equal(send(w, t, 0x0a000763, 64), SIM_OK);
  assert_int_equal(send(w, v, 0x0a000a01, 64), SIM_OK); /* nobody's */
  assert_int_equal(sim_run(w, SIM_S), SIM_OK);
  assert_int_equal(g.n, 3);
  assert_int_equal(g.ndrops, 1);
  assert_int_equal(g.drop_why[0], SIM_DROP_NO_ROUTE);
  bool seen_t = false, seen_h2 = false, seen_v = false;
  for (int i = 0; i < g.n; i++) {
    seen_t |= g.node[i] == t;
    seen_h2 |= g.node[i] == h2;
    seen_v |= g.node[i] == v;
  }
  assert_true(seen_t && seen_h2 && seen_v);
  assert_true(sim__world_check(w));
  sim_world_free(w);
}

int main(void)
{
  const struct CMUnitTest paths[] = {
      cmocka_unit_test(test_line_of_routers),
      cmocka_unit_test(test_ties_to_lower_node_id),
      cmocka_unit_test(test_dumbbell),
      cmocka_unit_test(test_star_1000_aggregates),
      cmocka_unit_test(test_aggregation_exact_random),
      cmocka_unit_test(test_route_cache_agrees),
      cmocka_unit_test(test_multihomed_and_multilink_host),
      cmocka_unit_test(test_longest_prefix_match),
      cmocka_unit_test(test_host_prefix_blocks),
  };
  const struct CMUnitTest drops[] = {
      cmocka_unit_test(test_default_route_and_no_route),
      cmocka_unit_test(test_ttl),
      cmocka_unit_test(test_routes_recomputed_when_stale),
  };
  const struct CMUnitTest reach[] = {
      cmocka_unit_test(test_unreachable_hosts),
      cmocka_unit_test(test_100k_hosts_behind_four_routers),
  };
  int fails = 0;
  fails += cmocka_run_group_tests_name("paths", paths, NULL, NULL);
  fails += cmocka_run_group_tests_name("drops", drops, NULL, NULL);
  fails += cmocka_run_group_tests_name("scale", reach, NULL, NULL);
  return fails ? 1 : 0;
}
