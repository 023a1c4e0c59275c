/*
 * link.c - full-duplex links: per-direction drop-tail queues, serialisation
 * and propagation delays, faults, up/down and statistics.
 *
 * Life of a packet offered to a link direction (sim__link_send), in this
 * fixed order:
 *   1. link down                -> drop LINK_DOWN;
 *   2. fault draws: each enabled fault draws from its own stream once per
 *      packet (axiom L6), before any of them is applied;
 *   3. hold                     -> the packet is parked for a time drawn
 *      from hold_time, then propagates (delay_ns) and is delivered with
 *      SIM_PKTF_HELD; it skips queue and transmitter, which is what makes
 *      it overtake later packets as an old duplicate does;
 *   4. loss (Bernoulli, or Gilbert-Elliott when burst_p_gb > 0: the state
 *      moves first, then the loss draw uses the new state's probability)
 *                               -> drop LOSS; a lost packet costs no queue
 *      slot and no link time: it never made it onto the wire;
 *   5. queue full               -> drop QUEUE_FULL (the transmitter is busy
 *      and queue_pkts packets already wait);
 *   6. accepted: traced as sent, then serialised when the transmitter is
 *      free: ceil(ip_len * 8 * 1e9 / rate_bps) ns, then it propagates for
 *      delay_ns and is handed to the far node (on an idle transmitter in
 *      one event, cut-through: L2 in sim/sim_int.h);
 *   7. duplication              -> a copy (fresh uid, SIM_PKTF_DUPLICATE)
 *      is offered to the queue right behind the original: it needs its own
 *      slot (else it is dropped QUEUE_FULL) and its own serialisation.
 * Going down drops the queue and the packet being serialised at once, and
 * what is propagating or held when its delivery time comes (axiom L4); all
 * counted LINK_DOWN and attributed to the sending node.
 *
 * The axioms of a direction (L1-L6) are in sim/sim_int.h.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"

/* ====================================================================== */
/* Private functions                                                       */
/* ====================================================================== */

static void tx_done(struct sim_world *w, struct sim_event *ev, void *arg);
static void arrive(struct sim_world *w, struct sim_event *ev, void *arg);

/* ceil(a * b / d) for d > 0 without overflow in the common case, and by
 * 128-bit long division (in 64-bit halves) when a * b does not fit. */
static uint64_t muldiv_ceil(uint64_t a, uint64_t b, uint64_t d)
{
  if (a == 0 || b <= UINT64_MAX / a) {
    uint64_t prod = a * b;
    return prod / d + (prod % d != 0);
  }
  /* Schoolbook 64x64 -> 128 multiply. */
  uint64_t al = a & 0xffffffffu, ah = a >> 32;
  uint64_t bl = b & 0xffffffffu, bh = b >> 32;
  uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  uint64_t lo = (ll & 0xffffffffu) | (mid << 32);
  uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  /* Restoring division of hi:lo by d, one bit at a time. */
  uint64_t q = 0, r = 0;
  for (int i = 127; i >= 0; i--) {
    uint64_t bit = i >= 64 ? (hi >> (i - 64)) & 1 : (lo >> i) & 1;
    bool carry = (r >> 63) != 0;
    r = r << 1 | bit;
    q <<= 1;
    if (carry || r >= d) {
      r -= d;
      q |= 1;
    }
  }
  return q + (r != 0);
}

int64_t sim__ser_ns(uint64_t ip_len, uint64_t rate_bps)
{
  if (rate_bps == 0)
    return 0;
  uint64_t ns = muldiv_ceil(ip_len * 8, (uint64_t)SIM_S, rate_bps);
  return ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)ns;
}

static bool prob_ok(double p)
{
  return p >= 0.0 && p <= 1.0; /* false for NaN too */
}

static int params_check(const struct sim_link_params *lp)
{
  if (lp->delay_ns < 0)
    return SIM_ERANGE;
  if (!prob_ok(lp->loss) || !prob_ok(lp->burst_p_gb) ||
      !prob_ok(lp->burst_p_bg) || !prob_ok(lp->burst_loss_good) ||
      !prob_ok(lp->burst_loss_bad) || !prob_ok(lp->dup) || !prob_ok(lp->hold))
    return SIM_ERANGE;
  const struct sim_dist *d = &lp->hold_time;
  switch (d->kind) {
  case SIM_DIST_CONST:
    if (d->a_ns < 0)
      return SIM_ERANGE;
    break;
  case SIM_DIST_UNIFORM:
    if (d->a_ns < 0 || d->b_ns < d->a_ns)
      return SIM_ERANGE;
    break;
  case SIM_DIST_EXP:
    if (d->a_ns < 0 || d->b_ns < 0)
      return SIM_ERANGE;
    break;
  default:
    return SIM_EINVAL;
  }
  return SIM_OK;
}

/* The fault thresholds of d from lp (L6: the streams are untouched). */
static void dir_thresholds(struct sim__linkdir *d,
                           const struct sim_link_params *lp)
{
  d->thr_loss = sim_prob_threshold(lp->loss);
  d->thr_gb = sim_prob_threshold(lp->burst_p_gb);
  d->thr_bg = sim_prob_threshold(lp->burst_p_bg);
  d->thr_loss_good = sim_prob_threshold(lp->burst_loss_good);
  d->thr_loss_bad = sim_prob_threshold(lp->burst_loss_bad);
  d->thr_dup = sim_prob_threshold(lp->dup);
  d->thr_hold = sim_prob_threshold(lp->hold);
}

static void dir_init(struct sim_world *w, struct sim__linkdir *d,
                     const struct sim_link_params *lp, uint32_t link,
                     int dir, uint32_t from, uint32_t to)
{
  memset(d, 0, sizeof *d);
  d->p = *lp;
  d->from = from;
  d->to = to;
  sim_event_init(&d->tx_ev, tx_done, d);
  dir_thresholds(d, lp);
  uint64_t obj = (uint64_t)link * 2 + (uint64_t)dir;
  sim_rng_seed(&d->rng_loss, w->seed, "link.loss", obj);
  sim_rng_seed(&d->rng_dup, w->seed, "link.dup", obj);
  sim_rng_seed(&d->rng_hold, w->seed, "link.hold", obj);
}

static void start_tx(struct sim_world *w, struct sim__linkdir *d,
                     struct sim_packet *p)
{
  assert(!d->tx);
  d->tx = p;
  int64_t t = w->now_ns + sim__ser_ns(sim_packet_ip_len(p), d->p.rate_bps);
  int rc = sim_schedule_at(w, &d->tx_ev, t);
  assert(rc == SIM_OK); /* only ENOMEM could fail here */
  (void)rc;
}

/* Put p in flight on direction d: it arrives after delay_ns (+ extra). */
static void launch(struct sim_world *w, struct sim__linkdir *d,
                   struct sim_packet *p, int64_t extra_ns)
{
  sim_event_init(&p->ev, arrive, p);
  p->cur_gen = d->down_gen;
  int rc = sim_schedule_at(w, &p->ev, w->now_ns + extra_ns + d->p.delay_ns);
  assert(rc == SIM_OK);
  (void)rc;
}

/* Accept p into direction d (queue or transmitter). */
static void accept(struct sim_world *w, struct sim__link *l, int dir,
                   struct sim_packet *p)
{
  struct sim__linkdir *d = &l->d[dir];
  p->cur_link = l->id;
  p->cur_dir = (uint8_t)dir;
  p->qnext = NULL;
  d->st.enqueued++;
  sim__trace_send(w, d->from, l->id, dir, p);
  if (!d->tx && w->now_ns < d->fast_until) {
    /* The cut-through packet is still being serialised: it becomes the
     * transmitter's packet again, and p waits behind it (L2). */
    d->tx = d->fast;
    d->tx_launched = true;
    int rc = sim_schedule_at(w, &d->tx_ev, d->fast_until);
    assert(rc == SIM_OK);
    (void)rc;
  }
  if (!d->tx) {
    int64_t ser = sim__ser_ns(sim_packet_ip_len(p), d->p.rate_bps);
    if (ser > 0) { /* cut-through (L2) */
      d->fast = p;
      d->fast_until = w->now_ns + ser;
      launch(w, d, p, ser);
    } else {
      start_tx(w, d, p);
    }
  } else {
    if (d->qtail)
      d->qtail->qnext = p;
    else
      d->qhead = p;
    d->qtail = p;
    d->qlen++;
  }
}

/* The transmitter is busy (with a tx or a cut-through packet, L2) and
 * queue_pkts packets already wait. */
static bool queue_full(const struct sim_world *w, const struct sim__linkdir *d)
{
  return (d->tx || w->now_ns < d->fast_until) && d->qlen >= d->p.queue_pkts;
}

static bool draw_loss(struct sim__linkdir *d)
{
  if (d->thr_gb) {
    if (d->ge_bad) {
      if (sim_rng_hit(&d->rng_loss, d->thr_bg))
        d->ge_bad = false;
    } else if (sim_rng_hit(&d->rng_loss, d->thr_gb)) {
      d->ge_bad = true;
    }
    return sim_rng_hit(&d->rng_loss,
                       d->ge_bad ? d->thr_loss_bad : d->thr_loss_good);
  }
  return d->thr_loss && sim_rng_hit(&d->rng_loss, d->thr_loss);
}

static void tx_done(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct sim__linkdir *d = arg;
  struct sim_packet *p = d->tx;
  assert(p);
  d->tx = NULL;
  if (d->tx_launched) /* a cut-through packet: already in flight (L2) */
    d->tx_launched = false;
  else
    launch(w, d, p, 0);
  struct sim_packet *next = d->qhead;
  if (next) {
    d->qhead = next->qnext;
    if (!d->qhead)
      d->qtail = NULL;
    d->qlen--;
    next->qnext = NULL;
    start_tx(w, d, next);
  }
}

static void arrive(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct sim_packet *p = arg;
  struct sim__link *l = w->links[p->cur_link];
  struct sim__linkdir *d = &l->d[p->cur_dir];
  if (p->cur_gen != d->down_gen) { /* L4 */
    d->st.down_drops++;
    sim__drop(w, d->from, l->id, SIM_DROP_LINK_DOWN, p);
    return;
  }
  d->st.delivered++;
  d->st.bytes += sim_packet_ip_len(p);
  sim__node_input(w, d->to, l->id, p);
}

static void dir_flush(struct sim_world *w, struct sim__link *l, int dir,
                      enum sim_drop_reason why)
{
  struct sim__linkdir *d = &l->d[dir];
  if (!d->tx && w->now_ns < d->fast_until) {
    d->tx = d->fast; /* being serialised: goes as a tx would */
    d->tx_launched = true;
  }
  d->fast_until = 0;
  if (d->tx) {
    sim_cancel(w, &d->tx_ev);
    struct sim_packet *p = d->tx;
    if (d->tx_launched)
      sim_cancel(w, &p->ev);
    d->tx = NULL;
    d->tx_launched = false;
    if (why == SIM_DROP_LINK_DOWN)
      d->st.down_drops++;
    sim__drop(w, d->from, l->id, why, p);
  }
  while (d->qhead) {
    struct sim_packet *p = d->qhead;
    d->qhead = p->qnext;
    d->qlen--;
    if (why == SIM_DROP_LINK_DOWN)
      d->st.down_drops++;
    sim__drop(w, d->from, l->id, why, p);
  }
  d->qtail = NULL;
  assert(d->qlen == 0);
}

/* ====================================================================== */
/* Internal API                                                            */
/* ====================================================================== */

int sim__link_send(struct sim_world *w, uint32_t link, uint32_t from,
                   struct sim_packet *p)
{
  struct sim__link *l = w->links[link];
  int dir = from == l->a ? 0 : 1;
  assert(from == (dir ? l->b : l->a));
  struct sim__linkdir *d = &l->d[dir];
  if (!l->up) {
    d->st.down_drops++;
    sim__drop(w, from, link, SIM_DROP_LINK_DOWN, p);
    return SIM_EDOWN;
  }
  /* L6: all draws first, then the decisions in their fixed order. */
  bool held = d->thr_hold && sim_rng_hit(&d->rng_hold, d->thr_hold);
  bool lost = draw_loss(d);
  bool dup = d->thr_dup && sim_rng_hit(&d->rng_dup, d->thr_dup);
  int64_t hold_ns = held ? sim_dist_sample(&d->rng_hold, &d->p.hold_time) : 0;

  if (held) {
    d->st.held++;
    p->flags |= SIM_PKTF_HELD;
    p->cur_link = link;
    p->cur_dir = (uint8_t)dir;
    sim__trace_send(w, from, link, dir, p);
    launch(w, d, p, hold_ns < 0 ? 0 : hold_ns);
    return SIM_OK;
  }
  if (lost) {
    d->st.lost++;
    sim__drop(w, from, link, SIM_DROP_LOSS, p);
    return SIM_OK;
  }
  if (queue_full(w, d)) {
    d->st.queue_drops++;
    sim__drop(w, from, link, SIM_DROP_QUEUE_FULL, p);
    return SIM_OK;
  }
  /* Clone before accepting, so the copy is what the sender offered and
   * not what accept() stamped on the original. */
  struct sim_packet *copy = dup ? sim_packet_clone(w, p) : NULL;
  accept(w, l, dir, p);
  if (copy) {
    d->st.duplicated++;
    copy->flags |= SIM_PKTF_DUPLICATE;
    if (queue_full(w, d)) {
      d->st.queue_drops++;
      sim__drop(w, from, link, SIM_DROP_QUEUE_FULL, copy);
    } else {
      accept(w, l, dir, copy);
    }
  }
  return SIM_OK;
}

void sim__link_flush_from(struct sim_world *w, uint32_t link, uint32_t from,
                          enum sim_drop_reason why)
{
  struct sim__link *l = w->links[link];
  dir_flush(w, l, from == l->a ? 0 : 1, why);
}

void sim__link_fini_world(struct sim_world *w)
{
  /* Packets still queued or in flight go with the pool's slabs. */
  for (size_t i = 0; i < w->nlinks; i++)
    free(w->links[i]);
  free(w->links);
}

/* ====================================================================== */
/* API                                                                     */
/* ====================================================================== */

void sim_link_params_default(struct sim_link_params *lp)
{
  memset(lp, 0, sizeof *lp);
  lp->rate_bps = 100000000;
  lp->delay_ns = 1 * SIM_MS;
  lp->queue_pkts = 100;
  lp->hold_time.kind = SIM_DIST_CONST;
}

int sim_link_add(struct sim_world *w, uint32_t a, uint32_t b,
                 const struct sim_link_params *ab,
                 const struct sim_link_params *ba, uint32_t *id_out)
{
  if (a >= w->nnodes || b >= w->nnodes || a == b || !ab)
    return SIM_EINVAL;
  if (!ba)
    ba = ab;
  int rc = params_check(ab);
  if (rc == SIM_OK)
    rc = params_check(ba);
  if (rc != SIM_OK)
    return rc;
  if (w->nlinks >= SIM__NONE / 2 - 1)
    return SIM_ERANGE;
  if (w->nlinks == w->links_cap) {
    size_t nc = w->links_cap ? w->links_cap * 2 : 16;
    struct sim__link **nl = realloc(w->links, nc * sizeof *nl);
    if (!nl)
      return SIM_ENOMEM;
    w->links = nl;
    w->links_cap = nc;
  }
  uint32_t id = (uint32_t)w->nlinks;
  struct sim__link *l = calloc(1, sizeof *l);
  if (!l)
    return SIM_ENOMEM;
  l->id = id;
  l->a = a;
  l->b = b;
  l->up = true;
  dir_init(w, &l->d[0], ab, id, 0, a, b);
  dir_init(w, &l->d[1], ba, id, 1, b, a);
  /* Both ends must record the link, or neither. */
  if (sim__node_attach_link(w, a, id) != SIM_OK) {
    free(l);
    return SIM_ENOMEM;
  }
  if (sim__node_attach_link(w, b, id) != SIM_OK) {
    w->nodes[a]->nlinks--;
    free(l);
    return SIM_ENOMEM;
  }
  w->links[w->nlinks++] = l;
  w->routes_valid = false;
  if (id_out)
    *id_out = id;
  return SIM_OK;
}

int sim_link_params_get(const struct sim_world *w, uint32_t link, int dir,
                        struct sim_link_params *out)
{
  if (!w || !out || link >= w->nlinks || (dir != 0 && dir != 1))
    return SIM_EINVAL;
  *out = w->links[link]->d[dir].p;
  return SIM_OK;
}

int sim_link_params_set(struct sim_world *w, uint32_t link, int dir,
                        const struct sim_link_params *lp)
{
  if (!w || !lp || link >= w->nlinks || (dir != 0 && dir != 1))
    return SIM_EINVAL;
  int rc = params_check(lp);
  if (rc != SIM_OK)
    return rc;
  struct sim__linkdir *d = &w->links[link]->d[dir];
  /* A cut-through packet still being serialised (then tx is empty or that
   * packet, L2) propagates with the new delay, as a tx would. */
  if (w->now_ns < d->fast_until && lp->delay_ns != d->p.delay_ns)
    (void)sim_rearm_at(w, &d->fast->ev, d->fast_until + lp->delay_ns);
  d->p = *lp;
  dir_thresholds(d, lp);
  /* A shorter queue: the packets beyond it are dropped from the tail, as
   * if they had found it full (L1). */
  while (d->qlen > d->p.queue_pkts) {
    struct sim_packet *p = d->qhead, *prev = NULL;
    while (p->qnext) {
      prev = p;
      p = p->qnext;
    }
    if (prev)
      prev->qnext = NULL;
    else
      d->qhead = NULL;
    d->qtail = prev;
    d->qlen--;
    d->st.queue_drops++;
    sim__drop(w, d->from, link, SIM_DROP_QUEUE_FULL, p);
  }
  return SIM_OK;
}

size_t sim_link_count(const struct sim_world *w)
{
  return w->nlinks;
}

int sim_link_ends(const struct sim_world *w, uint32_t link, uint32_t *a,
                  uint32_t *b)
{
  if (link >= w->nlinks)
    return SIM_ENOENT;
  if (a)
    *a = w->links[link]->a;
  if (b)
    *b = w->links[link]->b;
  return SIM_OK;
}

int sim_link_set_up(struct sim_world *w, uint32_t link, bool up)
{
  if (link >= w->nlinks)
    return SIM_ENOENT;
  struct sim__link *l = w->links[link];
  if (l->up == up)
    return SIM_OK;
  l->up = up;
  if (!up)
    for (int dir = 0; dir < 2; dir++) {
      l->d[dir].down_gen++; /* L4: what is in flight now will not arrive */
      dir_flush(w, l, dir, SIM_DROP_LINK_DOWN);
    }
  return SIM_OK;
}

static void updown_up(struct sim_world *w, void *arg)
{
  struct sim__link *l = arg;
  (void)sim_link_set_up(w, l->id, true);
}

static void updown_down(struct sim_world *w, void *arg)
{
  struct sim__link *l = arg;
  (void)sim_link_set_up(w, l->id, false);
}

int sim_link_schedule_updown(struct sim_world *w, uint32_t link, int64_t t_ns,
                             bool up)
{
  if (link >= w->nlinks)
    return SIM_ENOENT;
  return sim_call_at(w, t_ns, up ? updown_up : updown_down, w->links[link]);
}

bool sim_link_is_up(const struct sim_world *w, uint32_t link)
{
  return link < w->nlinks && w->links[link]->up;
}

int sim_link_stats(const struct sim_world *w, uint32_t link, int dir,
                   struct sim_link_stats *out)
{
  if (link >= w->nlinks)
    return SIM_ENOENT;
  if (dir != 0 && dir != 1)
    return SIM_EINVAL;
  *out = w->links[link]->d[dir].st;
  return SIM_OK;
}

/* ====================================================================== */
/* Debug checks                                                            */
/* ====================================================================== */

bool sim__link_check(const struct sim_world *w, uint32_t link)
{
  const struct sim__link *l = w->links[link];
  if (l->id != link)
    return false;
  for (int dir = 0; dir < 2; dir++) {
    const struct sim__linkdir *d = &l->d[dir];
    uint32_t n = 0;
    const struct sim_packet *last = NULL;
    for (const struct sim_packet *p = d->qhead; p; p = p->qnext) {
      if (p->cur_link != link || p->cur_dir != dir)
        return false; /* L3 */
      last = p;
      n++;
    }
    if (n != d->qlen || last != d->qtail || n > d->p.queue_pkts)
      return false; /* L1 */
    if ((d->tx != NULL) != sim_event_pending(&d->tx_ev))
      return false; /* L2 */
    if (!d->tx && d->qlen)
      return false; /* L2 */
    if (!l->up && (d->tx || d->qlen))
      return false; /* L5 */
  }
  return true;
}
