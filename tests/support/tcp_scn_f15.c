/*
 * tcp_scn_f15.c - fact 15 of DESIGN.md section 6 (seed 003 "建立连接后，
 * 进程崩溃/机器宕机会怎样"): when a process crashes the kernel closes its
 * sockets: FIN (orderly), or RST when unread data remains (RFC 2525 2.17,
 * what BSD and Linux do on close); its listeners are gone, so new SYNs get
 * RST. When the machine crashes: silence - not one segment from it - and
 * the peer finds out only by keepalive.
 */
#include "tests/support/tcp_scenarios.h"

#define OWNER_CLIENT 7
#define OWNER_SERVER 9

static void conn_with_owners(struct th *h, struct tsc_conn *c)
{
  h->owner = OWNER_SERVER;
  c->lis = th_listen(h, h->b, 80, 8);
  h->owner = OWNER_CLIENT;
  c->cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run_for(h, 100 * SIM_MS);
  th_check_int(h, c->cli->n_connected, 1);
  c->srv = th_child(c->lis, 0);
  c->x = th_seg_at(h, 0)->h.seq;
  c->y = th_seg_at(h, 1)->h.seq;
}

static void test_process_crash_sends_fin(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  conn_with_owners(h, &c);
  c.srv->bh.close_on_peer_close = true;
  size_t n0 = th_nsegs(h);
  int64_t t1 = th_now(h);
  th_check_int(h, tcp_kill_process(h->m, h->a, OWNER_CLIENT), TCP_OK);
  c.cli->s = NULL; /* the process is gone with its handles */
  th_run_for(h, 5 * SIM_S);
  th_expect_seg(h, n0, h->a, "FA", c.x + 1, c.y + 1, 0);
  th_check_int(h, th_seg_at(h, n0)->t_ns, t1);
  th_check_int(h, c.srv->n_peer_closed, 1);
  th_check(h, th_find_trans(h, h->a, c.cli->conn, TCP_S_ESTABLISHED,
                            TCP_S_FIN_WAIT_1),
           "a ESTABLISHED -> FIN_WAIT_1");
  th_check(h, th_find_trans(h, h->b, c.srv->conn, TH_ANY, TCP_S_CLOSED),
           "b closed cleanly");
  th_check_int(h, th_find(h, 0, TH_ANY, "R", TH_ANY, TH_ANY, TH_ANY), -1);
}

static void test_process_crash_with_unread_data_sends_rst(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  conn_with_owners(h, &c);
  c.srv->bh.no_read = true;
  th_check_int(h, tcp_send(c.cli->s, 100), 100);
  th_run_for(h, 1 * SIM_S);
  struct tcp_sock_info si = th_info(c.srv);
  th_check_int(h, si.unread, 100);
  size_t n0 = th_nsegs(h);
  int64_t t1 = th_now(h);
  th_check_int(h, tcp_kill_process(h->m, h->b, OWNER_SERVER), TCP_OK);
  c.srv->s = NULL;
  c.lis->s = NULL;
  th_run_for(h, 1 * SIM_S);
  th_expect_seg(h, n0, h->b, "Ra", si.snd_nxt, TH_ANY, 0);
  th_check_int(h, th_seg_at(h, n0)->t_ns, t1);
  th_check_int(h, c.cli->err, TCP_ECONNRESET);
  th_check_int(h, th_find(h, n0, TH_ANY, "F", TH_ANY, TH_ANY, TH_ANY), -1);
  /* the listener died with the process: a new SYN is refused */
  struct th_app *c2 = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run_for(h, 1 * SIM_S);
  th_check_int(h, c2->err, TCP_ECONNREFUSED);
}

/* Killing another process leaves these sockets alone. */
static void test_kill_other_process_changes_nothing(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  conn_with_owners(h, &c);
  size_t n0 = th_nsegs(h);
  th_check_int(h, tcp_kill_process(h->m, h->a, 12345), TCP_OK);
  th_run_for(h, 10 * SIM_S);
  th_expect_nsegs(h, n0);
  th_check_int(h, tcp_sock_state(c.cli->s), TCP_S_ESTABLISHED);
}

/* Machine crash: power off b with data, timers and a listener; nothing
 * from b afterwards even though a probes it; a's keepalive ends it. */
static void test_machine_crash_is_silent(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  struct tsc_conn c;
  conn_with_owners(h, &c);
  th_check_int(h, tcp_setopt(c.cli->s, TCP_OPT_KEEPALIVE, 1), TCP_OK);
  th_check_int(h, tcp_setopt(c.cli->s, TCP_OPT_KEEPIDLE, 600 * SIM_S), TCP_OK);
  th_check_int(h, tcp_send(c.srv->s, 50000), 50000); /* b busy sending */
  th_run_for(h, 1 * SIM_MS);
  int64_t t_off = th_now(h);
  th_check_int(h, sim_node_power_off(h->w, h->b), SIM_OK);
  c.srv->s = NULL;
  c.lis->s = NULL;
  th_run(h, 6 * 3600 * SIM_S);
  th_check_int(h, th_count_segs(h, h->b, t_off, SIM_TIME_MAX), 0);
  th_check(h, th_count_segs(h, h->a, t_off, SIM_TIME_MAX) > 0,
           "a probed into the void");
  th_check_int(h, c.cli->n_closed, 1);
  th_check_int(h, c.cli->err, TCP_ETIMEDOUT);
  th_check(h, sim_drop_count(h->w, SIM_DROP_HOST_DOWN) > 0,
           "a's segments dropped at the dead host");
}

int tsc_fact15(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_process_crash_sends_fin, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_process_crash_with_unread_data_sends_rst, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_kill_other_process_changes_nothing, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_machine_crash_is_silent, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact15_crash", tests, NULL, NULL);
}
