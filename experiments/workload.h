/*
 * workload.h - TCP workloads: the applications an experiment runs on its
 * hosts (internal to experiments/; prefix exp_wl_).
 *
 * Three kinds, each configured by a plain struct that the experiment file
 * parser fills from its key/value sections:
 *   server     listens on every host of a node list, reads a request,
 *              answers with a response and closes by a policy; with
 *              restart it listens again when one of its hosts boots;
 *   client     opens connections from every host of a node list at a rate
 *              (Poisson, fixed gap, or back to back), sends a request,
 *              reads the response and closes by a policy, with retries,
 *              keepalive and an optional fixed local port;
 *   syn_flood  crafted SYNs with spoofed sources from one attacker node,
 *              never answering anything.
 * Applications only use the callback socket API of tcp/tcp.h (the flood
 * bypasses it: it hands raw packets to IP, as a raw socket would). Every
 * timer is a sim_event embedded in a workload object; random draws come
 * from per-node streams of the world's seed, so a run repeats exactly.
 *
 * Lifetime: start after the topology, routes and TCP module exist; stop
 * (no new connections or packets) at any time; free before the world and
 * the TCP module are freed: free aborts the connections still open so
 * that no callback reaches freed memory.
 *
 * Application events (connect, established, response_done, closed...) go
 * to an optional hook, so the workloads do not need a results database;
 * exp_wl_hook_recorder adapts a results recorder to it.
 */
#ifndef TCPSIM_EXP_WORKLOAD_H
#define TCPSIM_EXP_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/results.h"
#include "sim/sim.h"
#include "tcp/tcp.h"

/* ====================================================================== */
/* Common                                                                  */
/* ====================================================================== */

/* Application events; what is a short fixed string:
 *   client  "connect" (detail: the error name if it failed at once),
 *           "established", "response_done", "close", "abort", "retry",
 *           "failed", "truncated", "closed" (detail: error name);
 *   server  "listen" (detail: "boot" when listening again after a reboot,
 *           or the error name if that failed), "accept", "response_sent",
 *           "close", "abort", "closed" (detail: error name).
 * detail may be NULL. t_ns is the world's time. */
struct exp_wl_hook {
  void (*event)(void *ctx, uint32_t node, uint64_t conn_id, int64_t t_ns,
                const char *what, const char *detail);
  void *ctx;
};

/* A hook that writes app_events rows through rec (res_app_event). */
struct exp_wl_hook exp_wl_hook_recorder(struct res_recorder *rec);

/* How connection or packet starts are spaced on one host. */
enum exp_wl_rate {
  EXP_WL_RATE_POISSON,      /* exponential gaps with mean gap_ns */
  EXP_WL_RATE_FIXED,        /* exactly gap_ns apart */
  EXP_WL_RATE_BACK_TO_BACK  /* the next starts when the previous ends
                               (retry_gap_ns, at least 1 ms, after one
                               that never got established) */
};

/* Failure counters are indexed by -err for the TCP_E* codes. */
#define EXP_WL_ERR_SLOTS 32

/* ====================================================================== */
/* Server                                                                  */
/* ====================================================================== */

enum exp_wl_srv_close {
  EXP_WL_SRV_WAIT,   /* wait for the client's FIN, then close */
  EXP_WL_SRV_FIRST,  /* close right after the response (active close) */
  EXP_WL_SRV_ABORT,  /* RST once the response has been acknowledged */
  EXP_WL_SRV_NEVER   /* keep the connection open */
};

struct exp_wl_server_cfg {
  const uint32_t *nodes;    /* hosts to listen on (copied) */
  size_t n_nodes;
  uint16_t port;
  uint32_t backlog;         /* listen() backlog */
  uint64_t request_bytes;   /* respond after this many bytes, or at the
                               client's FIN if it comes first */
  uint64_t response_bytes;  /* 0: no response, the close policy at once */
  enum exp_wl_srv_close close;
  uint32_t owner;           /* process id for tcp_kill_process */
  bool restart;             /* listen again on a host that boots after a
                               power-off (a service started at boot): app
                               event "listen" with detail "boot" (or the
                               error name) */
  int64_t abort_poll_ns;    /* ABORT: how often to check whether the
                               response is acknowledged; 0: 1 ms */
  bool keepalive;           /* on every accepted connection, with: */
  int64_t keepidle_ns;      /* 0: the host's setting */
  int64_t keepintvl_ns;
  uint8_t keepcnt;
  struct exp_wl_hook hook;
};

struct exp_wl_server_stats {
  uint64_t listening;       /* listeners opened, restarts included */
  uint64_t restarts;        /* listeners opened again after a boot */
  uint64_t accepted;
  uint64_t responded;
  uint64_t closed;          /* closed or aborted by policy */
  uint64_t errors;          /* connections ended by an error */
  uint64_t killed;          /* connections held when its process was killed */
  uint64_t err[EXP_WL_ERR_SLOTS];
};

struct exp_wl_server; /* opaque */

/* Open the listeners now. TCP_E* on failure (the first error of a
 * listen; nothing stays open). With cfg->restart the server watches the
 * world's host events (sim_trace_subscribe) until it is freed. */
int exp_wl_server_start(struct tcp_module *m, struct sim_world *w,
                        const struct exp_wl_server_cfg *cfg,
                        struct exp_wl_server **out);
/* Close the listeners; accepted connections go on by their policy. */
void exp_wl_server_stop(struct exp_wl_server *s);
void exp_wl_server_stats(const struct exp_wl_server *s,
                         struct exp_wl_server_stats *out);
void exp_wl_server_free(struct exp_wl_server *s);
/* The server's process on node was killed (tcp_kill_process has released
 * its handles): forget them without another call. With restart, a later
 * boot of the host starts it again. */
void exp_wl_server_killed(struct exp_wl_server *s, uint32_t node);

/* ====================================================================== */
/* Client                                                                  */
/* ====================================================================== */

enum exp_wl_cli_close {
  EXP_WL_CLI_CLIENT_FIRST, /* close after the full response */
  EXP_WL_CLI_SERVER_FIRST, /* wait for the server's FIN, then close */
  EXP_WL_CLI_BOTH,         /* shut down as soon as the response is in,
                              without waiting: with a server closing first
                              the two FINs cross (simultaneous close) */
  EXP_WL_CLI_ABORT,        /* RST after the response */
  EXP_WL_CLI_KEEP          /* keep the connection open and idle */
};

struct exp_wl_client_cfg {
  const uint32_t *nodes;    /* hosts that open connections (copied) */
  size_t n_nodes;
  uint32_t server_addr;
  uint16_t server_port;
  enum exp_wl_rate rate;
  int64_t gap_ns;           /* mean (POISSON) or exact (FIXED) gap */
  uint32_t count;           /* connections per host; 0: until stopped */
  int64_t start_ns;         /* first start (>= now) */
  int64_t start_spread_ns;  /* each host's first start uniform in
                               [start, start + spread); 0: at start */
  int64_t stop_ns;          /* no new starts after this; 0: never */
  int64_t think_ns;         /* BACK_TO_BACK: pause after a connection
                               before the next */
  uint64_t request_bytes;
  uint64_t response_bytes;  /* expected; 0: done once the request is sent */
  enum exp_wl_cli_close close;
  uint16_t local_port;      /* 0: ephemeral */
  bool keepalive;
  int64_t keepidle_ns;      /* 0: the host's setting */
  int64_t keepintvl_ns;
  uint8_t keepcnt;
  uint32_t retries;         /* new attempts after a failed connect */
  int64_t retry_gap_ns;
  bool nodelay;             /* TCP_OPT_NODELAY on every socket */
  uint32_t owner;
  uint32_t instance;        /* separates the random streams of several
                               client workloads on one host */
  struct exp_wl_hook hook;
};

struct exp_wl_client_stats {
  uint64_t attempted;       /* connects issued, retries included */
  uint64_t established;
  uint64_t completed;       /* response in and closed by the policy */
  uint64_t failed;          /* connections given up (after retries) */
  uint64_t retried;
  uint64_t truncated;       /* server's FIN before the full response */
  uint64_t late_errors;     /* KEEP connections ended by an error later */
  uint64_t killed;          /* connections held when its process was killed */
  uint64_t err[EXP_WL_ERR_SLOTS]; /* failures by -TCP_E* code */
  int64_t est_sum_ns;       /* connect to established, per attempt */
  int64_t est_min_ns;
  int64_t est_max_ns;
};

struct exp_wl_client; /* opaque */

int exp_wl_client_start(struct tcp_module *m, struct sim_world *w,
                        const struct exp_wl_client_cfg *cfg,
                        struct exp_wl_client **out);
/* No new connections; open ones go on. */
void exp_wl_client_stop(struct exp_wl_client *c);
void exp_wl_client_stats(const struct exp_wl_client *c,
                         struct exp_wl_client_stats *out);
/* Failures with error err (a TCP_E* code); 0 for codes out of range. */
uint64_t exp_wl_client_errs(const struct exp_wl_client_stats *st, int err);
void exp_wl_client_free(struct exp_wl_client *c);
/* The client's process on node was killed (tcp_kill_process has released
 * its handles): forget them without another call and start no more
 * connections there. */
void exp_wl_client_killed(struct exp_wl_client *c, uint32_t node);

/* ====================================================================== */
/* SYN flood                                                               */
/* ====================================================================== */

struct exp_wl_flood_cfg {
  uint32_t attacker;        /* node that sends */
  uint32_t target_addr;
  uint16_t target_port;
  uint32_t src_prefix;      /* spoofed sources: uniform in prefix/len */
  uint8_t src_prefix_len;   /* 0..32 */
  enum exp_wl_rate rate;    /* POISSON or FIXED (BACK_TO_BACK: FIXED) */
  int64_t gap_ns;
  uint64_t count;           /* SYNs in all; 0: until stopped */
  int64_t start_ns;
  int64_t stop_ns;          /* 0: never */
};

struct exp_wl_flood; /* opaque */

int exp_wl_flood_start(struct sim_world *w, const struct exp_wl_flood_cfg *cfg,
                       struct exp_wl_flood **out);
void exp_wl_flood_stop(struct exp_wl_flood *f);
/* SYNs handed to IP (including ones IP dropped). */
uint64_t exp_wl_flood_sent(const struct exp_wl_flood *f);
void exp_wl_flood_free(struct exp_wl_flood *f);

#endif /* TCPSIM_EXP_WORKLOAD_H */
