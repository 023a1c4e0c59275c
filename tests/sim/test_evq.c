/*
 * test_evq.c - tests of the event queue (sim/evq.h).
 *
 * Two kinds: hand-written cases for the orderings the world relies on
 * (FIFO at equal times, cancel anywhere, re-arm takes a new sequence, the
 * pending flag of a fired event), and a randomized differential test that
 * drives the queue and a linear-scan reference model with the same seeded
 * sequence of push/remove/pop/re-arm and demands the same answers. The
 * queue's own axioms (evq.h, E1-E7) are checked with sim__evq_check().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/evq.h"
#include "sim/sim.h"

/* ---------------------------------------------------------------------- */
/* Fixture                                                                 */
/* ---------------------------------------------------------------------- */

#define POOL_EVENTS 64

struct fixture {
  struct sim_evq q;
  struct sim_event ev[POOL_EVENTS];
};

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));
  if (f == NULL)
    return -1;
  sim__evq_init(&f->q);
  for (int i = 0; i < POOL_EVENTS; i++)
    sim_event_init(&f->ev[i], NULL, &f->ev[i]);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  sim__evq_fini(&f->q);
  free(f);
  return 0;
}

/* Index of an event of the fixture pool, for readable assertions. */
static int idx(const struct fixture *f, const struct sim_event *ev)
{
  if (ev == NULL)
    return -1;
  return (int)(ev - f->ev);
}

/* Pop everything and check it comes out as the expected indices. */
static void expect_pops(struct fixture *f, const int *want, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    assert_true(sim__evq_check(&f->q));
    struct sim_event *peek = sim__evq_peek(&f->q);
    struct sim_event *ev = sim__evq_pop(&f->q);
    assert_ptr_equal(peek, ev);
    assert_int_equal(idx(f, ev), want[i]);
    assert_false(sim_event_pending(ev));
  }
  assert_null(sim__evq_pop(&f->q));
  assert_int_equal(sim__evq_size(&f->q), 0);
}

/* ---------------------------------------------------------------------- */
/* Hand-written cases                                                      */
/* ---------------------------------------------------------------------- */

static void test_evq_empty(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(sim__evq_size(&f->q), 0);
  assert_null(sim__evq_peek(&f->q));
  assert_null(sim__evq_pop(&f->q));
  assert_true(sim__evq_check(&f->q));
}

static void test_evq_event_init(void **state)
{
  (void)state;
  struct sim_event ev;
  memset(&ev, 0xa5, sizeof(ev));
  int arg;
  sim_event_init(&ev, NULL, &arg);
  assert_false(sim_event_pending(&ev));
  assert_ptr_equal(ev.arg, &arg);
  assert_null(ev.fn);
  assert_int_equal(ev.flags, 0);
}

static void test_evq_time_order(void **state)
{
  struct fixture *f = *state;
  static const int64_t t[] = { 50, 10, 40, 20, 30 };
  for (int i = 0; i < 5; i++)
    sim__evq_push(&f->q, &f->ev[i], t[i]);
  assert_int_equal(sim__evq_size(&f->q), 5);
  static const int want[] = { 1, 3, 4, 2, 0 };
  expect_pops(f, want, 5);
}

static void test_evq_equal_times_fifo(void **state)
{
  struct fixture *f = *state;
  /* 40 events at one time, interleaved with earlier and later ones: the
   * same-time ones must come out in push order. */
  for (int i = 0; i < 40; i++)
    sim__evq_push(&f->q, &f->ev[i], 1000);
  sim__evq_push(&f->q, &f->ev[40], 999);
  sim__evq_push(&f->q, &f->ev[41], 1001);
  int want[42];
  want[0] = 40;
  for (int i = 0; i < 40; i++)
    want[1 + i] = i;
  want[41] = 41;
  expect_pops(f, want, 42);
}

static void test_evq_seq_assigned_increasing(void **state)
{
  struct fixture *f = *state;
  for (int i = 0; i < 10; i++) {
    sim__evq_push(&f->q, &f->ev[i], 7);
    assert_int_equal(f->ev[i].t_ns, 7);
    if (i > 0)
      assert_true(f->ev[i].seq > f->ev[i - 1].seq);
  }
}

static void test_evq_cancel_head(void **state)
{
  struct fixture *f = *state;
  for (int i = 0; i < 5; i++)
    sim__evq_push(&f->q, &f->ev[i], 10 * (i + 1));
  assert_ptr_equal(sim__evq_peek(&f->q), &f->ev[0]);
  sim__evq_remove(&f->q, &f->ev[0]);
  assert_false(sim_event_pending(&f->ev[0]));
  assert_int_equal(sim__evq_size(&f->q), 4);
  static const int want[] = { 1, 2, 3, 4 };
  expect_pops(f, want, 4);
}

static void test_evq_cancel_tail(void **state)
{
  struct fixture *f = *state;
  for (int i = 0; i < 5; i++)
    sim__evq_push(&f->q, &f->ev[i], 10 * (i + 1));
  sim__evq_remove(&f->q, &f->ev[4]);
  assert_false(sim_event_pending(&f->ev[4]));
  static const int want[] = { 0, 1, 2, 3 };
  expect_pops(f, want, 4);
}

static void test_evq_cancel_middle(void **state)
{
  struct fixture *f = *state;
  for (int i = 0; i < 9; i++)
    sim__evq_push(&f->q, &f->ev[i], 10 * (i % 3)); /* three equal-time runs */
  /* push order at t=0: 0 3 6; t=10: 1 4 7; t=20: 2 5 8 */
  sim__evq_remove(&f->q, &f->ev[4]);
  sim__evq_remove(&f->q, &f->ev[3]);
  assert_int_equal(sim__evq_size(&f->q), 7);
  static const int want[] = { 0, 6, 1, 7, 2, 5, 8 };
  expect_pops(f, want, 7);
}

static void test_evq_cancel_only(void **state)
{
  struct fixture *f = *state;
  sim__evq_push(&f->q, &f->ev[0], 5);
  sim__evq_remove(&f->q, &f->ev[0]);
  assert_int_equal(sim__evq_size(&f->q), 0);
  assert_null(sim__evq_peek(&f->q));
  assert_null(sim__evq_pop(&f->q));
}

static void test_evq_rearm_takes_new_seq(void **state)
{
  struct fixture *f = *state;
  for (int i = 0; i < 4; i++)
    sim__evq_push(&f->q, &f->ev[i], 100);
  /* Re-arming 1 at the same time moves it behind 2 and 3. */
  uint64_t old_seq = f->ev[1].seq;
  sim__evq_remove(&f->q, &f->ev[1]);
  sim__evq_push(&f->q, &f->ev[1], 100);
  assert_true(f->ev[1].seq > old_seq);
  /* Re-arming 3 earlier moves it to the front. */
  sim__evq_remove(&f->q, &f->ev[3]);
  sim__evq_push(&f->q, &f->ev[3], 50);
  static const int want[] = { 3, 0, 2, 1 };
  expect_pops(f, want, 4);
}

static void test_evq_fired_event_not_pending(void **state)
{
  struct fixture *f = *state;
  sim__evq_push(&f->q, &f->ev[0], 1);
  sim__evq_push(&f->q, &f->ev[1], 2);
  assert_true(sim_event_pending(&f->ev[0]));
  struct sim_event *ev = sim__evq_pop(&f->q);
  assert_ptr_equal(ev, &f->ev[0]);
  /* The world's sim_cancel tests this flag, so cancelling a fired event is
   * a no-op and never reaches sim__evq_remove. */
  assert_false(sim_event_pending(&f->ev[0]));
  assert_true(sim_event_pending(&f->ev[1]));
  /* A fired event may be pushed again, even at the current time. */
  sim__evq_push(&f->q, &f->ev[0], 1);
  assert_true(sim_event_pending(&f->ev[0]));
  static const int want[] = { 0, 1 };
  expect_pops(f, want, 2);
}

static void test_evq_size_accounting(void **state)
{
  struct fixture *f = *state;
  size_t n = 0;
  for (int i = 0; i < POOL_EVENTS; i++) {
    sim__evq_push(&f->q, &f->ev[i], (i * 7919) % 101);
    assert_int_equal(sim__evq_size(&f->q), ++n);
  }
  for (int i = 0; i < POOL_EVENTS; i += 3) {
    sim__evq_remove(&f->q, &f->ev[i]);
    assert_int_equal(sim__evq_size(&f->q), --n);
  }
  while (sim__evq_pop(&f->q) != NULL)
    assert_int_equal(sim__evq_size(&f->q), --n);
  assert_int_equal(n, 0);
  assert_true(sim__evq_check(&f->q));
}

static void test_evq_extreme_times(void **state)
{
  struct fixture *f = *state;
  const int64_t half = INT64_MAX / 2;
  sim__evq_push(&f->q, &f->ev[0], half + 1);
  sim__evq_push(&f->q, &f->ev[1], 0);
  sim__evq_push(&f->q, &f->ev[2], half);
  sim__evq_push(&f->q, &f->ev[3], 0);
  sim__evq_push(&f->q, &f->ev[4], SIM_TIME_MAX);
  sim__evq_push(&f->q, &f->ev[5], half);
  sim__evq_push(&f->q, &f->ev[6], 1);
  assert_ptr_equal(sim__evq_pop(&f->q), &f->ev[1]);
  assert_ptr_equal(sim__evq_pop(&f->q), &f->ev[3]);
  /* After popping time 0, pushing at 0 is still legal. */
  sim__evq_push(&f->q, &f->ev[7], 0);
  static const int want[] = { 7, 6, 2, 5, 0, 4 };
  expect_pops(f, want, 6);
  /* Time keeps rising to the end of time. */
  sim__evq_push(&f->q, &f->ev[0], SIM_TIME_MAX);
  sim__evq_push(&f->q, &f->ev[1], SIM_TIME_MAX);
  static const int want2[] = { 0, 1 };
  expect_pops(f, want2, 2);
}

static void test_evq_negative_times(void **state)
{
  struct fixture *f = *state;
  /* The world starts at 0, but the queue orders any int64 time: negative
   * times must sort below positive ones (the sign bit is the top digit). */
  sim__evq_push(&f->q, &f->ev[0], 5);
  sim__evq_push(&f->q, &f->ev[1], -1);
  sim__evq_push(&f->q, &f->ev[2], INT64_MIN);
  sim__evq_push(&f->q, &f->ev[3], -1000000000000);
  sim__evq_push(&f->q, &f->ev[4], 0);
  sim__evq_push(&f->q, &f->ev[5], INT64_MIN);
  static const int want[] = { 2, 5, 3, 1, 4, 0 };
  expect_pops(f, want, 6);
}

static void test_evq_wide_spread(void **state)
{
  struct fixture *f = *state;
  /* One event per power of two, pushed in a scrambled order, so that every
   * level of the radix structure holds a node; then drain with a re-push
   * at the current time after each pop (the pushed one must come next). */
  int64_t t[POOL_EVENTS / 2];
  for (int i = 0; i < POOL_EVENTS / 2; i++) {
    int k = (i * 37) % (POOL_EVENTS / 2); /* a permutation of 0..31 */
    t[i] = (int64_t)1 << (k * 62 / (POOL_EVENTS / 2 - 1));
    sim__evq_push(&f->q, &f->ev[i], t[i]);
  }
  assert_true(sim__evq_check(&f->q));
  int64_t prev = INT64_MIN;
  for (int i = 0; i < POOL_EVENTS / 2; i++) {
    struct sim_event *ev = sim__evq_pop(&f->q);
    assert_non_null(ev);
    assert_true(ev->t_ns >= prev);
    prev = ev->t_ns;
    struct sim_event *echo = &f->ev[POOL_EVENTS / 2 + i];
    sim__evq_push(&f->q, echo, prev);
    assert_true(sim__evq_check(&f->q));
    assert_ptr_equal(sim__evq_pop(&f->q), echo);
  }
  assert_null(sim__evq_pop(&f->q));
}

static void test_evq_peek_cache(void **state)
{
  struct fixture *f = *state;
  sim__evq_push(&f->q, &f->ev[0], 100);
  sim__evq_push(&f->q, &f->ev[1], 200);
  assert_ptr_equal(sim__evq_peek(&f->q), &f->ev[0]);
  /* A push before the peeked minimum replaces it... */
  sim__evq_push(&f->q, &f->ev[2], 50);
  assert_true(sim__evq_check(&f->q));
  assert_ptr_equal(sim__evq_peek(&f->q), &f->ev[2]);
  /* ...one at the same time does not (FIFO)... */
  sim__evq_push(&f->q, &f->ev[3], 50);
  assert_ptr_equal(sim__evq_peek(&f->q), &f->ev[2]);
  /* ...and removing the peeked one uncovers the next. */
  sim__evq_remove(&f->q, &f->ev[2]);
  assert_true(sim__evq_check(&f->q));
  assert_ptr_equal(sim__evq_peek(&f->q), &f->ev[3]);
  sim__evq_remove(&f->q, &f->ev[1]);
  assert_ptr_equal(sim__evq_peek(&f->q), &f->ev[3]);
  static const int want[] = { 3, 0 };
  expect_pops(f, want, 2);
}

static void test_evq_reserve(void **state)
{
  struct fixture *f = *state;
  assert_int_equal(sim__evq_reserve(&f->q, 1000), SIM_OK);
  assert_int_equal(sim__evq_size(&f->q), 0);
  for (int i = 0; i < POOL_EVENTS; i++)
    sim__evq_push(&f->q, &f->ev[i], 1000 - i);
  assert_int_equal(sim__evq_reserve(&f->q, 10), SIM_OK);
  assert_int_equal(sim__evq_size(&f->q), POOL_EVENTS);
  assert_true(sim__evq_check(&f->q));
  assert_ptr_equal(sim__evq_pop(&f->q), &f->ev[POOL_EVENTS - 1]);
}

static void test_evq_fini_leaves_events_alone(void **state)
{
  struct fixture *f = *state;
  for (int i = 0; i < 10; i++)
    sim__evq_push(&f->q, &f->ev[i], i);
  struct sim_event copy[10];
  memcpy(copy, f->ev, sizeof(copy));
  sim__evq_fini(&f->q);
  assert_memory_equal(copy, f->ev, sizeof(copy));
  /* A finished queue is an empty one and can be used again. */
  assert_int_equal(sim__evq_size(&f->q), 0);
  assert_null(sim__evq_pop(&f->q));
  sim_event_init(&f->ev[0], NULL, NULL);
  sim__evq_push(&f->q, &f->ev[0], 3);
  assert_ptr_equal(sim__evq_pop(&f->q), &f->ev[0]);
}

/* ---------------------------------------------------------------------- */
/* Differential test against a linear-scan model                           */
/* ---------------------------------------------------------------------- */

/* The test's own generator (SplitMix64), so that it does not depend on the
 * module under test in sim/rng.c. */
static uint64_t mix_next(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static uint64_t below(uint64_t *x, uint64_t n)
{
  return mix_next(x) % n; /* the slight bias is irrelevant here */
}

/* The reference: for each event, whether it is pending and its key. The
 * sequence is the model's own counter, so a wrong seq in the queue shows up
 * as a different pop order rather than being copied into the model. */
struct model {
  size_t n_ev;
  bool *pending;
  int64_t *t;
  uint64_t *seq;
  uint64_t next_seq;
  size_t n_pending;
};

static void model_push(struct model *m, size_t i, int64_t t)
{
  m->pending[i] = true;
  m->t[i] = t;
  m->seq[i] = m->next_seq++;
  m->n_pending++;
}

static void model_remove(struct model *m, size_t i)
{
  m->pending[i] = false;
  m->n_pending--;
}

/* Index of the minimum pending key, or n_ev when empty. */
static size_t model_min(const struct model *m)
{
  size_t best = m->n_ev;
  for (size_t i = 0; i < m->n_ev; i++) {
    if (!m->pending[i])
      continue;
    if (best == m->n_ev || m->t[i] < m->t[best] ||
        (m->t[i] == m->t[best] && m->seq[i] < m->seq[best]))
      best = i;
  }
  return best;
}

/* A pending event chosen uniformly, or n_ev when none (O(n), fine here). */
static size_t model_pick_pending(const struct model *m, uint64_t *rs)
{
  if (m->n_pending == 0)
    return m->n_ev;
  uint64_t k = below(rs, m->n_pending);
  for (size_t i = 0; i < m->n_ev; i++)
    if (m->pending[i] && k-- == 0)
      return i;
  return m->n_ev;
}

/* A delay with many exact ties (0 and tiny values), medium spreads and,
 * rarely, huge jumps, so that every bucket/level of a structure is used. */
static int64_t draw_delay(uint64_t *rs)
{
  uint64_t kind = below(rs, 16);
  if (kind < 4)
    return 0;
  if (kind < 8)
    return (int64_t)below(rs, 4);
  if (kind < 12)
    return (int64_t)below(rs, 1000);
  if (kind < 15)
    return (int64_t)below(rs, 1000000000);
  return (int64_t)below(rs, (uint64_t)1 << 50);
}

/* now + delay, saturating at the end of time (a legal push time). */
static int64_t later(int64_t now, int64_t delay)
{
  return delay > INT64_MAX - now ? INT64_MAX : now + delay;
}

/*
 * One run: n_ops operations over a pool of n_ev events, starting at time
 * t0. Operations: push an idle event, remove a pending one, pop, re-arm a
 * pending event (remove + push), or fire-and-rearm (pop, then push the
 * popped event again, as a periodic timer does).
 */
static void run_differential(uint64_t seed, size_t n_ev, size_t n_ops,
                             int64_t t0, size_t check_every)
{
  struct sim_evq q;
  struct model m = { 0 };
  struct sim_event *ev = calloc(n_ev, sizeof(*ev));
  m.n_ev = n_ev;
  m.pending = calloc(n_ev, sizeof(*m.pending));
  m.t = calloc(n_ev, sizeof(*m.t));
  m.seq = calloc(n_ev, sizeof(*m.seq));
  assert_non_null(ev);
  assert_non_null(m.pending);
  assert_non_null(m.t);
  assert_non_null(m.seq);
  for (size_t i = 0; i < n_ev; i++)
    sim_event_init(&ev[i], NULL, NULL);
  sim__evq_init(&q);

  uint64_t rs = seed;
  int64_t now = t0;
  /* The mix of operations depends on the seed: some runs grow the queue,
   * some keep it nearly empty, some cancel a lot. */
  uint64_t w_push = 2 + below(&rs, 6), w_pop = 1 + below(&rs, 5);
  uint64_t w_rm = below(&rs, 3), w_rearm = below(&rs, 3), w_fire = 1;
  uint64_t w_total = w_push + w_pop + w_rm + w_rearm + w_fire;

  for (size_t op = 0; op < n_ops; op++) {
    uint64_t r = below(&rs, w_total);
    if (r < w_push) {
      size_t i = (size_t)below(&rs, n_ev);
      if (m.pending[i])
        continue; /* not idle: pick again next round */
      int64_t t = later(now, draw_delay(&rs));
      sim__evq_push(&q, &ev[i], t);
      model_push(&m, i, t);
      assert_true(sim_event_pending(&ev[i]));
      assert_int_equal(ev[i].t_ns, t);
    } else if (r < w_push + w_pop) {
      size_t want = model_min(&m);
      struct sim_event *peek = sim__evq_peek(&q);
      struct sim_event *got = sim__evq_pop(&q);
      assert_ptr_equal(peek, got);
      if (want == n_ev) {
        assert_null(got);
        continue;
      }
      assert_non_null(got);
      assert_int_equal(got - ev, want);
      assert_int_equal(got->t_ns, m.t[want]);
      assert_false(sim_event_pending(got));
      assert_true(m.t[want] >= now);
      now = m.t[want];
      model_remove(&m, want);
    } else if (r < w_push + w_pop + w_rm) {
      size_t i = model_pick_pending(&m, &rs);
      if (i == n_ev)
        continue;
      assert_true(sim_event_pending(&ev[i]));
      sim__evq_remove(&q, &ev[i]);
      model_remove(&m, i);
      assert_false(sim_event_pending(&ev[i]));
    } else if (r < w_push + w_pop + w_rm + w_rearm) {
      size_t i = model_pick_pending(&m, &rs);
      if (i == n_ev)
        continue;
      int64_t t = later(now, draw_delay(&rs));
      sim__evq_remove(&q, &ev[i]);
      model_remove(&m, i);
      sim__evq_push(&q, &ev[i], t);
      model_push(&m, i, t);
    } else {
      size_t want = model_min(&m);
      struct sim_event *got = sim__evq_pop(&q);
      if (want == n_ev) {
        assert_null(got);
        continue;
      }
      assert_int_equal(got - ev, want);
      now = m.t[want];
      model_remove(&m, want);
      int64_t t = later(now, draw_delay(&rs));
      sim__evq_push(&q, got, t);
      model_push(&m, want, t);
    }
    assert_int_equal(sim__evq_size(&q), m.n_pending);
    if (check_every != 0 && op % check_every == 0)
      assert_true(sim__evq_check(&q));
  }

  /* Drain: the rest must come out in model order too. */
  assert_true(sim__evq_check(&q));
  for (;;) {
    size_t want = model_min(&m);
    struct sim_event *got = sim__evq_pop(&q);
    if (want == n_ev) {
      assert_null(got);
      break;
    }
    assert_int_equal(got - ev, want);
    model_remove(&m, want);
  }
  assert_int_equal(sim__evq_size(&q), 0);

  sim__evq_fini(&q);
  free(ev);
  free(m.pending);
  free(m.t);
  free(m.seq);
}

/* The full axiom check walks the whole chunk pool (some 8000 chunks even
 * for a small queue), so it runs after every operation for the first seeds
 * only and every 16th operation after that. */
static void test_evq_differential_many_seeds(void **state)
{
  (void)state;
  for (uint64_t seed = 1; seed <= 200; seed++)
    run_differential(seed, 48 + (size_t)(seed % 5) * 40, 2000, 0,
                     seed <= 20 ? 1 : 16);
}

static void test_evq_differential_high_times(void **state)
{
  (void)state;
  for (uint64_t seed = 1000; seed < 1050; seed++)
    run_differential(seed, 200, 2000, INT64_MAX / 2 - 1000,
                     seed < 1005 ? 1 : 16);
}

static void test_evq_differential_long(void **state)
{
  (void)state;
  /* Longer runs with more events; the full-scan check every op would be
   * quadratic, so it runs every 997 ops. */
  run_differential(77, 4000, 100000, 0, 997);
  run_differential(78, 1500, 100000, 123456789, 997);
  run_differential(79, 300, 100000, INT64_MAX / 2, 997);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_evq_empty, setup, teardown),
    cmocka_unit_test(test_evq_event_init),
    cmocka_unit_test_setup_teardown(test_evq_time_order, setup, teardown),
    cmocka_unit_test_setup_teardown(test_evq_equal_times_fifo, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_evq_seq_assigned_increasing, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_evq_cancel_head, setup, teardown),
    cmocka_unit_test_setup_teardown(test_evq_cancel_tail, setup, teardown),
    cmocka_unit_test_setup_teardown(test_evq_cancel_middle, setup, teardown),
    cmocka_unit_test_setup_teardown(test_evq_cancel_only, setup, teardown),
    cmocka_unit_test_setup_teardown(test_evq_rearm_takes_new_seq, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_evq_fired_event_not_pending, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_evq_size_accounting, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_evq_extreme_times, setup, teardown),
    cmocka_unit_test_setup_teardown(test_evq_negative_times, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_evq_wide_spread, setup, teardown),
    cmocka_unit_test_setup_teardown(test_evq_peek_cache, setup, teardown),
    cmocka_unit_test_setup_teardown(test_evq_reserve, setup, teardown),
    cmocka_unit_test_setup_teardown(test_evq_fini_leaves_events_alone, setup,
                                    teardown),
    cmocka_unit_test(test_evq_differential_many_seeds),
    cmocka_unit_test(test_evq_differential_high_times),
    cmocka_unit_test(test_evq_differential_long),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
