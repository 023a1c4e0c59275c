/*
 * world.c - the world: its clock and run loop, the scheduling calls of the
 * public API, one-shot calls, errors, trace subscriptions and drop counters.
 *
 * The run loop pops events from the queue of sim/evq.c in (time, sequence)
 * order; the wrappers here enforce what the queue only asserts (no time in
 * the past, no double scheduling) and turn it into return codes. The
 * world's axioms (W1-W6) are written in sim/sim_int.h.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"

/* ====================================================================== */
/* Errors and drop reasons                                                 */
/* ====================================================================== */

const char *sim_strerror(int err)
{
  switch (err) {
#define SIM__ERR_MSG(name, code, msg) \
  case (code):                        \
    return msg;
    SIM_ERRORS(SIM__ERR_MSG)
#undef SIM__ERR_MSG
  default:
    return "unknown error";
  }
}

const char *sim_errname(int err)
{
  switch (err) {
#define SIM__ERR_NAME(name, code, msg) \
  case (code):                         \
    return "SIM_" #name;
    SIM_ERRORS(SIM__ERR_NAME)
#undef SIM__ERR_NAME
  default:
    return "SIM_E?";
  }
}

const char *sim_drop_reason_name(enum sim_drop_reason r)
{
  static const char *const names[] = {
#define SIM__DROP_TEXT(name, text) text,
      SIM_DROP_REASONS(SIM__DROP_TEXT)
#undef SIM__DROP_TEXT
  };
  if ((int)r < 0 || r >= SIM_DROP__COUNT)
    return "unknown";
  return names[r];
}

/* ====================================================================== */
/* World                                                                   */
/* ====================================================================== */

struct sim_world *sim_world_new(uint64_t seed)
{
  struct sim_world *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->seed = seed;
  w->uid_next = 1;
  sim__evq_init(&w->q);
  memset(w->proto_slot, -1, sizeof w->proto_slot);
  if (sim__node_init_world(w) != SIM_OK) {
    sim__evq_fini(&w->q);
    free(w);
    return NULL;
  }
  return w;
}

void sim_world_free(struct sim_world *w)
{
  if (!w)
    return;
  assert(!w->running);
  /* Modules first: their detach may still look at nodes and packets. */
  sim__node_fini_world(w);
  sim__link_fini_world(w);
  sim__packet_pool_fini(w);
  for (size_t i = 0; i < w->ncall_slabs; i++)
    free(w->call_slabs[i]);
  free(w->call_slabs);
  free(w->traces);
  sim__evq_fini(&w->q);
  free(w);
}

uint64_t sim_world_seed(const struct sim_world *w)
{
  return w->seed;
}

int64_t sim_now(const struct sim_world *w)
{
  return w->now_ns;
}

uint64_t sim_events_processed(const struct sim_world *w)
{
  return w->events_processed;
}

size_t sim_events_pending(const struct sim_world *w)
{
  return sim__evq_size(&w->q);
}

/* ====================================================================== */
/* Scheduling                                                              */
/* ====================================================================== */

int sim_schedule_at(struct sim_world *w, struct sim_event *ev, int64_t t_ns)
{
  if (sim_event_pending(ev))
    return SIM_EINVAL;
  if (t_ns < w->now_ns)
    return SIM_EPAST;
  /* Reserve first: the queue aborts if it cannot grow inside push. */
  if (sim__evq_reserve(&w->q, sim__evq_size(&w->q) + 1) != SIM_OK)
    return SIM_ENOMEM;
  sim__evq_push(&w->q, ev, t_ns);
  return SIM_OK;
}

int sim_schedule_in(struct sim_world *w, struct sim_event *ev,
                    int64_t delay_ns)
{
  if (delay_ns < 0)
    return SIM_EPAST;
  if (delay_ns > SIM_TIME_MAX - w->now_ns)
    return SIM_ERANGE;
  return sim_schedule_at(w, ev, w->now_ns + delay_ns);
}

void sim_cancel(struct sim_world *w, struct sim_event *ev)
{
  if (sim_event_pending(ev))
    sim__evq_remove(&w->q, ev);
}

int sim_rearm_at(struct sim_world *w, struct sim_event *ev, int64_t t_ns)
{
  /* Check before cancelling, so that a refused re-arm leaves the event
   * as it was. */
  if (t_ns < w->now_ns)
    return SIM_EPAST;
  sim_cancel(w, ev);
  return sim_schedule_at(w, ev, t_ns);
}

static int call_pool_grow(struct sim_world *w)
{
  if (w->ncall_slabs == w->call_slabs_cap) {
    size_t nc = w->call_slabs_cap ? w->call_slabs_cap * 2 : 8;
    struct sim__call **ns = realloc(w->call_slabs, nc * sizeof *ns);
    if (!ns)
      return SIM_ENOMEM;
    w->call_slabs = ns;
    w->call_slabs_cap = nc;
  }
  struct sim__call *slab = calloc(SIM__CALL_SLAB, sizeof *slab);
  if (!slab)
    return SIM_ENOMEM;
  w->call_slabs[w->ncall_slabs++] = slab;
  for (size_t i = SIM__CALL_SLAB; i-- > 0;) {
    slab[i].next_free = w->call_free;
    w->call_free = &slab[i];
  }
  return SIM_OK;
}

static void call_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct sim__call *c = arg;
  void (*fn)(struct sim_world *, void *) = c->fn;
  void *fn_arg = c->arg;
  /* Back to the pool before the call (W4): fn may schedule more calls. */
  c->next_free = w->call_free;
  w->call_free = c;
  fn(w, fn_arg);
}

int sim_call_at(struct sim_world *w, int64_t t_ns,
                void (*fn)(struct sim_world *w, void *arg), void *arg)
{
  if (!fn)
    return SIM_EINVAL;
  if (t_ns < w->now_ns)
    return SIM_EPAST;
  if (!w->call_free && call_pool_grow(w) != SIM_OK)
    return SIM_ENOMEM;
  struct sim__call *c = w->call_free;
  sim_event_init(&c->ev, call_fire, c);
  c->fn = fn;
  c->arg = arg;
  int rc = sim_schedule_at(w, &c->ev, t_ns);
  if (rc == SIM_OK)
    w->call_free = c->next_free;
  return rc;
}

/* ====================================================================== */
/* Run loop                                                                */
/* ====================================================================== */

int sim_run(struct sim_world *w, int64_t until_ns)
{
  assert(!w->running); /* sim_run is not re-entrant */
  if (until_ns < w->now_ns)
    return SIM_OK; /* already there: nothing to run, the clock stays */
  w->running = true;
  int rc = SIM_OK;
  for (;;) {
    if (w->stop_req) {
      w->stop_req = 0;
      rc = SIM_ESTOPPED;
      break;
    }
    struct sim_event *ev = sim__evq_peek(&w->q);
    if (!ev || ev->t_ns > until_ns)
      break;
    ev = sim__evq_pop(&w->q);
    assert(ev->t_ns >= w->now_ns); /* W1 */
    w->now_ns = ev->t_ns;
    w->events_processed++;
    ev->fn(w, ev, ev->arg);
  }
  /* A dry queue leaves the clock at the last event (see sim.h). */
  if (rc == SIM_OK && sim__evq_size(&w->q) > 0)
    w->now_ns = until_ns;
  w->running = false;
  return rc;
}

int64_t sim_next_event_ns(struct sim_world *w)
{
  struct sim_event *ev = sim__evq_peek(&w->q);
  return ev ? ev->t_ns : SIM_TIME_MAX;
}

void sim_stop(struct sim_world *w)
{
  /* Only a store to a volatile sig_atomic_t: safe in a signal handler. */
  w->stop_req = 1;
}

/* ====================================================================== */
/* Trace hooks and counters                                                */
/* ====================================================================== */

int sim_trace_subscribe(struct sim_world *w, const struct sim_trace_ops *ops,
                        void *ctx)
{
  if (!ops)
    return SIM_EINVAL;
  if (w->ntraces == w->traces_cap) {
    size_t nc = w->traces_cap ? w->traces_cap * 2 : 4;
    struct sim__trace *nt = realloc(w->traces, nc * sizeof *nt);
    if (!nt)
      return SIM_ENOMEM;
    w->traces = nt;
    w->traces_cap = nc;
  }
  w->traces[w->ntraces++] = (struct sim__trace){.ops = ops, .ctx = ctx};
  return SIM_OK;
}

int sim_trace_unsubscribe(struct sim_world *w, const struct sim_trace_ops *ops,
                          void *ctx)
{
  /* Later subscribers keep their order: hooks run in subscription order. */
  for (size_t i = 0; i < w->ntraces; i++)
    if (w->traces[i].ops == ops && w->traces[i].ctx == ctx) {
      memmove(w->traces + i, w->traces + i + 1,
              (w->ntraces - i - 1) * sizeof *w->traces);
      w->ntraces--;
      return SIM_OK;
    }
  return SIM_ENOENT;
}

uint64_t sim_drop_count(const struct sim_world *w, enum sim_drop_reason r)
{
  if ((int)r < 0 || r >= SIM_DROP__COUNT)
    return 0;
  return w->drops[r];
}

void sim__drop(struct sim_world *w, uint32_t node, uint32_t link,
               enum sim_drop_reason why, struct sim_packet *p)
{
  w->drops[why]++;
  for (size_t i = 0; i < w->ntraces; i++)
    if (w->traces[i].ops->pkt_drop)
      w->traces[i].ops->pkt_drop(w->traces[i].ctx, w, node, link, why, p);
  sim_packet_free(w, p);
}

void sim__trace_send(struct sim_world *w, uint32_t node, uint32_t link,
                     int dir, const struct sim_packet *p)
{
  for (size_t i = 0; i < w->ntraces; i++)
    if (w->traces[i].ops->pkt_send)
      w->traces[i].ops->pkt_send(w->traces[i].ctx, w, node, link, dir, p);
}

void sim__trace_recv(struct sim_world *w, uint32_t node,
                     const struct sim_packet *p)
{
  for (size_t i = 0; i < w->ntraces; i++)
    if (w->traces[i].ops->pkt_recv)
      w->traces[i].ops->pkt_recv(w->traces[i].ctx, w, node, p);
}

void sim__trace_host(struct sim_world *w, uint32_t node,
                     enum sim_host_event ev, uint32_t epoch)
{
  for (size_t i = 0; i < w->ntraces; i++)
    if (w->traces[i].ops->host)
      w->traces[i].ops->host(w->traces[i].ctx, w, node, ev, epoch);
}

/* ====================================================================== */
/* Debug checks                                                            */
/* ====================================================================== */

bool sim__world_check(const struct sim_world *w)
{
  if (!sim__evq_check(&w->q))
    return false;
  struct sim_event *top = sim__evq_peek((struct sim_evq *)&w->q);
  if (top && top->t_ns < w->now_ns)
    return false; /* W1 */
  for (size_t i = 0; i < w->nnodes; i++) {
    const struct sim__node *n = w->nodes[i];
    if (n->id != i)
      return false; /* N1 */
    for (uint32_t k = 0; k < n->naddrs; k++) {
      uint32_t owner;
      if (!sim__addr_lookup(w, n->addrs[k], &owner) || owner != i)
        return false; /* N3 */
    }
    for (uint32_t k = 1; k < n->nlinks; k++)
      if (n->links[k - 1] >= n->links[k])
        return false; /* N4 */
    uint32_t npfx = 0;
    for (size_t b = 0; b < w->nblocks; b++)
      npfx += w->blocks[b].node == i;
    if (npfx != n->npfx || (npfx && n->kind != SIM_NODE_HOST))
      return false; /* N7 */
    if (sim_event_pending(&n->boot_ev) && n->up)
      return false; /* N5 */
    if (!sim__rtable_check(&n->rt))
      return false;
  }
  for (size_t b = 0; b < w->nblocks; b++) { /* N7: disjoint, no stranger */
    const struct sim__block *x = &w->blocks[b];
    uint32_t mx = x->len ? UINT32_MAX << (32 - x->len) : 0;
    if (x->len < 1 || x->len > 32 || (x->prefix & ~mx) ||
        x->node >= w->nnodes)
      return false;
    for (size_t c = 0; c < b; c++) {
      const struct sim__block *y = &w->blocks[c];
      uint32_t my = UINT32_MAX << (32 - y->len);
      if ((x->prefix & my) == y->prefix || (y->prefix & mx) == x->prefix)
        return false;
    }
    for (size_t i = 0; i < w->nnodes; i++)
      for (uint32_t k = 0; k < w->nodes[i]->naddrs; k++)
        if (i != x->node && (w->nodes[i]->addrs[k] & mx) == x->prefix)
          return false;
  }
  for (size_t l = 0; l < w->nlinks; l++)
    if (!sim__link_check(w, (uint32_t)l))
      return false;
  size_t nfree = 0;
  for (const struct sim_packet *p = w->pkt_free; p; p = p->qnext) {
    if (!(p->flags & SIM__PKTF_FREE))
      return false; /* W5 */
    nfree++;
  }
  return nfree + w->pkts_live == w->npkt_slabs * SIM__PKT_SLAB;
}
