/*
 * tcp_scn_f12.c - fact 12 of DESIGN.md section 6: different ISNs per
 * incarnation (seed 003 "为什么每次建立TCP连接时，初始化的序列号都要求不
 * 一样"), so that old segments of the same 4-tuple are not accepted.
 * Generators: RFC 793 clock (+1 every 4 us), RFC 6528 (clock + keyed hash
 * of the 4-tuple), random, 4.4BSD (+64000 per connection and per 0.5 s),
 * constant (the same every time: the danger made visible).
 */
#include "tests/support/tcp_scenarios.h"

struct two {
  uint32_t x1, y1, x2, y2;   /* client and server ISNs of each incarnation */
  int64_t t1, t2;            /* connect times */
  struct tsc_conn c2;
};

/* Two incarnations of a:1025 -> b:80; the client closes first and the
 * second starts when TIME_WAIT is over, at t1 + 61 s. */
static void two_incarnations(struct th *h, enum tcp_isn_kind k,
                             struct two *r)
{
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  h->set.isn = k;
  h->set.isn_constant = 777;
  th_start(h);
  r->t1 = 250 * SIM_MS;
  th_run(h, r->t1);
  struct tsc_conn c;
  tsc_establish(h, &c, 1025, 80);
  r->x1 = c.x;
  r->y1 = c.y;
  c.srv->bh.close_on_peer_close = true;
  th_close(c.cli);
  th_close(c.lis);
  r->t2 = r->t1 + 61 * SIM_S;
  th_run(h, r->t2);
  tsc_establish(h, &r->c2, 1025, 80);
  r->x2 = r->c2.x;
  r->y2 = r->c2.y;
}

static void test_isn_constant_repeats(void **state)
{
  struct th *h = *state;
  struct two r;
  two_incarnations(h, TCP_ISN_CONSTANT, &r);
  th_check_int(h, r.x1, 777);
  th_check_int(h, r.x2, 777);
  th_check_int(h, r.y1, 777);
  th_check_int(h, r.y2, 777);
}

/* RFC 793 3.3: bits 0-31 of a clock incremented every 4 microseconds. */
static void test_isn_clock_4us(void **state)
{
  struct th *h = *state;
  struct two r;
  two_incarnations(h, TCP_ISN_CLOCK, &r);
  const uint32_t ticks = (uint32_t)((r.t2 - r.t1) / (4 * SIM_US));
  th_check_int(h, (uint32_t)(r.x2 - r.x1), ticks);
  th_check_int(h, (uint32_t)(r.y2 - r.y1), ticks);
}

/* RFC 6528 3: ISN = M + F(4-tuple, secret), M the 4 us clock: the same
 * tuple moves with the clock; another tuple at the same time differs. */
static void test_isn_rfc6528(void **state)
{
  struct th *h = *state;
  struct two r;
  two_incarnations(h, TCP_ISN_RFC6528, &r);
  const uint32_t ticks = (uint32_t)((r.t2 - r.t1) / (4 * SIM_US));
  th_check(h, r.x1 != r.x2 && r.y1 != r.y2, "new ISNs");
  th_check_int(h, (uint32_t)(r.x2 - r.x1), ticks);
  th_check_int(h, (uint32_t)(r.y2 - r.y1), ticks);
  /* another port at the same instant: another hash */
  size_t n0 = th_nsegs(h);
  th_connect(h, h->a, 1026, TH_ADDR_B, 80);
  th_check_int(h, th_nsegs(h), n0 + 1);
  uint32_t x3 = th_seg_at(h, n0)->h.seq;
  int64_t dt = th_seg_at(h, n0)->t_ns - r.t2;
  th_check(h, x3 != (uint32_t)(r.x2 + (uint32_t)(dt / (4 * SIM_US))),
           "the 4-tuple is in the hash");
}

static void test_isn_random_differs(void **state)
{
  struct th *h = *state;
  struct two r;
  two_incarnations(h, TCP_ISN_RANDOM, &r);
  th_check(h, r.x1 != r.x2 && r.y1 != r.y2, "new ISNs");
}

/* 4.4BSD: tcp_iss += 64000 every 500 ms (tcp_slowtimo) and per
 * connection. Between 0.25 s and 61.25 s: 122 ticks, and host a made
 * one connection in between. */
static void test_isn_bsd_increments(void **state)
{
  struct th *h = *state;
  struct two r;
  two_incarnations(h, TCP_ISN_BSD, &r);
  th_check_int(h, (uint32_t)(r.x2 - r.x1), 64000u * (1 + 122));
  th_check_int(h, (uint32_t)(r.y2 - r.y1), 64000u * (1 + 122));
}

/* An old data segment of incarnation 1 (b's seq y1+1) reaches a in
 * incarnation 2: with a new ISN it is outside the window and answered by
 * an ACK (RFC 9293 3.10.7.4 first check); with the constant ISN it is
 * taken as new data. */
static void old_segment(struct th *h, enum tcp_isn_kind k, bool accepted)
{
  struct two r;
  two_incarnations(h, k, &r);
  struct tcp_sock_info ci = th_info(r.c2.cli);
  size_t n0 = th_nsegs(h);
  th_check_int(h, th_inject_seg(h, h->b, TH_ADDR_B, 80, TH_ADDR_A, 1025, "PA",
                                r.y1 + 1, r.x1 + 1, 100),
               SIM_OK);
  th_run_for(h, 1 * SIM_S);
  if (accepted) {
    th_check_int(h, r.c2.cli->rcvd, 100);
  } else {
    th_check_int(h, r.c2.cli->rcvd, 0);
    th_expect_seg(h, n0 + 1, h->a, "A", ci.snd_nxt, ci.rcv_nxt, 0);
  }
}

static void test_old_segment_rejected_rfc6528(void **state)
{
  old_segment(*state, TCP_ISN_RFC6528, false);
}

static void test_old_segment_rejected_clock(void **state)
{
  old_segment(*state, TCP_ISN_CLOCK, false);
}

static void test_old_segment_accepted_with_constant_isn(void **state)
{
  old_segment(*state, TCP_ISN_CONSTANT, true);
}

/* Across a reboot: the clock runs on (isn_clock_restarts off) or starts
 * from zero at boot (on). */
static void reboot_clock(struct th *h, bool restarts)
{
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  h->set.isn = TCP_ISN_CLOCK;
  h->set.isn_clock_restarts = restarts;
  th_start(h);
  th_listen(h, h->b, 80, 8);
  th_run(h, 1 * SIM_S);
  th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 2 * SIM_S);
  uint32_t x1 = th_seg_at(h, 0)->h.seq;
  th_check_int(h, sim_node_reboot(h->w, h->a, 3 * SIM_S), SIM_OK);
  const int64_t boot = 5 * SIM_S;
  th_run(h, 10 * SIM_S);
  size_t n0 = th_nsegs(h);
  th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run_for(h, 1 * SIM_S);
  uint32_t x2 = th_seg_at(h, n0)->h.seq;
  if (restarts)
    th_check_int(h, x2, (uint32_t)((10 * SIM_S - boot) / (4 * SIM_US)));
  else
    th_check_int(h, (uint32_t)(x2 - x1), (uint32_t)(9 * SIM_S / (4 * SIM_US)));
}

static void test_isn_clock_runs_through_crash(void **state) { reboot_clock(*state, false); }
static void test_isn_clock_restarts_at_boot(void **state) { reboot_clock(*state, true); }

int tsc_fact12(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_isn_constant_repeats, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_isn_clock_4us, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_isn_rfc6528, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_isn_random_differs, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_isn_bsd_increments, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_old_segment_rejected_rfc6528, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_old_segment_rejected_clock, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_old_segment_accepted_with_constant_isn, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_isn_clock_runs_through_crash, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_isn_clock_restarts_at_boot, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact12_isn", tests, NULL, NULL);
}
