/*
 * tcp_scn_f08.c - fact 8 of DESIGN.md section 6: half-open connections
 * (Stevens 18.7 "检测半打开连接", Figure 18.16; seed 000 "保活计时器").
 * A host that rebooted answers a segment of the old connection with RST,
 * and the sender sees "connection reset"; a host that vanished is found
 * only by keepalive (idle, then a probe every interval, give up after
 * count unanswered probes: ETIMEDOUT) or by sending data (retransmissions
 * until the retry limit); otherwise never.
 */
#include "tests/support/tcp_scenarios.h"

/* Figure 18.16: b reboots; a sends "another line" and gets a reset. */
static void rebooted(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  th_check_int(h, tcp_send(c.cli->s, 8), 8);
  th_run_for(h, 1 * SIM_S);
  th_check_int(h, c.srv->rcvd, 8);
  th_check_int(h, sim_node_reboot(h->w, h->b, 10 * SIM_S), SIM_OK);
  th_run(h, 190 * SIM_S);
  th_check_int(h, tcp_sock_state(c.cli->s), TCP_S_ESTABLISHED);
  size_t n0 = th_nsegs(h);
  th_check_int(h, tcp_send(c.cli->s, 13), 13);
  th_run_for(h, 10 * SIM_S);
  th_expect_seg(h, n0, h->a, "A", c.x + 9, c.y + 1, 13);
  /* b knows nothing of it: <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.1) */
  th_expect_seg(h, n0 + 1, h->b, "R", c.y + 1, TH_ANY, 0);
  th_check_int(h, c.cli->n_closed, 1);
  th_check_int(h, c.cli->err, TCP_ECONNRESET);
  th_check(h, th_find_trans(h, h->a, c.cli->conn, TCP_S_ESTABLISHED,
                            TCP_S_CLOSED),
           "a ESTABLISHED -> CLOSED");
  th_expect_nsegs(h, n0 + 2);
}

static void test_rebooted_peer_answers_rst_bsd(void **state) { rebooted(*state, TCP_PROFILE_BSD); }
static void test_rebooted_peer_answers_rst_linux(void **state) { rebooted(*state, TCP_PROFILE_LINUX); }

/* Keepalive on the client before it connects: the idle time counts from
 * the last segment received (the SYN-ACK, at 2d). b powers off at 1 s and
 * never returns. Probes: seq = SND.NXT-1, no data, every interval; after
 * keepcnt unanswered, ETIMEDOUT. */
static void keepalive(struct th *h, enum tcp_profile p, int64_t idle,
                      int64_t intvl, int cnt)
{
  th_init(h, p, TH_TOPO_PAIR);
  th_start(h);
  const int64_t d = th_owd(h);
  if (idle == 0) {
    idle = h->set.keepidle_ns;
    intvl = h->set.keepintvl_ns;
    cnt = h->set.keepcnt;
  }
  th_listen(h, h->b, 80, 8);
  struct th_app *cli = th_socket(h, h->a);
  th_check_int(h, tcp_setopt(cli->s, TCP_OPT_KEEPALIVE, 1), TCP_OK);
  if (idle != h->set.keepidle_ns) {
    th_check_int(h, tcp_setopt(cli->s, TCP_OPT_KEEPIDLE, idle), TCP_OK);
    th_check_int(h, tcp_setopt(cli->s, TCP_OPT_KEEPINTVL, intvl), TCP_OK);
    th_check_int(h, tcp_setopt(cli->s, TCP_OPT_KEEPCNT, cnt), TCP_OK);
  }
  th_check_int(h, tcp_connect(cli->s, TH_ADDR_B, 80), TCP_OK);
  th_run(h, 1 * SIM_S);
  th_check_int(h, cli->n_connected, 1);
  struct tcp_sock_info ci = th_info(cli);
  th_expect_nsegs(h, 3);
  th_check_int(h, sim_node_power_off(h->w, h->b), SIM_OK);
  const int64_t t0 = 2 * d; /* the SYN-ACK arrived */
  th_run(h, t0 + idle + (int64_t)cnt * intvl + 60 * SIM_S);
  for (int i = 0; i < cnt; i++) {
    size_t k = 3 + (size_t)i;
    th_expect_seg(h, k, h->a, "A", ci.snd_nxt - 1, ci.rcv_nxt, 0);
    th_check_int(h, th_seg_at(h, k)->t_ns, t0 + idle + i * intvl);
  }
  th_expect_nsegs(h, 3 + (size_t)cnt);
  th_check_int(h, cli->n_closed, 1);
  th_check_int(h, cli->err, TCP_ETIMEDOUT);
  th_check_int(h, cli->t_closed, t0 + idle + (int64_t)cnt * intvl);
}

static void test_keepalive_finds_vanished_peer_bsd(void **state)
{
  struct th *h = *state;
  keepalive(h, TCP_PROFILE_BSD, 0, 0, 0);
  th_check_int(h, h->set.keepidle_ns, 7200 * SIM_S); /* 2 hours */
  th_check_int(h, h->set.keepintvl_ns, 75 * SIM_S);
}

static void test_keepalive_finds_vanished_peer_linux(void **state)
{
  struct th *h = *state;
  keepalive(h, TCP_PROFILE_LINUX, 0, 0, 0);
  /* tcp_keepalive_time, _intvl, _probes */
  th_check_int(h, h->set.keepidle_ns, 7200 * SIM_S);
  th_check_int(h, h->set.keepintvl_ns, 75 * SIM_S);
  th_check_int(h, h->set.keepcnt, 9);
}

static void test_keepalive_socket_options(void **state)
{
  keepalive(*state, TCP_PROFILE_LINUX, 10 * SIM_S, 2 * SIM_S, 3);
}

/* A rebooted peer answers the first probe with RST. */
static void test_keepalive_probe_reset_by_rebooted_peer(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  const int64_t d = th_owd(h);
  th_listen(h, h->b, 80, 8);
  struct th_app *cli = th_socket(h, h->a);
  th_check_int(h, tcp_setopt(cli->s, TCP_OPT_KEEPALIVE, 1), TCP_OK);
  th_check_int(h, tcp_setopt(cli->s, TCP_OPT_KEEPIDLE, 60 * SIM_S), TCP_OK);
  th_check_int(h, tcp_connect(cli->s, TH_ADDR_B, 80), TCP_OK);
  th_run(h, 1 * SIM_S);
  struct tcp_sock_info ci = th_info(cli);
  th_check_int(h, sim_node_reboot(h->w, h->b, 5 * SIM_S), SIM_OK);
  th_run(h, 100 * SIM_S);
  th_expect_seg(h, 3, h->a, "A", ci.snd_nxt - 1, ci.rcv_nxt, 0);
  th_check_int(h, th_seg_at(h, 3)->t_ns, 2 * d + 60 * SIM_S);
  th_expect_seg(h, 4, h->b, "R", ci.rcv_nxt, TH_ANY, 0);
  th_check_int(h, cli->err, TCP_ECONNRESET);
  th_expect_nsegs(h, 5);
}

/* Without keepalive and without sending, a vanished peer is never seen. */
static void test_vanished_peer_never_detected_when_idle(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  th_check_int(h, sim_node_power_off(h->w, h->b), SIM_OK);
  size_t n = th_nsegs(h);
  th_run(h, 30 * 3600 * SIM_S);
  th_check_int(h, tcp_sock_state(c.cli->s), TCP_S_ESTABLISHED);
  th_check_int(h, c.cli->n_closed, 0);
  th_check_int(h, th_nsegs(h), n);
}

/* Sending data finds it: retransmissions with doubling intervals (RFC
 * 6298 5.5, capped at rto_max), data_retries of them, then ETIMEDOUT. */
static void test_sending_finds_vanished_peer(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  tsc_establish(h, &c, 0, 80);
  th_check_int(h, sim_node_power_off(h->w, h->b), SIM_OK);
  size_t n0 = th_nsegs(h);
  th_check_int(h, tcp_send(c.cli->s, 100), 100);
  th_run(h, 3 * 3600 * SIM_S);
  size_t n = th_nsegs(h) - n0;
  th_check_int(h, n, 1 + (size_t)h->set.data_retries);
  for (size_t i = 0; i < n; i++)
    th_expect_seg(h, n0 + i, h->a, "A", c.x + 1, c.y + 1, 100);
  for (size_t i = 2; i < n; i++) {
    int64_t prev = th_seg_at(h, n0 + i - 1)->t_ns - th_seg_at(h, n0 + i - 2)->t_ns;
    int64_t cur = th_seg_at(h, n0 + i)->t_ns - th_seg_at(h, n0 + i - 1)->t_ns;
    int64_t want = 2 * prev > h->set.rto_max_ns ? h->set.rto_max_ns : 2 * prev;
    th_check(h, cur == want, "interval %zu: %" PRId64 " ns, wanted %" PRId64,
             i, cur, want);
  }
  th_check_int(h, c.cli->n_closed, 1);
  th_check_int(h, c.cli->err, TCP_ETIMEDOUT);
}

int tsc_fact08(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rebooted_peer_answers_rst_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rebooted_peer_answers_rst_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_keepalive_finds_vanished_peer_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_keepalive_finds_vanished_peer_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_keepalive_socket_options, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_keepalive_probe_reset_by_rebooted_peer, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_vanished_peer_never_detected_when_idle, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_sending_finds_vanished_peer, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact08_half_open", tests, NULL, NULL);
}
