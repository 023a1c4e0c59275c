/*
 * test_icmp.c - ICMP echo and ping (experiments/icmp.c): exact round-trip
 * times on a known link, request counts, duplicate replies counted once,
 * silence from a powered-off host, and the wire encoding (RFC 792 header,
 * Internet checksum) read back by the decoder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/exp.h"
#include "tests/support/support.h"

struct pair {
  struct sim_world *w;
  struct exp_icmp *m;
  uint32_t a, b, link;
};

/* Two hosts on one link with the given parameters. */
static void pair_build(struct pair *p, const struct sim_link_params *lp)
{
  p->w = sim_world_new(1);
  assert_non_null(p->w);
  p->m = exp_icmp_install(p->w);
  assert_non_null(p->m);
  assert_int_equal(sim_node_add(p->w, SIM_NODE_HOST, "a", &p->a), SIM_OK);
  assert_int_equal(sim_node_add(p->w, SIM_NODE_HOST, "b", &p->b), SIM_OK);
  assert_int_equal(sim_node_add_addr(p->w, p->a, 0x0a000001u), SIM_OK);
  assert_int_equal(sim_node_add_addr(p->w, p->b, 0x0a000002u), SIM_OK);
  assert_int_equal(sim_link_add(p->w, p->a, p->b, lp, NULL, &p->link), SIM_OK);
  assert_int_equal(sim_routes_compute(p->w), SIM_OK);
}

static void pair_free(struct pair *p)
{
  sim_world_free(p->w);
  exp_icmp_free(p->m);
}

static void test_ping_rtt_exact(void **state)
{
  (void)state;
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  lp.rate_bps = 10000000;
  lp.delay_ns = 5 * SIM_MS;
  struct pair p;
  pair_build(&p, &lp);
  struct exp_ping_cfg c = {.src_node = p.a, .dst_addr = 0x0a000002u,
                           .start_ns = 0, .interval_ns = 100 * SIM_MS,
                           .count = 5, .size_bytes = 1000};
  uint32_t id;
  assert_int_equal(exp_ping_start(p.m, &c, &id), SIM_OK);
  assert_int_equal(sim_run(p.w, 10 * SIM_S), SIM_OK);
  struct exp_ping_stats st;
  assert_int_equal(exp_ping_stats(p.m, id, &st), SIM_OK);
  /* 20 (IP) + 8 (ICMP) + 1000 bytes at 10 Mbps = 822.4 us each way, plus
   * 5 ms of propagation each way, on an idle link. */
  const int64_t rtt = 2 * (822400 + 5 * SIM_MS);
  assert_int_equal(st.sent, 5);
  assert_int_equal(st.received, 5);
  assert_int_equal(st.duplicates, 0);
  assert_int_equal(st.rtt_min_ns, rtt);
  assert_int_equal(st.rtt_max_ns, rtt);
  assert_int_equal(st.rtt_sum_ns, 5 * rtt);
  assert_int_equal(exp_icmp_replies_sent(p.m), 5);
  pair_free(&p);
}

static void test_ping_counts_duplicates_once(void **state)
{
  (void)state;
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  lp.dup = 1.0; /* every packet is doubled, in both directions */
  struct pair p;
  pair_build(&p, &lp);
  struct exp_ping_cfg c = {.src_node = p.a, .dst_addr = 0x0a000002u,
                           .interval_ns = 10 * SIM_MS, .count = 10};
  uint32_t id;
  assert_int_equal(exp_ping_start(p.m, &c, &id), SIM_OK);
  assert_int_equal(sim_run(p.w, SIM_S), SIM_OK);
  struct exp_ping_stats st;
  assert_int_equal(exp_ping_stats(p.m, id, &st), SIM_OK);
  /* each request arrives twice (two replies), each reply twice: 4 per seq */
  assert_int_equal(st.received, 10);
  assert_int_equal(st.duplicates, 30);
  assert_int_equal(exp_icmp_replies_sent(p.m), 20);
  pair_free(&p);
}

static void poweroff_b(struct sim_world *w, void *arg)
{
  assert_int_equal(sim_node_power_off(w, *(uint32_t *)arg), SIM_OK);
}

static void test_ping_down_host_is_silent(void **state)
{
  (void)state;
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  struct pair p;
  pair_build(&p, &lp);
  struct exp_ping_cfg c = {.src_node = p.a, .dst_addr = 0x0a000002u,
                           .interval_ns = 10 * SIM_MS, .count = 10};
  uint32_t id;
  assert_int_equal(exp_ping_start(p.m, &c, &id), SIM_OK);
  /* b goes down between the 5th request (40 ms) and the 6th (50 ms) */
  assert_int_equal(sim_call_at(p.w, 45 * SIM_MS, poweroff_b, &p.b), SIM_OK);
  assert_int_equal(sim_run(p.w, SIM_S), SIM_OK);
  struct exp_ping_stats st;
  assert_int_equal(exp_ping_stats(p.m, id, &st), SIM_OK);
  assert_int_equal(st.sent, 10);
  assert_int_equal(st.received, 5);
  assert_int_equal(sim_drop_count(p.w, SIM_DROP_HOST_DOWN), 5);
  pair_free(&p);
}

static void test_ping_rejects_bad_config(void **state)
{
  (void)state;
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  struct pair p;
  pair_build(&p, &lp);
  struct exp_ping_cfg c = {.src_node = 99, .dst_addr = 1, .interval_ns = 1};
  assert_int_equal(exp_ping_start(p.m, &c, NULL), SIM_EINVAL);
  c.src_node = p.a;
  c.interval_ns = 0;
  assert_int_equal(exp_ping_start(p.m, &c, NULL), SIM_EINVAL);
  struct exp_ping_stats st;
  assert_int_equal(exp_ping_stats(p.m, 0, &st), SIM_ENOENT);
  /* protocol 1 is taken once installed */
  assert_null(exp_icmp_install(p.w));
  pair_free(&p);
}

/* The echo request as it would appear on the wire: a valid IPv4 header,
 * then type 8, code 0, a checksum that sums to zero, id and sequence. */
struct capture {
  uint8_t wire[2048];
  int len;
  const struct sim_world *w;
};

static void grab(void *ctx, struct sim_world *w, uint32_t node, uint32_t link,
                 int dir, const struct sim_packet *p)
{
  struct capture *c = ctx;
  if (c->len == 0)
    c->len = sim_packet_encode(w, p, c->wire, sizeof c->wire);
}

static uint16_t fold(const uint8_t *b, size_t n)
{
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2)
    s += (uint32_t)(b[i] << 8 | b[i + 1]);
  if (n & 1)
    s += (uint32_t)b[n - 1] << 8;
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint16_t)s;
}

static void test_echo_wire_format(void **state)
{
  (void)state;
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  struct pair p;
  pair_build(&p, &lp);
  struct capture cap = {.len = 0};
  static const struct sim_trace_ops ops = {.pkt_send = grab};
  assert_int_equal(sim_trace_subscribe(p.w, &ops, &cap), SIM_OK);
  struct exp_ping_cfg c = {.src_node = p.a, .dst_addr = 0x0a000002u,
                           .interval_ns = SIM_MS, .count = 1,
                           .size_bytes = 56};
  assert_int_equal(exp_ping_start(p.m, &c, NULL), SIM_OK);
  assert_int_equal(sim_run(p.w, SIM_S), SIM_OK);
  assert_int_equal(cap.len, 20 + 8 + 56);
  assert_int_equal(cap.wire[9], 1);              /* protocol ICMP */
  assert_int_equal(fold(cap.wire, 20), 0xffff);  /* IPv4 header checksum */
  assert_int_equal(cap.wire[20], 8);             /* echo request */
  assert_int_equal(cap.wire[21], 0);
  assert_int_equal(fold(cap.wire + 20, 64), 0xffff); /* ICMP checksum */

  /* The decoder reads it back and refuses corrupted copies. */
  struct sim_packet *q = sim_packet_alloc(p.w);
  assert_non_null(q);
  assert_int_equal(sim_packet_decode(p.w, q, cap.wire, (size_t)cap.len), SIM_OK);
  assert_int_equal(q->src, 0x0a000001u);
  assert_int_equal(q->dst, 0x0a000002u);
  assert_int_equal(q->proto, 1);
  assert_int_equal(q->l4_hdr_len, 8);
  assert_int_equal(q->payload_len, 56);
  uint8_t bad[2048];
  memcpy(bad, cap.wire, (size_t)cap.len);
  bad[27] ^= 1; /* ICMP sequence: the ICMP checksum no longer holds */
  assert_int_equal(sim_packet_decode(p.w, q, bad, (size_t)cap.len), SIM_EMALFORMED);
  memcpy(bad, cap.wire, (size_t)cap.len);
  bad[8] ^= 1;  /* TTL: the IP header checksum no longer holds */
  assert_int_equal(sim_packet_decode(p.w, q, bad, (size_t)cap.len), SIM_EMALFORMED);
  /* truncated: fewer bytes than the total length says */
  assert_int_equal(sim_packet_decode(p.w, q, cap.wire, (size_t)cap.len - 1), SIM_EMALFORMED);
  assert_int_equal(sim_packet_decode(p.w, q, cap.wire, 19), SIM_EMALFORMED);
  memcpy(bad, cap.wire, (size_t)cap.len);
  bad[9] = 200; /* no module for protocol 200 (checksum fixed up below) */
  bad[10] = bad[11] = 0;
  uint16_t ck = (uint16_t)~fold(bad, 20);
  bad[10] = (uint8_t)(ck >> 8);
  bad[11] = (uint8_t)ck;
  assert_int_equal(sim_packet_decode(p.w, q, bad, (size_t)cap.len), SIM_ENOPROTO);
  sim_packet_free(p.w, q);
  pair_free(&p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ping_rtt_exact),
      cmocka_unit_test(test_ping_counts_duplicates_once),
      cmocka_unit_test(test_ping_down_host_is_silent),
      cmocka_unit_test(test_ping_rejects_bad_config),
      cmocka_unit_test(test_echo_wire_format),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
