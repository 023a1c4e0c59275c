/*
 * tcp_scn_f01.c - fact 1 of DESIGN.md section 6: the three-way handshake.
 * SYN (seq=x), SYN+ACK (seq=y, ack=x+1), ACK (seq=x+1, ack=y+1); SYN and
 * FIN consume one sequence number each, a bare ACK none; the third
 * segment may carry data, the first two may not (seeds 000, 002, 003);
 * MSS, window scale, SACK-permitted and timestamps ride on SYN and
 * SYN-ACK only (002 "前两次握手的特点"; RFC 7323 and 2018 for the rules
 * on what a SYN-ACK may echo).
 */
#include "tests/support/tcp_scenarios.h"

/* The handshake of one profile: exact segments, times and states. */
static void handshake(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  th_start(h);
  const int64_t d = th_owd(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_check_int(h, tcp_sock_state(cli->s), TCP_S_SYN_SENT);
  th_run(h, 1 * SIM_S);
  th_expect_nsegs(h, 3);
  uint32_t x = th_seg_at(h, 0)->h.seq;
  uint32_t y = th_seg_at(h, 1)->h.seq;
  th_expect_seg(h, 0, h->a, "S", x, TH_ANY, 0);
  th_expect_seg(h, 1, h->b, "SA", y, x + 1, 0);
  th_expect_seg(h, 2, h->a, "A", x + 1, y + 1, 0);
  /* sent as soon as possible: no delay on an idle infinitely fast link */
  th_check_int(h, th_seg_at(h, 0)->t_ns, 0);
  th_check_int(h, th_seg_at(h, 1)->t_ns, d);
  th_check_int(h, th_seg_at(h, 2)->t_ns, 2 * d);
  /* both ends ESTABLISHED, with the numbers of the segments */
  th_check_int(h, cli->n_connected, 1);
  th_check_int(h, cli->t_connected, 2 * d);
  struct th_app *srv = th_child(lis, 0);
  struct tcp_sock_info ci = th_info(cli), si = th_info(srv);
  th_check_int(h, ci.state, TCP_S_ESTABLISHED);
  th_check_int(h, si.state, TCP_S_ESTABLISHED);
  th_check_int(h, ci.iss, x);
  th_check_int(h, ci.irs, y);
  th_check_int(h, ci.snd_nxt, x + 1); /* the SYN took one number */
  th_check_int(h, ci.rcv_nxt, y + 1);
  th_check_int(h, si.iss, y);
  th_check_int(h, si.irs, x);
  th_check_int(h, si.snd_nxt, y + 1);
  th_check_int(h, si.rcv_nxt, x + 1); /* the bare ACK took none */
  /* the state changes of the figure, at the right times */
  const struct th_trans *t =
      th_find_trans(h, h->a, ci.conn_id, TCP_S_CLOSED, TCP_S_SYN_SENT);
  th_check(h, t && t->t_ns == 0, "client CLOSED -> SYN_SENT at 0");
  t = th_find_trans(h, h->a, ci.conn_id, TCP_S_SYN_SENT, TCP_S_ESTABLISHED);
  th_check(h, t && t->t_ns == 2 * d, "client SYN_SENT -> ESTABLISHED at 2d");
  t = th_find_trans(h, h->b, si.conn_id, TCP_S_LISTEN, TCP_S_SYN_RCVD);
  th_check(h, t && t->t_ns == d, "server LISTEN -> SYN_RCVD at d");
  t = th_find_trans(h, h->b, si.conn_id, TCP_S_SYN_RCVD, TCP_S_ESTABLISHED);
  th_check(h, t && t->t_ns == 3 * d, "server SYN_RCVD -> ESTABLISHED at 3d");
  th_check(h, th_find_trans(h, h->b, TH_ANY, TCP_S_CLOSED, TCP_S_LISTEN),
           "listener CLOSED -> LISTEN");
}

static void test_handshake_bsd(void **state) { handshake(*state, TCP_PROFILE_BSD); }
static void test_handshake_linux(void **state) { handshake(*state, TCP_PROFILE_LINUX); }
static void test_handshake_rfc793(void **state) { handshake(*state, TCP_PROFILE_RFC793); }

/* Close both ways without data: each FIN takes one number, the ACKs none. */
static void test_syn_fin_take_one_number_ack_none(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  h->set.isn = TCP_ISN_CONSTANT;
  h->set.isn_constant = 1000;
  th_start(h);
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.isn_constant = 5000;
  th_host_set(h, h->b, &sb);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  th_check_int(h, c.x, 1000);
  th_check_int(h, c.y, 5000);
  size_t n0 = th_nsegs(h);
  th_close(c.cli);
  th_run_for(h, 10 * SIM_S);
  th_close(c.srv);
  th_run_for(h, 10 * SIM_S);
  /* FIN from a: seq x+1 (the ACK before it took nothing) */
  long i = th_find(h, n0, h->a, "FA", 1001, 5001, 0);
  th_check(h, i >= 0, "FIN from a with seq=x+1 ack=y+1");
  /* b acknowledges x+2: the FIN took one */
  th_check(h, th_find(h, (size_t)i, h->b, "A", 5001, 1002, 0) >= 0,
           "ACK of a's FIN: seq=y+1 ack=x+2");
  long j = th_find(h, n0, h->b, "FA", 5001, 1002, 0);
  th_check(h, j >= 0, "FIN from b with seq=y+1 ack=x+2");
  th_check(h, th_find(h, (size_t)j, h->a, "A", 1002, 5002, 0) >= 0,
           "last ACK: seq=x+2 ack=y+2");
}

/* The third segment may carry data: a crafted client (ghost address)
 * completes the handshake with an ACK carrying 100 bytes; the server
 * takes them and acknowledges x+1+100. */
static void test_third_segment_may_carry_data(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  th_start(h);
  const int64_t d = th_owd(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  struct tcp_hdr syn = th_hdr(4000, 80, "S", 7000, 0);
  syn.has_mss = 1;
  syn.mss = 1000;
  th_check_int(h, th_inject(h, h->x, TH_ADDR_GHOST, TH_ADDR_B, &syn, 0), SIM_OK);
  th_run_for(h, 2 * d);
  long i = th_find(h, 0, h->b, "SA", TH_ANY, 7001, 0);
  th_check(h, i >= 0, "SYN-ACK to the crafted SYN");
  uint32_t y = th_seg_at(h, (size_t)i)->h.seq;
  th_check_int(h, th_inject_seg(h, h->x, TH_ADDR_GHOST, 4000, TH_ADDR_B, 80,
                                "PA", 7001, y + 1, 100),
               SIM_OK);
  th_run_for(h, 2 * SIM_S);
  th_check_int(h, lis->nchild, 1);
  struct th_app *srv = th_child(lis, 0);
  th_check_int(h, srv->rcvd, 100);
  struct tcp_sock_info si = th_info(srv);
  th_check_int(h, si.state, TCP_S_ESTABLISHED);
  th_check_int(h, si.rcv_nxt, 7101);
  th_check(h, th_find(h, (size_t)i + 1, h->b, "A", y + 1, 7101, 0) >= 0,
           "server acknowledges the data of the third segment");
}

/* The first two may not: data queued by the client before the handshake
 * completes waits for ESTABLISHED (RFC 9293 3.10.2, SEND in SYN-SENT). */
static void test_syn_and_synack_carry_no_data(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  th_start(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  int64_t r = tcp_send(cli->s, 500);
  th_check_int(h, r, 500);
  th_run(h, 5 * SIM_S);
  uint32_t x = th_seg_at(h, 0)->h.seq;
  uint32_t y = th_seg_at(h, 1)->h.seq;
  th_expect_seg(h, 0, h->a, "S", x, TH_ANY, 0);
  th_expect_seg(h, 1, h->b, "SA", y, x + 1, 0);
  /* the third: an ACK with the data, or a bare ACK followed by it */
  const struct th_seg *s2 = th_seg_at(h, 2);
  if (s2->len == 0) {
    th_expect_seg(h, 2, h->a, "A", x + 1, y + 1, 0);
    th_expect_seg(h, 3, h->a, "A", x + 1, y + 1, 500);
  } else {
    th_expect_seg(h, 2, h->a, "A", x + 1, y + 1, 500);
  }
  th_check_int(h, th_child(lis, 0)->rcvd, 500);
}

/* Options: what the profile offers appears in SYN and SYN-ACK, and only
 * there; the SYN-ACK echoes only options the SYN offered. */
static void options(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  th_start(h);
  const struct tcp_settings *s = &h->set;
  th_listen(h, h->b, 80, 8);
  th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 1 * SIM_S);
  for (size_t i = 0; i < 2; i++) {
    const struct th_seg *g = th_seg_at(h, i);
    th_check(h, g->h.has_mss && g->h.mss == s->mss, "#%zu: MSS %u", i, s->mss);
    th_check(h, g->h.has_wscale == s->opt_wscale, "#%zu: wscale offered", i);
    if (s->opt_wscale)
      th_check_int(h, g->h.wscale, s->wscale);
    th_check(h, g->h.sack_ok == s->opt_sack, "#%zu: SACK-permitted", i);
    th_check(h, g->h.has_ts == s->opt_timestamps, "#%zu: timestamps", i);
  }
  const struct th_seg *ack = th_seg_at(h, 2);
  th_check(h, !ack->h.has_mss && !ack->h.has_wscale && !ack->h.sack_ok,
           "third segment carries no SYN-only option");
  if (s->opt_timestamps) {
    /* RFC 7323 3.2: TSecr of the SYN-ACK echoes the SYN's TSval; the
     * ACK echoes the SYN-ACK's and keeps sending timestamps */
    th_check_int(h, th_seg_at(h, 1)->h.ts_ecr, th_seg_at(h, 0)->h.ts_val);
    th_check(h, ack->h.has_ts, "timestamps on the third segment");
    th_check_int(h, ack->h.ts_ecr, th_seg_at(h, 1)->h.ts_val);
  }
}

static void test_options_bsd(void **state) { options(*state, TCP_PROFILE_BSD); }
static void test_options_linux(void **state) { options(*state, TCP_PROFILE_LINUX); }
static void test_options_rfc793(void **state) { options(*state, TCP_PROFILE_RFC793); }

/* All four offered by the server, none by the client: the SYN-ACK may
 * carry MSS only (RFC 7323 1.3/2.2, RFC 2018 2). */
static void test_synack_echoes_only_offered_options(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  struct tcp_settings sa = th_host_get(h, h->a);
  sa.opt_wscale = sa.opt_sack = sa.opt_timestamps = false;
  th_host_set(h, h->a, &sa);
  th_listen(h, h->b, 80, 8);
  th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 1 * SIM_S);
  const struct th_seg *syn = th_seg_at(h, 0), *sa2 = th_seg_at(h, 1);
  th_check(h, syn->h.has_mss && !syn->h.has_wscale && !syn->h.sack_ok &&
                  !syn->h.has_ts,
           "client offers MSS only");
  th_check(h, sa2->h.has_mss && !sa2->h.has_wscale && !sa2->h.sack_ok &&
                  !sa2->h.has_ts,
           "SYN-ACK answers with MSS only");
}

int tsc_fact01(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_handshake_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_handshake_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_handshake_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_fin_take_one_number_ack_none, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_third_segment_may_carry_data, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_and_synack_carry_no_data, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_options_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_options_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_options_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_synack_echoes_only_offered_options, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact01_handshake", tests, NULL, NULL);
}
