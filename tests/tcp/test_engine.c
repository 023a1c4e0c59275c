/*
 * test_engine.c - smoke tests of the TCP engine on a two-host world built
 * by hand with the core API: handshake numbers and options, data both
 * ways, the four-way close through TIME_WAIT, a reset from a closed port,
 * the SYN retransmission schedule. The exhaustive per-fact scenarios live
 * in the test_fact*.c files; these exist to develop the engine with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp.h"
#include "tests/support/support.h"

#define A_ADDR 0x0a000001u
#define B_ADDR 0x0a000002u
#define MAXSEG 256

struct seg {
  int64_t t_ns;
  uint32_t node;
  struct tcp_hdr h;
  uint32_t len;
};

static struct sim_world *g_now; /* for callback timestamps */

struct app {
  int connected, acceptable, peer_closed, closed;
  int closed_err;
  int64_t closed_ns;
  uint64_t readable;
};

struct env {
  struct sim_world *w;
  struct tcp_module *m;
  uint32_t a, b;
  struct seg segs[MAXSEG];
  int nsegs;
  struct app ca, sa, la;
};

static void on_send(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, int dir, const struct sim_packet *p)
{
  struct env *e = ctx;
  if (p->proto != 6 || e->nsegs >= MAXSEG)
    return;
  struct seg *s = &e->segs[e->nsegs++];
  s->t_ns = sim_now(w);
  s->node = node;
  memcpy(&s->h, p->l4, sizeof s->h);
  s->len = p->payload_len;
}

/* With the link down segments never leave: record them as dropped. */
static void on_drop(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, enum sim_drop_reason why,
                    const struct sim_packet *p)
{
  if (why == SIM_DROP_LINK_DOWN)
    on_send(ctx, w, node, link, 0, p);
}

static const struct sim_trace_ops trace = {.pkt_send = on_send,
                                           .pkt_drop = on_drop};

static void cb_connected(struct tcp_sock *s, void *ctx)
{
  ((struct app *)ctx)->connected++;
}
static void cb_acceptable(struct tcp_sock *s, void *ctx)
{
  ((struct app *)ctx)->acceptable++;
}
static void cb_readable(struct tcp_sock *s, size_t n, void *ctx)
{
  ((struct app *)ctx)->readable = n;
}
static void cb_peer_closed(struct tcp_sock *s, void *ctx)
{
  ((struct app *)ctx)->peer_closed++;
}
static void cb_closed(struct tcp_sock *s, int err, void *ctx)
{
  ((struct app *)ctx)->closed++;
  ((struct app *)ctx)->closed_err = err;
  ((struct app *)ctx)->closed_ns = g_now ? sim_now(g_now) : 0;
}

static const struct tcp_callbacks cbs = {cb_connected, cb_acceptable,
                                         cb_readable, cb_peer_closed,
                                         cb_closed};

static struct env *env_new(const struct tcp_settings *s)
{
  struct env *e = calloc(1, sizeof *e);
  assert_non_null(e);
  e->w = sim_world_new(42);
  assert_int_equal(sim_node_add(e->w, SIM_NODE_HOST, "a", &e->a), SIM_OK);
  assert_int_equal(sim_node_add(e->w, SIM_NODE_HOST, "b", &e->b), SIM_OK);
  assert_int_equal(sim_node_add_addr(e->w, e->a, A_ADDR), SIM_OK);
  assert_int_equal(sim_node_add_addr(e->w, e->b, B_ADDR), SIM_OK);
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  lp.rate_bps = 0;
  lp.delay_ns = 10 * SIM_MS;
  uint32_t link;
  assert_int_equal(sim_link_add(e->w, e->a, e->b, &lp, NULL, &link), SIM_OK);
  assert_int_equal(sim_routes_compute(e->w), SIM_OK);
  assert_int_equal(sim_trace_subscribe(e->w, &trace, e), SIM_OK);
  e->m = tcp_install(e->w, s);
  assert_non_null(e->m);
  g_now = e->w;
  return e;
}

static void env_free(struct env *e)
{
  sim_world_free(e->w);
  tcp_free(e->m);
  free(e);
}

/* A listener on b:80 and a client on a connected to it. */
static void open_pair(struct env *e, struct tcp_sock **cl, struct tcp_sock **ls)
{
  assert_int_equal(tcp_socket(e->m, e->b, 1, &cbs, &e->la, ls), TCP_OK);
  assert_int_equal(tcp_bind(*ls, 0, 80), TCP_OK);
  assert_int_equal(tcp_listen(*ls, 16), TCP_OK);
  assert_int_equal(tcp_socket(e->m, e->a, 1, &cbs, &e->ca, cl), TCP_OK);
  assert_int_equal(tcp_connect(*cl, B_ADDR, 80), TCP_OK);
}

static void test_handshake_numbers_and_options(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  struct env *e = env_new(&s);
  struct tcp_sock *cl, *ls, *sv;
  open_pair(e, &cl, &ls);
  assert_int_equal(tcp_sock_state(cl), TCP_S_SYN_SENT);
  sim_run(e->w, SIM_S);
  assert_int_equal(e->ca.connected, 1);
  assert_int_equal(e->la.acceptable, 1);
  assert_int_equal(tcp_accept(ls, &cbs, &e->sa, &sv), TCP_OK);
  assert_int_equal(tcp_sock_state(cl), TCP_S_ESTABLISHED);
  assert_int_equal(tcp_sock_state(sv), TCP_S_ESTABLISHED);
  assert_int_equal(e->nsegs, 3);
  const struct tcp_hdr *syn = &e->segs[0].h, *sa = &e->segs[1].h,
                       *ack = &e->segs[2].h;
  assert_int_equal(syn->flags, TCP_F_SYN);
  assert_true(syn->has_mss && syn->mss == 1460);
  assert_true(syn->has_wscale && syn->wscale == 7);
  assert_true(syn->sack_ok && syn->has_ts);
  assert_int_equal(sa->flags, TCP_F_SYN | TCP_F_ACK);
  assert_int_equal(sa->ack, syn->seq + 1);
  assert_true(sa->has_mss && sa->has_wscale && sa->sack_ok && sa->has_ts);
  assert_int_equal(sa->ts_ecr, syn->ts_val);
  assert_int_equal(ack->flags, TCP_F_ACK);
  assert_int_equal(ack->seq, syn->seq + 1);
  assert_int_equal(ack->ack, sa->seq + 1);
  struct tcp_sock_info ci, si;
  tcp_sock_info(cl, &ci);
  tcp_sock_info(sv, &si);
  assert_int_equal(ci.iss, syn->seq);
  assert_int_equal(ci.irs, sa->seq);
  assert_int_equal(si.iss, sa->seq);
  assert_int_equal(si.irs, syn->seq);
  env_free(e);
}

static void test_data_both_ways_and_close(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  struct env *e = env_new(&s);
  struct tcp_sock *cl, *ls, *sv;
  open_pair(e, &cl, &ls);
  sim_run(e->w, SIM_S);
  assert_int_equal(tcp_accept(ls, &cbs, &e->sa, &sv), TCP_OK);
  assert_int_equal(tcp_send(cl, 100), 100);
  sim_run(e->w, 2 * SIM_S);
  assert_int_equal(e->sa.readable, 100);
  assert_int_equal(tcp_recv(sv, 1000), 100);
  assert_int_equal(tcp_send(sv, 5000), 5000);
  sim_run(e->w, 3 * SIM_S);
  assert_int_equal(e->ca.readable, 5000);
  assert_int_equal(tcp_recv(cl, 5000), 5000);
  struct tcp_sock_info ci, si;
  tcp_sock_info(cl, &ci);
  tcp_sock_info(sv, &si);
  assert_int_equal(ci.snd_una, ci.iss + 101);
  assert_int_equal(si.snd_una, si.iss + 5001);
  assert_int_equal(ci.rcv_nxt, si.iss + 5001);
  /* four-way close, client first */
  int before = e->nsegs;
  assert_int_equal(tcp_close(cl), TCP_OK);
  sim_run(e->w, 4 * SIM_S);
  assert_int_equal(e->sa.peer_closed, 1);
  assert_int_equal(tcp_sock_state(sv), TCP_S_CLOSE_WAIT);
  assert_int_equal(tcp_close(sv), TCP_OK);
  sim_run(e->w, 5 * SIM_S);
  /* FIN, ACK (delayed), FIN, ACK */
  assert_int_equal(e->nsegs - before, 4);
  assert_int_equal(e->segs[before].h.flags, TCP_F_FIN | TCP_F_ACK);
  assert_int_equal(e->segs[before + 1].h.flags, TCP_F_ACK);
  assert_int_equal(e->segs[before + 1].t_ns - e->segs[before].t_ns,
                   10 * SIM_MS + s.delack_ns);
  assert_int_equal(e->segs[before + 2].h.flags, TCP_F_FIN | TCP_F_ACK);
  assert_int_equal(e->segs[before + 3].h.flags, TCP_F_ACK);
  struct tcp_stats st;
  tcp_stats_get(e->m, &st);
  assert_int_equal(st.conns_closed, 1); /* the server's; the client waits */
  size_t n;
  const struct tcp_arc *arcs = tcp_arcs(&n);
  uint64_t tw = 0;
  for (size_t i = 0; i < n; i++)
    if (arcs[i].from == TCP_S_FIN_WAIT_2 && arcs[i].to == TCP_S_TIME_WAIT)
      tw = tcp_arc_count(e->m, i);
  assert_int_equal(tw, 1);
  int64_t t_tw = e->segs[before + 3].t_ns;
  sim_run(e->w, t_tw + s.time_wait_ns - 1);
  tcp_stats_get(e->m, &st);
  assert_int_equal(st.conns_closed, 1);
  sim_run(e->w, t_tw + s.time_wait_ns);
  tcp_stats_get(e->m, &st);
  assert_int_equal(st.conns_closed, 2);
  env_free(e);
}

/* Seed fact 3: the passive side closes at once, its ACK merges with its
 * FIN and the active side goes FIN_WAIT_1 -> TIME_WAIT. */
static void closer_cb(struct tcp_sock *s, void *ctx)
{
  tcp_close(s);
}

static void test_merged_fin_ack(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  struct env *e = env_new(&s);
  struct tcp_sock *cl, *ls, *sv;
  open_pair(e, &cl, &ls);
  sim_run(e->w, SIM_S);
  struct tcp_callbacks scb = cbs;
  scb.peer_closed = closer_cb;
  assert_int_equal(tcp_accept(ls, &scb, &e->sa, &sv), TCP_OK);
  int before = e->nsegs;
  assert_int_equal(tcp_shutdown(cl), TCP_OK);
  sim_run(e->w, 2 * SIM_S);
  assert_int_equal(e->nsegs - before, 3);
  assert_int_equal(e->segs[before + 1].h.flags, TCP_F_FIN | TCP_F_ACK);
  assert_int_equal(e->segs[before + 1].h.ack, e->segs[before].h.seq + 1);
  assert_int_equal(tcp_sock_state(cl), TCP_S_TIME_WAIT);
  size_t n;
  const struct tcp_arc *arcs = tcp_arcs(&n);
  for (size_t i = 0; i < n; i++)
    if (arcs[i].from == TCP_S_FIN_WAIT_1 && arcs[i].to == TCP_S_TIME_WAIT)
      assert_int_equal(tcp_arc_count(e->m, i), 1);
  env_free(e);
}

static void test_rst_from_closed_port(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  struct env *e = env_new(&s);
  struct tcp_sock *cl;
  assert_int_equal(tcp_socket(e->m, e->a, 1, &cbs, &e->ca, &cl), TCP_OK);
  assert_int_equal(tcp_connect(cl, B_ADDR, 81), TCP_OK);
  sim_run(e->w, SIM_S);
  assert_int_equal(e->nsegs, 2);
  assert_int_equal(e->segs[1].h.flags, TCP_F_RST | TCP_F_ACK);
  assert_int_equal(e->segs[1].h.seq, 0);
  assert_int_equal(e->segs[1].h.ack, e->segs[0].h.seq + 1);
  assert_int_equal(e->ca.closed, 1);
  assert_int_equal(e->ca.closed_err, TCP_ECONNREFUSED);
  assert_int_equal(tcp_sock_state(cl), TCP_S_CLOSED);
  assert_int_equal(tcp_close(cl), TCP_OK);
  assert_int_equal(tcp_close(cl), TCP_EBADF);
  env_free(e);
}

static void syn_schedule(const struct tcp_settings *s, const int64_t *want,
                         int nwant, int64_t t_err)
{
  struct env *e = env_new(s);
  assert_int_equal(sim_link_set_up(e->w, 0, false), SIM_OK);
  struct tcp_sock *cl;
  assert_int_equal(tcp_socket(e->m, e->a, 1, &cbs, &e->ca, &cl), TCP_OK);
  assert_int_equal(tcp_connect(cl, B_ADDR, 80), TCP_OK);
  sim_run(e->w, 1000 * SIM_S);
  assert_int_equal(e->nsegs, nwant);
  for (int i = 0; i < nwant; i++) {
    assert_int_equal(e->segs[i].h.flags, TCP_F_SYN);
    assert_int_equal(e->segs[i].t_ns, want[i]);
  }
  assert_int_equal(e->ca.closed_err, TCP_ETIMEDOUT);
  assert_int_equal(e->ca.closed_ns, t_err);
  env_free(e);
}

static void test_syn_retransmission_doubling(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  memset(s.syn_rto_ns, 0, sizeof s.syn_rto_ns);
  s.syn_retries = 6;
  const int64_t want[] = {0, 1 * SIM_S, 3 * SIM_S, 7 * SIM_S, 15 * SIM_S,
                          31 * SIM_S, 63 * SIM_S};
  syn_schedule(&s, want, 7, 127 * SIM_S);
}

static void test_syn_retransmission_linux(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  const int64_t want[] = {0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
  int64_t w[11];
  for (int i = 0; i < 11; i++)
    w[i] = want[i] * SIM_S;
  syn_schedule(&s, w, 11, 131 * SIM_S);
}

static void test_syn_retransmission_bsd(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_BSD);
  const int64_t want[] = {0, 6 * SIM_S, 30 * SIM_S};
  syn_schedule(&s, want, 3, 75 * SIM_S);
}

static uint64_t arc_count(struct tcp_module *m, enum tcp_state f,
                          enum tcp_state t)
{
  size_t n;
  const struct tcp_arc *arcs = tcp_arcs(&n);
  for (size_t i = 0; i < n; i++)
    if (arcs[i].from == f && arcs[i].to == t)
      return tcp_arc_count(m, i);
  return UINT64_MAX;
}

static void test_simultaneous_open_and_close(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_RFC793);
  struct env *e = env_new(&s);
  struct tcp_sock *x, *y;
  assert_int_equal(tcp_socket(e->m, e->a, 1, &cbs, &e->ca, &x), TCP_OK);
  assert_int_equal(tcp_socket(e->m, e->b, 1, &cbs, &e->sa, &y), TCP_OK);
  assert_int_equal(tcp_bind(x, 0, 1000), TCP_OK);
  assert_int_equal(tcp_bind(y, 0, 2000), TCP_OK);
  assert_int_equal(tcp_connect(x, B_ADDR, 2000), TCP_OK);
  assert_int_equal(tcp_connect(y, A_ADDR, 1000), TCP_OK);
  sim_run(e->w, SIM_S);
  assert_int_equal(tcp_sock_state(x), TCP_S_ESTABLISHED);
  assert_int_equal(tcp_sock_state(y), TCP_S_ESTABLISHED);
  assert_int_equal(e->ca.connected, 1);
  assert_int_equal(e->sa.connected, 1);
  assert_int_equal(arc_count(e->m, TCP_S_SYN_SENT, TCP_S_SYN_RCVD), 2);
  assert_int_equal(arc_count(e->m, TCP_S_SYN_RCVD, TCP_S_ESTABLISHED), 2);
  assert_int_equal(e->nsegs, 4); /* SYN, SYN, SYN-ACK, SYN-ACK */
  /* simultaneous close */
  assert_int_equal(tcp_shutdown(x), TCP_OK);
  assert_int_equal(tcp_shutdown(y), TCP_OK);
  sim_run(e->w, 2 * SIM_S);
  assert_int_equal(arc_count(e->m, TCP_S_FIN_WAIT_1, TCP_S_CLOSING), 2);
  assert_int_equal(arc_count(e->m, TCP_S_CLOSING, TCP_S_TIME_WAIT), 2);
  assert_int_equal(tcp_sock_state(x), TCP_S_TIME_WAIT);
  sim_run(e->w, 2 * SIM_S + s.time_wait_ns);
  assert_int_equal(tcp_sock_state(x), TCP_S_CLOSED);
  assert_int_equal(e->ca.closed_err, TCP_OK);
  env_free(e);
}

/* The client loses its state after its SYN; the rebooted host answers
 * the SYN-ACK retransmission with a RST and the entry goes back to
 * LISTEN. */
static void test_syn_rcvd_rst_back_to_listen(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  struct env *e = env_new(&s);
  struct tcp_sock *cl, *ls;
  open_pair(e, &cl, &ls);
  sim_run(e->w, 1 * SIM_MS);
  assert_int_equal(sim_node_reboot(e->w, e->a, 50 * SIM_MS), SIM_OK);
  sim_run(e->w, 3 * SIM_S);
  assert_int_equal(e->ca.closed, 1);
  assert_int_equal(e->ca.closed_err, TCP_ECONNABORTED);
  assert_int_equal(arc_count(e->m, TCP_S_LISTEN, TCP_S_SYN_RCVD), 1);
  assert_int_equal(arc_count(e->m, TCP_S_SYN_RCVD, TCP_S_LISTEN), 1);
  assert_int_equal(e->la.acceptable, 0);
  env_free(e);
}

static void test_keepalive_finds_vanished_peer(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  struct env *e = env_new(&s);
  struct tcp_sock *cl, *ls, *sv;
  open_pair(e, &cl, &ls);
  sim_run(e->w, SIM_S);
  assert_int_equal(tcp_accept(ls, &cbs, &e->sa, &sv), TCP_OK);
  assert_int_equal(tcp_setopt(cl, TCP_OPT_KEEPIDLE, 10 * SIM_S), TCP_OK);
  assert_int_equal(tcp_setopt(cl, TCP_OPT_KEEPINTVL, 1 * SIM_S), TCP_OK);
  assert_int_equal(tcp_setopt(cl, TCP_OPT_KEEPCNT, 3), TCP_OK);
  assert_int_equal(tcp_setopt(cl, TCP_OPT_KEEPALIVE, 1), TCP_OK);
  int64_t t0 = sim_now(e->w);
  /* one answered probe first */
  int before = e->nsegs;
  sim_run(e->w, t0 + 10 * SIM_S + 100 * SIM_MS);
  assert_int_equal(e->nsegs - before, 2);
  struct tcp_sock_info ci;
  tcp_sock_info(cl, &ci);
  assert_int_equal(e->segs[before].h.seq, ci.snd_nxt - 1);
  assert_int_equal(e->segs[before].len, 0);
  assert_int_equal(sim_node_power_off(e->w, e->b), SIM_OK);
  sim_run(e->w, t0 + 100 * SIM_S);
  assert_int_equal(e->ca.closed, 1);
  assert_int_equal(e->ca.closed_err, TCP_ETIMEDOUT);
  /* the answer came one round trip after the probe: next probe 10 s
   * later, then two more 1 s apart; gives up 1 s after the last */
  assert_int_equal(e->ca.closed_ns, t0 + 20 * SIM_MS + 20 * SIM_S + 3 * SIM_S);
  env_free(e);
}

static void test_time_wait_port_rules(void **state)
{
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  struct env *e = env_new(&s);
  struct tcp_sock *cl, *ls, *sv, *x;
  assert_int_equal(tcp_socket(e->m, e->b, 1, &cbs, &e->la, &ls), TCP_OK);
  assert_int_equal(tcp_bind(ls, 0, 80), TCP_OK);
  assert_int_equal(tcp_listen(ls, 16), TCP_OK);
  assert_int_equal(tcp_socket(e->m, e->a, 1, &cbs, &e->ca, &cl), TCP_OK);
  assert_int_equal(tcp_bind(cl, 0, 5000), TCP_OK);
  assert_int_equal(tcp_connect(cl, B_ADDR, 80), TCP_OK);
  sim_run(e->w, SIM_S);
  assert_int_equal(tcp_accept(ls, &cbs, &e->sa, &sv), TCP_OK);
  assert_int_equal(tcp_close(cl), TCP_OK);
  sim_run(e->w, 2 * SIM_S);
  assert_int_equal(tcp_close(sv), TCP_OK);
  sim_run(e->w, 3 * SIM_S);
  /* a's 5000 <-> b:80 is in TIME_WAIT */
  assert_int_equal(tcp_socket(e->m, e->a, 1, &cbs, &e->ca, &x), TCP_OK);
  assert_int_equal(tcp_bind(x, 0, 5000), TCP_EADDRINUSE);
  assert_int_equal(tcp_setopt(x, TCP_OPT_REUSEADDR, 1), TCP_OK);
  assert_int_equal(tcp_bind(x, 0, 5000), TCP_OK);
  /* Linux __inet_hash_connect: EADDRNOTAVAIL (BSD: EADDRINUSE) */
  assert_int_equal(tcp_connect(x, B_ADDR, 80), TCP_EADDRNOTAVAIL);
  assert_int_equal(tcp_close(x), TCP_OK);
  env_free(e);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handshake_numbers_and_options),
      cmocka_unit_test(test_data_both_ways_and_close),
      cmocka_unit_test(test_merged_fin_ack),
      cmocka_unit_test(test_rst_from_closed_port),
      cmocka_unit_test(test_syn_retransmission_doubling),
      cmocka_unit_test(test_syn_retransmission_linux),
      cmocka_unit_test(test_syn_retransmission_bsd),
      cmocka_unit_test(test_simultaneous_open_and_close),
      cmocka_unit_test(test_syn_rcvd_rst_back_to_listen),
      cmocka_unit_test(test_keepalive_finds_vanished_peer),
      cmocka_unit_test(test_time_wait_port_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
