/*
 * tcp_scn_f07.c - fact 7 of DESIGN.md section 6: resets (Stevens 18.7,
 * seed 001 "复位报文段"). A SYN to a port with no listener gets
 * <SEQ=0><ACK=ISN+1><CTL=RST,ACK> and the client reports "connection
 * refused" (Figure 18.14); the other closed-port cases of RFC 9293 3.10.7.1;
 * abortive release with SO_LINGER 0 sends RST, discards the queued data,
 * and the receiver reports "connection reset" (Figure 18.15).
 */
#include "tests/support/tcp_scenarios.h"

static void refused(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  th_start(h);
  const int64_t d = th_owd(h);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 20000);
  th_run(h, 10 * SIM_S);
  th_expect_nsegs(h, 2);
  uint32_t isn = th_seg_at(h, 0)->h.seq;
  th_expect_seg(h, 0, h->a, "S", isn, TH_ANY, 0);
  th_expect_seg(h, 1, h->b, "RA", 0, isn + 1, 0);
  th_check_int(h, th_seg_at(h, 1)->t_ns, d);
  th_check_int(h, cli->n_closed, 1);
  th_check_int(h, cli->err, TCP_ECONNREFUSED);
  th_check_int(h, cli->t_closed, 2 * d);
  th_check(h, th_find_trans(h, h->a, cli->conn, TCP_S_SYN_SENT, TCP_S_CLOSED),
           "a SYN_SENT -> CLOSED");
  th_check_int(h, tcp_sock_state(cli->s), TCP_S_CLOSED);
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  th_check(h, st.rst_out >= 1 && st.rst_in >= 1, "resets counted");
}

static void test_syn_to_closed_port_bsd(void **state) { refused(*state, TCP_PROFILE_BSD); }
static void test_syn_to_closed_port_linux(void **state) { refused(*state, TCP_PROFILE_LINUX); }
static void test_syn_to_closed_port_rfc793(void **state) { refused(*state, TCP_PROFILE_RFC793); }

/* RFC 9293 3.10.7.1 for the other segments to a closed port: with ACK,
 * <SEQ=SEG.ACK><CTL=RST>; without, <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
 * <CTL=RST,ACK>; a RST gets nothing. */
static void test_closed_port_reset_rules(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  th_start(h);
  const int64_t d = th_owd(h);
  /* from a's address, so that the reset comes back to a real host */
  th_inject_seg(h, h->a, TH_ADDR_A, 3000, TH_ADDR_B, 20000, "A", 100, 555, 0);
  th_run_for(h, 4 * d);
  th_expect_seg(h, 1, h->b, "R", 555, TH_ANY, 0);
  th_inject_seg(h, h->a, TH_ADDR_A, 3000, TH_ADDR_B, 20000, "PA", 100, 777, 30);
  th_run_for(h, 4 * d);
  th_expect_seg(h, 3, h->b, "R", 777, TH_ANY, 0);
  th_inject_seg(h, h->a, TH_ADDR_A, 3000, TH_ADDR_B, 20000, "P", 100, 0, 30);
  th_run_for(h, 4 * d);
  th_expect_seg(h, 5, h->b, "RA", 0, 130, 0);
  th_inject_seg(h, h->a, TH_ADDR_A, 3000, TH_ADDR_B, 20000, "F", 100, 0, 0);
  th_run_for(h, 4 * d);
  th_expect_seg(h, 7, h->b, "RA", 0, 101, 0);
  th_inject_seg(h, h->a, TH_ADDR_A, 3000, TH_ADDR_B, 20000, "R", 100, 0, 0);
  th_inject_seg(h, h->a, TH_ADDR_A, 3000, TH_ADDR_B, 20000, "RA", 100, 9, 0);
  th_run_for(h, 4 * d);
  th_expect_nsegs(h, 10); /* no answer to a reset */
}

/* Figure 18.15: the client closes with SO_LINGER 0 while data is queued.
 * zero_window: b does not read and its 4000-byte buffer fills (a probes
 * the zero window); otherwise b reads, the link is slow (1 Mbps) and the
 * window limits a to 20000 bytes in flight. */
static void linger0(struct th *h, enum tcp_profile p, bool use_abort,
                    bool zero_window)
{
  th_init(h, p, TH_TOPO_PAIR);
  if (!zero_window)
    h->lp.rate_bps = 1000000;
  th_start(h);
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.rcv_buf = zero_window ? 4000 : 20000;
  th_host_set(h, h->b, &sb);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  c.srv->bh.no_read = zero_window;
  th_check_int(h, tcp_send(c.cli->s, 100000), 100000);
  th_run_for(h, 500 * SIM_MS);
  struct tcp_sock_info ci = th_info(c.cli);
  th_check(h, ci.unsent > 0, "data still queued at a (unsent %" PRIu64 ")",
           ci.unsent);
  size_t n0 = th_nsegs(h);
  int64_t t1 = th_now(h);
  if (use_abort) {
    th_abort(c.cli);
  } else {
    th_check_int(h, tcp_setopt(c.cli->s, TCP_OPT_LINGER, 0), TCP_OK);
    th_close(c.cli);
  }
  th_run_for(h, 30 * SIM_S);
  /* the RST: seq = SND.NXT, at once, instead of the FIN */
  th_expect_seg(h, n0, h->a, "Ra", ci.snd_nxt, TH_ANY, 0);
  th_check_int(h, th_seg_at(h, n0)->t_ns, t1);
  if (th_seg_at(h, n0)->h.flags & TCP_F_ACK)
    th_check_int(h, th_seg_at(h, n0)->h.ack, ci.rcv_nxt);
  /* the queued data is discarded: nothing more from a but resets */
  for (size_t i = n0 + 1; i < th_nsegs(h); i++)
    if (th_seg_at(h, i)->node == h->a)
      th_expect_seg(h, i, h->a, "Ra", TH_ANY, TH_ANY, 0);
  if (zero_window) /* and b does not answer a reset */
    th_expect_nsegs(h, n0 + 1);
  th_check(h, th_find(h, n0, h->a, "F", TH_ANY, TH_ANY, TH_ANY) < 0, "no FIN");
  th_check_int(h, c.srv->n_closed, 1);
  th_check_int(h, c.srv->err, TCP_ECONNRESET);
  th_check(h, th_find_trans(h, h->b, c.srv->conn, TCP_S_ESTABLISHED,
                            TCP_S_CLOSED),
           "b ESTABLISHED -> CLOSED");
  th_check(h, th_find_trans(h, h->a, c.cli->conn, TCP_S_ESTABLISHED,
                            TCP_S_CLOSED),
           "a ESTABLISHED -> CLOSED");
  th_check_int(h, th_count_trans(h, h->a, c.cli->conn, TH_ANY,
                                 TCP_S_FIN_WAIT_1), 0);
}

static void test_linger0_close_sends_rst_bsd(void **state) { linger0(*state, TCP_PROFILE_BSD, false, false); }
static void test_linger0_close_sends_rst_linux(void **state) { linger0(*state, TCP_PROFILE_LINUX, false, false); }
static void test_abort_sends_rst(void **state) { linger0(*state, TCP_PROFILE_LINUX, true, false); }
static void test_linger0_zero_window_bsd(void **state) { linger0(*state, TCP_PROFILE_BSD, false, true); }
static void test_linger0_zero_window_linux(void **state) { linger0(*state, TCP_PROFILE_LINUX, false, true); }

/* Orderly release for contrast: every queued byte arrives, then the FIN. */
static void test_orderly_close_delivers_queued_data(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  th_check_int(h, tcp_send(c.cli->s, 100000), 100000);
  th_close(c.cli);
  th_run_for(h, 30 * SIM_S);
  th_check_int(h, c.srv->rcvd, 100000);
  th_check_int(h, c.srv->n_peer_closed, 1);
  th_check_int(h, th_find(h, 0, TH_ANY, "R", TH_ANY, TH_ANY, TH_ANY), -1);
  /* the FIN follows the last byte (alone or on the last data segment) */
  long i = th_find(h, 0, h->a, "FA", TH_ANY, TH_ANY, TH_ANY);
  th_check(h, i >= 0, "a's FIN");
  const struct th_seg *f = th_seg_at(h, (size_t)i);
  th_check_int(h, f->h.seq + f->len, c.x + 1 + 100000);
}

int tsc_fact07(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_syn_to_closed_port_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_to_closed_port_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_to_closed_port_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_closed_port_reset_rules, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_linger0_close_sends_rst_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_linger0_close_sends_rst_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_abort_sends_rst, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_linger0_zero_window_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_linger0_zero_window_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_orderly_close_delivers_queued_data, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact07_rst", tests, NULL, NULL);
}
