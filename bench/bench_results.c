/*
 * bench_results.c - the cost of writing results (results/): rows per second
 * written to SQLite at each trace level, and a run's wall time with the
 * recorder at each level against the same run with no recorder at all.
 *
 * Workload: C client hosts and one server behind one router (star); N short
 * connections, started one every 100 us round-robin over the clients; each
 * connects to server:80, sends 100 bytes and closes; the server reads and
 * closes on the client's FIN. The run goes on until every TIME_WAIT has
 * expired, so every connection is written. Each configuration is run R
 * times and the best wall time kept (wall time includes finish and the
 * result digest, i.e. everything a user waits for).
 *
 * Usage: bench_results [--conns N] [--clients C] [--reps R] [--dir DIR]
 * (defaults 2000, 4, 3, /tmp).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "results/results.h"

struct bench {
  struct sim_world *w;
  struct tcp_module *m;
  uint32_t nclients;
  uint32_t *clients;
  uint32_t server_addr;
  uint64_t started, done;
};

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void srv_readable(struct tcp_sock *s, size_t avail, void *ctx)
{
  tcp_recv(s, avail);
}

static void srv_peer_closed(struct tcp_sock *s, void *ctx)
{
  tcp_close(s);
}

static const struct tcp_callbacks srv_cb = {
  .readable = srv_readable, .peer_closed = srv_peer_closed,
};

static void lis_acceptable(struct tcp_sock *l, void *ctx)
{
  struct tcp_sock *s;
  while (tcp_accept(l, &srv_cb, ctx, &s) == TCP_OK) {
  }
}

static const struct tcp_callbacks lis_cb = { .acceptable = lis_acceptable };

static void cli_connected(struct tcp_sock *s, void *ctx)
{
  struct bench *b = ctx;
  b->done++;
  tcp_send(s, 100);
  tcp_close(s);
}

static void cli_closed(struct tcp_sock *s, int err, void *ctx)
{
  tcp_close(s);
}

static const struct tcp_callbacks cli_cb = {
  .connected = cli_connected, .closed = cli_closed,
};

static void start_one(struct sim_world *w, void *arg)
{
  struct bench *b = arg;
  struct tcp_sock *s;
  uint32_t node = b->clients[b->started++ % b->nclients];
  if (tcp_socket(b->m, node, 1, &cli_cb, b, &s) == TCP_OK &&
      tcp_connect(s, b->server_addr, 80) != TCP_OK)
    tcp_close(s);
}

/* One run; level < 0: no recorder. Returns wall seconds, rows in *rows. */
static double run_once(uint64_t seed, uint32_t nconns, uint32_t nclients,
                       int level, const char *dbpath, uint64_t *rows)
{
  struct bench b = {0};
  struct sim_link_params lp;
  struct tcp_settings set;
  uint32_t router, server, id;
  struct res_db *db = NULL;
  struct res_recorder *rec = NULL;
  int64_t run_id = 0;
  char err[512];

  double t0 = now_s();
  b.w = sim_world_new(seed);
  b.nclients = nclients;
  b.clients = calloc(nclients, sizeof *b.clients);
  sim_link_params_default(&lp);
  sim_node_add(b.w, SIM_NODE_ROUTER, "r", &router);
  sim_node_add(b.w, SIM_NODE_HOST, "server", &server);
  b.server_addr = 0x0a000001u;
  sim_node_add_addr(b.w, server, b.server_addr);
  sim_link_add(b.w, router, server, &lp, NULL, &id);
  for (uint32_t i = 0; i < nclients; i++) {
    char name[32];
    snprintf(name, sizeof name, "client%u", i + 1);
    sim_node_add(b.w, SIM_NODE_HOST, name, &b.clients[i]);
    sim_node_add_addr(b.w, b.clients[i], 0x0a000100u + i + 1);
    sim_link_add(b.w, router, b.clients[i], &lp, NULL, &id);
  }
  sim_routes_compute(b.w);
  tcp_settings_init(&set, TCP_PROFILE_LINUX);
  b.m = tcp_install(b.w, &set);
  if (level >= 0) {
    struct res_run_info info = { .config = "bench_results", .seed = seed,
                                 .profile = "linux",
                                 .trace_level = res_trace_level_name(
                                     (enum res_trace_level)level) };
    unlink(dbpath);
    if (res_open(dbpath, &db, err, sizeof err) != RES_OK) {
      fprintf(stderr, "%s\n", err);
      exit(1);
    }
    res_run_begin(db, &info, &run_id);
    res_recorder_attach(db, run_id, b.w, b.m, (enum res_trace_level)level,
                        &rec);
  }
  struct tcp_sock *lis;
  tcp_socket(b.m, server, 1, &lis_cb, &b, &lis);
  tcp_bind(lis, 0, 80);
  tcp_listen(lis, 1024);
  for (uint32_t i = 0; i < nconns; i++)
    sim_call_at(b.w, (int64_t)i * 100 * SIM_US, start_one, &b);
  int64_t end = (int64_t)nconns * 100 * SIM_US + 120 * SIM_S;
  for (int64_t t = SIM_S; t <= end; t += SIM_S) {
    sim_run(b.w, t);
    if (rec && t % (10 * SIM_S) == 0)
      res_recorder_sample_states(rec);
  }
  if (rec) {
    if (res_recorder_finish(rec) != RES_OK) {
      fprintf(stderr, "recorder: %s\n", res_errmsg(db));
      exit(1);
    }
    *rows = res_recorder_rows(rec);
    res_run_end(db, run_id, "done", sim_events_processed(b.w), 0,
                res_recorder_digest(rec));
  } else {
    *rows = 0;
  }
  if (b.done != nconns)
    fprintf(stderr, "warning: %llu of %u connections established\n",
            (unsigned long long)b.done, nconns);
  sim_world_free(b.w); /* the module is freed after its world */
  tcp_free(b.m);
  res_recorder_free(rec);
  res_close(db);
  free(b.clients);
  return now_s() - t0;
}

int main(int argc, char **argv)
{
  uint32_t nconns = 2000, nclients = 4;
  int reps = 3;
  const char *dir = "/tmp";
  char path[512];

  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--conns"))
      nconns = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--clients"))
      nclients = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--reps"))
      reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--dir"))
      dir = argv[i + 1];
  }
  snprintf(path, sizeof path, "%s/bench_results.%ld.db", dir, (long)getpid());
  printf("%u connections, %u clients, best of %d\n", nconns, nclients, reps);
  double base = 1e300;
  for (int level = -1; level <= (int)RES_TRACE_SEGMENTS; level++) {
    double best = 1e300;
    uint64_t rows = 0;
    for (int r = 0; r < reps; r++) {
      double t = run_once(1, nconns, nclients, level, path, &rows);
      if (t < best)
        best = t;
    }
    if (level < 0) {
      base = best;
      printf("  %-12s wall %8.3f s\n", "off", best);
    } else {
      printf("  %-12s wall %8.3f s  x%5.2f  rows %9llu  %10.0f rows/s\n",
             res_trace_level_name((enum res_trace_level)level), best,
             best / base, (unsigned long long)rows, (double)rows / best);
    }
  }
  unlink(path);
  char side[600];
  snprintf(side, sizeof side, "%s-wal", path);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", path);
  unlink(side);
  return 0;
}
