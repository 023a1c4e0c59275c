/*
 * tcp_scn_f09.c - fact 9 of DESIGN.md section 6: simultaneous open (SYN
 * crossing SYN, Stevens 18.8, seed 001 "同时打开": a:7777 <-> b:8888) and
 * simultaneous close (both FINs cross: CLOSING on both sides; seed 002
 * "CLOSING：一种比较罕见的例外状态").
 */
#include "tests/support/tcp_scenarios.h"

static void sim_open(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  h->set.isn = TCP_ISN_CONSTANT;
  h->set.isn_constant = 100;
  th_start(h);
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.isn_constant = 300;
  th_host_set(h, h->b, &sb);
  const int64_t d = th_owd(h);
  struct th_app *a = th_connect(h, h->a, 7777, TH_ADDR_B, 8888);
  struct th_app *b = th_connect(h, h->b, 8888, TH_ADDR_A, 7777);
  th_run(h, 2 * SIM_S);
  /* RFC 9293 Figure 8 / Stevens Figure 18.17 */
  th_expect_seg(h, 0, h->a, "S", 100, TH_ANY, 0);
  th_expect_seg(h, 1, h->b, "S", 300, TH_ANY, 0);
  long i = th_find(h, 2, h->a, "SA", 100, 301, 0);
  long j = th_find(h, 2, h->b, "SA", 300, 101, 0);
  th_check(h, i >= 0 && j >= 0, "each side answers SYN with SYN-ACK");
  th_check_int(h, th_seg_at(h, (size_t)i)->t_ns, d);
  th_check_int(h, th_seg_at(h, (size_t)j)->t_ns, d);
  /* anything else is a bare ACK of the synchronised numbers */
  for (size_t k = 4; k < th_nsegs(h); k++) {
    const struct th_seg *s = th_seg_at(h, k);
    if (s->node == h->a)
      th_expect_seg(h, k, h->a, "A", 101, 301, 0);
    else
      th_expect_seg(h, k, h->b, "A", 301, 101, 0);
  }
  th_check_int(h, a->n_connected, 1);
  th_check_int(h, b->n_connected, 1);
  th_check_int(h, a->t_connected, 2 * d);
  th_check_int(h, b->t_connected, 2 * d);
  const uint32_t nodes[2] = {h->a, h->b};
  const uint64_t conns[2] = {a->conn, b->conn};
  for (int k = 0; k < 2; k++) {
    th_check(h, th_find_trans(h, nodes[k], conns[k], TCP_S_CLOSED,
                              TCP_S_SYN_SENT),
             "%s CLOSED -> SYN_SENT", th_name(h, nodes[k]));
    const struct th_trans *t = th_find_trans(h, nodes[k], conns[k],
                                             TCP_S_SYN_SENT, TCP_S_SYN_RCVD);
    th_check(h, t && t->t_ns == d, "%s SYN_SENT -> SYN_RCVD at d",
             th_name(h, nodes[k]));
    t = th_find_trans(h, nodes[k], conns[k], TCP_S_SYN_RCVD,
                      TCP_S_ESTABLISHED);
    th_check(h, t && t->t_ns == 2 * d, "%s SYN_RCVD -> ESTABLISHED at 2d",
             th_name(h, nodes[k]));
  }
  struct tcp_sock_info ai = th_info(a), bi = th_info(b);
  th_check_int(h, ai.snd_nxt, 101);
  th_check_int(h, ai.rcv_nxt, 301);
  th_check_int(h, bi.snd_nxt, 301);
  th_check_int(h, bi.rcv_nxt, 101);
  /* and data flows */
  th_check_int(h, tcp_send(a->s, 10), 10);
  th_check_int(h, tcp_send(b->s, 20), 20);
  th_run_for(h, 1 * SIM_S);
  th_check_int(h, a->rcvd, 20);
  th_check_int(h, b->rcvd, 10);
}

static void test_simultaneous_open_bsd(void **state) { sim_open(*state, TCP_PROFILE_BSD); }
static void test_simultaneous_open_linux(void **state) { sim_open(*state, TCP_PROFILE_LINUX); }
static void test_simultaneous_open_rfc793(void **state) { sim_open(*state, TCP_PROFILE_RFC793); }

static void sim_close(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  h->set.isn = TCP_ISN_CONSTANT;
  h->set.isn_constant = 1000;
  th_start(h);
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.isn_constant = 5000;
  th_host_set(h, h->b, &sb);
  const int64_t d = th_owd(h);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  size_t n0 = th_nsegs(h);
  int64_t t1 = th_now(h);
  th_close(c.cli);
  th_close(c.srv);
  th_run_for(h, 1 * SIM_S);
  /* FINs cross at t1; each ACKs the other's at t1+d (RFC 9293 Figure 13) */
  th_expect_seg(h, n0, h->a, "FA", 1001, 5001, 0);
  th_expect_seg(h, n0 + 1, h->b, "FA", 5001, 1001, 0);
  long i = th_find(h, n0 + 2, h->a, "A", 1002, 5002, 0);
  long j = th_find(h, n0 + 2, h->b, "A", 5002, 1002, 0);
  th_check(h, i >= 0 && j >= 0, "both FINs acknowledged");
  th_check_int(h, th_seg_at(h, (size_t)i)->t_ns, t1 + d);
  th_check_int(h, th_seg_at(h, (size_t)j)->t_ns, t1 + d);
  th_expect_nsegs(h, n0 + 4);
  const uint32_t nodes[2] = {h->a, h->b};
  const uint64_t conns[2] = {c.cli->conn, c.srv->conn};
  for (int k = 0; k < 2; k++) {
    th_check(h, th_find_trans(h, nodes[k], conns[k], TCP_S_ESTABLISHED,
                              TCP_S_FIN_WAIT_1),
             "%s ESTABLISHED -> FIN_WAIT_1", th_name(h, nodes[k]));
    const struct th_trans *t = th_find_trans(h, nodes[k], conns[k],
                                             TCP_S_FIN_WAIT_1, TCP_S_CLOSING);
    th_check(h, t && t->t_ns == t1 + d, "%s FIN_WAIT_1 -> CLOSING at t1+d",
             th_name(h, nodes[k]));
    t = th_find_trans(h, nodes[k], conns[k], TCP_S_CLOSING, TCP_S_TIME_WAIT);
    th_check(h, t && t->t_ns == t1 + 2 * d,
             "%s CLOSING -> TIME_WAIT at t1+2d", th_name(h, nodes[k]));
  }
  /* both wait 2MSL */
  th_run(h, t1 + 2 * d + h->set.time_wait_ns + 1 * SIM_S);
  for (int k = 0; k < 2; k++) {
    const struct th_trans *t = th_find_trans(h, nodes[k], conns[k],
                                             TCP_S_TIME_WAIT, TCP_S_CLOSED);
    th_check(h, t && t->t_ns == t1 + 2 * d + h->set.time_wait_ns,
             "%s TIME_WAIT -> CLOSED after 2MSL", th_name(h, nodes[k]));
  }
}

static void test_simultaneous_close_bsd(void **state) { sim_close(*state, TCP_PROFILE_BSD); }
static void test_simultaneous_close_linux(void **state) { sim_close(*state, TCP_PROFILE_LINUX); }

int tsc_fact09(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_simultaneous_open_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_simultaneous_open_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_simultaneous_open_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_simultaneous_close_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_simultaneous_close_linux, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact09_simultaneous", tests, NULL, NULL);
}
