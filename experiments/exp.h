/*
 * exp.h - public API of the experiments module: the applications that run
 * on simulated hosts and the `tcpsim` command line.
 *
 * For now it holds ICMP echo (a protocol module for IP protocol 1 that
 * answers echo requests) and the ping application that measures round
 * trips with it; the command line's default job runs ping over an example
 * topology. The TCP workloads join this header when the TCP module lands.
 */
#ifndef TCPSIM_EXP_H
#define TCPSIM_EXP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/sim.h"

/* ====================================================================== */
/* ICMP echo and ping                                                      */
/* ====================================================================== */

struct exp_icmp; /* opaque: the ICMP module of one world */

/* Register ICMP (protocol 1) with w; every host then answers echo
 * requests. NULL when out of memory or when protocol 1 is taken. Free with
 * exp_icmp_free after sim_world_free's callers are done with it (the world
 * must be freed first or together: free the world, then the module). */
struct exp_icmp *exp_icmp_install(struct sim_world *w);
void exp_icmp_free(struct exp_icmp *m);

/* One ping: `count` echo requests from node src to address dst, the first
 * at start_ns, then every interval_ns; each request is size_bytes of ICMP
 * payload. count 0 means until the run ends. */
struct exp_ping_cfg {
  uint32_t src_node;
  uint32_t dst_addr;
  int64_t start_ns;
  int64_t interval_ns;
  uint32_t count;
  uint32_t size_bytes;
};

struct exp_ping_stats {
  uint64_t sent;       /* requests handed to IP (including ones IP dropped) */
  uint64_t received;   /* first reply for a sequence number */
  uint64_t duplicates; /* further replies for a sequence already answered */
  int64_t rtt_min_ns;  /* over first replies; 0 when none */
  int64_t rtt_max_ns;
  int64_t rtt_sum_ns;
};

/* Start a ping; its id (0, 1, 2...) goes to *id_out. */
int exp_ping_start(struct exp_icmp *m, const struct exp_ping_cfg *cfg,
                   uint32_t *id_out);
int exp_ping_stats(const struct exp_icmp *m, uint32_t id,
                   struct exp_ping_stats *out);
uint32_t exp_ping_count(const struct exp_icmp *m);
/* Requests answered by hosts (echo replies sent), over the whole world. */
uint64_t exp_icmp_replies_sent(const struct exp_icmp *m);

/* ====================================================================== */
/* Experiment files                                                        */
/* ====================================================================== */

/*
 * An experiment file (.ini) describes a whole run: [run] (topology, seed,
 * duration, profile, trace, db, pcap), [tcp] and [tcp.GROUP] (TCP settings,
 * global and per host group), [workload.NAME], [fault.NAME] and [sweep].
 * `tcpsim list` prints every key; the parser and that listing share one
 * table (experiments/exp_int.h describes it and the resolved layout).
 * Errors are one line, "file:line: message" ("--set KEY=VALUE: message"
 * for command-line overrides).
 */
#define EXP_ERRORS(X)                                                        \
  X(OK, 0, "success")                                                        \
  X(EINVAL, -1, "bad experiment")                                            \
  X(ENOMEM, -2, "out of memory")                                             \
  X(EIO, -3, "cannot read file")

enum exp_error {
#define EXP_ERR_ENUM(name, code, msg) EXP_##name = (code),
  EXP_ERRORS(EXP_ERR_ENUM)
#undef EXP_ERR_ENUM
};
const char *exp_strerror(int code);

enum exp_trace {
  EXP_TRACE_RUN, EXP_TRACE_SUMMARY, EXP_TRACE_TRANSITIONS, EXP_TRACE_SEGMENTS
};
enum exp_workload_type { EXP_WORKLOAD_SERVER, EXP_WORKLOAD_CLIENT, EXP_WORKLOAD_SYN_FLOOD };
enum exp_fault_action {
  EXP_FAULT_CRASH, EXP_FAULT_REBOOT, EXP_FAULT_KILL, EXP_FAULT_LINK_DOWN,
  EXP_FAULT_LINK_UP, EXP_FAULT_SET_LINK
};

struct exp_config; /* opaque: a parsed and resolved experiment */

/* Parse the file at path, apply the overrides sets[0..nsets) (each
 * "section.key=value", applied after the file with the same checks) and
 * resolve. On EXP_EINVAL/EXP_EIO a one-line message goes to err. */
int exp_config_load(const char *path, const char *const *sets, size_t nsets,
                    struct exp_config **out, char *err, size_t errcap);
/* The same from text: name is used in messages, dir is where a relative
 * topology path starts. */
int exp_config_parse_string(const char *name, const char *dir,
                            const char *text, const char *const *sets,
                            size_t nsets, struct exp_config **out, char *err,
                            size_t errcap);
void exp_config_free(struct exp_config *c);

/* The resolved configuration as canonical INI text: every [run] key, every
 * [tcp] setting, defaults filled in, the topology as an absolute path.
 * Parsing the text again gives the same text. */
int exp_config_print(const struct exp_config *c, FILE *f);

uint64_t exp_config_seed(const struct exp_config *c);
int64_t exp_config_duration_ns(const struct exp_config *c);
const char *exp_config_topology(const struct exp_config *c);
const char *exp_config_db(const struct exp_config *c);
const char *exp_config_pcap(const struct exp_config *c); /* "" when off */
enum exp_trace exp_config_trace(const struct exp_config *c);

/* The same as one malloc'd string (free it); NULL when out of memory. */
char *exp_config_text(const struct exp_config *c);

/* The runs of c's [sweep]: the cartesian product of its value lists (the
 * first key varies slowest, as nested loops in file order), each point
 * `replications` times with seeds seed, seed+1, ... (innermost). Without a
 * [sweep], one config. The configs have no [sweep]; free with
 * exp_sweep_free. */
int exp_sweep_expand(const struct exp_config *c, struct exp_config ***out,
                     size_t *n, char *err, size_t errcap);
void exp_sweep_free(struct exp_config **v, size_t n);

/* `tcpsim list`: every section and key with its type, default and help. */
void exp_config_list(FILE *f);

/* ====================================================================== */
/* Running an experiment                                                   */
/* ====================================================================== */

/* What exp_run did. status is "done", "interrupted" or "failed" (static
 * text); run_id is -1 when no runs row was made; digest is the result
 * digest of the recorded rows ("" unless done or interrupted). */
struct exp_run_result {
  int64_t run_id;
  const char *status;
  char digest[17];
  uint64_t events;
  int64_t wall_ns;
  uint64_t conns_completed; /* client connections completed, all clients */
  uint64_t conns_failed;    /* client connections given up */
  int exit_code;            /* as returned */
};

/* `tcpsim emu`: the run follows the wall clock (emu/emu.h) and every
 * `tun` node of the topology is bound to a TUN device. */
struct exp_emu_opts {
  const char *const *tun; /* "NODE=IFNAME" each; a tun node not named here
                             opens the device called as the node */
  size_t ntun;
  int64_t late_ns;        /* lag reported as behind real time; 0: default */
};

/* How exp_run runs: all zero is the plain `tcpsim run FILE`. */
struct exp_run_opts {
  const char *db;      /* results database; NULL: run.db */
  const char *pcap;    /* pcap directory; NULL: run.pcap; "" off */
  bool pcap_per_run;   /* files in PCAP/run-<id>/ (sweeps: one per run) */
  bool progress;       /* a progress line on stderr */
  bool quiet;          /* no summary on stdout */
  bool brief;          /* the summary without database path and queries */
  int64_t run_id;      /* 0: the next free id; else this (free) id */
  const struct exp_emu_opts *emu; /* NULL: simulated time, as fast as it
                                     goes; else emulation (above) */
};

/* Run one experiment (a config without [sweep], or one point of
 * exp_sweep_expand) into its results database: build the topology, install
 * TCP, record at the configured trace level, start the workloads, schedule
 * the faults, run to the duration, end the run, print a summary on stdout.
 * SIGINT during the run stops it (status 'interrupted'). Errors go to
 * stderr. Returns 0 (done), 1 (failed or interrupted), 2 (bad input:
 * topology, database path); *out (may be NULL) is filled in every case.
 * opts may be NULL. */
int exp_run(const struct exp_config *cfg, const struct exp_run_opts *opts,
            struct exp_run_result *out);

/* The runs of a sweep (exp_sweep_expand's points) into one database, with
 * up to jobs worker processes (jobs 1: one after another in this process).
 * With several workers each run is written by its process to a private
 * file and merged into the database when it ends; run ids are given out
 * in sweep order before any run starts, so the database is the same for
 * any jobs (wall times aside). Runs never started because of Ctrl-C or a
 * bad-input failure are marked 'interrupted'. Returns the worst exit
 * status of the runs (2 > 1 > 0). */
int exp_sweep_run(struct exp_config *const *points, size_t n,
                  const struct exp_run_opts *opts, unsigned jobs,
                  bool progress);

/* ====================================================================== */
/* Command line                                                            */
/* ====================================================================== */

/* Entry point of the `tcpsim` executable: returns the exit status (0 ok,
 * 1 failed run, 2 bad input). */
int exp_cli_main(int argc, char **argv);

#endif /* TCPSIM_EXP_H */
