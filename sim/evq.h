/*
 * evq.h - the event queue of the simulation core (internal).
 *
 * Do not use outside sim/, tests/ and bench/: the world owns the only queue
 * and everybody else schedules through sim_schedule_at() and friends.
 *
 * The queue holds pending struct sim_event records (intrusive: the record is
 * embedded in its owner, the queue only points at it) and hands them back in
 * increasing (t_ns, seq) order. seq is an insertion counter, so events at
 * the same time fire first-in first-out and a run never depends on where
 * the records happen to live in memory. The axioms below are the whole
 * contract with sim/evq.c, which explains the algorithm; sim__evq_check()
 * verifies the axioms in tests. bench/README.md has the measurements that
 * chose this structure over binary and 4-ary heaps.
 */
#ifndef TCPSIM_SIM_EVQ_H
#define TCPSIM_SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

/*
 * Structure: a radix heap with 256-way digits over the 128-bit key
 * K = (t_ns, seq), exploiting that the world never schedules an event
 * before the last one it ran (E2). The key is read as 16 digits of 8 bits
 * (8 for t_ns, then 8 for seq). A pending event sits in the bucket named by
 * the most significant digit in which its key differs from last, the key of
 * the last pop, and by its own value of that digit; popping empties the
 * lowest non-empty bucket into lower ones. Buckets are lists of fixed-size
 * chunks of nodes taken from one pool, so a bucket is scanned as contiguous
 * memory and moving nodes between buckets never allocates.
 *
 * Notation: key(e) = (e->t_ns, e->seq), compared lexicographically (t_ns as
 * signed); last = (last_t_ns, last_seq); CH = SIM__EVQ_CHUNK nodes per chunk;
 * bitlen(x) = number of significant bits of x. For a key k > last, with
 * u(t) = t XOR 2^63 (the unsigned image of t, same order):
 *   if t_ns != last_t_ns:  x = t_ns XOR last_t_ns, v = u(t_ns), half = 1
 *   otherwise:             x = seq XOR last_seq,   v = seq,     half = 0
 *   level(k) = 8 * half + (bitlen(x) - 1) / 8         (0 .. 15)
 *   digit(k) = byte number (bitlen(x) - 1) / 8 of v   (0 .. 255)
 *   bucket(k) = 256 * level(k) + digit(k)
 *
 * Axioms (E1-E9), true between any two calls:
 *
 *   E1. seq values are unique and nonzero: every push takes next_seq
 *       (starting at 1), which then grows, so a later push compares
 *       greater than an earlier one at equal time.
 *   E2. Monotone keys: key(e) > last for every pending e. last is the key of
 *       the last popped event, (INT64_MIN, 0) before the first pop; the
 *       world schedules nothing before its clock, which is last_t_ns.
 *   E3. A pending event e is stored in bucket bucket(key(e)) (defined
 *       because key(e) != last by E2).
 *   E4. Consequence of E2-E3: every key in bucket i is smaller than every
 *       key in bucket j > i (same level: the digit decides; lower level: it
 *       agrees with last where the higher level's keys exceed it), so the
 *       minimum is in the lowest non-empty bucket.
 *   E5. Bucket i holds bk[i].n nodes in a singly linked list of chunks
 *       starting at bk[i].head (SIM__EVQ_NIL when empty). The head chunk
 *       holds ((n - 1) mod CH) + 1 nodes in its first positions, every other
 *       chunk exactly CH. Bit i of nonempty[] is set iff bk[i].n > 0, and
 *       bit w of summary iff nonempty[w] != 0.
 *   E6. Back-index: the node at pool index g holds ev with ev->slot == g,
 *       bits 8-19 of ev->flags equal to its bucket, SIM_EVF_PENDING set, and
 *       node.t_ns/.seq equal to ev->t_ns/ev->seq.
 *   E7. Every chunk of the pool is in exactly one bucket list or on the free
 *       list, and n_chunks >= ceil(n / CH) + SIM__EVQ_BUCKETS + 3.
 *       By the counting argument in evq.c, pop therefore never runs out of
 *       chunks: only push (and sim__evq_reserve) allocates.
 *   E8. peek_min is NULL or the pending event with the smallest key.
 *   E9. An event not in the queue has SIM_EVF_PENDING clear, and the queue
 *       never reads or writes it again.
 */

#define SIM__EVQ_DIGIT_BITS 8
#define SIM__EVQ_LEVELS (128 / SIM__EVQ_DIGIT_BITS)
#define SIM__EVQ_BUCKETS (SIM__EVQ_LEVELS << SIM__EVQ_DIGIT_BITS) /* 4096 */
#define SIM__EVQ_WORDS (SIM__EVQ_BUCKETS / 64)                    /* 64 */
#define SIM__EVQ_CHUNK_BITS 5
#define SIM__EVQ_CHUNK (1u << SIM__EVQ_CHUNK_BITS) /* nodes per chunk */
#define SIM__EVQ_NIL UINT32_MAX                    /* "no chunk" */

/* A copy of the key next to the event, so scans read contiguous memory. */
struct sim__evq_node {
  int64_t t_ns;
  uint64_t seq;
  struct sim_event *ev;
};

struct sim__evq_bucket {
  uint32_t head;                /* first chunk (the partly filled one) */
  uint32_t n;                   /* nodes in this bucket */
};

struct sim_evq {
  struct sim__evq_bucket bk[SIM__EVQ_BUCKETS];
  uint64_t nonempty[SIM__EVQ_WORDS]; /* bit i: bucket i has nodes (E5) */
  uint64_t summary;             /* bit w: nonempty[w] != 0 (E5) */
  struct sim__evq_node *pool;   /* n_chunks * CH nodes */
  uint32_t *chunk_next;         /* next chunk in a bucket or the free list */
  uint32_t n_chunks;            /* chunks allocated */
  uint32_t free_head;           /* free chunk list, SIM__EVQ_NIL when empty */
  size_t n;                     /* pending events */
  uint64_t next_seq;            /* seq of the next push (E1) */
  int64_t last_t_ns;            /* key of the last pop (E2) */
  uint64_t last_seq;
  struct sim_event *peek_min;   /* cached minimum (E8) */
};

void sim__evq_init(struct sim_evq *q);
/* Free the queue's memory. Pending events are left as they are. */
void sim__evq_fini(struct sim_evq *q);
/* Make room for n pending events, so that pushes up to that size cannot
 * fail. Cheap when the room is there already (one comparison). Returns
 * SIM_OK or SIM_ENOMEM; the queue is unchanged on failure. */
int sim__evq_reserve(struct sim_evq *q, size_t n);
/* Preconditions: (a) ev is not pending; (b) t_ns >= the time of the last
 * popped event. Sets ev->t_ns, ev->seq and SIM_EVF_PENDING. Aborts if the
 * pool cannot grow; call sim__evq_reserve(q, size + 1) first to get an
 * error instead. */
void sim__evq_push(struct sim_evq *q, struct sim_event *ev, int64_t t_ns);
/* Precondition: ev is pending in q. Clears SIM_EVF_PENDING. O(1). */
void sim__evq_remove(struct sim_evq *q, struct sim_event *ev);
/* Remove and return the minimum (t_ns, seq); NULL when empty. Never
 * allocates. */
struct sim_event *sim__evq_pop(struct sim_evq *q);
/* The minimum without removing it; NULL when empty. The answer is cached,
 * so the usual peek-then-pop pays for one search. */
struct sim_event *sim__evq_peek(struct sim_evq *q);
size_t sim__evq_size(const struct sim_evq *q);
/* Verify axioms E1-E9 by a full scan (O(n + chunks)); true when they hold.
 * For asserts in tests, never on a hot path. */
bool sim__evq_check(const struct sim_evq *q);

#endif /* TCPSIM_SIM_EVQ_H */
