/*
 * tcp_scn_ratelimit.c - ACKs for out-of-window segments and challenge ACKs
 * under the `invalid_ratelimit` setting (tcp/README.md): Linux's
 * per-connection limit against ACK loops (tcp_oow_rate_limited, 500 ms),
 * which RFC 5961 section 7 asks for on challenge ACKs; none in the rfc793
 * and bsd profiles.
 *
 * A crafted peer (node x as 10.0.9.9) holds an ESTABLISHED connection
 * with the victim a, then sends it segments a receiver must not accept:
 * pure ACKs far beyond the window, the same with data, and RSTs inside the
 * window but not at RCV.NXT (challenge ACKs). Every test counts the
 * victim's answers over time.
 */
#include "tests/support/tcp_scenarios.h"

#define FAR 1000000u /* added to the peer's sequence number: out of window */

static void established(struct th *h, struct tsc_peer *p, enum tcp_profile pr,
                        int64_t limit_ns)
{
  th_init(h, pr, TH_TOPO_ROUTER);
  if (limit_ns >= 0)
    h->set.invalid_ratelimit_ns = limit_ns;
  if (pr != TCP_PROFILE_LINUX)
    h->set.rfc5961 = true; /* for the challenge-ACK tests */
  th_start(h);
  tsc_peer_establish(h, p, 5000, 7000);
  th_run_for(h, SIM_S); /* delayed ACKs and the like are over */
}

static struct tcp_stats stats(const struct th *h)
{
  struct tcp_stats s;
  tcp_stats_get(h->m, &s);
  return s;
}

/* n segments from the peer, gap apart, each with the flags and payload;
 * returns how many segments the victim sent from the first to gap after
 * the last. */
static size_t burst(struct th *h, const struct tsc_peer *p, const char *flags,
                    uint32_t seq, uint32_t len, int n, int64_t gap)
{
  int64_t t0 = th_now(h);
  for (int i = 0; i < n; i++) {
    tsc_peer_send(h, p, flags, seq, p->rcv, len);
    th_run_for(h, gap);
  }
  return th_count_segs(h, h->a, t0, th_now(h));
}

/* linux: five bogus pure ACKs 100 ms apart get one answer; the limit
 * lets the next out 500 ms after the answer, not before. */
static void test_linux_limits_oow_acks(void **state)
{
  struct th *h = *state;
  struct tsc_peer p;
  established(h, &p, TCP_PROFILE_LINUX, -1);
  th_check_int(h, h->set.invalid_ratelimit_ns, 500 * SIM_MS);
  uint64_t skipped0 = stats(h).acks_ratelimited;
  size_t first = th_nsegs(h);
  th_check_int(h, burst(h, &p, "A", p.nxt + FAR, 0, 5, 100 * SIM_MS), 1);
  /* the one answer is a duplicate ACK with the victim's numbers */
  struct tcp_sock_info in = th_info(p.app);
  long i = th_find(h, first, h->a, "A", in.snd_nxt, p.nxt, 0);
  th_check(h, i >= 0, "no ACK answered the first bogus ACK");
  th_check_int(h, stats(h).acks_ratelimited - skipped0, 4);
  /* 500 ms after the answer (sent at about t0 + one-way delay) */
  th_check_int(h, burst(h, &p, "A", p.nxt + FAR, 0, 1, 100 * SIM_MS), 1);
  th_check_int(h, tcp_sock_state(p.app->s), TCP_S_ESTABLISHED);
}

/* Data (or a FIN) out of window is always answered: the peer may be
 * retransmitting and needs the ACK. */
static void test_linux_answers_oow_data(void **state)
{
  struct th *h = *state;
  struct tsc_peer p;
  established(h, &p, TCP_PROFILE_LINUX, -1);
  uint64_t skipped0 = stats(h).acks_ratelimited;
  /* old data: below RCV.NXT, entirely */
  th_check_int(h, burst(h, &p, "A", p.nxt - 200, 100, 5, 10 * SIM_MS), 5);
  th_check_int(h, stats(h).acks_ratelimited - skipped0, 0);
}

/* Challenge ACKs share the limit (Linux 4.7+): five in-window RSTs that
 * miss RCV.NXT get one challenge ACK, and a bogus ACK right after it gets
 * none, as the two use one timestamp. */
static void test_linux_limits_challenge_acks(void **state)
{
  struct th *h = *state;
  struct tsc_peer p;
  established(h, &p, TCP_PROFILE_LINUX, -1);
  uint64_t ch0 = stats(h).challenge_acks;
  th_check_int(h, burst(h, &p, "R", p.nxt + 10, 0, 5, 50 * SIM_MS), 1);
  th_check_int(h, stats(h).challenge_acks - ch0, 1);
  th_check_int(h, burst(h, &p, "A", p.nxt + FAR, 0, 1, 50 * SIM_MS), 0);
  th_check_int(h, tcp_sock_state(p.app->s), TCP_S_ESTABLISHED);
  /* the real peer's exact RST still resets at once */
  tsc_peer_send(h, &p, "R", p.nxt, 0, 0);
  th_run_for(h, 10 * SIM_MS);
  th_check_int(h, p.app->err, TCP_ECONNRESET);
}

/* rfc793 and bsd answer every bogus segment; so does linux with the
 * limit set to 0. */
static void answers_all(struct th *h, enum tcp_profile pr, int64_t limit)
{
  struct tsc_peer p;
  established(h, &p, pr, limit);
  th_check_int(h, burst(h, &p, "A", p.nxt + FAR, 0, 5, 100 * SIM_MS), 5);
  th_check_int(h, burst(h, &p, "R", p.nxt + 10, 0, 3, 100 * SIM_MS), 3);
  th_check_int(h, stats(h).acks_ratelimited, 0);
}

static void test_rfc793_answers_all(void **state)
{
  answers_all(*state, TCP_PROFILE_RFC793, -1);
}

static void test_bsd_answers_all(void **state)
{
  answers_all(*state, TCP_PROFILE_BSD, -1);
}

static void test_linux_limit_off_answers_all(void **state)
{
  answers_all(*state, TCP_PROFILE_LINUX, 0);
}

/* The limit is per connection: a second connection of the same host is
 * answered while the first is limited. */
static void test_limit_is_per_connection(void **state)
{
  struct th *h = *state;
  struct tsc_peer p, q;
  established(h, &p, TCP_PROFILE_LINUX, -1);
  tsc_peer_establish(h, &q, 5001, 9000);
  th_run_for(h, SIM_S);
  int64_t t0 = th_now(h);
  tsc_peer_send(h, &p, "A", p.nxt + FAR, p.rcv, 0);
  th_run_for(h, 10 * SIM_MS);
  tsc_peer_send(h, &p, "A", p.nxt + FAR, p.rcv, 0);
  tsc_peer_send(h, &q, "A", q.nxt + FAR, q.rcv, 0);
  th_run_for(h, 10 * SIM_MS);
  th_check_int(h, th_count_segs(h, h->a, t0, th_now(h)), 2);
  th_check_int(h, stats(h).acks_ratelimited, 1);
}

int tsc_ratelimit(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_linux_limits_oow_acks, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_linux_answers_oow_data, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_linux_limits_challenge_acks, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_rfc793_answers_all, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_bsd_answers_all, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_linux_limit_off_answers_all, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_limit_is_per_connection, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
