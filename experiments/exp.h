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
/* Command line                                                            */
/* ====================================================================== */

/* Entry point of the `tcpsim` executable: returns the exit status (0 ok,
 * 1 failed run, 2 bad input). */
int exp_cli_main(int argc, char **argv);

#endif /* TCPSIM_EXP_H */
