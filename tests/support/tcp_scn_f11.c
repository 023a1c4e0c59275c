/*
 * tcp_scn_f11.c - fact 11 of DESIGN.md section 6: why three segments
 * (seeds 000, 002 "为什么建立连接的时候，要进行3次握手", 003). An old
 * duplicate SYN reaches the server: the server answers SYN-ACK; a client
 * that never asked answers RST (RFC 9293 3.10.7.1, <SEQ=SEG.ACK>) and the
 * half-open entry goes back to LISTEN (RFC 9293 3.10.7.4, SYN-RECEIVED:
 * RST of a passive open); a silent one is given up after the SYN-ACK
 * retries; no connection is ever accepted. With two_way_handshake the
 * server would count a connection nobody asked for and wait in vain.
 */
#include "tests/support/tcp_scenarios.h"

static void test_old_duplicate_syn_reset_by_client(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  const int64_t d = th_owd(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  /* the SYN a sent long ago from port 1025, delivered only now */
  th_check_int(h, th_inject_seg(h, h->a, TH_ADDR_A, 1025, TH_ADDR_B, 80, "S",
                                9000, 0, 0),
               SIM_OK);
  th_run(h, 600 * SIM_S);
  th_expect_seg(h, 0, h->a, "S", 9000, TH_ANY, 0);
  uint32_t y = th_seg_at(h, 1)->h.seq;
  th_expect_seg(h, 1, h->b, "SA", y, 9001, 0);
  th_expect_seg(h, 2, h->a, "R", 9001, TH_ANY, 0);
  th_check_int(h, th_seg_at(h, 2)->t_ns, 2 * d);
  th_expect_nsegs(h, 3); /* the entry is gone: no SYN-ACK retransmission */
  const struct th_trans *t =
      th_find_trans(h, h->b, TH_ANY, TCP_S_LISTEN, TCP_S_SYN_RCVD);
  th_check(h, t != NULL, "b LISTEN -> SYN_RCVD for the old SYN");
  const struct th_trans *u =
      th_find_trans(h, h->b, t->conn, TCP_S_SYN_RCVD, TCP_S_LISTEN);
  th_check(h, u != NULL, "SYN_RCVD -> LISTEN on the reset");
  th_check_int(h, u->t_ns, 3 * d);
  th_check_int(h, lis->n_acceptable, 0);
  th_check_int(h, lis->nchild, 0);
  struct tcp_callbacks none;
  memset(&none, 0, sizeof none);
  struct tcp_sock *s = NULL;
  th_check_int(h, tcp_accept(lis->s, &none, NULL, &s), TCP_EAGAIN);
}

/* Nobody at the source address: the server retries its SYN-ACK
 * synack_retries times with doubling intervals, then forgets. */
static void silent(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_ROUTER);
  th_start(h);
  const struct tcp_settings *s = &h->set;
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  th_check_int(h, th_inject_seg(h, h->x, TH_ADDR_GHOST, 1025, TH_ADDR_B, 80,
                                "S", 9000, 0, 0),
               SIM_OK);
  th_run(h, 3600 * SIM_S);
  size_t n = 0;
  int64_t prev = -1, gap = s->rto_initial_ns;
  for (size_t i = 0; i < th_nsegs(h); i++) {
    const struct th_seg *g = th_seg_at(h, i);
    if (g->node != h->b)
      continue;
    th_expect_seg(h, i, h->b, "SA", TH_ANY, 9001, 0);
    if (prev >= 0) {
      th_check(h, g->t_ns - prev == gap, "SYN-ACK #%zu after %" PRId64
               " ns, wanted %" PRId64, n, g->t_ns - prev, gap);
      gap = 2 * gap > s->rto_max_ns ? s->rto_max_ns : 2 * gap;
    }
    prev = g->t_ns;
    n++;
  }
  th_check_int(h, n, 1 + (size_t)s->synack_retries);
  th_check_int(h, lis->nchild, 0);
  th_check_int(h, lis->n_acceptable, 0);
}

static void test_silent_client_synack_retries_linux(void **state) { silent(*state, TCP_PROFILE_LINUX); }
static void test_silent_client_synack_retries_rfc793(void **state) { silent(*state, TCP_PROFILE_RFC793); }

/* two_way_handshake: the server takes the SYN-ACK as the end of it. */
static void test_two_way_handshake_makes_phantom_connection(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  h->set.two_way_handshake = true;
  th_start(h);
  const int64_t d = th_owd(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  th_check_int(h, th_inject_seg(h, h->x, TH_ADDR_GHOST, 1025, TH_ADDR_B, 80,
                                "S", 9000, 0, 0),
               SIM_OK);
  th_run(h, 30 * SIM_S);
  th_check_int(h, lis->nchild, 1);
  struct th_app *ph = th_child(lis, 0);
  th_check_int(h, ph->t_connected, d); /* as soon as the SYN-ACK left */
  struct tcp_sock_info in = th_info(ph);
  th_check_int(h, in.state, TCP_S_ESTABLISHED);
  th_check_int(h, in.raddr, TH_ADDR_GHOST);
  th_check_int(h, in.rport, 1025);
  /* waits in vain, until its SYN-ACK retries run out (seed 002: "服务器
   * 端会一直等待客户端发送数据过来，直到超时") */
  th_check_int(h, ph->rcvd, 0);
  th_check_int(h, ph->n_closed, 0);
  th_run(h, 3600 * SIM_S);
  th_check_int(h, ph->rcvd, 0);
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  th_check(h, st.conns_opened >= 1, "counted as opened");
}

/* With the live client, the three-way server keeps nothing, the two-way
 * one had already handed the phantom to its application. */
static void test_two_way_handshake_phantom_reset_by_client(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.two_way_handshake = true;
  th_host_set(h, h->b, &sb);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  th_check_int(h, th_inject_seg(h, h->a, TH_ADDR_A, 1025, TH_ADDR_B, 80, "S",
                                9000, 0, 0),
               SIM_OK);
  th_run(h, 10 * SIM_S);
  th_expect_seg(h, 2, h->a, "R", 9001, TH_ANY, 0);
  th_check_int(h, lis->nchild, 1);
  th_check_int(h, th_child(lis, 0)->err, TCP_ECONNRESET);
}

int tsc_fact11(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_old_duplicate_syn_reset_by_client, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_silent_client_synack_retries_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_silent_client_synack_retries_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_two_way_handshake_makes_phantom_connection, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_two_way_handshake_phantom_reset_by_client, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact11_three_way", tests, NULL, NULL);
}
