/*
 * test_world.c - the world's clock, run loop and scheduling calls, one-shot
 * calls, stop, the packet pool, the IPv4 wire encoding and the small
 * helpers (errors, dotted quads).
 *
 * The rules checked here are stated in sim/sim.h and, for the world and
 * the pool, as axioms W1-W6 in sim/sim_int.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim_int.h"

/* ====================================================================== */
/* Helpers                                                                 */
/* ====================================================================== */

struct rec {
  int log[64];
  int64_t at[64];
  int n;
};

struct tev {
  struct sim_event ev;
  struct rec *r;
  int tag;
};

static void tev_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct tev *t = arg;
  t->r->at[t->r->n] = sim_now(w);
  t->r->log[t->r->n++] = t->tag;
}

static void tev_init(struct tev *t, struct rec *r, int tag)
{
  t->r = r;
  t->tag = tag;
  sim_event_init(&t->ev, tev_fire, t);
}

static int setup_world(void **state)
{
  *state = sim_world_new(42);
  return *state ? 0 : -1;
}

static int teardown_world(void **state)
{
  sim_world_free(*state);
  return 0;
}

/* ====================================================================== */
/* Scheduling                                                              */
/* ====================================================================== */

static void test_schedule_order_and_ties(void **state)
{
  struct sim_world *w = *state;
  struct rec r = {0};
  struct tev e[5];
  for (int i = 0; i < 5; i++)
    tev_init(&e[i], &r, i);
  assert_int_equal(sim_schedule_at(w, &e[0].ev, 30), SIM_OK);
  assert_int_equal(sim_schedule_at(w, &e[1].ev, 10), SIM_OK);
  assert_int_equal(sim_schedule_at(w, &e[2].ev, 20), SIM_OK);
  assert_int_equal(sim_schedule_at(w, &e[3].ev, 10), SIM_OK); /* tie: FIFO */
  assert_int_equal(sim_schedule_in(w, &e[4].ev, 20), SIM_OK);
  assert_int_equal(sim_events_pending(w), 5);
  assert_true(sim__world_check(w));
  assert_int_equal(sim_run(w, 100), SIM_OK);
  int want[] = {1, 3, 2, 4, 0};
  int64_t want_t[] = {10, 10, 20, 20, 30};
  assert_int_equal(r.n, 5);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(r.log[i], want[i]);
    assert_int_equal(r.at[i], want_t[i]);
  }
  assert_int_equal(sim_events_processed(w), 5);
  assert_int_equal(sim_events_pending(w), 0);
}

static void test_cancel_and_rearm(void **state)
{
  struct sim_world *w = *state;
  struct rec r = {0};
  struct tev a, b, c;
  tev_init(&a, &r, 1);
  tev_init(&b, &r, 2);
  tev_init(&c, &r, 3);
  assert_int_equal(sim_schedule_at(w, &a.ev, 10), SIM_OK);
  assert_int_equal(sim_schedule_at(w, &b.ev, 10), SIM_OK);
  assert_int_equal(sim_schedule_at(w, &c.ev, 50), SIM_OK);
  /* Scheduling a pending event is refused and changes nothing. */
  assert_int_equal(sim_schedule_at(w, &a.ev, 5), SIM_EINVAL);
  sim_cancel(w, &c.ev);
  assert_false(sim_event_pending(&c.ev));
  sim_cancel(w, &c.ev); /* idle: no-op */
  /* Re-armed at the same time, a goes behind b (new sequence). */
  assert_int_equal(sim_rearm_at(w, &a.ev, 10), SIM_OK);
  assert_int_equal(sim_run(w, 100), SIM_OK);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.log[0], 2);
  assert_int_equal(r.log[1], 1);
  /* Cancelling an already-fired event is a no-op too. */
  sim_cancel(w, &a.ev);
  /* Re-arming an idle event schedules it. */
  assert_int_equal(sim_rearm_at(w, &c.ev, 100), SIM_OK);
  assert_int_equal(sim_run(w, 200), SIM_OK);
  assert_int_equal(r.n, 3);
  assert_int_equal(r.log[2], 3);
  assert_int_equal(r.at[2], 100);
}

static void test_epast(void **state)
{
  struct sim_world *w = *state;
  struct rec r = {0};
  struct tev a, b;
  tev_init(&a, &r, 1);
  tev_init(&b, &r, 2);
  assert_int_equal(sim_schedule_at(w, &a.ev, 1000), SIM_OK);
  assert_int_equal(sim_run(w, 1000), SIM_OK);
  assert_int_equal(sim_now(w), 1000);
  assert_int_equal(sim_schedule_at(w, &b.ev, 999), SIM_EPAST);
  assert_int_equal(sim_schedule_in(w, &b.ev, -1), SIM_EPAST);
  assert_int_equal(sim_call_at(w, 999, NULL, NULL), SIM_EINVAL);
  /* At now is allowed. */
  assert_int_equal(sim_schedule_at(w, &b.ev, 1000), SIM_OK);
  /* A refused re-arm leaves the event pending where it was. */
  assert_int_equal(sim_rearm_at(w, &b.ev, 5), SIM_EPAST);
  assert_true(sim_event_pending(&b.ev));
  assert_int_equal(b.ev.t_ns, 1000);
  /* An end before now runs nothing and leaves the clock alone. */
  assert_int_equal(sim_run(w, 500), SIM_OK);
  assert_int_equal(sim_now(w), 1000);
  assert_int_equal(r.n, 1);
  assert_int_equal(sim_run(w, 1000), SIM_OK);
  assert_int_equal(r.n, 2);
}

static void call_log(struct sim_world *w, void *arg)
{
  struct rec *r = arg;
  r->at[r->n % 64] = sim_now(w);
  r->log[r->n % 64] = r->n;
  r->n++;
}

static void call_chain(struct sim_world *w, void *arg)
{
  struct rec *r = arg;
  call_log(w, arg);
  /* The record that fired this call is back in the pool: rescheduling
   * from here must work and must not disturb anything. */
  if (r->n < 5)
    assert_int_equal(sim_call_at(w, sim_now(w) + 7, call_chain, r), SIM_OK);
}

static void test_call_at(void **state)
{
  struct sim_world *w = *state;
  struct rec r = {0};
  assert_int_equal(sim_call_at(w, 3, call_chain, &r), SIM_OK);
  assert_int_equal(sim_run(w, 1000), SIM_OK);
  assert_int_equal(r.n, 5);
  for (int i = 0; i < 5; i++)
    assert_int_equal(r.at[i], 3 + 7 * i);
  assert_int_equal(sim_call_at(w, sim_now(w) - 1, call_log, &r), SIM_EPAST);

  /* More calls than one slab: all fire, in time order, and the records are
   * reused afterwards (the number of slabs stops growing). */
  struct rec many = {0};
  int64_t base = sim_now(w);
  for (int i = 0; i < 3 * SIM__CALL_SLAB; i++)
    assert_int_equal(sim_call_at(w, base + 1 + (i % 10), call_log, &many),
                     SIM_OK);
  size_t slabs = w->ncall_slabs;
  assert_int_equal(sim_run(w, base + 100), SIM_OK);
  assert_int_equal(many.n, 3 * SIM__CALL_SLAB);
  for (int i = 0; i < 3 * SIM__CALL_SLAB; i++)
    assert_int_equal(sim_call_at(w, base + 200, call_log, &many), SIM_OK);
  assert_int_equal(w->ncall_slabs, slabs);
  assert_int_equal(sim_run(w, base + 300), SIM_OK);
  assert_int_equal(many.n, 6 * SIM__CALL_SLAB);
}

static void test_run_until_semantics(void **state)
{
  struct sim_world *w = *state;
  struct rec r = {0};
  struct tev e[3];
  for (int i = 0; i < 3; i++) {
    tev_init(&e[i], &r, i);
    assert_int_equal(sim_schedule_at(w, &e[i].ev, 10 * (i + 1)), SIM_OK);
  }
  /* Events at until fire; the clock then stands at until. */
  assert_int_equal(sim_run(w, 20), SIM_OK);
  assert_int_equal(r.n, 2);
  assert_int_equal(sim_now(w), 20);
  assert_int_equal(sim_run(w, 25), SIM_OK);
  assert_int_equal(sim_now(w), 25);
  assert_int_equal(sim_events_processed(w), 2);
  /* The queue runs dry at 30: the clock stays at the last event. */
  assert_int_equal(sim_run(w, 100), SIM_OK);
  assert_int_equal(r.n, 3);
  assert_int_equal(sim_now(w), 30);
  assert_int_equal(sim_events_processed(w), 3);
  assert_int_equal(sim_events_pending(w), 0);
}

static void test_run_empty_world(void **state)
{
  struct sim_world *w = *state;
  assert_int_equal(sim_run(w, 50), SIM_OK);
  assert_int_equal(sim_now(w), 0);
  assert_int_equal(sim_events_processed(w), 0);
  assert_int_equal(sim_world_seed(w), 42);
}

static void stop_cb(struct sim_world *w, void *arg)
{
  call_log(w, arg);
  sim_stop(w);
}

static void test_stop(void **state)
{
  struct sim_world *w = *state;
  struct rec r = {0};
  assert_int_equal(sim_call_at(w, 10, stop_cb, &r), SIM_OK);
  assert_int_equal(sim_call_at(w, 10, call_log, &r), SIM_OK);
  assert_int_equal(sim_call_at(w, 20, call_log, &r), SIM_OK);
  /* Stops right after the current event: not even its tie runs. */
  assert_int_equal(sim_run(w, 100), SIM_ESTOPPED);
  assert_int_equal(r.n, 1);
  assert_int_equal(sim_now(w), 10);
  assert_int_equal(sim_events_processed(w), 1);
  /* The next slice goes on from there. */
  assert_int_equal(sim_run(w, 100), SIM_OK);
  assert_int_equal(r.n, 3);
  /* A stop asked between slices (a signal) stops the next one at once. */
  assert_int_equal(sim_call_at(w, 150, call_log, &r), SIM_OK);
  sim_stop(w);
  assert_int_equal(sim_run(w, 200), SIM_ESTOPPED);
  assert_int_equal(r.n, 3);
  assert_int_equal(sim_run(w, 200), SIM_OK);
  assert_int_equal(r.n, 4);
}

/* ====================================================================== */
/* Packets                                                                 */
/* ====================================================================== */

static void test_packet_pool(void **state)
{
  struct sim_world *w = *state;
  struct sim_packet *a = sim_packet_alloc(w);
  struct sim_packet *b = sim_packet_alloc(w);
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(a->uid, 1);
  assert_int_equal(b->uid, 2);
  assert_int_equal(a->ttl, 64);
  assert_int_equal(a->flags, 0);
  assert_null(a->payload);
  assert_int_equal(sim__packets_live(w), 2);
  a->src = 7;
  sim_packet_free(w, a);
  struct sim_packet *c = sim_packet_alloc(w);
  assert_ptr_equal(c, a); /* reused from the free list */
  assert_int_equal(c->uid, 3);
  assert_int_equal(c->src, 0); /* zeroed */
  assert_true(sim__world_check(w));

  /* Many packets: slabs are added, and freeing returns them all. */
  enum { N = 3 * SIM__PKT_SLAB + 5 };
  struct sim_packet **v = malloc(N * sizeof *v);
  for (int i = 0; i < N; i++)
    assert_non_null(v[i] = sim_packet_alloc(w));
  size_t slabs = w->npkt_slabs;
  for (int i = 0; i < N; i++)
    sim_packet_free(w, v[i]);
  for (int i = 0; i < N; i++)
    v[i] = sim_packet_alloc(w);
  assert_int_equal(w->npkt_slabs, slabs);
  for (int i = 0; i < N; i++)
    sim_packet_free(w, v[i]);
  free(v);
  sim_packet_free(w, b);
  sim_packet_free(w, c);
  assert_int_equal(sim__packets_live(w), 0);
  assert_true(sim__world_check(w));
}

static void test_packet_clone(void **state)
{
  struct sim_world *w = *state;
  struct sim_packet *p = sim_packet_alloc(w);
  p->src = 0x0a000001;
  p->dst = 0x0a000002;
  p->proto = 6;
  p->l4_hdr_len = 20;
  p->l4[3] = 0x55;
  p->payload_len = 5;
  p->payload = malloc(5);
  memcpy(p->payload, "hello", 5);
  p->tags.conn_id = 99;
  struct sim_packet *c = sim_packet_clone(w, p);
  assert_non_null(c);
  assert_int_not_equal(c->uid, p->uid);
  assert_int_equal(c->src, p->src);
  assert_int_equal(c->dst, p->dst);
  assert_int_equal(c->l4[3], 0x55);
  assert_int_equal(c->tags.conn_id, 99);
  assert_ptr_not_equal(c->payload, p->payload);
  assert_memory_equal(c->payload, "hello", 5);
  sim_packet_free(w, p); /* frees its payload; the clone's is its own */
  assert_memory_equal(c->payload, "hello", 5);
  sim_packet_free(w, c);
}

static int encode_calls;

static int fake_encode(const struct sim_packet *p, uint8_t *buf, size_t cap)
{
  encode_calls++;
  if (cap < 8)
    return SIM_ENOSPC;
  for (int i = 0; i < 8; i++)
    buf[i] = (uint8_t)(0xa0 + i);
  return 8;
}

static void fake_rx(struct sim_world *w, uint32_t node, void *hs,
                    struct sim_packet *p)
{
  sim_packet_free(w, p);
}

static uint16_t checksum(const uint8_t *b, size_t n)
{
  uint32_t sum = 0;
  for (size_t i = 0; i < n; i += 2)
    sum += (uint32_t)(b[i] << 8 | b[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void test_packet_encode(void **state)
{
  struct sim_world *w = *state;
  static const struct sim_proto_ops ops = {
      .ipproto = 200, .name = "fake", .rx = fake_rx, .encode = fake_encode};
  assert_int_equal(sim_proto_register(w, &ops, NULL), SIM_OK);
  struct sim_packet *p = sim_packet_alloc(w);
  p->src = 0x0a000001;   /* 10.0.0.1 */
  p->dst = 0xc0a80102;   /* 192.168.1.2 */
  p->proto = 200;
  p->ttl = 17;
  p->ip_id = 0x1234;
  p->l4_hdr_len = 8;
  p->payload_len = 3;
  uint8_t buf[64];
  memset(buf, 0xee, sizeof buf);
  encode_calls = 0;
  int n = sim_packet_encode(w, p, buf, sizeof buf);
  assert_int_equal(n, 20 + 8 + 3);
  assert_int_equal(encode_calls, 1);
  assert_int_equal(buf[0], 0x45);
  assert_int_equal(buf[2] << 8 | buf[3], 31);
  assert_int_equal(buf[4] << 8 | buf[5], 0x1234);
  assert_int_equal(buf[8], 17);
  assert_int_equal(buf[9], 200);
  assert_memory_equal(buf + 12, "\x0a\x00\x00\x01\xc0\xa8\x01\x02", 8);
  /* A header with its checksum in sums to zero. */
  assert_int_equal(checksum(buf, 20), 0);
  uint16_t stored = (uint16_t)(buf[10] << 8 | buf[11]);
  buf[10] = buf[11] = 0;
  assert_int_equal(checksum(buf, 20), stored);
  for (int i = 0; i < 8; i++)
    assert_int_equal(buf[20 + i], 0xa0 + i);
  assert_memory_equal(buf + 28, "\0\0\0", 3); /* payload not kept: zeros */

  /* Kept payload bytes are copied. */
  p->payload = malloc(3);
  memcpy(p->payload, "abc", 3);
  assert_int_equal(sim_packet_encode(w, p, buf, sizeof buf), 31);
  assert_memory_equal(buf + 28, "abc", 3);
  assert_int_equal(sim_packet_encode(w, p, buf, 30), SIM_ENOSPC);
  assert_int_equal(sim_packet_encode(w, p, buf, 10), SIM_ENOSPC);

  /* No module for the number: the header area goes out raw. */
  p->proto = 99;
  p->l4_hdr_len = 4;
  memcpy(p->l4, "WXYZ", 4);
  assert_int_equal(sim_packet_encode(w, p, buf, sizeof buf), 27);
  assert_memory_equal(buf + 20, "WXYZabc", 7);
  assert_int_equal(checksum(buf, 20), 0);
  sim_packet_free(w, p);
}

/* ====================================================================== */
/* Helpers of sim.h                                                        */
/* ====================================================================== */

static void test_errors(void **state)
{
  assert_string_equal(sim_strerror(SIM_OK), "success");
  assert_string_equal(sim_strerror(SIM_ENOMEM), "out of memory");
  assert_string_equal(sim_strerror(-999), "unknown error");
  assert_string_equal(sim_errname(SIM_EPAST), "SIM_EPAST");
  assert_string_equal(sim_errname(SIM_ESTOPPED), "SIM_ESTOPPED");
  assert_string_equal(sim_drop_reason_name(SIM_DROP_TTL), "ttl expired");
  assert_string_equal(sim_drop_reason_name(SIM_DROP_LOSS), "loss");
}

static void test_ipv4_text(void **state)
{
  uint32_t a;
  char buf[16];
  assert_int_equal(sim_ipv4_parse("10.0.0.1", &a), SIM_OK);
  assert_int_equal(a, 0x0a000001);
  assert_int_equal(sim_ipv4_parse("255.255.255.255", &a), SIM_OK);
  assert_int_equal(a, 0xffffffff);
  assert_int_equal(sim_ipv4_parse("0.0.0.0", &a), SIM_OK);
  assert_int_equal(a, 0);
  const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3",
                       "1.2.3.4 ", " 1.2.3.4", "01.2.3.4", "1.2.3.-4",
                       "1.2.3.1000", "a.b.c.d", "1.2.3.4/24"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(sim_ipv4_parse(bad[i], &a), SIM_EINVAL);
  assert_string_equal(sim_ipv4_format(0xc0a80001, buf), "192.168.0.1");
  assert_string_equal(sim_ipv4_format(0xffffffff, buf), "255.255.255.255");
  assert_string_equal(sim_ipv4_format(0, buf), "0.0.0.0");
  assert_string_equal(sim_ipv4_format(0x0a64090f, buf), "10.100.9.15");
  /* every octet value, against the printf rendering */
  for (unsigned o = 0; o < 256; o++) {
    char want[16];
    snprintf(want, sizeof want, "%u.%u.%u.%u", o, (o * 7) & 0xff, 255 - o,
             (o * 13) & 0xff);
    uint32_t v = (uint32_t)o << 24 | ((o * 7) & 0xffu) << 16 |
                 (255u - o) << 8 | ((o * 13) & 0xffu);
    assert_string_equal(sim_ipv4_format(v, buf), want);
  }
  assert_int_equal(sim_ipv4_parse(sim_ipv4_format(0x01020304, buf), &a),
                   SIM_OK);
  assert_int_equal(a, 0x01020304);
}

/* The worked example of RFC 1071 section 3: the words 0001 f203 f4f5 f6f7
 * sum to 2ddf0, which folds to ddf2; an odd block is padded with zero, and a
 * block carrying its own checksum folds to ffff. */
static void test_inet_checksum(void **state)
{
  (void)state;
  static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  assert_int_equal(sim_csum_add(0, b, sizeof b), 0x2ddf0);
  assert_int_equal(sim_csum_fold(sim_csum_add(0, b, sizeof b)), 0xddf2);
  assert_int_equal(sim_csum_add(0, b, 3), 0x0001 + 0xf200);
  uint8_t c[10];
  memcpy(c, b, sizeof b);
  uint16_t ck = (uint16_t)~sim_csum_fold(sim_csum_add(0, b, sizeof b));
  c[8] = (uint8_t)(ck >> 8);
  c[9] = (uint8_t)ck;
  assert_int_equal(sim_csum_fold(sim_csum_add(0, c, sizeof c)), 0xffff);
}

/* Observers can leave: after sim_trace_unsubscribe a hook is no longer
 * called, the others keep their order, and an unknown pair is refused. */
struct host_log {
  char seen[8];
  size_t n;
  char tag;
};

static void log_host(void *ctx, struct sim_world *w, uint32_t node,
                     enum sim_host_event ev, uint32_t epoch)
{
  struct host_log *l = ctx;
  if (l->n < sizeof l->seen - 1)
    l->seen[l->n++] = l->tag;
}

static void test_trace_unsubscribe(void **state)
{
  (void)state;
  struct sim_world *w = sim_world_new(1);
  assert_non_null(w);
  uint32_t h;
  assert_int_equal(sim_node_add(w, SIM_NODE_HOST, "h", &h), SIM_OK);
  static const struct sim_trace_ops ops = {.host = log_host};
  struct host_log a = {.tag = 'a'}, b = {.tag = 'b'}, never = {.tag = 'n'};
  assert_int_equal(sim_trace_subscribe(w, &ops, &a), SIM_OK);
  assert_int_equal(sim_trace_subscribe(w, &ops, &b), SIM_OK);
  assert_int_equal(sim_node_power_off(w, h), SIM_OK);
  assert_int_equal(a.n, 1);
  assert_int_equal(b.n, 1);
  assert_int_equal(sim_trace_unsubscribe(w, &ops, &a), SIM_OK);
  assert_int_equal(sim_trace_unsubscribe(w, &ops, &a), SIM_ENOENT);
  assert_int_equal(sim_trace_unsubscribe(w, &ops, &never), SIM_ENOENT);
  assert_int_equal(sim_node_boot(w, h), SIM_OK);
  assert_int_equal(a.n, 1); /* gone */
  assert_int_equal(b.n, 2); /* still there */
  assert_int_equal(never.n, 0);
  sim_world_free(w);
}

int main(void)
{
  const struct CMUnitTest sched[] = {
      cmocka_unit_test_setup_teardown(test_schedule_order_and_ties,
                                      setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_cancel_and_rearm, setup_world,
                                      teardown_world),
      cmocka_unit_test_setup_teardown(test_epast, setup_world, teardown_world),
      cmocka_unit_test_setup_teardown(test_call_at, setup_world,
                                      teardown_world),
      cmocka_unit_test_setup_teardown(test_run_until_semantics, setup_world,
                                      teardown_world),
      cmocka_unit_test_setup_teardown(test_run_empty_world, setup_world,
                                      teardown_world),
      cmocka_unit_test_setup_teardown(test_stop, setup_world, teardown_world),
  };
  const struct CMUnitTest packets[] = {
      cmocka_unit_test_setup_teardown(test_packet_pool, setup_world,
                                      teardown_world),
      cmocka_unit_test_setup_teardown(test_packet_clone, setup_world,
                                      teardown_world),
      cmocka_unit_test_setup_teardown(test_packet_encode, setup_world,
                                      teardown_world),
  };
  const struct CMUnitTest helpers[] = {
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_ipv4_text),
      cmocka_unit_test(test_trace_unsubscribe),
      cmocka_unit_test(test_inet_checksum),
  };
  int fails = 0;
  fails += cmocka_run_group_tests_name("scheduling", sched, NULL, NULL);
  fails += cmocka_run_group_tests_name("packets", packets, NULL, NULL);
  fails += cmocka_run_group_tests_name("helpers", helpers, NULL, NULL);
  return fails ? 1 : 0;
}
