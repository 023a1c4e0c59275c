/*
 * tcp_scn_f05.c - fact 5 of DESIGN.md section 6: quiet time (RFC 793 3.3
 * "Knowing When to Keep Quiet"; Stevens 18.6, seed 001 "平静时间的概念").
 * After a reboot a host with quiet_time on sends nothing for MSL: its
 * connects wait until the quiet time ends, and SYNs to its listeners get
 * no answer. With it off, both happen at once.
 */
#include "tests/support/tcp_scenarios.h"

struct quiet {
  int64_t boot;
  struct th_app *a_lis, *b_lis, *a_cli, *b_cli;
};

/* b reboots at 1 s and is up at 2 s; at 2.5 s it listens on 80, at 3 s it
 * connects to a:22 and a connects to b:80. */
static void script(struct th *h, struct quiet *q, enum tcp_profile p, bool on)
{
  th_init(h, p, TH_TOPO_PAIR);
  th_start(h);
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.quiet_time = on;
  th_host_set(h, h->b, &sb);
  q->a_lis = th_listen(h, h->a, 22, 8);
  th_run(h, 1 * SIM_S);
  th_check_int(h, sim_node_reboot(h->w, h->b, 1 * SIM_S), SIM_OK);
  q->boot = 2 * SIM_S;
  th_run(h, q->boot + 500 * SIM_MS);
  th_check(h, sim_node_is_up(h->w, h->b), "b is up again");
  q->b_lis = th_listen(h, h->b, 80, 8);
  th_run(h, 3 * SIM_S);
  q->b_cli = th_connect(h, h->b, 0, TH_ADDR_A, 22);
  q->a_cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
}

static void quiet_on(struct th *h, enum tcp_profile p)
{
  struct quiet q;
  script(h, &q, p, true);
  const int64_t msl = th_host_get(h, h->b).msl_ns, d = th_owd(h);
  th_run(h, q.boot + msl - 1);
  /* silence: not the deferred SYN, not an answer to a's SYNs */
  th_check_int(h, th_count_segs(h, h->b, q.boot, q.boot + msl), 0);
  th_check(h, th_count_segs(h, h->a, 3 * SIM_S, q.boot + msl) >= 1,
           "a's SYNs reached b");
  th_check_int(h, q.a_cli->n_connected, 0);
  th_check_int(h, q.b_cli->n_connected, 0);
  th_check_int(h, tcp_sock_state(q.b_cli->s), TCP_S_SYN_SENT);
  th_run(h, q.boot + msl + 200 * SIM_S);
  /* the deferred connect goes out when the quiet time ends */
  long i = th_find(h, 0, h->b, "S", TH_ANY, TH_ANY, 0);
  th_check(h, i >= 0, "b's SYN");
  th_check_int(h, th_seg_at(h, (size_t)i)->t_ns, q.boot + msl);
  th_check_int(h, q.b_cli->n_connected, 1);
  th_check_int(h, q.b_cli->t_connected, q.boot + msl + 2 * d);
  /* a's next SYN after the quiet time is answered */
  long j = th_find(h, 0, h->b, "SA", TH_ANY, TH_ANY, 0);
  th_check(h, j >= 0, "b's SYN-ACK to a");
  th_check(h, th_seg_at(h, (size_t)j)->t_ns >= q.boot + msl,
           "no SYN-ACK in the quiet time");
  th_check_int(h, q.a_cli->n_connected, 1);
}

static void test_quiet_time_bsd(void **state) { quiet_on(*state, TCP_PROFILE_BSD); }
static void test_quiet_time_rfc793(void **state) { quiet_on(*state, TCP_PROFILE_RFC793); }

static void test_no_quiet_time(void **state)
{
  struct th *h = *state;
  struct quiet q;
  script(h, &q, TCP_PROFILE_BSD, false);
  const int64_t d = th_owd(h);
  th_run(h, 4 * SIM_S);
  long i = th_find(h, 0, h->b, "S", TH_ANY, TH_ANY, 0);
  th_check(h, i >= 0, "b's SYN");
  th_check_int(h, th_seg_at(h, (size_t)i)->t_ns, 3 * SIM_S);
  long j = th_find(h, 0, h->b, "SA", TH_ANY, TH_ANY, 0);
  th_check(h, j >= 0, "b's SYN-ACK");
  th_check_int(h, th_seg_at(h, (size_t)j)->t_ns, 3 * SIM_S + d);
  th_check_int(h, q.a_cli->n_connected, 1);
  th_check_int(h, q.b_cli->n_connected, 1);
}

/* RFC 793 asks for it; Stevens: "只有极少的实现版遵守这一原则" - BSD and
 * Linux do not. */
static void test_quiet_time_defaults(void **state)
{
  (void)state;
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_RFC793);
  assert_true(s.quiet_time);
  tcp_settings_init(&s, TCP_PROFILE_BSD);
  assert_false(s.quiet_time);
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  assert_false(s.quiet_time);
}

int tsc_fact05(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_quiet_time_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_quiet_time_rfc793, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_no_quiet_time, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_quiet_time_defaults, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact05_quiet_time", tests, NULL, NULL);
}
