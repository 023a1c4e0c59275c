/*
 * syncookie.c - SYN cookies (RFC 4987 3.6) as Linux makes them
 * (net/ipv4/syncookies.c), and the keyed hash of the SYN cache buckets.
 *
 * A cookie is the ISN of a SYN-ACK for which the listener keeps nothing.
 * It is built from three parts, all modulo 2^32:
 *
 *   H(0) + irs + (count << 24) + ((H(count) + mssind) mod 2^24)
 *
 * where irs is the peer's ISN, count the 60 s counter
 * (TCP__COOKIE_PERIOD_NS), mssind the index of the peer's MSS in a table
 * of four values (Linux msstab: 536, 1300, 1440, 1460), and H a keyed
 * hash of the 4-tuple (with the counter for the second one). The ACK that
 * completes the handshake carries cookie + 1 and irs + 1: subtracting H(0)
 * and irs leaves the counter in the top 8 bits, which must be less than
 * TCP__COOKIE_MAX_AGE periods old; subtracting H(count) then leaves the
 * index, which must be in the table. A forged ACK passes with probability
 * about 4 / 2^24 per guess.
 *
 * H is SipHash-2-4 (tcp__siphash24 in isn.c, the hash Linux uses here
 * too) under the listener's 128-bit secret, over a domain byte, the
 * counter and the 4-tuple; the domain byte separates the two cookie
 * hashes and the SYN cache's bucket hash under one key (Linux keeps two
 * keys for the cookie; one key with a domain byte is as good for a
 * simulation and halves the listener's secret).
 *
 * Everything here is pure: the listener's use of it (when cookies are
 * sent, when an ACK is checked, what the new connection gets) is in
 * listen.c; the invariants are axiom L6 in tcp/tcp_int.h.
 */
#include "tcp/tcp_int.h"

#define COOKIE_BITS 24
#define COOKIE_MASK ((UINT32_C(1) << COOKIE_BITS) - 1)

/* Linux msstab: 536 and the three values most often announced (Alcock
 * and Nelson, 2011); sorted. */
const uint16_t tcp__cookie_msstab[TCP__COOKIE_MSS_N] = {536, 1300, 1440,
                                                         1460};

static uint32_t keyed(const uint64_t key[2], uint8_t domain, uint32_t count,
                      const struct tcp__cookie_tuple *t)
{
  uint8_t m[17] = {domain,
                   (uint8_t)(count >> 24),    (uint8_t)(count >> 16),
                   (uint8_t)(count >> 8),     (uint8_t)count,
                   (uint8_t)(t->laddr >> 24), (uint8_t)(t->laddr >> 16),
                   (uint8_t)(t->laddr >> 8),  (uint8_t)t->laddr,
                   (uint8_t)(t->raddr >> 24), (uint8_t)(t->raddr >> 16),
                   (uint8_t)(t->raddr >> 8),  (uint8_t)t->raddr,
                   (uint8_t)(t->lport >> 8),  (uint8_t)t->lport,
                   (uint8_t)(t->rport >> 8),  (uint8_t)t->rport};
  return (uint32_t)tcp__siphash24(key, m, sizeof m);
}

static uint32_t counter(int64_t now_ns)
{
  return (uint32_t)((uint64_t)now_ns / (uint64_t)TCP__COOKIE_PERIOD_NS);
}

uint32_t tcp__cookie_make(const uint64_t key[2],
                          const struct tcp__cookie_tuple *t, uint32_t irs,
                          uint16_t peer_mss, int64_t now_ns,
                          uint16_t *mss_out)
{
  /* The largest table value the peer can take; 536 below all of them
   * (Linux __cookie_v4_init_sequence rounds down the same way). */
  uint32_t idx = TCP__COOKIE_MSS_N - 1;
  while (idx > 0 && peer_mss < tcp__cookie_msstab[idx])
    idx--;
  if (mss_out)
    *mss_out = tcp__cookie_msstab[idx];
  uint32_t count = counter(now_ns);
  return keyed(key, 0, 0, t) + irs + (count << COOKIE_BITS) +
         ((keyed(key, 1, count, t) + idx) & COOKIE_MASK);
}

uint16_t tcp__cookie_check(const uint64_t key[2],
                           const struct tcp__cookie_tuple *t, uint32_t irs,
                           uint32_t cookie, int64_t now_ns)
{
  uint32_t count = counter(now_ns);
  uint32_t c = cookie - (keyed(key, 0, 0, t) + irs);
  /* the counter as it was when the cookie was made, modulo 2^8 */
  uint32_t diff = (count - (c >> COOKIE_BITS)) & (UINT32_MAX >> COOKIE_BITS);
  if (diff >= TCP__COOKIE_MAX_AGE)
    return 0;
  uint32_t idx = (c - keyed(key, 1, count - diff, t)) & COOKIE_MASK;
  return idx < TCP__COOKIE_MSS_N ? tcp__cookie_msstab[idx] : 0;
}

uint32_t tcp__cookie_ts(uint32_t ts_now, bool wscale_ok, uint8_t wscale,
                        bool sack_ok)
{
  uint32_t opts = wscale_ok ? (uint32_t)(wscale & 0xfu)
                            : TCP__COOKIE_TS_WSCALE_NONE;
  if (sack_ok)
    opts |= TCP__COOKIE_TS_SACK;
  uint32_t ts = (ts_now >> TCP__COOKIE_TS_BITS) << TCP__COOKIE_TS_BITS | opts;
  /* Later timestamps come from the clock itself, so this one must not be
   * ahead of it (Linux: "initial timestamp is <= tcp_time_stamp"). */
  if (ts > ts_now && ts >= (1u << TCP__COOKIE_TS_BITS))
    ts -= 1u << TCP__COOKIE_TS_BITS;
  return ts;
}

uint32_t tcp__syncache_hash(const uint64_t key[2],
                            const struct tcp__cookie_tuple *t)
{
  return keyed(key, 2, 0, t);
}
