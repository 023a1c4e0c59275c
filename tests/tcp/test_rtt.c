/*
 * test_rtt.c - round-trip time samples (RFC 6298) at the start of a
 * connection: the SYN, when sent once, is timed by its SYN-ACK, so the
 * first data retransmission comes after the RTO that sample gives (here
 * the 200 ms floor of rto_min), not after rto_initial; a SYN that had to be
 * retransmitted gives no sample (Karn), and the RTO stays rto_initial.
 */
#include "tests/support/tcp_harness.h"

/* The client's first data segment and its first retransmission: the gap,
 * once the server has powered off after the handshake. */
static int64_t first_rto(struct th *h, bool lose_first_syn)
{
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  th_listen(h, h->b, 80, 8);
  if (lose_first_syn)
    sim_node_power_off(h->w, h->b);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  if (lose_first_syn) {
    th_run(h, 500 * SIM_MS);
    sim_node_boot(h->w, h->b);
    th_listen(h, h->b, 80, 8); /* the service comes back with the host */
  }
  th_run(h, 2 * SIM_S);
  th_check_int(h, th_info(cli).state, TCP_S_ESTABLISHED);
  sim_node_power_off(h->w, h->b);
  th_check_int(h, tcp_send(cli->s, 100), 100);
  th_run(h, 10 * SIM_S);
  long d0 = th_nth_data(h, h->a, 0), d1 = th_nth_data(h, h->a, 1);
  th_check(h, d0 >= 0 && d1 > d0, "data sent and retransmitted");
  return th_seg_at(h, (size_t)d1)->t_ns - th_seg_at(h, (size_t)d0)->t_ns;
}

static void test_syn_sample_sets_rto(void **state)
{
  struct th *h = *state;
  /* round trip 2 ms: RTO = max(rto_min, srtt + 4 rttvar) = 200 ms */
  th_check_int(h, first_rto(h, false), 200 * SIM_MS);
}

static void test_retransmitted_syn_not_timed(void **state)
{
  struct th *h = *state;
  th_check_int(h, first_rto(h, true), 1 * SIM_S); /* rto_initial */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_syn_sample_sets_rto, th_setup,
                                      th_teardown),
      cmocka_unit_test_setup_teardown(test_retransmitted_syn_not_timed,
                                      th_setup, th_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
