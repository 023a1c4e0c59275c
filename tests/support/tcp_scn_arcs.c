/*
 * tcp_scn_arcs.c - the arcs of the RFC 9293 diagram that the facts do not
 * take on their own, and the RFC 5961 acceptance rules, each with a
 * crafted peer (node x playing TH_ADDR_GHOST) so that every segment the
 * victim a receives is chosen: CLOSE in SYN-RECEIVED (FIN_WAIT_1), RST in
 * SYN-RECEIVED after a simultaneous open ("connection refused"), RST in
 * FIN_WAIT_1, CLOSE_WAIT and CLOSING, RST in window but not exact
 * (challenge ACK), RST outside the window (dropped), ACK of data never
 * sent (ACK and drop).
 */
#include "tests/support/tcp_scenarios.h"

/* a connects to the ghost and the ghost's SYN crosses it: a SYN_RCVD,
 * having sent SYN-ACK <SEQ=iss><ACK=7001>. Returns a's ISS. */
static uint32_t simultaneous_syn_rcvd(struct th *h, struct tsc_peer *p)
{
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  th_start(h);
  p->addr = TH_ADDR_GHOST;
  p->port = 5000;
  p->app = th_connect(h, h->a, 6000, TH_ADDR_GHOST, 5000);
  p->vport = 6000;
  th_run_for(h, 1 * SIM_MS);
  uint32_t iss = th_seg_at(h, 0)->h.seq;
  p->iss = 7000;
  p->nxt = 7001;
  tsc_peer_send(h, p, "S", 7000, 0, 0);
  th_run_for(h, 3 * th_owd(h));
  th_check_int(h, tcp_sock_state(p->app->s), TCP_S_SYN_RCVD);
  th_expect_seg(h, 2, h->a, "SA", iss, 7001, 0);
  return iss;
}

/* RFC 9293 3.10.4 CLOSE, SYN-RECEIVED: "form a FIN segment and send it,
 * and enter FIN-WAIT-1 state". */
static void test_close_in_syn_rcvd(void **state)
{
  struct th *h = *state;
  struct tsc_peer p;
  uint32_t iss = simultaneous_syn_rcvd(h, &p);
  size_t n0 = th_nsegs(h);
  uint64_t conn = p.app->conn;
  th_close(p.app);
  th_run_for(h, 10 * SIM_MS);
  th_check(h, th_find_trans(h, h->a, conn, TCP_S_SYN_RCVD, TCP_S_FIN_WAIT_1),
           "SYN_RCVD -> FIN_WAIT_1");
  th_check(h, th_find(h, n0, h->a, "Fa", iss + 1, TH_ANY, 0) >= 0,
           "FIN with seq iss+1");
}

/* RFC 9293 3.10.7.4 SYN-RECEIVED, RST: came from SYN-SENT -> "connection
 * refused", CLOSED. */
static void test_rst_in_syn_rcvd_active(void **state)
{
  struct th *h = *state;
  struct tsc_peer p;
  simultaneous_syn_rcvd(h, &p);
  tsc_peer_send(h, &p, "R", 7001, 0, 0);
  th_run_for(h, 10 * SIM_MS);
  th_check(h, th_find_trans(h, h->a, p.app->conn, TCP_S_SYN_RCVD,
                            TCP_S_CLOSED),
           "SYN_RCVD -> CLOSED");
  th_check_int(h, p.app->err, TCP_ECONNREFUSED);
}

static void established(struct th *h, struct tsc_peer *p)
{
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  th_start(h);
  tsc_peer_establish(h, p, 5000, 7000);
}

/* an exact RST (SEG.SEQ = RCV.NXT) resets in any synchronised state */
static void rst_in(struct th *h, enum tcp_state st)
{
  struct tsc_peer p;
  established(h, &p);
  uint32_t ours = th_info(p.app).snd_nxt;
  if (st == TCP_S_FIN_WAIT_1 || st == TCP_S_CLOSING)
    th_check_int(h, tcp_shutdown(p.app->s), TCP_OK);
  if (st == TCP_S_CLOSE_WAIT || st == TCP_S_CLOSING) {
    tsc_peer_send(h, &p, "FA", p.nxt, ours, 0); /* does not ack our FIN */
    p.nxt++;
  }
  th_run_for(h, 10 * SIM_MS);
  th_check_int(h, tcp_sock_state(p.app->s), st);
  tsc_peer_send(h, &p, "R", p.nxt, 0, 0);
  th_run_for(h, 10 * SIM_MS);
  th_check(h, th_find_trans(h, h->a, p.app->conn, st, TCP_S_CLOSED),
           "%s -> CLOSED on RST", tcp_state_name(st));
  th_check_int(h, p.app->err, TCP_ECONNRESET);
}

static void test_rst_in_fin_wait_1(void **state) { rst_in(*state, TCP_S_FIN_WAIT_1); }
static void test_rst_in_close_wait(void **state) { rst_in(*state, TCP_S_CLOSE_WAIT); }
static void test_rst_in_closing(void **state) { rst_in(*state, TCP_S_CLOSING); }
static void test_rst_in_established(void **state) { rst_in(*state, TCP_S_ESTABLISHED); }

/* RFC 5961 3.2: in window but not exact -> challenge ACK, no reset;
 * outside the window -> silently dropped. */
static void test_rst_in_window_not_exact_challenge_ack(void **state)
{
  struct th *h = *state;
  struct tsc_peer p;
  established(h, &p);
  struct tcp_sock_info in = th_info(p.app);
  size_t n0 = th_nsegs(h);
  tsc_peer_send(h, &p, "R", p.nxt + 10, 0, 0);
  th_run_for(h, 10 * SIM_MS);
  th_expect_seg(h, n0 + 1, h->a, "A", in.snd_nxt, in.rcv_nxt, 0);
  th_check_int(h, tcp_sock_state(p.app->s), TCP_S_ESTABLISHED);
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  th_check(h, st.challenge_acks >= 1, "challenge ACK counted");
  size_t n1 = th_nsegs(h);
  tsc_peer_send(h, &p, "R", p.nxt + 0x40000000u, 0, 0);
  th_run_for(h, 10 * SIM_MS);
  th_expect_nsegs(h, n1 + 1); /* only the injected RST */
  th_check_int(h, tcp_sock_state(p.app->s), TCP_S_ESTABLISHED);
}

/* RFC 9293 3.10.7.4 fifth check: SEG.ACK > SND.NXT -> send an ACK, drop
 * the segment (its data is not delivered). */
static void test_ack_of_unsent_data(void **state)
{
  struct th *h = *state;
  struct tsc_peer p;
  established(h, &p);
  struct tcp_sock_info in = th_info(p.app);
  size_t n0 = th_nsegs(h);
  tsc_peer_send(h, &p, "A", p.nxt, in.snd_nxt + 5000, 10);
  th_run_for(h, 10 * SIM_MS);
  th_expect_seg(h, n0 + 1, h->a, "A", in.snd_nxt, in.rcv_nxt, 0);
  th_check_int(h, p.app->rcvd, 0);
}

/* An unacceptable segment (seq far outside the window) gets an ACK and
 * nothing else (RFC 9293 3.10.7.4 first check). */
static void test_unacceptable_segment_acked(void **state)
{
  struct th *h = *state;
  struct tsc_peer p;
  established(h, &p);
  struct tcp_sock_info in = th_info(p.app);
  size_t n0 = th_nsegs(h);
  tsc_peer_send(h, &p, "A", p.nxt + 0x20000000u, in.snd_nxt, 100);
  th_run_for(h, 10 * SIM_MS);
  th_expect_seg(h, n0 + 1, h->a, "A", in.snd_nxt, in.rcv_nxt, 0);
  th_expect_nsegs(h, n0 + 2);
  th_check_int(h, p.app->rcvd, 0);
}

/* Abort in FIN_WAIT_1 and CLOSE_WAIT: RST, CLOSED. */
static void abort_in(struct th *h, enum tcp_state st)
{
  struct tsc_peer p;
  established(h, &p);
  uint32_t ours = th_info(p.app).snd_nxt;
  if (st == TCP_S_FIN_WAIT_1)
    th_check_int(h, tcp_shutdown(p.app->s), TCP_OK);
  if (st == TCP_S_CLOSE_WAIT) {
    tsc_peer_send(h, &p, "FA", p.nxt, ours, 0);
    p.nxt++;
  }
  th_run_for(h, 10 * SIM_MS);
  th_check_int(h, tcp_sock_state(p.app->s), st);
  uint64_t conn = p.app->conn;
  size_t n0 = th_nsegs(h);
  th_abort(p.app);
  th_run_for(h, 10 * SIM_MS);
  th_check(h, th_find(h, n0, h->a, "Ra", TH_ANY, TH_ANY, 0) >= 0, "RST sent");
  th_check(h, th_find_trans(h, h->a, conn, st, TCP_S_CLOSED),
           "%s -> CLOSED on abort", tcp_state_name(st));
}

static void test_abort_in_fin_wait_1(void **state) { abort_in(*state, TCP_S_FIN_WAIT_1); }
static void test_abort_in_close_wait(void **state) { abort_in(*state, TCP_S_CLOSE_WAIT); }

/* A listener closed with a handshake in progress. */
static void test_listener_close(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  uint64_t id = lis->conn;
  th_close(lis);
  th_run_for(h, 1 * SIM_MS);
  th_check(h, th_find_trans(h, h->b, id ? id : (uint64_t)TH_ANY,
                            TCP_S_LISTEN, TCP_S_CLOSED),
           "LISTEN -> CLOSED");
  /* the port is free and refuses */
  struct th_app *c = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run_for(h, 1 * SIM_S);
  th_check_int(h, c->err, TCP_ECONNREFUSED);
}

int tsc_arcs(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_close_in_syn_rcvd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rst_in_syn_rcvd_active, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rst_in_fin_wait_1, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rst_in_close_wait, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rst_in_closing, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rst_in_established, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rst_in_window_not_exact_challenge_ack, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_ack_of_unsent_data, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_unacceptable_segment_acked, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_abort_in_fin_wait_1, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_abort_in_close_wait, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_listener_close, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("arcs", tests, NULL, NULL);
}
