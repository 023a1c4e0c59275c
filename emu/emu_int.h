/*
 * emu_int.h - private data of the emulation loop (emu/loop.c, emu/tun.c).
 *
 * Do not use in application code: the contract is emu/emu.h.
 *
 *   E1. origin_ns is fixed by the first emu_loop_run: the wall-clock
 *       (CLOCK_MONOTONIC) instant of simulated time 0, so simulated time t
 *       is due at origin_ns + t. Simulated time never runs ahead of the
 *       wall clock: sim_run is only called up to min(wall - origin, until).
 *   E2. sentinel is pending at the `until` of the current run while the
 *       run lasts, so that sim_run moves the clock to its argument (sim.h:
 *       a dry queue leaves the clock where it was) and a packet read from a
 *       device enters at the wall-clock time it was read.
 *   E3. dev[0..ndev) each own an open descriptor, a read event and a node
 *       whose device hook points at the entry; nothing else is bound.
 *   E4. Packets read from a device are injected only between sim_run
 *       calls (from a libevent callback), never from inside one.
 */
#ifndef TCPSIM_EMU_INT_H
#define TCPSIM_EMU_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/emu.h"

struct event_base;
struct event;

/* Largest IPv4 datagram: one read buffer per loop. */
#define EMU__FRAME_MAX 65535
/* Packets read per readiness callback, so a flooding kernel cannot starve
 * the simulator's timers. */
#define EMU__READ_BURST 64
/* Longest sleep, so that sim_stop (Ctrl-C) is seen promptly. */
#define EMU__MAX_SLEEP_NS (100 * SIM_MS)

struct emu__dev {
  struct emu_loop *loop;
  struct event *rd;
  int fd;
  uint32_t node;
  char name[16];
};

struct emu_loop {
  struct sim_world *w;
  struct event_base *base;
  struct event *timer;          /* wakes the loop at the next event */
  struct sim_event sentinel;    /* E2 */
  int64_t origin_ns;            /* E1 */
  bool started;
  bool stopped;                 /* a catch-up from a device callback met
                                   sim_stop: the run ends at the next pass */
  int64_t until_ns;             /* of the current run */
  struct emu_stats st;
  struct emu__dev dev[EMU_MAX_DEVICES];
  int ndev;
  uint8_t buf[EMU__FRAME_MAX];   /* read from a device */
  uint8_t txbuf[EMU__FRAME_MAX]; /* encoded for a device */
};

/* loop.c: run the world up to the wall clock (capped at until), counting
 * lateness. SIM_OK or SIM_ESTOPPED. */
int emu__catch_up(struct emu_loop *l);
/* tun.c: read what the device has, inject it (E4). */
void emu__dev_readable(struct emu__dev *d);
/* tun.c: the node's device hook. */
void emu__dev_rx(void *ctx, struct sim_world *w, uint32_t node,
                 struct sim_packet *p);

#endif /* TCPSIM_EMU_INT_H */
