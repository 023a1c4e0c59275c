/*
 * timeline.h - the socket calls of an experiment's [action.NAME] sections,
 * run at their times (internal to experiments/; prefix exp__timeline).
 *
 * Together with the [fault.NAME] sections (crash, reboot, kill, link
 * down/up, scheduled by runner.c) they make an experiment's timeline, so
 * that a scenario can be written as a textbook figure: "at 0 the server
 * listens, at 100 ms the client connects, at 500 ms both close".
 *
 * Each action is one call: listen, connect, send, shutdown, close or
 * abort, on the host it names. The sockets belong to one process of their
 * own per host (EXP_TIMELINE_OWNER), so kill faults, which kill the
 * workloads' processes, leave them alone. Connections a listener gets are
 * accepted at once and everything they receive is read and discarded
 * (counted); nothing is closed unless an action says so, so a connection
 * whose peer closed stays in CLOSE_WAIT until its own close.
 *
 * Every call and its outcome goes to the application-event hook (the
 * results database's app_events through exp_wl_hook_recorder): what is
 * the call ("listen", "connect", "send", "shutdown", "close", "abort"),
 * detail is "REF: ok" or "REF: ERRNAME" where REF is the socket as the
 * file names it (NAME, or NAME#k for the k-th connection accepted by the
 * listen NAME). What happens later is reported the same way: "accept",
 * "established", "peer_closed" (detail REF) and "closed" (detail
 * "REF: ok" or "REF: ERRNAME"). A call on a socket that does not exist
 * yet (NAME#3 with two accepted) fails with ENOTCONN; on one the timeline
 * already released (closed or aborted, or whose creation failed), with
 * EBADF, without reaching the TCP module.
 *
 * Lifetime: start after the topology, the TCP module and the recorder
 * exist (rec may be NULL: no rows); free before the world and the TCP
 * module are freed, as the workloads are (experiments/workload.h): free
 * cancels the calls still due and aborts the connections still held, so
 * that nothing reaches freed memory afterwards.
 */
#ifndef TCPSIM_EXP_TIMELINE_H
#define TCPSIM_EXP_TIMELINE_H

#include <stdint.h>

#include "experiments/exp_int.h"
#include "results/results.h"
#include "sim/sim.h"
#include "tcp/tcp.h"

/* Process id of the timeline's sockets (for tcp_kill_process): far from
 * the workloads' ids, which are 1, 2, ... in file order. */
#define EXP_TIMELINE_OWNER UINT32_C(0x7fff0000)

struct exp_timeline; /* opaque */

struct exp_timeline_stats {
  uint64_t calls;        /* actions run */
  uint64_t ok;           /* ... that succeeded */
  uint64_t failed;       /* ... that returned an error */
  uint64_t accepted;     /* connections accepted by the listeners */
  uint64_t established;  /* connects that completed */
  uint64_t conn_errors;  /* connections that ended with an error */
  uint64_t bytes_read;   /* received (and discarded) */
};

/* Schedule every action of cfg (cfg->actions, in file order so that calls
 * at the same instant run in file order) on w. cfg must outlive the
 * timeline. TCP_EINVAL when an action's host is not a host of w or its
 * time is already past, TCP_ENOMEM; nothing stays scheduled on failure. */
int exp__timeline_start(const struct exp_config *cfg, struct sim_world *w,
                        struct tcp_module *m, struct res_recorder *rec,
                        struct exp_timeline **out);
void exp__timeline_stats(const struct exp_timeline *tl,
                         struct exp_timeline_stats *out);
/* NULL is fine. */
void exp__timeline_free(struct exp_timeline *tl);

#endif /* TCPSIM_EXP_TIMELINE_H */
