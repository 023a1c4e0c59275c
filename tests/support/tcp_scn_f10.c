/*
 * tcp_scn_f10.c - fact 10 of DESIGN.md section 6: SYN retransmission with
 * growing intervals. BSD (Stevens vol. 1 18.2, "Timeout of Connection
 * Establishment"; seed 001 "6 24 48 76"): SYN at 0, 6 s later, 24 s after
 * that, and the connection-establishment timer gives up at 75 s. Linux: 1 s initial RTO doubling
 * (tcp_syn_retries 6: 1, 2, 4, 8, 16, 32 s, ETIMEDOUT at 127 s), and since
 * 6.5 tcp_syn_linear_timeouts 4 (1, 1, 1, 1, 1, 2, 4 ... s; ETIMEDOUT at
 * 131 s) which the linux profile follows.
 *
 * The peer is a black hole: the link is down (the SYNs are still in the
 * ladder, dropped at a) or b is powered off (dropped at b).
 */
#include "tests/support/tcp_scenarios.h"

/* SYN times from the settings; returns the expected ETIMEDOUT time. */
static int64_t expected_syns(const struct tcp_settings *s, int64_t *t,
                             size_t *n)
{
  int64_t now = 0;
  size_t k = 0;
  t[k++] = 0;
  for (unsigned r = 0; r <= s->syn_retries; r++) {
    int64_t next = now + tsc_syn_interval(s, r);
    if (s->conn_est_timeout_ns > 0 && next >= s->conn_est_timeout_ns) {
      *n = k;
      return s->conn_est_timeout_ns;
    }
    if (r == s->syn_retries) {
      *n = k;
      return next;
    }
    now = next;
    t[k++] = now;
  }
  *n = k;
  return now;
}

static void blackhole(struct th *h, bool power_off, int64_t t_expect_end)
{
  th_start(h);
  if (power_off)
    th_check_int(h, sim_node_power_off(h->w, h->b), SIM_OK);
  else
    th_check_int(h, sim_link_set_up(h->w, h->link_a, false), SIM_OK);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 3600 * SIM_S);
  int64_t t[64];
  size_t n;
  int64_t end = expected_syns(&h->set, t, &n);
  if (t_expect_end)
    th_check_int(h, end, t_expect_end);
  th_expect_nsegs(h, n);
  uint32_t isn = th_seg_at(h, 0)->h.seq;
  for (size_t i = 0; i < n; i++) {
    th_expect_seg(h, i, h->a, "S", isn, TH_ANY, 0);
    th_check(h, th_seg_at(h, i)->t_ns == t[i],
             "SYN #%zu at %" PRId64 " ns, wanted %" PRId64, i,
             th_seg_at(h, i)->t_ns, t[i]);
  }
  th_check_int(h, cli->n_closed, 1);
  th_check_int(h, cli->err, TCP_ETIMEDOUT);
  th_check_int(h, cli->t_closed, end);
  th_check(h, th_find_trans(h, h->a, cli->conn, TCP_S_SYN_SENT, TCP_S_CLOSED),
           "SYN_SENT -> CLOSED");
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  th_check_int(h, st.retransmits, n - 1);
}

/* 4.4BSD: 6 s, then 24 s; the 75 s timer ends it before the third. */
static void test_syn_retransmit_bsd(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  th_check_int(h, h->set.syn_rto_ns[0], 6 * SIM_S);
  th_check_int(h, h->set.syn_rto_ns[1], 24 * SIM_S);
  th_check_int(h, h->set.syn_rto_ns[2], 48 * SIM_S);
  th_check_int(h, h->set.conn_est_timeout_ns, 75 * SIM_S);
  blackhole(h, false, 75 * SIM_S);
  th_check_int(h, th_nsegs(h), 3); /* at 0, 6 and 30 s */
  th_check_int(h, th_seg_at(h, 2)->t_ns, 30 * SIM_S);
}

/* The current kernel: four linear retransmissions first. */
static void test_syn_retransmit_linux(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  blackhole(h, true, 131 * SIM_S);
  static const int64_t at[] = {0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
  th_check_int(h, th_nsegs(h), 11);
  for (size_t i = 0; i < 11; i++)
    th_check_int(h, th_seg_at(h, i)->t_ns, at[i] * SIM_S);
}

/* The textbook Linux (tcp_syn_linear_timeouts 0): 1, 2, 4, 8, 16, 32 s. */
static void test_syn_retransmit_linux_exponential(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  memset(h->set.syn_rto_ns, 0, sizeof h->set.syn_rto_ns);
  h->set.syn_retries = 6;
  blackhole(h, false, 127 * SIM_S);
  static const int64_t at[] = {0, 1, 3, 7, 15, 31, 63};
  th_check_int(h, th_nsegs(h), 7);
  for (size_t i = 0; i < 7; i++)
    th_check_int(h, th_seg_at(h, i)->t_ns, at[i] * SIM_S);
}

/* RFC 793 profile: rto_initial doubling, syn_retries of them. */
static void test_syn_retransmit_rfc793(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_RFC793, TH_TOPO_PAIR);
  blackhole(h, true, 0);
}

/* A SYN lost once: the retransmission is answered and the connection
 * completes (Karn: no RTT sample from the retransmitted SYN). */
static void test_syn_lost_once_then_connects(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  const int64_t d = th_owd(h);
  th_listen(h, h->b, 80, 8);
  th_check_int(h, sim_link_set_up(h->w, h->link_a, false), SIM_OK);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 500 * SIM_MS);
  th_check_int(h, sim_link_set_up(h->w, h->link_a, true), SIM_OK);
  th_run(h, 5 * SIM_S);
  uint32_t x = th_seg_at(h, 0)->h.seq;
  th_expect_seg(h, 0, h->a, "S", x, TH_ANY, 0);
  th_check(h, th_seg_at(h, 0)->fate != NULL, "first SYN dropped");
  th_expect_seg(h, 1, h->a, "S", x, TH_ANY, 0);
  th_check_int(h, th_seg_at(h, 1)->t_ns, tsc_syn_interval(&h->set, 0));
  th_expect_seg(h, 2, h->b, "SA", TH_ANY, x + 1, 0);
  th_check_int(h, cli->n_connected, 1);
  th_check_int(h, cli->t_connected, tsc_syn_interval(&h->set, 0) + 2 * d);
}

int tsc_fact10(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_syn_retransmit_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_retransmit_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_retransmit_linux_exponential, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_retransmit_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_lost_once_then_connects, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact10_syn_retransmit", tests, NULL, NULL);
}
