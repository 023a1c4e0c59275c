/*
 * tcp_scn_defences.c - the end-host SYN-flood defences of RFC 4987
 * section 3 (tcp/README.md, "SYN-flood defences"), and the two-way
 * handshake experiment of fact 11.
 *
 * Each defence meets the same flood: node x sends spoofed SYNs from
 * 10.9.0.1, 10.9.0.2... (addresses nobody owns, so the SYN-ACKs die at
 * the router) against a small half-open limit on b, then a legitimate
 * client on a connects at 10 ms. Without a defence it is kept out (fact
 * 13); with one it gets in, at 10 ms + 2 one-way delays, and the counters
 * say how. The cookie, cache and recycling mechanics are then checked one
 * by one: what a cookie encodes and what it loses, which ACKs it refuses,
 * that `always` keeps no state at all, which entry a full bucket or a full
 * queue gives up, and that a SYN cache bucket has one timer for all its
 * entries.
 *
 * White-box where the point is memory or timers: the listener's SYN
 * cache and the connection blocks are read through tcp/tcp_int.h.
 */
#include "tcp/tcp_int.h"
#include "tests/support/tcp_scenarios.h"

#define FLOOD_SRC 0x0a090001u /* 10.9.0.1, 10.9.0.2, ... */
#define T_CLIENT (10 * SIM_MS)

/* A linux-profile world on the router topology; the caller adjusts the
 * settings in `tune` before the world starts. */
static void world(struct th *h, void (*tune)(struct tcp_settings *))
{
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  h->set.syncookies = TCP_SYNCOOKIES_OFF;
  if (tune)
    tune(&h->set);
  th_start(h);
}

/* n spoofed SYNs at the current time, from FLOOD_SRC + first... */
static void spoof(struct th *h, int first, int n)
{
  for (int i = first; i < first + n; i++)
    th_check_int(h, th_inject_seg(h, h->x, FLOOD_SRC + (uint32_t)i, 40000,
                                  TH_ADDR_B, 80, "S", 1000u * (uint32_t)i, 0,
                                  0),
                 SIM_OK);
}

/* Listener on b:80, n spoofed SYNs at 0, the client at 10 ms; runs to
 * `until`. */
static struct th_app *flood_then_client(struct th *h, int n, int64_t until,
                                        struct th_app **lis)
{
  *lis = th_listen(h, h->b, 80, 128);
  spoof(h, 0, n);
  th_run(h, T_CLIENT);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, until);
  return cli;
}

static struct tcp_stats stats(const struct th *h)
{
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  return st;
}

static const struct tcp__listener *lis_of(const struct th_app *lis)
{
  return lis->s->lis;
}

/* ====================================================================== */
/* No defence, recycling                                                   */
/* ====================================================================== */

static void tune_queue4(struct tcp_settings *s) { s->syn_backlog = 4; }

static void test_no_defence_flood_keeps_client_out(void **state)
{
  struct th *h = *state;
  world(h, tune_queue4);
  struct th_app *lis;
  /* SYNs at 10 ms and 1.01 s, both dropped; the flood's entries last
   * 63 s (synack_retries 5) */
  struct th_app *cli = flood_then_client(h, 4, 1500 * SIM_MS, &lis);
  struct tcp_stats st = stats(h);
  th_check_int(h, cli->n_connected, 0);
  th_check_int(h, st.syn_queue_drops, 2);
  th_check_int(h, st.syn_recycled, 0);
  th_check_int(h, st.syncookies_sent, 0);
  th_check_int(h, th_count_trans(h, h->b, 0, TCP_S_LISTEN, TCP_S_SYN_RCVD), 4);
  th_check_int(h, lis->nchild, 0);
  th_check(h, th_find(h, 0, h->b, "SA", TH_ANY, TH_ANY, 0) >= 0, "SYN-ACKs");
  /* none of them to a */
  for (size_t i = 0; i < th_nsegs(h); i++)
    th_check(h, !(th_seg_at(h, i)->node == h->b &&
                  th_seg_at(h, i)->dst == TH_ADDR_A),
             "b answered a through a full queue");
}

static void tune_recycle(struct tcp_settings *s)
{
  s->syn_backlog = 4;
  s->syn_recycle = true;
}

static void test_recycle_lets_client_in(void **state)
{
  struct th *h = *state;
  world(h, tune_recycle);
  struct th_app *lis;
  struct th_app *cli = flood_then_client(h, 4, 60 * SIM_S, &lis);
  struct tcp_stats st = stats(h);
  th_check_int(h, cli->n_connected, 1);
  th_check_int(h, cli->t_connected, T_CLIENT + 2 * th_owd(h));
  th_check_int(h, st.syn_recycled, 1);
  th_check_int(h, st.syn_queue_drops, 0);
  th_check_int(h, lis->nchild, 1);
  th_check_int(h, lis_of(lis)->q_len, 3); /* three spoofed entries left */
}

/* The entry recycled is always the oldest: the flood's first SYNs go in
 * arrival order as later SYNs arrive. */
static void test_recycle_replaces_the_oldest(void **state)
{
  struct th *h = *state;
  world(h, tune_recycle);
  th_listen(h, h->b, 80, 128);
  spoof(h, 0, 4);
  th_run(h, 100 * SIM_MS);
  spoof(h, 4, 3);
  th_run(h, 200 * SIM_MS);
  th_check_int(h, stats(h).syn_recycled, 3);
  /* the ids of the entries, in the order they were made */
  uint64_t ids[7];
  size_t n = 0;
  for (size_t i = 0; i < h->ntr && n < 7; i++)
    if (h->tr[i].node == h->b && h->tr[i].from == TCP_S_LISTEN &&
        h->tr[i].to == TCP_S_SYN_RCVD)
      ids[n++] = h->tr[i].conn;
  th_check_int(h, n, 7);
  for (size_t k = 0; k < 3; k++) {
    const struct th_trans *t =
        th_find_trans(h, h->b, ids[k], TCP_S_SYN_RCVD, TCP_S_CLOSED);
    th_check(h, t && strcmp(t->cause, "recycled for a new SYN") == 0,
             "entry %zu recycled", k);
  }
  for (size_t k = 3; k < 7; k++)
    th_check_int(h, th_conn_state(h, ids[k]), TCP_S_SYN_RCVD);
}

/* ====================================================================== */
/* SYN cache                                                               */
/* ====================================================================== */

static void tune_one_bucket(struct tcp_settings *s)
{
  s->syncache = true;
  s->syncache_buckets = 1;
  s->syncache_bucket_limit = 4;
}

static void test_syncache_bucket_evicts_oldest_client_gets_in(void **state)
{
  struct th *h = *state;
  world(h, tune_one_bucket);
  struct th_app *lis;
  struct th_app *cli = flood_then_client(h, 4, 60 * SIM_S, &lis);
  struct tcp_stats st = stats(h);
  th_check_int(h, cli->n_connected, 1);
  th_check_int(h, cli->t_connected, T_CLIENT + 2 * th_owd(h));
  th_check_int(h, st.syncache_bucket_overflows, 1);
  th_check_int(h, st.syn_queue_drops, 0);
  th_check_int(h, lis->nchild, 1);
  th_check_int(h, lis_of(lis)->q_len, 0); /* the SYN queue is not used */
  /* the evicted one is the first SYN's entry */
  const struct th_trans *first =
      th_find_trans(h, h->b, TH_ANY, TCP_S_LISTEN, TCP_S_SYN_RCVD);
  th_check(h, first != NULL, "first entry");
  const struct th_trans *ev =
      th_find_trans(h, h->b, first->conn, TCP_S_SYN_RCVD, TCP_S_CLOSED);
  th_check(h, ev && strcmp(ev->cause, "SYN cache bucket full") == 0 &&
                  ev->t_ns == T_CLIENT + th_owd(h),
           "the oldest entry gave way to the client's SYN");
}

static void tune_cache_limit4(struct tcp_settings *s)
{
  s->syncache = true;
  s->syncache_buckets = 8;
  s->syncache_limit = 4;
}

static void test_syncache_full_keeps_client_out(void **state)
{
  struct th *h = *state;
  world(h, tune_cache_limit4);
  struct th_app *lis;
  struct th_app *cli = flood_then_client(h, 4, 1500 * SIM_MS, &lis);
  struct tcp_stats st = stats(h);
  th_check_int(h, cli->n_connected, 0);
  th_check_int(h, st.syn_queue_drops, 2);
  th_check_int(h, st.syncache_bucket_overflows, 0);
  th_check_int(h, lis_of(lis)->sc->count, 4);
}

static void tune_hybrid(struct tcp_settings *s)
{
  tune_cache_limit4(s);
  s->syncookies = TCP_SYNCOOKIES_OVERFLOW;
}

/* FreeBSD's default: cache first, cookies when it is full. */
static void test_hybrid_cache_then_cookie(void **state)
{
  struct th *h = *state;
  world(h, tune_hybrid);
  struct th_app *lis;
  struct th_app *cli = flood_then_client(h, 4, 60 * SIM_S, &lis);
  struct tcp_stats st = stats(h);
  th_check_int(h, cli->n_connected, 1);
  th_check_int(h, cli->t_connected, T_CLIENT + 2 * th_owd(h));
  th_check_int(h, st.syncookies_sent, 1);
  th_check_int(h, st.syncookies_validated, 1);
  th_check_int(h, st.syncookies_failed, 0);
  th_check_int(h, st.syn_queue_drops, 0);
  th_check_int(h, lis->nchild, 1);
  th_check_int(h, th_count_trans(h, h->b, 0, TCP_S_LISTEN, TCP_S_ESTABLISHED),
               1);
  /* the four spoofed entries expire on their own: 1 + 2 + 4 + 8 s */
  th_check_int(h, lis_of(lis)->sc->count, 0);
}

static void tune_cache4(struct tcp_settings *s)
{
  s->syncache = true;
  s->syncache_buckets = 4;
}

/* 40 entries, at most 4 timers: one per non-empty bucket. The SYN queue
 * holding the same 40 has one timer in all. */
static void test_syncache_one_timer_per_bucket(void **state)
{
  struct th *h = *state;
  world(h, tune_cache4);
  struct th_app *lis = th_listen(h, h->b, 80, 128);
  th_run(h, SIM_MS);
  size_t before = sim_events_pending(h->w);
  spoof(h, 0, 40);
  th_run(h, 100 * SIM_MS); /* delivered; the SYN-ACKs died at the router */
  const struct tcp__syncache *sc = lis_of(lis)->sc;
  th_check(h, sc != NULL, "cache made");
  th_check_int(h, sc->count, 40);
  th_check_int(h, sc->nb, 4);
  size_t nonempty = 0, sum = 0;
  for (uint32_t b = 0; b < sc->nb; b++) {
    nonempty += sc->b[b].len > 0;
    sum += sc->b[b].len;
    th_check_int(h, sim_event_pending(&sc->b[b].ev), sc->b[b].len > 0);
  }
  th_check_int(h, sum, 40);
  th_check(h, nonempty >= 2, "40 entries in %zu buckets", nonempty);
  th_check_int(h, sim_events_pending(h->w) - before, nonempty);
  th_free(h);

  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  th_start(h);
  th_listen(h, h->b, 80, 128);
  th_run(h, SIM_MS);
  before = sim_events_pending(h->w);
  spoof(h, 0, 40);
  th_run(h, 100 * SIM_MS);
  th_check_int(h, sim_events_pending(h->w) - before, 1);
}

static void tune_cache(struct tcp_settings *s) { s->syncache = true; }

/* FreeBSD's schedule: SYN-ACKs at 0, 1, 3, 7 s after the SYN, the entry
 * gone at 15 s, the bucket's timer with it. */
static void test_syncache_expiry(void **state)
{
  struct th *h = *state;
  world(h, tune_cache);
  struct th_app *lis = th_listen(h, h->b, 80, 128);
  size_t before = sim_events_pending(h->w);
  spoof(h, 0, 1);
  const int64_t d = th_owd(h);
  th_run(h, 60 * SIM_S);
  static const int64_t at_s[] = {0, 1, 3, 7};
  size_t n = 0;
  for (size_t i = 0; i < th_nsegs(h); i++) {
    const struct th_seg *g = th_seg_at(h, i);
    if (g->node != h->b)
      continue;
    th_expect_seg(h, i, h->b, "SA", TH_ANY, 1, 0);
    th_check(h, n < 4, "more than 4 SYN-ACKs");
    th_check_int(h, g->t_ns, d + at_s[n] * SIM_S);
    n++;
  }
  th_check_int(h, n, 4);
  th_check_int(h, stats(h).retransmits, 3);
  const struct th_trans *t =
      th_find_trans(h, h->b, TH_ANY, TCP_S_SYN_RCVD, TCP_S_CLOSED);
  th_check(h, t && strcmp(t->cause, "SYN,ACK retries exhausted") == 0,
           "expired");
  th_check_int(h, t->t_ns, d + 15 * SIM_S);
  th_check_int(h, lis_of(lis)->sc->count, 0);
  th_check_int(h, sim_events_pending(h->w), before);
}

/* ====================================================================== */
/* SYN cookies                                                             */
/* ====================================================================== */

static void tune_cookie_overflow(struct tcp_settings *s)
{
  s->syn_backlog = 4;
  s->syncookies = TCP_SYNCOOKIES_OVERFLOW;
}

static void test_cookie_on_overflow_lets_client_in(void **state)
{
  struct th *h = *state;
  world(h, tune_cookie_overflow);
  const int64_t d = th_owd(h);
  struct th_app *lis;
  struct th_app *cli = flood_then_client(h, 4, 60 * SIM_S, &lis);
  struct tcp_stats st = stats(h);
  th_check_int(h, cli->n_connected, 1);
  th_check_int(h, cli->t_connected, T_CLIENT + 2 * d);
  th_check_int(h, st.syncookies_sent, 1);
  th_check_int(h, st.syncookies_validated, 1);
  th_check_int(h, st.syncookies_failed, 0);
  th_check_int(h, st.syn_queue_drops, 0);
  th_check_int(h, lis->nchild, 1);
  struct th_app *srv = th_child(lis, 0);
  th_check_int(h, srv->t_connected, T_CLIENT + 3 * d);
  struct tcp_sock_info si = th_info(srv), ci = th_info(cli);
  th_check_int(h, si.state, TCP_S_ESTABLISHED);
  th_check_int(h, si.iss, ci.irs);
  th_check_int(h, si.irs, ci.iss);
  /* LISTEN -> ESTABLISHED: SYN_RCVD never existed for it */
  const struct th_trans *t =
      th_find_trans(h, h->b, si.conn_id, TCP_S_LISTEN, TCP_S_ESTABLISHED);
  th_check(h, t != NULL, "cookie connection opened from LISTEN");
  th_check_int(h, th_count_trans(h, h->b, si.conn_id, TH_ANY, TH_ANY), 1);
  /* the cookie SYN-ACK is never retransmitted: exactly one to a */
  size_t to_a = 0;
  for (size_t i = 0; i < th_nsegs(h); i++)
    to_a += th_seg_at(h, i)->node == h->b && th_seg_at(h, i)->dst == TH_ADDR_A &&
            strcmp(th_seg_at(h, i)->flags, "SA") == 0;
  th_check_int(h, to_a, 1);
  th_check_int(h, lis_of(lis)->q_len, 4);
}

static void tune_cookie_always(struct tcp_settings *s)
{
  s->syncookies = TCP_SYNCOOKIES_ALWAYS;
}

/* `always`: no entry, no timer, no transition for any SYN. */
static void test_cookie_always_keeps_no_state(void **state)
{
  struct th *h = *state;
  world(h, tune_cookie_always);
  struct th_app *lis = th_listen(h, h->b, 80, 128);
  th_run(h, SIM_MS);
  size_t before = sim_events_pending(h->w);
  spoof(h, 0, 50);
  th_run(h, 100 * SIM_MS);
  const struct tcp__listener *l = lis_of(lis);
  th_check_int(h, l->q_len, 0);
  th_check(h, l->sc == NULL, "no SYN cache");
  th_check_int(h, sim_events_pending(h->w), before);
  th_check_int(h, th_count_trans(h, h->b, 0, TCP_S_LISTEN, TH_ANY), 0);
  th_check_int(h, stats(h).syncookies_sent, 50);
  /* the client still gets in, from LISTEN */
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 120 * SIM_S);
  th_check_int(h, cli->n_connected, 1);
  struct tcp_stats st = stats(h);
  th_check_int(h, st.syncookies_sent, 51);
  th_check_int(h, st.syncookies_validated, 1);
  th_check_int(h, st.retransmits, 0); /* no SYN-ACK is ever repeated */
  th_check_int(h, th_count_segs(h, h->b, 0, INT64_MAX), 51);
  th_check_int(h, th_count_trans(h, h->b, 0, TCP_S_LISTEN, TCP_S_SYN_RCVD),
               0);
  th_check_int(h,
               th_count_trans(h, h->b, 0, TCP_S_LISTEN, TCP_S_ESTABLISHED), 1);
}

/* The MSS table, exactly: each value comes back; others round down. */
static void test_cookie_mss_table_roundtrip(void **state)
{
  (void)state;
  const uint64_t key[2] = {0x0123456789abcdefu, 0xfedcba9876543210u};
  const struct tcp__cookie_tuple t = {TH_ADDR_B, TH_ADDR_A, 80, 40000};
  static const struct {
    uint16_t offered, want;
  } cases[] = {{536, 536},   {1300, 1300}, {1440, 1440}, {1460, 1460},
               {100, 536},   {1000, 536},  {1299, 536},  {1452, 1440},
               {1459, 1440}, {9000, 1460}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint16_t enc = 0;
    const int64_t now = 1000 * SIM_S + 17 * SIM_MS;
    uint32_t c = tcp__cookie_make(key, &t, 777777u, cases[i].offered, now, &enc);
    assert_int_equal(enc, cases[i].want);
    assert_int_equal(tcp__cookie_check(key, &t, 777777u, c, now),
                     cases[i].want);
  }
  uint16_t enc;
  /* within two 60 s periods: made at 59.9 s (counter 0), checked up to
   * the end of counter 1 and refused from counter 2 on */
  uint32_t c = tcp__cookie_make(key, &t, 5, 1460, 59900 * SIM_MS, &enc);
  assert_int_equal(tcp__cookie_check(key, &t, 5, c, 119999 * SIM_MS), 1460);
  assert_int_equal(tcp__cookie_check(key, &t, 5, c, 120 * SIM_S), 0);
  /* another tuple, another key, a neighbour value. (The peer's ISN is
   * added in linearly, as in Linux: an ISN off by k reads as index - k,
   * so it is the keyed hashes, not the ISN, that a forger must guess.) */
  const struct tcp__cookie_tuple t2 = {TH_ADDR_B, TH_ADDR_A, 80, 40001};
  const uint64_t key2[2] = {key[0] ^ 1u, key[1]};
  assert_int_equal(tcp__cookie_check(key, &t2, 5, c, 60 * SIM_S), 0);
  assert_int_equal(tcp__cookie_check(key, &t, 6, c, 60 * SIM_S), 1440);
  assert_int_equal(tcp__cookie_check(key2, &t, 5, c, 60 * SIM_S), 0);
  assert_int_equal(tcp__cookie_check(key, &t, 5, c + 1, 60 * SIM_S), 0);
  /* timestamp options: shift and SACK in the low 6 bits, never ahead */
  uint32_t ts = tcp__cookie_ts(1002, true, 7, true);
  assert_int_equal(ts & 63u, 7u | TCP__COOKIE_TS_SACK);
  assert_true(ts <= 1002 && ts > 1002 - 64);
  assert_int_equal(tcp__cookie_ts(1002, false, 0, false) & 15u,
                   TCP__COOKIE_TS_WSCALE_NONE);
}

/* Through the network: a client offering each table MSS gets segments
 * of exactly that size from the cookie connection. */
static void test_cookie_mss_decoded_equals_client(void **state)
{
  struct th *h = *state;
  static const uint16_t mss[] = {536, 1300, 1440, 1460};
  for (size_t k = 0; k < 4; k++) {
    if (k)
      th_free(h);
    th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
    h->set.opt_timestamps = false; /* no 12 bytes of option per segment */
    h->set.syncookies = TCP_SYNCOOKIES_ALWAYS;
    h->set.mss = 1460;
    th_start(h);
    struct tcp_settings sa = th_host_get(h, h->a);
    sa.mss = mss[k];
    th_host_set(h, h->a, &sa);
    struct th_app *lis = th_listen(h, h->b, 80, 16);
    lis->child_bh.reply_after = 1;
    lis->child_bh.reply_bytes = 4000;
    struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
    th_run(h, 10 * SIM_MS);
    th_check_int(h, cli->n_connected, 1);
    th_check(h, tcp_send(cli->s, 1) == 1, "send");
    th_run(h, 2 * SIM_S);
    th_check_int(h, stats(h).syncookies_validated, 1);
    long i = th_nth_data(h, h->b, 0);
    th_check(h, i >= 0, "server data");
    th_check_int(h, th_seg_at(h, (size_t)i)->len, mss[k]);
    th_check_int(h, th_child(lis, 0)->s->conn->mss, mss[k]);
  }
}

/* A cookie answered by a crafted peer (x as 10.0.0.99): the server's
 * SYN-ACK is in the capture, so the peer knows the cookie. */
struct crafted {
  uint32_t cookie;   /* the SYN-ACK's seq */
  uint32_t isn;      /* the peer's */
};

static struct crafted crafted_syn(struct th *h, uint16_t sport, uint32_t isn)
{
  size_t n0 = th_nsegs(h);
  th_check_int(h, th_inject_seg(h, h->x, TH_ADDR_GHOST, sport, TH_ADDR_B, 80,
                                "S", isn, 0, 0),
               SIM_OK);
  th_run_for(h, 2 * th_owd(h));
  long i = th_find(h, n0, h->b, "SA", TH_ANY, isn + 1, 0);
  th_check(h, i >= 0, "cookie SYN-ACK");
  struct crafted c = {th_seg_at(h, (size_t)i)->h.seq, isn};
  return c;
}

static void crafted_ack(struct th *h, uint16_t sport, uint32_t seq,
                        uint32_t ack)
{
  th_check_int(h, th_inject_seg(h, h->x, TH_ADDR_GHOST, sport, TH_ADDR_B, 80,
                                "A", seq, ack, 0),
               SIM_OK);
  th_run_for(h, 2 * th_owd(h));
}

static void test_cookie_forged_replayed_expired_refused(void **state)
{
  struct th *h = *state;
  world(h, tune_cookie_always);
  struct th_app *lis = th_listen(h, h->b, 80, 16);
  struct crafted c = crafted_syn(h, 5000, 9000);
  /* forged: a guess at the cookie */
  size_t n0 = th_nsegs(h);
  crafted_ack(h, 5000, c.isn + 1, c.cookie + 12345);
  th_expect_seg(h, n0 + 1, h->b, "R", c.cookie + 12345, TH_ANY, 0);
  /* replayed for another 4-tuple (another port of the same peer) */
  crafted_ack(h, 5001, c.isn + 1, c.cookie + 1);
  th_expect_seg(h, n0 + 3, h->b, "R", c.cookie + 1, TH_ANY, 0);
  struct tcp_stats st = stats(h);
  th_check_int(h, st.syncookies_failed, 2);
  th_check_int(h, st.syncookies_validated, 0);
  th_check_int(h, lis->nchild, 0);
  /* expired: the cookie made near 0 s is two counters old at 149 s; a
   * fresh cookie then keeps the listener checking ACKs */
  th_run(h, 149 * SIM_S);
  crafted_syn(h, 6000, 100);
  n0 = th_nsegs(h);
  crafted_ack(h, 5000, c.isn + 1, c.cookie + 1);
  th_expect_seg(h, n0 + 1, h->b, "R", c.cookie + 1, TH_ANY, 0);
  st = stats(h);
  th_check_int(h, st.syncookies_failed, 3);
  th_check_int(h, st.syncookies_validated, 0);
  th_check_int(h, lis->nchild, 0);
  /* the same ACK while the cookie is young opens the connection */
  th_free(h);
  world(h, tune_cookie_always);
  lis = th_listen(h, h->b, 80, 16);
  c = crafted_syn(h, 5000, 9000);
  th_run(h, 90 * SIM_S);
  crafted_ack(h, 5000, c.isn + 1, c.cookie + 1);
  th_check_int(h, stats(h).syncookies_validated, 1);
  th_check_int(h, lis->nchild, 1);
  th_check_int(h, th_info(th_child(lis, 0)).state, TCP_S_ESTABLISHED);
}

/* No cookie sent within two periods: an ACK is not even checked (Linux
 * tcp_synq_no_recent_overflow), it simply gets its reset. */
static void test_cookie_ack_unchecked_when_none_sent_lately(void **state)
{
  struct th *h = *state;
  world(h, tune_cookie_always);
  th_listen(h, h->b, 80, 16);
  struct crafted c = crafted_syn(h, 5000, 9000);
  th_run(h, 130 * SIM_S);
  size_t n0 = th_nsegs(h);
  crafted_ack(h, 5000, c.isn + 1, c.cookie + 1);
  th_expect_seg(h, n0 + 1, h->b, "R", c.cookie + 1, TH_ANY, 0);
  th_check_int(h, stats(h).syncookies_failed, 0);
  th_check_int(h, stats(h).syncookies_validated, 0);
}

/* What a cookie loses: window scale and SACK without timestamps; with
 * them they ride in the TSval and survive. */
static void cookie_options(struct th *h, bool timestamps)
{
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
  h->set.opt_timestamps = timestamps;
  h->set.syncookies = TCP_SYNCOOKIES_ALWAYS;
  th_start(h);
  struct th_app *lis = th_listen(h, h->b, 80, 16);
  th_run(h, SIM_S);
  size_t n0 = th_nsegs(h);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 2 * SIM_S);
  th_check_int(h, cli->n_connected, 1);
  th_expect_seg(h, n0, h->a, "S", TH_ANY, TH_ANY, 0);
  th_check(h, th_seg_at(h, n0)->h.has_wscale && th_seg_at(h, n0)->h.sack_ok,
           "the client offers window scaling and SACK");
  th_expect_seg(h, n0 + 1, h->b, "SA", TH_ANY, TH_ANY, 0);
  const struct th_seg *sa = th_seg_at(h, n0 + 1);
  const struct tcp__conn *sc = th_child(lis, 0)->s->conn;
  const struct tcp__conn *cc = cli->s->conn;
  th_check_int(h, stats(h).syncookies_validated, 1);
  if (!timestamps) {
    th_check_int(h, sa->h.has_wscale, 0);
    th_check_int(h, sa->h.sack_ok, 0);
    th_check_int(h, sc->flags & (TCP__CF_WSCALE | TCP__CF_SACK), 0);
    th_check_int(h, cc->flags & (TCP__CF_WSCALE | TCP__CF_SACK), 0);
  } else {
    th_check_int(h, sa->h.has_wscale, 1);
    th_check_int(h, sa->h.sack_ok, 1);
    th_check_int(h, sa->h.ts_val & 63u, h->set.wscale | TCP__COOKIE_TS_SACK);
    th_check_int(h, sc->flags & (TCP__CF_WSCALE | TCP__CF_SACK | TCP__CF_TS),
                 TCP__CF_WSCALE | TCP__CF_SACK | TCP__CF_TS);
    th_check_int(h, sc->snd_wscale, h->set.wscale);
    th_check_int(h, cc->flags & TCP__CF_WSCALE, TCP__CF_WSCALE);
  }
}

static void test_cookie_loses_wscale_without_timestamps(void **state)
{
  cookie_options(*state, false);
}

static void test_cookie_keeps_wscale_with_timestamps(void **state)
{
  cookie_options(*state, true);
}

/* ====================================================================== */
/* two_way_handshake (fact 11: why three segments)                         */
/* ====================================================================== */

static void tune_two_way(struct tcp_settings *s) { s->two_way_handshake = true; }

/* The server is ESTABLISHED when the SYN arrives, before any ACK. */
static void test_two_way_established_after_syn_alone(void **state)
{
  struct th *h = *state;
  world(h, tune_two_way);
  const int64_t d = th_owd(h);
  struct th_app *lis = th_listen(h, h->b, 80, 16);
  th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, d + 1); /* the SYN has just arrived; nothing else has */
  th_check_int(h, th_nsegs(h), 2); /* S, SA */
  th_check_int(h, lis->nchild, 1);
  th_check_int(h, th_info(th_child(lis, 0)).state, TCP_S_ESTABLISHED);
  const struct th_trans *t =
      th_find_trans(h, h->b, TH_ANY, TCP_S_SYN_RCVD, TCP_S_ESTABLISHED);
  th_check(h, t != NULL, "SYN_RCVD -> ESTABLISHED");
  th_check_int(h, t->t_ns, d);
}

/* An old duplicate SYN nobody will ever acknowledge: still a connection,
 * handed to the application. */
static void test_two_way_old_duplicate_makes_connection(void **state)
{
  struct th *h = *state;
  world(h, tune_two_way);
  struct th_app *lis = th_listen(h, h->b, 80, 16);
  th_check_int(h, th_inject_seg(h, h->x, TH_ADDR_GHOST, 1025, TH_ADDR_B, 80,
                                "S", 9000, 0, 0),
               SIM_OK);
  th_run(h, 30 * SIM_S);
  th_check_int(h, lis->nchild, 1);
  struct tcp_sock_info in = th_info(th_child(lis, 0));
  th_check_int(h, in.state, TCP_S_ESTABLISHED);
  th_check_int(h, in.raddr, TH_ADDR_GHOST);
  th_check_int(h, in.irs, 9000);
  th_check_int(h, stats(h).conns_opened, 1);
  /* the only segments: the old SYN and the one SYN-ACK into the void */
  th_check_int(h, th_nsegs(h), 2);
  th_expect_seg(h, 1, h->b, "SA", in.iss, 9001, 0);
}

int tsc_defences(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_no_defence_flood_keeps_client_out, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_recycle_lets_client_in, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_recycle_replaces_the_oldest, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syncache_bucket_evicts_oldest_client_gets_in, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syncache_full_keeps_client_out, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_hybrid_cache_then_cookie, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syncache_one_timer_per_bucket, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_syncache_expiry, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_cookie_on_overflow_lets_client_in, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_cookie_always_keeps_no_state, th_setup, th_teardown),
      cmocka_unit_test(test_cookie_mss_table_roundtrip),
      cmocka_unit_test_setup_teardown(test_cookie_mss_decoded_equals_client, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_cookie_forged_replayed_expired_refused, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_cookie_ack_unchecked_when_none_sent_lately, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_cookie_loses_wscale_without_timestamps, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_cookie_keeps_wscale_with_timestamps, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_two_way_established_after_syn_alone, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_two_way_old_duplicate_makes_connection, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("syn_defences", tests, NULL, NULL);
}
