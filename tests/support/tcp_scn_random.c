/*
 * tcp_scn_random.c - randomised robustness. For each state a connection
 * of node a can be in (LISTEN, SYN_SENT, SYN_RCVD both ways, ESTABLISHED,
 * FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT), the
 * victim is driven there by a crafted peer (x playing TH_ADDR_GHOST) and
 * then hit by random segments: random flags (illegal combinations too),
 * seq and ack near the windows' edges or anywhere, 0..2*MSS bytes, random
 * options, mostly from the peer's 4-tuple, sometimes from other ports or
 * addresses. Afterwards the world runs on for an hour of simulated time
 * (every timer fires). Must hold: no crash (and no sanitizer report in the
 * ASan build), every transition is a declared arc (the harness counts
 * undeclared ones and th_teardown fails on them), the run continues
 * (sim_run returns SIM_OK), and the victim's socket is in a valid state.
 * Fixed seeds: the same segments every run.
 */
#include <stdio.h>

#include "tests/support/tcp_scenarios.h"

#define ROUNDS 12       /* worlds per state */
#define SEGS 60         /* random segments per world */
#define MSS 1000

enum target {
  T_LISTEN, T_SYN_SENT, T_SYN_RCVD_PASSIVE, T_SYN_RCVD_ACTIVE, T_ESTABLISHED,
  T_FIN_WAIT_1, T_FIN_WAIT_2, T_CLOSE_WAIT, T_CLOSING, T_LAST_ACK,
  T_TIME_WAIT, T__COUNT
};

static const char *const target_name[T__COUNT] = {
    "LISTEN", "SYN_SENT", "SYN_RCVD(passive)", "SYN_RCVD(active)",
    "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",
    "LAST_ACK", "TIME_WAIT"};

struct victim {
  struct tsc_peer p;
  uint16_t lport;   /* a's port */
  uint32_t snd;     /* a's SND.NXT as the peer knows it (what to ack) */
};

/* Drive a's connection with the ghost into target t. */
static void drive(struct th *h, enum target t, struct victim *v)
{
  struct tsc_peer *p = &v->p;
  memset(v, 0, sizeof *v);
  p->addr = TH_ADDR_GHOST;
  p->port = 5000;
  p->iss = 7000;
  p->nxt = 7001;
  switch (t) {
  case T_LISTEN:
    p->app = th_listen(h, h->a, 80, 8);
    p->vport = 80;
    p->nxt = 7000;
    return;
  case T_SYN_RCVD_PASSIVE: {
    p->app = th_listen(h, h->a, 80, 8);
    p->vport = 80;
    tsc_peer_send(h, p, "S", 7000, 0, 0);
    th_run_for(h, 3 * th_owd(h));
    long i = th_find(h, 0, h->a, "SA", TH_ANY, 7001, 0);
    th_check(h, i >= 0, "SYN-ACK");
    v->snd = th_seg_at(h, (size_t)i)->h.seq + 1;
    return;
  }
  case T_SYN_SENT:
  case T_SYN_RCVD_ACTIVE: {
    p->app = th_connect(h, h->a, 6000, TH_ADDR_GHOST, 5000);
    p->vport = 6000;
    th_run_for(h, 1 * SIM_MS);
    v->snd = th_seg_at(h, 0)->h.seq + 1;
    if (t == T_SYN_RCVD_ACTIVE) {
      tsc_peer_send(h, p, "S", 7000, 0, 0);
      th_run_for(h, 3 * th_owd(h));
    } else {
      p->nxt = 7000;
    }
    return;
  }
  case T_ESTABLISHED:
  case T_FIN_WAIT_1:
  case T_FIN_WAIT_2:
  case T_CLOSE_WAIT:
  case T_CLOSING:
  case T_LAST_ACK:
  case T_TIME_WAIT:
    break;
  case T__COUNT:
    fail();
  }
  tsc_peer_establish(h, p, 5000, 7000);
  v->snd = th_info(p->app).snd_nxt;
  if (t == T_FIN_WAIT_1 || t == T_FIN_WAIT_2 || t == T_CLOSING ||
      t == T_TIME_WAIT) {
    th_check_int(h, tcp_shutdown(p->app->s), TCP_OK);
    th_run_for(h, 5 * SIM_MS);
    if (t == T_FIN_WAIT_2 || t == T_TIME_WAIT)
      tsc_peer_send(h, p, "A", p->nxt, v->snd + 1, 0);
    if (t == T_CLOSING)
      tsc_peer_send(h, p, "FA", p->nxt++, v->snd, 0);
    if (t == T_TIME_WAIT) {
      th_run_for(h, 5 * SIM_MS);
      tsc_peer_send(h, p, "FA", p->nxt++, v->snd + 1, 0);
    }
    v->snd++;
  }
  if (t == T_CLOSE_WAIT || t == T_LAST_ACK) {
    tsc_peer_send(h, p, "FA", p->nxt++, v->snd, 0);
    th_run_for(h, 5 * SIM_MS);
    if (t == T_LAST_ACK) {
      th_check_int(h, tcp_shutdown(p->app->s), TCP_OK);
      v->snd++;
    }
  }
  th_run_for(h, 5 * SIM_MS);
}

static uint32_t pick_seq(struct sim_rng *r, uint32_t base)
{
  switch (sim_rng_below(r, 6)) {
  case 0: return base;
  case 1: return base + (uint32_t)sim_rng_below(r, 5) - 2u;
  case 2: return base + (uint32_t)sim_rng_below(r, 70000);     /* window */
  case 3: return base - (uint32_t)sim_rng_below(r, 70000);     /* old */
  case 4: return base + 0x80000000u;                           /* far */
  default: return (uint32_t)sim_rng_u64(r);
  }
}

static void random_segment(struct th *h, struct sim_rng *r,
                           const struct victim *v)
{
  const struct tsc_peer *p = &v->p;
  uint32_t src = p->addr;
  uint16_t sport = p->port, dport = p->vport;
  uint64_t who = sim_rng_below(r, 10);
  if (who == 0)
    sport = (uint16_t)sim_rng_u64(r);
  else if (who == 1)
    src = 0x0a090000u + (uint32_t)sim_rng_below(r, 256);
  else if (who == 2)
    dport = (uint16_t)sim_rng_u64(r);
  struct tcp_hdr hd;
  memset(&hd, 0, sizeof hd);
  hd.sport = sport;
  hd.dport = dport;
  hd.flags = (uint8_t)sim_rng_below(r, 64);
  /* bias towards segments that keep the connection alive a while, so
   * that most of them meet the state under test */
  if (sim_rng_below(r, 8) != 0)
    hd.flags &= (uint8_t)~TCP_F_RST;
  if (sim_rng_below(r, 4) != 0)
    hd.flags &= (uint8_t)~TCP_F_SYN;
  if (sim_rng_below(r, 2))
    hd.flags |= TCP_F_ACK;
  hd.seq = pick_seq(r, p->nxt);
  hd.ack = pick_seq(r, v->snd);
  hd.win = (uint16_t)sim_rng_u64(r);
  if (sim_rng_below(r, 3) == 0) {
    hd.has_mss = 1;
    hd.mss = (uint16_t)sim_rng_u64(r);
  }
  if (sim_rng_below(r, 3) == 0) {
    hd.has_wscale = 1;
    hd.wscale = (uint8_t)sim_rng_u64(r);
  }
  hd.sack_ok = sim_rng_below(r, 3) == 0;
  if (sim_rng_below(r, 3) == 0) {
    hd.has_ts = 1;
    hd.ts_val = (uint32_t)sim_rng_u64(r);
    hd.ts_ecr = (uint32_t)sim_rng_u64(r);
  }
  uint32_t len = (uint32_t)sim_rng_below(r, 2 * MSS + 1);
  if (sim_rng_below(r, 2))
    len = 0;
  th_check_int(h, th_inject(h, h->x, src, TH_ADDR_A, &hd, len), SIM_OK);
}

static void hammer(struct th *h, enum target t, unsigned round)
{
  th_init(h, round % 4 == 1 ? TCP_PROFILE_BSD : TCP_PROFILE_LINUX,
          TH_TOPO_ROUTER);
  h->seed = 1000 + round;
  h->quiet = true; /* ladders of thousands of segments help nobody */
  /* alternate the rules that change the input path */
  h->set.rfc5961 = round % 2 == 0;
  h->set.rfc1337 = round % 3 == 0;
  h->set.mss = MSS;
  th_start(h);
  struct victim v;
  drive(h, t, &v);
  struct sim_rng r;
  sim_rng_seed(&r, 42, target_name[t], round);
  for (int i = 0; i < SEGS; i++) {
    random_segment(h, &r, &v);
    th_run_for(h, (int64_t)sim_rng_below(&r, 3) * SIM_MS);
    /* the app goes on using its socket */
    if (v.p.app->s && sim_rng_below(&r, 8) == 0)
      (void)tcp_send(v.p.app->s, sim_rng_below(&r, 3000));
    if (v.p.app->s && sim_rng_below(&r, 16) == 0) {
      struct tcp_sock_info in;
      (void)tcp_sock_info(v.p.app->s, &in);
      if (in.unread)
        (void)tcp_recv(v.p.app->s, in.unread);
    }
  }
  th_run_for(h, 3600 * SIM_S);
  if (v.p.app->s) {
    enum tcp_state s = tcp_sock_state(v.p.app->s);
    th_check(h, (unsigned)s < TCP_S__COUNT, "valid state");
    th_close(v.p.app);
  }
  th_run_for(h, 3600 * SIM_S);
  th_check(h, h->undeclared == 0, "%s round %u: undeclared transition",
           target_name[t], round);
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  th_check(h, st.segs_in > 0, "segments arrived");
}

static void run_target(void **state, enum target t)
{
  struct th *h = *state;
  size_t segs = 0, trans = 0, refused = 0, closes = 0;
  for (unsigned round = 0; round < ROUNDS; round++) {
    hammer(h, t, round);
    segs += h->nsegs;
    trans += h->ntr;
    refused += h->ndr;
    closes += h->ncl;
    th_free(h);
  }
  printf("  %s: %u worlds, %zu segments, %zu transitions, %zu closes, "
         "%zu refused by tcp\n",
         target_name[t], ROUNDS, segs, trans, closes, refused);
}

#define TARGET_TEST(name, t) \
  static void test_random_##name(void **state) { run_target(state, t); }
TARGET_TEST(listen, T_LISTEN)
TARGET_TEST(syn_sent, T_SYN_SENT)
TARGET_TEST(syn_rcvd_passive, T_SYN_RCVD_PASSIVE)
TARGET_TEST(syn_rcvd_active, T_SYN_RCVD_ACTIVE)
TARGET_TEST(established, T_ESTABLISHED)
TARGET_TEST(fin_wait_1, T_FIN_WAIT_1)
TARGET_TEST(fin_wait_2, T_FIN_WAIT_2)
TARGET_TEST(close_wait, T_CLOSE_WAIT)
TARGET_TEST(closing, T_CLOSING)
TARGET_TEST(last_ack, T_LAST_ACK)
TARGET_TEST(time_wait, T_TIME_WAIT)
#undef TARGET_TEST

/* The drivers reach the states they claim (so the hammering is aimed). */
static void test_drivers_reach_their_states(void **state)
{
  static const enum tcp_state want[T__COUNT] = {
      TCP_S_LISTEN, TCP_S_SYN_SENT, TCP_S_LISTEN, TCP_S_SYN_RCVD,
      TCP_S_ESTABLISHED, TCP_S_FIN_WAIT_1, TCP_S_FIN_WAIT_2,
      TCP_S_CLOSE_WAIT, TCP_S_CLOSING, TCP_S_LAST_ACK, TCP_S_TIME_WAIT};
  struct th *h = *state;
  for (int t = 0; t < T__COUNT; t++) {
    th_init(h, TCP_PROFILE_LINUX, TH_TOPO_ROUTER);
    h->set.mss = MSS;
    th_start(h);
    struct victim v;
    drive(h, (enum target)t, &v);
    th_check(h, tcp_sock_state(v.p.app->s) == want[t], "%s: in %s",
             target_name[t], tcp_state_name(tcp_sock_state(v.p.app->s)));
    if (t == T_SYN_RCVD_PASSIVE)
      th_check(h, th_find_trans(h, h->a, TH_ANY, TCP_S_LISTEN,
                                TCP_S_SYN_RCVD),
               "half-open entry in SYN_RCVD");
    th_free(h);
  }
}

int tsc_random(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_drivers_reach_their_states, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_listen, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_syn_sent, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_syn_rcvd_passive, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_syn_rcvd_active, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_established, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_fin_wait_1, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_fin_wait_2, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_close_wait, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_closing, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_last_ack, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_random_time_wait, th_setup, th_teardown),
  };
  return cmocka_run_group_tests_name("random", tests, NULL, NULL);
}
