/*
 * codec.c - TCP headers on the wire: encoding for pcap and the emulation
 * bridge, decoding of segments that come from outside.
 *
 * Layout (RFC 9293 3.1): ports, sequence and acknowledgement numbers, data
 * offset, flags, window, checksum, urgent pointer, then options padded to a
 * 32-bit boundary. Options go out in the order Linux's tcp_options_write
 * uses, so a pcap of a simulated handshake reads like a capture of a real
 * one:
 *
 *   MSS (4)                           when has_mss
 *   SACK-permitted, timestamps (12)   when has_ts and sack_ok
 *   NOP, NOP, timestamps (12)         when has_ts only
 *   NOP, NOP, SACK-permitted (4)      when sack_ok only
 *   NOP, window scale (4)             when has_wscale
 *
 * A SYN with all four is 40 bytes of header; an ACK with timestamps 32.
 * Only the low six flag bits (FIN..URG) are modelled: ECE and CWR are
 * neither sent nor kept (RFC 3168 lets a host without ECN ignore them),
 * and the urgent pointer is always sent as zero.
 *
 * The decoder trusts nothing (axiom C3 in tcp/tcp_codec.h): each length
 * is checked against the bytes present before it is used.
 */
#include <string.h>

#include "tcp/tcp_codec.h"

_Static_assert(sizeof(struct tcp_hdr) <= SIM_L4_AREA,
               "the decoded header lives in the packet's transport area");

/* ====================================================================== */
/* Bytes and checksums                                                     */
/* ====================================================================== */

static void put16(uint8_t *b, uint32_t v)
{
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
  put16(b, v >> 16);
  put16(b + 2, v);
}

static uint16_t get16(const uint8_t *b)
{
  return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
  return (uint32_t)get16(b) << 16 | get16(b + 2);
}

/* RFC 9293 3.1: the pseudo-header is source, destination, zero, protocol
 * and the TCP length (header plus data). */
static uint64_t csum_pseudo(uint32_t src, uint32_t dst, size_t tcp_len)
{
  uint8_t ph[12];
  put32(ph, src);
  put32(ph + 4, dst);
  ph[8] = 0;
  ph[9] = TCP__IPPROTO;
  put16(ph + 10, (uint32_t)tcp_len);
  return sim_csum_add(0, ph, sizeof ph);
}

/* ====================================================================== */
/* Encoding                                                                */
/* ====================================================================== */

uint16_t tcp__hdr_wire_len(const struct tcp_hdr *h)
{
  uint16_t n = TCP__HDR_MIN;
  if (h->has_mss)
    n += 4;
  if (h->has_ts)
    n += 12; /* SACK-permitted rides in the two bytes NOPs would fill */
  else if (h->sack_ok)
    n += 4;
  if (h->has_wscale)
    n += 4;
  return n;
}

void tcp__hdr_store(struct sim_packet *p, const struct tcp_hdr *h)
{
  memcpy(p->l4, h, sizeof *h);
  p->l4_hdr_len = tcp__hdr_wire_len(h);
}

void tcp__hdr_load(const struct sim_packet *p, struct tcp_hdr *out)
{
  memcpy(out, p->l4, sizeof *out);
}

int tcp_packet_hdr(const struct sim_packet *p, struct tcp_hdr *out)
{
  if (!p || !out || p->proto != TCP__IPPROTO)
    return TCP_EINVAL;
  tcp__hdr_load(p, out);
  return TCP_OK;
}

int tcp__encode(const struct sim_packet *p, uint8_t *buf, size_t cap)
{
  struct tcp_hdr h;
  tcp__hdr_load(p, &h);
  size_t hl = tcp__hdr_wire_len(&h);
  /* The TCP length in the pseudo-header is 16 bits, and the datagram
   * around it must fit IPv4's total length. */
  if (hl + (size_t)p->payload_len > 65535 - 20)
    return SIM_ERANGE;
  if (cap < hl)
    return SIM_ENOSPC;

  put16(buf, h.sport);
  put16(buf + 2, h.dport);
  put32(buf + 4, h.seq);
  put32(buf + 8, h.ack);
  buf[12] = (uint8_t)((hl / 4) << 4);
  buf[13] = (uint8_t)(h.flags & 0x3f);
  put16(buf + 14, h.win);
  put16(buf + 16, 0); /* checksum, filled in below */
  put16(buf + 18, 0); /* urgent pointer: URG is not modelled */

  uint8_t *o = buf + TCP__HDR_MIN;
  if (h.has_mss) {
    o[0] = TCP__OPT_MSS;
    o[1] = 4;
    put16(o + 2, h.mss);
    o += 4;
  }
  if (h.has_ts) {
    if (h.sack_ok) {
      o[0] = TCP__OPT_SACK_OK;
      o[1] = 2;
    } else {
      o[0] = o[1] = TCP__OPT_NOP;
    }
    o[2] = TCP__OPT_TS;
    o[3] = 10;
    put32(o + 4, h.ts_val);
    put32(o + 8, h.ts_ecr);
    o += 12;
  } else if (h.sack_ok) {
    o[0] = o[1] = TCP__OPT_NOP;
    o[2] = TCP__OPT_SACK_OK;
    o[3] = 2;
    o += 4;
  }
  if (h.has_wscale) {
    o[0] = TCP__OPT_NOP;
    o[1] = TCP__OPT_WSCALE;
    o[2] = 3;
    o[3] = h.wscale;
    o += 4;
  }

  /* Payload bytes that are not kept are zeros and add nothing. */
  uint64_t sum = csum_pseudo(p->src, p->dst, hl + p->payload_len);
  sum = sim_csum_add(sum, buf, hl);
  if (p->payload)
    sum = sim_csum_add(sum, p->payload, p->payload_len);
  put16(buf + 16, (uint16_t)~sim_csum_fold(sum));
  return (int)hl;
}

/* ====================================================================== */
/* Decoding                                                                */
/* ====================================================================== */

/* Options in [o, end): RFC 9293 3.1 gives two forms, a single octet (EOL,
 * NOP) or kind, length, data with the length counting all of it. Every
 * option must be accepted in any segment and unknown ones skipped by
 * their length (MUST-4, MUST-6); an illegal length must not crash the
 * receiver (MUST-7), and here it, or a known option of the wrong size,
 * refuses the whole segment. EOL ends the list. */
static int parse_options(struct tcp_hdr *h, const uint8_t *o,
                         const uint8_t *end)
{
  while (o < end) {
    uint8_t kind = o[0];
    if (kind == TCP__OPT_EOL)
      return SIM_OK;
    if (kind == TCP__OPT_NOP) {
      o++;
      continue;
    }
    if (end - o < 2)
      return SIM_EMALFORMED; /* no room for the length octet */
    uint8_t olen = o[1];
    if (olen < 2 || olen > end - o)
      return SIM_EMALFORMED;
    switch (kind) {
    case TCP__OPT_MSS:
      if (olen != 4)
        return SIM_EMALFORMED;
      h->has_mss = 1;
      /* Kept as sent, 0 included: the wire format allows any value and
       * the engine applies its floor (tcp__peer_mss in tcp_int.h: 0 is
       * taken as no option, RFC 9293 3.7.1; tiny values raised to 48). */
      h->mss = get16(o + 2);
      break;
    case TCP__OPT_WSCALE:
      if (olen != 3)
        return SIM_EMALFORMED;
      h->has_wscale = 1;
      h->wscale = o[2] > TCP__WSCALE_MAX ? TCP__WSCALE_MAX : o[2];
      break;
    case TCP__OPT_SACK_OK:
      if (olen != 2)
        return SIM_EMALFORMED;
      h->sack_ok = 1;
      break;
    case TCP__OPT_TS:
      if (olen != 10)
        return SIM_EMALFORMED;
      h->has_ts = 1;
      h->ts_val = get32(o + 2);
      h->ts_ecr = get32(o + 6);
      break;
    default:
      break; /* SACK blocks and anything newer: skipped */
    }
    o += olen;
  }
  return SIM_OK;
}

int tcp__decode(struct sim_packet *p, const uint8_t *buf, size_t len)
{
  if (!p || !buf || len < TCP__HDR_MIN || len > 65535 - 20)
    return SIM_EMALFORMED;
  size_t hl = (size_t)(buf[12] >> 4) * 4;
  if (hl < TCP__HDR_MIN || hl > len)
    return SIM_EMALFORMED;
  /* A correct segment sums to all ones with its checksum in place. */
  uint64_t sum = csum_pseudo(p->src, p->dst, len);
  sum = sim_csum_add(sum, buf, len);
  if (sim_csum_fold(sum) != 0xffff)
    return SIM_EMALFORMED;

  struct tcp_hdr h;
  memset(&h, 0, sizeof h);
  h.sport = get16(buf);
  h.dport = get16(buf + 2);
  h.seq = get32(buf + 4);
  h.ack = get32(buf + 8);
  /* The reserved bits of byte 12 and ECE/CWR are ignored (RFC 9293 3.1:
   * reserved bits are ignored on receipt). */
  h.flags = (uint8_t)(buf[13] & 0x3f);
  h.win = get16(buf + 14);
  int rc = parse_options(&h, buf + TCP__HDR_MIN, buf + hl);
  if (rc != SIM_OK)
    return rc;

  memcpy(p->l4, &h, sizeof h);
  p->l4_hdr_len = (uint16_t)hl;
  p->payload_len = (uint32_t)(len - hl);
  return SIM_OK;
}
