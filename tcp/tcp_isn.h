/*
 * tcp_isn.h - initial sequence numbers (internal to tcp/ and its tests).
 *
 * Each host keeps one struct tcp__isn. The generator is chosen per host by
 * tcp_settings.isn (tcp/tcp.h); the five of them, and where each comes
 * from, are described at the top of tcp/isn.c. The state is small on
 * purpose: every generator is computed lazily from the current time, so
 * nothing ticks while no connection opens.
 *
 * Axioms:
 *   I1  tcp__isn_boot runs before the first tcp__isn_next of a host, at
 *       the start of the run (now 0) and again at every boot; the state
 *       it leaves depends only on (settings, now, the random stream).
 *   I2  clock_origin_ns <= now for every later call: the 4 us clock never
 *       runs backwards within one boot.
 *   I3  For the CLOCK and RFC6528 generators, two calls for the same
 *       4-tuple within one boot give values whose difference is the
 *       number of 4 us ticks between them, modulo 2^32.
 *   I4  BSD: the value handed out is 1 + 64000 * (half seconds since the
 *       boot) + 64000 * (connections since the boot), modulo 2^32.
 */
#ifndef TCPSIM_TCP_ISN_H
#define TCPSIM_TCP_ISN_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/tcp.h"

/* One tick of the RFC 793 ISN clock (RFC 793 3.3, RFC 9293 3.4.1: the
 * low-order bit is incremented "roughly every 4 microseconds"). */
#define TCP__ISN_TICK_NS ((int64_t)4000)
/* 4.4BSD TCP_ISSINCR / 2: added per connection and per 500 ms slow
 * timeout (TCP_ISSINCR is 125 * 1024 per second). */
#define TCP__BSD_ISS_STEP 64000u
#define TCP__BSD_SLOW_NS (500 * SIM_MS)

struct tcp__isn {            /* per host; small */
  int64_t clock_origin_ns;   /* where the 4 us clock counts from */
  uint64_t key[2];           /* RFC 6528 secret, new at every boot */
  uint32_t bsd_base;         /* BSD: tcp_iss at the last boot */
  uint32_t bsd_conns;        /* connections since then */
  int64_t bsd_boot_ns;
};

/* At run start (now 0) and at every boot: restart or keep the clock as
 * s->isn_clock_restarts says, draw a new RFC 6528 key from rng, reset the
 * BSD counter. */
void tcp__isn_boot(struct tcp__isn *st, const struct tcp_settings *s,
                   int64_t now_ns, struct sim_rng *rng);
/* The ISN for a new connection (active or passive) with this 4-tuple, by
 * the generator s->isn. Counts a connection for the BSD generator; draws
 * from rng only for the random one. */
uint32_t tcp__isn_next(struct tcp__isn *st, const struct tcp_settings *s,
                       int64_t now_ns, uint32_t laddr, uint16_t lport,
                       uint32_t raddr, uint16_t rport, struct sim_rng *rng);

/* The 4 us clock alone: (now - origin) / 4 us modulo 2^32. */
uint32_t tcp__isn_clock(const struct tcp__isn *st, int64_t now_ns);

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of len bytes under the
 * 128-bit key k0 = key[0], k1 = key[1] (each the little-endian reading of
 * 8 key bytes, as in the paper). */
uint64_t tcp__siphash24(const uint64_t key[2], const uint8_t *msg, size_t len);

#endif /* TCPSIM_TCP_ISN_H */
