/*
 * test_config.c - experiment files (experiments/config.c): a file using
 * every section parses to the expected values; --set overrides; msl is
 * applied before time_wait whatever the order; a table of bad files with
 * their exact messages; sweep expansion (count, order, seeds); the
 * canonical text parses back to itself; `tcpsim list` through the binary.
 *
 * Files are given as text with the source tree's experiments/ folder as
 * their directory, so that "../topologies/..." finds the example
 * topologies (the dumbbell has groups client and server, nodes client1..,
 * server1.., left, right).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/exp_int.h"
#include "tests/support/support.h"

#define DIR TCPSIM_SOURCE_DIR "/experiments"
#define DUMBBELL "[run]\ntopology = ../topologies/dumbbell.topo\n"
/* a client workload, its keys from line 7 on */
#define CLI DUMBBELL "[workload.w]\ntype = client\nhosts = client\n" \
                     "server = server1\n"
/* a listen at 500 ms on server1, the next section at line 8 */
#define LIS DUMBBELL "[action.l]\nat = 500ms\ndo = listen\nhost = server1\n" \
                     "port = 80\n"

static struct exp_config *parse_ok(const char *text, const char *const *sets,
                                   size_t nsets)
{
  char err[1024] = "";
  struct exp_config *c = NULL;
  int rc = exp_config_parse_string("t.ini", DIR, text, sets, nsets, &c, err,
                                   sizeof err);
  if (rc != EXP_OK)
    fail_msg("unexpected error: %s", err);
  return c;
}

static char *print_text(const struct exp_config *c)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  assert_int_equal(exp_config_print(c, f), EXP_OK);
  fclose(f);
  return buf;
}

static const char every_section[] =
    "; a comment\n"
    "[run]\n"
    "topology = ../topologies/dumbbell.topo\n"
    "seed = 42\n"
    "duration = 1.5s\n"
    "profile = bsd\n"
    "trace = transitions\n"
    "db = out.db\n"
    "pcap = caps\n"
    "\n"
    "[tcp]\n"
    "time_wait = 10s\n"
    "msl = 2s\n"
    "syn_retries = 3\n"
    "\n"
    "[tcp.server]\n"
    "syn_backlog = 16\n"
    "\n"
    "[workload.srv]\n"
    "type = server\n"
    "hosts = server\n"
    "port = 8080\n"
    "backlog = 5\n"
    "close = abort\n"
    "\n"
    "[workload.cli]\n"
    "type = client\n"
    "hosts = client\n"
    "server = server1\n"
    "port = 8080\n"
    "rate = 20/s\n"
    "arrival = fixed\n"
    "keepalive = on\n"
    "\n"
    "[workload.flood]\n"
    "type = syn_flood\n"
    "hosts = client1\n"
    "target = server2\n"
    "src_prefix = 10.99.0.0/16\n"
    "\n"
    "[fault.boom]\n"
    "at = 500ms\n"
    "action = reboot\n"
    "node = server1\n"
    "delay = 200ms\n"
    "\n"
    "[fault.cut]\n"
    "at = 1s\n"
    "action = link_down\n"
    "link = left-right\n"
    "\n"
    "[sweep]\n"
    "tcp.syn_retries = 1, 2, 3\n"
    "workload.cli.rate = 10/s, 100/s\n"
    "replications = 2\n";

static void test_every_section(void **state)
{
  (void)state;
  struct exp_config *c = parse_ok(every_section, NULL, 0);
  assert_int_equal(c->seed, 42);
  assert_int_equal(c->duration_ns, 1500 * SIM_MS);
  assert_int_equal(c->profile, TCP_PROFILE_BSD);
  assert_int_equal(c->trace, EXP_TRACE_TRANSITIONS);
  assert_string_equal(c->db, "out.db");
  assert_string_equal(c->pcap, "caps");
  assert_non_null(strstr(c->topology, "/topologies/dumbbell.topo"));
  assert_int_equal(c->topology[0], '/');
  /* msl came after time_wait in the file but is applied first */
  assert_int_equal(c->tcp.msl_ns, 2 * SIM_S);
  assert_int_equal(c->tcp.time_wait_ns, 10 * SIM_S);
  assert_int_equal(c->tcp.syn_retries, 3);
  assert_int_equal(c->ngroups, 1);
  assert_string_equal(c->groups[0].group, "server");
  assert_int_equal(c->groups[0].count, 10);
  assert_int_equal(c->groups[0].settings.syn_backlog, 16);
  assert_int_equal(c->groups[0].settings.syn_retries, 3);
  assert_int_equal(c->groups[0].settings.time_wait_ns, 10 * SIM_S);

  assert_int_equal(c->nwl, 3);
  assert_string_equal(c->wl[0].name, "srv");
  assert_int_equal(c->wl[0].type, EXP_WORKLOAD_SERVER);
  assert_int_equal(c->wl[0].count, 10);
  assert_string_equal(exp__workload_get(&c->wl[0], "port"), "8080");
  assert_string_equal(exp__workload_get(&c->wl[0], "response_bytes"), "1000");
  assert_string_equal(exp__workload_get(&c->wl[0], "close"), "abort");
  assert_null(exp__workload_get(&c->wl[0], "rate"));
  assert_int_equal(c->wl[1].type, EXP_WORKLOAD_CLIENT);
  assert_string_equal(exp__workload_get(&c->wl[1], "rate"), "20/s");
  assert_string_equal(exp__workload_get(&c->wl[1], "close"), "client_first");
  assert_string_equal(exp__workload_get(&c->wl[1], "keepalive"), "on");
  assert_int_equal(c->wl[2].type, EXP_WORKLOAD_SYN_FLOOD);
  assert_int_equal(c->wl[2].count, 1);
  assert_string_equal(exp__workload_get(&c->wl[2], "rate"), "1000/s");
  assert_string_equal(exp__workload_get(&c->wl[2], "src_prefix"), "10.99.0.0/16");

  assert_int_equal(c->nfaults, 2);
  assert_int_equal(c->faults[0].action, EXP_FAULT_REBOOT);
  assert_int_equal(c->faults[0].at_ns, 500 * SIM_MS);
  assert_int_equal(c->faults[0].delay_ns, 200 * SIM_MS);
  assert_int_not_equal(c->faults[0].node, UINT32_MAX);
  assert_int_equal(c->faults[1].action, EXP_FAULT_LINK_DOWN);
  assert_int_equal(c->faults[1].node, UINT32_MAX);
  assert_int_not_equal(c->faults[1].link_a, c->faults[1].link_b);

  assert_int_equal(c->naxes, 2);
  assert_int_equal(c->axes[0].nvalues, 3);
  assert_string_equal(c->axes[1].values[1], "100/s");
  assert_int_equal(c->replications, 2);
  exp_config_free(c);
}

/* The server's request_bytes and the client's response_bytes are unset by
 * default (the runner then takes them from the other side's workload);
 * when set they are plain byte counts, for peers that are not workloads
 * of the file (a Linux stack in `tcpsim emu`). */
static void test_request_response_overrides(void **state)
{
  (void)state;
  struct exp_config *c = parse_ok(
      DUMBBELL "[workload.s]\ntype = server\nhosts = server1\n"
      "[workload.c]\ntype = client\nhosts = client\nserver = server1\n",
      NULL, 0);
  const char *v = exp__workload_get(&c->wl[0], "request_bytes");
  assert_true(!v || !*v);
  v = exp__workload_get(&c->wl[1], "response_bytes");
  assert_true(!v || !*v);
  exp_config_free(c);

  c = parse_ok(DUMBBELL "[workload.s]\ntype = server\nhosts = server1\n"
               "request_bytes = 250\n"
               "[workload.c]\ntype = client\nhosts = client\n"
               "server = server1\nresponse_bytes = 0\n", NULL, 0);
  assert_string_equal(exp__workload_get(&c->wl[0], "request_bytes"), "250");
  assert_string_equal(exp__workload_get(&c->wl[1], "response_bytes"), "0");
  char *text = print_text(c);
  assert_non_null(strstr(text, "request_bytes = 250"));
  free(text);
  exp_config_free(c);

  char err[1024] = "";
  struct exp_config *bad = NULL;
  assert_int_not_equal(exp_config_parse_string(
      "t.ini", DIR, DUMBBELL "[workload.s]\ntype = server\nhosts = server1\n"
      "request_bytes = lots\n", NULL, 0, &bad, err, sizeof err), EXP_OK);
  assert_non_null(strstr(err, "request_bytes"));
  exp_config_free(bad);
}

static void test_defaults(void **state)
{
  (void)state;
  struct exp_config *c = parse_ok(DUMBBELL, NULL, 0);
  assert_int_equal(c->seed, 1);
  assert_int_equal(c->duration_ns, 10 * SIM_S);
  assert_int_equal(c->profile, TCP_PROFILE_LINUX);
  assert_int_equal(c->trace, EXP_TRACE_SUMMARY);
  assert_string_equal(c->db, "results.db");
  assert_string_equal(c->pcap, "");
  struct tcp_settings lin;
  tcp_settings_init(&lin, TCP_PROFILE_LINUX);
  assert_memory_equal(&c->tcp, &lin, sizeof lin);
  assert_int_equal(c->replications, 1);
  exp_config_free(c);
}

static void test_msl_order(void **state)
{
  (void)state;
  /* msl alone: time_wait follows it */
  struct exp_config *c = parse_ok(DUMBBELL "[tcp]\nmsl = 5s\n", NULL, 0);
  assert_int_equal(c->tcp.time_wait_ns, 10 * SIM_S);
  exp_config_free(c);
  /* time_wait before or after msl: time_wait wins */
  c = parse_ok(DUMBBELL "[tcp]\nmsl = 5s\ntime_wait = 1s\n", NULL, 0);
  assert_int_equal(c->tcp.time_wait_ns, 1 * SIM_S);
  exp_config_free(c);
  c = parse_ok(DUMBBELL "[tcp]\ntime_wait = 1s\nmsl = 5s\n", NULL, 0);
  assert_int_equal(c->tcp.msl_ns, 5 * SIM_S);
  assert_int_equal(c->tcp.time_wait_ns, 1 * SIM_S);
  exp_config_free(c);
  /* the same through --set */
  const char *sets[] = {"tcp.time_wait=3s", "tcp.msl=7s"};
  c = parse_ok(DUMBBELL, sets, 2);
  assert_int_equal(c->tcp.time_wait_ns, 3 * SIM_S);
  assert_int_equal(c->tcp.msl_ns, 7 * SIM_S);
  exp_config_free(c);
}

static void test_set_overrides(void **state)
{
  (void)state;
  const char *sets[] = {"run.seed=9", "run.profile = rfc793",
                        "workload.cli.rate=1/ms", "tcp.server.syn_backlog=7",
                        "workload.new.type=server", "workload.new.hosts=server3"};
  struct exp_config *c = parse_ok(every_section, sets, 6);
  assert_int_equal(c->seed, 9);
  assert_int_equal(c->profile, TCP_PROFILE_RFC793);
  assert_string_equal(exp__workload_get(&c->wl[1], "rate"), "1/ms");
  assert_int_equal(c->groups[0].settings.syn_backlog, 7);
  assert_int_equal(c->nwl, 4);
  assert_string_equal(c->wl[3].name, "new");
  exp_config_free(c);
}

/* A [sweep] can be given or changed from the command line too. */
static void test_set_sweep(void **state)
{
  (void)state;
  const char *sets[] = {"sweep.run.seed = 1, 2, 3", "sweep.replications=2"};
  struct exp_config *c = parse_ok(every_section, sets, 2);
  struct exp_config **v = NULL;
  size_t n = 0;
  char err[256];
  assert_int_equal(exp_sweep_expand(c, &v, &n, err, sizeof err), EXP_OK);
  assert_true(n % 6 == 0 && n >= 6);
  exp_sweep_free(v, n);
  exp_config_free(c);
}

/* Bad input: the text (or --set) and the exact message. */
struct bad_case {
  const char *text;
  const char *set;
  const char *msg;
};

static const struct bad_case bad_cases[] = {
    {"seed = 1\n", NULL, "t.ini:1: 'seed' is outside any [section]"},
    {DUMBBELL "[runn]\nseed = 1\n", NULL,
     "t.ini:3: unknown section [runn] (see tcpsim list)"},
    {DUMBBELL "colour = red\n", NULL,
     "t.ini:3: unknown key 'colour' in [run] (see tcpsim list)"},
    {DUMBBELL "seed = 1\nseed = 2\n", NULL,
     "t.ini:4: [run] seed given twice (first at line 3)"},
    {DUMBBELL "seed = x1\n", NULL,
     "t.ini:3: [run] seed: 'x1' is not a whole number in 0..18446744073709551615"},
    {DUMBBELL "duration = 10\n", NULL,
     "t.ini:3: [run] duration: '10' is not a time (a number with unit ns, us, "
     "ms, s or min)"},
    {DUMBBELL "profile = windows\n", NULL,
     "t.ini:3: [run] profile: 'windows' is not one of rfc793|bsd|linux"},
    {DUMBBELL "trace\n", NULL, "t.ini:3: expected [section] or key = value"},
    {"[run]\nseed = 1\n", NULL, "t.ini:1: [run] needs a value for 'topology'"},
    {"[tcp]\nmss = 1000\n", NULL, "t.ini: [run] needs a value for 'topology'"},
    {"[run]\ntopology = nowhere.topo\n", NULL,
     "t.ini:2: [run] topology: cannot open '" DIR "/nowhere.topo': No such "
     "file or directory"},
    {DUMBBELL "[tcp]\nsyn_retries = lots\n", NULL,
     "t.ini:4: [tcp] syn_retries: 'lots' is not a whole number"},
    {DUMBBELL "[tcp]\nwarp = 9\n", NULL,
     "t.ini:4: unknown key 'warp' in [tcp] (see tcpsim list)"},
    {DUMBBELL "[tcp.nobody]\nmss = 1000\n", NULL,
     "t.ini:3: [tcp.nobody]: no group or node 'nobody' in the topology"},
    {DUMBBELL "[workload.w]\ntype = server\n", NULL,
     "t.ini:3: [workload.w] needs a value for 'hosts'"},
    {DUMBBELL "[workload.w]\ntype = peer\nhosts = client\n", NULL,
     "t.ini:4: [workload.w] type: 'peer' is not one of server|client|syn_flood"},
    {DUMBBELL "[workload.w]\ntype = server\nhosts = client\nrate = 1/s\n", NULL,
     "t.ini:6: [workload.w] rate: not a key of a server workload (see tcpsim list)"},
    {DUMBBELL "[workload.w]\ntype = client\nhosts = client\nserver = zeus\n",
     NULL, "t.ini:6: [workload.w] server: no node 'zeus' in the topology"},
    {DUMBBELL "[workload.w]\ntype = client\nhosts = client\nserver = server1\n"
     "rate = 10\n", NULL,
     "t.ini:7: [workload.w] rate: '10' is not a rate (e.g. 10/s, 2.5/ms)"},
    {DUMBBELL "[workload.w]\ntype = client\nhosts = ghosts\n", NULL,
     "t.ini:5: [workload.w] hosts: no group or node 'ghosts' in the topology"},
    {DUMBBELL "[workload.w]\ntype = server\nhosts = server\nport = 0\n", NULL,
     "t.ini:6: [workload.w] port: '0' is not a whole number in 1..65535"},
    {DUMBBELL "[workload.w]\ntype = syn_flood\nhosts = client\ntarget = server1\n"
     "src_prefix = 10.0.0.1/8\n", NULL,
     "t.ini:7: [workload.w] src_prefix: '10.0.0.1/8' is not a prefix "
     "a.b.c.d/len without host bits"},
    {DUMBBELL "[fault.f]\nat = 1s\naction = reboot\n", NULL,
     "t.ini:3: [fault.f] action reboot needs 'node'"},
    {DUMBBELL "[fault.f]\nat = 1s\naction = link_up\nlink = left-nowhere\n",
     NULL, "t.ini:6: [fault.f] link: 'left-nowhere' is not A-B with two nodes "
     "of the topology"},
    {DUMBBELL "[fault.f]\naction = crash\nnode = left\n", NULL,
     "t.ini:3: [fault.f] needs a value for 'at'"},
    {DUMBBELL "[sweep]\nrun.colour = 1, 2\n", NULL,
     "t.ini:4: [sweep] run.colour: no such key (see tcpsim list)"},
    {DUMBBELL "[sweep]\nrun.seed = 1, , 3\n", NULL,
     "t.ini:4: [sweep] run.seed: empty value in the list"},
    {DUMBBELL "[sweep]\nrun.seed = 1, two\n", NULL,
     "t.ini:4: [run] seed: 'two' is not a whole number in 0..18446744073709551615"},
    {DUMBBELL "[sweep]\nworkload.x.rate = 1/s\n", NULL,
     "t.ini:4: [sweep] workload.x.rate: the file has no [workload.x]"},
    {DUMBBELL "[sweep]\nreplications = 0\n", NULL,
     "t.ini:4: [sweep] replications: '0' is not a whole number in 1..1000000"},
    {DUMBBELL, "run.seed", "--set run.seed: expected SECTION.KEY=VALUE"},
    {DUMBBELL, "run.seed=-1",
     "--set run.seed=-1: [run] seed: '-1' is not a whole number in "
     "0..18446744073709551615"},
    {DUMBBELL, "run.colour=red",
     "--set run.colour=red: unknown key 'colour' in [run] (see tcpsim list)"},
    {DUMBBELL, "tcp.mss=huge",
     "--set tcp.mss=huge: [tcp] mss: 'huge' is not a whole number"},
    {DUMBBELL, "sweep.replications=0",
     "--set sweep.replications=0: [sweep] replications: '0' is not a whole "
     "number in 1..1000000"},
    {DUMBBELL, "sweep.tcp.mss=x,1",
     "--set sweep.tcp.mss=x,1: tcp.mss: mss: 'x' is not a whole number"},
    /* a section header alone is still checked */
    {DUMBBELL "[bogus]\n", NULL, "t.ini:3: unknown section [bogus] (see tcpsim list)"},
    {DUMBBELL "[workload.empty]\n", NULL,
     "t.ini:3: [workload.empty] needs a value for 'type'"},
    {DUMBBELL "[workload.a b]\ntype = server\n", NULL,
     "t.ini:3: unknown section [workload.a b] (see tcpsim list)"},
    /* client keys */
    {CLI "retries = many\n", NULL,
     "t.ini:7: [workload.w] retries: 'many' is not a whole number in "
     "0..1000000"},
    {CLI "retry_delay = 5\n", NULL,
     "t.ini:7: [workload.w] retry_delay: '5' is not a time (a number with "
     "unit ns, us, ms, s or min)"},
    {CLI "keepalive_idle = 10s\n", NULL,
     "t.ini:7: [workload.w] keepalive_idle: needs keepalive = on"},
    {CLI "keepalive = on\nkeepalive_interval = 0s\n", NULL,
     "t.ini:8: [workload.w] keepalive_interval: '0s' is not in 1ns..3650 days"},
    {CLI "keepalive = on\nkeepalive_count = 0\n", NULL,
     "t.ini:8: [workload.w] keepalive_count: '0' is not a whole number in "
     "1..255"},
    {CLI "keepalive = on\nkeepalive_count = 256\n", NULL,
     "t.ini:8: [workload.w] keepalive_count: '256' is not a whole number in "
     "1..255"},
    {DUMBBELL "[workload.w]\ntype = server\nhosts = server\nrestart = maybe\n",
     NULL, "t.ini:6: [workload.w] restart: 'maybe' is not a boolean (on/off, "
     "yes/no, true/false, 1/0)"},
    {DUMBBELL "[workload.w]\ntype = server\nhosts = server\nretries = 1\n",
     NULL, "t.ini:6: [workload.w] retries: not a key of a server workload "
     "(see tcpsim list)"},
    /* [action.NAME] */
    {DUMBBELL "[action.a]\ndo = listen\nhost = server1\nport = 80\n", NULL,
     "t.ini:3: [action.a] needs a value for 'at'"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = bind\nhost = server1\n", NULL,
     "t.ini:5: [action.a] do: 'bind' is not one of "
     "listen|connect|send|shutdown|close|abort"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = listen\nport = 80\n", NULL,
     "t.ini:3: [action.a] needs a value for 'host'"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = listen\nhost = server1\n", NULL,
     "t.ini:3: [action.a] do = listen needs 'port'"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = listen\nhost = server1\n"
     "port = 70000\n", NULL,
     "t.ini:7: [action.a] port: '70000' is not a whole number in 1..65535"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = listen\nhost = zeus\nport = 80\n",
     NULL, "t.ini:6: [action.a] host: no node 'zeus' in the topology"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = listen\nhost = left\nport = 80\n",
     NULL, "t.ini:6: [action.a] host: 'left' is a router, not a host"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = listen\nhost = server1\nport = 80\n"
     "to = client1\n", NULL, "t.ini:8: [action.a] to: not used by do = listen"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = connect\nhost = client1\nport = 80\n",
     NULL, "t.ini:3: [action.a] do = connect needs 'to'"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = connect\nhost = client1\nport = 80\n"
     "to = left\n", NULL, "t.ini:8: [action.a] to: 'left' has no address"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = connect\nhost = client1\nport = 80\n"
     "to = server1\nlocal_port = 65536\n", NULL,
     "t.ini:9: [action.a] local_port: '65536' is not a whole number in 0..65535"},
    {DUMBBELL "[action.a]\nat = 1s\ndo = close\nhost = client1\n", NULL,
     "t.ini:3: [action.a] do = close needs 'sock'"},
    {LIS "[action.b]\nat = 2s\ndo = send\nhost = server1\nsock = l#1\n", NULL,
     "t.ini:8: [action.b] do = send needs 'bytes'"},
    {LIS "[action.b]\nat = 2s\ndo = close\nhost = server1\nsock = l#0\n", NULL,
     "t.ini:12: [action.b] sock: 'l#0' is not NAME or NAME#k (an action's "
     "name, k from 1)"},
    {LIS "[action.b]\nat = 2s\ndo = close\nhost = server1\nsock = ghost\n",
     NULL, "t.ini:12: [action.b] sock: no [action.ghost] in the experiment"},
    {LIS "[action.b]\nat = 2s\ndo = close\nhost = server1\nsock = l#1\n"
     "[action.c]\nat = 3s\ndo = close\nhost = server1\nsock = b\n", NULL,
     "t.ini:17: [action.c] sock: [action.b] is a close, not a connect or "
     "listen"},
    {LIS "[action.b]\nat = 400ms\ndo = close\nhost = server1\nsock = l#1\n",
     NULL, "t.ini:12: [action.b] sock: [action.l] does not run before this "
     "action (at the same time, file order decides)"},
    {DUMBBELL "[action.b]\nat = 1s\ndo = close\nhost = server1\nsock = l\n"
     "[action.l]\nat = 1s\ndo = listen\nhost = server1\nport = 80\n", NULL,
     "t.ini:7: [action.b] sock: [action.l] does not run before this action (at "
     "the same time, file order decides)"},
    {LIS "[action.b]\nat = 2s\ndo = abort\nhost = server2\nsock = l#1\n",
     NULL, "t.ini:12: [action.b] sock: [action.l] is on another host"},
    {LIS "[action.c]\nat = 1s\ndo = connect\nhost = client1\nto = server1\n"
     "port = 80\n[action.b]\nat = 2s\ndo = close\nhost = client1\n"
     "sock = c#1\n", NULL,
     "t.ini:18: [action.b] sock: 'c#1' needs a listen, [action.c] is a "
     "connect"},
    {LIS "[action.b]\nat = 2s\ndo = send\nhost = server1\nsock = l#1\n"
     "bytes = 0\n", NULL,
     "t.ini:13: [action.b] bytes: '0' is not a whole number in 1..4294967295"},
    {DUMBBELL, "action.x.at=1s",
     "t.ini: [action.x] needs a value for 'do'"},
    {DUMBBELL "[fault.x]\nat = 1s\naction = set_link\nlink = client1-left\n",
     NULL, "t.ini:3: [fault.x] action set_link needs 'params'"},
    {DUMBBELL "[fault.x]\nat = 1s\naction = crash\nnode = client1\n"
     "params = loss 1%\n", NULL,
     "t.ini:7: [fault.x] params: not used by action crash"},
    {DUMBBELL "[fault.x]\nat = 1s\naction = set_link\nlink = client1-left\n"
     "params = loss 1% delay soon\n", NULL,
     "t.ini:7: [fault.x] params: bad number 'soon' in delay (column 15 of "
     "'loss 1% delay soon')"},
    {DUMBBELL "[workload.f]\ntype = syn_flood\nhosts = client\n"
     "target = server1\nstart = 2s\nstop = 1s\n", NULL,
     "t.ini:8: [workload.f] stop: must be later than start (2s)"},
    {DUMBBELL "[workload.c]\ntype = client\nhosts = client\n"
     "server = server1\nstop = 0\n", NULL,
     "t.ini:7: [workload.c] stop: must be later than start (0)"},
};

static void test_bad_files(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    const struct bad_case *b = &bad_cases[i];
    char err[1024] = "";
    struct exp_config *c = NULL;
    const char *sets[1] = {b->set};
    int rc = exp_config_parse_string("t.ini", DIR, b->text, sets, b->set ? 1 : 0,
                                     &c, err, sizeof err);
    if (rc != EXP_EINVAL || strncmp(err, b->msg, strlen(b->msg)) != 0)
      fail_msg("case %zu: rc %d\n  got:  %s\n  want: %s", i, rc, err, b->msg);
    /* messages from the TCP module go on after the prefix we check */
    if (!strstr(b->msg, "[tcp] ") && strcmp(err, b->msg) != 0)
      fail_msg("case %zu:\n  got:  %s\n  want: %s", i, err, b->msg);
    assert_null(c);
  }
}

/* Timeline actions and the new client and server keys, resolved. */
static const char timeline_text[] =
    DUMBBELL
    "[workload.srv]\ntype = server\nhosts = server\nrestart = off\n"
    "[workload.cli]\ntype = client\nhosts = client\nserver = server1\n"
    "retries = 3\nretry_delay = 250ms\nkeepalive = on\n"
    "keepalive_idle = 10s\nkeepalive_interval = 2s\nkeepalive_count = 5\n"
    "[action.close_srv]\nat = 2s\ndo = close\nhost = server1\n"
    "sock = lis#2\n"
    "[action.lis]\nat = 0\ndo = listen\nhost = server1\nport = 7\n"
    "[action.c]\nat = 1s\ndo = connect\nhost = client1\nto = server1\n"
    "port = 7\nlocal_port = 4000\n"
    "[action.data]\nat = 1s\ndo = send\nhost = client1\nsock = c\n"
    "bytes = 1200\n"
    "[action.half]\nat = 3s\ndo = shutdown\nhost = client1\nsock = c\n"
    "[action.rst]\nat = 4s\ndo = abort\nhost = client1\nsock = c\n"
    "[fault.boom]\nat = 1s\naction = reboot\nnode = server1\n";

static void test_timeline_and_new_keys(void **state)
{
  (void)state;
  struct exp_config *c = parse_ok(timeline_text, NULL, 0);
  assert_string_equal(exp__workload_get(&c->wl[0], "restart"), "off");
  assert_string_equal(exp__workload_get(&c->wl[1], "retries"), "3");
  assert_string_equal(exp__workload_get(&c->wl[1], "retry_delay"), "250ms");
  assert_string_equal(exp__workload_get(&c->wl[1], "keepalive_idle"), "10s");
  assert_string_equal(exp__workload_get(&c->wl[1], "keepalive_interval"), "2s");
  assert_string_equal(exp__workload_get(&c->wl[1], "keepalive_count"), "5");
  assert_int_equal(c->nfaults, 1);
  assert_int_equal(c->nactions, 6);
  const struct exp_action *a = c->actions;
  assert_string_equal(a[0].name, "close_srv");
  assert_int_equal(a[0].kind, EXP_ACT_CLOSE);
  assert_int_equal(a[0].at_ns, 2 * SIM_S);
  assert_int_equal(a[0].sock, 1); /* lis: later in the file, earlier in time */
  assert_int_equal(a[0].nth, 2);
  assert_int_equal(a[1].kind, EXP_ACT_LISTEN);
  assert_int_equal(a[1].port, 7);
  assert_int_equal(a[1].backlog, 128);
  assert_int_equal(a[1].sock, SIZE_MAX);
  assert_int_equal(a[1].to, UINT32_MAX);
  assert_int_equal(a[2].kind, EXP_ACT_CONNECT);
  assert_int_equal(a[2].local_port, 4000);
  assert_int_not_equal(a[2].to, UINT32_MAX);
  assert_int_not_equal(a[2].to, a[2].host);
  assert_int_equal(a[1].host, a[2].to);
  /* the same instant as the connect, after it in the file */
  assert_int_equal(a[3].kind, EXP_ACT_SEND);
  assert_int_equal(a[3].bytes, 1200);
  assert_int_equal(a[3].sock, 2);
  assert_int_equal(a[3].nth, 0);
  assert_int_equal(a[4].kind, EXP_ACT_SHUTDOWN);
  assert_int_equal(a[5].kind, EXP_ACT_ABORT);
  /* canonical text: per action only the keys its call takes */
  char *t = print_text(c);
  assert_non_null(strstr(t, "[action.lis]\nat = 0\ndo = listen\nhost = "
                            "server1\nport = 7\nbacklog = 128\n\n"));
  assert_non_null(strstr(t, "[action.c]\nat = 1s\ndo = connect\nhost = "
                            "client1\nport = 7\nto = server1\nlocal_port = "
                            "4000\n\n"));
  assert_non_null(strstr(t, "[action.half]\nat = 3s\ndo = shutdown\nhost = "
                            "client1\nsock = c\n\n"));
  assert_non_null(strstr(t, "restart = off\n"));
  struct exp_config *d = parse_ok(t, NULL, 0);
  char *t2 = print_text(d);
  assert_string_equal(t, t2);
  free(t);
  free(t2);
  exp_config_free(d);
  exp_config_free(c);

  /* defaults of the new keys */
  c = parse_ok(DUMBBELL "[workload.s]\ntype = server\nhosts = server\n"
               "[workload.k]\ntype = client\nhosts = client\n"
               "server = server1\n", NULL, 0);
  assert_string_equal(exp__workload_get(&c->wl[0], "restart"), "on");
  assert_string_equal(exp__workload_get(&c->wl[1], "retries"), "0");
  assert_string_equal(exp__workload_get(&c->wl[1], "retry_delay"), "1s");
  assert_string_equal(exp__workload_get(&c->wl[1], "keepalive_idle"), "");
  assert_string_equal(exp__workload_get(&c->wl[1], "keepalive_count"), "");
  exp_config_free(c);

  /* --set and [sweep] reach actions too */
  const char *sets[] = {"action.data.bytes=99", "action.c.port=8"};
  c = parse_ok(timeline_text, sets, 2);
  assert_int_equal(c->actions[3].bytes, 99);
  assert_int_equal(c->actions[2].port, 8);
  exp_config_free(c);
  struct exp_config **v;
  size_t n;
  char err[512];
  char text[4096];
  snprintf(text, sizeof text, "%s[sweep]\naction.c.at = 1s, 3s\n",
           timeline_text);
  c = parse_ok(text, NULL, 0);
  /* at 3 s the connect comes after the send at 1 s that uses it */
  assert_int_equal(exp_sweep_expand(c, &v, &n, err, sizeof err), EXP_EINVAL);
  assert_string_equal(err, "t.ini:38: [action.data] sock: [action.c] does not "
                           "run before this action (at the same time, file "
                           "order decides)");
  exp_config_free(c);
}

static void test_sweep_expand(void **state)
{
  (void)state;
  struct exp_config *c = parse_ok(every_section, NULL, 0);
  struct exp_config **v;
  size_t n;
  char err[512];
  assert_int_equal(exp_sweep_expand(c, &v, &n, err, sizeof err), EXP_OK);
  assert_int_equal(n, 3 * 2 * 2);
  /* first key slowest, replications innermost */
  static const int retries[] = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
  static const char *const rates[] = {"10/s", "10/s", "100/s", "100/s"};
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(v[i]->tcp.syn_retries, retries[i]);
    assert_int_equal(v[i]->groups[0].settings.syn_retries, retries[i]);
    assert_string_equal(exp__workload_get(&v[i]->wl[1], "rate"), rates[i % 4]);
    assert_int_equal(v[i]->seed, 42 + i % 2);
    assert_int_equal(v[i]->replication, i % 2);
    assert_int_equal(v[i]->sweep_point, i / 2);
    assert_int_equal(v[i]->naxes, 0);
    /* a point prints and parses back to itself */
    char *a = print_text(v[i]);
    assert_null(strstr(a, "[sweep]"));
    struct exp_config *d = parse_ok(a, NULL, 0);
    char *b = print_text(d);
    assert_string_equal(a, b);
    free(a);
    free(b);
    exp_config_free(d);
  }
  exp_sweep_free(v, n);

  /* no [sweep]: one run, the config itself */
  struct exp_config *one = parse_ok(DUMBBELL "seed = 5\n", NULL, 0);
  assert_int_equal(exp_sweep_expand(one, &v, &n, err, sizeof err), EXP_OK);
  assert_int_equal(n, 1);
  assert_int_equal(v[0]->seed, 5);
  exp_sweep_free(v, n);
  exp_config_free(one);
  exp_config_free(c);
}

static void test_sweep_bad_point(void **state)
{
  (void)state;
  /* a value that is fine alone but names no node: found when expanding */
  struct exp_config *c = parse_ok(
      DUMBBELL "[workload.w]\ntype = client\nhosts = client\nserver = server1\n"
               "[sweep]\nworkload.w.server = server2, zeus\n", NULL, 0);
  struct exp_config **v;
  size_t n;
  char err[512];
  assert_int_equal(exp_sweep_expand(c, &v, &n, err, sizeof err), EXP_EINVAL);
  assert_string_equal(err, "t.ini:8: [sweep] [workload.w] server: no node "
                           "'zeus' in the topology");
  exp_config_free(c);
}

static void test_round_trip(void **state)
{
  (void)state;
  struct exp_config *c = parse_ok(every_section, NULL, 0);
  char *a = print_text(c);
  assert_non_null(strstr(a, "[tcp]\n"));
  assert_non_null(strstr(a, "time_wait = 10s"));
  assert_non_null(strstr(a, "[sweep]\nreplications = 2\n"));
  struct exp_config *d = parse_ok(a, NULL, 0);
  char *b = print_text(d);
  assert_string_equal(a, b);
  assert_memory_equal(&c->tcp, &d->tcp, sizeof c->tcp);
  free(a);
  free(b);
  exp_config_free(d);
  exp_config_free(c);
}

static void test_example_file(void **state)
{
  (void)state;
  char err[1024];
  struct exp_config *c = NULL;
  int rc = exp_config_load(TCPSIM_SOURCE_DIR "/experiments/handshake.ini", NULL,
                           0, &c, err, sizeof err);
  if (rc != EXP_OK)
    fail_msg("%s", err);
  assert_int_equal(c->nwl, 2);
  exp_config_free(c);
  rc = exp_config_load("/nonexistent/x.ini", NULL, 0, &c, err, sizeof err);
  assert_int_equal(rc, EXP_EIO);
  assert_string_equal(err, "/nonexistent/x.ini: cannot read: No such file or "
                           "directory");
}

static void test_long_line(void **state)
{
  (void)state;
  char text[2000];
  char pad[1000];
  memset(pad, 'a', sizeof pad - 1);
  pad[sizeof pad - 1] = '\0';
  snprintf(text, sizeof text, DUMBBELL "db = %s\n", pad);
  char err[512];
  struct exp_config *c;
  assert_int_equal(exp_config_parse_string("t.ini", DIR, text, NULL, 0, &c,
                                           err, sizeof err), EXP_EINVAL);
  assert_string_equal(err, "t.ini:3: line too long");
}

static void test_list_command(void **state)
{
  (void)state;
  char *out = NULL;
  assert_int_equal(tsup_run_tcpsim(&out, "list", NULL), 0);
  assert_non_null(out);
  assert_non_null(strstr(out, "tcp.time_wait"));
  assert_non_null(strstr(out, "run.seed"));
  assert_non_null(strstr(out, "workload.NAME.src_prefix"));
  assert_non_null(strstr(out, "fault.NAME.link"));
  assert_non_null(strstr(out, "sweep.replications"));
  assert_non_null(strstr(out, "action.NAME.sock"));
  assert_non_null(strstr(out, "action.NAME.do"));
  assert_non_null(strstr(out, "listen|connect|send|shutdown|close|abort"));
  assert_non_null(strstr(out, "workload.NAME.retry_delay"));
  assert_non_null(strstr(out, "workload.NAME.keepalive_interval"));
  assert_non_null(strstr(out, "workload.NAME.restart"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "list", "--help", NULL), 0);
  assert_non_null(strstr(out, "usage: tcpsim list"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "list", "extra", NULL), 2);
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "--help", NULL), 0);
  assert_non_null(strstr(out, "  list "));
  free(out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_section),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_msl_order),
      cmocka_unit_test(test_set_overrides),
    cmocka_unit_test(test_set_sweep),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_timeline_and_new_keys),
      cmocka_unit_test(test_sweep_expand),
      cmocka_unit_test(test_sweep_bad_point),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_example_file),
      cmocka_unit_test(test_long_line),
      cmocka_unit_test(test_list_command),
      cmocka_unit_test(test_request_response_overrides),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
