/*
 * tcp_scn_f03.c - fact 3 of DESIGN.md section 6: the four-way close with
 * half-close (seeds 000 "四次挥手", 002 "释放连接"), and the passive side
 * merging its ACK with its FIN through the delayed ACK, which takes the
 * active side from FIN_WAIT_1 straight to TIME_WAIT (002 "此时FIN-WAIT-2
 * 状态还有吗？"; 003 "第二三次挥手能不能合并").
 */
#include "tests/support/tcp_scenarios.h"

static void constant_isns(struct th *h)
{
  h->set.isn = TCP_ISN_CONSTANT;
  h->set.isn_constant = 1000;
}

static void b_isn(struct th *h, uint32_t v)
{
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.isn_constant = v;
  th_host_set(h, h->b, &sb);
}

/* a shuts down its side; b keeps sending 3000 bytes, then closes. */
static void half_close(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  constant_isns(h);
  th_start(h);
  b_isn(h, 5000);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  const uint64_t ca = c.cli->conn, cb = c.srv->conn;
  size_t n0 = th_nsegs(h);
  int64_t t1 = th_now(h);
  th_check_int(h, tcp_shutdown(c.cli->s), TCP_OK);
  th_run_for(h, 2 * SIM_S);
  /* first FIN: seq=u=x+1 */
  th_expect_seg(h, n0, h->a, "FA", 1001, 5001, 0);
  th_check_int(h, th_seg_at(h, n0)->t_ns, t1);
  long i = th_find(h, n0 + 1, h->b, "A", 5001, 1002, 0);
  th_check(h, i >= 0, "b acknowledges the FIN: ack=u+1");
  th_check_int(h, th_conn_state(h, ca), TCP_S_FIN_WAIT_2);
  th_check_int(h, th_conn_state(h, cb), TCP_S_CLOSE_WAIT);
  th_check_int(h, c.srv->n_peer_closed, 1);
  th_check(h, th_find_trans(h, h->a, ca, TCP_S_ESTABLISHED, TCP_S_FIN_WAIT_1),
           "a ESTABLISHED -> FIN_WAIT_1");
  th_check(h, th_find_trans(h, h->a, ca, TCP_S_FIN_WAIT_1, TCP_S_FIN_WAIT_2),
           "a FIN_WAIT_1 -> FIN_WAIT_2");
  th_check(h, th_find_trans(h, h->b, cb, TCP_S_ESTABLISHED, TCP_S_CLOSE_WAIT),
           "b ESTABLISHED -> CLOSE_WAIT");
  /* the other direction still flows: 3000 bytes from b, read by a */
  size_t n1 = th_nsegs(h);
  th_check_int(h, tcp_send(c.srv->s, 3000), 3000);
  th_run_for(h, 2 * SIM_S);
  th_check_int(h, c.cli->rcvd, 3000);
  for (size_t j = n1; j < th_nsegs(h); j++) {
    const struct th_seg *s = th_seg_at(h, j);
    if (s->node == h->b)
      th_expect_seg(h, j, h->b, "A", TH_ANY, 1002, TH_ANY);
    else /* a's ACKs after its FIN: seq=u+1 */
      th_expect_seg(h, j, h->a, "A", 1002, TH_ANY, 0);
  }
  th_check_int(h, th_seg_at(h, (size_t)th_last_from(h, h->a))->h.ack, 8001);
  /* b closes: FIN seq=w=y+1+3000, repeating ack=u+1 */
  size_t n2 = th_nsegs(h);
  th_close(c.srv);
  th_run_for(h, 2 * SIM_S);
  th_expect_seg(h, n2, h->b, "FA", 8001, 1002, 0);
  th_expect_seg(h, n2 + 1, h->a, "A", 1002, 8002, 0);
  th_check_int(h, th_conn_state(h, ca), TCP_S_TIME_WAIT);
  th_check_int(h, th_conn_state(h, cb), TCP_S_CLOSED);
  th_check(h, th_find_trans(h, h->b, cb, TCP_S_CLOSE_WAIT, TCP_S_LAST_ACK),
           "b CLOSE_WAIT -> LAST_ACK");
  th_check(h, th_find_trans(h, h->b, cb, TCP_S_LAST_ACK, TCP_S_CLOSED),
           "b LAST_ACK -> CLOSED");
  th_check(h, th_find_trans(h, h->a, ca, TCP_S_FIN_WAIT_2, TCP_S_TIME_WAIT),
           "a FIN_WAIT_2 -> TIME_WAIT");
  th_check_int(h, c.cli->n_peer_closed, 1);
  const struct th_closed *cl = th_find_closed(h, cb);
  th_check(h, cl && cl->err == TCP_OK, "b's connection ended cleanly");
}

static void test_half_close_bsd(void **state) { half_close(*state, TCP_PROFILE_BSD); }
static void test_half_close_linux(void **state) { half_close(*state, TCP_PROFILE_LINUX); }
static void test_half_close_rfc793(void **state) { half_close(*state, TCP_PROFILE_RFC793); }

/* b closes as soon as it sees the FIN, while its ACK is delayed: one FA
 * carries both; a goes FIN_WAIT_1 -> TIME_WAIT, never FIN_WAIT_2. */
static void merged(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  constant_isns(h);
  h->set.delack_ns = 200 * SIM_MS; /* the mechanism under test */
  th_start(h);
  b_isn(h, 5000);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  c.srv->bh.close_on_peer_close = true;
  const uint64_t ca = c.cli->conn, cb = c.srv->conn;
  size_t n0 = th_nsegs(h);
  const int64_t d = th_owd(h), t1 = th_now(h);
  th_close(c.cli);
  th_run_for(h, 5 * SIM_S);
  th_expect_seg(h, n0, h->a, "FA", 1001, 5001, 0);
  th_expect_seg(h, n0 + 1, h->b, "FA", 5001, 1002, 0);
  th_expect_seg(h, n0 + 2, h->a, "A", 1002, 5002, 0);
  th_expect_nsegs(h, n0 + 3);
  th_check_int(h, th_seg_at(h, n0 + 1)->t_ns, t1 + d);
  const struct th_trans *t =
      th_find_trans(h, h->a, ca, TCP_S_FIN_WAIT_1, TCP_S_TIME_WAIT);
  th_check(h, t != NULL, "a FIN_WAIT_1 -> TIME_WAIT (the merged FIN+ACK)");
  th_check_int(h, t->t_ns, t1 + 2 * d);
  th_check_int(h, th_count_trans(h, h->a, ca, TH_ANY, TCP_S_FIN_WAIT_2), 0);
  th_check(h, th_find_trans(h, h->b, cb, TCP_S_CLOSE_WAIT, TCP_S_LAST_ACK),
           "b CLOSE_WAIT -> LAST_ACK");
  th_check(h, th_find_trans(h, h->b, cb, TCP_S_LAST_ACK, TCP_S_CLOSED),
           "b LAST_ACK -> CLOSED");
}

static void test_merged_fin_ack_bsd(void **state) { merged(*state, TCP_PROFILE_BSD); }
static void test_merged_fin_ack_linux(void **state) { merged(*state, TCP_PROFILE_LINUX); }

/* Without delayed ACKs and with b closing later, the close takes four
 * segments and a passes through FIN_WAIT_2. */
static void test_four_segments_without_delack(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  constant_isns(h);
  h->set.delack_ns = 0;
  th_start(h);
  b_isn(h, 5000);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  size_t n0 = th_nsegs(h);
  const int64_t d = th_owd(h), t1 = th_now(h);
  th_close(c.cli);
  th_run_for(h, 1 * SIM_S);
  th_close(c.srv);
  th_run_for(h, 1 * SIM_S);
  th_expect_seg(h, n0, h->a, "FA", 1001, 5001, 0);
  th_expect_seg(h, n0 + 1, h->b, "A", 5001, 1002, 0);
  th_check_int(h, th_seg_at(h, n0 + 1)->t_ns, t1 + d); /* at once */
  th_expect_seg(h, n0 + 2, h->b, "FA", 5001, 1002, 0);
  th_expect_seg(h, n0 + 3, h->a, "A", 1002, 5002, 0);
  th_expect_nsegs(h, n0 + 4);
  th_check(h, th_find_trans(h, h->a, c.cli->conn, TCP_S_FIN_WAIT_1,
                            TCP_S_FIN_WAIT_2),
           "a passes FIN_WAIT_2");
}

/* The passive closer's FIN is retransmitted when it is lost;
 * TIME_WAIT answers it again (002 "为什么要有TIME-WAIT这个阶段"). */
static void test_lost_fin_retransmitted_and_acked(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  constant_isns(h);
  th_start(h);
  b_isn(h, 5000);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  th_close(c.cli);
  th_run_for(h, 1 * SIM_S);
  /* the link goes down for 5 ms: the FIN is lost */
  th_check_int(h, sim_link_set_up(h->w, h->link_a, false), SIM_OK);
  size_t n0 = th_nsegs(h);
  th_close(c.srv);
  th_run_for(h, 5 * SIM_MS);
  th_check_int(h, sim_link_set_up(h->w, h->link_a, true), SIM_OK);
  th_run_for(h, 10 * SIM_S);
  /* the link was down both ways: the FIN itself never arrived; b resends
   * it, a (FIN_WAIT_2) answers and enters TIME_WAIT */
  th_expect_seg(h, n0, h->b, "FA", 5001, 1002, 0);
  long i = th_find(h, n0 + 1, h->b, "FA", 5001, 1002, 0);
  th_check(h, i >= 0, "b retransmits its FIN");
  th_check(h, th_find(h, (size_t)i, h->a, "A", 1002, 5002, 0) >= 0,
           "a acknowledges the retransmitted FIN");
  th_check_int(h, th_conn_state(h, c.srv->conn), TCP_S_CLOSED);
  th_check_int(h, th_conn_state(h, c.cli->conn), TCP_S_TIME_WAIT);
}

int tsc_fact03(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_half_close_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_half_close_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_half_close_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_merged_fin_ack_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_merged_fin_ack_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_four_segments_without_delack, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_lost_fin_retransmitted_and_acked, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact03_close", tests, NULL, NULL);
}
