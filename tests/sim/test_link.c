/*
 * test_link.c - links: exact timing (serialisation, propagation, queueing),
 * drop-tail overflow, the fault models (loss, Gilbert-Elliott, duplication,
 * hold-and-release) against their configured rates, link down/up and the
 * per-direction statistics.
 *
 * The fault order and the axioms of a link direction (L1-L6) are written at
 * the top of sim/link.c and in sim/sim_int.h. Every statistical check uses
 * a fixed seed, so it is deterministic: the tolerances only say how far a
 * correct implementation may be from the configured rate for any seed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim_int.h"

/* ====================================================================== */
/* Harness: two hosts, one link, a recording protocol                      */
/* ====================================================================== */

#define PROTO 253

struct arrival {
  uint64_t uid;
  int64_t t_ns;
  uint32_t mark;     /* sender's index for the packet */
  uint16_t flags;
  uint32_t node;
};

struct drop {
  uint64_t uid;
  int64_t t_ns;
  uint32_t mark;
  enum sim_drop_reason why;
  uint32_t node;
  uint32_t link;
};

struct fx {
  struct sim_world *w;
  uint32_t h0, h1, link;
  struct arrival *arr;
  size_t narr, arr_cap;
  struct drop *drops;
  size_t ndrops, drops_cap;
  uint64_t sends;
};

static void rec_rx(struct sim_world *w, uint32_t node, void *hs,
                   struct sim_packet *p)
{
  struct fx *f = hs;
  if (f->narr == f->arr_cap) {
    f->arr_cap = f->arr_cap ? 2 * f->arr_cap : 1024;
    f->arr = realloc(f->arr, f->arr_cap * sizeof *f->arr);
  }
  f->arr[f->narr++] = (struct arrival){.uid = p->uid, .t_ns = sim_now(w),
                                       .mark = p->tags.mark,
                                       .flags = p->flags, .node = node};
  sim_packet_free(w, p);
}

static void *rec_attach(struct sim_world *w, uint32_t node, void *ctx)
{
  return ctx;
}

static void tr_drop(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, enum sim_drop_reason why,
                    const struct sim_packet *p)
{
  struct fx *f = ctx;
  if (f->ndrops == f->drops_cap) {
    f->drops_cap = f->drops_cap ? 2 * f->drops_cap : 1024;
    f->drops = realloc(f->drops, f->drops_cap * sizeof *f->drops);
  }
  f->drops[f->ndrops++] = (struct drop){.uid = p->uid, .t_ns = sim_now(w),
                                        .mark = p->tags.mark, .why = why,
                                        .node = node, .link = link};
}

static void tr_send(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, int dir, const struct sim_packet *p)
{
  struct fx *f = ctx;
  f->sends++;
}

static const struct sim_proto_ops rec_ops = {
    .ipproto = PROTO, .name = "rec", .attach = rec_attach, .rx = rec_rx};
static const struct sim_trace_ops rec_trace = {.pkt_send = tr_send,
                                               .pkt_drop = tr_drop};

static struct fx *fx_new(uint64_t seed, const struct sim_link_params *ab,
                         const struct sim_link_params *ba)
{
  struct fx *f = calloc(1, sizeof *f);
  f->w = sim_world_new(seed);
  assert_non_null(f->w);
  assert_int_equal(sim_proto_register(f->w, &rec_ops, f), SIM_OK);
  assert_int_equal(sim_trace_subscribe(f->w, &rec_trace, f), SIM_OK);
  assert_int_equal(sim_node_add(f->w, SIM_NODE_HOST, "h0", &f->h0), SIM_OK);
  assert_int_equal(sim_node_add(f->w, SIM_NODE_HOST, "h1", &f->h1), SIM_OK);
  assert_int_equal(sim_node_add_addr(f->w, f->h0, 0x0a000001), SIM_OK);
  assert_int_equal(sim_node_add_addr(f->w, f->h1, 0x0a000002), SIM_OK);
  assert_int_equal(sim_link_add(f->w, f->h0, f->h1, ab, ba, &f->link), SIM_OK);
  return f;
}

static void fx_free(struct fx *f)
{
  assert_true(sim__world_check(f->w));
  sim_world_free(f->w);
  free(f->arr);
  free(f->drops);
  free(f);
}

/* Send one packet of ip_len bytes from `from` (h0 or h1) now. */
static int send_pkt(struct fx *f, uint32_t from, uint32_t ip_len,
                    uint32_t mark)
{
  struct sim_packet *p = sim_packet_alloc(f->w);
  assert_non_null(p);
  p->src = from == f->h0 ? 0x0a000001 : 0x0a000002;
  p->dst = from == f->h0 ? 0x0a000002 : 0x0a000001;
  p->proto = PROTO;
  p->payload_len = ip_len - 20;
  p->tags.mark = mark;
  return sim_ip_output(f->w, from, p);
}

static struct sim_link_params params(uint64_t rate, int64_t delay,
                                     uint32_t queue)
{
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  lp.rate_bps = rate;
  lp.delay_ns = delay;
  lp.queue_pkts = queue;
  return lp;
}

/* Send n packets, one every gap_ns, starting at the current time. */
struct pacer {
  struct fx *f;
  uint32_t n, next, ip_len;
  int64_t gap_ns;
};

static void pace(struct sim_world *w, void *arg)
{
  struct pacer *pc = arg;
  send_pkt(pc->f, pc->f->h0, pc->ip_len, pc->next++);
  if (pc->next < pc->n)
    assert_int_equal(sim_call_at(w, sim_now(w) + pc->gap_ns, pace, pc),
                     SIM_OK);
}

static void run_paced(struct fx *f, struct pacer *pc)
{
  assert_int_equal(sim_call_at(f->w, sim_now(f->w), pace, pc), SIM_OK);
  assert_int_equal(sim_run(f->w, SIM_TIME_MAX / 2), SIM_OK);
}

/* ====================================================================== */
/* Timing                                                                  */
/* ====================================================================== */

static void test_ser_ns_arithmetic(void **state)
{
  assert_int_equal(sim__ser_ns(1000, 8000000), 1000000);
  assert_int_equal(sim__ser_ns(1500, 100000000), 120000);
  assert_int_equal(sim__ser_ns(1500, 0), 0);           /* infinitely fast */
  assert_int_equal(sim__ser_ns(1, 3), 2666666667);     /* ceil(8e9 / 3) */
  assert_int_equal(sim__ser_ns(1500, 100000000000ull), 120);
  assert_int_equal(sim__ser_ns(41, 1000000007), 328);  /* 327.99... up */
  /* Products beyond 64 bits take the long-division path. */
  assert_int_equal(sim__ser_ns((uint64_t)1 << 37, (uint64_t)1 << 40),
                   1000000000);
  assert_int_equal(sim__ser_ns((uint64_t)1 << 37, ((uint64_t)1 << 40) + 1),
                   1000000000);
  assert_int_equal(sim__ser_ns((uint64_t)1 << 37, ((uint64_t)1 << 40) - 1),
                   1000000001);
}

static void test_back_to_back_timing(void **state)
{
  struct sim_link_params lp = params(8000000, 1 * SIM_MS, 10);
  struct fx *f = fx_new(1, &lp, NULL);
  /* Three 1000-byte packets at t=0: each takes 1 ms on the wire, then
   * 1 ms of propagation; the second and third wait in the queue. A 125-byte
   * packet then takes 125 us. */
  for (uint32_t i = 0; i < 3; i++)
    assert_int_equal(send_pkt(f, f->h0, 1000, i), SIM_OK);
  assert_int_equal(send_pkt(f, f->h0, 125, 3), SIM_OK);
  assert_int_equal(sim_run(f->w, 100 * SIM_MS), SIM_OK);
  int64_t want[] = {2 * SIM_MS, 3 * SIM_MS, 4 * SIM_MS, 4 * SIM_MS + 125 * SIM_US};
  assert_int_equal(f->narr, 4);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(f->arr[i].t_ns, want[i]);
    assert_int_equal(f->arr[i].mark, i);
    assert_int_equal(f->arr[i].node, f->h1);
  }
  /* A packet sent after the link went idle is not delayed by the others. */
  assert_int_equal(sim_call_at(f->w, sim_now(f->w), pace,
                               &(struct pacer){.f = f, .n = 1, .next = 9,
                                               .ip_len = 500}),
                   SIM_OK);
  int64_t t0 = sim_now(f->w);
  assert_int_equal(sim_run(f->w, t0 + 100 * SIM_MS), SIM_OK);
  assert_int_equal(f->narr, 5);
  assert_int_equal(f->arr[4].t_ns, t0 + 500 * SIM_US + 1 * SIM_MS);
  struct sim_link_stats st;
  assert_int_equal(sim_link_stats(f->w, f->link, 0, &st), SIM_OK);
  assert_int_equal(st.enqueued, 5);
  assert_int_equal(st.delivered, 5);
  assert_int_equal(st.bytes, 3000 + 125 + 500);
  assert_int_equal(sim_link_stats(f->w, f->link, 1, &st), SIM_OK);
  assert_int_equal(st.delivered, 0);
  assert_int_equal(sim_link_stats(f->w, f->link, 2, &st), SIM_EINVAL);
  assert_int_equal(sim_link_stats(f->w, 7, 0, &st), SIM_ENOENT);
  fx_free(f);
}

static void test_directions_independent(void **state)
{
  struct sim_link_params ab = params(8000000, 1 * SIM_MS, 10);
  struct sim_link_params ba = params(80000000, 5 * SIM_MS, 10);
  struct fx *f = fx_new(1, &ab, &ba);
  /* Both directions at once: full duplex, each at its own rate. */
  assert_int_equal(send_pkt(f, f->h0, 1000, 0), SIM_OK);
  assert_int_equal(send_pkt(f, f->h1, 1000, 1), SIM_OK);
  assert_int_equal(sim_run(f->w, SIM_S), SIM_OK);
  assert_int_equal(f->narr, 2);
  assert_int_equal(f->arr[0].mark, 0);
  assert_int_equal(f->arr[0].t_ns, 2 * SIM_MS);
  assert_int_equal(f->arr[0].node, f->h1);
  assert_int_equal(f->arr[1].mark, 1);
  assert_int_equal(f->arr[1].t_ns, 5 * SIM_MS + 100 * SIM_US);
  assert_int_equal(f->arr[1].node, f->h0);
  uint32_t a, b;
  assert_int_equal(sim_link_ends(f->w, f->link, &a, &b), SIM_OK);
  assert_int_equal(a, f->h0);
  assert_int_equal(b, f->h1);
  fx_free(f);
}

static void test_queue_overflow(void **state)
{
  struct sim_link_params lp = params(8000000, 1 * SIM_MS, 2);
  struct fx *f = fx_new(1, &lp, NULL);
  /* One goes straight to the transmitter, two wait, two are dropped. */
  for (uint32_t i = 0; i < 5; i++)
    assert_int_equal(send_pkt(f, f->h0, 1000, i), SIM_OK);
  assert_int_equal(f->ndrops, 2);
  assert_int_equal(f->drops[0].mark, 3);
  assert_int_equal(f->drops[1].mark, 4);
  assert_int_equal(f->drops[0].why, SIM_DROP_QUEUE_FULL);
  assert_int_equal(f->drops[0].node, f->h0);
  assert_int_equal(f->drops[0].link, f->link);
  assert_int_equal(f->sends, 3);
  assert_true(sim__world_check(f->w));
  /* Once the first has left, there is room for one more. */
  assert_int_equal(sim_run(f->w, 1 * SIM_MS), SIM_OK);
  assert_int_equal(send_pkt(f, f->h0, 1000, 5), SIM_OK);
  assert_int_equal(send_pkt(f, f->h0, 1000, 6), SIM_OK);
  assert_int_equal(f->ndrops, 3);
  assert_int_equal(f->drops[2].mark, 6);
  assert_int_equal(sim_run(f->w, SIM_S), SIM_OK);
  uint32_t want[] = {0, 1, 2, 5};
  assert_int_equal(f->narr, 4);
  for (int i = 0; i < 4; i++)
    assert_int_equal(f->arr[i].mark, want[i]);
  assert_int_equal(f->arr[3].t_ns, 5 * SIM_MS);
  struct sim_link_stats st;
  sim_link_stats(f->w, f->link, 0, &st);
  assert_int_equal(st.enqueued, 4);
  assert_int_equal(st.queue_drops, 3);
  assert_int_equal(st.delivered, 4);
  assert_int_equal(sim_drop_count(f->w, SIM_DROP_QUEUE_FULL), 3);
  fx_free(f);
}

static void test_queue_zero(void **state)
{
  /* queue_pkts 0: only the packet being serialised. */
  struct sim_link_params lp = params(8000000, 0, 0);
  struct fx *f = fx_new(1, &lp, NULL);
  assert_int_equal(send_pkt(f, f->h0, 1000, 0), SIM_OK);
  assert_int_equal(send_pkt(f, f->h0, 1000, 1), SIM_OK);
  assert_int_equal(sim_run(f->w, SIM_S), SIM_OK);
  assert_int_equal(f->narr, 1);
  assert_int_equal(f->arr[0].t_ns, 1 * SIM_MS);
  assert_int_equal(sim_drop_count(f->w, SIM_DROP_QUEUE_FULL), 1);
  fx_free(f);
}

/* Parameters changed on a running link: the new values apply to packets
 * offered afterwards; a shorter queue drops its tail; bad values are
 * refused and change nothing. */
static void test_params_set_while_running(void **state)
{
  struct sim_link_params lp = params(8000000, 1 * SIM_MS, 4), got;
  struct fx *f = fx_new(1, &lp, NULL);
  for (uint32_t i = 0; i < 5; i++) /* one in tx, four queued */
    assert_int_equal(send_pkt(f, f->h0, 1000, i), SIM_OK);
  struct sim_link_params lp2 = params(8000000, 5 * SIM_MS, 2);
  assert_int_equal(sim_link_params_set(f->w, f->link, 0, &lp2), SIM_OK);
  assert_int_equal(f->ndrops, 2); /* marks 3 and 4, from the tail */
  assert_int_equal(f->drops[0].mark, 4);
  assert_int_equal(f->drops[1].mark, 3);
  assert_int_equal(f->drops[0].why, SIM_DROP_QUEUE_FULL);
  assert_true(sim__world_check(f->w));
  assert_int_equal(sim_link_params_get(f->w, f->link, 0, &got), SIM_OK);
  assert_int_equal(got.delay_ns, 5 * SIM_MS);
  assert_int_equal(got.queue_pkts, 2);
  assert_int_equal(sim_link_params_get(f->w, f->link, 1, &got), SIM_OK);
  assert_int_equal(got.delay_ns, 1 * SIM_MS); /* the other direction */
  assert_int_equal(sim_run(f->w, SIM_S), SIM_OK);
  assert_int_equal(f->narr, 3);
  /* mark 0 was serialised at 1 ms: the new delay counts from then on */
  assert_int_equal(f->arr[0].t_ns, 6 * SIM_MS);
  /* everything lost from now on */
  lp2.loss = 1.0;
  assert_int_equal(sim_link_params_set(f->w, f->link, 0, &lp2), SIM_OK);
  assert_int_equal(send_pkt(f, f->h0, 1000, 9), SIM_OK);
  assert_int_equal(sim_run(f->w, 2 * SIM_S), SIM_OK);
  assert_int_equal(f->narr, 3);
  assert_int_equal(sim_drop_count(f->w, SIM_DROP_LOSS), 1);
  struct sim_link_stats st;
  sim_link_stats(f->w, f->link, 0, &st);
  assert_int_equal(st.queue_drops, 2);
  lp2.loss = 1.5;
  assert_int_equal(sim_link_params_set(f->w, f->link, 0, &lp2), SIM_ERANGE);
  assert_int_equal(sim_link_params_get(f->w, f->link, 0, &got), SIM_OK);
  assert_true(got.loss == 1.0);
  assert_int_equal(sim_link_params_set(f->w, 99, 0, &lp2), SIM_EINVAL);
  assert_int_equal(sim_link_params_get(f->w, f->link, 2, &got), SIM_EINVAL);
  fx_free(f);
}

/* ====================================================================== */
/* Faults                                                                  */
/* ====================================================================== */

enum { NSTAT = 100000 };

static void test_bernoulli_loss(void **state)
{
  struct sim_link_params lp = params(0, 1 * SIM_MS, 10);
  lp.loss = 0.1;
  struct fx *f = fx_new(7, &lp, NULL);
  struct pacer pc = {.f = f, .n = NSTAT, .ip_len = 100, .gap_ns = SIM_US};
  run_paced(f, &pc);
  struct sim_link_stats st;
  sim_link_stats(f->w, f->link, 0, &st);
  assert_int_equal(st.lost + st.delivered, NSTAT);
  assert_int_equal(st.lost, sim_drop_count(f->w, SIM_DROP_LOSS));
  assert_int_equal(f->narr, st.delivered);
  /* sd = sqrt(0.09 / 1e5) = 0.00095; 5 sd. */
  double rate = (double)st.lost / NSTAT;
  assert_true(fabs(rate - 0.1) < 0.005);
  /* Lost packets are not traced as sent and leave no gap in timing. */
  assert_int_equal(f->sends, st.delivered);
  for (size_t i = 0; i < f->narr; i++)
    assert_int_equal(f->arr[i].t_ns, (int64_t)f->arr[i].mark * SIM_US + SIM_MS);
  fx_free(f);
}

static void test_loss_deterministic(void **state)
{
  struct sim_link_params lp = params(0, 1 * SIM_MS, 10);
  lp.loss = 0.3;
  uint64_t lost[3];
  uint32_t first_mark[3];
  uint64_t seeds[3] = {11, 11, 12};
  for (int k = 0; k < 3; k++) {
    struct fx *f = fx_new(seeds[k], &lp, NULL);
    struct pacer pc = {.f = f, .n = 1000, .ip_len = 100, .gap_ns = SIM_US};
    run_paced(f, &pc);
    lost[k] = f->ndrops;
    first_mark[k] = f->drops[0].mark * 1000 + f->drops[1].mark;
    fx_free(f);
  }
  assert_int_equal(lost[0], lost[1]);
  assert_int_equal(first_mark[0], first_mark[1]);
  assert_true(lost[0] != lost[2] || first_mark[0] != first_mark[2]);
}

static void test_gilbert_elliott(void **state)
{
  struct sim_link_params lp = params(0, 1 * SIM_MS, 10);
  lp.loss = 0.9; /* ignored: the burst model is on */
  lp.burst_p_gb = 0.01;
  lp.burst_p_bg = 0.2;
  lp.burst_loss_good = 0.001;
  lp.burst_loss_bad = 0.5;
  enum { N = 400000 };
  struct fx *f = fx_new(3, &lp, NULL);
  struct pacer pc = {.f = f, .n = N, .ip_len = 100, .gap_ns = SIM_US};
  run_paced(f, &pc);
  uint8_t *lost = calloc(N, 1);
  for (size_t i = 0; i < f->ndrops; i++) {
    assert_int_equal(f->drops[i].why, SIM_DROP_LOSS);
    lost[f->drops[i].mark] = 1;
  }
  /* Stationary: P(bad) = gb / (gb + bg) = 0.0476; loss = 0.952 * 0.001 +
   * 0.0476 * 0.5 = 0.0248. Bursts make the estimate noisier than a
   * Bernoulli one: allow 10%. */
  double pb = lp.burst_p_gb / (lp.burst_p_gb + lp.burst_p_bg);
  double want = (1 - pb) * lp.burst_loss_good + pb * lp.burst_loss_bad;
  double rate = (double)f->ndrops / N;
  assert_true(fabs(rate - want) < 0.1 * want);
  /* Losses come in bursts: after a loss, the next packet is lost far more
   * often than on average (in the bad state about 0.8 * 0.5 = 0.4). */
  size_t after = 0, both = 0;
  for (size_t i = 0; i + 1 < N; i++)
    if (lost[i]) {
      after++;
      both += lost[i + 1];
    }
  double cond = (double)both / (double)after;
  assert_true(cond > 0.3 && cond < 0.5);
  assert_true(cond > 10 * rate);
  free(lost);
  fx_free(f);
}

static void test_duplication(void **state)
{
  struct sim_link_params lp = params(8000000000ull, 1 * SIM_MS, 10);
  lp.dup = 0.05;
  struct fx *f = fx_new(5, &lp, NULL);
  struct pacer pc = {.f = f, .n = NSTAT, .ip_len = 1000, .gap_ns = 10 * SIM_US};
  run_paced(f, &pc);
  struct sim_link_stats st;
  sim_link_stats(f->w, f->link, 0, &st);
  double rate = (double)st.duplicated / NSTAT;
  assert_true(fabs(rate - 0.05) < 0.0035); /* sd 0.00069 */
  assert_int_equal(f->narr, NSTAT + st.duplicated);
  assert_int_equal(st.enqueued, NSTAT + st.duplicated);
  /* Each copy arrives right behind its original, one serialisation time
   * (1 us at 8 Gbps for 1000 bytes) later, with its own uid. */
  size_t copies = 0;
  for (size_t i = 0; i < f->narr; i++) {
    if (!(f->arr[i].flags & SIM_PKTF_DUPLICATE))
      continue;
    copies++;
    assert_true(i > 0);
    assert_int_equal(f->arr[i].mark, f->arr[i - 1].mark);
    assert_int_not_equal(f->arr[i].uid, f->arr[i - 1].uid);
    assert_false(f->arr[i - 1].flags & SIM_PKTF_DUPLICATE);
    assert_int_equal(f->arr[i].t_ns, f->arr[i - 1].t_ns + SIM_US);
  }
  assert_int_equal(copies, st.duplicated);
  fx_free(f);
}

static void test_duplicate_needs_queue_slot(void **state)
{
  struct sim_link_params lp = params(8000000, 1 * SIM_MS, 1);
  lp.dup = 1.0;
  struct fx *f = fx_new(5, &lp, NULL);
  /* First: transmitter; its copy: the one queue slot. Second: queue full,
   * dropped before any copy is made. */
  assert_int_equal(send_pkt(f, f->h0, 1000, 0), SIM_OK);
  assert_int_equal(send_pkt(f, f->h0, 1000, 1), SIM_OK);
  assert_int_equal(sim_run(f->w, SIM_S), SIM_OK);
  assert_int_equal(f->narr, 2);
  assert_int_equal(f->arr[0].t_ns, 2 * SIM_MS);
  assert_int_equal(f->arr[1].t_ns, 3 * SIM_MS);
  assert_true(f->arr[1].flags & SIM_PKTF_DUPLICATE);
  assert_int_equal(f->ndrops, 1);
  assert_int_equal(f->drops[0].mark, 1);
  /* With the transmitter busy and no room, the copy itself is dropped. */
  struct sim_link_params lp0 = params(8000000, 1 * SIM_MS, 0);
  lp0.dup = 1.0;
  struct fx *g = fx_new(5, &lp0, NULL);
  assert_int_equal(send_pkt(g, g->h0, 1000, 0), SIM_OK);
  assert_int_equal(g->ndrops, 1);
  assert_int_equal(g->drops[0].why, SIM_DROP_QUEUE_FULL);
  struct sim_link_stats st;
  sim_link_stats(g->w, g->link, 0, &st);
  assert_int_equal(st.duplicated, 1);
  assert_int_equal(st.queue_drops, 1);
  assert_int_equal(sim_run(g->w, SIM_S), SIM_OK);
  assert_int_equal(g->narr, 1);
  fx_free(f);
  fx_free(g);
}

static void test_hold_and_release(void **state)
{
  struct sim_link_params lp = params(0, 1 * SIM_MS, 10);
  lp.hold = 0.1;
  lp.hold_time = (struct sim_dist){.kind = SIM_DIST_UNIFORM,
                                   .a_ns = 5 * SIM_MS, .b_ns = 50 * SIM_MS};
  enum { N = 50000 };
  struct fx *f = fx_new(9, &lp, NULL);
  struct pacer pc = {.f = f, .n = N, .ip_len = 100, .gap_ns = 10 * SIM_US};
  run_paced(f, &pc);
  struct sim_link_stats st;
  sim_link_stats(f->w, f->link, 0, &st);
  assert_int_equal(f->narr, N);
  size_t held = 0, overtaken = 0;
  int64_t min_d = INT64_MAX, max_d = 0;
  double sum = 0;
  for (size_t i = 0; i < f->narr; i++) {
    int64_t sent = (int64_t)f->arr[i].mark * 10 * SIM_US;
    int64_t d = f->arr[i].t_ns - sent;
    if (f->arr[i].flags & SIM_PKTF_HELD) {
      held++;
      assert_true(d >= 6 * SIM_MS && d <= 51 * SIM_MS);
      min_d = d < min_d ? d : min_d;
      max_d = d > max_d ? d : max_d;
      sum += (double)d;
    } else {
      assert_int_equal(d, 1 * SIM_MS);
    }
    if (i > 0 && f->arr[i].mark < f->arr[i - 1].mark)
      overtaken++;
  }
  assert_int_equal(held, st.held);
  double frac = (double)held / N;
  assert_true(fabs(frac - 0.1) < 0.007); /* sd 0.0013 */
  /* Spread over the whole interval, mean 1 ms + (5 + 50) / 2 ms = 28.5 ms. */
  assert_true(min_d < 7 * SIM_MS && max_d > 50 * SIM_MS);
  assert_true(fabs(sum / (double)held - 28.5e6) < 0.5e6);
  /* Held packets arrive after later ones: old duplicates. */
  assert_true(overtaken > held / 2);
  fx_free(f);
}

/* ====================================================================== */
/* Up and down                                                             */
/* ====================================================================== */

static void down_cb(struct sim_world *w, void *arg)
{
  struct fx *f = arg;
  assert_int_equal(sim_link_set_up(w, f->link, false), SIM_OK);
}

static void send_cb(struct sim_world *w, void *arg)
{
  struct fx *f = arg;
  assert_int_equal(send_pkt(f, f->h0, 1000, 100), SIM_EDOWN);
}

static void test_link_down_up(void **state)
{
  struct sim_link_params lp = params(8000000, 10 * SIM_MS, 10);
  struct fx *f = fx_new(1, &lp, NULL);
  for (uint32_t i = 0; i < 5; i++)
    assert_int_equal(send_pkt(f, f->h0, 1000, i), SIM_OK);
  /* At 2.5 ms: 0 and 1 propagate, 2 is on the wire, 3 and 4 wait. */
  assert_int_equal(sim_call_at(f->w, 2500 * SIM_US, down_cb, f), SIM_OK);
  assert_int_equal(sim_call_at(f->w, 5 * SIM_MS, send_cb, f), SIM_OK);
  assert_int_equal(sim_link_schedule_updown(f->w, f->link, 20 * SIM_MS, true),
                   SIM_OK);
  assert_int_equal(sim_run(f->w, 2500 * SIM_US), SIM_OK);
  assert_false(sim_link_is_up(f->w, f->link));
  /* Queue and transmitter go at once. */
  assert_int_equal(f->ndrops, 3);
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(f->drops[i].why, SIM_DROP_LINK_DOWN);
    assert_int_equal(f->drops[i].t_ns, 2500 * SIM_US);
  }
  assert_true(sim__world_check(f->w));
  assert_int_equal(sim_run(f->w, 19 * SIM_MS), SIM_OK);
  /* In flight: dropped when they would have arrived (11 and 12 ms); the
   * new packet at 5 ms is refused. */
  assert_int_equal(f->narr, 0);
  assert_int_equal(f->ndrops, 6);
  assert_int_equal(f->drops[3].mark, 100);
  assert_int_equal(f->drops[3].t_ns, 5 * SIM_MS);
  assert_int_equal(f->drops[4].mark, 0);
  assert_int_equal(f->drops[4].t_ns, 11 * SIM_MS);
  assert_int_equal(f->drops[5].mark, 1);
  assert_int_equal(f->drops[5].t_ns, 12 * SIM_MS);
  /* Up again at 20 ms. */
  assert_int_equal(sim_run(f->w, 20 * SIM_MS), SIM_OK);
  assert_true(sim_link_is_up(f->w, f->link));
  assert_int_equal(send_pkt(f, f->h0, 1000, 7), SIM_OK);
  assert_int_equal(sim_run(f->w, SIM_S), SIM_OK);
  assert_int_equal(f->narr, 1);
  assert_int_equal(f->arr[0].mark, 7);
  assert_int_equal(f->arr[0].t_ns, 31 * SIM_MS);
  struct sim_link_stats st;
  sim_link_stats(f->w, f->link, 0, &st);
  assert_int_equal(st.down_drops, 6);
  assert_int_equal(st.enqueued, 6);
  assert_int_equal(st.delivered, 1);
  assert_int_equal(sim_drop_count(f->w, SIM_DROP_LINK_DOWN), 6);
  assert_int_equal(sim_link_set_up(f->w, 9, false), SIM_ENOENT);
  fx_free(f);
}

static void test_down_up_while_in_flight(void **state)
{
  /* Down then up again before the packet arrives: it is still lost. */
  struct sim_link_params lp = params(0, 10 * SIM_MS, 10);
  struct fx *f = fx_new(1, &lp, NULL);
  assert_int_equal(send_pkt(f, f->h0, 1000, 0), SIM_OK);
  assert_int_equal(sim_link_schedule_updown(f->w, f->link, 2 * SIM_MS, false),
                   SIM_OK);
  assert_int_equal(sim_link_schedule_updown(f->w, f->link, 3 * SIM_MS, true),
                   SIM_OK);
  assert_int_equal(sim_call_at(f->w, 4 * SIM_MS, pace,
                               &(struct pacer){.f = f, .n = 1, .next = 1,
                                               .ip_len = 100}),
                   SIM_OK);
  assert_int_equal(sim_run(f->w, SIM_S), SIM_OK);
  assert_int_equal(f->narr, 1);
  assert_int_equal(f->arr[0].mark, 1);
  assert_int_equal(f->ndrops, 1);
  assert_int_equal(f->drops[0].t_ns, 10 * SIM_MS);
  fx_free(f);
}

/* Cut-through (L2): a packet offered to an idle transmitter costs one
 * event, its arrival; one going down with the link while still on the
 * wire is dropped at once, as a queued tx would be. */
static void test_cut_through(void **state)
{
  struct sim_link_params lp = params(8000000, 10 * SIM_MS, 10);
  struct fx *f = fx_new(1, &lp, NULL);
  assert_int_equal(send_pkt(f, f->h0, 1000, 0), SIM_OK);
  assert_int_equal(sim_run(f->w, SIM_S), SIM_OK);
  assert_int_equal(f->narr, 1);
  assert_int_equal(f->arr[0].t_ns, 11 * SIM_MS); /* 1 ms on the wire */
  assert_int_equal(sim_events_processed(f->w), 1);
  /* Two at once: the second waits for the first's serialisation. */
  int64_t t1 = sim_now(f->w);
  assert_int_equal(send_pkt(f, f->h0, 1000, 1), SIM_OK);
  assert_int_equal(send_pkt(f, f->h0, 1000, 2), SIM_OK);
  assert_true(sim__world_check(f->w));
  assert_int_equal(sim_run(f->w, 2 * SIM_S), SIM_OK);
  assert_int_equal(f->narr, 3);
  assert_int_equal(f->arr[1].t_ns, t1 + 11 * SIM_MS);
  assert_int_equal(f->arr[2].t_ns, t1 + 12 * SIM_MS);
  /* On the wire when the link goes down: dropped then, never delivered. */
  int64_t t2 = sim_now(f->w);
  assert_int_equal(send_pkt(f, f->h0, 1000, 3), SIM_OK);
  assert_int_equal(sim_call_at(f->w, t2 + 500 * SIM_US, down_cb, f), SIM_OK);
  assert_int_equal(sim_run(f->w, 3 * SIM_S), SIM_OK);
  assert_int_equal(f->narr, 3);
  assert_int_equal(f->ndrops, 1);
  assert_int_equal(f->drops[0].mark, 3);
  assert_int_equal(f->drops[0].why, SIM_DROP_LINK_DOWN);
  assert_int_equal(f->drops[0].t_ns, t2 + 500 * SIM_US);
  assert_true(sim__world_check(f->w));
  fx_free(f);
}

static void test_params_checked(void **state)
{
  struct sim_world *w = sim_world_new(1);
  uint32_t a, b, l;
  sim_node_add(w, SIM_NODE_HOST, "a", &a);
  sim_node_add(w, SIM_NODE_HOST, "b", &b);
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  assert_int_equal(lp.rate_bps, 100000000);
  assert_int_equal(lp.delay_ns, SIM_MS);
  assert_int_equal(lp.queue_pkts, 100);
  lp.loss = 1.5;
  assert_int_equal(sim_link_add(w, a, b, &lp, NULL, &l), SIM_ERANGE);
  lp.loss = NAN;
  assert_int_equal(sim_link_add(w, a, b, &lp, NULL, &l), SIM_ERANGE);
  lp.loss = 0;
  lp.delay_ns = -1;
  assert_int_equal(sim_link_add(w, a, b, &lp, NULL, &l), SIM_ERANGE);
  lp.delay_ns = 0;
  assert_int_equal(sim_link_add(w, a, a, &lp, NULL, &l), SIM_EINVAL);
  assert_int_equal(sim_link_add(w, a, 5, &lp, NULL, &l), SIM_EINVAL);
  assert_int_equal(sim_link_count(w), 0);
  assert_int_equal(sim_link_add(w, a, b, &lp, NULL, &l), SIM_OK);
  assert_int_equal(l, 0);
  assert_int_equal(sim_link_count(w), 1);
  sim_world_free(w);
}

int main(void)
{
  const struct CMUnitTest timing[] = {
      cmocka_unit_test(test_ser_ns_arithmetic),
      cmocka_unit_test(test_back_to_back_timing),
      cmocka_unit_test(test_directions_independent),
      cmocka_unit_test(test_queue_overflow),
      cmocka_unit_test(test_queue_zero),
      cmocka_unit_test(test_params_checked),
      cmocka_unit_test(test_params_set_while_running),
  };
  const struct CMUnitTest faults[] = {
      cmocka_unit_test(test_bernoulli_loss),
      cmocka_unit_test(test_loss_deterministic),
      cmocka_unit_test(test_gilbert_elliott),
      cmocka_unit_test(test_duplication),
      cmocka_unit_test(test_duplicate_needs_queue_slot),
      cmocka_unit_test(test_hold_and_release),
  };
  const struct CMUnitTest updown[] = {
      cmocka_unit_test(test_link_down_up),
      cmocka_unit_test(test_cut_through),
      cmocka_unit_test(test_down_up_while_in_flight),
  };
  int fails = 0;
  fails += cmocka_run_group_tests_name("timing", timing, NULL, NULL);
  fails += cmocka_run_group_tests_name("faults", faults, NULL, NULL);
  fails += cmocka_run_group_tests_name("updown", updown, NULL, NULL);
  return fails ? 1 : 0;
}
