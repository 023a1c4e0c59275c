/*
 * tcp_codec.h - the TCP wire format (internal to tcp/ and its tests).
 *
 * Inside the simulator a segment's header is a struct tcp_hdr (tcp/tcp.h)
 * kept in the packet's transport area (sim_packet.l4), and l4_hdr_len is
 * the length that header would have on the wire. Real bytes exist only
 * for pcap files and the emulation bridge: tcp__encode writes them,
 * tcp__decode reads them back; the engine plugs both into its
 * struct sim_proto_ops. tcp/codec.c describes the layout and the checks.
 *
 * Axioms:
 *   C1  For a header h stored with tcp__hdr_store, p->l4_hdr_len ==
 *       tcp__hdr_wire_len(h), a multiple of 4 between 20 and 40, and
 *       tcp__encode writes exactly that many bytes.
 *   C2  tcp__decode(tcp__encode(p)) gives back the same struct tcp_hdr,
 *       l4_hdr_len and payload_len for every header the module builds
 *       (flags within TCP_F_*, wscale <= 14, fields without a has_ flag
 *       zero).
 *   C3  tcp__decode never reads outside [buf, buf + len) and accepts
 *       nothing that fails a check: it returns SIM_EMALFORMED and leaves
 *       the packet's TCP fields unspecified.
 */
#ifndef TCPSIM_TCP_CODEC_H
#define TCPSIM_TCP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/tcp.h"

#define TCP__IPPROTO 6
#define TCP__HDR_MIN 20
#define TCP__HDR_MAX 60 /* data offset 15 */

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define TCP__OPT_EOL 0
#define TCP__OPT_NOP 1
#define TCP__OPT_MSS 2       /* RFC 9293 3.2, length 4 */
#define TCP__OPT_WSCALE 3    /* RFC 7323 2.2, length 3 */
#define TCP__OPT_SACK_OK 4   /* RFC 2018 2, length 2 */
#define TCP__OPT_SACK 5      /* RFC 2018 3: not modelled, skipped */
#define TCP__OPT_TS 8        /* RFC 7323 3.2, length 10 */
/* RFC 7323 2.3: a larger shift is logged and taken as 14. */
#define TCP__WSCALE_MAX 14

/* Wire length of the header: 20 plus the options that h's has_ flags
 * ask for, laid out as tcp__encode does (always a multiple of 4). */
uint16_t tcp__hdr_wire_len(const struct tcp_hdr *h);

/* Store h in p's transport area and set p->l4_hdr_len (axiom C1). */
void tcp__hdr_store(struct sim_packet *p, const struct tcp_hdr *h);
/* The header kept in p (the caller knows p is TCP). */
void tcp__hdr_load(const struct sim_packet *p, struct tcp_hdr *out);

/* Write the real TCP header of p (from p->l4) into buf, checksum over the
 * IPv4 pseudo-header, the header and the payload (p->payload, or zeros
 * when no bytes are kept). Returns the header length; the caller writes
 * the payload after it. SIM_ENOSPC if cap is too small, SIM_ERANGE if
 * the segment would not fit an IPv4 datagram. */
int tcp__encode(const struct sim_packet *p, uint8_t *buf, size_t cap);

/* Parse len bytes of TCP segment (header and payload) whose IP addresses
 * are already in p->src and p->dst: fill p->l4, p->l4_hdr_len and
 * p->payload_len. SIM_EMALFORMED on a short segment, a bad data offset, a
 * bad option length or a bad checksum. */
int tcp__decode(struct sim_packet *p, const uint8_t *buf, size_t len);

#endif /* TCPSIM_TCP_CODEC_H */
