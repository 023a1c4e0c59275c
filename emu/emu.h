/*
 * emu.h - public API of the emulation mode: a real-time run loop and TUN
 * devices that join a simulated network to the Linux stack.
 *
 * In emulation, simulated time follows the wall clock: the loop (libevent)
 * sleeps until the wall-clock instant of the next simulator event, runs
 * sim_run up to "now", and wakes early when a device has a packet. A TUN
 * device (IFF_TUN | IFF_NO_PI) is bound to a node of the simulated network:
 * IPv4 packets the kernel writes into it are validated (emu_ipv4_check,
 * then sim_packet_decode with the protocol module's checksum), counted and
 * dropped when malformed, and otherwise sent from that node into the
 * network; packets the network delivers to the node (to its address, or
 * to any address of a block it owns, sim_node_add_prefix: a tun node's
 * `prefix`) are encoded (sim_packet_encode) and written to the device.
 *
 * emu/ depends on sim/ and libevent only: it knows IPv4, and leaves the
 * transport header to the module registered for the protocol. The loop's
 * data and its rules are in emu/emu_int.h.
 *
 * Conventions as in sim/sim.h: times in nanoseconds, functions return
 * SIM_OK or a negative SIM_E* code.
 */
#ifndef TCPSIM_EMU_H
#define TCPSIM_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/sim.h"

/* An event that runs this much later than its wall-clock instant counts
 * as "behind real time" unless emu_loop_set_late_ns says otherwise. */
#define EMU_LATE_DEFAULT_NS (10 * SIM_MS)

/* Most TUN devices one loop serves. */
#define EMU_MAX_DEVICES 8

struct emu_loop; /* opaque */

/* What a loop did. Lags are measured when an event runs: wall-clock time
 * (as simulated time) minus the event's time. */
struct emu_stats {
  uint64_t behind;          /* events that ran more than late_ns late */
  int64_t worst_lag_ns;     /* largest lag of any event */
  int64_t late_ns;          /* the threshold used */
  uint64_t wakeups;         /* passes of the loop */
  /* devices, summed */
  uint64_t rx_packets;      /* read from the kernel, valid, sent on */
  uint64_t rx_bytes;
  uint64_t rx_malformed;    /* failed validation: dropped */
  uint64_t rx_not_ipv4;     /* IPv6 and others (router solicitations...) */
  uint64_t rx_no_proto;     /* valid IPv4 of a protocol nobody decodes */
  uint64_t rx_dropped;      /* valid but refused by the node (no route...) */
  uint64_t tx_packets;      /* written to the kernel */
  uint64_t tx_bytes;
  uint64_t tx_errors;       /* could not encode or write: dropped */
};

/* A loop for w (which it does not own); NULL when out of memory or when
 * libevent cannot make a base. */
struct emu_loop *emu_loop_new(struct sim_world *w);
/* Unbinds the devices from their nodes and closes their descriptors. */
void emu_loop_free(struct emu_loop *l);
void emu_loop_set_late_ns(struct emu_loop *l, int64_t late_ns);

/*
 * Open the TUN device ifname (created if missing, in the caller's network
 * namespace) as IFF_TUN | IFF_NO_PI, non-blocking. The kernel's name goes
 * to name_out (at least 16 bytes). Returns SIM_OK, or SIM_EINVAL for a bad
 * name, or SIM_ENOENT when /dev/net/tun cannot be opened or the device
 * refused (errno says why; err, when not NULL, gets a one-line message).
 */
int emu_tun_open(const char *ifname, int *fd_out, char *name_out,
                 char *err, size_t errcap);
/* Bind an open device descriptor (the loop then owns it) to node: see the
 * file comment. SIM_ENOSPC past EMU_MAX_DEVICES. */
int emu_loop_add_device(struct emu_loop *l, uint32_t node, int fd,
                        const char *name);

/*
 * Run the world in real time up to simulated time until_ns: the loop keeps
 * one event of its own pending at until_ns, so the clock follows the wall
 * clock even while the queue is otherwise empty. The first call fixes the
 * wall-clock instant of the current simulated time; later calls go on
 * from it. Returns SIM_OK at until_ns, SIM_ESTOPPED after sim_stop (the
 * loop checks at least every 100 ms), SIM_ENOMEM if libevent fails.
 */
int emu_loop_run(struct emu_loop *l, int64_t until_ns);

void emu_loop_stats(const struct emu_loop *l, struct emu_stats *out);
/* "kept up with real time" or "fell behind real time: N events more than
 * X ms late, worst Y ms", then the device counters, on f. */
void emu_print_report(const struct emu_loop *l, FILE *f);

/*
 * The checks a packet read from outside gets before sim_packet_decode:
 * version 4 (SIM_ENOPROTO otherwise: not an error of the sender), header
 * length at least 20 and within the total length, total length equal to
 * the bytes read (a TUN frame carries exactly one datagram), the header
 * checksum, the options (RFC 791 3.1: EOL, NOP, or type-length-value with
 * 2 <= length <= what is left), no fragment, and a non-zero source and
 * destination. SIM_OK or SIM_EMALFORMED.
 */
int emu_ipv4_check(const uint8_t *buf, size_t len);

#endif /* TCPSIM_EMU_H */
