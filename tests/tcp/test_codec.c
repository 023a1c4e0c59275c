/*
 * test_codec.c - the TCP wire format (tcp/codec.c, axioms C1-C3 in
 * tcp/tcp_codec.h).
 *
 * Round trips for each kind of segment the module sends, with the option
 * bytes pinned to Linux's layout and the checksum verified by a second,
 * independent implementation (RFC 1071's byte-order-independent form:
 * even and odd bytes summed apart). Then every check of the decoder, one
 * malformed input at a time, each with a correct checksum so that only
 * the check under test can refuse it; and a fuzz run on exactly-sized heap
 * buffers, so that the sanitizer build catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp_codec.h"

#define SRC 0xc0a80001u /* 192.168.0.1 */
#define DST 0xc0a80002u /* 192.168.0.2 */

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* Ones'-complement sum of pseudo-header and segment, even and odd bytes
 * apart (RFC 1071 2(B)); a correct segment folds to 0xffff. */
static uint16_t ref_sum(uint32_t src, uint32_t dst, const uint8_t *seg,
                        size_t len)
{
  uint8_t ph[12] = {(uint8_t)(src >> 24), (uint8_t)(src >> 16),
                    (uint8_t)(src >> 8),  (uint8_t)src,
                    (uint8_t)(dst >> 24), (uint8_t)(dst >> 16),
                    (uint8_t)(dst >> 8),  (uint8_t)dst,
                    0,                    6,
                    (uint8_t)(len >> 8),  (uint8_t)len};
  uint64_t even = 0, odd = 0;
  for (size_t i = 0; i < 12 + len; i++) {
    uint8_t b = i < 12 ? ph[i] : seg[i - 12];
    if (i % 2)
      odd += b;
    else
      even += b;
  }
  uint64_t sum = (even << 8) + odd;
  while (sum > 0xffff)
    sum = (sum >> 16) + (sum & 0xffff);
  return (uint16_t)sum;
}

static bool ref_checksum_ok(const uint8_t *seg, size_t len)
{
  return ref_sum(SRC, DST, seg, len) == 0xffff;
}

/* Rewrite the checksum of a segment the test has edited. */
static void ref_fix_checksum(uint8_t *seg, size_t len)
{
  seg[16] = seg[17] = 0;
  uint16_t c = (uint16_t)~ref_sum(SRC, DST, seg, len);
  seg[16] = (uint8_t)(c >> 8);
  seg[17] = (uint8_t)c;
}

static void hdr_assert_equal(const struct tcp_hdr *a, const struct tcp_hdr *b)
{
  assert_int_equal(a->sport, b->sport);
  assert_int_equal(a->dport, b->dport);
  assert_int_equal(a->seq, b->seq);
  assert_int_equal(a->ack, b->ack);
  assert_int_equal(a->flags, b->flags);
  assert_int_equal(a->win, b->win);
  assert_int_equal(a->has_mss, b->has_mss);
  assert_int_equal(a->mss, b->mss);
  assert_int_equal(a->has_wscale, b->has_wscale);
  assert_int_equal(a->wscale, b->wscale);
  assert_int_equal(a->sack_ok, b->sack_ok);
  assert_int_equal(a->has_ts, b->has_ts);
  assert_int_equal(a->ts_val, b->ts_val);
  assert_int_equal(a->ts_ecr, b->ts_ecr);
}

static void packet_init(struct sim_packet *p)
{
  memset(p, 0, sizeof *p);
  p->src = SRC;
  p->dst = DST;
  p->proto = 6;
  p->ttl = 64;
}

/* Encode h (+ payload) the way sim_packet_encode lays it out: header,
 * then payload bytes or zeros. Returns the segment length. */
static size_t encode_seg(const struct tcp_hdr *h, const uint8_t *payload,
                         uint32_t payload_len, uint8_t *buf, size_t cap)
{
  struct sim_packet p;
  packet_init(&p);
  tcp__hdr_store(&p, h);
  p.payload = (uint8_t *)(uintptr_t)payload;
  p.payload_len = payload_len;
  int hl = tcp__encode(&p, buf, cap);
  assert_true(hl >= 20);
  assert_int_equal(hl, p.l4_hdr_len); /* C1 */
  assert_int_equal(hl % 4, 0);
  assert_true((size_t)hl + payload_len <= cap);
  if (payload)
    memcpy(buf + hl, payload, payload_len);
  else
    memset(buf + hl, 0, payload_len);
  return (size_t)hl + payload_len;
}

/* Decode from an exactly-sized heap copy, so reads past len are caught. */
static int decode_seg(const uint8_t *seg, size_t len, struct sim_packet *out)
{
  uint8_t *copy = malloc(len ? len : 1);
  assert_non_null(copy);
  if (len)
    memcpy(copy, seg, len);
  packet_init(out);
  int rc = tcp__decode(out, copy, len);
  free(copy);
  return rc;
}

static void roundtrip(const struct tcp_hdr *h, const uint8_t *payload,
                      uint32_t payload_len, size_t want_hl)
{
  static uint8_t buf[70000];
  size_t len = encode_seg(h, payload, payload_len, buf, sizeof buf);
  assert_int_equal(len, want_hl + payload_len);
  assert_true(ref_checksum_ok(buf, len));
  struct sim_packet q;
  assert_int_equal(decode_seg(buf, len, &q), SIM_OK);
  struct tcp_hdr back;
  assert_int_equal(tcp_packet_hdr(&q, &back), TCP_OK);
  hdr_assert_equal(&back, h); /* C2 */
  assert_int_equal(q.l4_hdr_len, want_hl);
  assert_int_equal(q.payload_len, payload_len);
}

/* ---------------------------------------------------------------------- */
/* Round trips                                                             */
/* ---------------------------------------------------------------------- */

static struct tcp_hdr syn_all(void)
{
  struct tcp_hdr h = {0};
  h.sport = 40000;
  h.dport = 80;
  h.seq = 0x12345678;
  h.flags = TCP_F_SYN;
  h.win = 65535;
  h.has_mss = 1;
  h.mss = 1460;
  h.sack_ok = 1;
  h.has_ts = 1;
  h.ts_val = 0xa1b2c3d4;
  h.has_wscale = 1;
  h.wscale = 7;
  return h;
}

static void test_syn_all_options(void **state)
{
  (void)state;
  struct tcp_hdr h = syn_all();
  assert_int_equal(tcp__hdr_wire_len(&h), 40);
  roundtrip(&h, NULL, 0, 40);
  uint8_t buf[64];
  size_t len = encode_seg(&h, NULL, 0, buf, sizeof buf);
  assert_int_equal(len, 40);
  /* the fixed header */
  static const uint8_t fixed[16] = {0x9c, 0x40, 0x00, 0x50, 0x12, 0x34,
                                    0x56, 0x78, 0x00, 0x00, 0x00, 0x00,
                                    0xa0, 0x02, 0xff, 0xff};
  assert_memory_equal(buf, fixed, sizeof fixed);
  assert_int_equal(buf[18], 0); /* urgent pointer */
  assert_int_equal(buf[19], 0);
  /* MSS, SACK-permitted + timestamps, NOP + window scale (Linux order) */
  static const uint8_t opts[20] = {2,    4,    0x05, 0xb4, 4, 2, 8,
                                   10,   0xa1, 0xb2, 0xc3, 0xd4, 0,
                                   0,    0,    0,    1,    3, 3, 7};
  assert_memory_equal(buf + 20, opts, sizeof opts);
}

static void test_synack(void **state)
{
  (void)state;
  struct tcp_hdr h = syn_all();
  h.sport = 80;
  h.dport = 40000;
  h.seq = 0xfffffff0;
  h.ack = 0x12345679;
  h.flags = TCP_F_SYN | TCP_F_ACK;
  h.mss = 536;
  h.wscale = 0;
  h.ts_ecr = 0xa1b2c3d4;
  roundtrip(&h, NULL, 0, 40);
  /* without SACK: NOP, NOP, timestamps */
  h.sack_ok = 0;
  roundtrip(&h, NULL, 0, 40);
  uint8_t buf[64];
  encode_seg(&h, NULL, 0, buf, sizeof buf);
  assert_int_equal(buf[24], 1);
  assert_int_equal(buf[25], 1);
  assert_int_equal(buf[26], 8);
  /* SACK without timestamps: NOP, NOP, SACK-permitted */
  h.sack_ok = 1;
  h.has_ts = 0;
  h.ts_val = h.ts_ecr = 0;
  assert_int_equal(tcp__hdr_wire_len(&h), 32);
  roundtrip(&h, NULL, 0, 32);
  encode_seg(&h, NULL, 0, buf, sizeof buf);
  static const uint8_t opts[12] = {2, 4, 0x02, 0x18, 1, 1, 4, 2, 1, 3, 3, 0};
  assert_memory_equal(buf + 20, opts, sizeof opts);
  /* MSS only, as RFC 793 hosts send it */
  h.sack_ok = 0;
  h.has_wscale = 0;
  h.wscale = 0;
  roundtrip(&h, NULL, 0, 24);
}

static void test_ack_with_timestamps(void **state)
{
  (void)state;
  struct tcp_hdr h = {0};
  h.sport = 40000;
  h.dport = 80;
  h.seq = 1;
  h.ack = 2;
  h.flags = TCP_F_ACK;
  h.win = 502;
  h.has_ts = 1;
  h.ts_val = 100;
  h.ts_ecr = 200;
  assert_int_equal(tcp__hdr_wire_len(&h), 32);
  roundtrip(&h, NULL, 0, 32);
  uint8_t buf[64];
  encode_seg(&h, NULL, 0, buf, sizeof buf);
  static const uint8_t opts[12] = {1, 1, 8, 10, 0, 0, 0, 100, 0, 0, 0, 200};
  assert_memory_equal(buf + 20, opts, sizeof opts);
  assert_int_equal(buf[12], 0x80);
  assert_int_equal(buf[13], 0x10);
}

static void test_data(void **state)
{
  (void)state;
  struct tcp_hdr h = {0};
  h.sport = 1234;
  h.dport = 5678;
  h.seq = 0x80000000;
  h.ack = 0x7fffffff;
  h.flags = TCP_F_ACK | TCP_F_PSH;
  h.win = 1;
  /* payload bytes kept, odd length: the pad byte counts as zero */
  uint8_t payload[101];
  for (size_t i = 0; i < sizeof payload; i++)
    payload[i] = (uint8_t)(i * 7 + 3);
  roundtrip(&h, payload, sizeof payload, 20);
  /* payload not kept: zeros on the wire, same checksum as real zeros */
  roundtrip(&h, NULL, 1460, 20);
  uint8_t zeros[1460] = {0};
  uint8_t a[1600], b[1600];
  encode_seg(&h, NULL, 1460, a, sizeof a);
  encode_seg(&h, zeros, 1460, b, sizeof b);
  assert_memory_equal(a, b, 20 + 1460);
  /* FIN with data and timestamps */
  h.flags = TCP_F_FIN | TCP_F_ACK;
  h.has_ts = 1;
  h.ts_val = 7;
  roundtrip(&h, payload, 3, 32);
  /* the largest segment IPv4 can carry */
  h.has_ts = 0;
  h.ts_val = 0;
  roundtrip(&h, NULL, 65535 - 40, 20);
}

static void test_rst(void **state)
{
  (void)state;
  /* RFC 9293 3.10.7.1 reply to a SYN: seq 0, ack ISN+1, RST+ACK */
  struct tcp_hdr h = {0};
  h.sport = 20000;
  h.dport = 1037;
  h.ack = 0x12345679;
  h.flags = TCP_F_RST | TCP_F_ACK;
  roundtrip(&h, NULL, 0, 20);
  h.flags = TCP_F_RST;
  h.seq = 99;
  h.ack = 0;
  roundtrip(&h, NULL, 0, 20);
  /* every modelled flag survives */
  h.flags = 0x3f;
  roundtrip(&h, NULL, 0, 20);
}

/* The encoder through the core: sim_packet_encode / sim_packet_decode with
 * the codec registered for protocol 6 gives back the same packet. */
static void dummy_rx(struct sim_world *w, uint32_t node, void *hs,
                     struct sim_packet *p)
{
  (void)node;
  (void)hs;
  sim_packet_free(w, p);
}

static void test_through_the_core(void **state)
{
  (void)state;
  static const struct sim_proto_ops ops = {.ipproto = 6,
                                           .name = "tcp-codec-test",
                                           .rx = dummy_rx,
                                           .encode = tcp__encode,
                                           .decode = tcp__decode};
  struct sim_world *w = sim_world_new(1);
  assert_non_null(w);
  assert_int_equal(sim_proto_register(w, &ops, NULL), SIM_OK);
  struct sim_packet *p = sim_packet_alloc(w);
  assert_non_null(p);
  p->src = SRC;
  p->dst = DST;
  p->proto = 6;
  struct tcp_hdr h = syn_all();
  tcp__hdr_store(p, &h);
  p->payload_len = 10;
  uint8_t buf[128];
  int n = sim_packet_encode(w, p, buf, sizeof buf);
  assert_int_equal(n, 20 + 40 + 10);
  assert_true(ref_checksum_ok(buf + 20, 50));
  struct sim_packet *q = sim_packet_alloc(w);
  assert_non_null(q);
  assert_int_equal(sim_packet_decode(w, q, buf, (size_t)n), SIM_OK);
  struct tcp_hdr back;
  assert_int_equal(tcp_packet_hdr(q, &back), TCP_OK);
  hdr_assert_equal(&back, &h);
  assert_int_equal(q->l4_hdr_len, 40);
  assert_int_equal(q->payload_len, 10);
  assert_int_equal(q->src, SRC);
  assert_int_equal(q->dst, DST);
  /* a corrupted TCP byte fails the TCP checksum, not the IP one */
  buf[20 + 4] ^= 0x01;
  assert_int_equal(sim_packet_decode(w, q, buf, (size_t)n), SIM_EMALFORMED);
  /* too little room */
  assert_int_equal(sim_packet_encode(w, p, buf, 50), SIM_ENOSPC);
  sim_packet_free(w, p);
  sim_packet_free(w, q);
  sim_world_free(w);
}

static void test_encode_limits(void **state)
{
  (void)state;
  struct sim_packet p;
  packet_init(&p);
  struct tcp_hdr h = syn_all();
  tcp__hdr_store(&p, &h);
  uint8_t buf[64];
  assert_int_equal(tcp__encode(&p, buf, 39), SIM_ENOSPC);
  assert_int_equal(tcp__encode(&p, buf, 0), SIM_ENOSPC);
  assert_int_equal(tcp__encode(&p, buf, 40), 40);
  p.payload_len = 65535 - 20 - 40 + 1; /* one byte too many for IPv4 */
  assert_int_equal(tcp__encode(&p, buf, sizeof buf), SIM_ERANGE);
}

static void test_packet_hdr(void **state)
{
  (void)state;
  struct sim_packet p;
  packet_init(&p);
  struct tcp_hdr h = syn_all(), out;
  tcp__hdr_store(&p, &h);
  assert_int_equal(tcp_packet_hdr(&p, &out), TCP_OK);
  hdr_assert_equal(&out, &h);
  p.proto = 1;
  assert_int_equal(tcp_packet_hdr(&p, &out), TCP_EINVAL);
  assert_int_equal(tcp_packet_hdr(NULL, &out), TCP_EINVAL);
  p.proto = 6;
  assert_int_equal(tcp_packet_hdr(&p, NULL), TCP_EINVAL);
}

/* ---------------------------------------------------------------------- */
/* Decoder checks                                                          */
/* ---------------------------------------------------------------------- */

/* A 20-byte ACK header followed by the given options (a multiple of 4
 * bytes) with a correct checksum; returns the length. */
static size_t seg_with_options(uint8_t *buf, const uint8_t *opts, size_t n)
{
  struct tcp_hdr h = {0};
  h.sport = 1;
  h.dport = 2;
  h.seq = 3;
  h.ack = 4;
  h.flags = TCP_F_ACK;
  h.win = 5;
  size_t len = encode_seg(&h, NULL, 0, buf, 20);
  assert_int_equal(len, 20);
  assert_true(n % 4 == 0 && n <= 40);
  memcpy(buf + 20, opts, n);
  buf[12] = (uint8_t)(((20 + n) / 4) << 4);
  ref_fix_checksum(buf, 20 + n);
  return 20 + n;
}

static void test_malformed_options(void **state)
{
  (void)state;
  static const struct {
    const char *what;
    uint8_t opts[12];
    size_t n;
  } cases[] = {
      {"length 0", {30, 0, 0, 0}, 4},
      {"length 1", {30, 1, 0, 0}, 4},
      {"length past the header", {30, 5, 0, 0}, 4},
      {"MSS length 3", {2, 3, 0, 1}, 4},
      {"MSS length 5", {2, 5, 5, 180, 0, 1, 1, 1}, 8},
      {"MSS cut by the header end", {1, 1, 2, 4}, 4},
      {"window scale length 2", {3, 2, 1, 1}, 4},
      {"window scale length 4", {3, 4, 7, 0}, 4},
      {"SACK-permitted length 3", {4, 3, 0, 1}, 4},
      {"SACK-permitted length 4", {4, 4, 0, 0}, 4},
      {"timestamps length 8", {8, 8, 0, 0, 0, 0, 0, 0}, 8},
      {"timestamps length 12", {8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12},
      {"no room for the length octet", {1, 1, 1, 30}, 4},
      {"bad option after a good one", {2, 4, 5, 180, 30, 0, 0, 0}, 8},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t buf[64];
    size_t len = seg_with_options(buf, cases[i].opts, cases[i].n);
    assert_true(ref_checksum_ok(buf, len));
    struct sim_packet q;
    if (decode_seg(buf, len, &q) != SIM_EMALFORMED)
      fail_msg("accepted: %s", cases[i].what);
  }
}

static void test_malformed_header(void **state)
{
  (void)state;
  struct tcp_hdr h = syn_all();
  uint8_t good[64], buf[64];
  size_t len = encode_seg(&h, NULL, 0, good, sizeof good);
  struct sim_packet q;
  assert_int_equal(decode_seg(good, len, &q), SIM_OK);

  /* shorter than 20 bytes, at every length */
  for (size_t n = 0; n < 20; n++)
    assert_int_equal(decode_seg(good, n, &q), SIM_EMALFORMED);
  /* the data offset claims more than is there */
  assert_int_equal(decode_seg(good, 39, &q), SIM_EMALFORMED);
  /* data offsets below 5 and beyond the segment */
  static const uint8_t offs[] = {0, 1, 4, 11, 15};
  for (size_t i = 0; i < sizeof offs; i++) {
    memcpy(buf, good, len);
    buf[12] = (uint8_t)(offs[i] << 4);
    ref_fix_checksum(buf, len);
    assert_int_equal(decode_seg(buf, len, &q), SIM_EMALFORMED);
  }
  /* a wrong checksum, in the header, the options or the checksum field */
  static const size_t at[] = {0, 7, 13, 16, 17, 25, 39};
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
    memcpy(buf, good, len);
    buf[at[i]] ^= 0x20;
    assert_int_equal(decode_seg(buf, len, &q), SIM_EMALFORMED);
  }
  /* the pseudo-header counts: the same bytes from another address fail */
  packet_init(&q);
  q.src = SRC + 1;
  assert_int_equal(tcp__decode(&q, good, len), SIM_EMALFORMED);
  /* a corrupted payload byte */
  uint8_t payload[5] = {1, 2, 3, 4, 5}, big[80];
  size_t blen = encode_seg(&h, payload, 5, big, sizeof big);
  assert_int_equal(blen, 45);
  assert_int_equal(decode_seg(big, blen, &q), SIM_OK);
  big[44] ^= 0xff;
  assert_int_equal(decode_seg(big, blen, &q), SIM_EMALFORMED);
  /* longer than any IPv4 datagram could carry */
  static uint8_t huge[65536];
  memcpy(huge, good, len);
  assert_int_equal(tcp__decode(&q, huge, sizeof huge), SIM_EMALFORMED);
  /* no packet, no bytes */
  assert_int_equal(tcp__decode(NULL, good, len), SIM_EMALFORMED);
  assert_int_equal(tcp__decode(&q, NULL, len), SIM_EMALFORMED);
}

static void test_options_accepted(void **state)
{
  (void)state;
  uint8_t buf[64];
  struct sim_packet q;
  struct tcp_hdr h;

  /* unknown options are skipped by their length */
  static const uint8_t unknown[12] = {30, 4, 0xaa, 0xbb, 2, 4, 5, 180, 1, 1, 1, 1};
  size_t len = seg_with_options(buf, unknown, 12);
  assert_int_equal(decode_seg(buf, len, &q), SIM_OK);
  tcp__hdr_load(&q, &h);
  assert_int_equal(h.has_mss, 1);
  assert_int_equal(h.mss, 1460);
  assert_int_equal(q.l4_hdr_len, 32);
  assert_int_equal(q.payload_len, 0);

  /* SACK blocks (kind 5) are not modelled and skipped */
  static const uint8_t sack[12] = {1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  len = seg_with_options(buf, sack, 12);
  assert_int_equal(decode_seg(buf, len, &q), SIM_OK);

  /* EOL ends the list: what follows is not read as options */
  static const uint8_t eol[8] = {2, 4, 2, 0, 0, 30, 0, 99};
  len = seg_with_options(buf, eol, 8);
  assert_int_equal(decode_seg(buf, len, &q), SIM_OK);
  tcp__hdr_load(&q, &h);
  assert_int_equal(h.mss, 512);

  /* RFC 7323 2.3: a shift above 14 is taken as 14 */
  static const uint8_t ws[2][4] = {{1, 3, 3, 15}, {1, 3, 3, 255}};
  for (int i = 0; i < 2; i++) {
    len = seg_with_options(buf, ws[i], 4);
    assert_int_equal(decode_seg(buf, len, &q), SIM_OK);
    tcp__hdr_load(&q, &h);
    assert_int_equal(h.has_wscale, 1);
    assert_int_equal(h.wscale, 14);
  }

  /* a repeated option: the last one counts */
  static const uint8_t twice[8] = {2, 4, 0, 100, 2, 4, 0, 200};
  len = seg_with_options(buf, twice, 8);
  assert_int_equal(decode_seg(buf, len, &q), SIM_OK);
  tcp__hdr_load(&q, &h);
  assert_int_equal(h.mss, 200);

  /* options in BSD's order (MSS, NOP, WS, NOP, NOP, TS) */
  static const uint8_t bsd[20] = {2, 4, 4, 0, 1, 3, 3, 0, 1, 1,
                                  8, 10, 0, 0, 0, 9, 0, 0, 0, 0};
  len = seg_with_options(buf, bsd, 20);
  assert_int_equal(decode_seg(buf, len, &q), SIM_OK);
  tcp__hdr_load(&q, &h);
  assert_true(h.has_mss && h.has_wscale && h.has_ts && !h.sack_ok);
  assert_int_equal(h.mss, 1024);
  assert_int_equal(h.ts_val, 9);

  /* reserved bits, ECE and CWR are ignored */
  static const uint8_t none[4] = {1, 1, 1, 1};
  len = seg_with_options(buf, none, 4);
  buf[12] |= 0x0f;
  buf[13] |= 0xc0;
  ref_fix_checksum(buf, len);
  assert_int_equal(decode_seg(buf, len, &q), SIM_OK);
  tcp__hdr_load(&q, &h);
  assert_int_equal(h.flags, TCP_F_ACK);

  /* a header of 60 bytes, all NOPs */
  uint8_t nops[40];
  memset(nops, 1, sizeof nops);
  len = seg_with_options(buf, nops, 40);
  assert_int_equal(decode_seg(buf, len, &q), SIM_OK);
  assert_int_equal(q.l4_hdr_len, 60);
}

/* ---------------------------------------------------------------------- */
/* Fuzz                                                                    */
/* ---------------------------------------------------------------------- */

/* Whatever decodes must be self-consistent and survive a re-encoding. */
static void check_accepted(const struct sim_packet *q, size_t len)
{
  assert_true(q->l4_hdr_len >= 20 && q->l4_hdr_len <= 60);
  assert_true(q->l4_hdr_len <= len);
  assert_int_equal(q->payload_len, len - q->l4_hdr_len);
  struct tcp_hdr h;
  tcp__hdr_load(q, &h);
  assert_true((h.flags & ~0x3fu) == 0);
  assert_true(h.wscale <= 14);
  static uint8_t buf[70000];
  size_t n = encode_seg(&h, NULL, q->payload_len, buf, sizeof buf);
  struct sim_packet r;
  assert_int_equal(decode_seg(buf, n, &r), SIM_OK);
  struct tcp_hdr h2;
  tcp__hdr_load(&r, &h2);
  hdr_assert_equal(&h2, &h);
}

static void test_fuzz_random_bytes(void **state)
{
  (void)state;
  struct sim_rng r;
  sim_rng_seed(&r, 7, "codec-fuzz", 0);
  uint8_t buf[96];
  for (int iter = 0; iter < 20000; iter++) {
    size_t len = (size_t)sim_rng_below(&r, sizeof buf + 1);
    for (size_t i = 0; i < len; i++)
      buf[i] = (uint8_t)sim_rng_u64(&r);
    /* most of the time, a plausible data offset and a right checksum, so
     * that the option parser sees the input */
    if (len >= 20 && sim_rng_below(&r, 4) != 0) {
      size_t doff = 5 + (size_t)sim_rng_below(&r, 11);
      if (doff * 4 > len)
        doff = len / 4;
      buf[12] = (uint8_t)(doff << 4 | (buf[12] & 0x0f));
      ref_fix_checksum(buf, len);
    }
    struct sim_packet q;
    if (decode_seg(buf, len, &q) == SIM_OK)
      check_accepted(&q, len);
  }
}

static void test_fuzz_mutations(void **state)
{
  (void)state;
  struct sim_rng r;
  sim_rng_seed(&r, 8, "codec-fuzz", 1);
  struct tcp_hdr h = syn_all();
  uint8_t good[64], buf[64];
  size_t glen = encode_seg(&h, NULL, 0, good, sizeof good);
  int accepted = 0;
  for (int iter = 0; iter < 20000; iter++) {
    memcpy(buf, good, glen);
    size_t flips = 1 + (size_t)sim_rng_below(&r, 4);
    for (size_t k = 0; k < flips; k++) {
      size_t at = 20 + (size_t)sim_rng_below(&r, glen - 20); /* options */
      buf[at] = (uint8_t)sim_rng_u64(&r);
    }
    size_t len = glen - (size_t)sim_rng_below(&r, 3) * 4;
    if (sim_rng_below(&r, 8) != 0)
      ref_fix_checksum(buf, len);
    struct sim_packet q;
    int rc = decode_seg(buf, len, &q);
    assert_true(rc == SIM_OK || rc == SIM_EMALFORMED);
    if (rc == SIM_OK) {
      assert_true(ref_checksum_ok(buf, len));
      check_accepted(&q, len);
      accepted++;
    }
  }
  /* both outcomes are exercised */
  assert_true(accepted > 100);
  assert_true(accepted < 19900);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_syn_all_options),
      cmocka_unit_test(test_synack),
      cmocka_unit_test(test_ack_with_timestamps),
      cmocka_unit_test(test_data),
      cmocka_unit_test(test_rst),
      cmocka_unit_test(test_through_the_core),
      cmocka_unit_test(test_encode_limits),
      cmocka_unit_test(test_packet_hdr),
      cmocka_unit_test(test_malformed_options),
      cmocka_unit_test(test_malformed_header),
      cmocka_unit_test(test_options_accepted),
      cmocka_unit_test(test_fuzz_random_bytes),
      cmocka_unit_test(test_fuzz_mutations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
