/*
 * tcp_scn_f04.c - fact 4 of DESIGN.md section 6: TIME_WAIT (Stevens vol. 1
 * 18.6, seed 001 "2MSL等待时间"). It lasts 2MSL (RFC 793: MSL 2 minutes;
 * BSD 30 s; Linux TCP_TIMEWAIT_LEN 60 s), MSL is configurable, a
 * retransmitted FIN restarts it (RFC 9293 3.10.7.4, TIME-WAIT), and in BSD
 * and Linux any segment with ACK, an old duplicate too; the socket
 * pair cannot be reused while it lasts; binding the port fails without
 * SO_REUSEADDR and succeeds with it; Berkeley-derived stacks accept a new
 * SYN for the pair when its sequence number is beyond the old
 * incarnation's (tw_reuse_syn).
 */
#include "tests/support/tcp_scenarios.h"

static void isns(struct th *h, uint32_t a, uint32_t b)
{
  struct tcp_settings s = th_host_get(h, h->a);
  s.isn = TCP_ISN_CONSTANT;
  s.isn_constant = a;
  th_host_set(h, h->a, &s);
  s = th_host_get(h, h->b);
  s.isn = TCP_ISN_CONSTANT;
  s.isn_constant = b;
  th_host_set(h, h->b, &s);
}

/* a closes first; returns the time a entered TIME_WAIT. */
static int64_t active_close(struct th *h, struct tsc_conn *c, uint16_t lport)
{
  tsc_establish(h, c, lport, 80);
  c->srv->bh.close_on_peer_close = true;
  th_close(c->cli);
  th_run_for(h, 2 * SIM_S);
  const struct th_trans *t =
      th_find_trans(h, h->a, c->cli->conn, TH_ANY, TCP_S_TIME_WAIT);
  th_check(h, t != NULL, "a entered TIME_WAIT");
  return t->t_ns;
}

static void duration(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  th_start(h);
  const struct tcp_settings *s = &h->set;
  th_check_int(h, s->time_wait_ns, 2 * s->msl_ns);
  struct tsc_conn c;
  int64_t t_tw = active_close(h, &c, 0);
  th_run(h, t_tw + s->time_wait_ns - 1);
  th_check_int(h, th_conn_state(h, c.cli->conn), TCP_S_TIME_WAIT);
  th_run(h, t_tw + s->time_wait_ns + 1 * SIM_S);
  const struct th_trans *t = th_find_trans(h, h->a, c.cli->conn,
                                           TCP_S_TIME_WAIT, TCP_S_CLOSED);
  th_check(h, t != NULL, "TIME_WAIT -> CLOSED");
  th_check_int(h, t->t_ns - t_tw, s->time_wait_ns);
}

static void test_time_wait_2msl_rfc793(void **state)
{
  struct th *h = *state;
  duration(h, TCP_PROFILE_RFC793);
  th_check_int(h, h->set.msl_ns, 120 * SIM_S); /* RFC 793: 2 minutes */
  th_check_int(h, h->set.time_wait_ns, 240 * SIM_S);
}

static void test_time_wait_2msl_bsd(void **state)
{
  struct th *h = *state;
  duration(h, TCP_PROFILE_BSD);
  th_check_int(h, h->set.msl_ns, 30 * SIM_S); /* TCPTV_MSL, Stevens 18.6 */
  th_check_int(h, h->set.time_wait_ns, 60 * SIM_S);
}

static void test_time_wait_2msl_linux(void **state)
{
  struct th *h = *state;
  duration(h, TCP_PROFILE_LINUX);
  th_check_int(h, h->set.time_wait_ns, 60 * SIM_S); /* TCP_TIMEWAIT_LEN */
}

/* MSL is a setting: "msl" 5 s gives a 10 s TIME_WAIT. */
static void test_msl_configurable(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  char err[128];
  th_check_int(h, tcp_settings_set(&h->set, "msl", "5s", err, sizeof err),
               TCP_OK);
  th_check_int(h, h->set.msl_ns, 5 * SIM_S);
  th_check_int(h, h->set.time_wait_ns, 10 * SIM_S);
  th_start(h);
  struct tsc_conn c;
  int64_t t_tw = active_close(h, &c, 0);
  th_run(h, t_tw + 20 * SIM_S);
  const struct th_trans *t = th_find_trans(h, h->a, c.cli->conn,
                                           TCP_S_TIME_WAIT, TCP_S_CLOSED);
  th_check(h, t != NULL, "TIME_WAIT -> CLOSED");
  th_check_int(h, t->t_ns - t_tw, 10 * SIM_S);
}

/* a in TIME_WAIT with b gone (powered off, so that nobody answers a's ACK
 * with a reset); x replays a segment of b (flags, seq) and a answers it
 * with an ACK one way later; TIME_WAIT then ends time_wait
 * after that segment if it restarted, at its first end if not. */
static void replay_in_time_wait(struct th *h, enum tcp_profile p,
                                const char *flags, uint32_t seq,
                                bool restarts)
{
  th_init(h, p, TH_TOPO_ROUTER);
  th_start(h);
  isns(h, 1000, 5000);
  const int64_t d = th_owd(h), tw = h->set.time_wait_ns;
  struct tsc_conn c;
  int64_t t_tw = active_close(h, &c, 0);
  th_check_int(h, sim_node_power_off(h->w, h->b), SIM_OK);
  th_run(h, t_tw + 10 * SIM_S);
  size_t n0 = th_nsegs(h);
  int64_t t_inj = th_now(h);
  th_check_int(h, th_inject_seg(h, h->x, TH_ADDR_B, 80, TH_ADDR_A, c.cport,
                                flags, seq, 1002, 0),
               SIM_OK);
  th_run_for(h, 10 * d);
  th_expect_seg(h, n0 + 1, h->a, "A", 1002, 5002, 0);
  th_check_int(h, th_seg_at(h, n0 + 1)->t_ns, t_inj + d);
  int64_t end = restarts ? t_inj + d + tw : t_tw + tw;
  if (restarts) {
    th_run(h, t_tw + tw + 1 * SIM_S);
    th_check_int(h, th_conn_state(h, c.cli->conn), TCP_S_TIME_WAIT);
  }
  th_run(h, end + 1 * SIM_S);
  const struct th_trans *t = th_find_trans(h, h->a, c.cli->conn,
                                           TCP_S_TIME_WAIT, TCP_S_CLOSED);
  th_check(h, t != NULL, "TIME_WAIT -> CLOSED");
  th_check_int(h, t->t_ns, end);
}

/* A retransmitted FIN in TIME_WAIT is acknowledged again and the 2MSL
 * timeout restarts (RFC 9293 3.10.7.4 TIME-WAIT, eighth check). b is
 * powered off first and its FIN is replayed by x, so that nobody answers
 * a's ACK with a reset. */
static void test_retransmitted_fin_restarts_2msl(void **state)
{
  replay_in_time_wait(*state, TCP_PROFILE_BSD, "FA", 5001, true);
}

/* An old duplicate ACK (below the window) reaching TIME_WAIT: answered
 * with an ACK in every profile; it restarts TIME_WAIT in bsd and linux
 * (tw_restart_ack: 4.4BSD tcp_input, Linux tcp_timewait_state_process),
 * not in rfc793, where only the retransmitted FIN does. b's ACK of long
 * ago: seq 4000, below a's RCV.NXT (5002). */
static void old_ack_in_time_wait(struct th *h, enum tcp_profile p,
                                 bool restarts)
{
  replay_in_time_wait(h, p, "A", 4000, restarts);
  th_check_int(h, h->set.tw_restart_ack, restarts);
}

static void test_old_ack_restarts_time_wait_bsd(void **state)
{
  old_ack_in_time_wait(*state, TCP_PROFILE_BSD, true);
}

static void test_old_ack_restarts_time_wait_linux(void **state)
{
  old_ack_in_time_wait(*state, TCP_PROFILE_LINUX, true);
}

static void test_old_ack_leaves_time_wait_rfc793(void **state)
{
  old_ack_in_time_wait(*state, TCP_PROFILE_RFC793, false);
}

/* TIME_WAIT assassination (RFC 1337): a RST for the pair ends TIME_WAIT
 * early unless rfc1337 is on. The RST is exact (seq = a's RCV.NXT). */
static void assassination(struct th *h, bool rfc1337)
{
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_ROUTER);
  h->set.rfc1337 = rfc1337;
  th_start(h);
  isns(h, 1000, 5000);
  const int64_t d = th_owd(h);
  struct tsc_conn c;
  int64_t t_tw = active_close(h, &c, 0);
  th_run(h, t_tw + 10 * SIM_S);
  int64_t t_inj = th_now(h);
  th_check_int(h, th_inject_seg(h, h->x, TH_ADDR_B, 80, TH_ADDR_A, c.cport,
                                "R", 5002, 0, 0),
               SIM_OK);
  th_run(h, t_tw + h->set.time_wait_ns + 1 * SIM_S);
  const struct th_trans *t = th_find_trans(h, h->a, c.cli->conn,
                                           TCP_S_TIME_WAIT, TCP_S_CLOSED);
  th_check(h, t != NULL, "TIME_WAIT -> CLOSED");
  th_check_int(h, t->t_ns, rfc1337 ? t_tw + h->set.time_wait_ns : t_inj + d);
}

static void test_rst_ends_time_wait_without_rfc1337(void **state)
{
  assassination(*state, false);
}

static void test_rfc1337_time_wait_ignores_rst(void **state)
{
  assassination(*state, true);
}

/* Stevens 18.6: the client's port 1098 is part of a pair in 2MSL. */
static void pair_not_reusable(struct th *h, enum tcp_profile p,
                              int connect_err)
{
  th_init(h, p, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  int64_t t_tw = active_close(h, &c, 1098);
  struct th_app *n = th_socket(h, h->a);
  th_check_int(h, tcp_bind(n->s, 0, 1098), TCP_EADDRINUSE);
  th_check_int(h, tcp_setopt(n->s, TCP_OPT_REUSEADDR, 1), TCP_OK);
  th_check_int(h, tcp_bind(n->s, 0, 1098), TCP_OK);
  size_t n0 = th_count_segs(h, h->a, 0, SIM_TIME_MAX);
  th_check_int(h, tcp_connect(n->s, TH_ADDR_B, 80), connect_err);
  th_run_for(h, 1 * SIM_S);
  /* refused locally: no SYN */
  th_check_int(h, th_count_segs(h, h->a, 0, SIM_TIME_MAX), n0);
  th_close(n);
  /* after 2MSL the pair is free again */
  th_run(h, t_tw + h->set.time_wait_ns);
  struct th_app *m = th_socket(h, h->a);
  th_check_int(h, tcp_bind(m->s, 0, 1098), TCP_OK);
  th_check_int(h, tcp_connect(m->s, TH_ADDR_B, 80), TCP_OK);
  th_run_for(h, 1 * SIM_S);
  th_check_int(h, m->n_connected, 1);
}

/* 4.4BSD in_pcbconnect: the 4-tuple exists -> EADDRINUSE. */
static void test_pair_in_2msl_not_reusable_bsd(void **state)
{
  pair_not_reusable(*state, TCP_PROFILE_BSD, TCP_EADDRINUSE);
}

/* The server closes first: TIME_WAIT on b:6666. Restarting the server
 * fails to bind 6666 without SO_REUSEADDR and succeeds with it. */
static struct th_app *server_tw(struct th *h, struct tsc_conn *c)
{
  tsc_establish(h, c, 1098, 6666);
  c->cli->bh.close_on_peer_close = true;
  th_close(c->srv);
  th_run_for(h, 2 * SIM_S);
  th_check_int(h, th_conn_state(h, c->srv->conn), TCP_S_TIME_WAIT);
  th_close(c->lis);
  th_run_for(h, 1 * SIM_S);
  struct th_app *n = th_socket(h, h->b);
  th_check_int(h, tcp_bind(n->s, 0, 6666), TCP_EADDRINUSE);
  th_check_int(h, tcp_setopt(n->s, TCP_OPT_REUSEADDR, 1), TCP_OK);
  th_check_int(h, tcp_bind(n->s, 0, 6666), TCP_OK);
  th_check_int(h, tcp_listen(n->s, 8), TCP_OK);
  return n;
}

static void test_server_restart_needs_reuseaddr(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  server_tw(h, &c);
  th_check_int(h, th_conn_state(h, c.srv->conn), TCP_S_TIME_WAIT);
}

/* Stevens 18.6 "不幸的是它成功了": a new SYN from bsdi.1098 reaches the
 * pair in TIME_WAIT on the server. */
static void tw_syn(struct th *h, bool rule, uint32_t new_isn, bool accepted)
{
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  th_start(h);
  isns(h, 1000, 5000);
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.tw_reuse_syn = rule;
  th_host_set(h, h->b, &sb);
  struct tsc_conn c;
  struct th_app *lis2 = server_tw(h, &c);
  /* old incarnation: b's rcv_nxt 1002, snd_nxt 5002 */
  struct tcp_settings sa = th_host_get(h, h->a);
  sa.isn_constant = new_isn;
  th_host_set(h, h->a, &sa);
  size_t n0 = th_nsegs(h);
  struct th_app *cli = th_connect(h, h->a, 1098, TH_ADDR_B, 6666);
  th_run_for(h, 3 * th_owd(h));
  th_expect_seg(h, n0, h->a, "S", new_isn, TH_ANY, 0);
  if (accepted) {
    th_expect_seg(h, n0 + 1, h->b, "SA", TH_ANY, new_isn + 1, 0);
    th_run_for(h, 1 * SIM_S);
    th_check_int(h, cli->n_connected, 1);
    th_check_int(h, lis2->nchild, 1);
    th_check(h, th_conn_state(h, c.srv->conn) == TCP_S_CLOSED,
             "the old incarnation is gone");
  } else {
    /* the SYN is not acceptable to TIME_WAIT: an ACK of the old numbers
     * (RFC 9293 3.10.7.4 first check / RFC 5961 4), which the client in
     * SYN_SENT answers with <SEQ=SEG.ACK><CTL=RST> */
    th_expect_seg(h, n0 + 1, h->b, "A", 5002, 1002, 0);
    th_expect_seg(h, n0 + 2, h->a, "R", 1002, TH_ANY, 0);
    th_check_int(h, lis2->nchild, 0);
    th_check_int(h, cli->n_connected, 0);
  }
}

static void test_berkeley_rule_on_accepts_syn_beyond(void **state)
{
  tw_syn(*state, true, 600000, true);
}

static void test_berkeley_rule_on_refuses_syn_not_beyond(void **state)
{
  tw_syn(*state, true, 500, false);
}

static void test_berkeley_rule_off_refuses(void **state)
{
  tw_syn(*state, false, 600000, false);
}

/* The profiles: Berkeley stacks and Linux apply the rule, RFC 793 not. */
static void test_berkeley_rule_defaults(void **state)
{
  (void)state;
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_BSD);
  assert_true(s.tw_reuse_syn);
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  assert_true(s.tw_reuse_syn);
  tcp_settings_init(&s, TCP_PROFILE_RFC793);
  assert_false(s.tw_reuse_syn);
}

int tsc_fact04(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_time_wait_2msl_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_time_wait_2msl_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_time_wait_2msl_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_msl_configurable, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_retransmitted_fin_restarts_2msl, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_old_ack_restarts_time_wait_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_old_ack_restarts_time_wait_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_old_ack_leaves_time_wait_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rst_ends_time_wait_without_rfc1337, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rfc1337_time_wait_ignores_rst, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_pair_in_2msl_not_reusable_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_server_restart_needs_reuseaddr, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_berkeley_rule_on_accepts_syn_beyond, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_berkeley_rule_on_refuses_syn_not_beyond, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_berkeley_rule_off_refuses, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_berkeley_rule_defaults, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact04_time_wait", tests, NULL, NULL);
}
