/*
 * test_node.c - nodes: names and addresses, the protocol module registry
 * (attach to every host, rx dispatch, NO_PROTO), power off, boot and reboot
 * with boot epochs and the order of hooks, and what happens to packets
 * sent to or from a node that is down.
 *
 * The node axioms (N1-N6) are in sim/sim_int.h; the IP layer's rules are
 * at the top of sim/node.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim_int.h"

/* ====================================================================== */
/* A module that logs every call                                           */
/* ====================================================================== */

#define PROTO 253

struct log {
  char line[64][48];
  int n;
  int attached[16];   /* attach calls per node */
  int detached;
  uint32_t rx_node[16];
  uint8_t rx_ttl[16];
  void *rx_state[16];
  int nrx;
};

static struct log *g_log; /* for detach, which runs inside sim_world_free */

static void logf_(struct log *l, const char *fmt, uint32_t a, uint32_t b)
{
  if (l->n < 64)
    snprintf(l->line[l->n++], sizeof l->line[0], fmt, a, b);
}

static void *m_attach(struct sim_world *w, uint32_t node, void *ctx)
{
  struct log *l = ctx;
  l->attached[node]++;
  return (char *)ctx + node; /* a distinct fake state per host */
}

static void m_detach(struct sim_world *w, uint32_t node, void *hs, void *ctx)
{
  struct log *l = ctx;
  assert_ptr_equal(hs, (char *)ctx + node);
  l->detached++;
}

static void m_rx(struct sim_world *w, uint32_t node, void *hs,
                 struct sim_packet *p)
{
  struct log *l = g_log;
  if (l->nrx < 16) {
    l->rx_node[l->nrx] = node;
    l->rx_ttl[l->nrx] = p->ttl;
    l->rx_state[l->nrx++] = hs;
  }
  logf_(l, "rx %u uid %u", node, (uint32_t)p->uid);
  sim_packet_free(w, p);
}

static void m_off(struct sim_world *w, uint32_t node, void *hs)
{
  logf_(g_log, "module off %u%.0u", node, 0);
}

static void m_boot(struct sim_world *w, uint32_t node, void *hs,
                   uint32_t epoch)
{
  logf_(g_log, "module boot %u epoch %u", node, epoch);
}

static const struct sim_proto_ops mod = {
    .ipproto = PROTO, .name = "log", .attach = m_attach, .detach = m_detach,
    .rx = m_rx, .on_power_off = m_off, .on_boot = m_boot};

static void t_host(void *ctx, struct sim_world *w, uint32_t node,
                   enum sim_host_event ev, uint32_t epoch)
{
  logf_(ctx, ev == SIM_HOST_BOOT ? "trace boot %u epoch %u"
                                 : "trace off %u epoch %u",
        node, epoch);
}

static void t_recv(void *ctx, struct sim_world *w, uint32_t node,
                   const struct sim_packet *p)
{
  logf_(ctx, "trace recv %u uid %u", node, (uint32_t)p->uid);
}

static void t_drop(void *ctx, struct sim_world *w, uint32_t node,
                   uint32_t link, enum sim_drop_reason why,
                   const struct sim_packet *p)
{
  logf_(ctx, "drop %u %u", node, (uint32_t)why);
}

static const struct sim_trace_ops tops = {
    .pkt_recv = t_recv, .pkt_drop = t_drop, .host = t_host};

/* h0 (10.0.0.1) -- r (router) -- h1 (10.0.0.2), 0 delay, infinite rate. */
struct fx {
  struct sim_world *w;
  struct log log;
  uint32_t h0, r, h1;
  uint32_t l0, l1;
};

static int setup(void **state)
{
  struct fx *f = calloc(1, sizeof *f);
  g_log = &f->log;
  f->w = sim_world_new(1);
  sim_node_add(f->w, SIM_NODE_HOST, "h0", &f->h0);
  sim_node_add(f->w, SIM_NODE_ROUTER, "r", &f->r);
  sim_node_add(f->w, SIM_NODE_HOST, "h1", &f->h1);
  sim_node_add_addr(f->w, f->h0, 0x0a000001);
  sim_node_add_addr(f->w, f->h1, 0x0a000002);
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  lp.rate_bps = 0;
  lp.delay_ns = SIM_MS;
  sim_link_add(f->w, f->h0, f->r, &lp, NULL, &f->l0);
  sim_link_add(f->w, f->r, f->h1, &lp, NULL, &f->l1);
  assert_int_equal(sim_routes_compute(f->w), SIM_OK);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fx *f = *state;
  if (f->w) {
    assert_true(sim__world_check(f->w));
    sim_world_free(f->w);
  }
  free(f);
  return 0;
}

static int send_from(struct fx *f, uint32_t node, uint32_t dst, uint8_t proto)
{
  struct sim_packet *p = sim_packet_alloc(f->w);
  p->src = sim_node_addr(f->w, node);
  p->dst = dst;
  p->proto = proto;
  p->payload_len = 100;
  return sim_ip_output(f->w, node, p);
}

static bool log_has(const struct log *l, int i, const char *s)
{
  return i < l->n && strcmp(l->line[i], s) == 0;
}

/* ====================================================================== */
/* Names and addresses                                                     */
/* ====================================================================== */

static void test_names_and_addresses(void **state)
{
  struct fx *f = *state;
  struct sim_world *w = f->w;
  uint32_t id;
  assert_int_equal(sim_node_count(w), 3);
  assert_string_equal(sim_node_name(w, f->r), "r");
  assert_int_equal(sim_node_kind(w, f->r), SIM_NODE_ROUTER);
  assert_int_equal(sim_node_find(w, "h1", &id), SIM_OK);
  assert_int_equal(id, f->h1);
  assert_int_equal(sim_node_find(w, "nope", &id), SIM_ENOENT);
  assert_int_equal(sim_node_add(w, SIM_NODE_HOST, "h1", &id), SIM_EEXIST);
  assert_int_equal(sim_node_count(w), 3);
  /* Unnamed nodes get a name of their own. */
  assert_int_equal(sim_node_add(w, SIM_NODE_HOST, NULL, &id), SIM_OK);
  assert_int_equal(id, 3);
  assert_string_equal(sim_node_name(w, id), "node3");
  assert_int_equal(sim_node_addr(w, id), 0);
  /* Addresses: unique, 0 refused, the first is the main one. */
  assert_int_equal(sim_node_add_addr(w, id, 0x0a000002), SIM_EEXIST);
  assert_int_equal(sim_node_add_addr(w, id, 0), SIM_EINVAL);
  assert_int_equal(sim_node_add_addr(w, 99, 5), SIM_EINVAL);
  assert_int_equal(sim_node_add_addr(w, id, 0x0b000001), SIM_OK);
  assert_int_equal(sim_node_add_addr(w, id, 0x0b000002), SIM_OK);
  assert_int_equal(sim_node_addr(w, id), 0x0b000001);
  assert_int_equal(sim_addr_owner(w, 0x0b000002, &id), SIM_OK);
  assert_int_equal(id, 3);
  assert_int_equal(sim_addr_owner(w, 0x0a000001, &id), SIM_OK);
  assert_int_equal(id, f->h0);
  assert_int_equal(sim_addr_owner(w, 0x0c000001, &id), SIM_ENOENT);
}

static void test_many_names(void **state)
{
  /* Enough nodes to grow both maps several times. */
  struct sim_world *w = sim_world_new(1);
  char name[32];
  for (uint32_t i = 0; i < 5000; i++) {
    snprintf(name, sizeof name, "host-%u", i);
    uint32_t id;
    assert_int_equal(sim_node_add(w, SIM_NODE_HOST, name, &id), SIM_OK);
    assert_int_equal(id, i);
    assert_int_equal(sim_node_add_addr(w, id, 0x0a000000 + i * 7 + 1), SIM_OK);
  }
  for (uint32_t i = 0; i < 5000; i++) {
    snprintf(name, sizeof name, "host-%u", i);
    uint32_t id;
    assert_int_equal(sim_node_find(w, name, &id), SIM_OK);
    assert_int_equal(id, i);
    assert_int_equal(sim_addr_owner(w, 0x0a000000 + i * 7 + 1, &id), SIM_OK);
    assert_int_equal(id, i);
    assert_int_equal(sim_addr_owner(w, 0x0a000000 + i * 7 + 2, &id),
                     SIM_ENOENT);
  }
  assert_true(sim__world_check(w));
  sim_world_free(w);
}

/* ====================================================================== */
/* Protocol registry                                                       */
/* ====================================================================== */

static void test_registry_attach(void **state)
{
  struct fx *f = *state;
  struct sim_world *w = f->w;
  assert_int_equal(sim_proto_register(w, &mod, &f->log), SIM_OK);
  /* Attached to each host, not to the router. */
  assert_int_equal(f->log.attached[f->h0], 1);
  assert_int_equal(f->log.attached[f->h1], 1);
  assert_int_equal(f->log.attached[f->r], 0);
  assert_ptr_equal(sim_proto_host_state(w, f->h1, PROTO),
                   (char *)&f->log + f->h1);
  assert_null(sim_proto_host_state(w, f->r, PROTO));
  assert_null(sim_proto_host_state(w, f->h1, 17));
  /* The same number twice is refused; bad ops too. */
  static const struct sim_proto_ops dup = {.ipproto = PROTO, .rx = m_rx};
  assert_int_equal(sim_proto_register(w, &dup, NULL), SIM_EEXIST);
  static const struct sim_proto_ops norx = {.ipproto = 17};
  assert_int_equal(sim_proto_register(w, &norx, NULL), SIM_EINVAL);
  assert_int_equal(sim_proto_register(w, NULL, NULL), SIM_EINVAL);
  /* Hosts added later are attached too; routers still not. */
  uint32_t h2, r2;
  assert_int_equal(sim_node_add(w, SIM_NODE_HOST, "h2", &h2), SIM_OK);
  assert_int_equal(sim_node_add(w, SIM_NODE_ROUTER, "r2", &r2), SIM_OK);
  assert_int_equal(f->log.attached[h2], 1);
  assert_int_equal(f->log.attached[r2], 0);
  assert_int_equal(f->log.attached[f->h0], 1);
  /* Lazily built state can be stored. */
  int lazy;
  assert_int_equal(sim_proto_set_host_state(w, h2, PROTO, &lazy), SIM_OK);
  assert_ptr_equal(sim_proto_host_state(w, h2, PROTO), &lazy);
  assert_int_equal(sim_proto_set_host_state(w, h2, 17, &lazy), SIM_ENOPROTO);
  assert_int_equal(sim_proto_set_host_state(w, h2, PROTO,
                                            (char *)&f->log + h2), SIM_OK);
  /* Detach runs for every host when the world goes. */
  sim_world_free(w);
  f->w = NULL;
  assert_int_equal(f->log.detached, 3);
}

static void test_rx_and_no_proto(void **state)
{
  struct fx *f = *state;
  struct sim_world *w = f->w;
  assert_int_equal(sim_proto_register(w, &mod, &f->log), SIM_OK);
  assert_int_equal(sim_trace_subscribe(w, &tops, &f->log), SIM_OK);
  assert_int_equal(send_from(f, f->h0, 0x0a000002, PROTO), SIM_OK);
  assert_int_equal(send_from(f, f->h0, 0x0a000002, 99), SIM_OK);
  assert_int_equal(sim_run(w, SIM_S), SIM_OK);
  assert_int_equal(f->log.nrx, 1);
  assert_int_equal(f->log.rx_node[0], f->h1);
  assert_ptr_equal(f->log.rx_state[0], (char *)&f->log + f->h1);
  assert_int_equal(f->log.rx_ttl[0], 63); /* one router on the way */
  /* The observer hears of the packet before the module gets it. */
  assert_true(log_has(&f->log, 0, "trace recv 2 uid 1"));
  assert_true(log_has(&f->log, 1, "rx 2 uid 1"));
  char want[48];
  snprintf(want, sizeof want, "drop %u %u", f->h1, (unsigned)SIM_DROP_NO_PROTO);
  assert_true(log_has(&f->log, 2, want));
  assert_int_equal(sim_drop_count(w, SIM_DROP_NO_PROTO), 1);
  /* A packet for the router itself: routers carry no module. */
  assert_int_equal(sim_node_add_addr(w, f->r, 0x0a0000fe), SIM_OK);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  assert_int_equal(send_from(f, f->h0, 0x0a0000fe, PROTO), SIM_OK);
  assert_int_equal(sim_run(w, 2 * SIM_S), SIM_OK);
  assert_int_equal(sim_drop_count(w, SIM_DROP_NO_PROTO), 2);
  assert_int_equal(f->log.nrx, 1);
}

static void test_loopback(void **state)
{
  struct fx *f = *state;
  struct sim_world *w = f->w;
  assert_int_equal(sim_proto_register(w, &mod, &f->log), SIM_OK);
  assert_int_equal(sim_run(w, 5 * SIM_MS), SIM_OK);
  /* To its own address: delivered at once but not from inside the call. */
  assert_int_equal(send_from(f, f->h0, 0x0a000001, PROTO), SIM_OK);
  assert_int_equal(f->log.nrx, 0);
  assert_int_equal(sim_run(w, 5 * SIM_MS), SIM_OK);
  assert_int_equal(f->log.nrx, 1);
  assert_int_equal(f->log.rx_node[0], f->h0);
  assert_int_equal(f->log.rx_ttl[0], 64);
}

/* ====================================================================== */
/* Power                                                                   */
/* ====================================================================== */

static void test_power_cycle_and_epochs(void **state)
{
  struct fx *f = *state;
  struct sim_world *w = f->w;
  assert_int_equal(sim_proto_register(w, &mod, &f->log), SIM_OK);
  assert_int_equal(sim_trace_subscribe(w, &tops, &f->log), SIM_OK);
  assert_true(sim_node_is_up(w, f->h1));
  assert_int_equal(sim_node_epoch(w, f->h1), 0);

  assert_int_equal(sim_node_reboot(w, f->h1, 10 * SIM_MS), SIM_OK);
  assert_false(sim_node_is_up(w, f->h1));
  assert_int_equal(sim_node_epoch(w, f->h1), 0);
  assert_int_equal(sim_world_boots(w), 0);
  /* Already down: a no-op, no hooks. */
  assert_int_equal(sim_node_power_off(w, f->h1), SIM_OK);
  assert_int_equal(f->log.n, 2);
  assert_true(log_has(&f->log, 0, "trace off 2 epoch 0"));
  assert_true(log_has(&f->log, 1, "module off 2"));

  assert_int_equal(sim_run(w, 9 * SIM_MS), SIM_OK);
  assert_false(sim_node_is_up(w, f->h1));
  assert_int_equal(sim_run(w, 10 * SIM_MS), SIM_OK);
  assert_true(sim_node_is_up(w, f->h1));
  assert_int_equal(sim_node_epoch(w, f->h1), 1);
  assert_int_equal(sim_world_boots(w), 1);
  assert_true(log_has(&f->log, 2, "trace boot 2 epoch 1"));
  assert_true(log_has(&f->log, 3, "module boot 2 epoch 1"));
  /* Booting a node that is up changes nothing. */
  assert_int_equal(sim_node_boot(w, f->h1), SIM_OK);
  assert_int_equal(sim_node_epoch(w, f->h1), 1);
  assert_int_equal(sim_world_boots(w), 1);
  assert_int_equal(f->log.n, 4);

  /* Off and on by hand: epoch 2. Routers have epochs but no modules. */
  assert_int_equal(sim_node_power_off(w, f->h1), SIM_OK);
  assert_int_equal(sim_node_boot(w, f->h1), SIM_OK);
  assert_int_equal(sim_node_epoch(w, f->h1), 2);
  assert_int_equal(sim_node_reboot(w, f->r, 0), SIM_OK);
  assert_int_equal(sim_run(w, 10 * SIM_MS), SIM_OK);
  assert_int_equal(sim_node_epoch(w, f->r), 1);
  assert_int_equal(sim_world_boots(w), 3);
  assert_true(log_has(&f->log, 8, "trace off 1 epoch 0"));
  assert_true(log_has(&f->log, 9, "trace boot 1 epoch 1"));
  assert_int_equal(f->log.n, 10);
  assert_int_equal(sim_node_reboot(w, f->h1, -1), SIM_EPAST);
  assert_int_equal(sim_node_power_off(w, 77), SIM_EINVAL);
}

static void test_boot_cancels_pending_reboot(void **state)
{
  struct fx *f = *state;
  struct sim_world *w = f->w;
  assert_int_equal(sim_node_reboot(w, f->h1, 10 * SIM_MS), SIM_OK);
  assert_int_equal(sim_run(w, 5 * SIM_MS), SIM_OK);
  assert_int_equal(sim_node_boot(w, f->h1), SIM_OK);
  assert_int_equal(sim_run(w, 7 * SIM_MS), SIM_OK);
  assert_int_equal(sim_node_power_off(w, f->h1), SIM_OK);
  /* The boot that was due at 10 ms must not bring it back. */
  assert_int_equal(sim_run(w, 20 * SIM_MS), SIM_OK);
  assert_false(sim_node_is_up(w, f->h1));
  assert_int_equal(sim_node_epoch(w, f->h1), 1);
}

static void test_down_host_drops(void **state)
{
  struct fx *f = *state;
  struct sim_world *w = f->w;
  assert_int_equal(sim_proto_register(w, &mod, &f->log), SIM_OK);
  assert_int_equal(sim_trace_subscribe(w, &tops, &f->log), SIM_OK);
  /* In flight towards h1 when it powers off: dropped on arrival. */
  assert_int_equal(send_from(f, f->h0, 0x0a000002, PROTO), SIM_OK);
  assert_int_equal(sim_run(w, SIM_MS), SIM_OK);
  assert_int_equal(sim_node_power_off(w, f->h1), SIM_OK);
  assert_int_equal(sim_run(w, SIM_S), SIM_OK);
  assert_int_equal(f->log.nrx, 0);
  assert_int_equal(sim_drop_count(w, SIM_DROP_HOST_DOWN), 1);
  /* Its own output is dropped at once and refused. */
  assert_int_equal(send_from(f, f->h1, 0x0a000001, PROTO), SIM_EDOWN);
  assert_int_equal(sim_drop_count(w, SIM_DROP_HOST_DOWN), 2);
  /* A router that is down forwards nothing. */
  assert_int_equal(sim_node_boot(w, f->h1), SIM_OK);
  assert_int_equal(sim_node_power_off(w, f->r), SIM_OK);
  assert_int_equal(send_from(f, f->h0, 0x0a000002, PROTO), SIM_OK);
  assert_int_equal(sim_run(w, 2 * SIM_S), SIM_OK);
  assert_int_equal(sim_drop_count(w, SIM_DROP_HOST_DOWN), 3);
  assert_int_equal(f->log.nrx, 0);
  /* Back up: traffic flows again. */
  assert_int_equal(sim_node_boot(w, f->r), SIM_OK);
  assert_int_equal(send_from(f, f->h0, 0x0a000002, PROTO), SIM_OK);
  assert_int_equal(sim_run(w, 3 * SIM_S), SIM_OK);
  assert_int_equal(f->log.nrx, 1);
}

static void test_power_off_flushes_output(void **state)
{
  struct fx *f = *state;
  struct sim_world *w = f->w;
  /* A slow link so that packets wait in h0's interface queue. */
  uint32_t h, l;
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  lp.rate_bps = 8000; /* 1000 bytes: 1 s */
  assert_int_equal(sim_node_add(w, SIM_NODE_HOST, "slow", &h), SIM_OK);
  assert_int_equal(sim_node_add_addr(w, h, 0x0a000009), SIM_OK);
  assert_int_equal(sim_link_add(w, h, f->r, &lp, NULL, &l), SIM_OK);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  for (int i = 0; i < 3; i++)
    assert_int_equal(send_from(f, h, 0x0a000001, PROTO), SIM_OK);
  assert_int_equal(sim_node_power_off(w, h), SIM_OK);
  assert_int_equal(sim_drop_count(w, SIM_DROP_HOST_DOWN), 3);
  assert_true(sim__world_check(w));
  assert_int_equal(sim_run(w, 10 * SIM_S), SIM_OK);
  struct sim_link_stats st;
  sim_link_stats(w, l, 0, &st);
  assert_int_equal(st.delivered, 0);
  assert_int_equal(sim__packets_live(w), 0);
}

int main(void)
{
  const struct CMUnitTest names[] = {
      cmocka_unit_test_setup_teardown(test_names_and_addresses, setup,
                                      teardown),
      cmocka_unit_test(test_many_names),
  };
  const struct CMUnitTest protos[] = {
      cmocka_unit_test_setup_teardown(test_registry_attach, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rx_and_no_proto, setup, teardown),
      cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
  };
  const struct CMUnitTest power[] = {
      cmocka_unit_test_setup_teardown(test_power_cycle_and_epochs, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_boot_cancels_pending_reboot, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_down_host_drops, setup, teardown),
      cmocka_unit_test_setup_teardown(test_power_off_flushes_output, setup,
                                      teardown),
  };
  int fails = 0;
  fails += cmocka_run_group_tests_name("names", names, NULL, NULL);
  fails += cmocka_run_group_tests_name("protocols", protos, NULL, NULL);
  fails += cmocka_run_group_tests_name("power", power, NULL, NULL);
  return fails ? 1 : 0;
}
