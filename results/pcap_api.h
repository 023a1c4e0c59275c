/*
 * pcap_api.h - the pcap part of the results module's public API (included
 * by results/results.h; it also compiles on its own).
 *
 * A pcap writer is an observer of a world: it subscribes to the core's
 * trace hooks (sim_trace_subscribe) and writes every packet it sees as a
 * real IPv4 datagram (sim_packet_encode: IPv4 header and the transport's
 * wire header with checksums and options, payload as zeros), through
 * libpcap, with nanosecond timestamps taken from simulated time. The
 * files are LINKTYPE_IPV4: there is no link layer in the simulator, so
 * none is invented.
 *
 * Two scopes:
 *   RES_PCAP_HOSTS  one file per host, DIR/<host>.pcap: what the host sends
 *                   (as it enters its link, including packets the link then
 *                   loses, as tcpdump on the sender would see them) and what
 *                   it receives (as it is handed to its transport);
 *   RES_PCAP_LINKS  one file per link, DIR/link-<id>-<a>-<b>.pcap: every
 *                   packet entering the link, in both directions (lost ones
 *                   included: they entered it).
 * Node names are written into file names with every character outside
 * [A-Za-z0-9._-] replaced by '_'.
 *
 * The selector limits the files: NULL or "" means all hosts (or all
 * links), otherwise a comma-separated list of node names. In host scope
 * each name must be a host; in link scope a link is written when either
 * of its ends is named (routers may be named). A run with a hundred
 * thousand hosts must not open a hundred thousand files, so more than
 * RES_PCAP_MAX_FILES files is refused with a message suggesting a
 * selector, before any file is created.
 *
 * Nodes and links added after res_pcap_open are not captured.
 *
 * Errors. Functions return 0 or a negative code: a SIM_E* code of sim.h
 * (SIM_EINVAL: bad argument, selector or too many files; SIM_ENOENT: the
 * selector names no such node; SIM_ENOMEM), or RES_PCAP_EFILE for a
 * file-system error. err (errcap bytes, may be NULL) then holds one line
 * naming the path and the cause. A write error during the run (disk full)
 * never stops the simulation: the file stops being written, the first
 * such error is kept (res_pcap_error) and res_pcap_close reports it.
 */
#ifndef TCPSIM_RESULTS_PCAP_API_H
#define TCPSIM_RESULTS_PCAP_API_H

#include <stddef.h>

#include "sim/sim.h"

/* Outside the SIM_E* range, so sim_strerror never claims it. */
#define RES_PCAP_EFILE (-100)

/* Files one writer may hold open at once. */
#define RES_PCAP_MAX_FILES 1024

enum res_pcap_scope { RES_PCAP_HOSTS, RES_PCAP_LINKS };

struct res_pcap; /* opaque */

/*
 * Create DIR if it is missing (its parent must exist), open one pcap file
 * per selected host or link and subscribe to w's trace hooks. On success
 * *out is the writer; on failure *out is NULL, no file stays open, and
 * files already created are left (empty but valid) in DIR.
 *   w         the world, with its nodes and links already built
 *   dir       directory for the files
 *   scope     RES_PCAP_HOSTS or RES_PCAP_LINKS
 *   selector  NULL/"" for all, else "name[,name...]" (see above)
 *   out       receives the writer
 *   err       message buffer (may be NULL), errcap bytes
 */
int res_pcap_open(struct sim_world *w, const char *dir,
                  enum res_pcap_scope scope, const char *selector,
                  struct res_pcap **out, char *err, size_t errcap);

/* Number of files the writer holds. */
size_t res_pcap_file_count(const struct res_pcap *p);

/* The first write error so far ("DIR/a.pcap: No space left on device"),
 * or NULL. */
const char *res_pcap_error(const struct res_pcap *p);

/*
 * Flush and close every file and free the writer; p may be NULL. Returns 0,
 * or RES_PCAP_EFILE with the first error (during the run or while
 * flushing) in err.
 *
 * Precondition: the world never runs or sends again after this call (call
 * it after the last sim_run, before or after sim_world_free). The core has
 * no way to unsubscribe, so a later packet would reach a freed writer.
 */
int res_pcap_close(struct res_pcap *p, char *err, size_t errcap);

#endif /* TCPSIM_RESULTS_PCAP_API_H */
