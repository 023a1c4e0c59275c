/*
 * test_workload.c - the TCP workloads (experiments/workload.c) end to end
 * on small hand-built worlds: two hosts on one link, and a star of client
 * hosts, a server and an attacker around one router.
 *
 * What is checked: each pair of close policies gives the TCP outcome it
 * promises (who ends in TIME_WAIT, crossing FINs, resets, connections
 * left open), counted from the module's transition trace; a fixed rate
 * gives exactly the expected number of connections and a Poisson rate its
 * mean within a tolerance; back-to-back connections never overlap;
 * failures are counted by error (ECONNREFUSED with retries, EADDRNOTAVAIL
 * when a tiny ephemeral range is held by TIME_WAIT); a SYN flood fills a
 * small SYN queue so that legitimate clients time out, and they succeed
 * without it; the same seed gives identical counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "experiments/workload.h"
#include "tests/support/support.h"

#define MAXN 32
#define SRV_ADDR 0x0a000102u /* 10.0.1.2 */

/* ====================================================================== */
/* Worlds                                                                  */
/* ====================================================================== */

struct tworld {
  struct sim_world *w;
  struct tcp_module *m;
  uint32_t server;           /* node ids */
  uint32_t attacker;
  uint32_t clients[MAXN];
  size_t nclients;
  uint64_t tw[MAXN + 4];     /* entries into TIME_WAIT per node */
  uint64_t closing[MAXN + 4];
  uint64_t closed_err[MAXN + 4]; /* conn_closed with an error, per node */
};

static void on_transition(void *ctx, struct tcp_module *m, uint32_t node,
                          uint64_t conn_id, enum tcp_state from,
                          enum tcp_state to, const char *cause)
{
  struct tworld *t = ctx;
  if (to == TCP_S_TIME_WAIT)
    t->tw[node]++;
  if (to == TCP_S_CLOSING)
    t->closing[node]++;
}

static void on_closed(void *ctx, struct tcp_module *m, uint32_t node,
                      uint64_t conn_id, int err)
{
  struct tworld *t = ctx;
  if (err != TCP_OK)
    t->closed_err[node]++;
}

static const struct tcp_trace_ops trace_ops = {
  .transition = on_transition, .conn_closed = on_closed,
};

static void add_host(struct tworld *t, const char *name, uint32_t addr,
                     uint32_t *id)
{
  assert_int_equal(sim_node_add(t->w, SIM_NODE_HOST, name, id), SIM_OK);
  assert_int_equal(sim_node_add_addr(t->w, *id, addr), SIM_OK);
}

static void finish_world(struct tworld *t, const struct tcp_settings *set)
{
  assert_int_equal(sim_routes_compute(t->w), SIM_OK);
  struct tcp_settings s;
  if (set)
    s = *set;
  else
    tcp_settings_init(&s, TCP_PROFILE_LINUX);
  t->m = tcp_install(t->w, &s);
  assert_non_null(t->m);
  assert_int_equal(tcp_trace_subscribe(t->m, &trace_ops, t), TCP_OK);
}

/* Client 10.0.0.1 and server 10.0.1.2 on one 1 ms link. */
static void pair_world(struct tworld *t, uint64_t seed,
                       const struct tcp_settings *set)
{
  memset(t, 0, sizeof *t);
  t->w = sim_world_new(seed);
  assert_non_null(t->w);
  add_host(t, "c0", 0x0a000001u, &t->clients[0]);
  add_host(t, "srv", SRV_ADDR, &t->server);
  t->nclients = 1;
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  assert_int_equal(sim_link_add(t->w, t->clients[0], t->server, &lp, NULL,
                                NULL), SIM_OK);
  finish_world(t, set);
}

/* n clients 10.0.0.x, the server and an attacker 10.0.2.1 around router. */
static void star_world(struct tworld *t, uint64_t seed, size_t n,
                       const struct tcp_settings *set)
{
  memset(t, 0, sizeof *t);
  t->w = sim_world_new(seed);
  assert_non_null(t->w);
  uint32_t r;
  assert_int_equal(sim_node_add(t->w, SIM_NODE_ROUTER, "r", &r), SIM_OK);
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  lp.queue_pkts = 1000;
  for (size_t i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "c%zu", i);
    add_host(t, name, 0x0a000001u + (uint32_t)i, &t->clients[i]);
    assert_int_equal(sim_link_add(t->w, t->clients[i], r, &lp, NULL, NULL),
                     SIM_OK);
  }
  t->nclients = n;
  add_host(t, "srv", SRV_ADDR, &t->server);
  assert_int_equal(sim_link_add(t->w, t->server, r, &lp, NULL, NULL), SIM_OK);
  add_host(t, "att", 0x0a000201u, &t->attacker);
  assert_int_equal(sim_link_add(t->w, t->attacker, r, &lp, NULL, NULL),
                   SIM_OK);
  finish_world(t, set);
}

static void free_world(struct tworld *t)
{
  sim_world_free(t->w);
  tcp_free(t->m);
}

static void server_cfg(struct tworld *t, struct exp_wl_server_cfg *sc,
                       enum exp_wl_srv_close close)
{
  memset(sc, 0, sizeof *sc);
  sc->nodes = &t->server;
  sc->n_nodes = 1;
  sc->port = 80;
  sc->backlog = 128;
  sc->request_bytes = 100;
  sc->response_bytes = 1000;
  sc->close = close;
  sc->owner = 1;
}

static void client_cfg(struct tworld *t, struct exp_wl_client_cfg *cc,
                       enum exp_wl_cli_close close)
{
  memset(cc, 0, sizeof *cc);
  cc->nodes = t->clients;
  cc->n_nodes = t->nclients;
  cc->server_addr = SRV_ADDR;
  cc->server_port = 80;
  cc->rate = EXP_WL_RATE_FIXED;
  cc->gap_ns = 100 * SIM_MS;
  cc->count = 1;
  cc->request_bytes = 100;
  cc->response_bytes = 1000;
  cc->close = close;
  cc->nodelay = true;
  cc->owner = 2;
}

/* ====================================================================== */
/* Close policies                                                          */
/* ====================================================================== */

struct policy_out {
  struct exp_wl_client_stats cs;
  struct exp_wl_server_stats ss;
  struct tcp_stats ts;
  uint64_t tw_cli, tw_srv, closing_cli, closing_srv, err_cli, err_srv;
  enum tcp_state left;       /* state of the server side after the run */
};

static void run_policy(enum exp_wl_srv_close sp, enum exp_wl_cli_close cp,
                       struct policy_out *o)
{
  struct tworld t;
  pair_world(&t, 1, NULL);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_client_cfg ccfg;
  server_cfg(&t, &scfg, sp);
  client_cfg(&t, &ccfg, cp);
  struct exp_wl_server *srv;
  struct exp_wl_client *cl;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_OK);
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  assert_int_equal(sim_run(t.w, 200 * SIM_S), SIM_OK);
  memset(o, 0, sizeof *o);
  exp_wl_client_stats(cl, &o->cs);
  exp_wl_server_stats(srv, &o->ss);
  tcp_stats_get(t.m, &o->ts);
  o->tw_cli = t.tw[t.clients[0]];
  o->tw_srv = t.tw[t.server];
  o->closing_cli = t.closing[t.clients[0]];
  o->closing_srv = t.closing[t.server];
  o->err_cli = t.closed_err[t.clients[0]];
  o->err_srv = t.closed_err[t.server];
  exp_wl_client_free(cl);
  exp_wl_server_free(srv);
  free_world(&t);
}

static void test_close_client_first(void **state)
{
  struct policy_out o;
  run_policy(EXP_WL_SRV_WAIT, EXP_WL_CLI_CLIENT_FIRST, &o);
  assert_int_equal(o.cs.attempted, 1);
  assert_int_equal(o.cs.established, 1);
  assert_int_equal(o.cs.completed, 1);
  assert_int_equal(o.cs.failed, 0);
  assert_int_equal(o.ss.accepted, 1);
  assert_int_equal(o.ss.responded, 1);
  assert_int_equal(o.ss.closed, 1);
  assert_int_equal(o.tw_cli, 1); /* the active closer waits */
  assert_int_equal(o.tw_srv, 0);
  assert_int_equal(o.ts.rst_out, 0);
  assert_true(o.cs.est_min_ns >= 2 * SIM_MS && o.cs.est_min_ns < 3 * SIM_MS);
  assert_int_equal(o.cs.est_min_ns, o.cs.est_max_ns);
  assert_int_equal(o.cs.est_sum_ns, o.cs.est_min_ns);
}

static void test_close_server_first(void **state)
{
  struct policy_out o;
  run_policy(EXP_WL_SRV_FIRST, EXP_WL_CLI_SERVER_FIRST, &o);
  assert_int_equal(o.cs.completed, 1);
  assert_int_equal(o.ss.closed, 1);
  assert_int_equal(o.tw_srv, 1); /* server-side active close */
  assert_int_equal(o.tw_cli, 0);
  assert_int_equal(o.closing_cli + o.closing_srv, 0);
  assert_int_equal(o.ts.rst_out, 0);
}

static void test_close_both(void **state)
{
  struct policy_out o;
  run_policy(EXP_WL_SRV_FIRST, EXP_WL_CLI_BOTH, &o);
  assert_int_equal(o.cs.completed, 1);
  /* FINs crossed: both sides through CLOSING into TIME_WAIT. */
  assert_int_equal(o.closing_cli, 1);
  assert_int_equal(o.closing_srv, 1);
  assert_int_equal(o.tw_cli, 1);
  assert_int_equal(o.tw_srv, 1);
  assert_int_equal(o.ts.rst_out, 0);
}

static void test_close_server_abort(void **state)
{
  struct policy_out o;
  run_policy(EXP_WL_SRV_ABORT, EXP_WL_CLI_SERVER_FIRST, &o);
  /* The whole response arrives, then the reset ends the client's wait. */
  assert_int_equal(o.ss.responded, 1);
  assert_int_equal(o.ss.closed, 1);
  assert_int_equal(o.cs.completed, 0);
  assert_int_equal(o.cs.late_errors, 1);
  assert_int_equal(o.cs.truncated, 0);
  assert_int_equal(o.err_cli, 1);
  assert_true(o.ts.rst_out >= 1);
  assert_int_equal(o.tw_cli + o.tw_srv, 0);
}

static void test_close_client_abort(void **state)
{
  struct policy_out o;
  run_policy(EXP_WL_SRV_WAIT, EXP_WL_CLI_ABORT, &o);
  assert_int_equal(o.cs.completed, 1);
  assert_int_equal(o.ss.errors, 1);
  assert_int_equal(o.ss.err[-TCP_ECONNRESET], 1);
  assert_int_equal(o.tw_cli + o.tw_srv, 0);
  assert_int_equal(o.ts.rst_out, 1);
}

static void test_close_keep(void **state)
{
  struct policy_out o;
  run_policy(EXP_WL_SRV_NEVER, EXP_WL_CLI_KEEP, &o);
  assert_int_equal(o.cs.completed, 1);
  assert_int_equal(o.ss.closed, 0);
  assert_int_equal(o.tw_cli + o.tw_srv, 0);
  assert_int_equal(o.ts.conns_closed, 0);
  assert_int_equal(o.err_cli + o.err_srv, 0);
}

/* ====================================================================== */
/* Rates                                                                   */
/* ====================================================================== */

static void test_fixed_rate_exact(void **state)
{
  struct tworld t;
  star_world(&t, 3, 4, NULL);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_client_cfg ccfg;
  server_cfg(&t, &scfg, EXP_WL_SRV_WAIT);
  client_cfg(&t, &ccfg, EXP_WL_CLI_CLIENT_FIRST);
  ccfg.count = 0;
  ccfg.start_ns = 10 * SIM_MS;
  ccfg.stop_ns = 10 * SIM_MS + 999 * SIM_MS; /* starts at 10, 110 ... 910 */
  struct exp_wl_server *srv;
  struct exp_wl_client *cl;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_OK);
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  assert_int_equal(sim_run(t.w, 5 * SIM_S), SIM_OK);
  struct exp_wl_client_stats cs;
  exp_wl_client_stats(cl, &cs);
  assert_int_equal(cs.attempted, 4 * 10);
  assert_int_equal(cs.completed, 4 * 10);
  assert_int_equal(cs.failed, 0);
  for (size_t i = 0; i < t.nclients; i++)
    assert_int_equal(t.tw[t.clients[i]], 10);
  exp_wl_client_free(cl);
  exp_wl_server_free(srv);
  free_world(&t);
}

/* 20 Poisson clients, mean gap 50 ms, for 20 s: 8000 expected. Counts
 * and the full counters come back in *cs (for the determinism test). */
static void run_poisson(uint64_t seed, struct exp_wl_client_stats *cs,
                        struct exp_wl_server_stats *ss)
{
  struct tworld t;
  star_world(&t, seed, 20, NULL);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_client_cfg ccfg;
  server_cfg(&t, &scfg, EXP_WL_SRV_FIRST);
  client_cfg(&t, &ccfg, EXP_WL_CLI_SERVER_FIRST);
  scfg.backlog = 1024;
  ccfg.rate = EXP_WL_RATE_POISSON;
  ccfg.gap_ns = 50 * SIM_MS;
  ccfg.count = 0;
  ccfg.stop_ns = 20 * SIM_S;
  struct exp_wl_server *srv;
  struct exp_wl_client *cl;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_OK);
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  assert_int_equal(sim_run(t.w, 25 * SIM_S), SIM_OK);
  exp_wl_client_stats(cl, cs);
  exp_wl_server_stats(srv, ss);
  exp_wl_client_free(cl);
  exp_wl_server_free(srv);
  free_world(&t);
}

static void test_poisson_mean(void **state)
{
  struct exp_wl_client_stats cs;
  struct exp_wl_server_stats ss;
  run_poisson(42, &cs, &ss);
  /* sd of a Poisson count of 8000 is ~89: 5% is over 4 sd. */
  assert_true(cs.attempted > 7600 && cs.attempted < 8400);
  assert_int_equal(cs.completed, cs.attempted);
  assert_int_equal(ss.accepted, cs.attempted);
  assert_int_equal(ss.closed, cs.attempted);
}

static void test_same_seed_same_counters(void **state)
{
  struct exp_wl_client_stats a, b, c;
  struct exp_wl_server_stats sa, sb, sc;
  run_poisson(7, &a, &sa);
  run_poisson(7, &b, &sb);
  run_poisson(8, &c, &sc);
  assert_memory_equal(&a, &b, sizeof a);
  assert_memory_equal(&sa, &sb, sizeof sa);
  assert_true(a.attempted != c.attempted || a.est_sum_ns != c.est_sum_ns);
}

/* Back to back: open connections counted through the hook. */
struct b2b {
  int open, max_open, connects, closes;
};

static void b2b_event(void *ctx, uint32_t node, uint64_t conn_id,
                      int64_t t_ns, const char *what, const char *detail)
{
  struct b2b *b = ctx;
  if (strcmp(what, "connect") == 0) {
    b->connects++;
    if (++b->open > b->max_open)
      b->max_open = b->open;
  } else if (strcmp(what, "close") == 0 || strcmp(what, "failed") == 0) {
    b->closes++;
    b->open--;
  }
}

static void test_back_to_back(void **state)
{
  struct tworld t;
  pair_world(&t, 5, NULL);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_client_cfg ccfg;
  server_cfg(&t, &scfg, EXP_WL_SRV_WAIT);
  client_cfg(&t, &ccfg, EXP_WL_CLI_CLIENT_FIRST);
  struct b2b b = {0};
  ccfg.rate = EXP_WL_RATE_BACK_TO_BACK;
  ccfg.count = 7;
  ccfg.hook.event = b2b_event;
  ccfg.hook.ctx = &b;
  struct exp_wl_server *srv;
  struct exp_wl_client *cl;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_OK);
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  assert_int_equal(sim_run(t.w, 1 * SIM_S), SIM_OK);
  struct exp_wl_client_stats cs;
  exp_wl_client_stats(cl, &cs);
  assert_int_equal(cs.completed, 7);
  assert_int_equal(b.connects, 7);
  assert_int_equal(b.closes, 7);
  assert_int_equal(b.max_open, 1);
  assert_int_equal(t.tw[t.clients[0]], 7);
  exp_wl_client_free(cl);
  exp_wl_server_free(srv);
  free_world(&t);
}

/* Back to back when every connect fails at once: the next starts 1 ms
 * later instead of spinning at one instant. */
static void test_back_to_back_sync_failures(void **state)
{
  struct tcp_settings set;
  tcp_settings_init(&set, TCP_PROFILE_LINUX);
  set.port_lo = set.port_hi = 40000;
  struct tworld t;
  pair_world(&t, 1, &set);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_client_cfg ccfg;
  server_cfg(&t, &scfg, EXP_WL_SRV_WAIT);
  client_cfg(&t, &ccfg, EXP_WL_CLI_CLIENT_FIRST);
  ccfg.rate = EXP_WL_RATE_BACK_TO_BACK;
  ccfg.count = 0;
  struct exp_wl_server *srv;
  struct exp_wl_client *cl;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_OK);
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  assert_int_equal(sim_run(t.w, 1 * SIM_S), SIM_OK);
  struct exp_wl_client_stats cs;
  exp_wl_client_stats(cl, &cs);
  assert_int_equal(cs.completed, 1);
  /* the first ends at ~5 ms; then one failure per ms until 1 s */
  assert_true(cs.failed > 900 && cs.failed < 1000);
  assert_int_equal(exp_wl_client_errs(&cs, TCP_EADDRNOTAVAIL), cs.failed);
  exp_wl_client_stop(cl);
  exp_wl_client_free(cl);
  exp_wl_server_free(srv);
  free_world(&t);
}

/* ====================================================================== */
/* Failures                                                                */
/* ====================================================================== */

static void test_refused_with_retries(void **state)
{
  struct tworld t;
  pair_world(&t, 1, NULL);
  struct exp_wl_client_cfg ccfg;
  client_cfg(&t, &ccfg, EXP_WL_CLI_CLIENT_FIRST);
  ccfg.retries = 2;
  ccfg.retry_gap_ns = 10 * SIM_MS;
  struct exp_wl_client *cl;
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  assert_int_equal(sim_run(t.w, 1 * SIM_S), SIM_OK);
  struct exp_wl_client_stats cs;
  exp_wl_client_stats(cl, &cs);
  assert_int_equal(cs.attempted, 3);
  assert_int_equal(cs.retried, 2);
  assert_int_equal(cs.established, 0);
  assert_int_equal(cs.failed, 1);
  assert_int_equal(exp_wl_client_errs(&cs, TCP_ECONNREFUSED), 1);
  assert_int_equal(exp_wl_client_errs(&cs, TCP_ETIMEDOUT), 0);
  exp_wl_client_free(cl);
  free_world(&t);
}

/* ====================================================================== */
/* Server restart                                                          */
/* ====================================================================== */

struct listen_log {
  int listens, boots;
  int64_t boot_t_ns;
};

static void log_listen(void *ctx, uint32_t node, uint64_t conn_id,
                       int64_t t_ns, const char *what, const char *detail)
{
  struct listen_log *lg = ctx;
  if (strcmp(what, "listen") != 0)
    return;
  lg->listens++;
  if (detail && !strcmp(detail, "boot")) {
    lg->boots++;
    lg->boot_t_ns = t_ns;
  }
}

/* A server whose host reboots (off at 1 s for 500 ms) listens again at
 * boot with restart, and not without; a client every 100 ms sees it. */
static void run_reboot(bool restart, bool stop_first,
                       struct exp_wl_server_stats *ss_before,
                       struct exp_wl_server_stats *ss,
                       struct exp_wl_client_stats *cs, struct listen_log *lg)
{
  struct tworld t;
  pair_world(&t, 1, NULL);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_client_cfg ccfg;
  server_cfg(&t, &scfg, EXP_WL_SRV_WAIT);
  scfg.restart = restart;
  memset(lg, 0, sizeof *lg);
  scfg.hook = (struct exp_wl_hook){log_listen, lg};
  client_cfg(&t, &ccfg, EXP_WL_CLI_CLIENT_FIRST);
  ccfg.count = 0;
  ccfg.stop_ns = 3 * SIM_S;
  struct exp_wl_server *srv;
  struct exp_wl_client *cl;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_OK);
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  assert_int_equal(sim_run(t.w, 1 * SIM_S), SIM_OK);
  exp_wl_server_stats(srv, ss_before);
  assert_int_equal(sim_node_reboot(t.w, t.server, 500 * SIM_MS), SIM_OK);
  if (stop_first)
    exp_wl_server_stop(srv);
  assert_int_equal(sim_run(t.w, 4 * SIM_S), SIM_OK);
  exp_wl_server_stats(srv, ss);
  exp_wl_client_stats(cl, cs);
  exp_wl_client_free(cl);
  exp_wl_server_free(srv);
  free_world(&t);
}

static void test_server_restart_after_reboot(void **state)
{
  struct exp_wl_server_stats before, ss;
  struct exp_wl_client_stats cs;
  struct listen_log lg;
  run_reboot(true, false, &before, &ss, &cs, &lg);
  assert_int_equal(ss.restarts, 1);
  assert_int_equal(ss.listening, 2);
  assert_int_equal(lg.listens, 2);
  assert_int_equal(lg.boots, 1);
  assert_int_equal(lg.boot_t_ns, 1500 * SIM_MS);
  /* accepting again: a connection every 100 ms from 1.5 s to 3 s */
  assert_true(ss.accepted - before.accepted >= 14);
  assert_int_equal(exp_wl_client_errs(&cs, TCP_ECONNREFUSED), 0);

  /* without restart: refused after the boot */
  run_reboot(false, false, &before, &ss, &cs, &lg);
  assert_int_equal(ss.restarts, 0);
  assert_int_equal(lg.listens, 1);
  assert_int_equal(ss.accepted, before.accepted);
  assert_true(exp_wl_client_errs(&cs, TCP_ECONNREFUSED) >= 14);

  /* stopped servers do not come back */
  run_reboot(true, true, &before, &ss, &cs, &lg);
  assert_int_equal(ss.restarts, 0);
  assert_int_equal(lg.boots, 0);
}

static void test_ports_exhausted(void **state)
{
  struct tcp_settings set;
  tcp_settings_init(&set, TCP_PROFILE_LINUX);
  set.port_lo = 40000;
  set.port_hi = 40003; /* four ports, each held 60 s by TIME_WAIT */
  struct tworld t;
  pair_world(&t, 1, &set);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_client_cfg ccfg;
  server_cfg(&t, &scfg, EXP_WL_SRV_WAIT);
  client_cfg(&t, &ccfg, EXP_WL_CLI_CLIENT_FIRST);
  ccfg.count = 10;
  ccfg.gap_ns = 10 * SIM_MS;
  struct exp_wl_server *srv;
  struct exp_wl_client *cl;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_OK);
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  assert_int_equal(sim_run(t.w, 2 * SIM_S), SIM_OK);
  struct exp_wl_client_stats cs;
  exp_wl_client_stats(cl, &cs);
  assert_int_equal(cs.attempted, 10);
  assert_int_equal(cs.completed, 4);
  assert_int_equal(cs.failed, 6);
  assert_int_equal(exp_wl_client_errs(&cs, TCP_EADDRNOTAVAIL), 6);
  exp_wl_client_free(cl);
  exp_wl_server_free(srv);
  free_world(&t);
}

/* ====================================================================== */
/* SYN flood                                                               */
/* ====================================================================== */

static void run_flood(bool flood, struct exp_wl_client_stats *cs,
                      struct tcp_stats *ts, uint64_t *sent)
{
  struct tcp_settings set;
  tcp_settings_init(&set, TCP_PROFILE_LINUX);
  set.syn_backlog = 16;
  set.syncookies = TCP_SYNCOOKIES_OFF; /* what a full SYN queue does */
  set.syn_retries = 2; /* legitimate clients give up after 1+2+4 s */
  struct tworld t;
  star_world(&t, 11, 3, &set);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_client_cfg ccfg;
  server_cfg(&t, &scfg, EXP_WL_SRV_WAIT);
  client_cfg(&t, &ccfg, EXP_WL_CLI_CLIENT_FIRST);
  ccfg.start_ns = 500 * SIM_MS;
  ccfg.count = 2;
  struct exp_wl_server *srv;
  struct exp_wl_client *cl;
  struct exp_wl_flood *f = NULL;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_OK);
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  if (flood) {
    struct exp_wl_flood_cfg fc = {
      .attacker = t.attacker, .target_addr = SRV_ADDR, .target_port = 80,
      .src_prefix = 0xc0a80000u, .src_prefix_len = 16, /* 192.168/16 */
      .rate = EXP_WL_RATE_POISSON, .gap_ns = 10 * SIM_MS, .count = 0,
      .start_ns = 0, .stop_ns = 30 * SIM_S,
    };
    assert_int_equal(exp_wl_flood_start(t.w, &fc, &f), TCP_OK);
  }
  assert_int_equal(sim_run(t.w, 30 * SIM_S), SIM_OK);
  exp_wl_client_stats(cl, cs);
  tcp_stats_get(t.m, ts);
  *sent = f ? exp_wl_flood_sent(f) : 0;
  exp_wl_flood_free(f);
  exp_wl_client_free(cl);
  exp_wl_server_free(srv);
  free_world(&t);
}

static void test_syn_flood(void **state)
{
  struct exp_wl_client_stats cs;
  struct tcp_stats ts;
  uint64_t sent;
  run_flood(false, &cs, &ts, &sent);
  assert_int_equal(cs.completed, 6);
  assert_int_equal(ts.syn_queue_drops, 0);

  run_flood(true, &cs, &ts, &sent);
  assert_true(sent > 2700 && sent < 3300); /* ~3000 in 30 s */
  assert_true(ts.syn_queue_drops > 0);
  assert_int_equal(cs.attempted, 6);
  assert_int_equal(cs.completed, 0);
  assert_int_equal(cs.failed, 6);
  assert_int_equal(exp_wl_client_errs(&cs, TCP_ETIMEDOUT), 6);

  struct exp_wl_client_stats cs2;
  struct tcp_stats ts2;
  uint64_t sent2;
  run_flood(true, &cs2, &ts2, &sent2);
  assert_int_equal(sent2, sent);
  assert_memory_equal(&cs2, &cs, sizeof cs);
  assert_memory_equal(&ts2, &ts, sizeof ts);
}

static void test_bad_configs(void **state)
{
  struct tworld t;
  pair_world(&t, 1, NULL);
  struct exp_wl_client_cfg ccfg;
  struct exp_wl_client *cl;
  client_cfg(&t, &ccfg, EXP_WL_CLI_CLIENT_FIRST);
  ccfg.gap_ns = 0;
  ccfg.count = 0;
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_EINVAL);
  assert_null(cl);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_server *srv;
  server_cfg(&t, &scfg, EXP_WL_SRV_WAIT);
  scfg.port = 0;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_EINVAL);
  struct exp_wl_flood_cfg fc = { .attacker = 99, .target_addr = SRV_ADDR,
                                 .target_port = 80, .gap_ns = SIM_MS };
  struct exp_wl_flood *f;
  assert_int_equal(exp_wl_flood_start(t.w, &fc, &f), TCP_EINVAL);
  free_world(&t);
}

/* ====================================================================== */
/* Recorder                                                                */
/* ====================================================================== */


/* Server closes first: the database shows TIME_WAIT on the server's node
 * only, and the app events of both sides through the recorder hook. */
static void test_recorder_rows(void **state)
{
  char dir[] = "/tmp/tcpsim-wl-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[64];
  snprintf(path, sizeof path, "%s/wl.db", dir);
  struct res_db *db = NULL;
  char err[256];
  assert_int_equal(res_open(path, &db, err, sizeof err), RES_OK);
  struct res_run_info info = { .seed = 1 };
  int64_t run = 0;
  assert_int_equal(res_run_begin(db, &info, &run), RES_OK);

  struct tworld t;
  pair_world(&t, 1, NULL);
  struct res_recorder *rec = NULL;
  assert_int_equal(res_recorder_attach(db, run, t.w, t.m,
                                       RES_TRACE_TRANSITIONS, &rec), RES_OK);
  struct exp_wl_server_cfg scfg;
  struct exp_wl_client_cfg ccfg;
  server_cfg(&t, &scfg, EXP_WL_SRV_FIRST);
  client_cfg(&t, &ccfg, EXP_WL_CLI_SERVER_FIRST);
  ccfg.count = 3;
  scfg.hook = ccfg.hook = exp_wl_hook_recorder(rec);
  struct exp_wl_server *srv;
  struct exp_wl_client *cl;
  assert_int_equal(exp_wl_server_start(t.m, t.w, &scfg, &srv), TCP_OK);
  assert_int_equal(exp_wl_client_start(t.m, t.w, &ccfg, &cl), TCP_OK);
  assert_int_equal(sim_run(t.w, 200 * SIM_S), SIM_OK);
  assert_int_equal(res_recorder_finish(rec), RES_OK);
  assert_int_equal(res_run_end(db, run, "done", 0, 0, NULL), RES_OK);
  exp_wl_client_free(cl);
  exp_wl_server_free(srv);
  free_world(&t);
  res_recorder_free(rec);
  res_close(db);

  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM transitions WHERE "
           "to_state='TIME_WAIT' AND node=%u", (unsigned)t.server);
  assert_int_equal(tsup_sql_int(path, sql), 3);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM transitions WHERE "
           "to_state='TIME_WAIT' AND node=%u", (unsigned)t.clients[0]);
  assert_int_equal(tsup_sql_int(path, sql), 0);
  assert_int_equal(tsup_sql_int(path, "SELECT count(*) FROM app_events WHERE "
                               "what='connect'"), 3);
  assert_int_equal(tsup_sql_int(path, "SELECT count(*) FROM app_events WHERE "
                               "what='established' AND conn_id > 0"), 3);
  assert_int_equal(tsup_sql_int(path, "SELECT count(*) FROM app_events WHERE "
                               "what='response_done'"), 3);
  assert_int_equal(tsup_sql_int(path, "SELECT count(*) FROM app_events WHERE "
                               "what='accept'"), 3);
  assert_int_equal(tsup_sql_int(path, "SELECT count(*) FROM app_events WHERE "
                               "t_ns < 0"), 0);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_close_client_first),
    cmocka_unit_test(test_close_server_first),
    cmocka_unit_test(test_close_both),
    cmocka_unit_test(test_close_server_abort),
    cmocka_unit_test(test_close_client_abort),
    cmocka_unit_test(test_close_keep),
    cmocka_unit_test(test_fixed_rate_exact),
    cmocka_unit_test(test_poisson_mean),
    cmocka_unit_test(test_same_seed_same_counters),
    cmocka_unit_test(test_back_to_back),
    cmocka_unit_test(test_back_to_back_sync_failures),
    cmocka_unit_test(test_refused_with_retries),
    cmocka_unit_test(test_server_restart_after_reboot),
    cmocka_unit_test(test_ports_exhausted),
    cmocka_unit_test(test_syn_flood),
    cmocka_unit_test(test_bad_configs),
    cmocka_unit_test(test_recorder_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
