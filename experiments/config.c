/*
 * config.c - experiment files (.ini): the table of sections and keys, the
 * parser (libinih reads the text, this file gives it meaning), --set
 * overrides, resolution against the topology, sweeps and the canonical
 * text of a resolved configuration.
 *
 * The steps and the axioms of a resolved config are written in
 * experiments/exp_int.h. The one table below drives parsing, defaults and
 * `tcpsim list`; the [tcp] keys are not in it but come from
 * tcp_settings_table and are applied with tcp_settings_set, so the TCP
 * module stays the only place that knows its settings.
 *
 * inih as packaged does not pass line numbers to the handler, so we feed
 * it through our own line reader, which counts lines (every call returns
 * exactly one whole line) and notes lines too long for inih's buffer.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "experiments/exp_int.h"
#include "results/results.h"
#include "sim/sim.h"
#include "topologies/topo.h"

/* ====================================================================== */
/* The table                                                               */
/* ====================================================================== */

#define NOLIM 0, 0
#define PORT 1, 65535

static const struct exp_key_desc key_table[] = {
    /* [run] */
    {EXP_SEC_RUN, NULL, "topology", EXP_T_PATH, NULL, NULL, NOLIM,
     "topology file (.topo), relative to the experiment file's directory"},
    {EXP_SEC_RUN, NULL, "seed", EXP_T_UINT, "1", NULL, 0, UINT64_MAX,
     "run seed: the same seed gives the same result"},
    {EXP_SEC_RUN, NULL, "duration", EXP_T_TIME, "10s", NULL, NOLIM,
     "simulated time the run lasts"},
    {EXP_SEC_RUN, NULL, "profile", EXP_T_ENUM, "linux", "rfc793|bsd|linux",
     NOLIM, "TCP defaults the [tcp] keys start from (tcp/README.md)"},
    {EXP_SEC_RUN, NULL, "trace", EXP_T_ENUM, "summary",
     "run|summary|transitions|segments", NOLIM,
     "what the run records: its summary, + each connection, + state changes, "
     "+ every segment"},
    {EXP_SEC_RUN, NULL, "db", EXP_T_PATH, "results.db", NULL, NOLIM,
     "results database (SQLite)"},
    {EXP_SEC_RUN, NULL, "pcap", EXP_T_PATH, "", NULL, NOLIM,
     "directory for pcap files; empty: no capture"},
    {EXP_SEC_RUN, NULL, "sample", EXP_T_TIME, "0", NULL, NOLIM,
     "interval of the connection-state samples (v_states_over_time); 0: a "
     "hundredth of the duration"},
    /* [workload.NAME], every type */
    {EXP_SEC_WORKLOAD, NULL, "type", EXP_T_ENUM, NULL,
     "server|client|syn_flood", NOLIM, "what the workload does"},
    {EXP_SEC_WORKLOAD, NULL, "hosts", EXP_T_HOSTS, NULL, NULL, NOLIM,
     "host group (or one node) the workload runs on"},
    /* type = server */
    {EXP_SEC_WORKLOAD, "server", "port", EXP_T_UINT, "80", NULL, PORT,
     "port to listen on"},
    {EXP_SEC_WORKLOAD, "server", "backlog", EXP_T_UINT, "128", NULL, 1, 65535,
     "listen() backlog (capped by tcp somaxconn)"},
    {EXP_SEC_WORKLOAD, "server", "response_bytes", EXP_T_UINT, "1000", NULL, 0,
     UINT32_MAX, "bytes sent in answer to each request"},
    {EXP_SEC_WORKLOAD, "server", "request_bytes", EXP_T_UINT, "", NULL, 0,
     UINT32_MAX, "answer after this many bytes (or at the peer's FIN); unset: "
     "the largest request_bytes of the clients aimed at it, 0 without any"},
    {EXP_SEC_WORKLOAD, "server", "close", EXP_T_ENUM, "wait",
     "wait|first|abort|never", NOLIM,
     "wait for the client's FIN, close first, abort (RST), never close"},
    {EXP_SEC_WORKLOAD, "server", "restart", EXP_T_BOOL, "on", NULL, NOLIM,
     "listen again when a host reboots, as a service started at boot"},
    {EXP_SEC_WORKLOAD, "server", "keepalive", EXP_T_BOOL, "off", NULL, NOLIM,
     "keepalive on every accepted connection (times: keepalive_idle/"
     "_interval/_count below, else tcp keepidle/keepintvl/keepcnt)"},
    {EXP_SEC_WORKLOAD, "server", "keepalive_idle", EXP_T_TIME, "", NULL, NOLIM,
     "idle time before the first probe, per socket; unset: tcp keepidle"},
    {EXP_SEC_WORKLOAD, "server", "keepalive_interval", EXP_T_TIME, "", NULL,
     NOLIM, "time between unanswered probes, per socket; unset: tcp keepintvl"},
    {EXP_SEC_WORKLOAD, "server", "keepalive_count", EXP_T_UINT, "", NULL, 1, 255,
     "unanswered probes that end it, per socket; unset: tcp keepcnt"},
    /* type = client */
    {EXP_SEC_WORKLOAD, "client", "server", EXP_T_NODE, NULL, NULL, NOLIM,
     "node the clients connect to"},
    {EXP_SEC_WORKLOAD, "client", "port", EXP_T_UINT, "80", NULL, PORT,
     "server port"},
    {EXP_SEC_WORKLOAD, "client", "rate", EXP_T_RATE, "10/s", NULL, NOLIM,
     "new connections per host (e.g. 10/s, 2/ms); unused back_to_back"},
    {EXP_SEC_WORKLOAD, "client", "arrival", EXP_T_ENUM, "poisson",
     "poisson|fixed|back_to_back", NOLIM,
     "gaps between connections: exponential, fixed, none (one at a time)"},
    {EXP_SEC_WORKLOAD, "client", "request_bytes", EXP_T_UINT, "100", NULL, 0,
     UINT32_MAX, "bytes sent as the request"},
    {EXP_SEC_WORKLOAD, "client", "response_bytes", EXP_T_UINT, "", NULL, 0,
     UINT32_MAX, "bytes of answer awaited before the close policy; unset: the "
     "response_bytes of the server workload on the target, 0 without one"},
    {EXP_SEC_WORKLOAD, "client", "close", EXP_T_ENUM, "client_first",
     "client_first|server_first|both|abort|keep", NOLIM,
     "who closes after the response, or abort, or keep open and idle"},
    {EXP_SEC_WORKLOAD, "client", "local_port", EXP_T_UINT, "0", NULL, 0, 65535,
     "fixed local port; 0: an ephemeral port"},
    {EXP_SEC_WORKLOAD, "client", "keepalive", EXP_T_BOOL, "off", NULL, NOLIM,
     "enable keepalive (times: keepalive_idle/_interval/_count below, else "
     "tcp keepidle/keepintvl/keepcnt)"},
    {EXP_SEC_WORKLOAD, "client", "keepalive_idle", EXP_T_TIME, "", NULL, NOLIM,
     "idle time before the first probe, per socket; unset: tcp keepidle"},
    {EXP_SEC_WORKLOAD, "client", "keepalive_interval", EXP_T_TIME, "", NULL,
     NOLIM, "time between unanswered probes, per socket; unset: tcp keepintvl"},
    {EXP_SEC_WORKLOAD, "client", "keepalive_count", EXP_T_UINT, "", NULL, 1, 255,
     "unanswered probes that end it, per socket; unset: tcp keepcnt"},
    {EXP_SEC_WORKLOAD, "client", "retries", EXP_T_UINT, "0", NULL, 0, 1000000,
     "new attempts after a connect that failed (refused, timed out...)"},
    {EXP_SEC_WORKLOAD, "client", "retry_delay", EXP_T_TIME, "1s", NULL, NOLIM,
     "time before each retry (back_to_back: before the next after a failure)"},
    {EXP_SEC_WORKLOAD, "client", "count", EXP_T_UINT, "0", NULL, 0, UINT32_MAX,
     "connections per host; 0: until the run ends"},
    {EXP_SEC_WORKLOAD, "client", "start", EXP_T_TIME, "0", NULL, NOLIM,
     "arrivals begin (Poisson: the first comes one random gap later)"},
    {EXP_SEC_WORKLOAD, "client", "start_spread", EXP_T_TIME, "0", NULL, NOLIM,
     "each host's first start is uniform in [start, start + start_spread)"},
    {EXP_SEC_WORKLOAD, "client", "think", EXP_T_TIME, "0", NULL, NOLIM,
     "back_to_back: pause after a connection ends before the next"},
    {EXP_SEC_WORKLOAD, "client", "stop", EXP_T_TIME, "", NULL, NOLIM,
     "no new connections after this time; unset: until the run ends"},
    /* type = syn_flood */
    {EXP_SEC_WORKLOAD, "syn_flood", "target", EXP_T_NODE, NULL, NULL, NOLIM,
     "node the spoofed SYNs are sent to"},
    {EXP_SEC_WORKLOAD, "syn_flood", "port", EXP_T_UINT, "80", NULL, PORT,
     "destination port"},
    {EXP_SEC_WORKLOAD, "syn_flood", "rate", EXP_T_RATE, "1000/s", NULL, NOLIM,
     "SYNs per second per attacking host (e.g. 1000/s)"},
    {EXP_SEC_WORKLOAD, "syn_flood", "src_prefix", EXP_T_PREFIX,
     "198.18.0.0/15", NULL, NOLIM,
     "source addresses are drawn from this prefix, ports at random"},
    {EXP_SEC_WORKLOAD, "syn_flood", "start", EXP_T_TIME, "0", NULL, NOLIM,
     "time the flood begins"},
    {EXP_SEC_WORKLOAD, "syn_flood", "stop", EXP_T_TIME, "", NULL, NOLIM,
     "time the flood ends; unset: at the end of the run"},
    /* [fault.NAME] */
    {EXP_SEC_FAULT, NULL, "at", EXP_T_TIME, NULL, NULL, NOLIM,
     "simulated time of the fault"},
    {EXP_SEC_FAULT, NULL, "action", EXP_T_ENUM, NULL,
     "crash|reboot|kill|link_down|link_up|set_link", NOLIM,
     "crash (off for good), reboot, kill its processes, link down/up, "
     "change a link's parameters"},
    {EXP_SEC_FAULT, NULL, "node", EXP_T_NODE, "", NULL, NOLIM,
     "node for crash, reboot and kill"},
    {EXP_SEC_FAULT, NULL, "delay", EXP_T_TIME, "1s", NULL, NOLIM,
     "reboot: how long the node stays off"},
    {EXP_SEC_FAULT, NULL, "link", EXP_T_LINK, "", NULL, NOLIM,
     "link for link_down, link_up and set_link, as A-B"},
    {EXP_SEC_FAULT, NULL, "params", EXP_T_LINKPARAMS, "", NULL, NOLIM,
     "set_link: attributes as in a topology link statement, A-B order "
     "(e.g. loss 5% b>a:delay 50ms)"},
    /* [action.NAME] */
    {EXP_SEC_ACTION, NULL, "at", EXP_T_TIME, NULL, NULL, NOLIM,
     "simulated time of the call"},
    {EXP_SEC_ACTION, NULL, "do", EXP_T_ENUM, NULL, EXP_ACT_CHOICES, NOLIM,
     "the socket call"},
    {EXP_SEC_ACTION, NULL, "host", EXP_T_NODE, NULL, NULL, NOLIM,
     "host that makes the call"},
    {EXP_SEC_ACTION, NULL, "port", EXP_T_UINT, "", NULL, PORT,
     "listen: port to listen on; connect: the peer's port (required)"},
    {EXP_SEC_ACTION, NULL, "backlog", EXP_T_UINT, "128", NULL, 1, 65535,
     "listen: listen() backlog (capped by tcp somaxconn)"},
    {EXP_SEC_ACTION, NULL, "to", EXP_T_NODE, "", NULL, NOLIM,
     "connect: node to connect to (required)"},
    {EXP_SEC_ACTION, NULL, "local_port", EXP_T_UINT, "0", NULL, 0, 65535,
     "connect: local port; 0: an ephemeral port"},
    {EXP_SEC_ACTION, NULL, "bytes", EXP_T_UINT, "", NULL, 1, UINT32_MAX,
     "send: bytes to queue (required)"},
    {EXP_SEC_ACTION, NULL, "sock", EXP_T_SOCK, "", NULL, NOLIM,
     "send/shutdown/close/abort: NAME of a connect or listen, or NAME#k for "
     "the k-th connection that listen accepted"},
    /* [sweep] */
    {EXP_SEC_SWEEP, NULL, "replications", EXP_T_UINT, "1", NULL, 1, 1000000,
     "runs per point, with seeds seed, seed+1, ..."},
    {EXP_SEC_SWEEP, NULL, "*", EXP_T_LIST, "", NULL, NOLIM,
     "SECTION.KEY = v1, v2, ...: values of any key; every combination runs"},
};

const struct exp_key_desc *exp__key_table(size_t *n)
{
  *n = sizeof key_table / sizeof key_table[0];
  return key_table;
}

const struct exp_key_desc *exp__key_find(enum exp_sec_kind kind,
                                         const char *wtype, const char *name)
{
  for (size_t i = 0; i < sizeof key_table / sizeof key_table[0]; i++) {
    const struct exp_key_desc *k = &key_table[i];
    if (k->sec != kind || strcmp(k->name, name) != 0)
      continue;
    if (wtype && k->applies && strcmp(k->applies, wtype) != 0)
      continue;
    return k;
  }
  return NULL;
}

const char *exp_strerror(int code)
{
  switch (code) {
#define EXP_ERR_CASE(name, c, msg) case (c): return (msg);
    EXP_ERRORS(EXP_ERR_CASE)
#undef EXP_ERR_CASE
  default:
    return "unknown error";
  }
}

/* ====================================================================== */
/* Value parsers                                                           */
/* ====================================================================== */

int exp__parse_uint(const char *s, uint64_t *out)
{
  char *end;
  if (!s || !isdigit((unsigned char)*s))
    return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

/* A positive-or-zero number followed by a unit; the number must be a plain
 * decimal (no sign, no exponent, no hex) so that "1e3s" or "0x10s" are
 * refused rather than read in a surprising way. */
static int parse_number_unit(const char *s, double *v, const char **unit)
{
  const char *p = s;
  int digits = 0;
  while (isdigit((unsigned char)*p)) {
    p++;
    digits++;
  }
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p)) {
      p++;
      digits++;
    }
  }
  if (!digits)
    return -1;
  char buf[64];
  size_t len = (size_t)(p - s);
  if (len >= sizeof buf)
    return -1;
  memcpy(buf, s, len);
  buf[len] = '\0';
  *v = strtod(buf, NULL);
  *unit = p;
  return 0;
}

int exp__parse_time(const char *s, int64_t *ns_out)
{
  double v, mul;
  const char *u;
  if (!s || parse_number_unit(s, &v, &u))
    return -1;
  if (!strcmp(u, "ns"))
    mul = 1;
  else if (!strcmp(u, "us"))
    mul = 1e3;
  else if (!strcmp(u, "ms"))
    mul = 1e6;
  else if (!strcmp(u, "s"))
    mul = 1e9;
  else if (!strcmp(u, "min"))
    mul = 60e9;
  else if (!*u && v == 0)
    mul = 1;
  else
    return -1;
  double ns = v * mul;
  if (ns > 9.2e18)
    return -1;
  *ns_out = (int64_t)(ns + 0.5);
  return 0;
}

int exp__parse_rate(const char *s, double *per_s_out)
{
  double v, per;
  const char *u;
  if (!s || parse_number_unit(s, &v, &u) || *u != '/' || v <= 0)
    return -1;
  u++;
  if (!strcmp(u, "s"))
    per = 1;
  else if (!strcmp(u, "ms"))
    per = 1e-3;
  else if (!strcmp(u, "us"))
    per = 1e-6;
  else if (!strcmp(u, "min"))
    per = 60;
  else
    return -1;
  *per_s_out = v / per;
  return 0;
}

int exp__parse_bool(const char *s, int *out)
{
  static const struct {
    const char *w;
    int v;
  } words[] = {{"on", 1},  {"off", 0}, {"yes", 1}, {"no", 0},
               {"true", 1}, {"false", 0}, {"1", 1}, {"0", 0}};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (!strcmp(s, words[i].w)) {
      *out = words[i].v;
      return 0;
    }
  return -1;
}

int exp__parse_prefix(const char *s, uint32_t *addr_out, uint32_t *len_out)
{
  const char *slash = strchr(s, '/');
  char buf[32];
  uint64_t len;
  uint32_t addr;
  if (!slash || (size_t)(slash - s) >= sizeof buf)
    return -1;
  memcpy(buf, s, (size_t)(slash - s));
  buf[slash - s] = '\0';
  if (sim_ipv4_parse(buf, &addr) != 0 || exp__parse_uint(slash + 1, &len) ||
      len > 32)
    return -1;
  /* host bits set would make the drawn range ambiguous */
  if (len < 32 && (addr & (UINT32_MAX >> len)) != 0)
    return -1;
  *addr_out = addr;
  *len_out = (uint32_t)len;
  return 0;
}

static int enum_index(const char *choices, const char *v)
{
  size_t vl = strlen(v);
  int i = 0;
  for (const char *p = choices; *p; i++) {
    const char *bar = strchr(p, '|');
    size_t l = bar ? (size_t)(bar - p) : strlen(p);
    if (l == vl && !strncmp(p, v, l))
      return i;
    p += l + (bar != NULL);
  }
  return -1;
}

static int valid_sub_name(const char *s);

/* [action.*] sock: "NAME" (nth 0) or "NAME#k" with k >= 1; the name goes
 * to name (cap bytes). 0 or -1. */
static int parse_sock_ref(const char *v, char *name, size_t cap,
                          uint32_t *nth)
{
  const char *hash = strchr(v, '#');
  size_t len = hash ? (size_t)(hash - v) : strlen(v);
  uint64_t k = 0;
  if (len == 0 || len >= cap)
    return -1;
  if (hash && (exp__parse_uint(hash + 1, &k) || k < 1 || k > UINT32_MAX))
    return -1;
  memcpy(name, v, len);
  name[len] = '\0';
  if (!valid_sub_name(name))
    return -1;
  *nth = (uint32_t)k;
  return 0;
}

/* Check v against row k, syntax only (topology lookups come later).
 * Message without location into msg. */
static int check_value(const char *sec, const struct exp_key_desc *k,
                       const char *v, char *msg, size_t cap)
{
  uint64_t u;
  int64_t t;
  double r;
  int b;
  uint32_t a, l;
  switch (k->type) {
  case EXP_T_PATH:
    if (!*v && k->def && !*k->def)
      return 0;
    if (*v)
      return 0;
    snprintf(msg, cap, "[%s] %s: empty value", sec, k->name);
    return -1;
  case EXP_T_UINT:
    if (!exp__parse_uint(v, &u) && u >= k->lo && u <= k->hi)
      return 0;
    snprintf(msg, cap, "[%s] %s: '%.60s' is not a whole number in %" PRIu64
             "..%" PRIu64, sec, k->name, v, k->lo, k->hi);
    return -1;
  case EXP_T_TIME:
    if (!exp__parse_time(v, &t))
      return 0;
    snprintf(msg, cap, "[%s] %s: '%.60s' is not a time (a number with unit "
             "ns, us, ms, s or min)", sec, k->name, v);
    return -1;
  case EXP_T_RATE:
    if (!exp__parse_rate(v, &r))
      return 0;
    snprintf(msg, cap, "[%s] %s: '%.60s' is not a rate (e.g. 10/s, 2.5/ms)",
             sec, k->name, v);
    return -1;
  case EXP_T_ENUM:
    if (enum_index(k->choices, v) >= 0)
      return 0;
    snprintf(msg, cap, "[%s] %s: '%.60s' is not one of %s", sec, k->name, v,
             k->choices);
    return -1;
  case EXP_T_BOOL:
    if (!exp__parse_bool(v, &b))
      return 0;
    snprintf(msg, cap, "[%s] %s: '%.60s' is not a boolean (on/off, yes/no, "
             "true/false, 1/0)", sec, k->name, v);
    return -1;
  case EXP_T_NODE:
  case EXP_T_HOSTS:
  case EXP_T_LINK:
    if (*v || (k->def && !*k->def))
      return 0;
    snprintf(msg, cap, "[%s] %s: empty value", sec, k->name);
    return -1;
  case EXP_T_PREFIX:
    if (!exp__parse_prefix(v, &a, &l))
      return 0;
    snprintf(msg, cap, "[%s] %s: '%.60s' is not a prefix a.b.c.d/len without "
             "host bits", sec, k->name, v);
    return -1;
  case EXP_T_LINKPARAMS: {
    struct sim_link_params ab, ba;
    struct topo_error te;
    sim_link_params_default(&ab);
    ba = ab;
    if (!*v || topo_link_attrs(v, &ab, &ba, &te) == TOPO_OK)
      return 0;
    snprintf(msg, cap, "[%s] %s: %s (column %d of '%.60s')", sec, k->name,
             te.msg, te.col, v);
    return -1;
  }
  case EXP_T_SOCK: {
    char name[256];
    if (parse_sock_ref(v, name, sizeof name, &a) == 0)
      return 0;
    snprintf(msg, cap, "[%s] %s: '%.60s' is not NAME or NAME#k (an action's "
             "name, k from 1)", sec, k->name, v);
    return -1;
  }
  case EXP_T_LIST:
    return 0;
  }
  return -1;
}

/* ====================================================================== */
/* Raw sections                                                            */
/* ====================================================================== */

struct loader {
  struct exp_config *c;
  const char *text;       /* what the reader hands out */
  size_t pos;
  int line;               /* of the line last read */
  int long_line;          /* first line too long for inih, 0 none */
  int err_line;           /* first error: its line (0 for --set) */
  int failed;
  int oom;
  char *err;
  size_t errcap;
  const char *set;        /* the --set being applied, for messages */
};

#if defined(__GNUC__)
#define EXP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define EXP_PRINTF(f, a)
#endif

static void fail(struct loader *L, enum exp_origin o, int line,
                 const char *fmt, ...) EXP_PRINTF(4, 5);
static void fail(struct loader *L, enum exp_origin o, int line,
                 const char *fmt, ...)
{
  if (L->failed)
    return;
  L->failed = 1;
  L->err_line = line;
  char msg[700];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  switch (o) {
  case EXP_FROM_FILE:
    if (line > 0)
      snprintf(L->err, L->errcap, "%s:%d: %s", L->c->file, line, msg);
    else
      snprintf(L->err, L->errcap, "%s: %s", L->c->file, msg);
    break;
  case EXP_FROM_SET:
    snprintf(L->err, L->errcap, "--set %.200s: %s", L->set ? L->set : "", msg);
    break;
  case EXP_FROM_SWEEP:
    snprintf(L->err, L->errcap, "%s:%d: [sweep] %s", L->c->file, line, msg);
    break;
  }
}

static void oom(struct loader *L)
{
  if (!L->failed)
    snprintf(L->err, L->errcap, "%s: out of memory", L->c->file);
  L->failed = 1;
  L->oom = 1;
}

static int valid_sub_name(const char *s)
{
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '[' &&
        *s != ']')
      return 0;
  return 1;
}

/* Kind of section name; -1 when unknown. */
static int section_kind(const char *name)
{
  if (!strcmp(name, "run"))
    return EXP_SEC_RUN;
  if (!strcmp(name, "tcp"))
    return EXP_SEC_TCP;
  if (!strcmp(name, "sweep"))
    return EXP_SEC_SWEEP;
  if (!strncmp(name, "tcp.", 4) && valid_sub_name(name + 4))
    return EXP_SEC_TCP_GROUP;
  if (!strncmp(name, "workload.", 9) && valid_sub_name(name + 9))
    return EXP_SEC_WORKLOAD;
  if (!strncmp(name, "fault.", 6) && valid_sub_name(name + 6))
    return EXP_SEC_FAULT;
  if (!strncmp(name, "action.", 7) && valid_sub_name(name + 7))
    return EXP_SEC_ACTION;
  return -1;
}

static const char *sub_name(const struct exp_section *s)
{
  const char *dot = strchr(s->name, '.');
  return dot ? dot + 1 : s->name;
}

static int tcp_key_known(const char *name)
{
  size_t n;
  const struct tcp_setting_desc *t = tcp_settings_table(&n);
  for (size_t i = 0; i < n; i++)
    if (!strcmp(t[i].name, name))
      return 1;
  return 0;
}

/* Whether key may appear in a section of this kind at all. */
static int key_known(enum exp_sec_kind kind, const char *key)
{
  if (kind == EXP_SEC_TCP || kind == EXP_SEC_TCP_GROUP)
    return tcp_key_known(key);
  if (kind == EXP_SEC_SWEEP)
    return 1; /* checked by sweep_key_check */
  return exp__key_find(kind, NULL, key) != NULL;
}

static struct exp_section *section_get(struct loader *L, const char *name,
                                       int create, int line)
{
  struct exp_config *c = L->c;
  for (size_t i = 0; i < c->nsec; i++)
    if (!strcmp(c->sec[i].name, name))
      return &c->sec[i];
  if (!create)
    return NULL;
  struct exp_section *ns = realloc(c->sec, (c->nsec + 1) * sizeof *ns);
  if (!ns)
    return NULL;
  c->sec = ns;
  struct exp_section *s = &c->sec[c->nsec];
  *s = (struct exp_section){.name = strdup(name),
                            .kind = (enum exp_sec_kind)section_kind(name),
                            .line = line};
  if (!s->name)
    return NULL;
  c->nsec++;
  return s;
}

static struct exp_entry *entry_find(struct exp_section *s, const char *key)
{
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->e[i].key, key))
      return &s->e[i];
  return NULL;
}

static int entry_add(struct exp_section *s, const char *key, const char *value,
                     enum exp_origin o, int line)
{
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    struct exp_entry *ne = realloc(s->e, cap * sizeof *ne);
    if (!ne)
      return -1;
    s->e = ne;
    s->cap = cap;
  }
  char *k = strdup(key), *v = strdup(value);
  if (!k || !v) {
    free(k);
    free(v);
    return -1;
  }
  s->e[s->n++] = (struct exp_entry){k, v, o, line};
  return 0;
}

/* Split "section.key" at its last dot; 0 when both parts are there. A
 * [sweep] key is itself SECTION.KEY: "sweep.tcp.msl" splits after
 * "sweep". */
static int split_qualified(const char *q, char *sec, size_t seccap, char *key,
                           size_t keycap)
{
  const char *dot = strncmp(q, "sweep.", 6) == 0 ? q + 5 : strrchr(q, '.');
  if (!dot || dot == q || !dot[1] || (size_t)(dot - q) >= seccap ||
      strlen(dot + 1) >= keycap)
    return -1;
  memcpy(sec, q, (size_t)(dot - q));
  sec[dot - q] = '\0';
  strcpy(key, dot + 1);
  return 0;
}

/* The structural checks shared by the file, --set and sweep overrides. */
static int check_structure(struct loader *L, enum exp_origin o, int line,
                           const char *section, const char *key)
{
  int kind = section_kind(section);
  if (kind < 0) {
    fail(L, o, line, "unknown section [%.100s] (see tcpsim list)", section);
    return -1;
  }
  if (!key_known((enum exp_sec_kind)kind, key)) {
    fail(L, o, line, "unknown key '%.100s' in [%.100s] (see tcpsim list)",
         key, section);
    return -1;
  }
  return 0;
}

static int on_ini_pair(void *user, const char *section, const char *name,
                       const char *value)
{
  struct loader *L = user;
  if (L->failed)
    return 1; /* report only the first error; inih goes on reading */
  int line = L->line;
  if (!*section) {
    fail(L, EXP_FROM_FILE, line, "'%.100s' is outside any [section]", name);
    return 0;
  }
  if (check_structure(L, EXP_FROM_FILE, line, section, name))
    return 0;
  struct exp_section *s = section_get(L, section, 1, line);
  if (!s) {
    oom(L);
    return 0;
  }
  struct exp_entry *e = entry_find(s, name);
  if (e) {
    fail(L, EXP_FROM_FILE, line, "[%.100s] %.100s given twice (first at line %d)",
         section, name, e->line);
    return 0;
  }
  if (entry_add(s, name, value, EXP_FROM_FILE, line)) {
    oom(L);
    return 0;
  }
  return 1;
}

/* A "[name]" line, seen by the reader before inih parses it: inih only
 * tells the handler about keys, so this is where an empty or unknown
 * section is caught, and where a section learns its header's line. */
static void section_header(struct loader *L, const char *p, size_t len)
{
  while (len && isspace((unsigned char)*p)) {
    p++;
    len--;
  }
  if (!len || *p != '[')
    return;
  const char *end = memchr(p, ']', len);
  if (!end)
    return; /* inih reports the syntax error */
  char name[256];
  size_t nl = (size_t)(end - p - 1);
  if (nl >= sizeof name) {
    fail(L, EXP_FROM_FILE, L->line, "section name too long");
    return;
  }
  memcpy(name, p + 1, nl);
  name[nl] = '\0';
  if (section_kind(name) < 0) {
    fail(L, EXP_FROM_FILE, L->line, "unknown section [%.100s] (see tcpsim "
         "list)", name);
    return;
  }
  if (!section_get(L, name, 1, L->line))
    oom(L);
}

/* An fgets for inih over L->text that returns one whole line per call
 * (so that L->line is the line inih is working on), cut to fit. */
static char *line_reader(char *str, int num, void *stream)
{
  struct loader *L = stream;
  const char *p = L->text + L->pos;
  if (!*p || num < 3)
    return NULL;
  const char *nl = strchr(p, '\n');
  size_t len = nl ? (size_t)(nl - p) : strlen(p);
  L->pos += len + (nl != NULL);
  L->line++;
  if (len > (size_t)num - 2) {
    if (!L->long_line)
      L->long_line = L->line;
    len = (size_t)num - 2;
  }
  if (!L->failed)
    section_header(L, p, len);
  memcpy(str, p, len);
  str[len] = '\n';
  str[len + 1] = '\0';
  return str;
}

/* "section.key=value" from --set, or an override from a sweep. */
static int apply_override(struct loader *L, enum exp_origin o, int line,
                          const char *qualified, const char *value)
{
  char sec[256], key[128];
  if (split_qualified(qualified, sec, sizeof sec, key, sizeof key)) {
    fail(L, o, line, "'%.100s' is not SECTION.KEY", qualified);
    return -1;
  }
  if (check_structure(L, o, line, sec, key))
    return -1;
  if (section_kind(sec) == EXP_SEC_SWEEP && o != EXP_FROM_SET) {
    fail(L, o, line, "[sweep] keys cannot be swept");
    return -1;
  }
  struct exp_section *s = section_get(L, sec, 1, 0);
  if (!s) {
    oom(L);
    return -1;
  }
  struct exp_entry *e = entry_find(s, key);
  if (e) {
    char *v = strdup(value);
    if (!v) {
      oom(L);
      return -1;
    }
    free(e->value);
    e->value = v;
    e->origin = o;
    e->line = line;
    return 0;
  }
  if (entry_add(s, key, value, o, line)) {
    oom(L);
    return -1;
  }
  return 0;
}

static int apply_set(struct loader *L, const char *set)
{
  L->set = set;
  const char *eq = strchr(set, '=');
  if (!eq) {
    fail(L, EXP_FROM_SET, 0, "expected SECTION.KEY=VALUE");
    return -1;
  }
  char q[400];
  size_t ql = (size_t)(eq - set);
  while (ql && isspace((unsigned char)set[ql - 1]))
    ql--;
  if (ql >= sizeof q) {
    fail(L, EXP_FROM_SET, 0, "key too long");
    return -1;
  }
  memcpy(q, set, ql);
  q[ql] = '\0';
  const char *v = eq + 1;
  while (isspace((unsigned char)*v))
    v++;
  return apply_override(L, EXP_FROM_SET, 0, q, v);
}

/* ====================================================================== */
/* Resolution                                                              */
/* ====================================================================== */

static void free_resolved(struct exp_config *c)
{
  free(c->topology);
  free(c->db);
  free(c->pcap);
  c->topology = c->db = c->pcap = NULL;
  for (size_t i = 0; i < c->ngroups; i++)
    free(c->groups[i].group);
  free(c->groups);
  c->groups = NULL;
  c->ngroups = 0;
  for (size_t i = 0; i < c->nwl; i++) {
    free(c->wl[i].name);
    free(c->wl[i].hosts);
    for (size_t j = 0; j < c->wl[i].nkv; j++)
      free(c->wl[i].kv[j].value);
    free(c->wl[i].kv);
  }
  free(c->wl);
  c->wl = NULL;
  c->nwl = 0;
  for (size_t i = 0; i < c->nfaults; i++) {
    free(c->faults[i].name);
    free(c->faults[i].params);
  }
  free(c->faults);
  c->faults = NULL;
  c->nfaults = 0;
  for (size_t i = 0; i < c->nactions; i++)
    free(c->actions[i].name);
  free(c->actions);
  c->actions = NULL;
  c->nactions = 0;
  for (size_t i = 0; i < c->naxes; i++) {
    free(c->axes[i].section);
    free(c->axes[i].key);
    for (size_t j = 0; j < c->axes[i].nvalues; j++)
      free(c->axes[i].values[j]);
    free(c->axes[i].values);
  }
  free(c->axes);
  c->axes = NULL;
  c->naxes = 0;
}

void exp_config_free(struct exp_config *c)
{
  if (!c)
    return;
  free_resolved(c);
  for (size_t i = 0; i < c->nsec; i++) {
    for (size_t j = 0; j < c->sec[i].n; j++) {
      free(c->sec[i].e[j].key);
      free(c->sec[i].e[j].value);
    }
    free(c->sec[i].e);
    free(c->sec[i].name);
  }
  free(c->sec);
  free(c->file);
  free(c->dir);
  free(c);
}

/* The value of key in section s (as written, or the row's default), with
 * the row checked. NULL with L failed on a bad or missing value. */
static const char *get_value(struct loader *L, const struct exp_section *s,
                             int sec_line, const char *secname,
                             const struct exp_key_desc *k,
                             const struct exp_entry **where)
{
  const struct exp_entry *e = NULL;
  if (s)
    for (size_t i = 0; i < s->n; i++)
      if (!strcmp(s->e[i].key, k->name))
        e = &s->e[i];
  *where = e;
  if (!e) {
    if (!k->def) {
      fail(L, EXP_FROM_FILE, s ? s->line : 0,
           "[%.100s] needs a value for '%s'", secname, k->name);
      return NULL;
    }
    return k->def;
  }
  char msg[600];
  if (check_value(secname, k, e->value, msg, sizeof msg)) {
    fail(L, e->origin, e->line, "%s", msg);
    return NULL;
  }
  return e->value;
}

/* The first file line of a section for messages about it as a whole. */
static int section_line(const struct exp_section *s)
{
  return s ? s->line : 0;
}

static enum exp_origin section_origin(const struct exp_section *s)
{
  (void)s;
  return EXP_FROM_FILE; /* line 0 when the section came from --set only */
}

/* A message about entry e, or about section s as a whole when e is NULL
 * (a key left at its default). */
static int entry_fail_origin(struct loader *L, const struct exp_entry *e,
                             const struct exp_section *s, const char *fmt, ...)
    EXP_PRINTF(4, 5);
static int entry_fail_origin(struct loader *L, const struct exp_entry *e,
                             const struct exp_section *s, const char *fmt, ...)
{
  char msg[700];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (e)
    fail(L, e->origin, e->line, "%s", msg);
  else
    fail(L, section_origin(s), section_line(s), "%s", msg);
  return -1;
}

/* Apply one section's [tcp] entries to *ts: msl first, whatever the order
 * in the file, because setting msl also sets time_wait to 2*msl and an
 * explicit time_wait must win. */
static int apply_tcp_entries(struct loader *L, const struct exp_section *s,
                             struct tcp_settings *ts)
{
  char msg[600];
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < s->n; i++) {
      const struct exp_entry *e = &s->e[i];
      if ((pass == 0) != (strcmp(e->key, "msl") == 0))
        continue;
      if (tcp_settings_set(ts, e->key, e->value, msg, sizeof msg) != 0) {
        fail(L, e->origin, e->line, "[%s] %s", s->name, msg);
        return -1;
      }
    }
  if (tcp_settings_check(ts, msg, sizeof msg) != 0) {
    const struct exp_entry *last = s->n ? &s->e[s->n - 1] : NULL;
    fail(L, last ? last->origin : EXP_FROM_FILE, last ? last->line : 0,
         "[%s] %s", s->name, msg);
    return -1;
  }
  return 0;
}

static const char *raw_type(const struct exp_config *c, const char *sec)
{
  for (size_t i = 0; i < c->nsec; i++)
    if (!strcmp(c->sec[i].name, sec))
      for (size_t j = 0; j < c->sec[i].n; j++)
        if (!strcmp(c->sec[i].e[j].key, "type"))
          return c->sec[i].e[j].value;
  return NULL;
}

static int find_node(const struct topo *t, const char *name, uint32_t *id)
{
  uint32_t n;
  return topo_group_find(t, name, id, &n) == 0 && n == 1 ? 0 : -1;
}

/* "A-B": the names may hold dashes, so try every split. */
static int find_link(const struct topo *t, const char *v, uint32_t *a,
                     uint32_t *b)
{
  char buf[256];
  if (strlen(v) >= sizeof buf)
    return -1;
  for (const char *d = strchr(v, '-'); d; d = strchr(d + 1, '-')) {
    memcpy(buf, v, (size_t)(d - v));
    buf[d - v] = '\0';
    if (!find_node(t, buf, a) && !find_node(t, d + 1, b))
      return 0;
  }
  return -1;
}

static char *path_join(const char *dir, const char *rel)
{
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", rel[0] == '/' ? "" : dir, rel);
  if (p && rel[0] == '/')
    memmove(p, p + 1, strlen(p)); /* drop the "/" of the empty dir */
  return p;
}

static int resolve_run(struct loader *L, struct topo **topo_out)
{
  struct exp_config *c = L->c;
  struct exp_section *s = section_get(L, "run", 0, 0);
  const struct exp_entry *e;
  const char *v[8];
  static const char *const keys[] = {"topology", "seed", "duration", "profile",
                                     "trace", "db", "pcap", "sample"};
  for (int i = 0; i < 8; i++) {
    v[i] = get_value(L, s, s ? s->line : 1, "run",
                     exp__key_find(EXP_SEC_RUN, NULL, keys[i]), &e);
    if (!v[i])
      return -1;
  }
  uint64_t seed = 0;
  exp__parse_uint(v[1], &seed);
  c->seed = seed;
  exp__parse_time(v[2], &c->duration_ns);
  exp__parse_time(v[7], &c->sample_ns);
  tcp_profile_parse(v[3], &c->profile);
  c->trace = (enum exp_trace)enum_index("run|summary|transitions|segments",
                                        v[4]);
  c->db = strdup(v[5]);
  c->pcap = strdup(v[6]);
  char *joined = path_join(c->dir, v[0]);
  if (!c->db || !c->pcap || !joined) {
    free(joined);
    oom(L);
    return -1;
  }
  char real[PATH_MAX + 64];
  get_value(L, s, 0, "run", exp__key_find(EXP_SEC_RUN, NULL, "topology"), &e);
  /* absolute, so that the canonical text means the same from anywhere */
  char cwd[PATH_MAX / 2];
  if (joined[0] == '/')
    snprintf(real, sizeof real, "%s", joined);
  else if (getcwd(cwd, sizeof cwd))
    snprintf(real, sizeof real, "%s/%s", cwd, joined);
  else
    real[0] = '\0';
  if (!real[0] || access(real, R_OK) != 0) {
    fail(L, e->origin, e->line, "[run] topology: cannot open '%.200s': %s",
         joined, strerror(errno));
    free(joined);
    return -1;
  }
  free(joined);
  if (!(c->topology = strdup(real))) {
    oom(L);
    return -1;
  }
  struct topo_error terr;
  if (topo_parse_file(c->topology, topo_out, &terr) != 0) {
    char tm[1200];
    topo_format_error(&terr, tm, sizeof tm);
    fail(L, e->origin, e->line, "[run] topology: %.500s", tm);
    return -1;
  }
  return 0;
}

/* A client's or server's keepalive_idle/interval/count: only with
 * keepalive on (set
 * alone they would silently do nothing), and the times within what
 * TCP_OPT_KEEPIDLE/KEEPINTVL accept. */
static int check_keepalive(struct loader *L, const struct exp_section *s,
                           const struct exp_workload *w)
{
  static const char *const keys[] = {"keepalive_idle", "keepalive_interval",
                                     "keepalive_count"};
  int on = 0;
  (void)exp__parse_bool(exp__workload_get(w, "keepalive"), &on);
  for (size_t i = 0; i < 3; i++) {
    const char *v = exp__workload_get(w, keys[i]);
    if (!v || !*v)
      continue;
    const struct exp_entry *e = entry_find((struct exp_section *)s, keys[i]);
    if (!on)
      return entry_fail_origin(L, e, s, "[%s] %s: needs keepalive = on",
                               s->name, keys[i]);
    int64_t ns = 1;
    if (i < 2 && (exp__parse_time(v, &ns) || ns < 1 ||
                  ns > TCP_OPT_TIME_MAX_NS))
      return entry_fail_origin(L, e, s, "[%s] %s: '%.60s' is not in 1ns.."
                               "3650 days", s->name, keys[i], v);
  }
  return 0;
}

/* A client's or flood's stop, when given, comes after its start. */
static int check_start_stop(struct loader *L, const struct exp_section *s,
                            const struct exp_workload *w)
{
  const char *stop = exp__workload_get(w, "stop");
  int64_t a = 0, b = 0;
  if (!stop || !*stop)
    return 0;
  (void)exp__parse_time(exp__workload_get(w, "start"), &a);
  (void)exp__parse_time(stop, &b);
  if (b > a)
    return 0;
  const struct exp_entry *e = entry_find((struct exp_section *)s, "stop");
  return entry_fail_origin(L, e, s, "[%s] stop: must be later than start "
                           "(%.60s)", s->name, exp__workload_get(w, "start"));
}

static int resolve_workload(struct loader *L, const struct exp_section *s,
                            const struct topo *t, struct exp_workload *w)
{
  const struct exp_entry *e, *he;
  const char *name = sub_name(s);
  const char *type = get_value(L, s, s->line, s->name,
                               exp__key_find(EXP_SEC_WORKLOAD, NULL, "type"), &e);
  if (!type)
    return -1;
  const char *hosts = get_value(L, s, s->line, s->name,
                                exp__key_find(EXP_SEC_WORKLOAD, NULL, "hosts"), &he);
  if (!hosts)
    return -1;
  w->type = (enum exp_workload_type)enum_index("server|client|syn_flood", type);
  if (!(w->name = strdup(name)) || !(w->hosts = strdup(hosts))) {
    oom(L);
    return -1;
  }
  if (topo_group_find(t, hosts, &w->first_node, &w->count) != 0)
    return entry_fail_origin(L, he, s, "[%s] hosts: no group or node '%.100s' "
                             "in the topology", s->name, hosts);
  /* every key of the section must belong to this type */
  for (size_t i = 0; i < s->n; i++)
    if (!exp__key_find(EXP_SEC_WORKLOAD, type, s->e[i].key)) {
      fail(L, s->e[i].origin, s->e[i].line,
           "[%s] %s: not a key of a %s workload (see tcpsim list)", s->name,
           s->e[i].key, type);
      return -1;
    }
  size_t n;
  const struct exp_key_desc *tab = exp__key_table(&n);
  w->kv = calloc(n, sizeof *w->kv);
  if (!w->kv) {
    oom(L);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    const struct exp_key_desc *k = &tab[i];
    if (k->sec != EXP_SEC_WORKLOAD || !k->applies || strcmp(k->applies, type))
      continue;
    const char *v = get_value(L, s, s->line, s->name, k, &e);
    if (!v)
      return -1;
    uint32_t node;
    if (k->type == EXP_T_NODE && find_node(t, v, &node))
      return entry_fail_origin(L, e, s, "[%s] %s: no node '%.100s' in the "
                               "topology", s->name, k->name, v);
    w->kv[w->nkv].key = k->name;
    if (!(w->kv[w->nkv++].value = strdup(v))) {
      oom(L);
      return -1;
    }
  }
  if (w->type != EXP_WORKLOAD_SERVER && check_start_stop(L, s, w) != 0)
    return -1;
  if (w->type != EXP_WORKLOAD_SYN_FLOOD)
    return check_keepalive(L, s, w);
  return 0;
}

static int resolve_fault(struct loader *L, const struct exp_section *s,
                         const struct topo *t, struct exp_fault *f)
{
  const struct exp_entry *e, *ne, *le;
  const char *at = get_value(L, s, s->line, s->name,
                             exp__key_find(EXP_SEC_FAULT, NULL, "at"), &e);
  const char *action = at ? get_value(L, s, s->line, s->name,
                                      exp__key_find(EXP_SEC_FAULT, NULL, "action"),
                                      &e) : NULL;
  const char *node = action ? get_value(L, s, s->line, s->name,
                                        exp__key_find(EXP_SEC_FAULT, NULL, "node"),
                                        &ne) : NULL;
  const char *delay = node ? get_value(L, s, s->line, s->name,
                                       exp__key_find(EXP_SEC_FAULT, NULL, "delay"),
                                       &e) : NULL;
  const char *link = delay ? get_value(L, s, s->line, s->name,
                                       exp__key_find(EXP_SEC_FAULT, NULL, "link"),
                                       &le) : NULL;
  const struct exp_entry *pe;
  const char *params = link ? get_value(L, s, s->line, s->name,
                                        exp__key_find(EXP_SEC_FAULT, NULL,
                                                      "params"), &pe) : NULL;
  if (!params)
    return -1;
  if (!(f->name = strdup(sub_name(s)))) {
    oom(L);
    return -1;
  }
  exp__parse_time(at, &f->at_ns);
  exp__parse_time(delay, &f->delay_ns);
  f->action = (enum exp_fault_action)enum_index(
      "crash|reboot|kill|link_down|link_up|set_link", action);
  f->node = f->link_a = f->link_b = UINT32_MAX;
  int on_link = f->action == EXP_FAULT_LINK_DOWN ||
                f->action == EXP_FAULT_LINK_UP ||
                f->action == EXP_FAULT_SET_LINK;
  if (f->action == EXP_FAULT_SET_LINK) {
    if (!*params)
      return entry_fail_origin(L, NULL, s, "[%s] action set_link needs "
                               "'params'", s->name);
    if (!(f->params = strdup(params))) {
      oom(L);
      return -1;
    }
  } else if (*params) {
    return entry_fail_origin(L, pe, s, "[%s] params: not used by action %s",
                             s->name, action);
  }
  if (on_link) {
    if (!*link)
      return entry_fail_origin(L, NULL, s, "[%s] action %s needs 'link'",
                               s->name, action);
    if (*node)
      return entry_fail_origin(L, ne, s, "[%s] node: not used by action %s",
                               s->name, action);
    if (find_link(t, link, &f->link_a, &f->link_b))
      return entry_fail_origin(L, le, s, "[%s] link: '%.100s' is not A-B with "
                               "two nodes of the topology", s->name, link);
  } else {
    if (!*node)
      return entry_fail_origin(L, NULL, s, "[%s] action %s needs 'node'",
                               s->name, action);
    if (*link)
      return entry_fail_origin(L, le, s, "[%s] link: not used by action %s",
                               s->name, action);
    if (find_node(t, node, &f->node))
      return entry_fail_origin(L, ne, s, "[%s] node: no node '%.100s' in the "
                               "topology", s->name, node);
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* [action.NAME]                                                           */
/* ---------------------------------------------------------------------- */

const char *exp__action_name(enum exp_action_kind k)
{
  switch (k) {
  case EXP_ACT_LISTEN: return "listen";
  case EXP_ACT_CONNECT: return "connect";
  case EXP_ACT_SEND: return "send";
  case EXP_ACT_SHUTDOWN: return "shutdown";
  case EXP_ACT_CLOSE: return "close";
  case EXP_ACT_ABORT: return "abort";
  }
  return "?";
}

/* Whether an action of kind k takes key (at, do and host: every kind);
 * *required says whether it must be given. */
static int action_uses(enum exp_action_kind k, const char *key, int *required)
{
  static const struct {
    const char *key;
    unsigned uses, needs; /* bit masks of enum exp_action_kind */
  } rows[] = {
#define B(x) (1u << EXP_ACT_##x)
      {"at", 0x3fu, 0x3fu},
      {"do", 0x3fu, 0x3fu},
      {"host", 0x3fu, 0x3fu},
      {"port", B(LISTEN) | B(CONNECT), B(LISTEN) | B(CONNECT)},
      {"backlog", B(LISTEN), 0},
      {"to", B(CONNECT), B(CONNECT)},
      {"local_port", B(CONNECT), 0},
      {"bytes", B(SEND), B(SEND)},
      {"sock", B(SEND) | B(SHUTDOWN) | B(CLOSE) | B(ABORT),
       B(SEND) | B(SHUTDOWN) | B(CLOSE) | B(ABORT)},
#undef B
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    if (!strcmp(rows[i].key, key)) {
      if (required)
        *required = (rows[i].needs >> k) & 1u;
      return (rows[i].uses >> k) & 1u;
    }
  return 0;
}

/* The fields of one action but its sock, which needs every action
 * (resolve_action_sock). */
static int resolve_action(struct loader *L, const struct exp_section *s,
                          const struct topo *t, struct exp_action *a)
{
  size_t n;
  const struct exp_key_desc *tab = exp__key_table(&n);
  const struct exp_entry *e;
  const char *v;
  if (!(v = get_value(L, s, s->line, s->name,
                      exp__key_find(EXP_SEC_ACTION, NULL, "at"), &e)))
    return -1;
  exp__parse_time(v, &a->at_ns);
  if (!(v = get_value(L, s, s->line, s->name,
                      exp__key_find(EXP_SEC_ACTION, NULL, "do"), &e)))
    return -1;
  a->kind = (enum exp_action_kind)enum_index(EXP_ACT_CHOICES, v);
  const char *what = v;
  if (!(a->name = strdup(sub_name(s)))) {
    oom(L);
    return -1;
  }
  a->to = UINT32_MAX;
  a->sock = SIZE_MAX;
  /* keys this call does not take are refused rather than ignored */
  for (size_t i = 0; i < s->n; i++)
    if (!action_uses(a->kind, s->e[i].key, NULL)) {
      fail(L, s->e[i].origin, s->e[i].line, "[%s] %s: not used by do = %s",
           s->name, s->e[i].key, what);
      return -1;
    }
  for (size_t i = 0; i < n; i++) {
    const struct exp_key_desc *k = &tab[i];
    int required = 0;
    if (k->sec != EXP_SEC_ACTION || !action_uses(a->kind, k->name, &required))
      continue;
    if (!(v = get_value(L, s, s->line, s->name, k, &e)))
      return -1;
    if (!*v) {
      if (required)
        return entry_fail_origin(L, NULL, s, "[%s] do = %s needs '%s'",
                                 s->name, what, k->name);
      continue;
    }
    uint64_t u = 0;
    if (k->type == EXP_T_UINT)
      exp__parse_uint(v, &u);
    if (!strcmp(k->name, "host")) {
      if (find_node(t, v, &a->host))
        return entry_fail_origin(L, e, s, "[%s] host: no node '%.100s' in "
                                 "the topology", s->name, v);
      /* a router may have an address too; the runner checks the kind */
      if (topo_node_addr(t, a->host) == 0)
        return entry_fail_origin(L, e, s, "[%s] host: '%.100s' is a router, "
                                 "not a host", s->name, v);
    } else if (!strcmp(k->name, "to")) {
      if (find_node(t, v, &a->to))
        return entry_fail_origin(L, e, s, "[%s] to: no node '%.100s' in the "
                                 "topology", s->name, v);
      if (topo_node_addr(t, a->to) == 0)
        return entry_fail_origin(L, e, s, "[%s] to: '%.100s' has no address",
                                 s->name, v);
    } else if (!strcmp(k->name, "port")) {
      a->port = (uint16_t)u;
    } else if (!strcmp(k->name, "backlog")) {
      a->backlog = (uint32_t)u;
    } else if (!strcmp(k->name, "local_port")) {
      a->local_port = (uint16_t)u;
    } else if (!strcmp(k->name, "bytes")) {
      a->bytes = u;
    }
  }
  return 0;
}

/* The sock of action i (axiom d), now that every action is known. */
static int resolve_action_sock(struct loader *L, size_t i)
{
  struct exp_config *c = L->c;
  struct exp_action *a = &c->actions[i];
  if (!action_uses(a->kind, "sock", NULL))
    return 0;
  char secname[300], ref[256];
  snprintf(secname, sizeof secname, "action.%s", a->name);
  const struct exp_section *s = section_get(L, secname, 0, 0);
  const struct exp_entry *e = NULL;
  for (size_t j = 0; s && j < s->n; j++)
    if (!strcmp(s->e[j].key, "sock"))
      e = &s->e[j];
  assert(e); /* required, checked by resolve_action */
  uint32_t nth = 0;
  (void)parse_sock_ref(e->value, ref, sizeof ref, &nth);
  size_t r = SIZE_MAX;
  for (size_t j = 0; j < c->nactions && r == SIZE_MAX; j++)
    if (!strcmp(c->actions[j].name, ref))
      r = j;
  if (r == SIZE_MAX)
    return entry_fail_origin(L, e, s, "[%s] sock: no [action.%.100s] in the "
                             "experiment", s->name, ref);
  const struct exp_action *b = &c->actions[r];
  if (b->kind != EXP_ACT_CONNECT && b->kind != EXP_ACT_LISTEN)
    return entry_fail_origin(L, e, s, "[%s] sock: [action.%s] is a %s, not a "
                             "connect or listen", s->name, b->name,
                             exp__action_name(b->kind));
  if (nth && b->kind != EXP_ACT_LISTEN)
    return entry_fail_origin(L, e, s, "[%s] sock: '%.100s' needs a listen, "
                             "[action.%s] is a connect", s->name, e->value,
                             b->name);
  if (!(b->at_ns < a->at_ns || (b->at_ns == a->at_ns && r < i)))
    return entry_fail_origin(L, e, s, "[%s] sock: [action.%s] does not run "
                             "before this action (at the same time, file "
                             "order decides)", s->name, b->name);
  if (b->host != a->host)
    return entry_fail_origin(L, e, s, "[%s] sock: [action.%s] is on another "
                             "host", s->name, b->name);
  a->sock = r;
  a->nth = nth;
  return 0;
}

/* One value of a [sweep] list, checked as its key's type (topology
 * lookups wait for the points to be resolved). */
static int sweep_value_check(struct loader *L, const struct exp_entry *e,
                             int kind, const char *sec, const char *key,
                             const char *v)
{
  char msg[600];
  if (kind == EXP_SEC_TCP || kind == EXP_SEC_TCP_GROUP) {
    struct tcp_settings scratch = L->c->tcp;
    if (tcp_settings_set(&scratch, key, v, msg, sizeof msg) == 0)
      return 0;
    fail(L, e->origin, e->line, "%s: %s", e->key, msg);
    return -1;
  }
  const char *wtype = kind == EXP_SEC_WORKLOAD ? raw_type(L->c, sec) : NULL;
  const struct exp_key_desc *k =
      exp__key_find((enum exp_sec_kind)kind, wtype, key);
  if (!k) {
    fail(L, e->origin, e->line, "%s: not a key of [%s] (see tcpsim list)",
         e->key, sec);
    return -1;
  }
  if (check_value(sec, k, v, msg, sizeof msg) == 0)
    return 0;
  fail(L, e->origin, e->line, "%s", msg);
  return -1;
}

/* The sweep axis of entry e; -1 with L failed. */
static int sweep_axis(struct loader *L, const struct exp_entry *e,
                      struct exp_sweep_axis *ax)
{
  char sec[256], key[128];
  if (split_qualified(e->key, sec, sizeof sec, key, sizeof key)) {
    fail(L, e->origin, e->line, "[sweep] '%.100s' is not SECTION.KEY or "
         "replications", e->key);
    return -1;
  }
  int kind = section_kind(sec);
  if (kind < 0 || kind == EXP_SEC_SWEEP ||
      !key_known((enum exp_sec_kind)kind, key)) {
    fail(L, e->origin, e->line, "[sweep] %.100s: no such key (see tcpsim list)",
         e->key);
    return -1;
  }
  if ((kind == EXP_SEC_WORKLOAD || kind == EXP_SEC_FAULT ||
       kind == EXP_SEC_ACTION || kind == EXP_SEC_TCP_GROUP) &&
      !section_get(L, sec, 0, 0)) {
    fail(L, e->origin, e->line, "[sweep] %.100s: the file has no [%.100s]",
         e->key, sec);
    return -1;
  }
  if (!(ax->section = strdup(sec)) || !(ax->key = strdup(key))) {
    oom(L);
    return -1;
  }
  ax->line = e->line;
  /* split the list; each value is checked when the points are resolved */
  for (const char *p = e->value;;) {
    while (isspace((unsigned char)*p))
      p++;
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    while (len && isspace((unsigned char)p[len - 1]))
      len--;
    if (!len) {
      fail(L, e->origin, e->line, "[sweep] %.100s: empty value in the list",
           e->key);
      return -1;
    }
    char **nv = realloc(ax->values, (ax->nvalues + 1) * sizeof *nv);
    if (!nv) {
      oom(L);
      return -1;
    }
    ax->values = nv;
    if (!(ax->values[ax->nvalues] = strndup(p, len))) {
      oom(L);
      return -1;
    }
    ax->nvalues++;
    if (sweep_value_check(L, e, kind, sec, key, ax->values[ax->nvalues - 1]))
      return -1;
    if (!comma)
      break;
    p = comma + 1;
  }
  return 0;
}

static int resolve_sweep(struct loader *L)
{
  struct exp_config *c = L->c;
  struct exp_section *s = section_get(L, "sweep", 0, 0);
  const struct exp_entry *e;
  const char *rep = get_value(L, s, 0, "sweep",
                              exp__key_find(EXP_SEC_SWEEP, NULL, "replications"),
                              &e);
  if (!rep)
    return -1;
  uint64_t r = 1;
  exp__parse_uint(rep, &r);
  c->replications = (uint32_t)r;
  if (!s)
    return 0;
  for (size_t i = 0; i < s->n; i++) {
    if (!strcmp(s->e[i].key, "replications"))
      continue;
    struct exp_sweep_axis *na = realloc(c->axes, (c->naxes + 1) * sizeof *na);
    if (!na) {
      oom(L);
      return -1;
    }
    c->axes = na;
    c->axes[c->naxes] = (struct exp_sweep_axis){0};
    c->naxes++;
    if (sweep_axis(L, &s->e[i], &c->axes[c->naxes - 1]))
      return -1;
  }
  return 0;
}

static int resolve(struct loader *L)
{
  struct exp_config *c = L->c;
  struct topo *t = NULL;
  int rc = -1;
  free_resolved(c);
  if (resolve_run(L, &t))
    goto out;
  tcp_settings_init(&c->tcp, c->profile);
  struct exp_section *ts = section_get(L, "tcp", 0, 0);
  if (ts && apply_tcp_entries(L, ts, &c->tcp))
    goto out;
  for (size_t i = 0; i < c->nsec; i++) {
    const struct exp_section *s = &c->sec[i];
    if (s->kind == EXP_SEC_TCP_GROUP) {
      struct exp_tcp_group *ng = realloc(c->groups, (c->ngroups + 1) * sizeof *ng);
      if (!ng) {
        oom(L);
        goto out;
      }
      c->groups = ng;
      struct exp_tcp_group *g = &c->groups[c->ngroups++];
      *g = (struct exp_tcp_group){.group = strdup(sub_name(s)), .settings = c->tcp};
      if (!g->group) {
        oom(L);
        goto out;
      }
      if (topo_group_find(t, g->group, &g->first_node, &g->count) != 0) {
        fail(L, section_origin(s), section_line(s),
             "[%s]: no group or node '%.100s' in the topology", s->name,
             g->group);
        goto out;
      }
      if (apply_tcp_entries(L, s, &g->settings))
        goto out;
    } else if (s->kind == EXP_SEC_WORKLOAD) {
      struct exp_workload *nw = realloc(c->wl, (c->nwl + 1) * sizeof *nw);
      if (!nw) {
        oom(L);
        goto out;
      }
      c->wl = nw;
      c->wl[c->nwl] = (struct exp_workload){0};
      if (resolve_workload(L, s, t, &c->wl[c->nwl++]))
        goto out;
    } else if (s->kind == EXP_SEC_ACTION) {
      struct exp_action *na =
          realloc(c->actions, (c->nactions + 1) * sizeof *na);
      if (!na) {
        oom(L);
        goto out;
      }
      c->actions = na;
      c->actions[c->nactions] = (struct exp_action){0};
      if (resolve_action(L, s, t, &c->actions[c->nactions++]))
        goto out;
    } else if (s->kind == EXP_SEC_FAULT) {
      struct exp_fault *nf = realloc(c->faults, (c->nfaults + 1) * sizeof *nf);
      if (!nf) {
        oom(L);
        goto out;
      }
      c->faults = nf;
      c->faults[c->nfaults] = (struct exp_fault){0};
      if (resolve_fault(L, s, t, &c->faults[c->nfaults++]))
        goto out;
    }
  }
  for (size_t i = 0; i < c->nactions; i++)
    if (resolve_action_sock(L, i))
      goto out;
  if (resolve_sweep(L))
    goto out;
  rc = 0;
out:
  topo_free(t);
  return rc;
}

/* ====================================================================== */
/* Loading                                                                 */
/* ====================================================================== */

static int finish(struct loader *L, struct exp_config *c,
                  struct exp_config **out)
{
  if (L->failed) {
    int rc = L->oom ? EXP_ENOMEM : EXP_EINVAL;
    exp_config_free(c);
    return rc;
  }
  *out = c;
  return EXP_OK;
}

/* Parse text into c's raw sections, then the overrides, then resolve. */
static int load_text(struct exp_config *c, const char *text,
                     const char *const *sets, size_t nsets,
                     struct exp_config **out, char *err, size_t errcap)
{
  struct loader L = {.c = c, .text = text, .err = err, .errcap = errcap};
  int rc = ini_parse_stream(line_reader, &L, on_ini_pair, &L);
  if (L.oom || rc == -2) {
    oom(&L);
    return finish(&L, c, out);
  }
  /* inih's own syntax errors, and lines cut short, are reported when they
   * come before the first error of our handler */
  int syn = rc > 0 && (!L.failed || rc < L.err_line) ? rc : 0;
  if (L.long_line && (!syn || L.long_line < syn) &&
      (!L.failed || L.long_line < L.err_line)) {
    L.failed = 0;
    fail(&L, EXP_FROM_FILE, L.long_line, "line too long");
  } else if (syn) {
    L.failed = 0;
    fail(&L, EXP_FROM_FILE, syn,
         "expected [section] or key = value");
  }
  for (size_t i = 0; i < nsets && !L.failed; i++)
    apply_set(&L, sets[i]);
  if (!L.failed)
    resolve(&L);
  return finish(&L, c, out);
}

static struct exp_config *config_new(const char *name, const char *dir)
{
  struct exp_config *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->file = strdup(name);
  c->dir = strdup(dir);
  c->replications = 1;
  if (!c->file || !c->dir) {
    exp_config_free(c);
    return NULL;
  }
  return c;
}

int exp_config_parse_string(const char *name, const char *dir,
                            const char *text, const char *const *sets,
                            size_t nsets, struct exp_config **out, char *err,
                            size_t errcap)
{
  *out = NULL;
  struct exp_config *c = config_new(name, dir);
  if (!c) {
    snprintf(err, errcap, "%s: out of memory", name);
    return EXP_ENOMEM;
  }
  return load_text(c, text, sets, nsets, out, err, errcap);
}

int exp_config_load(const char *path, const char *const *sets, size_t nsets,
                    struct exp_config **out, char *err, size_t errcap)
{
  *out = NULL;
  char *text = res_read_file(path);
  if (!text) {
    snprintf(err, errcap, "%s: cannot read: %s", path, strerror(errno));
    return EXP_EIO;
  }
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (!slash)
    strcpy(dir, ".");
  else if (slash == path)
    strcpy(dir, "/");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  int rc = exp_config_parse_string(path, dir, text, sets, nsets, out, err,
                                   errcap);
  free(text);
  return rc;
}

/* ====================================================================== */
/* Accessors                                                               */
/* ====================================================================== */

uint64_t exp_config_seed(const struct exp_config *c) { return c->seed; }
int64_t exp_config_duration_ns(const struct exp_config *c) { return c->duration_ns; }
const char *exp_config_topology(const struct exp_config *c) { return c->topology; }
const char *exp_config_db(const struct exp_config *c) { return c->db; }
const char *exp_config_pcap(const struct exp_config *c) { return c->pcap; }
enum exp_trace exp_config_trace(const struct exp_config *c) { return c->trace; }

const char *exp__workload_get(const struct exp_workload *wl, const char *key)
{
  for (size_t i = 0; i < wl->nkv; i++)
    if (!strcmp(wl->kv[i].key, key))
      return wl->kv[i].value;
  return NULL;
}

/* ====================================================================== */
/* Canonical text                                                          */
/* ====================================================================== */

static const char *raw_value(const struct exp_config *c, const char *sec,
                             const char *key)
{
  for (size_t i = 0; i < c->nsec; i++)
    if (!strcmp(c->sec[i].name, sec))
      for (size_t j = 0; j < c->sec[i].n; j++)
        if (!strcmp(c->sec[i].e[j].key, key))
          return c->sec[i].e[j].value;
  return NULL;
}

/* A section of the table's keys: the value as written or the default;
 * unset optional keys are left out. */
static void print_table_section(const struct exp_config *c, FILE *f,
                                const char *secname, enum exp_sec_kind kind,
                                const char *wtype)
{
  size_t n;
  const struct exp_key_desc *tab = exp__key_table(&n);
  fprintf(f, "[%s]\n", secname);
  for (size_t i = 0; i < n; i++) {
    const struct exp_key_desc *k = &tab[i];
    if (k->sec != kind || k->type == EXP_T_LIST)
      continue;
    if (k->applies && (!wtype || strcmp(k->applies, wtype)))
      continue;
    if (kind == EXP_SEC_ACTION &&
        !action_uses((enum exp_action_kind)enum_index(EXP_ACT_CHOICES, wtype),
                     k->name, NULL))
      continue;
    const char *v = raw_value(c, secname, k->name);
    if (!v)
      v = k->def;
    if (kind == EXP_SEC_RUN && !strcmp(k->name, "topology"))
      v = c->topology;
    if (kind == EXP_SEC_RUN && !strcmp(k->name, "seed")) {
      fprintf(f, "seed = %" PRIu64 "\n", c->seed);
      continue;
    }
    if (!v || !*v)
      continue;
    fprintf(f, "%s = %s\n", k->name, v);
  }
  fputc('\n', f);
}

static void print_tcp(const struct exp_config *c, FILE *f, const char *secname,
                      const struct tcp_settings *ts, const struct exp_section *only)
{
  size_t n;
  const struct tcp_setting_desc *tab = tcp_settings_table(&n);
  char buf[256];
  fprintf(f, "[%s]\n", secname);
  for (size_t i = 0; i < n; i++) {
    if (only && !entry_find((struct exp_section *)only, tab[i].name))
      continue;
    if (tcp_settings_get(ts, tab[i].name, buf, sizeof buf) == 0)
      fprintf(f, "%s = %s\n", tab[i].name, buf);
  }
  fputc('\n', f);
}

char *exp_config_text(const struct exp_config *cfg)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return NULL;
  int rc = exp_config_print(cfg, f);
  fclose(f);
  if (rc != EXP_OK) {
    free(buf);
    return NULL;
  }
  return buf;
}

int exp_config_print(const struct exp_config *c, FILE *f)
{
  print_table_section(c, f, "run", EXP_SEC_RUN, NULL);
  print_tcp(c, f, "tcp", &c->tcp, NULL);
  size_t g = 0, w = 0, a = 0;
  for (size_t i = 0; i < c->nsec; i++) {
    const struct exp_section *s = &c->sec[i];
    switch (s->kind) {
    case EXP_SEC_TCP_GROUP:
      print_tcp(c, f, s->name, &c->groups[g++].settings, s);
      break;
    case EXP_SEC_WORKLOAD:
      print_table_section(c, f, s->name, EXP_SEC_WORKLOAD,
                          (const char *[]){"server", "client",
                                           "syn_flood"}[c->wl[w++].type]);
      break;
    case EXP_SEC_FAULT:
      print_table_section(c, f, s->name, EXP_SEC_FAULT, NULL);
      break;
    case EXP_SEC_ACTION:
      print_table_section(c, f, s->name, EXP_SEC_ACTION,
                          exp__action_name(c->actions[a++].kind));
      break;
    case EXP_SEC_RUN:
    case EXP_SEC_TCP:
    case EXP_SEC_SWEEP:
      break;
    }
  }
  if (c->naxes || c->replications != 1) {
    fprintf(f, "[sweep]\n");
    if (c->replications != 1)
      fprintf(f, "replications = %" PRIu32 "\n", c->replications);
    for (size_t i = 0; i < c->naxes; i++) {
      fprintf(f, "%s.%s = ", c->axes[i].section, c->axes[i].key);
      for (size_t j = 0; j < c->axes[i].nvalues; j++)
        fprintf(f, "%s%s", j ? ", " : "", c->axes[i].values[j]);
      fputc('\n', f);
    }
    fputc('\n', f);
  }
  return ferror(f) ? EXP_EIO : EXP_OK;
}

/* ====================================================================== */
/* Sweeps                                                                  */
/* ====================================================================== */

static struct exp_config *clone_raw(const struct exp_config *c)
{
  struct exp_config *d = config_new(c->file, c->dir);
  if (!d)
    return NULL;
  if (c->nsec && !(d->sec = calloc(c->nsec, sizeof *d->sec)))
    goto fail;
  for (size_t i = 0; i < c->nsec; i++) {
    const struct exp_section *s = &c->sec[i];
    if (s->kind == EXP_SEC_SWEEP)
      continue;
    struct exp_section *t = &d->sec[d->nsec++];
    *t = (struct exp_section){.name = strdup(s->name), .kind = s->kind,
                              .line = s->line};
    if (!t->name)
      goto fail;
    for (size_t j = 0; j < s->n; j++)
      if (entry_add(t, s->e[j].key, s->e[j].value, s->e[j].origin,
                    s->e[j].line))
        goto fail;
  }
  return d;
fail:
  exp_config_free(d);
  return NULL;
}

void exp_sweep_free(struct exp_config **v, size_t n)
{
  if (!v)
    return;
  for (size_t i = 0; i < n; i++)
    exp_config_free(v[i]);
  free(v);
}

int exp_sweep_expand(const struct exp_config *c, struct exp_config ***out,
                     size_t *n_out, char *err, size_t errcap)
{
  *out = NULL;
  *n_out = 0;
  size_t points = 1;
  for (size_t i = 0; i < c->naxes; i++) {
    if (points > SIZE_MAX / 2 / c->axes[i].nvalues) {
      snprintf(err, errcap, "%s: [sweep] too many points", c->file);
      return EXP_EINVAL;
    }
    points *= c->axes[i].nvalues;
  }
  if (points > 10000000 / c->replications) {
    snprintf(err, errcap, "%s: [sweep] too many runs (at most 10000000)",
             c->file);
    return EXP_EINVAL;
  }
  if (c->naxes > 64) {
    snprintf(err, errcap, "%s: [sweep] more than 64 keys", c->file);
    return EXP_EINVAL;
  }
  size_t total = points * c->replications;
  struct exp_config **v = calloc(total, sizeof *v);
  if (!v) {
    snprintf(err, errcap, "%s: out of memory", c->file);
    return EXP_ENOMEM;
  }
  size_t k = 0;
  int rc = EXP_OK;
  for (size_t p = 0; p < points && rc == EXP_OK; p++) {
    struct exp_config *d = clone_raw(c);
    if (!d) {
      snprintf(err, errcap, "%s: out of memory", c->file);
      rc = EXP_ENOMEM;
      break;
    }
    struct loader L = {.c = d, .err = err, .errcap = errcap};
    /* mixed radix, the last axis fastest */
    size_t rest = p;
    size_t idx[64] = {0};
    for (size_t a = c->naxes; a-- > 0;) {
      idx[a] = rest % c->axes[a].nvalues;
      rest /= c->axes[a].nvalues;
    }
    for (size_t a = 0; a < c->naxes && !L.failed; a++) {
      char q[400];
      snprintf(q, sizeof q, "%s.%s", c->axes[a].section, c->axes[a].key);
      apply_override(&L, EXP_FROM_SWEEP, c->axes[a].line, q,
                     c->axes[a].values[idx[a]]);
    }
    if (!L.failed)
      resolve(&L);
    if (L.failed) {
      rc = L.oom ? EXP_ENOMEM : EXP_EINVAL;
      exp_config_free(d);
      break;
    }
    d->sweep_point = (uint32_t)p;
    for (uint32_t r = 0; r < c->replications; r++) {
      struct exp_config *e = d;
      if (r + 1 < c->replications) {
        e = clone_raw(d);
        struct loader L2 = {.c = e, .err = err, .errcap = errcap};
        if (!e || resolve(&L2)) {
          exp_config_free(e);
          exp_config_free(d);
          snprintf(err, errcap, "%s: out of memory", c->file);
          rc = EXP_ENOMEM;
          break;
        }
        e->sweep_point = (uint32_t)p;
      }
      e->seed = d->seed + r; /* d's own seed is set last (r = last) */
      e->replication = r;
      e->replications = 1;
      v[k++] = e;
    }
  }
  if (rc != EXP_OK) {
    exp_sweep_free(v, k);
    return rc;
  }
  *out = v;
  *n_out = k;
  return EXP_OK;
}

/* ====================================================================== */
/* tcpsim list                                                             */
/* ====================================================================== */

static const char *type_name(const struct exp_key_desc *k, char *buf,
                             size_t cap)
{
  switch (k->type) {
  case EXP_T_PATH: return "path";
  case EXP_T_UINT:
    snprintf(buf, cap, "uint %" PRIu64 "..%" PRIu64, k->lo, k->hi);
    return buf;
  case EXP_T_TIME: return "time";
  case EXP_T_RATE: return "rate";
  case EXP_T_ENUM: return k->choices;
  case EXP_T_BOOL: return "bool";
  case EXP_T_NODE: return "node";
  case EXP_T_HOSTS: return "group|node";
  case EXP_T_LINK: return "link A-B";
  case EXP_T_PREFIX: return "prefix";
  case EXP_T_LINKPARAMS: return "link attributes";
  case EXP_T_SOCK: return "NAME|NAME#k";
  case EXP_T_LIST: return "list";
  }
  return "?";
}

static const char *tcp_type_name(const struct tcp_setting_desc *d)
{
  switch (d->type) {
  case TCP_SET_BOOL: return "bool";
  case TCP_SET_UINT: return "uint";
  case TCP_SET_TIME: return "time";
  case TCP_SET_ENUM: return d->choices;
  case TCP_SET_TIMES: return "times";
  }
  return "?";
}

static void list_row(FILE *f, const char *sec, const char *key,
                     const char *type, const char *def, const char *help)
{
  char q[128];
  snprintf(q, sizeof q, "%s.%s", sec, key);
  fprintf(f, "  %-26s %-28s %-16s %s\n", q, type,
          !def ? "(required)" : *def ? def : "(none)", help);
}

void exp_config_list(FILE *f)
{
  size_t n;
  const struct exp_key_desc *tab = exp__key_table(&n);
  char tb[64];
  fprintf(f, "Experiment file keys (SECTION.KEY, type, default, help).\n"
             "Any key can be given on the command line as --set SECTION.KEY=VALUE.\n"
             "Times take a unit (ns, us, ms, s, min); rates are N/s, N/ms, N/min.\n");
  static const struct {
    enum exp_sec_kind kind;
    const char *wtype;
    const char *title;
    const char *label;
  } parts[] = {
      {EXP_SEC_RUN, NULL, "[run]: the run as a whole", "run"},
      {EXP_SEC_WORKLOAD, "", "[workload.NAME]: an application on a host group",
       "workload.NAME"},
      {EXP_SEC_WORKLOAD, "server", "  type = server", "workload.NAME"},
      {EXP_SEC_WORKLOAD, "client", "  type = client", "workload.NAME"},
      {EXP_SEC_WORKLOAD, "syn_flood", "  type = syn_flood", "workload.NAME"},
      {EXP_SEC_FAULT, NULL, "[fault.NAME]: something that breaks at a time "
       "(with [action.NAME], the timeline)", "fault.NAME"},
      {EXP_SEC_ACTION, NULL, "[action.NAME]: a socket call at a time (with "
       "[fault.NAME], the timeline)", "action.NAME"},
      {EXP_SEC_SWEEP, NULL, "[sweep]: run every combination of values",
       "sweep"},
  };
  for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
    fprintf(f, "\n%s\n", parts[p].title);
    for (size_t i = 0; i < n; i++) {
      const struct exp_key_desc *k = &tab[i];
      if (k->sec != parts[p].kind)
        continue;
      if (parts[p].wtype &&
          (*parts[p].wtype ? !k->applies || strcmp(k->applies, parts[p].wtype)
                           : k->applies != NULL))
        continue;
      list_row(f, parts[p].label,
               k->type == EXP_T_LIST ? "SECTION.KEY" : k->name,
               type_name(k, tb, sizeof tb), k->def, k->help);
    }
    if (parts[p].kind == EXP_SEC_RUN) {
      /* [tcp] follows [run] */
      size_t nt;
      const struct tcp_setting_desc *t = tcp_settings_table(&nt);
      struct tcp_settings lin;
      tcp_settings_init(&lin, TCP_PROFILE_LINUX);
      fprintf(f, "\n[tcp]: TCP settings for every host; [tcp.GROUP]: the same "
                 "keys for one host group.\n"
                 "  Defaults depend on run.profile; shown: linux. msl is "
                 "applied before time_wait.\n");
      for (size_t i = 0; i < nt; i++) {
        char def[128];
        if (tcp_settings_get(&lin, t[i].name, def, sizeof def) != 0)
          snprintf(def, sizeof def, "?");
        list_row(f, "tcp", t[i].name, tcp_type_name(&t[i]), def, t[i].help);
      }
    }
  }
}
