/*
 * evq.c - the event queue: a 256-way radix heap over (t_ns, seq) with
 * chunked buckets.
 *
 * The data structure and its axioms (E1-E9) are in sim/evq.h; this file
 * explains how the operations keep them. The measurements behind every
 * choice below (radix heap over binary and 4-ary heaps, 8-bit digits,
 * chunks of 32 nodes) are in bench/README.md.
 *
 * Why a radix heap works here. The world never schedules an event before
 * the last event it popped, so every key in the queue is greater than last,
 * the key of that pop (E2). A key's bucket is (level, digit): the most
 * significant 8-bit digit where it differs from last, and its value there,
 * which exceeds last's. The minimum is in the lowest non-empty bucket (E4).
 * Popping it moves last up to the minimum m. A key of another bucket keeps
 * its bucket: m agrees with the old last on every digit above m's level,
 * so a key at a higher level, or at m's level with a larger digit, still
 * first differs from last at the same digit with the same value. A key of
 * m's own bucket now agrees with m on that digit too, so it moves to a
 * strictly lower level. A node therefore moves at most 15 times over its
 * life; in the hold benchmark the measured average is 1.1 moves per pop at
 * a thousand pending events and 2.7 at a million (bench/README.md).
 *
 * Why chunks. A bucket could be a list threaded through the events (two
 * link fields in struct sim_event), but draining a big bucket then
 * chases one pointer per event through memory that is cold at a million
 * events: measured, that made the queue slower than a binary heap. One
 * array per bucket is fast but must grow while a pop drains a bucket, and
 * pop has no error path. So buckets are lists of CH-node chunks from one
 * pool: scans are sequential, the pool grows only in push/reserve, and a
 * counting argument (evq_take_chunk) shows a pop always finds a free chunk.
 *
 * Bits 8-19 of ev->flags hold the event's bucket (the queue owns the whole
 * flags field, sim.h); ev->slot is the node's index in the pool, which is
 * what makes remove O(1): the bucket's last node fills the hole.
 */
#include "sim/evq.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Private definitions                                                     */
/* ---------------------------------------------------------------------- */

#define CH SIM__EVQ_CHUNK
#define CH_MASK (SIM__EVQ_CHUNK - 1u)
#define NIL SIM__EVQ_NIL

#define DIGIT_BITS SIM__EVQ_DIGIT_BITS
#define DIGIT_MASK ((1u << DIGIT_BITS) - 1u)

#define EVQ_BUCKET_SHIFT 8
#define EVQ_BUCKET_MASK (0xfffu << EVQ_BUCKET_SHIFT)
_Static_assert(SIM__EVQ_BUCKETS - 1 <= 0xfff, "bucket fits in 12 bits");
_Static_assert(64 % SIM__EVQ_DIGIT_BITS == 0, "digits tile each half");
_Static_assert(SIM__EVQ_WORDS <= 64, "one summary word covers the bitmap");

/* The smallest pool; E7 asks for B + 4 chunks at the first push anyway. */
#define EVQ_MIN_CHUNKS 256u
/* ev->slot is 32 bits, so the pool must stay below 2^32 nodes. */
#define EVQ_MAX_CHUNKS (UINT32_MAX / CH)

/* ---------------------------------------------------------------------- */
/* Bit helpers                                                             */
/* ---------------------------------------------------------------------- */

#if defined(__GNUC__)
_Static_assert(sizeof(unsigned long long) == 8, "64-bit long long");
#define EVQ_PREFETCH_FOR_WRITE(p) __builtin_prefetch((p), 1)
static inline unsigned bitlen64(uint64_t x)
{
  return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}
static inline unsigned ctz64(uint64_t x) /* x != 0 */
{
  return (unsigned)__builtin_ctzll(x);
}
#else
#define EVQ_PREFETCH_FOR_WRITE(p) ((void)(p))
static inline unsigned bitlen64(uint64_t x)
{
  unsigned n = 0;
  for (; x != 0; x >>= 1)
    n++;
  return n;
}
static inline unsigned ctz64(uint64_t x)
{
  unsigned n = 0;
  for (; (x & 1) == 0; x >>= 1)
    n++;
  return n;
}
#endif

/* bucket(key) relative to last, as defined in evq.h. key > last. */
static inline unsigned evq_bucket_of(const struct sim_evq *q, int64_t t_ns,
                                     uint64_t seq)
{
  uint64_t x, v;
  unsigned level0;
  if (t_ns != q->last_t_ns) {
    x = (uint64_t)t_ns ^ (uint64_t)q->last_t_ns;
    v = (uint64_t)t_ns ^ ((uint64_t)1 << 63); /* signed order as unsigned */
    level0 = 64 / DIGIT_BITS;
  } else {
    x = seq ^ q->last_seq;
    v = seq;
    level0 = 0;
  }
  unsigned d = (bitlen64(x) - 1) / DIGIT_BITS; /* x != 0 by E2 */
  return ((level0 + d) << DIGIT_BITS) |
         (unsigned)((v >> (d * DIGIT_BITS)) & DIGIT_MASK);
}

static inline bool evq_node_less(const struct sim__evq_node *a,
                                 const struct sim__evq_node *b)
{
  return a->t_ns < b->t_ns || (a->t_ns == b->t_ns && a->seq < b->seq);
}

static inline unsigned evq_ev_bucket(const struct sim_event *ev)
{
  return (ev->flags & EVQ_BUCKET_MASK) >> EVQ_BUCKET_SHIFT;
}

static inline void evq_mark(struct sim_evq *q, unsigned b)
{
  q->nonempty[b >> 6] |= (uint64_t)1 << (b & 63);
  q->summary |= (uint64_t)1 << (b >> 6);
}

static inline void evq_unmark(struct sim_evq *q, unsigned b)
{
  q->nonempty[b >> 6] &= ~((uint64_t)1 << (b & 63));
  if (q->nonempty[b >> 6] == 0)
    q->summary &= ~((uint64_t)1 << (b >> 6));
}

/* Lowest non-empty bucket; the queue must not be empty. */
static inline unsigned evq_lowest(const struct sim_evq *q)
{
  assert(q->summary != 0);
  unsigned w = ctz64(q->summary);
  return (w << 6) | ctz64(q->nonempty[w]);
}

/* Nodes in the head chunk of a non-empty bucket (E5). */
static inline uint32_t evq_head_fill(const struct sim__evq_bucket *bk)
{
  return ((bk->n - 1) & CH_MASK) + 1;
}

/* ---------------------------------------------------------------------- */
/* Chunks                                                                  */
/* ---------------------------------------------------------------------- */

/* Chunks that E7 requires for n pending events. */
static inline size_t evq_chunks_needed(size_t n)
{
  return (n + CH - 1) / CH + SIM__EVQ_BUCKETS + 3;
}

/*
 * A free chunk. Why the free list is never empty here. Outside a pop the
 * chunks in use number sum over buckets of ceil(n_i / CH), which is below
 * n / CH + B (one partial chunk per non-empty bucket, B buckets). While pop
 * drains bucket b, each drained chunk is freed as soon as it is read and
 * the partial head chunk is read first, so b holds at most one chunk beyond
 * what its unread nodes fill: the bound grows by one. So at most
 * ceil(n / CH) + B + 1 chunks are ever in use, and E7 keeps B + 3 beyond
 * ceil(n / CH). The spare costs address space only (3 MiB, pages never
 * touched until needed).
 */
static inline uint32_t evq_take_chunk(struct sim_evq *q)
{
  uint32_t c = q->free_head;
  assert(c != NIL);
  q->free_head = q->chunk_next[c];
  return c;
}

static inline void evq_free_chunk(struct sim_evq *q, uint32_t c)
{
  q->chunk_next[c] = q->free_head;
  q->free_head = c;
}

/* Grow the pool to at least want chunks. The new chunks go on the free list
 * lowest first, so a young queue fills its pool from the front. */
static int evq_grow(struct sim_evq *q, size_t want)
{
  if (want > EVQ_MAX_CHUNKS)
    return SIM_ENOMEM;
  size_t nc = q->n_chunks ? q->n_chunks : EVQ_MIN_CHUNKS;
  while (nc < want)
    nc *= 2;
  if (nc > EVQ_MAX_CHUNKS)
    nc = EVQ_MAX_CHUNKS;
  if (nc > SIZE_MAX / (CH * sizeof(*q->pool)))
    return SIM_ENOMEM; /* only reachable with a 32-bit size_t */

  struct sim__evq_node *pool = realloc(q->pool, nc * CH * sizeof(*pool));
  if (pool == NULL)
    return SIM_ENOMEM;
  q->pool = pool; /* bigger and unused beyond n_chunks: harmless on error */
  uint32_t *next = realloc(q->chunk_next, nc * sizeof(*next));
  if (next == NULL)
    return SIM_ENOMEM;
  q->chunk_next = next;

  for (size_t c = nc; c-- > q->n_chunks;)
    evq_free_chunk(q, (uint32_t)c);
  q->n_chunks = (uint32_t)nc;
  return SIM_OK;
}

/* ---------------------------------------------------------------------- */
/* Moving nodes                                                            */
/* ---------------------------------------------------------------------- */

/* Append a copy of *nd to bucket b and point its event back at it (E6). */
static inline void evq_append(struct sim_evq *q, unsigned b,
                              const struct sim__evq_node *nd)
{
  struct sim__evq_bucket *bk = &q->bk[b];
  uint32_t off = bk->n & CH_MASK;
  if (off == 0) { /* head chunk full, or bucket empty */
    uint32_t c = evq_take_chunk(q);
    q->chunk_next[c] = bk->head;
    if (bk->head == NIL)
      evq_mark(q, b);
    bk->head = c;
  }
  uint32_t g = bk->head * CH + off;
  q->pool[g] = *nd;
  struct sim_event *ev = nd->ev;
  ev->slot = g;
  /* A plain store: the queue owns the whole field (sim.h), and reading a
   * cold event here would cost a cache miss per node moved. */
  ev->flags = SIM_EVF_PENDING | (b << EVQ_BUCKET_SHIFT);
  bk->n++;
}

/* The node with the smallest key in the lowest non-empty bucket (E4): its
 * pool index. The queue must not be empty. */
static uint32_t evq_find_min(const struct sim_evq *q)
{
  const struct sim__evq_bucket *bk = &q->bk[evq_lowest(q)];
  uint32_t c = bk->head, cnt = evq_head_fill(bk);
  uint32_t best = c * CH;
  for (; c != NIL; c = q->chunk_next[c], cnt = CH) {
    const struct sim__evq_node *nd = &q->pool[c * CH];
    for (uint32_t k = 0; k < cnt; k++)
      if (evq_node_less(&nd[k], &q->pool[best]))
        best = c * CH + k;
  }
  return best;
}

/*
 * Empty bucket b into lower buckets after last has moved up to the key of
 * the node at pool index skip (which leaves the queue). Every other node
 * lands strictly below b (see the top of the file); chunks are freed as
 * soon as they are read, which is what the bound in evq_take_chunk needs.
 */
static void evq_drain(struct sim_evq *q, unsigned b, uint32_t skip)
{
  struct sim__evq_bucket *bk = &q->bk[b];
  uint32_t c = bk->head, cnt = evq_head_fill(bk);
  bk->head = NIL;
  bk->n = 0;
  evq_unmark(q, b);
  while (c != NIL) {
    uint32_t base = c * CH;
    /* Moving a node writes its event (E6), and with many pending events
     * those are cold. Stores commit in order, so each miss would hold up
     * the next; announcing the whole chunk's stores first lets the misses
     * overlap. Measured: 2.3x the pops per second at a million pending,
     * no change at a thousand. */
    for (uint32_t k = 0; k < cnt; k++)
      EVQ_PREFETCH_FOR_WRITE(q->pool[base + k].ev);
    for (uint32_t k = 0; k < cnt; k++) {
      if (base + k == skip)
        continue;
      struct sim__evq_node nd = q->pool[base + k];
      unsigned nb = evq_bucket_of(q, nd.t_ns, nd.seq);
      assert(nb < b);
      evq_append(q, nb, &nd);
    }
    uint32_t next = q->chunk_next[c];
    evq_free_chunk(q, c);
    c = next;
    cnt = CH;
  }
}

/* Take the node at pool index g out of bucket b: the bucket's last node
 * (the last one of its head chunk) fills the hole. */
static void evq_unlink(struct sim_evq *q, unsigned b, uint32_t g)
{
  struct sim__evq_bucket *bk = &q->bk[b];
  uint32_t h = bk->head, fill = evq_head_fill(bk);
  uint32_t last = h * CH + fill - 1;
  if (g != last) {
    q->pool[g] = q->pool[last];
    q->pool[g].ev->slot = g;
  }
  bk->n--;
  if (fill == 1) {
    bk->head = q->chunk_next[h];
    evq_free_chunk(q, h);
    if (bk->n == 0)
      evq_unmark(q, b);
  }
}

/* ---------------------------------------------------------------------- */
/* API                                                                     */
/* ---------------------------------------------------------------------- */

void sim_event_init(struct sim_event *ev, sim_event_fn fn, void *arg)
{
  memset(ev, 0, sizeof(*ev));
  ev->fn = fn;
  ev->arg = arg;
}

void sim__evq_init(struct sim_evq *q)
{
  for (unsigned b = 0; b < SIM__EVQ_BUCKETS; b++) {
    q->bk[b].head = NIL;
    q->bk[b].n = 0;
  }
  memset(q->nonempty, 0, sizeof(q->nonempty));
  q->summary = 0;
  q->pool = NULL;
  q->chunk_next = NULL;
  q->n_chunks = 0;
  q->free_head = NIL;
  q->n = 0;
  q->next_seq = 1; /* E1, E2: the first key exceeds (INT64_MIN, 0) */
  q->last_t_ns = INT64_MIN;
  q->last_seq = 0;
  q->peek_min = NULL;
}

void sim__evq_fini(struct sim_evq *q)
{
  free(q->pool);
  free(q->chunk_next);
  sim__evq_init(q);
}

int sim__evq_reserve(struct sim_evq *q, size_t n)
{
  size_t want = evq_chunks_needed(n);
  if (want <= q->n_chunks)
    return SIM_OK;
  return evq_grow(q, want);
}

void sim__evq_push(struct sim_evq *q, struct sim_event *ev, int64_t t_ns)
{
  assert(!sim_event_pending(ev));
  assert(t_ns >= q->last_t_ns); /* E2: the world never goes back in time */
  if (sim__evq_reserve(q, q->n + 1) != SIM_OK) {
    /* No error path in this call by contract; sim__evq_reserve() is the
     * way to find out beforehand. */
    fprintf(stderr, "tcpsim: event queue: out of memory at %zu events\n",
            q->n);
    abort();
  }
  struct sim__evq_node nd = { t_ns, q->next_seq++, ev };
  ev->t_ns = t_ns;
  ev->seq = nd.seq;
  evq_append(q, evq_bucket_of(q, t_ns, nd.seq), &nd);
  q->n++;
  /* E8: the newest seq loses every tie, so only an earlier time can take
   * the cached minimum's place. */
  if (q->peek_min != NULL && t_ns < q->peek_min->t_ns)
    q->peek_min = ev;
}

void sim__evq_remove(struct sim_evq *q, struct sim_event *ev)
{
  assert(sim_event_pending(ev));
  assert(ev->slot < q->n_chunks * CH && q->pool[ev->slot].ev == ev);
  evq_unlink(q, evq_ev_bucket(ev), ev->slot);
  ev->flags &= ~(SIM_EVF_PENDING | EVQ_BUCKET_MASK);
  q->n--;
  if (q->peek_min == ev)
    q->peek_min = NULL;
}

struct sim_event *sim__evq_pop(struct sim_evq *q)
{
  if (q->n == 0)
    return NULL;
  uint32_t g = q->peek_min ? q->peek_min->slot : evq_find_min(q);
  struct sim_event *ev = q->pool[g].ev;
  unsigned b = evq_ev_bucket(ev);
  q->last_t_ns = ev->t_ns;
  q->last_seq = ev->seq;
  if (q->bk[b].n == 1)
    evq_unlink(q, b, g); /* nothing to redistribute */
  else
    evq_drain(q, b, g);
  ev->flags &= ~(SIM_EVF_PENDING | EVQ_BUCKET_MASK);
  q->n--;
  q->peek_min = NULL;
  return ev;
}

struct sim_event *sim__evq_peek(struct sim_evq *q)
{
  if (q->n == 0)
    return NULL;
  if (q->peek_min == NULL)
    q->peek_min = q->pool[evq_find_min(q)].ev;
  return q->peek_min;
}

size_t sim__evq_size(const struct sim_evq *q)
{
  return q->n;
}

/* ---------------------------------------------------------------------- */
/* Debug check                                                             */
/* ---------------------------------------------------------------------- */

bool sim__evq_check(const struct sim_evq *q)
{
  if (q->n > 0 && q->n_chunks < evq_chunks_needed(q->n))
    return false; /* E7 */
  /* Which chunks have been seen, to prove each is owned exactly once. */
  unsigned char *seen = NULL;
  if (q->n_chunks > 0) {
    seen = calloc(q->n_chunks, 1);
    if (seen == NULL)
      return false;
  }
  bool ok = false;
  size_t total = 0, chunks = 0;
  const struct sim__evq_node *min = NULL;

  for (unsigned b = 0; b < SIM__EVQ_BUCKETS; b++) {
    const struct sim__evq_bucket *bk = &q->bk[b];
    bool bit = (q->nonempty[b >> 6] >> (b & 63)) & 1;
    if (bit != (bk->n != 0) || (bk->n == 0) != (bk->head == NIL))
      goto out; /* E5 */
    bool word_bit = (q->summary >> (b >> 6)) & 1;
    if (word_bit != (q->nonempty[b >> 6] != 0))
      goto out; /* E5 */
    uint32_t cnt = bk->n ? evq_head_fill(bk) : 0, in_bucket = 0;
    for (uint32_t c = bk->head; c != NIL; c = q->chunk_next[c], cnt = CH) {
      if (c >= q->n_chunks || seen[c])
        goto out; /* E7: one owner */
      seen[c] = 1;
      chunks++;
      for (uint32_t k = 0; k < cnt; k++) {
        uint32_t g = c * CH + k;
        const struct sim__evq_node *nd = &q->pool[g];
        const struct sim_event *ev = nd->ev;
        if (ev->slot != g || evq_ev_bucket(ev) != b ||
            !sim_event_pending(ev) || ev->t_ns != nd->t_ns ||
            ev->seq != nd->seq)
          goto out; /* E6 */
        if (nd->seq == 0 || nd->seq >= q->next_seq)
          goto out; /* E1 */
        if (nd->t_ns < q->last_t_ns ||
            (nd->t_ns == q->last_t_ns && nd->seq <= q->last_seq))
          goto out; /* E2 */
        if (evq_bucket_of(q, nd->t_ns, nd->seq) != b)
          goto out; /* E3 */
        if (min == NULL || evq_node_less(nd, min))
          min = nd;
        in_bucket++;
      }
    }
    if (in_bucket != bk->n)
      goto out; /* E5 */
    total += in_bucket;
  }
  if (total != q->n)
    goto out;
  for (uint32_t c = q->free_head; c != NIL; c = q->chunk_next[c]) {
    if (c >= q->n_chunks || seen[c])
      goto out; /* E7 */
    seen[c] = 1;
    chunks++;
  }
  if (chunks != q->n_chunks)
    goto out; /* E7: none lost */
  if (q->peek_min != NULL && (min == NULL || q->peek_min != min->ev))
    goto out; /* E8 */
  ok = true;
out:
  free(seen);
  return ok;
}
