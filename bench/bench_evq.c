/*
 * bench_evq.c - hold-model benchmark of the event queue (sim/evq.h).
 *
 * The classic hold model: fill a queue with N pending events, then time a
 * loop of "pop the minimum, push it again at now + increment", which keeps
 * N constant and exercises the queue the way a simulator with N armed
 * timers does. The same loop runs on sim__evq and on a textbook binary heap
 * defined below, over the same pre-drawn increments, in the same process;
 * both fold their pop order into a checksum that must agree, so a fast but
 * wrong queue cannot win. A third workload adds a cancel: after each pop a
 * randomly chosen pending event is removed and pushed again later (a TCP
 * retransmission timer re-armed by an ACK).
 *
 * Usage: bench_evq [N ...] [--ops M] [--dist exp|uniform|all]
 *                  [--mode hold|rearm|all] [--reps R]
 * Defaults: N = 1000 1000000 10000000, M chosen per N, all dists and modes,
 * R = 3 (best of R repetitions is reported). Results and the machine they
 * were measured on are in bench/README.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/evq.h"
#include "sim/sim.h"

/* ---------------------------------------------------------------------- */
/* The baseline: a textbook binary heap of event pointers                  */
/* ---------------------------------------------------------------------- */

/*
 * What one writes first: an array of pointers, children of i at 2i+1 and
 * 2i+2, every comparison reading (t_ns, seq) through the two pointers. It
 * keeps ev->slot up to date, as any heap must to offer O(log n) cancel.
 */
struct bheap {
  struct sim_event **a;
  size_t n, cap;
  uint64_t next_seq;
};

static bool bh_less(const struct sim_event *x, const struct sim_event *y)
{
  return x->t_ns < y->t_ns || (x->t_ns == y->t_ns && x->seq < y->seq);
}

static void bh_set(struct bheap *h, size_t i, struct sim_event *ev)
{
  h->a[i] = ev;
  ev->slot = (uint32_t)i;
}

static void bh_up(struct bheap *h, size_t i)
{
  struct sim_event *ev = h->a[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!bh_less(ev, h->a[p]))
      break;
    bh_set(h, i, h->a[p]);
    i = p;
  }
  bh_set(h, i, ev);
}

static void bh_down(struct bheap *h, size_t i)
{
  struct sim_event *ev = h->a[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n)
      break;
    if (c + 1 < h->n && bh_less(h->a[c + 1], h->a[c]))
      c++;
    if (!bh_less(h->a[c], ev))
      break;
    bh_set(h, i, h->a[c]);
    i = c;
  }
  bh_set(h, i, ev);
}

static void bh_push(struct bheap *h, struct sim_event *ev, int64_t t_ns)
{
  if (h->n == h->cap) {
    h->cap = h->cap ? 2 * h->cap : 64;
    h->a = realloc(h->a, h->cap * sizeof(*h->a));
    if (h->a == NULL) {
      fprintf(stderr, "bench_evq: out of memory\n");
      exit(1);
    }
  }
  ev->t_ns = t_ns;
  ev->seq = h->next_seq++;
  ev->flags |= SIM_EVF_PENDING;
  h->a[h->n] = ev;
  h->n++;
  bh_up(h, h->n - 1);
}

static void bh_remove_at(struct bheap *h, size_t i)
{
  h->a[i]->flags &= ~SIM_EVF_PENDING;
  h->n--;
  if (i == h->n)
    return;
  bh_set(h, i, h->a[h->n]);
  if (i > 0 && bh_less(h->a[i], h->a[(i - 1) / 2]))
    bh_up(h, i);
  else
    bh_down(h, i);
}

static struct sim_event *bh_pop(struct bheap *h)
{
  if (h->n == 0)
    return NULL;
  struct sim_event *ev = h->a[0];
  bh_remove_at(h, 0);
  return ev;
}

static void bh_remove(struct bheap *h, struct sim_event *ev)
{
  bh_remove_at(h, ev->slot);
}

/* ---------------------------------------------------------------------- */
/* Workload                                                                */
/* ---------------------------------------------------------------------- */

/* Tables are indexed modulo their size; 2^22 entries keeps them at 32 MiB
 * while being long enough that no queue can learn the pattern. */
#define TABLE_BITS 22
#define TABLE_SIZE ((size_t)1 << TABLE_BITS)
#define TABLE_MASK (TABLE_SIZE - 1)

enum dist { DIST_EXP, DIST_UNIFORM };
enum mode { MODE_HOLD, MODE_REARM };

static const char *const dist_name[] = { "exp", "uniform" };
static const char *const mode_name[] = { "hold", "rearm" };

struct workload {
  size_t n;          /* pending events */
  size_t ops;        /* timed iterations (one pop each) */
  int64_t *incr;     /* TABLE_SIZE increments, ns */
  uint32_t *victim;  /* TABLE_SIZE event indices for re-arm */
  struct sim_event *ev;
};

/* Mean increment 1 ms: exponential (memoryless arrivals), or uniform on
 * [0, 2 ms] (same mean, bounded spread). */
static void fill_tables(struct workload *w, enum dist d)
{
  struct sim_rng r;
  sim_rng_seed(&r, 20240601, "bench_evq", (uint64_t)d);
  struct sim_dist exp_d = { SIM_DIST_EXP, SIM_MS, 0 };
  struct sim_dist uni_d = { SIM_DIST_UNIFORM, 0, 2 * SIM_MS };
  for (size_t i = 0; i < TABLE_SIZE; i++)
    w->incr[i] = sim_dist_sample(&r, d == DIST_EXP ? &exp_d : &uni_d);
  for (size_t i = 0; i < TABLE_SIZE; i++)
    w->victim[i] = (uint32_t)sim_rng_below(&r, w->n);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t fold(uint64_t h, const struct workload *w,
                     const struct sim_event *ev)
{
  h ^= (uint64_t)(ev - w->ev) + 0x9e3779b97f4a7c15u * (uint64_t)ev->t_ns;
  return h * 0x100000001b3u;
}

static void reset_events(struct workload *w)
{
  for (size_t i = 0; i < w->n; i++)
    sim_event_init(&w->ev[i], NULL, NULL);
}

/*
 * The two queues differ only in these calls, so the loop is written once
 * as a macro over them rather than through function pointers, which would
 * tax both sides with an indirect call per operation.
 */
#define RUN_WORKLOAD(Q, PUSH, POP, REMOVE, MODE, W, SUM, SECONDS)            \
  do {                                                                       \
    reset_events(W);                                                         \
    for (size_t i_ = 0; i_ < (W)->n; i_++)                                   \
      PUSH(Q, &(W)->ev[i_], (W)->incr[i_ & TABLE_MASK]);                     \
    uint64_t h_ = 0xcbf29ce484222325u;                                       \
    size_t k_ = (W)->n;                                                      \
    double t0_ = now_s();                                                    \
    for (size_t op_ = 0; op_ < (W)->ops; op_++) {                            \
      struct sim_event *ev_ = POP(Q);                                        \
      int64_t now_ = ev_->t_ns;                                              \
      h_ = fold(h_, W, ev_);                                                 \
      PUSH(Q, ev_, now_ + (W)->incr[k_++ & TABLE_MASK]);                     \
      if ((MODE) == MODE_REARM) {                                            \
        struct sim_event *v_ = &(W)->ev[(W)->victim[op_ & TABLE_MASK]];      \
        REMOVE(Q, v_);                                                       \
        PUSH(Q, v_, now_ + (W)->incr[k_++ & TABLE_MASK]);                    \
      }                                                                      \
    }                                                                        \
    *(SECONDS) = now_s() - t0_;                                              \
    *(SUM) = h_;                                                             \
  } while (0)

static void run_evq(struct workload *w, enum mode m, uint64_t *sum,
                    double *seconds)
{
  struct sim_evq q;
  sim__evq_init(&q);
  RUN_WORKLOAD(&q, sim__evq_push, sim__evq_pop, sim__evq_remove, m, w, sum,
               seconds);
  sim__evq_fini(&q);
}

static void run_bheap(struct workload *w, enum mode m, uint64_t *sum,
                      double *seconds)
{
  struct bheap h = { NULL, 0, 0, 0 };
  RUN_WORKLOAD(&h, bh_push, bh_pop, bh_remove, m, w, sum, seconds);
  free(h.a);
}

/* ---------------------------------------------------------------------- */
/* Driver                                                                  */
/* ---------------------------------------------------------------------- */

/* Enough iterations for roughly 1-3 s per case (for the baseline; our
 * queue is faster) on a current x86 core. */
static size_t default_ops(size_t n)
{
  if (n <= 10000)
    return 20000000;
  if (n <= 1000000)
    return 4000000;
  return 2000000;
}

static void usage(void)
{
  fprintf(stderr, "usage: bench_evq [N ...] [--ops M] "
                  "[--dist exp|uniform|all] [--mode hold|rearm|all] "
                  "[--reps R]\n");
  exit(2);
}

int main(int argc, char **argv)
{
  size_t ns[16], n_ns = 0, ops = 0;
  int reps = 3;
  bool dists[2] = { true, true }, modes[2] = { true, true };
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc) {
      ops = (size_t)strtoull(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--dist") == 0 && i + 1 < argc) {
      const char *s = argv[++i];
      dists[DIST_EXP] = strcmp(s, "exp") == 0 || strcmp(s, "all") == 0;
      dists[DIST_UNIFORM] = strcmp(s, "uniform") == 0 || strcmp(s, "all") == 0;
    } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
      const char *s = argv[++i];
      modes[MODE_HOLD] = strcmp(s, "hold") == 0 || strcmp(s, "all") == 0;
      modes[MODE_REARM] = strcmp(s, "rearm") == 0 || strcmp(s, "all") == 0;
    } else if (argv[i][0] != '-' && n_ns < 16) {
      ns[n_ns++] = (size_t)strtoull(argv[i], NULL, 10);
    } else {
      usage();
    }
  }
  if (n_ns == 0) {
    ns[n_ns++] = 1000;
    ns[n_ns++] = 1000000;
    ns[n_ns++] = 10000000;
  }
  if (reps < 1)
    reps = 1;

  struct workload w;
  w.incr = malloc(TABLE_SIZE * sizeof(*w.incr));
  w.victim = malloc(TABLE_SIZE * sizeof(*w.victim));
  if (w.incr == NULL || w.victim == NULL) {
    fprintf(stderr, "bench_evq: out of memory\n");
    return 1;
  }

  printf("%-8s %-5s %10s %10s %14s %14s %7s\n", "dist", "mode", "pending",
         "ops", "evq ev/s", "bheap ev/s", "ratio");
  int status = 0;
  for (size_t k = 0; k < n_ns; k++) {
    w.n = ns[k];
    if (w.n == 0 || w.n > UINT32_MAX)
      usage();
    w.ops = ops ? ops : default_ops(w.n);
    w.ev = malloc(w.n * sizeof(*w.ev));
    if (w.ev == NULL) {
      fprintf(stderr, "bench_evq: out of memory for %zu events\n", w.n);
      return 1;
    }
    for (int d = 0; d < 2; d++) {
      if (!dists[d])
        continue;
      w.n = ns[k];
      fill_tables(&w, (enum dist)d);
      for (int m = 0; m < 2; m++) {
        if (!modes[m])
          continue;
        double best_q = 1e300, best_h = 1e300;
        uint64_t sum_q = 0, sum_h = 0;
        /* Alternate the two so that neither always runs on a warmer or
         * cooler machine. */
        for (int r = 0; r < reps; r++) {
          double s;
          run_evq(&w, (enum mode)m, &sum_q, &s);
          best_q = s < best_q ? s : best_q;
          run_bheap(&w, (enum mode)m, &sum_h, &s);
          best_h = s < best_h ? s : best_h;
        }
        double rate_q = (double)w.ops / best_q, rate_h = (double)w.ops / best_h;
        printf("%-8s %-5s %10zu %10zu %14.0f %14.0f %6.2fx%s\n", dist_name[d],
               mode_name[m], w.n, w.ops, rate_q, rate_h, rate_q / rate_h,
               sum_q == sum_h ? "" : "  CHECKSUM MISMATCH");
        fflush(stdout);
        if (sum_q != sum_h)
          status = 1;
      }
    }
    free(w.ev);
  }
  free(w.incr);
  free(w.victim);
  return status;
}
