/*
 * cli.c - the `tcpsim` command line: subcommand dispatch, options, help,
 * progress and exit status.
 *
 * Exit status: 0 success, 1 a run that failed, 2 bad input (options,
 * topology file). Every subcommand answers --help. Nothing the command
 * line prints about wall time reaches a simulation result: the wall clock
 * is read only for the progress line and the closing summary.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "experiments/exp.h"
#include "experiments/cli_int.h"
#include "experiments/exp_int.h"
#include "tcpsim_version.h"
#include "topologies/topo.h"


/* ====================================================================== */
/* Helpers                                                                 */
/* ====================================================================== */

static double wall_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void exp__cli_fmt_time(int64_t ns, char *buf, size_t cap)
{
  if (ns % SIM_S == 0)
    snprintf(buf, cap, "%" PRId64 "s", ns / SIM_S);
  else if (ns >= SIM_S)
    snprintf(buf, cap, "%.6fs", (double)ns / (double)SIM_S);
  else if (ns >= SIM_MS)
    snprintf(buf, cap, "%.3fms", (double)ns / (double)SIM_MS);
  else if (ns >= SIM_US)
    snprintf(buf, cap, "%.3fus", (double)ns / (double)SIM_US);
  else
    snprintf(buf, cap, "%" PRId64 "ns", ns);
}

int exp__cli_bad_option(const char *cmd, const char *msg, const char *arg)
{
  fprintf(stderr, "tcpsim %s: %s '%s' (see tcpsim %s --help)\n", cmd, msg,
          arg ? arg : "", cmd);
  return EXIT_BAD_INPUT;
}

/* Value of option argv[*i] (the next word); NULL and a message if absent. */
const char *exp__cli_opt_value(const char *cmd, int argc, char **argv, int *i)
{
  if (*i + 1 >= argc) {
    fprintf(stderr, "tcpsim %s: option %s needs a value\n", cmd, argv[*i]);
    return NULL;
  }
  return argv[++*i];
}

int exp__cli_is_help(const char *a)
{
  return a && (!strcmp(a, "-h") || !strcmp(a, "--help"));
}

int exp__cli_parse_u64(const char *s, uint64_t *out)
{
  char *end;
  if (!s || !*s || *s == '-')
    return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

/* Where the example topologies live: ./topologies when run from the source
 * tree, else the source tree the binary was built from. */
static const char *default_topology(char *buf, size_t cap)
{
  const char *rel = "topologies/dumbbell.topo";
  if (access(rel, R_OK) == 0)
    return rel;
  snprintf(buf, cap, "%s/%s", TCPSIM_SOURCE_DIR, rel);
  return buf;
}

static struct sim_world *volatile g_running; /* for the SIGINT handler */

static void on_sigint(int sig)
{
  (void)sig;
  if (g_running)
    sim_stop(g_running);
}

/* ====================================================================== */
/* tcpsim topo check                                                       */
/* ====================================================================== */

static const char topo_help[] =
    "usage: tcpsim topo check FILE\n"
    "\n"
    "Parse and build a topology file (.topo), compute its routes and print a\n"
    "summary: hosts, routers, groups, links, routing entries and any host\n"
    "that cannot reach every other host. Errors are printed as\n"
    "file:line:col: message, with exit status 2.\n"
    "The language is described in topologies/README.md.\n";

static int load_topology(const char *path, uint64_t seed, struct topo **t_out,
                         struct sim_world **w_out)
{
  struct topo_error err;
  char msg[1200];
  struct topo *t = NULL;
  if (topo_parse_file(path, &t, &err) != 0) {
    topo_format_error(&err, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
    return EXIT_BAD_INPUT;
  }
  struct sim_world *w = sim_world_new(seed);
  if (!w) {
    topo_free(t);
    fprintf(stderr, "tcpsim: out of memory\n");
    return EXIT_RUN_FAILED;
  }
  if (topo_build(t, w, &err) != 0) {
    topo_format_error(&err, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
    sim_world_free(w);
    topo_free(t);
    return EXIT_BAD_INPUT;
  }
  *t_out = t;
  *w_out = w;
  return EXIT_OK;
}

static int cmd_topo(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(topo_help, argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_BAD_INPUT : EXIT_OK;
  }
  if (strcmp(argv[1], "check") != 0)
    return exp__cli_bad_option("topo", "unknown subcommand", argv[1]);
  if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
    fputs(topo_help, stdout);
    return EXIT_OK;
  }
  if (argc != 3) {
    fputs(topo_help, stderr);
    return EXIT_BAD_INPUT;
  }
  struct topo *t;
  struct sim_world *w;
  int rc = load_topology(argv[2], 1, &t, &w);
  if (rc != EXIT_OK)
    return rc;
  topo_print_summary(t, w, stdout);
  uint32_t dummy;
  size_t unreachable = sim_unreachable_hosts(w, &dummy, 0);
  sim_world_free(w);
  topo_free(t);
  return unreachable ? EXIT_RUN_FAILED : EXIT_OK;
}

/* ====================================================================== */
/* tcpsim run                                                              */
/* ====================================================================== */

static const char ping_help[] =
    "usage: tcpsim ping [options]\n"
    "\n"
    "Load a topology and run a small simulation on it, then print what\n"
    "happened: every host pings one target host (ICMP echo) at a fixed\n"
    "interval; the first packet events are shown as they happen, then the\n"
    "round-trip times, losses, drops by reason and the busiest links. Nothing\n"
    "is written to a database: this shows the network alone, without TCP.\n"
    "\n"
    "  --topo FILE        topology file (default topologies/dumbbell.topo)\n"
    "  --seed N           run seed (default 1): same seed, same result\n"
    "  --duration TIME    how long the hosts ping (default 2s); the run then\n"
    "                     goes on for up to --drain so replies can arrive\n"
    "  --drain TIME       time allowed after the last request (default 1s)\n"
    "  --interval TIME    ping interval per host (default 10ms)\n"
    "  --size BYTES       ICMP payload per request (default 1000)\n"
    "  --to NODE          host every other host pings (default: the last\n"
    "                     host declared)\n"
    "  --show N           print the first N packet events (default 12)\n"
    "  --reboot NODE@T+D  power NODE off at time T, boot it D later\n"
    "  -h, --help         this text\n"
    "\n"
    "Times take units: ns, us, ms, s, min (e.g. 1.5ms, 2s).\n";

struct run_opts {
  const char *topo;
  uint64_t seed;
  int64_t duration_ns;
  int64_t drain_ns;
  int64_t interval_ns;
  uint64_t size;
  const char *to;
  uint64_t show;
  const char *reboot_node;
  int64_t reboot_at_ns;
  int64_t reboot_delay_ns;
};


/* "NODE@T+D" for --reboot. */
static int parse_reboot(char *s, struct run_opts *o)
{
  char *at = strchr(s, '@');
  char *plus = at ? strchr(at, '+') : NULL;
  if (!at || !plus || at == s)
    return -1;
  *at = '\0';
  *plus = '\0';
  o->reboot_node = s;
  if (exp__parse_time(at + 1, &o->reboot_at_ns) ||
      exp__parse_time(plus + 1, &o->reboot_delay_ns))
    return -1;
  return 0;
}

static int run_parse(int argc, char **argv, struct run_opts *o)
{
  static char topo_buf[4096];
  *o = (struct run_opts){.seed = 1, .duration_ns = 2 * SIM_S, .drain_ns = SIM_S,
                         .interval_ns = 10 * SIM_MS, .size = 1000, .show = 12,
                         .reboot_at_ns = -1};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(ping_help, stdout);
      return -1;
    } else if (!strcmp(a, "--topo")) {
      if (!(o->topo = exp__cli_opt_value("ping", argc, argv, &i)))
        return EXIT_BAD_INPUT;
    } else if (!strcmp(a, "--seed")) {
      if (!(v = exp__cli_opt_value("ping", argc, argv, &i)) || exp__cli_parse_u64(v, &o->seed))
        return exp__cli_bad_option("ping", "bad --seed value", v);
    } else if (!strcmp(a, "--duration")) {
      if (!(v = exp__cli_opt_value("ping", argc, argv, &i)) ||
          exp__parse_time(v, &o->duration_ns))
        return exp__cli_bad_option("ping", "bad --duration (a time with unit, e.g. 2s)", v);
    } else if (!strcmp(a, "--drain")) {
      if (!(v = exp__cli_opt_value("ping", argc, argv, &i)) ||
          exp__parse_time(v, &o->drain_ns))
        return exp__cli_bad_option("ping", "bad --drain (a time with unit, e.g. 1s)", v);
    } else if (!strcmp(a, "--interval")) {
      if (!(v = exp__cli_opt_value("ping", argc, argv, &i)) ||
          exp__parse_time(v, &o->interval_ns) || o->interval_ns <= 0)
        return exp__cli_bad_option("ping", "bad --interval (a positive time, e.g. 10ms)", v);
    } else if (!strcmp(a, "--size")) {
      if (!(v = exp__cli_opt_value("ping", argc, argv, &i)) || exp__cli_parse_u64(v, &o->size) ||
          o->size > 65507)
        return exp__cli_bad_option("ping", "bad --size (0 to 65507 bytes)", v);
    } else if (!strcmp(a, "--to")) {
      if (!(o->to = exp__cli_opt_value("ping", argc, argv, &i)))
        return EXIT_BAD_INPUT;
    } else if (!strcmp(a, "--show")) {
      if (!(v = exp__cli_opt_value("ping", argc, argv, &i)) || exp__cli_parse_u64(v, &o->show))
        return exp__cli_bad_option("ping", "bad --show value", v);
    } else if (!strcmp(a, "--reboot")) {
      if (!(v = exp__cli_opt_value("ping", argc, argv, &i)) || parse_reboot(argv[i], o))
        return exp__cli_bad_option("ping", "bad --reboot (NODE@TIME+DELAY, e.g. server1@0.5s+100ms)", v);
    } else {
      return exp__cli_bad_option("ping", "unknown option", a);
    }
  }
  if (!o->topo)
    o->topo = default_topology(topo_buf, sizeof topo_buf);
  return EXIT_OK;
}

/* Packet events printed as they happen, up to a limit. */
struct show_ctx {
  uint64_t left;
};

static void show_line(struct sim_world *w, const char *what, uint32_t node,
                      const struct sim_packet *p, const char *extra)
{
  char t[32], s[16], d[16];
  exp__cli_fmt_time(sim_now(w), t, sizeof t);
  printf("  %12s  %-8s %-10s %s -> %s  proto %u  %u bytes%s%s\n", t, what,
         sim_node_name(w, node), sim_ipv4_format(p->src, s),
         sim_ipv4_format(p->dst, d), p->proto, sim_packet_ip_len(p),
         extra ? "  " : "", extra ? extra : "");
}

static void show_send(void *ctx, struct sim_world *w, uint32_t node,
                      uint32_t link, int dir, const struct sim_packet *p)
{
  struct show_ctx *c = ctx;
  if (c->left && c->left--)
    show_line(w, "send", node, p, NULL);
}

static void show_recv(void *ctx, struct sim_world *w, uint32_t node,
                      const struct sim_packet *p)
{
  struct show_ctx *c = ctx;
  if (c->left && c->left--)
    show_line(w, "recv", node, p, NULL);
}

static void show_drop(void *ctx, struct sim_world *w, uint32_t node,
                      uint32_t link, enum sim_drop_reason why,
                      const struct sim_packet *p)
{
  struct show_ctx *c = ctx;
  if (c->left && c->left--)
    show_line(w, "drop", node, p, sim_drop_reason_name(why));
}

static void show_host(void *ctx, struct sim_world *w, uint32_t node,
                      enum sim_host_event ev, uint32_t epoch)
{
  char t[32];
  exp__cli_fmt_time(sim_now(w), t, sizeof t);
  printf("  %12s  %-8s %-10s epoch %u\n", t,
         ev == SIM_HOST_BOOT ? "boot" : "poweroff", sim_node_name(w, node),
         epoch);
}

static void reboot_fire(struct sim_world *w, void *arg)
{
  const struct run_opts *o = arg;
  uint32_t node;
  if (sim_node_find(w, o->reboot_node, &node) == SIM_OK)
    (void)sim_node_reboot(w, node, o->reboot_delay_ns);
}

/* Hosts other than the target, each pinging it, starts spread evenly over
 * the first interval so that they do not all collide at time 0. */
static int start_pings(struct sim_world *w, struct exp_icmp *m,
                       const struct run_opts *o, uint32_t target,
                       uint32_t *nping)
{
  size_t n = sim_node_count(w), hosts = 0;
  for (uint32_t i = 0; i < n; i++)
    hosts += sim_node_kind(w, i) == SIM_NODE_HOST && i != target;
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (sim_node_kind(w, i) != SIM_NODE_HOST || i == target)
      continue;
    struct exp_ping_cfg c = {
        .src_node = i, .dst_addr = sim_node_addr(w, target),
        .start_ns = o->interval_ns * (int64_t)k / (int64_t)hosts,
        .interval_ns = o->interval_ns, .size_bytes = (uint32_t)o->size};
    /* requests at start, start + interval, ... while before the duration */
    c.count = c.start_ns < o->duration_ns
                  ? (uint32_t)((o->duration_ns - 1 - c.start_ns) / o->interval_ns + 1)
                  : 0;
    if (c.count == 0)
      continue;
    int rc = exp_ping_start(m, &c, NULL);
    if (rc != SIM_OK) {
      fprintf(stderr, "tcpsim ping: cannot start ping from %s: %s\n",
              sim_node_name(w, i), sim_strerror(rc));
      return rc;
    }
    k++;
  }
  *nping = k;
  return SIM_OK;
}

static void print_results(struct sim_world *w, struct exp_icmp *m,
                          const struct run_opts *o, uint32_t target,
                          double wall)
{
  struct exp_ping_stats tot = {0};
  uint32_t np = exp_ping_count(m);
  for (uint32_t i = 0; i < np; i++) {
    struct exp_ping_stats s;
    exp_ping_stats(m, i, &s);
    if (tot.received == 0 || (s.received && s.rtt_min_ns < tot.rtt_min_ns))
      tot.rtt_min_ns = s.received ? s.rtt_min_ns : tot.rtt_min_ns;
    if (s.rtt_max_ns > tot.rtt_max_ns)
      tot.rtt_max_ns = s.rtt_max_ns;
    tot.sent += s.sent;
    tot.received += s.received;
    tot.duplicates += s.duplicates;
    tot.rtt_sum_ns += s.rtt_sum_ns;
  }
  char a[32], b[32], c[32], d[32];
  exp__cli_fmt_time(sim_now(w), a, sizeof a);
  printf("\nsimulated %s in %.3f s of wall time, %" PRIu64 " events\n", a,
         wall, sim_events_processed(w));
  printf("\nping: %u hosts -> %s, %" PRIu64 " requests, %" PRIu64
         " replies, %.2f%% unanswered, %" PRIu64 " duplicate replies\n",
         np, sim_node_name(w, target), tot.sent, tot.received,
         tot.sent ? 100.0 * (double)(tot.sent - tot.received) / (double)tot.sent : 0.0,
         tot.duplicates);
  if (tot.received) {
    exp__cli_fmt_time(tot.rtt_min_ns, a, sizeof a);
    exp__cli_fmt_time(tot.rtt_sum_ns / (int64_t)tot.received, b, sizeof b);
    exp__cli_fmt_time(tot.rtt_max_ns, c, sizeof c);
    printf("      rtt min/avg/max %s / %s / %s\n", a, b, c);
  }
  printf("\ndrops by reason:\n");
  uint64_t total = 0;
  for (int r = 0; r < SIM_DROP__COUNT; r++) {
    uint64_t k = sim_drop_count(w, (enum sim_drop_reason)r);
    total += k;
    if (k)
      printf("  %-12s %" PRIu64 "\n", sim_drop_reason_name((enum sim_drop_reason)r), k);
  }
  if (!total)
    printf("  none\n");

  /* The busiest link directions by packets delivered (ties: lower id). */
  printf("\nbusiest link directions:\n");
  size_t nl = sim_link_count(w);
  int shown[5][2];
  int nshown = 0;
  for (int pick = 0; pick < 5; pick++) {
    uint64_t best = 0;
    int bl = -1, bd = 0;
    for (size_t l = 0; l < nl; l++)
      for (int dir = 0; dir < 2; dir++) {
        int taken = 0;
        for (int s = 0; s < nshown; s++)
          taken |= shown[s][0] == (int)l && shown[s][1] == dir;
        struct sim_link_stats st;
        sim_link_stats(w, (uint32_t)l, dir, &st);
        if (!taken && st.delivered > best) {
          best = st.delivered;
          bl = (int)l;
          bd = dir;
        }
      }
    if (bl < 0)
      break;
    shown[nshown][0] = bl;
    shown[nshown][1] = bd;
    nshown++;
    uint32_t ea, eb;
    struct sim_link_stats st;
    sim_link_ends(w, (uint32_t)bl, &ea, &eb);
    sim_link_stats(w, (uint32_t)bl, bd, &st);
    snprintf(d, sizeof d, "%s->%s", sim_node_name(w, bd ? eb : ea),
             sim_node_name(w, bd ? ea : eb));
    printf("  %-24s %8" PRIu64 " pkts %10" PRIu64 " bytes  lost %" PRIu64
           "  queue drops %" PRIu64 "  down drops %" PRIu64 "\n",
           d, st.delivered, st.bytes, st.lost, st.queue_drops, st.down_drops);
  }
  (void)o;
}

static int cmd_ping(int argc, char **argv)
{
  struct run_opts o;
  int rc = run_parse(argc, argv, &o);
  if (rc < 0)
    return EXIT_OK; /* --help */
  if (rc != EXIT_OK)
    return rc;

  struct topo *t;
  struct sim_world *w;
  rc = load_topology(o.topo, o.seed, &t, &w);
  if (rc != EXIT_OK)
    return rc;
  struct exp_icmp *m = exp_icmp_install(w);
  if (!m) {
    fprintf(stderr, "tcpsim ping: cannot register ICMP\n");
    sim_world_free(w);
    topo_free(t);
    return EXIT_RUN_FAILED;
  }

  uint32_t target = UINT32_MAX;
  if (o.to) {
    if (sim_node_find(w, o.to, &target) != SIM_OK ||
        sim_node_kind(w, target) != SIM_NODE_HOST) {
      fprintf(stderr, "tcpsim ping: --to '%s' is not a host of %s\n", o.to, o.topo);
      rc = EXIT_BAD_INPUT;
      goto out;
    }
  } else {
    for (uint32_t i = 0; i < sim_node_count(w); i++)
      if (sim_node_kind(w, i) == SIM_NODE_HOST)
        target = i;
  }
  if (target == UINT32_MAX) {
    fprintf(stderr, "tcpsim ping: %s has no host\n", o.topo);
    rc = EXIT_BAD_INPUT;
    goto out;
  }
  if (o.reboot_node) {
    uint32_t rn;
    if (sim_node_find(w, o.reboot_node, &rn) != SIM_OK) {
      fprintf(stderr, "tcpsim ping: --reboot: no node '%s' in %s\n",
              o.reboot_node, o.topo);
      rc = EXIT_BAD_INPUT;
      goto out;
    }
    sim_call_at(w, o.reboot_at_ns, reboot_fire, &o);
  }

  uint32_t nping;
  if (start_pings(w, m, &o, target, &nping) != SIM_OK) {
    rc = EXIT_RUN_FAILED;
    goto out;
  }
  struct show_ctx show = {.left = o.show};
  static const struct sim_trace_ops show_ops = {
      .pkt_send = show_send, .pkt_recv = show_recv, .pkt_drop = show_drop,
      .host = show_host};
  sim_trace_subscribe(w, &show_ops, &show);

  char dur[32];
  exp__cli_fmt_time(o.duration_ns, dur, sizeof dur);
  printf("tcpsim %s: %s, seed %" PRIu64 ", %zu nodes, %zu links, "
         "%u hosts ping %s for %s\n",
         TCPSIM_VERSION, o.topo, o.seed, sim_node_count(w), sim_link_count(w),
         nping, sim_node_name(w, target), dur);
  /* Run in slices so that a terminal gets a progress line and Ctrl-C
   * stops at a slice boundary with the results so far. */
  int tty = isatty(STDERR_FILENO);
  g_running = w;
  struct sigaction sa = {.sa_handler = on_sigint};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL); /* stays installed, unlike signal() */
  printf("first packet events:\n");
  fflush(stdout); /* the header is out before the (maybe long) run */
  double t0 = wall_seconds(), last = t0;
  int64_t end_ns = o.duration_ns + o.drain_ns;
  int64_t slice = end_ns / 100 > 0 ? end_ns / 100 : 1;
  int stopped = 0;
  for (int64_t until = slice; ; until += slice) {
    if (until > end_ns)
      until = end_ns;
    if (sim_run(w, until) == SIM_ESTOPPED) {
      stopped = 1;
      break;
    }
    double now = wall_seconds();
    if (tty && now - last > 0.5) {
      double done = (double)until / (double)end_ns;
      fprintf(stderr, "\r  simulated %5.1f%%  %.0f events/s  eta %.0fs   ",
              100 * done, (double)sim_events_processed(w) / (now - t0),
              (now - t0) * (1 - done) / (done > 0 ? done : 1));
      last = now;
    }
    /* Done at the end time, or earlier once nothing is left to happen. */
    if (until == end_ns || sim_events_pending(w) == 0)
      break;
  }
  if (tty && last != t0)
    fprintf(stderr, "\r%60s\r", "");
  g_running = NULL;
  sa.sa_handler = SIG_DFL;
  sigaction(SIGINT, &sa, NULL);
  print_results(w, m, &o, target, wall_seconds() - t0);
  if (stopped) {
    printf("\ninterrupted: the results above cover the simulated time so far\n");
    rc = EXIT_RUN_FAILED;
  }
out:
  sim_world_free(w);
  exp_icmp_free(m);
  topo_free(t);
  return rc;
}

/* ====================================================================== */
/* tcpsim list                                                             */
/* ====================================================================== */

static const char list_help[] =
    "usage: tcpsim list\n"
    "\n"
    "Print every section and key of an experiment file (.ini) with its type,\n"
    "default and one line of help. The parser reads the same table, so the\n"
    "listing is complete. [tcp] defaults depend on run.profile: the linux\n"
    "values are shown. Any key can be overridden on the command line with\n"
    "--set SECTION.KEY=VALUE.\n";

static int cmd_list(int argc, char **argv)
{
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(list_help, stdout);
    return EXIT_OK;
  }
  if (argc != 1)
    return exp__cli_bad_option("list", "unexpected argument", argv[1]);
  exp_config_list(stdout);
  return EXIT_OK;
}

/* ====================================================================== */
/* Dispatch                                                                */
/* ====================================================================== */

static const char main_help[] =
    "usage: tcpsim COMMAND [options]\n"
    "\n"
    "A discrete-event network simulator for TCP connection management.\n"
    "\n"
    "commands:\n"
    "  run [FILE]   run an experiment file (.ini) into the results database;\n"
    "               without FILE the default experiment\n"
    "  sweep FILE   run the points of a [sweep] in parallel (--jobs N)\n"
    "  emu FILE     run an experiment in real time, its tun nodes bound to\n"
    "               TUN devices of the Linux stack\n"
    "  rerun        repeat a stored run and compare its result digest\n"
    "  check        check expectations written as SQL against a database\n"
    "  ladder       draw a connection's time-sequence diagram (SVG)\n"
    "  fsm          the TCP state diagram (Graphviz dot), with a run's counts\n"
    "  list         every key of an experiment file with its type, default\n"
    "               and help\n"
    "  topo check   validate a topology file and print its summary\n"
    "  ping         ICMP ping over a topology, printed (no TCP, no database)\n"
    "  version      print the version\n"
    "\n"
    "Every command answers --help. Exit status: 0 success, 1 failed run,\n"
    "2 bad input.\n";

int exp_cli_main(int argc, char **argv)
{
  if (argc < 2) {
    fputs(main_help, stderr);
    return EXIT_BAD_INPUT;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    fputs(main_help, stdout);
    return EXIT_OK;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
    printf("tcpsim %s\n", TCPSIM_VERSION);
    return EXIT_OK;
  }
  if (!strcmp(cmd, "run"))
    return exp__cmd_run_file(argc - 1, argv + 1);
  if (!strcmp(cmd, "sweep"))
    return exp__cmd_sweep(argc - 1, argv + 1);
  if (!strcmp(cmd, "emu"))
    return exp__cmd_emu(argc - 1, argv + 1);
  if (!strcmp(cmd, "rerun"))
    return exp__cmd_rerun(argc - 1, argv + 1);
  if (!strcmp(cmd, "check"))
    return exp__cmd_check(argc - 1, argv + 1);
  if (!strcmp(cmd, "ping"))
    return cmd_ping(argc - 1, argv + 1);
  if (!strcmp(cmd, "topo"))
    return cmd_topo(argc - 1, argv + 1);
  if (!strcmp(cmd, "list"))
    return cmd_list(argc - 1, argv + 1);
  if (!strcmp(cmd, "ladder"))
    return exp__cmd_ladder(argc - 1, argv + 1);
  if (!strcmp(cmd, "fsm"))
    return exp__cmd_fsm(argc - 1, argv + 1);
  fprintf(stderr, "tcpsim: unknown command '%s' (see tcpsim --help)\n", cmd);
  return EXIT_BAD_INPUT;
}
