/*
 * tcp_scn_f02.c - fact 2 of DESIGN.md section 6: the worked seq/ack
 * example of seed 002 ("序号确认号：演示详细变化过程").
 *
 * Client ISN s1 = 123456 and server ISN s2 = 234567 (the seed's first
 * example) through the constant ISN generator. Steps of the seed's figure:
 *   1  a->b  S   seq=s1
 *   2  b->a  SA  seq=s2            ack=s1+1
 *   3  a->b  A   seq=s1+1          ack=s2+1
 *   4  a->b  A   seq=s1+1          ack=s2+1   len=k     (the request)
 *   5-8 b->a A   seq=s2+1, s2+b1+1, s2+b1+b2+1, s2+b1+b2+b3+1,
 *                ack=s1+k+1 each, len b1..b4             (the response)
 *   9  a->b  A   seq=s1+k+1        ack=s2+b1+b2+b3+b4+1  len=0
 * The response of 3500 bytes with an MSS of 1000 splits as b1=b2=b3=1000,
 * b4=500. Timestamps are off so that the MSS is the payload per segment.
 */
#include "tests/support/tcp_scenarios.h"

#define S1 123456u
#define S2 234567u

struct rig {
  struct th_app *lis, *cli;
};

static void build(struct th *h, enum tcp_profile p, uint64_t reply)
{
  th_init(h, p, TH_TOPO_PAIR);
  h->set.isn = TCP_ISN_CONSTANT;
  h->set.isn_constant = S1;
  h->set.mss = 1000;
  h->set.opt_timestamps = false;
  th_start(h);
  struct tcp_settings sb = th_host_get(h, h->b);
  sb.isn_constant = S2;
  th_host_set(h, h->b, &sb);
  (void)reply;
}

/* Steps 1-3 and the start of step 4, common to both examples. */
static struct th_app *handshake_then_request(struct th *h, struct th_app *lis,
                                             uint64_t k)
{
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 100 * SIM_MS);
  th_expect_nsegs(h, 3);
  th_expect_seg(h, 0, h->a, "S", S1, TH_ANY, 0);
  th_expect_seg(h, 1, h->b, "SA", S2, S1 + 1, 0);
  th_expect_seg(h, 2, h->a, "A", S1 + 1, S2 + 1, 0);
  th_check_int(h, lis->nchild, 1);
  /* step 4: the request, with the same seq and ack as step 3 */
  th_check_int(h, tcp_send(cli->s, k), (int64_t)k);
  th_run_for(h, 10 * SIM_MS);
  th_expect_seg(h, 3, h->a, "A", S1 + 1, S2 + 1, k);
  return cli;
}

/* The seed's first example: 100 bytes each way. */
static void first_example(struct th *h, enum tcp_profile p)
{
  build(h, p, 100);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  lis->child_bh.reply_after = 100;
  lis->child_bh.reply_bytes = 100;
  struct th_app *cli = handshake_then_request(h, lis, 100);
  th_run_for(h, 2 * SIM_S);
  /* the server's data: seq=234567+1, len=100, ack=123456+1+100 */
  long i = th_nth_data(h, h->b, 0);
  th_check(h, i >= 0, "server sent its 100 bytes");
  th_expect_seg(h, (size_t)i, h->b, "A", S2 + 1, S1 + 1 + 100, 100);
  /* any pure ACK of the request said the same: ack=123456+1+100 */
  for (size_t j = 4; j < (size_t)i; j++)
    th_expect_seg(h, j, h->b, "A", S2 + 1, S1 + 1 + 100, 0);
  /* the client's acknowledgement: ack=234567+1+100 */
  long last = th_last_from(h, h->a);
  th_expect_seg(h, (size_t)last, h->a, "A", S1 + 1 + 100, S2 + 1 + 100, 0);
  th_check_int(h, cli->rcvd, 100);
  th_check_int(h, th_child(lis, 0)->rcvd, 100);
}

static void test_first_example_bsd(void **state) { first_example(*state, TCP_PROFILE_BSD); }
static void test_first_example_linux(void **state) { first_example(*state, TCP_PROFILE_LINUX); }

/* The seed's figure: request of k bytes, four response segments. */
static void figure(struct th *h, enum tcp_profile p)
{
  const uint32_t k = 100, b1 = 1000, b2 = 1000, b3 = 1000, b4 = 500;
  build(h, p, b1 + b2 + b3 + b4);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  lis->child_bh.reply_after = k;
  lis->child_bh.reply_bytes = b1 + b2 + b3 + b4;
  struct th_app *cli = handshake_then_request(h, lis, k);
  th_run_for(h, 5 * SIM_S);
  /* steps 5-8: exactly four data segments from the server */
  const uint32_t seqs[4] = {S2 + 1, S2 + b1 + 1, S2 + b1 + b2 + 1,
                            S2 + b1 + b2 + b3 + 1};
  const uint32_t lens[4] = {b1, b2, b3, b4};
  for (size_t n = 0; n < 4; n++) {
    long i = th_nth_data(h, h->b, n);
    th_check(h, i >= 0, "response segment b%zu", n + 1);
    th_expect_seg(h, (size_t)i, h->b, "A", seqs[n], S1 + k + 1, lens[n]);
  }
  th_check(h, th_nth_data(h, h->b, 4) < 0, "no fifth data segment");
  /* every segment of the server after the request carries ack=s1+k+1 and
   * never repeats data */
  for (size_t j = 4; j < th_nsegs(h); j++) {
    const struct th_seg *s = th_seg_at(h, j);
    if (s->node == h->b)
      th_expect_seg(h, j, h->b, "A", TH_ANY, S1 + k + 1, TH_ANY);
  }
  /* step 9: the client's ACKs all have seq=s1+k+1 and acknowledge a
   * segment boundary; the last one acknowledges everything */
  const uint32_t bounds[4] = {S2 + b1 + 1, S2 + b1 + b2 + 1,
                              S2 + b1 + b2 + b3 + 1, S2 + b1 + b2 + b3 + b4 + 1};
  for (size_t j = 4; j < th_nsegs(h); j++) {
    const struct th_seg *s = th_seg_at(h, j);
    if (s->node != h->a)
      continue;
    th_expect_seg(h, j, h->a, "A", S1 + k + 1, TH_ANY, 0);
    bool ok = false;
    for (size_t n = 0; n < 4; n++)
      ok = ok || s->h.ack == bounds[n];
    th_check(h, ok, "client ACK #%zu on a segment boundary", j);
  }
  long last = th_last_from(h, h->a);
  th_expect_seg(h, (size_t)last, h->a, "A", S1 + k + 1,
                S2 + b1 + b2 + b3 + b4 + 1, 0);
  th_check_int(h, cli->rcvd, b1 + b2 + b3 + b4);
  struct tcp_sock_info ci = th_info(cli);
  th_check_int(h, ci.snd_nxt, S1 + k + 1);
  th_check_int(h, ci.rcv_nxt, S2 + b1 + b2 + b3 + b4 + 1);
}

static void test_figure_bsd(void **state) { figure(*state, TCP_PROFILE_BSD); }
static void test_figure_linux(void **state) { figure(*state, TCP_PROFILE_LINUX); }
static void test_figure_rfc793(void **state) { figure(*state, TCP_PROFILE_RFC793); }

int tsc_fact02(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_first_example_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_first_example_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_figure_bsd, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_figure_linux, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_figure_rfc793, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("fact02_seq_arithmetic", tests, NULL, NULL);
}
