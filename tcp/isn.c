/*
 * isn.c - initial sequence number generators, one per tcp_isn_kind.
 *
 *   CLOCK     RFC 793 3.3 (RFC 9293 3.4.1): a 32-bit counter whose low bit
 *             ticks every 4 us, so it wraps every 4.77 hours. The clock
 *             either runs on through crashes (origin 0, the start of the
 *             run) or restarts at every boot (origin = boot time), as
 *             isn_clock_restarts says; the second case is what quiet time
 *             exists for.
 *   RFC6528   RFC 6528 3: ISN = M + F(localip, localport, remoteip,
 *             remoteport, secretkey), M the 4 us clock above and F a keyed
 *             hash. F is SipHash-2-4 truncated to its low 32 bits, the hash
 *             Linux uses in secure_tcp_seq; the key is drawn anew at every
 *             boot, as a rebooted Linux host does. One 4-tuple thus sees
 *             the clock's pace; different tuples see unrelated offsets.
 *             (Linux ticks every 64 ns instead of 4 us; the RFC's clock is
 *             kept here so that both generators share one pace.)
 *   RANDOM    32 uniform bits per connection, from the host's stream.
 *   BSD       4.4BSD (tcp_subr.c, tcp_timer.c, tcp_usrreq.c; Stevens vol. 2
 *             ch. 24-25, vol. 1 18.6): tcp_iss is set to 1 at boot, grows
 *             by TCP_ISSINCR/2 = 64000 on every 500 ms slow timeout and by
 *             the same amount each time a connection takes its value.
 *             Computed lazily from the time since boot and a count.
 *   CONSTANT  s->isn_constant for every connection (ns-3 uses 0): makes
 *             old-duplicate experiments show what ISN choice prevents.
 *
 * The invariants are axioms I1-I4 in tcp/tcp_isn.h.
 */
#include <assert.h>

#include "tcp/tcp_isn.h"

/* ====================================================================== */
/* SipHash-2-4                                                             */
/* ====================================================================== */

/* Written from the algorithm description in Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF" (INDOCRYPT 2012), section 2. */

static uint64_t rotl64(uint64_t x, unsigned b)
{
  return (x << b) | (x >> (64 - b));
}

struct sip {
  uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
  s->v0 += s->v1;
  s->v1 = rotl64(s->v1, 13);
  s->v1 ^= s->v0;
  s->v0 = rotl64(s->v0, 32);
  s->v2 += s->v3;
  s->v3 = rotl64(s->v3, 16);
  s->v3 ^= s->v2;
  s->v0 += s->v3;
  s->v3 = rotl64(s->v3, 21);
  s->v3 ^= s->v0;
  s->v2 += s->v1;
  s->v1 = rotl64(s->v1, 17);
  s->v1 ^= s->v2;
  s->v2 = rotl64(s->v2, 32);
}

/* c = 2 compression rounds per message word. */
static void sip_absorb(struct sip *s, uint64_t m)
{
  s->v3 ^= m;
  sip_round(s);
  sip_round(s);
  s->v0 ^= m;
}

static uint64_t load_le64(const uint8_t *p, size_t n)
{
  uint64_t m = 0;
  for (size_t i = 0; i < n; i++)
    m |= (uint64_t)p[i] << (8 * i);
  return m;
}

uint64_t tcp__siphash24(const uint64_t key[2], const uint8_t *msg, size_t len)
{
  /* The initial constants spell "somepseudorandomlygeneratedbytes". */
  struct sip s = {key[0] ^ UINT64_C(0x736f6d6570736575),
                  key[1] ^ UINT64_C(0x646f72616e646f6d),
                  key[0] ^ UINT64_C(0x6c7967656e657261),
                  key[1] ^ UINT64_C(0x7465646279746573)};
  size_t whole = len - len % 8;
  for (size_t i = 0; i < whole; i += 8)
    sip_absorb(&s, load_le64(msg + i, 8));
  /* The last word holds the remaining bytes and, in its top byte, the
   * message length modulo 256. */
  sip_absorb(&s, load_le64(msg + whole, len % 8) | (uint64_t)(len & 0xff) << 56);
  /* d = 4 finalisation rounds. */
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; i++)
    sip_round(&s);
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* ====================================================================== */
/* Generators                                                              */
/* ====================================================================== */

void tcp__isn_boot(struct tcp__isn *st, const struct tcp_settings *s,
                   int64_t now_ns, struct sim_rng *rng)
{
  st->clock_origin_ns = s->isn_clock_restarts ? now_ns : 0;
  /* The key is drawn whatever the generator, so that the host's stream is
   * consumed the same way at every boot and switching generators between
   * runs does not shift other draws. */
  st->key[0] = sim_rng_u64(rng);
  st->key[1] = sim_rng_u64(rng);
  /* 4.4BSD tcp_init() sets tcp_iss to 1 (its own comment calls that
   * "wrong"); nothing survives the reboot. */
  st->bsd_base = 1;
  st->bsd_conns = 0;
  st->bsd_boot_ns = now_ns;
}

uint32_t tcp__isn_clock(const struct tcp__isn *st, int64_t now_ns)
{
  assert(now_ns >= st->clock_origin_ns); /* I2 */
  uint64_t ticks = (uint64_t)(now_ns - st->clock_origin_ns) /
                   (uint64_t)TCP__ISN_TICK_NS;
  return (uint32_t)ticks;
}

/* F of RFC 6528 over the 4-tuple in network byte order, local end first
 * (the order of secure_tcp_seq's saddr, daddr, sport, dport). */
static uint32_t rfc6528_offset(const struct tcp__isn *st, uint32_t laddr,
                               uint16_t lport, uint32_t raddr, uint16_t rport)
{
  uint8_t m[12] = {
      (uint8_t)(laddr >> 24), (uint8_t)(laddr >> 16), (uint8_t)(laddr >> 8),
      (uint8_t)laddr,         (uint8_t)(raddr >> 24), (uint8_t)(raddr >> 16),
      (uint8_t)(raddr >> 8),  (uint8_t)raddr,         (uint8_t)(lport >> 8),
      (uint8_t)lport,         (uint8_t)(rport >> 8),  (uint8_t)rport};
  return (uint32_t)tcp__siphash24(st->key, m, sizeof m);
}

uint32_t tcp__isn_next(struct tcp__isn *st, const struct tcp_settings *s,
                       int64_t now_ns, uint32_t laddr, uint16_t lport,
                       uint32_t raddr, uint16_t rport, struct sim_rng *rng)
{
  switch (s->isn) {
  case TCP_ISN_CLOCK:
    return tcp__isn_clock(st, now_ns);
  case TCP_ISN_RFC6528:
    return tcp__isn_clock(st, now_ns) +
           rfc6528_offset(st, laddr, lport, raddr, rport);
  case TCP_ISN_RANDOM:
    return (uint32_t)(sim_rng_u64(rng) >> 32);
  case TCP_ISN_BSD: {
    assert(now_ns >= st->bsd_boot_ns);
    /* Slow timeouts since boot, each worth 64000; then this connection
     * takes tcp_iss and moves it on by another 64000 (I4). */
    uint64_t slow = (uint64_t)(now_ns - st->bsd_boot_ns) /
                    (uint64_t)TCP__BSD_SLOW_NS;
    uint32_t iss = st->bsd_base + (uint32_t)(slow * TCP__BSD_ISS_STEP) +
                   st->bsd_conns * TCP__BSD_ISS_STEP;
    st->bsd_conns++;
    return iss;
  }
  case TCP_ISN_CONSTANT:
    return s->isn_constant;
  }
  return s->isn_constant; /* not a generator: settings.c never stores one */
}
