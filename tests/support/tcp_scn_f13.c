/*
 * tcp_scn_f13.c - fact 13 of DESIGN.md section 6: SYN flood (seed 003
 * "SYN攻击", "已建立连接的TCP，收到SYN会发生什么"). Spoofed SYNs fill the
 * SYN queue and later legitimate SYNs are dropped (counted); a bigger
 * queue, or fewer SYN-ACK retries (entries expire sooner), let the
 * legitimate client in. An ESTABLISHED connection that receives a SYN for
 * its 4-tuple answers with a challenge ACK (RFC 5961 4.2); the restarted
 * client answers it with RST (RFC 9293 SYN-SENT: <SEQ=SEG.ACK><CTL=RST>),
 * which resets the stale connection, and its retried SYN gets through.
 */
#include "tests/support/tcp_scenarios.h"

/* x sends `spoofed` SYNs from 10.9.0.1... at t=0; a connects at 10 ms.
 * Returns the time a got connected (-1: never within an hour). */
static int64_t flood(struct th *h, uint32_t backlog, uint8_t synack_retries,
                     int spoofed, uint64_t *drops)
{
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  h->set.syn_backlog = backlog;
  h->set.synack_retries = synack_retries;
  /* the queue itself, as with net.ipv4.tcp_syncookies=0; the defences
   * of RFC 4987 are in tcp_scn_defences.c */
  h->set.syncookies = TCP_SYNCOOKIES_OFF;
  th_start(h);
  th_listen(h, h->b, 80, 128);
  for (int i = 0; i < spoofed; i++)
    th_check_int(h, th_inject_seg(h, h->x, 0x0a090001u + (uint32_t)i, 40000,
                                  TH_ADDR_B, 80, "S", 1000u * (uint32_t)i, 0, 0),
                 SIM_OK);
  th_run(h, 10 * SIM_MS);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 3600 * SIM_S);
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  *drops = st.syn_queue_drops;
  return cli->n_connected ? cli->t_connected : -1;
}

static void test_spoofed_syns_fill_syn_queue(void **state)
{
  struct th *h = *state;
  uint64_t drops;
  int64_t t = flood(h, 4, 5, 4, &drops);
  /* the four half-open entries answered with SYN-ACKs to nowhere */
  th_check_int(h, th_count_segs(h, h->b, 0, 10 * SIM_MS), 4);
  /* a's first SYN found the queue full: no SYN-ACK to a at once */
  th_check(h, drops >= 1, "legitimate SYN dropped and counted");
  long first_sa = th_find(h, 0, h->b, "SA", TH_ANY, TH_ANY, 0);
  for (long i = first_sa; i >= 0 && (size_t)i < th_nsegs(h); i++) {
    const struct th_seg *s = th_seg_at(h, (size_t)i);
    if (s->node == h->b && s->dst == TH_ADDR_A) {
      th_check(h, s->t_ns > 10 * SIM_MS + 2 * th_owd(h),
               "a is not answered at once");
      break;
    }
  }
  /* it gets in only when the entries expire (5 retries: 63 s) */
  th_check(h, t > 60 * SIM_S, "a connected only after the entries expired "
           "(at %" PRId64 " ns)", t);
}

static void test_bigger_syn_queue_lets_client_in(void **state)
{
  struct th *h = *state;
  uint64_t drops;
  int64_t t = flood(h, 16, 5, 4, &drops);
  th_check_int(h, drops, 0);
  th_check_int(h, t, 10 * SIM_MS + 2 * th_owd(h));
}

static void test_fewer_synack_retries_let_client_in_sooner(void **state)
{
  struct th *h = *state;
  uint64_t drops5, drops1;
  int64_t t5 = flood(h, 4, 5, 4, &drops5);
  th_free(h);
  int64_t t1 = flood(h, 4, 1, 4, &drops1);
  th_check(h, t1 > 0 && t1 < t5, "1 retry: connected at %" PRId64
           " ns, before %" PRId64 " ns with 5", t1, t5);
  /* entries with one retry are gone after 1 + 2 s */
  th_check(h, t1 > 3 * SIM_S && t1 < 10 * SIM_S, "t1 = %" PRId64, t1);
}

/* Seed 003 "客户端通过相同端口号请求连接": a reboots and connects again
 * from the same port while b still has the old connection. */
static void syn_in_established(struct th *h, bool rfc5961)
{
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  h->set.rfc5961 = rfc5961;
  h->set.isn = TCP_ISN_CONSTANT;
  h->set.isn_constant = 1000;
  th_start(h);
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.isn_constant = 5000;
  th_host_set(h, h->b, &sb);
  const int64_t d = th_owd(h);
  struct tsc_conn c;
  tsc_establish(h, &c, 1025, 80);
  th_check_int(h, sim_node_reboot(h->w, h->a, 1 * SIM_S), SIM_OK);
  th_run(h, 10 * SIM_S);
  struct tcp_settings sa = th_host_get(h, h->a);
  sa.isn_constant = rfc5961 ? 900000 : 1500; /* 1500: inside b's window */
  th_host_set(h, h->a, &sa);
  size_t n0 = th_nsegs(h);
  struct th_app *cli = th_connect(h, h->a, 1025, TH_ADDR_B, 80);
  const uint32_t iss = rfc5961 ? 900000 : 1500;
  th_run(h, 60 * SIM_S);
  th_expect_seg(h, n0, h->a, "S", iss, TH_ANY, 0);
  if (rfc5961) {
    /* challenge ACK with the old numbers */
    th_expect_seg(h, n0 + 1, h->b, "A", 5001, 1001, 0);
    struct tcp_stats st;
    tcp_stats_get(h->m, &st);
    th_check(h, st.challenge_acks >= 1, "challenge ACK counted");
    /* a in SYN_SENT: unacceptable ACK -> <SEQ=SEG.ACK><CTL=RST> */
    th_expect_seg(h, n0 + 2, h->a, "R", 1001, TH_ANY, 0);
    /* exact: b's stale connection is reset */
    th_check_int(h, c.srv->err, TCP_ECONNRESET);
    th_check_int(h, c.srv->t_closed, 10 * SIM_S + 3 * d);
    /* the retried SYN, one RTO later, gets through */
    th_expect_seg(h, n0 + 3, h->a, "S", iss, TH_ANY, 0);
    th_check_int(h, th_seg_at(h, n0 + 3)->t_ns,
                 10 * SIM_S + tsc_syn_interval(&h->set, 0));
    th_expect_seg(h, n0 + 4, h->b, "SA", TH_ANY, iss + 1, 0);
    th_check_int(h, cli->n_connected, 1);
    th_check_int(h, c.lis->nchild, 2);
  } else {
    /* RFC 793 3.9 (SYN in a synchronised state): "If the SYN is in the
     * window it is an error, send a reset ... enter the CLOSED state".
     * The form of that reset is not spelled out: 4.4BSD sends two (one
     * from tcp_drop, <SEQ=SND.NXT>, one from dropwithreset, <SEQ=0>
     * <ACK=SEG.SEQ+1>). a acts on what it gets: refused if a reset
     * acknowledges its SYN, otherwise it ignores it (RFC 9293 SYN-SENT,
     * "If the RST bit is set ... if the ACK was acceptable") and its
     * retransmitted SYN reaches b's listener. */
    th_expect_seg(h, n0 + 1, h->b, "Ra", TH_ANY, TH_ANY, 0);
    th_check_int(h, th_seg_at(h, n0 + 1)->t_ns, 10 * SIM_S + d);
    th_check_int(h, c.srv->err, TCP_ECONNRESET);
    th_check_int(h, c.srv->t_closed, 10 * SIM_S + d);
    bool acks_syn = th_find(h, n0 + 1, h->b, "RA", TH_ANY, iss + 1, 0) >= 0;
    if (acks_syn) {
      th_check_int(h, cli->err, TCP_ECONNREFUSED);
    } else {
      th_check_int(h, cli->n_connected, 1);
      th_check_int(h, cli->t_connected,
                   10 * SIM_S + tsc_syn_interval(&h->set, 0) + 2 * d);
    }
  }
}

static void test_syn_in_established_challenge_ack(void **state)
{
  syn_in_established(*state, true);
}

static void test_syn_in_window_resets_without_rfc5961(void **state)
{
  syn_in_established(*state, false);
}

int tsc_fact13(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_spoofed_syns_fill_syn_queue, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_bigger_syn_queue_lets_client_in, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_fewer_synack_retries_let_client_in_sooner, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_in_established_challenge_ack, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syn_in_window_resets_without_rfc5961, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact13_syn_flood", tests, NULL, NULL);
}
