/*
 * test_build.c - topologies built into simulated worlds: the world holds
 * exactly the declared nodes, addresses and links (same ids, declaration
 * order), routing reaches every server from every client and back along
 * the expected number of hops, default routes catch addresses no node
 * owns, scheduled link events fire, disconnected hosts are reported, and
 * every topology the parser accepts can be built.
 *
 * Routes are checked end to end by walking them: from a node, look up the
 * link towards the destination address, cross it, repeat until the owner
 * of the address is reached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim.h"
#include "topologies/topo.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

struct built {
  struct topo *t;
  struct sim_world *w;
};

static void build_text(struct built *b, const char *name, const char *text,
                       bool is_file)
{
  struct topo_error e;
  char msg[1200];
  int rc;

  b->t = NULL;
  rc = is_file ? topo_parse_file(name, &b->t, &e)
               : topo_parse_string(name, text, &b->t, &e);
  if (rc != TOPO_OK) {
    topo_format_error(&e, msg, sizeof msg);
    fail_msg("parse: %s", msg);
  }
  b->w = sim_world_new(1);
  assert_non_null(b->w);
  if (topo_build(b->t, b->w, &e) != TOPO_OK) {
    topo_format_error(&e, msg, sizeof msg);
    fail_msg("build: %s", msg);
  }
}

static void build_example(struct built *b, const char *name)
{
  char path[1024];

  snprintf(path, sizeof path, "%s/topologies/%s", TCPSIM_SOURCE_DIR, name);
  build_text(b, path, NULL, true);
}

static void built_free(struct built *b)
{
  sim_world_free(b->w);
  topo_free(b->t);
}

static uint32_t id_of(const struct built *b, const char *name)
{
  uint32_t id;

  assert_int_equal(sim_node_find(b->w, name, &id), SIM_OK);
  return id;
}

/* Hops from node `from` to the owner of dst, following the routes; -1
 * when a lookup fails, -2 on a loop. */
static int walk(const struct sim_world *w, uint32_t from, uint32_t dst)
{
  uint32_t node = from, owner;

  for (int hops = 0; hops < 64; hops++) {
    uint32_t link, a, b;
    if (sim_addr_owner(w, dst, &owner) == SIM_OK && owner == node)
      return hops;
    if (sim_route_lookup(w, node, dst, &link) != SIM_OK)
      return -1;
    assert_int_equal(sim_link_ends(w, link, &a, &b), SIM_OK);
    assert_true(a == node || b == node);
    node = a == node ? b : a;
  }
  return -2;
}

static int walk_names(const struct built *b, const char *from, const char *to)
{
  return walk(b->w, id_of(b, from), sim_node_addr(b->w, id_of(b, to)));
}

/* The summary as a string (caller frees). */
static char *summary(const struct built *b)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);

  assert_non_null(f);
  topo_print_summary(b->t, b->w, f);
  assert_int_equal(fclose(f), 0);
  return text;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */
/* ---------------------------------------------------------------------- */

static void test_examples_build_as_declared(void **state)
{
  static const char *const names[] = {"two-hosts.topo", "dumbbell.topo",
                                      "star-1000.topo", "campus-100k.topo"};
  (void)state;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    struct built b;
    build_example(&b, names[i]);
    assert_int_equal(sim_node_count(b.w), topo_node_count(b.t));
    assert_int_equal(sim_link_count(b.w), topo_link_count(b.t));
    for (uint32_t n = 0; n < topo_node_count(b.t); n++) {
      assert_string_equal(sim_node_name(b.w, n), topo_node_name(b.t, n));
      assert_int_equal(sim_node_addr(b.w, n), topo_node_addr(b.t, n));
    }
    assert_int_equal(sim_unreachable_hosts(b.w, NULL, 0), 0);
    built_free(&b);
  }
}

static void test_routes_two_hosts(void **state)
{
  struct built b;

  (void)state;
  build_example(&b, "two-hosts.topo");
  assert_int_equal(walk_names(&b, "client", "server"), 1);
  assert_int_equal(walk_names(&b, "server", "client"), 1);
  built_free(&b);
}

static void test_routes_dumbbell(void **state)
{
  struct built b;
  char c[32], s[32];

  (void)state;
  build_example(&b, "dumbbell.topo");
  for (int i = 1; i <= 10; i++) {
    for (int j = 1; j <= 10; j++) {
      snprintf(c, sizeof c, "client%d", i);
      snprintf(s, sizeof s, "server%d", j);
      assert_int_equal(walk_names(&b, c, s), 3);
      assert_int_equal(walk_names(&b, s, c), 3);
    }
  }
  assert_int_equal(walk_names(&b, "client1", "client10"), 2);
  built_free(&b);
}

static void test_routes_star_and_default(void **state)
{
  struct built b;
  uint32_t r, internet, link, a, z, spoofed = 0xcb007107; /* 203.0.113.7 */
  char *text;

  (void)state;
  build_example(&b, "star-1000.topo");
  assert_int_equal(walk_names(&b, "client1", "server"), 2);
  assert_int_equal(walk_names(&b, "client1000", "server"), 2);
  assert_int_equal(walk_names(&b, "server", "client1"), 2);
  assert_int_equal(walk_names(&b, "server", "client1000"), 2);
  assert_int_equal(walk_names(&b, "attacker7", "server"), 2);
  assert_int_equal(walk_names(&b, "server", "attacker10"), 2);
  /* A SYN-ACK to a spoofed source: the server's only link, then the
   * router's default route towards the sink. */
  r = id_of(&b, "r");
  internet = id_of(&b, "internet");
  assert_int_equal(sim_route_lookup(b.w, id_of(&b, "server"), spoofed, &link),
                   SIM_OK);
  assert_int_equal(sim_route_lookup(b.w, r, spoofed, &link), SIM_OK);
  assert_int_equal(sim_link_ends(b.w, link, &a, &z), SIM_OK);
  assert_true((a == r && z == internet) || (a == internet && z == r));

  text = summary(&b);
  assert_non_null(strstr(text, "hosts:     1012\n"));
  assert_non_null(strstr(text, "routers:   1\n"));
  assert_non_null(strstr(text, "groups:    2\n"));
  assert_non_null(strstr(text, "client[1-1000]"));
  assert_non_null(strstr(text, "10.0.0.1 .. 10.0.3.232"));
  assert_non_null(strstr(text, "links:     1012\n"));
  assert_non_null(strstr(text, "routes:    "));
  assert_non_null(strstr(text, "unreachable hosts: none\n"));
  free(text);
  built_free(&b);
}

static void test_routes_campus(void **state)
{
  struct built b;
  size_t routes = 0;

  (void)state;
  build_example(&b, "campus-100k.topo");
  assert_int_equal(walk_names(&b, "h1", "srv1"), 4);
  assert_int_equal(walk_names(&b, "srv16", "h100000"), 4);
  assert_int_equal(walk_names(&b, "h1", "h2"), 2);
  assert_int_equal(walk_names(&b, "h1", "h1001"), 4);
  assert_int_equal(walk_names(&b, "h1", "h100000"), 6);
  assert_int_equal(walk_names(&b, "h54321", "h12345"), 6);
  /* Prefix routing keeps the tables far below one entry per host and
   * router (111 routers x 100,016 hosts would be 11 million). */
  for (uint32_t n = 0; n < sim_node_count(b.w); n++)
    routes += sim_route_count(b.w, n);
  assert_true(routes < 1000000);
  built_free(&b);
}

static void test_unreachable_hosts_reported(void **state)
{
  struct built b;
  uint32_t ids[8];
  size_t n;
  char *text;

  (void)state;
  /* a, b, c share router r; x and y only see each other; z has no link. */
  build_text(&b, "islands.topo",
             "router r\nhost a\nhost b\nhost c\nhost x\nhost y\nhost z\n"
             "link a r\nlink b r\nlink c r\nlink x y\n",
             false);
  n = sim_unreachable_hosts(b.w, ids, 8);
  assert_int_equal(n, 3);
  text = summary(&b);
  assert_non_null(strstr(text, "unreachable hosts: 3\n  x\n  y\n  z\n"));
  free(text);
  assert_int_equal(walk_names(&b, "a", "c"), 2);
  assert_int_equal(walk_names(&b, "a", "x"), -1);
  built_free(&b);

  /* More than 20: the first 20 by name, then a count. */
  build_text(&b, "many.topo",
             "router r\nhosts a[1-5]\nhosts z[1-30]\nlink a[*] r\n", false);
  text = summary(&b);
  assert_non_null(strstr(text, "unreachable hosts: 30\n  z1\n  z2\n"));
  assert_non_null(strstr(text, "  z20\n  ... and 10 more\n"));
  assert_null(strstr(text, "z21"));
  free(text);
  built_free(&b);
}

/* A tun node with a prefix: every address of it is owned by the node and
 * routed to it (here across a router, as one /24), its own address too. */
static void test_tun_prefix_builds(void **state)
{
  struct built b;
  uint32_t owner, linux_id, r;

  (void)state;
  build_text(&b, "tun.topo",
             "tun linux addr 10.0.0.2 prefix 10.0.9.0/24\n"
             "router r\nhost server addr 10.0.0.1\n"
             "link linux r\nlink r server\n", false);
  linux_id = id_of(&b, "linux");
  r = id_of(&b, "r");
  assert_int_equal(sim_node_addr(b.w, linux_id), 0x0a000002);
  assert_int_equal(sim_addr_owner(b.w, 0x0a000907, &owner), SIM_OK);
  assert_int_equal(owner, linux_id);
  assert_int_equal(sim_addr_owner(b.w, 0x0a000a07, &owner), SIM_ENOENT);
  assert_int_equal(walk(b.w, id_of(&b, "server"), 0x0a000907), 2);
  assert_int_equal(walk(b.w, id_of(&b, "server"), 0x0a0009ff), 2);
  assert_int_equal(walk_names(&b, "server", "linux"), 2);
  assert_int_equal(walk_names(&b, "linux", "server"), 2);
  /* r: linux's /32 and /24, server's /32. */
  assert_int_equal(sim_route_count(b.w, r), 3);
  built_free(&b);
}

static void test_link_events_scheduled(void **state)
{
  struct built b;

  (void)state;
  build_text(&b, "updown.topo",
             "host a\nhost b\nlink a b\nlink a b down at 5s up at 7s\n",
             false);
  assert_true(sim_link_is_up(b.w, 1));
  assert_int_equal(sim_run(b.w, 6 * SIM_S), SIM_OK);
  assert_true(sim_link_is_up(b.w, 0));
  assert_false(sim_link_is_up(b.w, 1));
  assert_int_equal(sim_run(b.w, 8 * SIM_S), SIM_OK);
  assert_true(sim_link_is_up(b.w, 1));
  built_free(&b);
}

static void test_build_needs_empty_world(void **state)
{
  struct topo *t;
  struct topo_error e;
  struct sim_world *w = sim_world_new(1);
  struct sim_world *w2 = sim_world_new(1);
  uint32_t id;

  (void)state;
  assert_int_equal(topo_parse_string("t.topo", "host a\nhost b\nlink a b\n",
                                     &t, &e),
                   TOPO_OK);
  assert_int_equal(sim_node_add(w, SIM_NODE_HOST, "other", &id), SIM_OK);
  assert_int_equal(topo_build(t, w, &e), TOPO_EINVAL);
  assert_non_null(strstr(e.msg, "needs a world without nodes"));
  /* A parsed topology is immutable: it builds into any number of worlds. */
  assert_int_equal(topo_build(t, w2, &e), TOPO_OK);
  assert_int_equal(sim_node_count(w2), 2);
  sim_world_free(w);
  sim_world_free(w2);
  topo_free(t);
}

/* Property: whatever the parser accepts, the simulator accepts. Mutations
 * of the examples give a varied supply of accepted topologies. */
static void test_accepted_topologies_build(void **state)
{
  static const char *const vocab[] = {
    "\nhost q\n", "\nrouter q\n", "\nlink client1 server1\n",
    "\nlink left right loss 1% down at 1s up at 2s\n", "\ndefault left via right\n",
    " blocks ", " rate 1kbps ", " hold 1% exp 1ms ", "\nhosts z[1-40]\n",
    "\nlink z[*] left\n", "\nlink z[1-10] client[*]\n", "\npool 10.3.0.0/16\n",
  };
  char path[1024];
  FILE *f;
  long len;
  char *orig, *buf;
  uint64_t x = 12345;
  int built_ok = 0;

  (void)state;
  snprintf(path, sizeof path, "%s/topologies/dumbbell.topo", TCPSIM_SOURCE_DIR);
  f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  rewind(f);
  orig = calloc(1, (size_t)len + 1);
  buf = malloc((size_t)len + 512);
  assert_non_null(orig);
  assert_non_null(buf);
  assert_int_equal(fread(orig, 1, (size_t)len, f), (size_t)len);
  fclose(f);

  for (int round = 0; round < 400; round++) {
    struct topo *t = NULL;
    struct topo_error e;
    size_t at, used = (size_t)len;
    memcpy(buf, orig, (size_t)len + 1);
    for (int m = 0; m < 3; m++) {
      const char *w;
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      /* At the end of a line: attributes then extend a statement and new
       * statements stand on their own line, so most mutants are valid. */
      at = (size_t)(x % (used + 1));
      while (at < used && buf[at] != '\n')
        at++;
      w = vocab[(x >> 32) % (sizeof vocab / sizeof vocab[0])];
      memmove(buf + at + strlen(w), buf + at, used - at + 1);
      memcpy(buf + at, w, strlen(w));
      used += strlen(w);
    }
    if (topo_parse_string(path, buf, &t, &e) == TOPO_OK) {
      struct sim_world *w = sim_world_new(7);
      char msg[1200];
      if (topo_build(t, w, &e) != TOPO_OK) {
        topo_format_error(&e, msg, sizeof msg);
        fail_msg("accepted but not built: %s\n<<%s>>", msg, buf);
      }
      built_ok++;
      sim_world_free(w);
      topo_free(t);
    }
  }
  print_message("%d of 400 mutants accepted and built\n", built_ok);
  assert_true(built_ok > 40);
  free(buf);
  free(orig);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_examples_build_as_declared),
    cmocka_unit_test(test_routes_two_hosts),
    cmocka_unit_test(test_routes_dumbbell),
    cmocka_unit_test(test_routes_star_and_default),
    cmocka_unit_test(test_routes_campus),
    cmocka_unit_test(test_unreachable_hosts_reported),
    cmocka_unit_test(test_tun_prefix_builds),
    cmocka_unit_test(test_link_events_scheduled),
    cmocka_unit_test(test_build_needs_empty_world),
    cmocka_unit_test(test_accepted_topologies_build),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
