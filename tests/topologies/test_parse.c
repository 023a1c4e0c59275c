/*
 * test_parse.c - the topology language without the simulator: every
 * example file parses into the expected nodes, groups and links; values
 * and units resolve to exact integers; addresses are assigned as
 * topologies/README.md promises; the digest ignores spelling and notices
 * meaning.
 *
 * These tests read the resolved records through topologies/topo_int.h and
 * check its axioms (T1-T6) with topo__check() after every parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "topologies/topo.h"
#include "topologies/topo_int.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

static struct topo *parse_ok(const char *text)
{
  struct topo *t = NULL;
  struct topo_error e;
  char msg[1200];
  int rc = topo_parse_string("test.topo", text, &t, &e);

  if (rc != TOPO_OK) {
    topo_format_error(&e, msg, sizeof msg);
    fail_msg("unexpected parse error: %s", msg);
  }
  assert_non_null(t);
  assert_true(topo__check(t));
  return t;
}

static struct topo *parse_example(const char *name)
{
  char path[1024];
  struct topo *t = NULL;
  struct topo_error e;
  char msg[1200];

  snprintf(path, sizeof path, "%s/topologies/%s", TCPSIM_SOURCE_DIR, name);
  if (topo_parse_file(path, &t, &e) != TOPO_OK) {
    topo_format_error(&e, msg, sizeof msg);
    fail_msg("example %s: %s", name, msg);
  }
  assert_true(topo__check(t));
  return t;
}

static uint32_t addr_of(const char *s)
{
  unsigned a, b, c, d;

  assert_int_equal(sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
  return (a << 24) | (b << 16) | (c << 8) | d;
}

static uint32_t node_id(const struct topo *t, const char *name)
{
  uint32_t first, count;

  assert_int_equal(topo_group_find(t, name, &first, &count), TOPO_OK);
  assert_int_equal(count, 1);
  return first;
}

static const struct sim_link_params *link_ab(const struct topo *t, size_t i)
{
  return &t->classes[t->links[i].cls].ab;
}

static const struct sim_link_params *link_ba(const struct topo *t, size_t i)
{
  return &t->classes[t->links[i].cls].ba;
}

static void digest_of(const char *text, char out[17])
{
  struct topo *t = parse_ok(text);

  assert_int_equal(topo_digest(t, out), TOPO_OK);
  topo_free(t);
}

/* ---------------------------------------------------------------------- */
/* Examples                                                                */
/* ---------------------------------------------------------------------- */

static void test_example_two_hosts(void **state)
{
  struct topo *t = parse_example("two-hosts.topo");

  (void)state;
  assert_int_equal(topo_node_count(t), 2);
  assert_int_equal(topo_host_count(t), 2);
  assert_int_equal(topo_router_count(t), 0);
  assert_int_equal(topo_link_count(t), 1);
  assert_int_equal(topo_group_count(t), 0);
  assert_string_equal(topo_node_name(t, 0), "client");
  assert_string_equal(topo_node_name(t, 1), "server");
  assert_null(topo_node_name(t, 2));
  assert_int_equal(topo_node_addr(t, 0), addr_of("10.0.0.1"));
  assert_int_equal(topo_node_addr(t, 1), addr_of("10.0.0.2"));
  assert_int_equal(link_ab(t, 0)->rate_bps, 10000000);
  assert_int_equal(link_ab(t, 0)->delay_ns, 5000000);
  assert_int_equal(link_ab(t, 0)->queue_pkts, 100);
  assert_int_equal(link_ba(t, 0)->rate_bps, 10000000);
  topo_free(t);
}

static void test_example_dumbbell(void **state)
{
  struct topo *t = parse_example("dumbbell.topo");
  uint32_t first, count, left, right;

  (void)state;
  assert_int_equal(topo_node_count(t), 22);
  assert_int_equal(topo_host_count(t), 20);
  assert_int_equal(topo_router_count(t), 2);
  assert_int_equal(topo_link_count(t), 21);
  assert_int_equal(topo_group_count(t), 2);
  left = node_id(t, "left");
  right = node_id(t, "right");
  assert_int_equal(topo_group_find(t, "client", &first, &count), TOPO_OK);
  assert_int_equal(first, 2);
  assert_int_equal(count, 10);
  assert_string_equal(topo_node_name(t, first + 9), "client10");
  assert_int_equal(topo_node_addr(t, first), addr_of("10.1.0.1"));
  assert_int_equal(topo_group_find(t, "server", &first, &count), TOPO_OK);
  assert_int_equal(first, 12);
  assert_int_equal(count, 10);
  assert_int_equal(topo_node_addr(t, first + 9), addr_of("10.2.0.10"));
  assert_int_equal(topo_group_find(t, "nobody", &first, &count), TOPO_ENOENT);

  /* Access links: defaults from the included common.topo. */
  assert_int_equal(t->links[0].a, 2);
  assert_int_equal(t->links[0].b, left);
  assert_int_equal(link_ab(t, 0)->rate_bps, 100000000);
  assert_int_equal(link_ab(t, 0)->delay_ns, 1000000);
  assert_int_equal(link_ab(t, 0)->queue_pkts, 100);
  assert_int_equal(t->links[19].b, right);
  /* The bottleneck. */
  assert_int_equal(t->links[20].a, left);
  assert_int_equal(t->links[20].b, right);
  assert_int_equal(link_ab(t, 20)->rate_bps, 10000000);
  assert_int_equal(link_ba(t, 20)->delay_ns, 20000000);
  assert_int_equal(link_ab(t, 20)->queue_pkts, 50);
  assert_true(link_ab(t, 20)->loss == 0.001 && link_ba(t, 20)->loss == 0.001);
  assert_true(link_ab(t, 0)->loss == 0.0);
  /* Two files were read; errors would name the included one. */
  assert_int_equal(t->nfiles, 2);
  assert_non_null(strstr(t->files[1], "topologies/common.topo"));
  topo_free(t);
}

static void test_example_star_1000(void **state)
{
  struct topo *t = parse_example("star-1000.topo");
  uint32_t first, count, r, internet;

  (void)state;
  assert_int_equal(topo_node_count(t), 1013);
  assert_int_equal(topo_host_count(t), 1012);
  assert_int_equal(topo_router_count(t), 1);
  assert_int_equal(topo_link_count(t), 1012);
  r = node_id(t, "r");
  internet = node_id(t, "internet");
  assert_int_equal(topo_group_find(t, "client", &first, &count), TOPO_OK);
  assert_int_equal(count, 1000);
  assert_int_equal(topo_node_addr(t, first + 999), addr_of("10.0.3.232"));
  assert_int_equal(topo_group_find(t, "attacker", &first, &count), TOPO_OK);
  assert_int_equal(count, 10);
  assert_int_equal(topo_node_addr(t, node_id(t, "server")),
                   addr_of("10.255.255.2"));
  for (size_t i = 0; i < t->nlinks; i++) {
    assert_int_equal(t->links[i].b, r);
    assert_int_equal(link_ab(t, i)->rate_bps, 100000000);
    assert_int_equal(link_ab(t, i)->delay_ns, 1000000);
    assert_int_equal(link_ba(t, i)->queue_pkts, 100);
  }
  assert_int_equal(t->ndefroutes, 1);
  assert_int_equal(t->defroutes[0].router, r);
  assert_int_equal(t->links[t->defroutes[0].link].a, internet);
  topo_free(t);
}

static void test_example_campus_100k(void **state)
{
  struct topo *t = parse_example("campus-100k.topo");
  uint32_t h, edge, dist, n;

  (void)state;
  assert_int_equal(topo_node_count(t), 1 + 10 + 100 + 100000 + 16);
  assert_int_equal(topo_host_count(t), 100016);
  assert_int_equal(topo_router_count(t), 111);
  assert_int_equal(topo_link_count(t), 100000 + 100 + 10 + 16);
  assert_int_equal(topo_group_find(t, "h", &h, &n), TOPO_OK);
  assert_int_equal(n, 100000);
  assert_int_equal(topo_group_find(t, "edge", &edge, &n), TOPO_OK);
  assert_int_equal(n, 100);
  assert_int_equal(topo_group_find(t, "dist", &dist, &n), TOPO_OK);
  /* blocks: h1..h1000 on edge1, h1001.. on edge2, edge1..10 on dist1. */
  assert_int_equal(t->links[0].a, h);
  assert_int_equal(t->links[0].b, edge);
  assert_int_equal(t->links[999].b, edge);
  assert_int_equal(t->links[1000].b, edge + 1);
  assert_int_equal(t->links[99999].b, edge + 99);
  assert_int_equal(t->links[100000].a, edge);
  assert_int_equal(t->links[100000].b, dist);
  assert_int_equal(t->links[100009].b, dist);
  assert_int_equal(t->links[100010].b, dist + 1);
  assert_int_equal(link_ab(t, 0)->rate_bps, 100000000);
  assert_int_equal(link_ab(t, 0)->delay_ns, 50000);
  assert_int_equal(link_ab(t, 100000)->rate_bps, 10000000000ull);
  assert_int_equal(link_ab(t, 100000)->delay_ns, 100000);
  assert_int_equal(topo_node_addr(t, h), addr_of("10.0.0.1"));
  assert_int_equal(topo_node_addr(t, h + 99999), addr_of("10.1.134.160"));
  topo_free(t);
}

static void test_common_alone_is_empty(void **state)
{
  struct topo *t = parse_example("common.topo");

  (void)state;
  assert_int_equal(topo_node_count(t), 0);
  assert_int_equal(topo_link_count(t), 0);
  topo_free(t);
}

/* ---------------------------------------------------------------------- */
/* Values and attributes                                                   */
/* ---------------------------------------------------------------------- */

static void test_units_exact(void **state)
{
  struct topo *t = parse_ok(
      "host a\nhost b\n"
      "link a b rate 9600bps delay 250ns\n"
      "link a b rate 64kbps delay 100us\n"
      "link a b rate 1.5Mbps delay 1.5ms\n"
      "link a b rate 2.5Gbps delay 2s\n"
      "link a b rate unlimited delay 0.000000001s\n"
      "link a b rate 1000Gbps delay 0ms\n");

  (void)state;
  assert_int_equal(link_ab(t, 0)->rate_bps, 9600);
  assert_int_equal(link_ab(t, 0)->delay_ns, 250);
  assert_int_equal(link_ab(t, 1)->rate_bps, 64000);
  assert_int_equal(link_ab(t, 1)->delay_ns, 100000);
  assert_int_equal(link_ab(t, 2)->rate_bps, 1500000);
  assert_int_equal(link_ab(t, 2)->delay_ns, 1500000);
  assert_int_equal(link_ab(t, 3)->rate_bps, 2500000000ull);
  assert_int_equal(link_ab(t, 3)->delay_ns, 2000000000);
  assert_int_equal(link_ab(t, 4)->rate_bps, 0);
  assert_int_equal(link_ab(t, 4)->delay_ns, 1);
  assert_int_equal(link_ab(t, 5)->rate_bps, 1000000000000ull);
  assert_int_equal(link_ab(t, 5)->delay_ns, 0);
  topo_free(t);
}

static void test_faults_and_directions(void **state)
{
  struct topo *t = parse_ok(
      "host a\nhost b\n"
      "link a b loss 1% dup 0.5 queue 7pkts "
      "burst gb=0.1% bg=30% good=0 bad=50% "
      "hold 2% uniform 10ms 20ms a>b:rate 1Mbps b>a:rate 2Mbps "
      "a>b: delay 3ms b>a:loss 0\n"
      "link b a hold 1% exp 5ms max 50ms\n"
      "link a b hold 0.25 const 7s down at 5s up at 7s down at 9.5s\n");
  const struct sim_link_params *ab = link_ab(t, 0), *ba = link_ba(t, 0);
  const struct topo__lclass *c2 = &t->classes[t->links[2].cls];

  (void)state;
  assert_true(ab->loss == 0.01);
  assert_true(ba->loss == 0.0);
  assert_true(ab->dup == 0.5 && ba->dup == 0.5);
  assert_int_equal(ab->queue_pkts, 7);
  assert_true(ab->burst_p_gb == 0.001 && ba->burst_p_gb == 0.001);
  assert_true(ab->burst_p_bg == 0.3);
  assert_true(ab->burst_loss_good == 0.0);
  assert_true(ab->burst_loss_bad == 0.5);
  assert_true(ab->hold == 0.02);
  assert_int_equal(ab->hold_time.kind, SIM_DIST_UNIFORM);
  assert_int_equal(ab->hold_time.a_ns, 10000000);
  assert_int_equal(ba->hold_time.b_ns, 20000000);
  assert_int_equal(ab->rate_bps, 1000000);
  assert_int_equal(ba->rate_bps, 2000000);
  assert_int_equal(ab->delay_ns, 3000000);
  assert_int_equal(ba->delay_ns, 1000000);

  assert_int_equal(t->links[1].a, 1);
  assert_int_equal(link_ab(t, 1)->hold_time.kind, SIM_DIST_EXP);
  assert_int_equal(link_ab(t, 1)->hold_time.a_ns, 5000000);
  assert_int_equal(link_ab(t, 1)->hold_time.b_ns, 50000000);
  /* A link without burst keeps the model off (burst_p_gb == 0). */
  assert_true(link_ab(t, 1)->burst_p_gb == 0.0);

  assert_true(link_ab(t, 2)->hold == 0.25);
  assert_int_equal(link_ab(t, 2)->hold_time.kind, SIM_DIST_CONST);
  assert_int_equal(link_ab(t, 2)->hold_time.a_ns, 7000000000);
  assert_int_equal(c2->nev, 3);
  assert_false(c2->ev[0].up);
  assert_int_equal(c2->ev[0].t_ns, 5000000000);
  assert_true(c2->ev[1].up);
  assert_int_equal(c2->ev[2].t_ns, 9500000000);
  topo_free(t);
}

static void test_defaults_apply_to_later_links(void **state)
{
  struct topo *t = parse_ok(
      "host a\nhost b\n"
      "link a b\n"
      "defaults link rate 10Mbps loss 1%\n"
      "link a b\n"
      "defaults link delay 7ms b>a:queue 3\n"
      "link a b rate 5Mbps\n");

  (void)state;
  /* The language's own defaults. */
  assert_int_equal(link_ab(t, 0)->rate_bps, 100000000);
  assert_int_equal(link_ab(t, 0)->delay_ns, 1000000);
  assert_int_equal(link_ab(t, 0)->queue_pkts, 100);
  assert_true(link_ab(t, 0)->loss == 0.0);
  assert_int_equal(link_ab(t, 1)->rate_bps, 10000000);
  assert_true(link_ab(t, 1)->loss == 0.01);
  /* Defaults accumulate; the link's own attributes win. */
  assert_int_equal(link_ab(t, 2)->rate_bps, 5000000);
  assert_true(link_ba(t, 2)->loss == 0.01);
  assert_int_equal(link_ab(t, 2)->delay_ns, 7000000);
  assert_int_equal(link_ab(t, 2)->queue_pkts, 100);
  assert_int_equal(link_ba(t, 2)->queue_pkts, 3);
  topo_free(t);
}

static void test_link_shapes(void **state)
{
  struct topo *t = parse_ok(
      "hosts a[1-4]\nhosts b[11-14]\nrouter r\nrouters s[1-2]\n"
      "link a[*] r\n"          /* star: 4 links, a_i - r */
      "link r b[12-13]\n"      /* star the other way: r - b12, r - b13 */
      "link a[1-4] b[11-14]\n" /* pairwise */
      "link a[*] s[*] blocks\n"/* a1,a2 - s1; a3,a4 - s2 */
      "link s[*] a[*] blocks\n"/* the small end first */
      "link a[2] b12\n");      /* single members, two spellings */
  uint32_t a, b, r, s, n;

  (void)state;
  assert_int_equal(topo_group_find(t, "a", &a, &n), TOPO_OK);
  assert_int_equal(topo_group_find(t, "b", &b, &n), TOPO_OK);
  assert_int_equal(topo_group_find(t, "s", &s, &n), TOPO_OK);
  r = node_id(t, "r");
  assert_string_equal(topo_node_name(t, b), "b11");
  assert_int_equal(topo_link_count(t), 4 + 2 + 4 + 4 + 4 + 1);
  for (uint32_t i = 0; i < 4; i++) {
    assert_int_equal(t->links[i].a, a + i);
    assert_int_equal(t->links[i].b, r);
  }
  assert_int_equal(t->links[4].a, r);
  assert_int_equal(t->links[4].b, b + 1);
  assert_int_equal(t->links[5].b, b + 2);
  for (uint32_t i = 0; i < 4; i++) {
    assert_int_equal(t->links[6 + i].a, a + i);
    assert_int_equal(t->links[6 + i].b, b + i);
    assert_int_equal(t->links[10 + i].a, a + i);
    assert_int_equal(t->links[10 + i].b, s + i / 2);
    assert_int_equal(t->links[14 + i].a, s + i / 2);
    assert_int_equal(t->links[14 + i].b, a + i);
  }
  assert_int_equal(t->links[18].a, a + 1);
  assert_int_equal(t->links[18].b, b + 1);
  topo_free(t);
}

static void test_syntax_freedoms(void **state)
{
  /* Tabs, CRLF, comments after statements, '#' right after a token, a
   * last line without newline, an empty text. */
  struct topo *t;

  (void)state;
  t = parse_ok("\t# leading comment\r\n"
               "host\ta   addr 10.0.0.1# no space\r\n"
               "\r\n"
               "host b\t\t# trailing\n"
               "link a b");
  assert_int_equal(topo_node_count(t), 2);
  assert_int_equal(topo_node_addr(t, 0), addr_of("10.0.0.1"));
  assert_int_equal(topo_link_count(t), 1);
  topo_free(t);

  t = parse_ok("");
  assert_int_equal(topo_node_count(t), 0);
  topo_free(t);
}

/* ---------------------------------------------------------------------- */
/* Addresses                                                               */
/* ---------------------------------------------------------------------- */

static void test_prefix_assignment(void **state)
{
  struct topo *t = parse_ok("hosts c[1-3] prefix 10.0.0.0/24\n"
                            "hosts p[1-2] prefix 10.0.1.0/31\n"
                            "hosts q[5-5] prefix 10.0.2.7/32\n"
                            "hosts w[1-2] prefix 10.0.3.0/30\n"
                            "routers r[1-2] prefix 10.9.0.0/16\n"
                            "router bare\n"
                            "hosts z[1-1] prefix 0.0.0.0/31\n");

  (void)state;
  assert_int_equal(topo_node_addr(t, 0), addr_of("10.0.0.1"));
  assert_int_equal(topo_node_addr(t, 2), addr_of("10.0.0.3"));
  /* /31 and /32 have no network or broadcast address to skip. */
  assert_int_equal(topo_node_addr(t, 3), addr_of("10.0.1.0"));
  assert_int_equal(topo_node_addr(t, 4), addr_of("10.0.1.1"));
  assert_int_equal(topo_node_addr(t, 5), addr_of("10.0.2.7"));
  assert_string_equal(topo_node_name(t, 5), "q5");
  /* /30: exactly two usable addresses. */
  assert_int_equal(topo_node_addr(t, 6), addr_of("10.0.3.1"));
  assert_int_equal(topo_node_addr(t, 7), addr_of("10.0.3.2"));
  assert_int_equal(topo_node_addr(t, 8), addr_of("10.9.0.1"));
  assert_int_equal(topo_node_addr(t, 10), 0); /* routers need none */
  /* 0.0.0.0 means "none": it is skipped even where it would be usable. */
  assert_int_equal(topo_node_addr(t, 11), addr_of("0.0.0.1"));
  topo_free(t);
}

static void test_pool_assignment(void **state)
{
  /* a and the group take pool addresses in declaration order, skipping
   * the address b claims explicitly even though b is declared later. */
  struct topo *t = parse_ok("host a\n"
                            "hosts g[1-2]\n"
                            "host b addr 10.255.0.2\n"
                            "host c\n");

  (void)state;
  assert_int_equal(topo_node_addr(t, 0), addr_of("10.255.0.1"));
  assert_int_equal(topo_node_addr(t, 1), addr_of("10.255.0.3"));
  assert_int_equal(topo_node_addr(t, 2), addr_of("10.255.0.4"));
  assert_int_equal(topo_node_addr(t, 3), addr_of("10.255.0.2"));
  assert_int_equal(topo_node_addr(t, 4), addr_of("10.255.0.5"));
  topo_free(t);

  /* pool applies wherever it is written. */
  t = parse_ok("host a\npool 192.168.7.0/29\nhost b\n");
  assert_int_equal(topo_node_addr(t, 0), addr_of("192.168.7.1"));
  assert_int_equal(topo_node_addr(t, 1), addr_of("192.168.7.2"));
  topo_free(t);

  /* Exactly full: 6 usable addresses in a /29. */
  t = parse_ok("pool 192.168.7.0/29\nhosts x[1-6]\n");
  assert_int_equal(topo_node_addr(t, 5), addr_of("192.168.7.6"));
  topo_free(t);
}

/* tun NAME addr A.B.C.D prefix P/LEN: the prefix is kept with its node,
 * the node keeps its address (which may lie inside), the pool skips the
 * prefix, and the digest sees the prefix (and nothing changes for a tun
 * node without one). */
static void test_tun_prefix(void **state)
{
  uint32_t net = 0;
  int len = 0;
  struct topo *t = parse_ok("tun linux addr 10.0.0.2 prefix 10.0.9.0/24\n"
                            "tun other addr 10.0.5.1 prefix 10.0.8.0/24\n"
                            "tun inside addr 10.0.7.1 prefix 10.0.7.0/24\n"
                            "tun plain addr 10.0.0.3\n"
                            "host a\nhost b addr 10.0.6.1\n");

  (void)state;
  assert_int_equal(topo_node_addr(t, 0), addr_of("10.0.0.2"));
  assert_true(topo_node_is_tun(t, 0));
  assert_true(topo_node_tun_prefix(t, 0, &net, &len));
  assert_int_equal(net, addr_of("10.0.9.0"));
  assert_int_equal(len, 24);
  assert_true(topo_node_tun_prefix(t, 1, &net, &len));
  assert_int_equal(net, addr_of("10.0.8.0"));
  assert_true(topo_node_tun_prefix(t, 2, &net, &len));
  assert_int_equal(topo_node_addr(t, 2), addr_of("10.0.7.1"));
  assert_false(topo_node_tun_prefix(t, 3, &net, &len));
  assert_false(topo_node_tun_prefix(t, 5, &net, &len));
  assert_false(topo_node_tun_prefix(t, 99, &net, &len));
  assert_int_equal(topo_node_addr(t, 4), addr_of("10.255.0.1"));
  topo_free(t);

  t = parse_ok("tun linux addr 10.0.0.2 prefix 10.0.9.0/25\n"
               "pool 10.0.9.0/24\nhost a\nhost b\n");
  assert_int_equal(topo_node_addr(t, 1), addr_of("10.0.9.128"));
  assert_int_equal(topo_node_addr(t, 2), addr_of("10.0.9.129"));
  topo_free(t);

  /* Digests: the prefix counts; its absence leaves the old digest. */
  char d0[17], d1[17], d2[17], d3[17];
  digest_of("tun linux addr 10.0.0.2\nhost s addr 10.0.0.1\nlink linux s\n",
            d0);
  digest_of("tun linux addr 10.0.0.2 prefix 10.0.9.0/24\n"
            "host s addr 10.0.0.1\nlink linux s\n", d1);
  digest_of("tun linux addr 10.0.0.2   prefix 10.0.9.0/24 # same\n"
            "host s addr 10.0.0.1\nlink linux s\n", d2);
  digest_of("tun linux addr 10.0.0.2 prefix 10.0.9.0/25\n"
            "host s addr 10.0.0.1\nlink linux s\n", d3);
  assert_string_equal(d1, d2);
  assert_string_not_equal(d0, d1);
  assert_string_not_equal(d1, d3);
  assert_string_equal(d0, "798ba3679388abfd"); /* as before prefixes */
}

static void test_addresses_deterministic(void **state)
{
  const char *text = "hosts c[1-500]\nhost s\nhosts d[1-10] prefix "
                     "172.16.0.0/28\nrouter r addr 10.255.0.9\n";
  struct topo *t1 = parse_ok(text), *t2 = parse_ok(text);

  (void)state;
  assert_int_equal(topo_node_count(t1), topo_node_count(t2));
  for (uint32_t i = 0; i < topo_node_count(t1); i++)
    assert_int_equal(topo_node_addr(t1, i), topo_node_addr(t2, i));
  /* c9 would have been 10.255.0.9: the router's address is skipped. */
  assert_int_equal(topo_node_addr(t1, 8), addr_of("10.255.0.10"));
  topo_free(t1);
  topo_free(t2);
}

/* ---------------------------------------------------------------------- */
/* Digest                                                                  */
/* ---------------------------------------------------------------------- */

static const char *const digest_base =
    "router r\nrouter r2\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
    "link c[*] r rate 10Mbps delay 1ms loss 1%\n"
    "link s r2 rate 1Gbps delay 100us\n"
    "link r r2 rate 100Mbps delay 1ms hold 0.1% uniform 1ms 2ms\n"
    "default r via r2\ndefault r2 via s\n";

static void test_digest_ignores_spelling(void **state)
{
  char d0[17], d1[17], d2[17], d3[17];

  (void)state;
  digest_of(digest_base, d0);
  assert_int_equal(strlen(d0), 16);
  /* Comments, blank lines, spacing, tabs. */
  digest_of("# a comment\n\n  router   r   # trailing\n\trouter r2\n"
            "hosts c[1-3]   prefix 10.0.0.0/24\n\nhost s\n"
            "link c[*] r rate 10Mbps delay 1ms loss 1%   \n"
            "link s r2 rate 1Gbps delay 100us\n"
            "link r r2 rate 100Mbps delay 1ms hold 0.1% uniform 1ms 2ms\n"
            "default r via r2\ndefault r2 via s\n# end\n",
            d1);
  assert_string_equal(d0, d1);
  /* Other units and notations for the same values; defaults instead of
   * attributes; per-direction attributes that say the same for both;
   * default routes in the other order; a star written member by member. */
  digest_of("router r\nrouter r2\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
            "defaults link rate 10000kbps delay 1000us\n"
            "link c1 r loss 0.01\nlink c[2] r loss 1%\nlink c[3-3] r "
            "a>b:loss 0.01 b>a:loss 1.0%\n"
            "defaults link loss 0\n"
            "link s r2 rate 1000Mbps delay 0.1ms\n"
            "link r r2 rate 0.1Gbps delay 1000000ns hold 0.001 uniform "
            "1000us 0.002s\n"
            "default r2 via s\ndefault r via r2\n",
            d2);
  assert_string_equal(d0, d2);
  /* Through an include of a file in the source tree. */
  {
    char text[2048];
    snprintf(text, sizeof text,
             "include \"%s/topologies/common.topo\"\n"
             "router r\nrouter r2\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
             "link c[*] r rate 10Mbps loss 1%%\n"
             "link s r2 rate 1Gbps delay 100us\n"
             "link r r2 hold 0.1%% uniform 1ms 2ms\n"
             "default r via r2\ndefault r2 via s\n",
             TCPSIM_SOURCE_DIR);
    digest_of(text, d3);
    assert_string_equal(d0, d3);
  }
}

static void test_digest_notices_meaning(void **state)
{
  static const char *const variants[] = {
    /* one attribute */
    "router r\nrouter r2\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
    "link c[*] r rate 10Mbps delay 1ms loss 2%\n"
    "link s r2 rate 1Gbps delay 100us\n"
    "link r r2 rate 100Mbps delay 1ms hold 0.1% uniform 1ms 2ms\n"
    "default r via r2\ndefault r2 via s\n",
    /* one direction only */
    "router r\nrouter r2\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
    "link c[*] r rate 10Mbps delay 1ms loss 1%\n"
    "link s r2 rate 1Gbps delay 100us b>a:queue 99\n"
    "link r r2 rate 100Mbps delay 1ms hold 0.1% uniform 1ms 2ms\n"
    "default r via r2\ndefault r2 via s\n",
    /* an address */
    "router r\nrouter r2\nhosts c[1-3] prefix 10.0.1.0/24\nhost s\n"
    "link c[*] r rate 10Mbps delay 1ms loss 1%\n"
    "link s r2 rate 1Gbps delay 100us\n"
    "link r r2 rate 100Mbps delay 1ms hold 0.1% uniform 1ms 2ms\n"
    "default r via r2\ndefault r2 via s\n",
    /* a name */
    "router r\nrouter r3\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
    "link c[*] r3 rate 10Mbps delay 1ms loss 1%\n"
    "link s r rate 1Gbps delay 100us\n"
    "link r3 r rate 100Mbps delay 1ms hold 0.1% uniform 1ms 2ms\n"
    "default r3 via r\ndefault r via s\n",
    /* the hold distribution */
    "router r\nrouter r2\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
    "link c[*] r rate 10Mbps delay 1ms loss 1%\n"
    "link s r2 rate 1Gbps delay 100us\n"
    "link r r2 rate 100Mbps delay 1ms hold 0.1% uniform 1ms 3ms\n"
    "default r via r2\ndefault r2 via s\n",
    /* a default route missing */
    "router r\nrouter r2\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
    "link c[*] r rate 10Mbps delay 1ms loss 1%\n"
    "link s r2 rate 1Gbps delay 100us\n"
    "link r r2 rate 100Mbps delay 1ms hold 0.1% uniform 1ms 2ms\n"
    "default r via r2\n",
    /* a scheduled event */
    "router r\nrouter r2\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
    "link c[*] r rate 10Mbps delay 1ms loss 1%\n"
    "link s r2 rate 1Gbps delay 100us down at 1s\n"
    "link r r2 rate 100Mbps delay 1ms hold 0.1% uniform 1ms 2ms\n"
    "default r via r2\ndefault r2 via s\n",
    /* link ends swapped (direction matters) */
    "router r\nrouter r2\nhosts c[1-3] prefix 10.0.0.0/24\nhost s\n"
    "link c[*] r rate 10Mbps delay 1ms loss 1%\n"
    "link r2 s rate 1Gbps delay 100us\n"
    "link r r2 rate 100Mbps delay 1ms hold 0.1% uniform 1ms 2ms\n"
    "default r via r2\ndefault r2 via s\n",
  };
  char base[17], d[17][17];
  size_t n = sizeof variants / sizeof variants[0];

  (void)state;
  digest_of(digest_base, base);
  for (size_t i = 0; i < n; i++) {
    digest_of(variants[i], d[i]);
    if (strcmp(base, d[i]) == 0)
      fail_msg("variant %zu has the base digest", i);
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(d[i], d[j]);
  }
}

static void test_digest_of_examples_is_stable(void **state)
{
  static const char *const names[] = {"two-hosts.topo", "dumbbell.topo",
                                      "star-1000.topo"};
  (void)state;
  for (size_t i = 0; i < 3; i++) {
    struct topo *a = parse_example(names[i]), *b = parse_example(names[i]);
    char da[17], db[17];
    assert_int_equal(topo_digest(a, da), TOPO_OK);
    assert_int_equal(topo_digest(b, db), TOPO_OK);
    assert_string_equal(da, db);
    topo_free(a);
    topo_free(b);
  }
}

/* topo_text: includes inlined; the text alone parses to the same digest,
 * from a place where the included files are not. */
static void test_text_stands_alone(void **state)
{
  static const char *const names[] = {"two-hosts.topo", "dumbbell.topo",
                                      "star-1000.topo", "campus-100k.topo"};
  (void)state;
  for (size_t i = 0; i < 4; i++) {
    struct topo *a = parse_example(names[i]), *b = NULL;
    struct topo_error e;
    char da[17], db[17];
    const char *text = topo_text(a);
    assert_null(strstr(text, "\ninclude"));
    assert_int_equal(topo_parse_string("/nonexistent/x.topo", text, &b, &e),
                     TOPO_OK);
    assert_int_equal(topo_digest(a, da), TOPO_OK);
    assert_int_equal(topo_digest(b, db), TOPO_OK);
    assert_string_equal(da, db);
    topo_free(a);
    topo_free(b);
  }
  struct topo *d = parse_example("dumbbell.topo");
  assert_non_null(strstr(topo_text(d), "# >>> include \"common.topo\"\n"));
  assert_non_null(strstr(topo_text(d), "defaults"));
  topo_free(d);
  assert_string_equal(topo_text(NULL), "");
}

/* ---------------------------------------------------------------------- */
/* Small API contracts                                                     */
/* ---------------------------------------------------------------------- */

/* topo_link_attrs: the link statement's attribute words onto existing
 * parameters, left to right, per direction; errors at their column, and
 * nothing written back. */
static void test_link_attrs(void **state)
{
  (void)state;
  struct sim_link_params ab, ba;
  struct topo_error e;
  sim_link_params_default(&ab);
  ba = ab;
  assert_int_equal(topo_link_attrs("loss 5% b>a:delay 20ms hold 1% uniform "
                                   "1s 2s rate 1Gbps", &ab, &ba, &e), TOPO_OK);
  assert_true(ab.loss == 0.05 && ba.loss == 0.05);
  assert_int_equal(ab.delay_ns, SIM_MS);
  assert_int_equal(ba.delay_ns, 20 * SIM_MS);
  assert_true(ab.hold == 0.01);
  assert_int_equal(ab.hold_time.kind, SIM_DIST_UNIFORM);
  assert_int_equal(ab.hold_time.b_ns, 2 * SIM_S);
  assert_int_equal(ba.rate_bps, 1000000000);
  assert_int_equal(ab.queue_pkts, 100); /* untouched */
  /* a second call starts from what the first left */
  assert_int_equal(topo_link_attrs("a>b:loss 0", &ab, &ba, &e), TOPO_OK);
  assert_true(ab.loss == 0 && ba.loss == 0.05);

  struct sim_link_params keep = ab;
  assert_int_equal(topo_link_attrs("loss 2% delay soon", &ab, &ba, &e),
                   TOPO_ESYNTAX);
  assert_int_equal(e.col, 15);
  assert_true(ab.loss == keep.loss);
  assert_int_equal(topo_link_attrs("loss 1% down at 1s", &ab, &ba, &e),
                   TOPO_ESYNTAX);
  assert_int_equal(e.col, 9);
  assert_non_null(strstr(e.msg, "'down' is not a link parameter here"));
  assert_int_equal(topo_link_attrs("colour red", &ab, &ba, &e), TOPO_ESYNTAX);
  assert_non_null(strstr(e.msg, "unknown link attribute 'colour'"));
  assert_int_equal(topo_link_attrs("loss 1%\nloss 2%", &ab, &ba, &e),
                   TOPO_ESYNTAX);
  assert_int_equal(topo_link_attrs(NULL, &ab, &ba, &e), TOPO_EINVAL);
}

static void test_api_contracts(void **state)
{
  struct topo *t = NULL;
  struct topo_error e;
  char buf[128];
  const char *name;
  uint32_t first, count;

  (void)state;
  assert_int_equal(topo_parse_string("x", NULL, &t, &e), TOPO_EINVAL);
  assert_null(t);
  assert_int_equal(topo_parse_string(NULL, "host a", &t, NULL), TOPO_OK);
  assert_int_equal(topo_group_at(t, 0, &name, &first, &count), TOPO_ENOENT);
  assert_int_equal(topo_group_find(t, "a", &first, &count), TOPO_OK);
  assert_int_equal(count, 1);
  topo_free(t);
  topo_free(NULL);
  /* A NULL error struct is allowed on failure too. */
  assert_int_equal(topo_parse_string("x", "bogus", &t, NULL), TOPO_ESYNTAX);
  assert_null(t);

  assert_int_equal(topo_parse_file("/nonexistent/dir/x.topo", &t, &e),
                   TOPO_EIO);
  topo_format_error(&e, buf, sizeof buf);
  assert_string_equal(buf, "/nonexistent/dir/x.topo: cannot read topology "
                           "file: No such file or directory");
  /* Formatting truncates like snprintf and reports the length needed. */
  assert_int_equal(topo_format_error(&e, buf, 8), 77);
  assert_string_equal(buf, "/nonexi");
  assert_string_equal(topo_strerror(TOPO_ESYNTAX), "error in topology text");
  assert_string_equal(topo_strerror(12345), "unknown error");

  t = parse_ok("hosts a[1-2]\nrouters b[3-4]\n");
  assert_int_equal(topo_group_at(t, 1, &name, &first, &count), TOPO_OK);
  assert_string_equal(name, "b");
  assert_int_equal(first, 2);
  assert_int_equal(count, 2);
  topo_free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_example_two_hosts),
    cmocka_unit_test(test_example_dumbbell),
    cmocka_unit_test(test_example_star_1000),
    cmocka_unit_test(test_example_campus_100k),
    cmocka_unit_test(test_common_alone_is_empty),
    cmocka_unit_test(test_units_exact),
    cmocka_unit_test(test_faults_and_directions),
    cmocka_unit_test(test_defaults_apply_to_later_links),
    cmocka_unit_test(test_link_shapes),
    cmocka_unit_test(test_syntax_freedoms),
    cmocka_unit_test(test_prefix_assignment),
    cmocka_unit_test(test_pool_assignment),
    cmocka_unit_test(test_tun_prefix),
    cmocka_unit_test(test_addresses_deterministic),
    cmocka_unit_test(test_digest_ignores_spelling),
    cmocka_unit_test(test_digest_notices_meaning),
    cmocka_unit_test(test_digest_of_examples_is_stable),
    cmocka_unit_test(test_text_stands_alone),
    cmocka_unit_test(test_link_attrs),
    cmocka_unit_test(test_api_contracts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
