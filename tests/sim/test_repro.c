/*
 * test_repro.c - reproducibility: a run is a pure function of its inputs
 * and seed. Two worlds built alike with the same seed produce identical
 * traces (every packet event, time, node, link and header); a different
 * seed produces a different trace; interleaving two runs in one process
 * changes nothing (no hidden shared state).
 */
#include <stdio.h>
#include <stdlib.h>

#include "experiments/exp.h"
#include "tests/support/support.h"

/* Four clients behind router r1, a bottleneck to r2, two servers behind
 * it; every fault the links offer is switched on somewhere, and one server
 * reboots mid-run. Every client pings both servers. */
struct rig {
  struct sim_world *w;
  struct exp_icmp *icmp;
  struct tsup_digest d;
};

static void rig_build(struct rig *r, uint64_t seed)
{
  r->w = sim_world_new(seed);
  assert_non_null(r->w);
  r->icmp = exp_icmp_install(r->w);
  assert_non_null(r->icmp);
  struct sim_world *w = r->w;
  uint32_t r1, r2, c[4], s[2], l;
  assert_int_equal(sim_node_add(w, SIM_NODE_ROUTER, "r1", &r1), SIM_OK);
  assert_int_equal(sim_node_add(w, SIM_NODE_ROUTER, "r2", &r2), SIM_OK);
  struct sim_link_params edge, core;
  sim_link_params_default(&edge);
  edge.loss = 0.02;
  edge.dup = 0.01;
  sim_link_params_default(&core);
  core.rate_bps = 10000000;
  core.queue_pkts = 8;
  core.burst_p_gb = 0.01;
  core.burst_p_bg = 0.3;
  core.burst_loss_bad = 0.8;
  core.hold = 0.05;
  core.hold_time = (struct sim_dist){SIM_DIST_EXP, 20 * SIM_MS, 200 * SIM_MS};
  for (int i = 0; i < 4; i++) {
    char name[16];
    snprintf(name, sizeof name, "c%d", i + 1);
    assert_int_equal(sim_node_add(w, SIM_NODE_HOST, name, &c[i]), SIM_OK);
    assert_int_equal(sim_node_add_addr(w, c[i], 0x0a000001u + (uint32_t)i), SIM_OK);
    assert_int_equal(sim_link_add(w, c[i], r1, &edge, NULL, &l), SIM_OK);
  }
  for (int i = 0; i < 2; i++) {
    char name[16];
    snprintf(name, sizeof name, "s%d", i + 1);
    assert_int_equal(sim_node_add(w, SIM_NODE_HOST, name, &s[i]), SIM_OK);
    assert_int_equal(sim_node_add_addr(w, s[i], 0x0a010001u + (uint32_t)i), SIM_OK);
    assert_int_equal(sim_link_add(w, s[i], r2, &edge, NULL, &l), SIM_OK);
  }
  assert_int_equal(sim_link_add(w, r1, r2, &core, NULL, &l), SIM_OK);
  assert_int_equal(sim_link_schedule_updown(w, l, 300 * SIM_MS, false), SIM_OK);
  assert_int_equal(sim_link_schedule_updown(w, l, 350 * SIM_MS, true), SIM_OK);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 2; j++) {
      struct exp_ping_cfg pc = {
          .src_node = c[i], .dst_addr = sim_node_addr(w, s[j]),
          .start_ns = (i * 2 + j) * SIM_MS, .interval_ns = 2 * SIM_MS,
          .size_bytes = 1200};
      assert_int_equal(exp_ping_start(r->icmp, &pc, NULL), SIM_OK);
    }
  tsup_digest_attach(w, &r->d);
}

static void reboot_s1(struct sim_world *w, void *arg)
{
  (void)arg;
  uint32_t id;
  assert_int_equal(sim_node_find(w, "s1", &id), SIM_OK);
  assert_int_equal(sim_node_reboot(w, id, 40 * SIM_MS), SIM_OK);
}

static void rig_run(struct rig *r, int64_t until)
{
  assert_int_equal(sim_run(r->w, until), SIM_OK);
}

static void rig_free(struct rig *r)
{
  sim_world_free(r->w);
  exp_icmp_free(r->icmp);
}

static void build_with_reboot(struct rig *r, uint64_t seed)
{
  rig_build(r, seed);
  assert_int_equal(sim_call_at(r->w, 600 * SIM_MS, reboot_s1, NULL), SIM_OK);
}

static void test_same_seed_same_trace(void **state)
{
  (void)state;
  struct rig a, b;
  build_with_reboot(&a, 42);
  rig_run(&a, SIM_S);
  build_with_reboot(&b, 42);
  rig_run(&b, SIM_S);
  assert_true(a.d.events > 10000);
  assert_int_equal(a.d.events, b.d.events);
  assert_int_equal(a.d.h, b.d.h);
  assert_int_equal(sim_events_processed(a.w), sim_events_processed(b.w));
  /* every fault actually happened, so the digest covers them */
  assert_true(sim_drop_count(a.w, SIM_DROP_LOSS) > 0);
  assert_true(sim_drop_count(a.w, SIM_DROP_LINK_DOWN) > 0);
  assert_true(sim_drop_count(a.w, SIM_DROP_HOST_DOWN) > 0);
  rig_free(&a);
  rig_free(&b);
}

static void test_other_seed_other_trace(void **state)
{
  (void)state;
  struct rig a, b;
  build_with_reboot(&a, 42);
  rig_run(&a, SIM_S);
  build_with_reboot(&b, 43);
  rig_run(&b, SIM_S);
  assert_int_not_equal(a.d.h, b.d.h);
  rig_free(&a);
  rig_free(&b);
}

/* Two runs advanced in alternating slices in one process give the same
 * digests as runs made one after the other, and slicing does not matter. */
static void test_interleaved_runs(void **state)
{
  (void)state;
  struct rig a, b, ref;
  build_with_reboot(&ref, 7);
  rig_run(&ref, SIM_S);
  build_with_reboot(&a, 7);
  build_with_reboot(&b, 7);
  for (int64_t t = 37 * SIM_MS; t < SIM_S; t += 37 * SIM_MS) {
    rig_run(&a, t);
    rig_run(&b, t + 11 * SIM_MS < SIM_S ? t + 11 * SIM_MS : SIM_S);
  }
  rig_run(&a, SIM_S);
  rig_run(&b, SIM_S);
  assert_int_equal(a.d.h, ref.d.h);
  assert_int_equal(b.d.h, ref.d.h);
  rig_free(&a);
  rig_free(&b);
  rig_free(&ref);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_seed_same_trace),
      cmocka_unit_test(test_other_seed_other_trace),
      cmocka_unit_test(test_interleaved_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
