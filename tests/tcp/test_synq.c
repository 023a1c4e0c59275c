/*
 * test_synq.c - the SYN queue (tcp/listen.c, struct tcp__synqueue):
 * entries found by hash, kept per retry count, released lazily; and the
 * 4.4BSD connection-establishment timer that ends a SYN_RCVD entry at
 * 75 s.
 *
 * Node x sends spoofed SYNs from addresses nobody owns (their SYN-ACKs die
 * at the router). White-box where the point is the structure: the
 * listener is read through tcp/tcp_int.h, and tcp__listener_check (L2:
 * levels, hash and counts agree) runs after every step.
 */
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_int.h"
#include "tests/support/tcp_harness.h"

#define SRC 0x0a090001u /* 10.9.0.1, 10.9.0.2, ... */

static const struct tcp__listener *lis_of(const struct th_app *lis)
{
  return lis->s->lis;
}

/* n spoofed SYNs now, sources SRC + first.., port 40000 + i % 20000 */
static void spoof(struct th *h, uint32_t first, uint32_t n)
{
  for (uint32_t i = first; i < first + n; i++)
    th_check_int(h, th_inject_seg(h, h->x, SRC + i / 16, (uint16_t)(40000 + i % 16),
                                  TH_ADDR_B, 80, "S", 7u * i, 0, 0),
                 SIM_OK);
}

/* bsd: SYN-ACKs at 0, 6, 18, 42 s (rto_initial 6 s doubling), and the
 * entry ends at 75 s by the connection-establishment timer, not at its
 * next SYN-ACK deadline (90 s). */
static void test_bsd_entry_ends_at_75s(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_BSD, TH_TOPO_ROUTER);
  th_start(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  spoof(h, 0, 1);
  th_run(h, 200 * SIM_S);
  int64_t owd = th_owd(h);
  int64_t want[] = {0, 6, 18, 42};
  size_t n = 0;
  for (size_t i = 0; i < th_nsegs(h); i++) {
    const struct th_seg *s = th_seg_at(h, i);
    if (s->node != h->b || !th_seg_matches(s, h->b, "SA", TH_ANY, TH_ANY, 0))
      continue;
    th_check(h, n < 4, "more than four SYN-ACKs");
    th_check_int(h, s->t_ns, owd + want[n] * SIM_S);
    n++;
  }
  th_check_int(h, n, 4);
  const struct th_trans *t =
      th_find_trans(h, h->b, 0, TCP_S_SYN_RCVD, TCP_S_CLOSED);
  th_check(h, t != NULL, "the entry ended");
  th_check_int(h, t->t_ns, owd + 75 * SIM_S);
  th_check(h, !strcmp(t->cause, "connection-establishment timer"), "cause %s",
           t->cause);
  th_check_int(h, lis_of(lis)->q_len, 0);
  th_check(h, tcp__listener_check(lis_of(lis)), "L2");
}

/* linux, no such timer: SYN-ACKs at 0, 1, 3, 7, 15, 31 s, gone at 63 s. */
static void test_linux_entry_ends_at_63s(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  h->set.syncookies = TCP_SYNCOOKIES_OFF;
  th_start(h);
  th_listen(h, h->b, 80, 8);
  spoof(h, 0, 1);
  th_run(h, 200 * SIM_S);
  th_check_int(h, th_count_segs(h, h->b, 0, 200 * SIM_S), 6);
  const struct th_trans *t =
      th_find_trans(h, h->b, 0, TCP_S_SYN_RCVD, TCP_S_CLOSED);
  th_check(h, t != NULL, "the entry ended");
  th_check_int(h, t->t_ns, th_owd(h) + 63 * SIM_S);
}

/* Many entries, SYNs arriving over time so that levels fill one after
 * another; some completed or reset before their time: every entry ends
 * exactly once, in arrival order per deadline, and the structure stays
 * consistent (dead slots released as they reach a head). */
static void test_many_entries(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  h->set.syncookies = TCP_SYNCOOKIES_OFF;
  h->set.syn_backlog = 5000;
  th_start(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  const struct tcp__listener *l = lis_of(lis);
  for (uint32_t round = 0; round < 10; round++) {
    spoof(h, round * 400, 400);
    th_run_for(h, 500 * SIM_MS);
    th_check(h, tcp__listener_check(l), "L2 at round %u", round);
    /* reset every fourth entry of this round, as its peer would */
    for (uint32_t i = round * 400; i < round * 400 + 400; i += 4)
      th_inject_seg(h, h->x, SRC + i / 16, (uint16_t)(40000 + i % 16),
                    TH_ADDR_B, 80, "R", 7u * i + 1, 0, 0);
    th_run_for(h, 10 * SIM_MS);
    th_check(h, tcp__listener_check(l), "L2 after resets %u", round);
    struct tcp_stats g;
    tcp_stats_get(h->m, &g);
    th_check_int(h, g.half_open, l->q_len); /* the gauge follows */
  }
  th_check_int(h, l->q_len, 3000);
  th_check_int(h, th_count_trans(h, h->b, 0, TCP_S_SYN_RCVD, TCP_S_LISTEN),
               1000);
  th_run(h, 200 * SIM_S);
  th_check_int(h, l->q_len, 0);
  th_check(h, tcp__listener_check(l), "L2 at the end");
  th_check_int(h, th_count_trans(h, h->b, 0, TCP_S_SYN_RCVD, TCP_S_CLOSED),
               3000);
  /* each entry sent 6 SYN-ACKs: the reset ones fewer */
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  th_check_int(h, st.syn_queue_drops, 0);
  th_check_int(h, st.half_open, 0);
  /* the 1000 reset entries sent one SYN-ACK each (reset 500 ms after
   * it, before the first retransmission); the others six */
  th_check_int(h, st.synacks_sent, 1000 + 3000 * 6);
  /* expiry order: the transitions to CLOSED come in arrival order */
  uint64_t last = 0;
  for (size_t i = 0; i < h->ntr; i++) {
    const struct th_trans *t = &h->tr[i];
    if (t->node != h->b || t->from != TCP_S_SYN_RCVD || t->to != TCP_S_CLOSED)
      continue;
    th_check(h, t->conn > last, "expiry out of arrival order");
    last = t->conn;
  }
}

/* The gauges of tcp_stats: connections waiting in an accept queue while
 * nobody accepts, and none once the listener is closed. */
static void test_accept_queue_gauge(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  static const struct tcp_callbacks none = {0};
  struct tcp_sock *ls = NULL;
  th_check_int(h, tcp_socket(h->m, h->b, 1, &none, NULL, &ls), TCP_OK);
  th_check_int(h, tcp_bind(ls, 0, 80), TCP_OK);
  th_check_int(h, tcp_listen(ls, 8), TCP_OK);
  th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 100 * SIM_MS);
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  th_check_int(h, st.accept_queued, 2);
  th_check_int(h, st.half_open, 0);
  th_check_int(h, st.synacks_sent, 2);
  th_check_int(h, tcp_close(ls), TCP_OK);
  th_run(h, 200 * SIM_MS);
  tcp_stats_get(h->m, &st);
  th_check_int(h, st.accept_queued, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_bsd_entry_ends_at_75s, th_setup,
                                      th_teardown),
      cmocka_unit_test_setup_teardown(test_linux_entry_ends_at_63s, th_setup,
                                      th_teardown),
      cmocka_unit_test_setup_teardown(test_many_entries, th_setup,
                                      th_teardown),
      cmocka_unit_test_setup_teardown(test_accept_queue_gauge, th_setup,
                                      th_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
