/*
 * tcp_scn_f14.c - fact 14 of DESIGN.md section 6: many TIME_WAIT
 * connections (seed 003 "有大量处于TIME_WAIT状态的连接会怎样"). On a client
 * that closes first they hold its ports to one server until the ephemeral
 * range is exhausted (EADDRNOTAVAIL) and free them after 2MSL; when the
 * server closes first, TIME_WAIT sits on the server and the client does
 * not run out; a smaller MSL shortens the wait.
 */
#include "tests/support/tcp_scenarios.h"

#define LO 40000
#define HI 40009 /* ten ports */

/* One short connection: connect, and when connected close (client first)
 * or let the server close first. Returns tcp_connect's result. */
static int short_conn(struct th *h, bool server_closes, struct th_app **out)
{
  struct th_app *a = th_socket(h, h->a);
  a->bh.close_on_connected = !server_closes;
  a->bh.close_on_peer_close = server_closes;
  *out = a;
  int rc = tcp_connect(a->s, TH_ADDR_B, 80);
  if (rc == TCP_OK)
    th_run_for(h, 100 * SIM_MS);
  return rc;
}

static void setup(struct th *h, enum tcp_profile p)
{
  th_init(h, p, TH_TOPO_PAIR);
  h->set.port_lo = LO;
  h->set.port_hi = HI;
  h->set.port_policy = TCP_PORTS_SEQUENTIAL;
  h->set.isn = TCP_ISN_CLOCK; /* new incarnations start beyond the old */
  th_start(h);
}

static void client_closes(struct th *h, enum tcp_profile p)
{
  setup(h, p);
  struct th_app *lis = th_listen(h, h->b, 80, 64);
  lis->child_bh.close_on_peer_close = true;
  int64_t t_first_tw = -1;
  for (int i = 0; i < 10; i++) {
    struct th_app *c;
    th_check_int(h, short_conn(h, false, &c), TCP_OK);
    th_check_int(h, c->n_connected, 1);
    const struct th_trans *t =
        th_find_trans(h, h->a, c->conn, TH_ANY, TCP_S_TIME_WAIT);
    th_check(h, t != NULL, "connection %d in TIME_WAIT on the client", i);
    if (i == 0)
      t_first_tw = t->t_ns;
  }
  th_check_int(h, th_count_trans(h, h->a, 0, TH_ANY, TCP_S_TIME_WAIT), 10);
  th_check_int(h, th_count_trans(h, h->b, 0, TH_ANY, TCP_S_TIME_WAIT), 0);
  /* the eleventh: every port of the range is a pair in 2MSL */
  struct th_app *c;
  size_t n = th_nsegs(h);
  th_check_int(h, short_conn(h, false, &c), TCP_EADDRNOTAVAIL);
  th_check_int(h, th_nsegs(h), n);
  th_close(c);
  /* still so just before the first TIME_WAIT ends... */
  th_run(h, t_first_tw + h->set.time_wait_ns - 1);
  th_check_int(h, short_conn(h, false, &c), TCP_EADDRNOTAVAIL);
  th_close(c);
  /* ...and a port is free when it has */
  th_run(h, t_first_tw + h->set.time_wait_ns);
  th_check_int(h, short_conn(h, false, &c), TCP_OK);
  th_check_int(h, c->n_connected, 1);
  long i = th_find(h, n, h->a, "S", TH_ANY, TH_ANY, 0);
  th_check(h, i >= 0, "a SYN");
  th_check_int(h, th_seg_at(h, (size_t)i)->h.sport, LO); /* the freed one */
}

static void test_client_time_wait_exhausts_ports_bsd(void **state)
{
  client_closes(*state, TCP_PROFILE_BSD);
}

static void test_client_time_wait_exhausts_ports_linux(void **state)
{
  client_closes(*state, TCP_PROFILE_LINUX);
}

/* A smaller MSL: the ports come back after 2 s. */
static void test_smaller_msl_frees_ports_sooner(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_PAIR);
  h->set.port_lo = LO;
  h->set.port_hi = HI;
  h->set.port_policy = TCP_PORTS_SEQUENTIAL;
  h->set.msl_ns = 1 * SIM_S;
  h->set.time_wait_ns = 2 * SIM_S;
  th_start(h);
  struct th_app *lis = th_listen(h, h->b, 80, 64);
  lis->child_bh.close_on_peer_close = true;
  struct th_app *c;
  for (int i = 0; i < 10; i++)
    th_check_int(h, short_conn(h, false, &c), TCP_OK);
  th_check_int(h, short_conn(h, false, &c), TCP_EADDRNOTAVAIL);
  th_close(c);
  th_run_for(h, 2 * SIM_S);
  th_check_int(h, short_conn(h, false, &c), TCP_OK);
  th_check_int(h, c->n_connected, 1);
}

/* The server closes first: 30 connections through 10 ports, TIME_WAIT on
 * the server, the same pairs reused (the new SYN for a pair in TIME_WAIT
 * is beyond the old incarnation: tw_reuse_syn). */
static void server_closes(struct th *h, enum tcp_profile p)
{
  setup(h, p);
  h->set.tw_reuse_syn = true;
  struct th_app *lis = th_listen(h, h->b, 80, 64);
  lis->child_bh.close_on_connected = true;
  for (int i = 0; i < 30; i++) {
    struct th_app *c;
    th_check_int(h, short_conn(h, true, &c), TCP_OK);
    th_check(h, c->n_connected == 1, "connection %d established", i);
    th_check_int(h, c->n_peer_closed, 1);
  }
  th_check_int(h, th_count_trans(h, h->a, 0, TH_ANY, TCP_S_TIME_WAIT), 0);
  th_check_int(h, th_count_trans(h, h->b, 0, TH_ANY, TCP_S_TIME_WAIT), 30);
  th_check_int(h, lis->nchild, 30);
}

static void test_server_time_wait_client_keeps_ports_bsd(void **state)
{
  server_closes(*state, TCP_PROFILE_BSD);
}

static void test_server_time_wait_client_keeps_ports_linux(void **state)
{
  server_closes(*state, TCP_PROFILE_LINUX);
}

int tsc_fact14(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_client_time_wait_exhausts_ports_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_client_time_wait_exhausts_ports_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_smaller_msl_frees_ports_sooner, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_server_time_wait_client_keeps_ports_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_server_time_wait_client_keeps_ports_linux, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact14_time_wait_ports", tests, NULL, NULL);
}
