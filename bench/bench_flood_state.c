/*
 * bench_flood_state.c - memory and time of a listener's half-open state
 * under a SYN flood with no defence: how many bytes one SYN_RCVD entry
 * costs, and whether the work per SYN stays flat as the queue grows.
 *
 * Workload: an attacker and a server on one 10 Gbps link; the server
 * listens with a SYN queue big enough for every spoofed SYN (no cookies,
 * no cache); the attacker sends N spoofed SYNs at a fixed rate (sources
 * uniform in 198.18.0.0/15, random ports), the server answers each with a
 * SYN-ACK that goes nowhere (no route). Each entry is held 63 s (5
 * SYN-ACK retries), longer than the run, so at the end all N are held at
 * once. No results database: only the simulator and the TCP module are
 * measured. RSS is read from /proc/self/statm after the world is built
 * and again at the end; the difference over N is the cost per entry (it
 * includes the packet pool and event queue's share, which does not grow
 * with N once the flood's pipeline is full).
 *
 * Usage: bench_flood_state [--syns N[,N...]] [--rate R]
 * (defaults 250000,500000,1000000,2000000 and 200000 SYN/s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "experiments/workload.h"
#include "tcp/tcp.h"

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size in bytes (Linux /proc/self/statm, field 2). */
static long rss_bytes(void)
{
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
      res = 0;
    fclose(f);
  }
  return res * sysconf(_SC_PAGESIZE);
}

static const struct tcp_callbacks lis_cb = {0};

/* Half-open entries held now, from the TCP module's transitions. */
static void on_transition(void *ctx, struct tcp_module *m, uint32_t node,
                          uint64_t conn_id, enum tcp_state from,
                          enum tcp_state to, const char *cause)
{
  int64_t *held = ctx;
  (void)m, (void)node, (void)conn_id, (void)cause;
  *held += (to == TCP_S_SYN_RCVD) - (from == TCP_S_SYN_RCVD);
}

static const struct tcp_trace_ops count_ops = {.transition = on_transition};

struct point {
  uint64_t syns;
  uint64_t entries;
  double wall_s;
  long rss_before, rss_after;
  uint64_t events;
};

static int run_point(uint64_t syns, double rate, struct point *pt)
{
  struct sim_world *w = sim_world_new(1);
  uint32_t a, s, l;
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  lp.rate_bps = 10000000000ull;
  lp.queue_pkts = 100000;
  if (!w || sim_node_add(w, SIM_NODE_HOST, "attacker", &a) != SIM_OK ||
      sim_node_add(w, SIM_NODE_HOST, "server", &s) != SIM_OK ||
      sim_node_add_addr(w, a, 0x0a000001u) != SIM_OK ||
      sim_node_add_addr(w, s, 0x0a000002u) != SIM_OK ||
      sim_link_add(w, a, s, &lp, NULL, &l) != SIM_OK ||
      sim_routes_compute(w) != SIM_OK)
    return -1;
  struct tcp_settings set;
  tcp_settings_init(&set, TCP_PROFILE_LINUX);
  set.syncookies = TCP_SYNCOOKIES_OFF;
  set.syn_backlog = (uint32_t)syns + 16;
  struct tcp_module *m = tcp_install(w, &set);
  struct tcp_sock *lis;
  int64_t held = 0;
  if (!m || tcp_trace_subscribe(m, &count_ops, &held) != TCP_OK || tcp_socket(m, s, 1, &lis_cb, NULL, &lis) != TCP_OK ||
      tcp_bind(lis, 0, 80) != TCP_OK || tcp_listen(lis, 128) != TCP_OK)
    return -1;
  struct exp_wl_flood_cfg fc = {
      .attacker = a, .target_addr = 0x0a000002u, .target_port = 80,
      .src_prefix = 0xc6120000u, .src_prefix_len = 15,
      .rate = EXP_WL_RATE_FIXED, .gap_ns = (int64_t)(1e9 / rate),
      .count = syns, .start_ns = 0};
  struct exp_wl_flood *f;
  if (exp_wl_flood_start(w, &fc, &f) != SIM_OK)
    return -1;
  /* warm up: the first 1000 SYNs fill the packet pool and event queue */
  (void)sim_run(w, (int64_t)(1000 * 1e9 / rate));
  pt->rss_before = rss_bytes();
  double t0 = now_s();
  int64_t end = (int64_t)((double)syns * 1e9 / rate) + 10 * SIM_MS;
  (void)sim_run(w, end);
  pt->wall_s = now_s() - t0;
  pt->rss_after = rss_bytes();
  struct tcp_stats ts;
  tcp_stats_get(m, &ts);
  if (ts.syn_queue_drops)
    fprintf(stderr, "bench_flood_state: %llu SYNs dropped\n",
            (unsigned long long)ts.syn_queue_drops);
  pt->syns = exp_wl_flood_sent(f);
  pt->entries = (uint64_t)held;
  (void)ts;
  pt->events = sim_events_processed(w);
  exp_wl_flood_free(f);
  sim_world_free(w);
  tcp_free(m);
  return 0;
}

int main(int argc, char **argv)
{
  const char *list = "250000,500000,1000000,2000000";
  double rate = 200000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--syns") && i + 1 < argc)
      list = argv[++i];
    else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
      rate = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_flood_state [--syns N[,N...]] "
                      "[--rate R]\n");
      return 2;
    }
  }
  printf("bench_flood_state: spoofed SYNs at %.0f/s, no defence, every "
         "entry held to the end\n", rate);
  printf("%10s %10s %9s %10s %12s %12s %10s\n", "SYNs", "entries", "wall s",
         "ns/SYN", "RSS delta MB", "bytes/entry", "events");
  char *copy = strdup(list);
  for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
    struct point pt = {0};
    if (run_point(strtoull(tok, NULL, 10), rate, &pt) != 0) {
      fprintf(stderr, "bench_flood_state: setup failed\n");
      free(copy);
      return 1;
    }
    long delta = pt.rss_after - pt.rss_before;
    printf("%10llu %10llu %9.3f %10.1f %12.1f %12.1f %10llu\n",
           (unsigned long long)pt.syns, (unsigned long long)pt.entries,
           pt.wall_s, pt.wall_s * 1e9 / (double)(pt.syns ? pt.syns : 1),
           (double)delta / 1048576.0,
           (double)delta / (double)(pt.entries ? pt.entries : 1),
           (unsigned long long)pt.events);
  }
  free(copy);
  return 0;
}
