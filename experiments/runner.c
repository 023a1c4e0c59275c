/*
 * runner.c - one experiment from a resolved config to a finished run in the
 * results database (`tcpsim run FILE`).
 *
 * The order matters and is the one the modules' headers ask for: parse and
 * build the topology, install TCP with the [tcp] settings and give every
 * host of a [tcp.GROUP] its own, open the database and begin the run (the
 * canonical config text, seed, topology path, digest and text, version,
 * profile; with a given run id for sweep workers), one params row per key
 * as written plus the seed the run really has, attach the recorder and the
 * optional pcap writer (a directory per run in sweeps), the state sampler,
 * start the workloads and the timeline's socket calls, schedule the
 * faults, run in slices (a progress line on a terminal, Ctrl-C stops at
 * the next event), then finish the recorder and end the run. Teardown:
 * workloads and timeline (their free aborts what is still open, after the
 * recorder stopped listening), the world, the pcap writer, the TCP module,
 * the recorder, the database.
 *
 * Workloads are matched to each other so that one experiment file is
 * enough: a server answers once it has the largest request of the clients
 * aimed at its node and port, and a client expects the response size of
 * the server workload it connects to (0 when none: done once the request
 * is sent). Workload i runs as process id i + 1, which is what a `kill`
 * fault kills on its node (and then tells the workload, whose handles the
 * kill released).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu.h"
#include "experiments/exp_int.h"
#include "experiments/timeline.h"
#include "experiments/workload.h"
#include "results/results.h"
#include "tcpsim_version.h"
#include "topologies/topo.h"

enum { RUN_OK = 0, RUN_FAILED = 1, RUN_BAD_INPUT = 2 };

static double mono_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct sim_world *volatile g_run_world; /* for the SIGINT handler */

static void run_on_sigint(int sig)
{
  (void)sig;
  if (g_run_world)
    sim_stop(g_run_world);
}

/* ====================================================================== */
/* Workloads                                                               */
/* ====================================================================== */

struct run_wl {
  const struct exp_workload *cfg;
  struct exp_wl_server *srv;
  struct exp_wl_client *cli;
  struct exp_wl_flood **flood; /* one per attacking host */
  size_t nflood;
  struct exp_timeline *tl;     /* the [action.*] calls: in rw[0] only (the
                                  array always has one element) */
};

struct run_fault {
  const struct exp_fault *f;
  struct tcp_module *m;
  const struct exp_config *cfg;
  struct run_wl *rw;           /* the workloads, told of a kill */
  uint32_t link;               /* set_link: the link's id */
  bool swapped;                /* set_link: written B-A of the link's ends */
};

static uint64_t wl_uint(const struct exp_workload *wl, const char *key)
{
  uint64_t v = 0;
  const char *s = exp__workload_get(wl, key);
  if (s)
    (void)exp__parse_uint(s, &v);
  return v;
}

/* Whether key has a value (keys whose default is "unset"). */
static bool wl_set(const struct exp_workload *wl, const char *key)
{
  const char *s = exp__workload_get(wl, key);
  return s && *s;
}

static int64_t gap_of(const struct exp_workload *wl, const char *key)
{
  double per_s = 0;
  const char *s = exp__workload_get(wl, key);
  if (!s || exp__parse_rate(s, &per_s) != 0 || per_s <= 0)
    return SIM_S;
  double gap = 1e9 / per_s;
  return gap < 1 ? 1 : (int64_t)(gap + 0.5);
}

/* A time key of a workload; 0 when unset ("": not given). */
static int64_t time_of(const struct exp_workload *wl, const char *key)
{
  int64_t ns = 0;
  const char *s = exp__workload_get(wl, key);
  if (s && *s && exp__parse_time(s, &ns) != 0)
    ns = 0;
  return ns;
}

/* keepalive on/off of a client or server workload; the per-socket times
 * (keepalive_idle...) are time_of/wl_uint of their keys: unset keys give
 * 0, which leaves the host's tcp keepidle/keepintvl/keepcnt. */
static int keepalive_of(const struct exp_workload *wl)
{
  int keep = 0;
  const char *ka = exp__workload_get(wl, "keepalive");
  if (ka)
    (void)exp__parse_bool(ka, &keep);
  return keep;
}

static enum exp_wl_rate arrival_of(const struct exp_workload *wl)
{
  const char *s = exp__workload_get(wl, "arrival");
  if (s && !strcmp(s, "fixed"))
    return EXP_WL_RATE_FIXED;
  if (s && !strcmp(s, "back_to_back"))
    return EXP_WL_RATE_BACK_TO_BACK;
  return EXP_WL_RATE_POISSON;
}

static enum exp_wl_srv_close srv_close_of(const char *s)
{
  if (s && !strcmp(s, "first"))
    return EXP_WL_SRV_FIRST;
  if (s && !strcmp(s, "abort"))
    return EXP_WL_SRV_ABORT;
  if (s && !strcmp(s, "never"))
    return EXP_WL_SRV_NEVER;
  return EXP_WL_SRV_WAIT;
}

static enum exp_wl_cli_close cli_close_of(const char *s)
{
  if (s && !strcmp(s, "server_first"))
    return EXP_WL_CLI_SERVER_FIRST;
  if (s && !strcmp(s, "both"))
    return EXP_WL_CLI_BOTH;
  if (s && !strcmp(s, "abort"))
    return EXP_WL_CLI_ABORT;
  if (s && !strcmp(s, "keep"))
    return EXP_WL_CLI_KEEP;
  return EXP_WL_CLI_CLIENT_FIRST;
}

/* Node named by a workload key (a node or a one-node group). */
static int node_of(const struct topo *t, const char *name, uint32_t *node)
{
  uint32_t first, count;
  if (!name || topo_group_find(t, name, &first, &count) != 0 || count < 1)
    return -1;
  *node = first;
  return 0;
}

static bool wl_on_node(const struct exp_workload *wl, uint32_t node)
{
  return node >= wl->first_node && node - wl->first_node < wl->count;
}

/* Largest request of the clients aimed at (node, port). */
static uint64_t request_for(const struct exp_config *cfg, const struct topo *t,
                            uint32_t node, uint64_t port)
{
  uint64_t best = 0;
  for (size_t i = 0; i < cfg->nwl; i++) {
    const struct exp_workload *wl = &cfg->wl[i];
    uint32_t target;
    if (wl->type != EXP_WORKLOAD_CLIENT ||
        node_of(t, exp__workload_get(wl, "server"), &target) != 0 ||
        target != node || wl_uint(wl, "port") != port)
      continue;
    uint64_t r = wl_uint(wl, "request_bytes");
    if (r > best)
      best = r;
  }
  return best;
}

/* Response size of the server workload listening on (node, port). */
static uint64_t response_for(const struct exp_config *cfg, uint32_t node,
                             uint64_t port)
{
  for (size_t i = 0; i < cfg->nwl; i++) {
    const struct exp_workload *wl = &cfg->wl[i];
    if (wl->type == EXP_WORKLOAD_SERVER && wl_on_node(wl, node) &&
        wl_uint(wl, "port") == port)
      return wl_uint(wl, "response_bytes");
  }
  return 0;
}

static int start_workloads(const char *who, const struct exp_config *cfg,
                           const struct topo *t, struct sim_world *w,
                           struct tcp_module *m, struct res_recorder *rec,
                           struct run_wl *rw)
{
  struct exp_wl_hook hook = exp_wl_hook_recorder(rec);
  for (size_t i = 0; i < cfg->nwl; i++) {
    const struct exp_workload *wl = &cfg->wl[i];
    rw[i].cfg = wl;
    uint32_t *nodes = calloc(wl->count ? wl->count : 1, sizeof *nodes);
    if (!nodes) {
      fprintf(stderr, "%s: out of memory\n", who);
      return RUN_FAILED;
    }
    for (uint32_t k = 0; k < wl->count; k++)
      nodes[k] = wl->first_node + k;
    int rc = TCP_OK;
    switch (wl->type) {
    case EXP_WORKLOAD_SERVER: {
      uint64_t port = wl_uint(wl, "port");
      struct exp_wl_server_cfg sc = {
          .nodes = nodes, .n_nodes = wl->count, .port = (uint16_t)port,
          .backlog = (uint32_t)wl_uint(wl, "backlog"),
          .request_bytes = wl_set(wl, "request_bytes")
                               ? wl_uint(wl, "request_bytes")
                               : request_for(cfg, t, wl->first_node, port),
          .response_bytes = wl_uint(wl, "response_bytes"),
          .close = srv_close_of(exp__workload_get(wl, "close")),
          .keepalive = keepalive_of(wl) != 0,
          .keepidle_ns = time_of(wl, "keepalive_idle"),
          .keepintvl_ns = time_of(wl, "keepalive_interval"),
          .keepcnt = (uint8_t)wl_uint(wl, "keepalive_count"),
          .owner = (uint32_t)i + 1, .hook = hook};
      int restart = 1;
      const char *rs = exp__workload_get(wl, "restart");
      if (rs)
        (void)exp__parse_bool(rs, &restart);
      sc.restart = restart != 0;
      rc = exp_wl_server_start(m, w, &sc, &rw[i].srv);
      break;
    }
    case EXP_WORKLOAD_CLIENT: {
      uint32_t target;
      if (node_of(t, exp__workload_get(wl, "server"), &target) != 0) {
        fprintf(stderr, "%s: [workload.%s] server: no such node\n", who,
                wl->name);
        free(nodes);
        return RUN_BAD_INPUT;
      }
      uint64_t port = wl_uint(wl, "port");
      int keep = keepalive_of(wl);
      int64_t retry_ns = 0;
      const char *v = exp__workload_get(wl, "retry_delay");
      if (v && *v)
        (void)exp__parse_time(v, &retry_ns);
      struct exp_wl_client_cfg cc = {
          .nodes = nodes, .n_nodes = wl->count,
          .server_addr = sim_node_addr(w, target),
          .server_port = (uint16_t)port, .rate = arrival_of(wl),
          .gap_ns = gap_of(wl, "rate"),
          .count = (uint32_t)wl_uint(wl, "count"),
          .start_ns = sim_now(w) + time_of(wl, "start"),
          .start_spread_ns = time_of(wl, "start_spread"),
          .stop_ns = time_of(wl, "stop"),
          .think_ns = time_of(wl, "think"),
          .request_bytes = wl_uint(wl, "request_bytes"),
          .response_bytes = wl_set(wl, "response_bytes")
                                ? wl_uint(wl, "response_bytes")
                                : response_for(cfg, target, port),
          .close = cli_close_of(exp__workload_get(wl, "close")),
          .local_port = (uint16_t)wl_uint(wl, "local_port"),
          .keepalive = keep != 0, .keepidle_ns = time_of(wl, "keepalive_idle"),
          .keepintvl_ns = time_of(wl, "keepalive_interval"),
          .keepcnt = (uint8_t)wl_uint(wl, "keepalive_count"),
          .retries = (uint32_t)wl_uint(wl, "retries"),
          .retry_gap_ns = retry_ns, .owner = (uint32_t)i + 1,
          .instance = (uint32_t)i, .hook = hook};
      rc = exp_wl_client_start(m, w, &cc, &rw[i].cli);
      break;
    }
    case EXP_WORKLOAD_SYN_FLOOD: {
      uint32_t target, pfx = 0, plen = 0;
      if (node_of(t, exp__workload_get(wl, "target"), &target) != 0) {
        fprintf(stderr, "%s: [workload.%s] target: no such node\n", who,
                wl->name);
        free(nodes);
        return RUN_BAD_INPUT;
      }
      (void)exp__parse_prefix(exp__workload_get(wl, "src_prefix"), &pfx, &plen);
      rw[i].flood = calloc(wl->count ? wl->count : 1, sizeof *rw[i].flood);
      if (!rw[i].flood) {
        free(nodes);
        fprintf(stderr, "%s: out of memory\n", who);
        return RUN_FAILED;
      }
      enum exp_wl_rate r = arrival_of(wl);
      for (uint32_t k = 0; k < wl->count && rc == SIM_OK; k++) {
        struct exp_wl_flood_cfg fc = {
            .attacker = nodes[k], .target_addr = sim_node_addr(w, target),
            .target_port = (uint16_t)wl_uint(wl, "port"), .src_prefix = pfx,
            .src_prefix_len = (uint8_t)plen,
            .rate = r == EXP_WL_RATE_BACK_TO_BACK ? EXP_WL_RATE_POISSON : r,
            .gap_ns = gap_of(wl, "rate"),
            .start_ns = sim_now(w) + time_of(wl, "start"),
            .stop_ns = time_of(wl, "stop")};
        rc = exp_wl_flood_start(w, &fc, &rw[i].flood[k]);
        if (rc == SIM_OK)
          rw[i].nflood++;
      }
      break;
    }
    }
    free(nodes);
    if (rc != 0) {
      fprintf(stderr, "%s: cannot start [workload.%s]: %s\n", who, wl->name,
              wl->type == EXP_WORKLOAD_SYN_FLOOD ? sim_strerror(rc)
                                                 : tcp_strerror(rc));
      return RUN_FAILED;
    }
  }
  /* The [action.*] calls, after the workloads: at one instant, a
   * workload's start comes first, then the calls, then the faults. */
  if (cfg->nactions) {
    for (size_t i = 0; i < cfg->nactions; i++)
      if (sim_node_kind(w, cfg->actions[i].host) != SIM_NODE_HOST) {
        fprintf(stderr, "%s: [action.%s] host: '%s' is not a host\n", who,
                cfg->actions[i].name, sim_node_name(w, cfg->actions[i].host));
        return RUN_BAD_INPUT;
      }
    int rc = exp__timeline_start(cfg, w, m, rec, &rw[0].tl);
    if (rc != TCP_OK) {
      fprintf(stderr, "%s: cannot start the [action.*] timeline: %s\n", who,
              tcp_strerror(rc));
      return RUN_FAILED;
    }
  }
  return RUN_OK;
}

static void free_workloads(struct run_wl *rw, size_t n)
{
  for (size_t i = 0; rw && i < n; i++) {
    exp_wl_server_free(rw[i].srv);
    exp_wl_client_free(rw[i].cli);
    for (size_t k = 0; k < rw[i].nflood; k++)
      exp_wl_flood_free(rw[i].flood[k]);
    free(rw[i].flood);
  }
  if (rw)
    exp__timeline_free(rw[0].tl);
  free(rw);
}

/* ====================================================================== */
/* Faults                                                                  */
/* ====================================================================== */

static void fault_fire(struct sim_world *w, void *arg)
{
  const struct run_fault *rf = arg;
  const struct exp_fault *f = rf->f;
  switch (f->action) {
  case EXP_FAULT_CRASH:
    (void)sim_node_power_off(w, f->node);
    break;
  case EXP_FAULT_REBOOT:
    (void)sim_node_reboot(w, f->node, f->delay_ns);
    break;
  case EXP_FAULT_KILL:
    for (size_t i = 0; i < rf->cfg->nwl; i++)
      if (wl_on_node(&rf->cfg->wl[i], f->node)) {
        (void)tcp_kill_process(rf->m, f->node, (uint32_t)i + 1);
        exp_wl_server_killed(rf->rw[i].srv, f->node);
        exp_wl_client_killed(rf->rw[i].cli, f->node);
      }
    break;
  case EXP_FAULT_LINK_DOWN:
  case EXP_FAULT_LINK_UP:
    break; /* scheduled with sim_link_schedule_updown */
  case EXP_FAULT_SET_LINK: {
    /* the words apply in the direction order the file wrote, A-B */
    struct sim_link_params d0, d1;
    struct topo_error te;
    (void)sim_link_params_get(w, rf->link, 0, &d0);
    (void)sim_link_params_get(w, rf->link, 1, &d1);
    struct sim_link_params *ab = rf->swapped ? &d1 : &d0;
    struct sim_link_params *ba = rf->swapped ? &d0 : &d1;
    if (topo_link_attrs(f->params, ab, ba, &te) == TOPO_OK) {
      (void)sim_link_params_set(w, rf->link, 0, &d0);
      (void)sim_link_params_set(w, rf->link, 1, &d1);
    }
    break; /* the words were checked when the file was loaded */
  }
  }
}

/* The id of the link between a and b (either order); UINT32_MAX if none.
 * *swapped: its ends are (b, a). */
static uint32_t link_between(struct sim_world *w, uint32_t a, uint32_t b,
                             bool *swapped)
{
  for (uint32_t l = 0; l < sim_link_count(w); l++) {
    uint32_t x, y;
    if (sim_link_ends(w, l, &x, &y) != SIM_OK)
      continue;
    if ((x == a && y == b) || (x == b && y == a)) {
      *swapped = x == b;
      return l;
    }
  }
  return UINT32_MAX;
}

static int schedule_faults(const char *who, const struct exp_config *cfg,
                           struct sim_world *w, struct tcp_module *m,
                           struct run_wl *rw, struct run_fault *rf)
{
  for (size_t i = 0; i < cfg->nfaults; i++) {
    const struct exp_fault *f = &cfg->faults[i];
    rf[i] = (struct run_fault){.f = f, .m = m, .cfg = cfg, .rw = rw};
    int rc;
    if (f->link_a != UINT32_MAX) {
      rf[i].link = link_between(w, f->link_a, f->link_b, &rf[i].swapped);
      if (rf[i].link == UINT32_MAX) {
        fprintf(stderr, "%s: [fault.%s] link: no such link\n", who, f->name);
        return RUN_BAD_INPUT;
      }
    }
    if (f->action == EXP_FAULT_LINK_DOWN || f->action == EXP_FAULT_LINK_UP) {
      rc = sim_link_schedule_updown(w, rf[i].link, f->at_ns,
                                    f->action == EXP_FAULT_LINK_UP);
    } else {
      rc = sim_call_at(w, f->at_ns, fault_fire, &rf[i]);
    }
    if (rc != SIM_OK) {
      fprintf(stderr, "%s: cannot schedule [fault.%s]: %s\n", who, f->name,
              sim_strerror(rc));
      return RUN_FAILED;
    }
  }
  return RUN_OK;
}

/* ====================================================================== */
/* Summary                                                                 */
/* ====================================================================== */

/* What the run did: its status line, one line per workload, the TCP
 * module's counters. */
static void print_summary(FILE *f, const struct exp_config *cfg,
                          const struct run_wl *rw, struct tcp_module *m,
                          const struct exp_run_result *r)
{
  fprintf(f, "run %" PRId64 " %s: %" PRIu64 " events, %.3f s wall, digest %s\n",
          r->run_id, r->status, r->events, (double)r->wall_ns / 1e9,
          r->digest[0] ? r->digest : "-");
  for (size_t i = 0; i < cfg->nwl; i++) {
    const struct exp_workload *wl = &cfg->wl[i];
    if (rw[i].cli) {
      struct exp_wl_client_stats st;
      exp_wl_client_stats(rw[i].cli, &st);
      fprintf(f, "  client %-12s %" PRIu64 " attempted, %" PRIu64
              " established, %" PRIu64 " completed, %" PRIu64 " failed",
              wl->name, st.attempted, st.established, st.completed, st.failed);
      if (st.retried)
        fprintf(f, ", %" PRIu64 " retried", st.retried);
      for (int e = 1; e < EXP_WL_ERR_SLOTS; e++)
        if (st.err[e])
          fprintf(f, ", %s %" PRIu64, tcp_errname(-e), st.err[e]);
      fputc('\n', f);
    } else if (rw[i].srv) {
      struct exp_wl_server_stats st;
      exp_wl_server_stats(rw[i].srv, &st);
      fprintf(f, "  server %-12s %" PRIu64 " accepted, %" PRIu64
              " responded, %" PRIu64 " closed, %" PRIu64 " errors",
              wl->name, st.accepted, st.responded, st.closed, st.errors);
      if (st.restarts)
        fprintf(f, ", %" PRIu64 " restarts", st.restarts);
      fputc('\n', f);
    } else if (rw[i].nflood) {
      uint64_t sent = 0;
      for (size_t k = 0; k < rw[i].nflood; k++)
        sent += exp_wl_flood_sent(rw[i].flood[k]);
      fprintf(f, "  flood  %-12s %" PRIu64 " SYNs sent\n", wl->name, sent);
    }
  }
  if (rw[0].tl) {
    struct exp_timeline_stats ts;
    exp__timeline_stats(rw[0].tl, &ts);
    fprintf(f, "  actions %" PRIu64 " calls: %" PRIu64 " ok, %" PRIu64
            " failed; %" PRIu64 " accepted, %" PRIu64 " established, %" PRIu64
            " ended by an error, %" PRIu64 " bytes read\n",
            ts.calls, ts.ok, ts.failed, ts.accepted, ts.established,
            ts.conn_errors, ts.bytes_read);
  }
  if (m) {
    struct tcp_stats ts;
    tcp_stats_get(m, &ts);
    fprintf(f, "  tcp    %" PRIu64 " segments sent, %" PRIu64
            " retransmitted, %" PRIu64 " RSTs sent, SYN queue drops %" PRIu64
            ", accept queue drops %" PRIu64,
            ts.segs_out, ts.retransmits, ts.rst_out, ts.syn_queue_drops,
            ts.accept_queue_drops);
    if (ts.syncookies_sent)
      fprintf(f, ", SYN cookies %" PRIu64 " sent, %" PRIu64 " validated",
              ts.syncookies_sent, ts.syncookies_validated);
    fputc('\n', f);
  }
}

void exp__print_queries(FILE *f, const char *db, int64_t first, int64_t last,
                        enum exp_trace trace)
{
  char runs[64];
  if (first == last)
    snprintf(runs, sizeof runs, "run_id=%" PRId64, first);
  else
    snprintf(runs, sizeof runs, "run_id BETWEEN %" PRId64 " AND %" PRId64,
             first, last);
  fprintf(f, "try:\n");
  if (trace == EXP_TRACE_RUN) {
    /* no row per connection: the counts and the states over time */
    fprintf(f, "  sqlite3 -column -header %s \"SELECT run_id, name, value FROM "
            "metrics WHERE %s AND name LIKE 'conns.%%'\"\n", db, runs);
    fprintf(f, "  sqlite3 -column -header %s \"SELECT run_id, t_ns, state, count"
            " FROM v_states_over_time WHERE %s AND count > 0\"\n", db, runs);
  } else {
    fprintf(f, "  sqlite3 -column -header %s \"SELECT run_id, outcome, count FROM "
            "v_conn_outcomes WHERE %s\"\n", db, runs);
    fprintf(f, "  sqlite3 -column -header %s \"SELECT run_id, opened_ns/1000000000"
            " AS second, count(*) AS opened, round(avg(established_ns - "
            "opened_ns)/1e6, 1) AS avg_setup_ms FROM connections WHERE %s AND "
            "kind='active' GROUP BY run_id, second\"\n", db, runs);
  }
  if (trace <= EXP_TRACE_SUMMARY)
    fprintf(f, "  sqlite3 -column -header %s \"SELECT run_id, name, value FROM "
            "metrics WHERE %s\"\n", db, runs);
  else
    fprintf(f, "  sqlite3 -column -header %s \"SELECT run_id, from_state, "
            "to_state, count(*) AS n FROM transitions WHERE %s GROUP BY "
            "run_id, from_state, to_state ORDER BY run_id, n DESC\"\n", db,
            runs);
}

/* ====================================================================== */
/* Emulation                                                               */
/* ====================================================================== */

/* The device name for tun node `name`: its --tun NODE=IFNAME, else the
 * node's own name. */
static const char *tun_ifname(const struct exp_emu_opts *eo, const char *name)
{
  size_t n = strlen(name);
  for (size_t i = 0; i < eo->ntun; i++)
    if (!strncmp(eo->tun[i], name, n) && eo->tun[i][n] == '=')
      return eo->tun[i] + n + 1;
  return name;
}

/* A loop for w with every tun node of t bound to its device; messages on
 * stderr. RUN_OK, RUN_BAD_INPUT (a --tun naming no tun node, no tun node
 * at all) or RUN_FAILED (a device that does not open). */
static int emu_setup(const struct exp_emu_opts *eo, const struct topo *t,
                     struct sim_world *w, struct emu_loop **out)
{
  for (size_t i = 0; i < eo->ntun; i++) {
    const char *eq = strchr(eo->tun[i], '=');
    uint32_t first, count;
    char name[128];
    snprintf(name, sizeof name, "%.*s",
             eq ? (int)(eq - eo->tun[i]) : 0, eo->tun[i]);
    if (!eq || !eq[1] || topo_group_find(t, name, &first, &count) != 0 ||
        count != 1 || !topo_node_is_tun(t, first)) {
      fprintf(stderr, "tcpsim emu: --tun %s: expected NODE=IFNAME with NODE "
              "a tun node of the topology\n", eo->tun[i]);
      return RUN_BAD_INPUT;
    }
  }
  struct emu_loop *l = emu_loop_new(w);
  if (!l) {
    fprintf(stderr, "tcpsim emu: cannot make the event loop\n");
    return RUN_FAILED;
  }
  *out = l;
  if (eo->late_ns > 0)
    emu_loop_set_late_ns(l, eo->late_ns);
  size_t ntun = 0;
  for (uint32_t node = 0; node < topo_node_count(t); node++) {
    if (!topo_node_is_tun(t, node))
      continue;
    const char *ifname = tun_ifname(eo, topo_node_name(t, node));
    char msg[300], got[16], a[16];
    int fd;
    if (emu_tun_open(ifname, &fd, got, msg, sizeof msg) != SIM_OK) {
      fprintf(stderr, "tcpsim emu: tun node '%s': %s\n",
              topo_node_name(t, node), msg);
      return RUN_FAILED;
    }
    if (emu_loop_add_device(l, node, fd, got) != SIM_OK) {
      close(fd);
      fprintf(stderr, "tcpsim emu: tun node '%s': cannot bind %s\n",
              topo_node_name(t, node), got);
      return RUN_FAILED;
    }
    fprintf(stderr, "emu: tun node '%s' (%s) bound to device %s\n",
            topo_node_name(t, node), sim_ipv4_format(sim_node_addr(w, node), a),
            got);
    ntun++;
  }
  if (ntun == 0)
    fprintf(stderr, "emu: the topology has no tun node: the run only "
            "follows the wall clock\n");
  return RUN_OK;
}

/* The loop's report as metrics of the run (emu.*). */
static void emu_metrics(struct res_recorder *rec, const struct emu_loop *l)
{
  struct emu_stats s;
  emu_loop_stats(l, &s);
  (void)res_recorder_metric(rec, "emu.behind", (double)s.behind);
  (void)res_recorder_metric(rec, "emu.worst_lag_ns", (double)s.worst_lag_ns);
  (void)res_recorder_metric(rec, "emu.late_ns", (double)s.late_ns);
  (void)res_recorder_metric(rec, "emu.tun_rx", (double)s.rx_packets);
  (void)res_recorder_metric(rec, "emu.tun_rx_malformed",
                            (double)s.rx_malformed);
  (void)res_recorder_metric(rec, "emu.tun_rx_not_ipv4", (double)s.rx_not_ipv4);
  (void)res_recorder_metric(rec, "emu.tun_rx_no_proto", (double)s.rx_no_proto);
  (void)res_recorder_metric(rec, "emu.tun_rx_dropped", (double)s.rx_dropped);
  (void)res_recorder_metric(rec, "emu.tun_tx", (double)s.tx_packets);
  (void)res_recorder_metric(rec, "emu.tun_tx_errors", (double)s.tx_errors);
}

/* ====================================================================== */
/* The run                                                                 */
/* ====================================================================== */

/* The connection-state samples (samples conns.STATE, the view
 * v_states_over_time): at 0, then every interval up to the duration. */
struct run_sampler {
  struct sim_event ev;
  struct res_recorder *rec;
  int64_t every_ns, end_ns;
};

static void sampler_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct run_sampler *sp = arg;
  (void)ev;
  (void)res_recorder_sample_states(sp->rec);
  if (sim_now(w) + sp->every_ns <= sp->end_ns)
    (void)sim_schedule_in(w, &sp->ev, sp->every_ns);
}

static enum res_trace_level trace_level_of(enum exp_trace t)
{
  switch (t) {
  case EXP_TRACE_RUN:
    return RES_TRACE_RUN;
  case EXP_TRACE_SUMMARY:
    return RES_TRACE_SUMMARY;
  case EXP_TRACE_TRANSITIONS:
    return RES_TRACE_TRANSITIONS;
  case EXP_TRACE_SEGMENTS:
    return RES_TRACE_SEGMENTS;
  }
  return RES_TRACE_SUMMARY;
}

int exp_run(const struct exp_config *cfg, const struct exp_run_opts *opts,
            struct exp_run_result *out)
{
  static const struct exp_run_opts no_opts;
  if (!opts)
    opts = &no_opts;
  const char *who = opts->emu ? "tcpsim emu" : "tcpsim run"; /* messages */
  struct exp_run_result res = {.run_id = -1, .status = "failed"};
  const char *db_path = opts->db && *opts->db ? opts->db : cfg->db;
  const char *pcap_dir = opts->pcap ? opts->pcap : cfg->pcap;
  bool progress_tty = opts->progress;
  char pcap_buf[4200];
  struct topo *t = NULL;
  struct sim_world *w = NULL;
  struct tcp_module *m = NULL;
  struct res_db *db = NULL;
  struct res_recorder *rec = NULL;
  struct res_pcap *pcap = NULL;
  struct run_wl *rw = NULL;
  struct run_fault *rf = NULL;
  struct emu_loop *emu = NULL;
  char *text = NULL;
  char msg[1200], digest[17] = "";
  struct run_sampler sampler = {0};
  int rc = RUN_FAILED;
  bool finished = false;

  struct topo_error terr;
  if (topo_parse_file(cfg->topology, &t, &terr) != 0) {
    topo_format_error(&terr, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
    rc = RUN_BAD_INPUT;
    goto out;
  }
  w = sim_world_new(cfg->seed);
  if (!w) {
    fprintf(stderr, "%s: out of memory\n", who);
    goto out;
  }
  if (topo_build(t, w, &terr) != 0) {
    topo_format_error(&terr, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
    rc = RUN_BAD_INPUT;
    goto out;
  }
  (void)topo_digest(t, digest);
  if (opts->emu) {
    int erc = emu_setup(opts->emu, t, w, &emu);
    if (erc != RUN_OK) {
      rc = erc;
      goto out;
    }
  }
  m = tcp_install(w, &cfg->tcp);
  if (!m) {
    fprintf(stderr, "%s: cannot install TCP (bad [tcp] settings?)\n", who);
    goto out;
  }
  for (size_t g = 0; g < cfg->ngroups; g++) {
    const struct exp_tcp_group *grp = &cfg->groups[g];
    for (uint32_t k = 0; k < grp->count; k++) {
      uint32_t node = grp->first_node + k;
      if (sim_node_kind(w, node) != SIM_NODE_HOST)
        continue;
      if (tcp_host_settings(m, node, &grp->settings) != TCP_OK) {
        fprintf(stderr, "%s: [tcp.%s]: settings refused for %s\n", who,
                grp->group, sim_node_name(w, node));
        rc = RUN_BAD_INPUT;
        goto out;
      }
    }
  }

  if (res_open(db_path, &db, msg, sizeof msg) != RES_OK) {
    fprintf(stderr, "%s: %s\n", who, msg);
    rc = RUN_BAD_INPUT;
    goto out;
  }
  text = exp_config_text(cfg);
  char wall[32] = "";
  time_t now = time(NULL);
  struct tm tmv;
  if (gmtime_r(&now, &tmv))
    strftime(wall, sizeof wall, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  enum res_trace_level level = trace_level_of(cfg->trace);
  struct res_run_info info = {
      .config = text, .seed = cfg->seed, .topology_path = cfg->topology,
      .topology_digest = digest, .version = TCPSIM_VERSION,
      .profile = tcp_profile_name(cfg->profile),
      .trace_level = res_trace_level_name(level), .started_wall = wall,
      .topology_text = topo_text(t), .run_id = opts->run_id};
  if (res_run_begin(db, &info, &res.run_id) != RES_OK) {
    fprintf(stderr, "%s: %s: %s\n", who, db_path, res_errmsg(db));
    goto out;
  }
  for (size_t s = 0; s < cfg->nsec; s++)
    for (size_t e = 0; e < cfg->sec[s].n; e++) {
      char key[256];
      snprintf(key, sizeof key, "%s.%s", cfg->sec[s].name, cfg->sec[s].e[e].key);
      if (res_param(db, res.run_id, key, cfg->sec[s].e[e].value) != RES_OK) {
        fprintf(stderr, "%s: %s: %s\n", who, db_path, res_errmsg(db));
        goto end_failed;
      }
    }
  if (res_recorder_attach(db, res.run_id, w, m, level, &rec) != RES_OK) {
    fprintf(stderr, "%s: %s: %s\n", who, db_path, res_errmsg(db));
    goto end_failed;
  }
  if (pcap_dir && *pcap_dir && opts->pcap_per_run) {
    /* one directory per run of a sweep, made inside DIR */
    if (mkdir(pcap_dir, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "%s: pcap: cannot create %s: %s\n", who, pcap_dir,
              strerror(errno));
      goto end_failed;
    }
    snprintf(pcap_buf, sizeof pcap_buf, "%s/run-%" PRId64, pcap_dir,
             res.run_id);
    pcap_dir = pcap_buf;
  }
  if (pcap_dir && *pcap_dir &&
      res_pcap_open(w, pcap_dir, RES_PCAP_HOSTS, NULL, &pcap, msg,
                    sizeof msg) != 0) {
    fprintf(stderr, "%s: pcap: %s\n", who, msg);
    goto end_failed;
  }

  /* The seed a run really had (a sweep's replications change it). */
  char seed_text[32];
  snprintf(seed_text, sizeof seed_text, "%" PRIu64, cfg->seed);
  if (res_param(db, res.run_id, "run.seed", seed_text) != RES_OK) {
    fprintf(stderr, "%s: %s: %s\n", who, db_path, res_errmsg(db));
    goto end_failed;
  }
  sampler.rec = rec;
  sampler.end_ns = cfg->duration_ns;
  sampler.every_ns = cfg->sample_ns > 0 ? cfg->sample_ns : cfg->duration_ns / 100;
  if (sampler.every_ns < 1)
    sampler.every_ns = 1;
  sim_event_init(&sampler.ev, sampler_fire, &sampler);
  (void)sim_schedule_at(w, &sampler.ev, sim_now(w));

  rw = calloc(cfg->nwl ? cfg->nwl : 1, sizeof *rw);
  rf = calloc(cfg->nfaults ? cfg->nfaults : 1, sizeof *rf);
  if (!rw || !rf) {
    fprintf(stderr, "%s: out of memory\n", who);
    goto end_failed;
  }
  int src = start_workloads(who, cfg, t, w, m, rec, rw);
  if (src == RUN_OK)
    src = schedule_faults(who, cfg, w, m, rw, rf);
  if (src != RUN_OK) {
    rc = src;
    goto end_failed;
  }

  /* Run in slices: a progress line on a terminal, Ctrl-C at any event. */
  int64_t end_ns = cfg->duration_ns;
  int64_t slice = end_ns / 100 > 0 ? end_ns / 100 : 1;
  bool stopped = false;
  double t0 = mono_seconds(), last = t0;
  g_run_world = w;
  /* sigaction, not signal(): in strict C11 signal() resets the handler
   * at delivery, and a second SIGINT (a sweep worker gets one from the
   * terminal and one from its parent) would kill the process. */
  struct sigaction sa = {.sa_handler = run_on_sigint}, old_sa;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_sa);
  if (emu) {
    /* Real time: one call to the end; the loop sees Ctrl-C within
     * 100 ms. */
    fprintf(stderr, "emu: running in real time for %.3f s\n",
            (double)end_ns / 1e9);
    int erc = emu_loop_run(emu, end_ns);
    stopped = erc == SIM_ESTOPPED;
    if (erc != SIM_OK && !stopped)
      fprintf(stderr, "tcpsim emu: the event loop failed: %s\n",
              sim_strerror(erc));
  }
  for (int64_t until = slice; !emu; until += slice) {
    if (until > end_ns)
      until = end_ns;
    if (sim_run(w, until) == SIM_ESTOPPED) {
      stopped = true;
      break;
    }
    double tnow = mono_seconds();
    if (progress_tty && tnow - last > 0.5) {
      double done = (double)until / (double)end_ns;
      fprintf(stderr, "\r  simulated %5.1f%%  %.0f events/s  eta %.0fs   ",
              100 * done, (double)sim_events_processed(w) / (tnow - t0),
              (tnow - t0) * (1 - done) / (done > 0 ? done : 1));
      last = tnow;
    }
    if (until >= end_ns || sim_events_pending(w) == 0)
      break;
  }
  if (progress_tty && last != t0)
    fprintf(stderr, "\r%60s\r", "");
  sigaction(SIGINT, &old_sa, NULL);
  g_run_world = NULL;
  res.wall_ns = (int64_t)((mono_seconds() - t0) * 1e9);
  res.events = sim_events_processed(w);

  if (emu)
    emu_metrics(rec, emu);
  finished = true;
  if (res_recorder_finish(rec) != RES_OK || res_recorder_error(rec) != RES_OK) {
    fprintf(stderr, "%s: recording failed: %s\n", who, res_errmsg(db));
    goto end_failed;
  }
  snprintf(res.digest, sizeof res.digest, "%s", res_recorder_digest(rec));
  res.status = stopped ? "interrupted" : "done";
  if (res_run_end(db, res.run_id, res.status, res.events, res.wall_ns,
                  res.digest) != RES_OK) {
    fprintf(stderr, "%s: %s: %s\n", who, db_path, res_errmsg(db));
    res.status = "failed";
    goto out;
  }
  rc = stopped ? RUN_FAILED : RUN_OK;
  for (size_t i = 0; i < cfg->nwl; i++) {
    if (rw[i].cli) {
      struct exp_wl_client_stats st;
      exp_wl_client_stats(rw[i].cli, &st);
      res.conns_completed += st.completed;
      res.conns_failed += st.failed;
    }
  }
  if (!opts->quiet)
    print_summary(stdout, cfg, rw, m, &res);
  if (emu && !opts->quiet)
    emu_print_report(emu, stdout);
  if (!opts->quiet && !opts->brief) {
    printf("results: %s\n", db_path);
    exp__print_queries(stdout, db_path, res.run_id, res.run_id, cfg->trace);
  }
  goto out;

end_failed:
  if (rec && !finished)
    (void)res_recorder_finish(rec);
  (void)res_run_end(db, res.run_id, "failed", w ? sim_events_processed(w) : 0,
                    0, NULL);
out:
  free_workloads(rw, cfg->nwl);
  emu_loop_free(emu); /* unbinds its nodes: before the world goes */
  sim_world_free(w);
  if (pcap && res_pcap_close(pcap, msg, sizeof msg) != 0) {
    fprintf(stderr, "%s: pcap: %s\n", who, msg);
    if (rc == RUN_OK)
      rc = RUN_FAILED;
  }
  tcp_free(m);
  res_recorder_free(rec);
  res_close(db);
  topo_free(t);
  free(rf);
  free(text);
  res.exit_code = rc;
  if (out)
    *out = res;
  return rc;
}
