/*
 * tcp_scn_f06.c - fact 6 of DESIGN.md section 6: FIN_WAIT_2 (Stevens 18.6,
 * seed 001 "FIN_WAIT_2状态"). While the peer never closes, FIN_WAIT_2 lasts
 * forever - always after a half-close, and after a full close when the
 * FIN_WAIT_2 timer is off (RFC 793). Berkeley stacks time out an orphaned
 * one after 10 min + 75 s (the bsd profile's fin_wait2, 675 s); Linux
 * after tcp_fin_timeout (60 s).
 */
#include "tests/support/tcp_scenarios.h"

static const int64_t LONG_RUN = 36000 * SIM_S; /* ten hours */

/* a closes (or half-closes); b acknowledges and never closes. Returns
 * the time a entered FIN_WAIT_2. */
static int64_t to_fin_wait_2(struct th *h, struct tsc_conn *c, bool half)
{
  tsc_establish(h, c, 0, 80);
  if (half)
    th_check_int(h, tcp_shutdown(c->cli->s), TCP_OK);
  else
    th_close(c->cli);
  th_run_for(h, 5 * SIM_S);
  const struct th_trans *t = th_find_trans(h, h->a, c->cli->conn,
                                           TCP_S_FIN_WAIT_1, TCP_S_FIN_WAIT_2);
  th_check(h, t != NULL, "a reached FIN_WAIT_2");
  th_check_int(h, th_find_trans(h, h->b, c->srv->conn, TH_ANY,
                                TCP_S_CLOSE_WAIT) != NULL, 1);
  return t->t_ns;
}

static void forever(struct th *h, enum tcp_profile p, bool half)
{
  th_init(h, p, TH_TOPO_PAIR);
  if (!half)
    h->set.fin_wait2_ns = 0;
  th_start(h);
  struct tsc_conn c;
  to_fin_wait_2(h, &c, half);
  size_t n = th_nsegs(h);
  th_run(h, LONG_RUN);
  th_check_int(h, th_conn_state(h, c.cli->conn), TCP_S_FIN_WAIT_2);
  th_check_int(h, th_conn_state(h, c.srv->conn), TCP_S_CLOSE_WAIT);
  th_check_int(h, th_nsegs(h), n); /* and nobody said a word */
}

/* A half-closed connection still wants the peer's data: no timer. */
static void test_half_closed_fin_wait_2_forever_bsd(void **state)
{
  forever(*state, TCP_PROFILE_BSD, true);
}

static void test_half_closed_fin_wait_2_forever_linux(void **state)
{
  forever(*state, TCP_PROFILE_LINUX, true);
}

/* fin_wait2 = 0: even an orphan waits forever (RFC 793 behaviour). */
static void test_orphan_fin_wait_2_forever_without_timer(void **state)
{
  forever(*state, TCP_PROFILE_BSD, false);
}

static void test_rfc793_has_no_fin_wait_2_timer(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_RFC793, TH_TOPO_PAIR);
  th_check_int(h, h->set.fin_wait2_ns, 0);
  th_start(h);
  struct tsc_conn c;
  to_fin_wait_2(h, &c, false);
  th_run(h, LONG_RUN);
  th_check_int(h, th_conn_state(h, c.cli->conn), TCP_S_FIN_WAIT_2);
}

static void orphan_timeout(struct th *h, enum tcp_profile p, int64_t literal)
{
  th_init(h, p, TH_TOPO_PAIR);
  th_start(h);
  const int64_t fw2 = h->set.fin_wait2_ns;
  th_check_int(h, fw2, literal);
  struct tsc_conn c;
  int64_t t2 = to_fin_wait_2(h, &c, false);
  th_run(h, t2 + fw2 - 1);
  th_check_int(h, th_conn_state(h, c.cli->conn), TCP_S_FIN_WAIT_2);
  th_run(h, t2 + fw2 + 10 * SIM_S);
  const struct th_trans *t = th_find_trans(h, h->a, c.cli->conn,
                                           TCP_S_FIN_WAIT_2, TH_ANY);
  th_check(h, t != NULL, "a left FIN_WAIT_2");
  th_check_int(h, t->to, TCP_S_CLOSED);
  th_check_int(h, t->t_ns, t2 + fw2);
  /* b is still in CLOSE_WAIT: it was never told */
  th_check_int(h, th_conn_state(h, c.srv->conn), TCP_S_CLOSE_WAIT);
}

/* Stevens 18.6: "如果这个连接空闲10分钟75秒，TCP将进入CLOSED状态". */
static void test_orphan_fin_wait_2_timeout_bsd(void **state)
{
  orphan_timeout(*state, TCP_PROFILE_BSD, 675 * SIM_S);
}

/* Linux: net.ipv4.tcp_fin_timeout = 60. */
static void test_orphan_fin_wait_2_timeout_linux(void **state)
{
  orphan_timeout(*state, TCP_PROFILE_LINUX, 60 * SIM_S);
}

/* The timer follows the setting. */
static void test_orphan_fin_wait_2_timeout_setting(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  h->set.fin_wait2_ns = 7 * SIM_S;
  th_start(h);
  struct tsc_conn c;
  int64_t t2 = to_fin_wait_2(h, &c, false);
  th_run(h, t2 + 20 * SIM_S);
  const struct th_trans *t = th_find_trans(h, h->a, c.cli->conn,
                                           TCP_S_FIN_WAIT_2, TCP_S_CLOSED);
  th_check(h, t != NULL, "a FIN_WAIT_2 -> CLOSED");
  th_check_int(h, t->t_ns, t2 + 7 * SIM_S);
}

int tsc_fact06(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_half_closed_fin_wait_2_forever_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_half_closed_fin_wait_2_forever_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_orphan_fin_wait_2_forever_without_timer, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rfc793_has_no_fin_wait_2_timer, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_orphan_fin_wait_2_timeout_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_orphan_fin_wait_2_timeout_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_orphan_fin_wait_2_timeout_setting, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact06_fin_wait_2", tests, NULL, NULL);
}
