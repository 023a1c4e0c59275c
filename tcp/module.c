/*
 * module.c - the TCP module as the core sees it: registration for IP
 * protocol 6, per-host state made lazily, the connection hash, machine
 * crash and boot, observers and counters.
 *
 * Per-host state is made on first use (a socket, a segment needing more
 * than a stateless reset, host settings, a boot): until then the core
 * holds a pointer to one shared stub, so a world of 100 000 idle hosts
 * costs nothing here. Axioms C1-C6 and H1-H3 are in tcp/tcp_int.h;
 * tcp__conn_check and tcp__host_check verify them in debug builds.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_codec.h"
#include "tcp/tcp_int.h"

/* ====================================================================== */
/* Observers and counters                                                  */
/* ====================================================================== */

int tcp_trace_subscribe(struct tcp_module *m, const struct tcp_trace_ops *ops,
                        void *ctx)
{
  if (!m || !ops)
    return TCP_EINVAL;
  if (m->ntraces == TCP__MAX_TRACES)
    return TCP_ENOMEM;
  m->traces[m->ntraces].ops = *ops;
  m->traces[m->ntraces].ctx = ctx;
  m->ntraces++;
  return TCP_OK;
}

void tcp__trace_transition(struct tcp__host *h, uint64_t id,
                           enum tcp_state from, enum tcp_state to,
                           const char *cause)
{
  struct tcp_module *m = h->m;
  for (int i = 0; i < m->ntraces; i++)
    if (m->traces[i].ops.transition)
      m->traces[i].ops.transition(m->traces[i].ctx, m, h->node, id, from, to,
                                  cause);
}

bool tcp_trace_seqs(const struct tcp_module *m, uint32_t *iss, uint32_t *irs)
{
  const struct tcp__conn *c = m ? m->tr_conn : NULL;
  if (!c || c->state == TCP_S_SYN_SENT || c->state == TCP_S_CLOSED)
    return false;
  *iss = c->iss;
  *irs = c->irs;
  return true;
}

void tcp__trace_dropped(struct tcp_module *m, uint32_t node,
                        const struct sim_packet *p, const char *reason)
{
  for (int i = 0; i < m->ntraces; i++)
    if (m->traces[i].ops.seg_dropped && p)
      m->traces[i].ops.seg_dropped(m->traces[i].ctx, m, node, p, reason);
}

void tcp__trace_accepted(struct tcp_module *m, uint32_t node, uint64_t id,
                         const struct sim_packet *p)
{
  for (int i = 0; i < m->ntraces; i++)
    if (m->traces[i].ops.seg_accepted && p)
      m->traces[i].ops.seg_accepted(m->traces[i].ctx, m, node, id, p);
}

void tcp__trace_closed(struct tcp__host *h, uint64_t id, int err)
{
  struct tcp_module *m = h->m;
  for (int i = 0; i < m->ntraces; i++)
    if (m->traces[i].ops.conn_closed)
      m->traces[i].ops.conn_closed(m->traces[i].ctx, m, h->node, id, err);
}

void tcp_stats_get(const struct tcp_module *m, struct tcp_stats *out)
{
  if (m && out)
    *out = m->st;
}

uint64_t tcp__new_id(struct tcp_module *m)
{
  return ++m->next_id;
}

/* ====================================================================== */
/* Hosts                                                                   */
/* ====================================================================== */

static bool is_stub(const struct tcp_module *m, const void *hs)
{
  return hs == NULL || ((const struct tcp__host *)hs)->node == UINT32_MAX;
}

static void quiet_fire(struct sim_world *w, struct sim_event *ev, void *arg);

struct tcp__host *tcp__host_get(struct tcp_module *m, uint32_t node,
                                bool create)
{
  /* A host's own tables, when it has them, are the common case: only a
   * node without them is checked further. */
  void *hs = sim_proto_host_state(m->w, node, 6);
  if (!is_stub(m, hs))
    return hs;
  if (node >= sim_node_count(m->w) ||
      sim_node_kind(m->w, node) != SIM_NODE_HOST)
    return NULL;
  if (!create)
    return NULL;
  struct tcp__host *h = calloc(1, sizeof *h);
  if (!h)
    return NULL;
  h->m = m;
  h->node = node;
  h->set = &m->defaults;
  sim_rng_seed(&h->isn_rng, sim_world_seed(m->w), "tcp.isn", node);
  sim_rng_seed(&h->port_rng, sim_world_seed(m->w), "tcp.port", node);
  sim_rng_seed(&h->secret_rng, sim_world_seed(m->w), "tcp.listen", node);
  sim_rng_seed(&h->fault_rng, sim_world_seed(m->w), "tcp.fault", node);
  sim_event_init(&h->quiet_ev, quiet_fire, h);
  /* I1 of tcp_isn.h: the generator starts at the run's start, whenever
   * the host is first touched. A later boot restarts it (on_boot). */
  tcp__isn_boot(&h->isn, h->set, 0, &h->isn_rng);
  h->next_port = 0;
  if (sim_proto_set_host_state(m->w, node, 6, h) != SIM_OK) {
    free(h);
    return NULL;
  }
  return h;
}

int tcp_host_settings(struct tcp_module *m, uint32_t node,
                      const struct tcp_settings *s)
{
  if (!m || !s)
    return TCP_EINVAL;
  /* Only hosts run TCP: a router or an unknown node is an invalid
   * argument, not a lack of memory. */
  if (node >= sim_node_count(m->w) || sim_node_kind(m->w, node) != SIM_NODE_HOST)
    return TCP_EINVAL;
  if (tcp_settings_check(s, NULL, 0) != TCP_OK)
    return TCP_EINVAL;
  struct tcp__host *h = tcp__host_get(m, node, true);
  if (!h)
    return TCP_ENOMEM;
  if (!h->own_set) {
    h->own_set = malloc(sizeof *h->own_set);
    if (!h->own_set)
      return TCP_ENOMEM;
  }
  *h->own_set = *s;
  h->set = h->own_set;
  return TCP_OK;
}

const struct tcp_settings *tcp_host_settings_get(const struct tcp_module *m,
                                                 uint32_t node)
{
  if (!m || node >= sim_node_count(m->w))
    return NULL;
  void *hs = sim_proto_host_state(m->w, node, 6);
  if (is_stub(m, hs))
    return &m->defaults;
  return ((const struct tcp__host *)hs)->set;
}

/* ====================================================================== */
/* Connection hash (C6)                                                    */
/* ====================================================================== */

static uint32_t tuple_hash(uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp)
{
  uint64_t x = ((uint64_t)la << 32 | ra) ^ ((uint64_t)lp << 16 | rp) * 0x9e3779b97f4a7c15ull;
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 29;
  return (uint32_t)x;
}

static uint32_t conn_hash(const struct tcp__conn *c)
{
  return tuple_hash(c->laddr, c->lport, c->raddr, c->rport);
}

static bool hash_grow(struct tcp__host *h)
{
  uint32_t n = h->hash ? 2 * (h->hash_mask + 1) : 16;
  struct tcp__conn **t = calloc(n, sizeof *t);
  if (!t)
    return false;
  if (h->hash) {
    for (uint32_t i = 0; i <= h->hash_mask; i++) {
      struct tcp__conn *c = h->hash[i];
      while (c) {
        struct tcp__conn *nx = c->hnext;
        uint32_t b = conn_hash(c) & (n - 1);
        c->hnext = t[b];
        t[b] = c;
        c = nx;
      }
    }
    free(h->hash);
  }
  h->hash = t;
  h->hash_mask = n - 1;
  return true;
}

struct tcp__conn *tcp__conn_find(const struct tcp__host *h, uint32_t laddr,
                                 uint16_t lport, uint32_t raddr,
                                 uint16_t rport)
{
  if (!h->hash)
    return NULL;
  uint32_t b = tuple_hash(laddr, lport, raddr, rport) & h->hash_mask;
  for (struct tcp__conn *c = h->hash[b]; c; c = c->hnext)
    if (c->laddr == laddr && c->lport == lport && c->raddr == raddr &&
        c->rport == rport)
      return c;
  return NULL;
}

struct tcp__conn *tcp__conn_new(struct tcp__host *h, uint32_t laddr,
                                uint16_t lport, uint32_t raddr,
                                uint16_t rport)
{
  assert(!tcp__conn_find(h, laddr, lport, raddr, rport));
  if ((!h->hash || h->nconns >= h->hash_mask + 1) && !hash_grow(h) && !h->hash)
    return NULL;
  struct tcp__conn *c = h->m->conn_pool;
  if (c) {
    h->m->conn_pool = c->hnext;
    memset(c, 0, sizeof *c);
  } else if (!(c = calloc(1, sizeof *c))) {
    return NULL;
  }
  c->h = h;
  tcp__timer_init(c);
  c->laddr = laddr;
  c->lport = lport;
  c->raddr = raddr;
  c->rport = rport;
  c->state = TCP_S_CLOSED;
  c->mss = 536;
  c->id = tcp__new_id(h->m);
  uint32_t b = conn_hash(c) & h->hash_mask;
  c->hnext = h->hash[b];
  h->hash[b] = c;
  h->nconns++;
  c->cprev = h->c_tail;
  if (h->c_tail)
    h->c_tail->cnext = c;
  else
    h->c_head = c;
  h->c_tail = c;
  tcp__port_use(h, lport, TCP__PU_CONN, 1);
  return c;
}

static void unhash(struct tcp__conn *c)
{
  struct tcp__host *h = c->h;
  struct tcp__conn **pp = &h->hash[conn_hash(c) & h->hash_mask];
  while (*pp && *pp != c)
    pp = &(*pp)->hnext;
  assert(*pp == c);
  if (*pp)
    *pp = c->hnext;
  c->hnext = NULL;
  h->nconns--;
  if (c->cprev)
    c->cprev->cnext = c->cnext;
  else
    h->c_head = c->cnext;
  if (c->cnext)
    c->cnext->cprev = c->cprev;
  else
    h->c_tail = c->cprev;
  c->cprev = c->cnext = NULL;
}

void tcp__conn_retire(struct tcp__conn *c)
{
  struct tcp__host *h = c->h;
  assert(!(c->flags & TCP__CF_DEAD));
  tcp__timer_clear_all(c);
  tcp__accept_remove(c);
  unhash(c);
  tcp__port_use(h, c->lport, TCP__PU_CONN, -1);
  c->flags |= TCP__CF_DEAD;
  h->m->st.conns_closed++;
  tcp__trace_closed(h, c->id, c->err);
  c->hnext = h->reap;
  h->reap = c;
}

/* A block no longer used: kept for the next connection (a run that
 * churns connections then allocates nothing per connection), except under
 * AddressSanitizer, which then sees any late use of a freed block. */
static void conn_release(struct tcp_module *m, struct tcp__conn *c)
{
#ifdef __SANITIZE_ADDRESS__
  (void)m;
  free(c);
#else
  c->hnext = m->conn_pool;
  m->conn_pool = c;
#endif
}

void tcp__host_reap(struct tcp__host *h)
{
  while (h->reap) {
    struct tcp__conn *c = h->reap;
    h->reap = c->hnext;
    conn_release(h->m, c);
  }
}

/* ====================================================================== */
/* Quiet time (RFC 793 3.3)                                                */
/* ====================================================================== */

static void quiet_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct tcp__host *h = arg;
  tcp__enter(h);
  int64_t now = sim_now(w);
  /* Connects made during the quiet time send their first SYN now, in the
   * order they were made (H1). */
  for (struct tcp__conn *c = h->c_head; c; c = c->cnext) {
    if (!(c->flags & TCP__CF_DEFERRED))
      continue;
    c->flags &= (uint16_t)~TCP__CF_DEFERRED;
    uint32_t queued = c->snd_end - (c->iss + 1);
    c->iss = tcp__isn_next(&h->isn, h->set, now, c->laddr, c->lport, c->raddr,
                           c->rport, &h->isn_rng);
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->snd_end = c->iss + 1 + queued;
    tcp__output(c);
  }
  tcp__leave(h);
}

/* ====================================================================== */
/* Crash and boot                                                          */
/* ====================================================================== */

/* Everything of the host goes without a segment: the machine is dead.
 * Applications still holding sockets find them CLOSED, and are told with
 * a closed callback carrying TCP_ECONNABORTED so that workloads can free
 * what they hold (the handles stay valid until they close them). */
static void host_wipe(struct tcp__host *h, bool notify)
{
  struct tcp_module *m = h->m;
  while (h->l_head)
    tcp__listener_close(h->l_head, true);
  while (h->c_head) {
    struct tcp__conn *c = h->c_head;
    tcp__timer_clear_all(c);
    c->lis = NULL;
    unhash(c);
    m->st.conns_closed++;
    tcp__trace_closed(h, c->id, TCP_ECONNABORTED);
    if (c->sock) {
      c->sock->conn = NULL;
      c->sock->conn_id = c->id;
    }
    conn_release(m, c);
  }
  tcp__host_reap(h);
  for (struct tcp_sock *so = h->s_head; so; so = so->next) {
    if (so->flags & TCP__SF_CLOSED)
      continue;
    bool had = (so->flags & TCP__SF_USED) || (so->flags & TCP__SF_BOUND);
    so->conn = NULL;
    so->lis = NULL;
    so->state = TCP_S_CLOSED;
    so->flags &= (uint16_t) ~(TCP__SF_BOUND | TCP__SF_PORTIDLE);
    /* Dead for good: after the next boot connect/listen answer as for a
     * used socket; while the host is down, EHOSTDOWN comes first. */
    so->flags |= TCP__SF_USED;
    if (had) {
      /* reported once: closed callback, then the first tcp_send */
      so->last_err = TCP_ECONNABORTED;
      so->flags &= (uint16_t)~TCP__SF_ERR_SEEN;
      if (notify)
        tcp__notify(so, TCP__N_CLOSED, TCP_ECONNABORTED);
    }
  }
  h->nports = 0;
  sim_cancel(m->w, &h->quiet_ev);
}

static void mod_power_off(struct sim_world *w, uint32_t node, void *hs)
{
  struct tcp__host *stub = hs;
  if (!stub || is_stub(stub->m, hs))
    return;
  struct tcp__host *h = hs;
  tcp__enter(h);
  host_wipe(h, true);
  tcp__leave(h);
}

static void mod_boot(struct sim_world *w, uint32_t node, void *hs,
                     uint32_t epoch)
{
  struct tcp__host *stub = hs;
  if (!stub)
    return;
  struct tcp__host *h = tcp__host_get(stub->m, node, true);
  if (!h)
    return;
  int64_t now = sim_now(w);
  tcp__isn_boot(&h->isn, h->set, now, &h->isn_rng);
  h->quiet_until_ns = 0;
  if (h->set->quiet_time && h->set->msl_ns > 0) {
    h->quiet_until_ns = tcp__deadline(now, h->set->msl_ns);
    (void)sim_rearm_at(w, &h->quiet_ev, h->quiet_until_ns);
  }
}

static void *mod_attach(struct sim_world *w, uint32_t node, void *ctx)
{
  struct tcp_module *m = ctx;
  return m->stub;
}

static void host_free(struct tcp__host *h)
{
  host_wipe(h, false);
  while (h->s_head) {
    struct tcp_sock *so = h->s_head;
    h->s_head = so->next;
    free(so);
  }
  free(h->hash);
  free(h->ports);
  free(h->own_set);
  free(h);
}

static void mod_detach(struct sim_world *w, uint32_t node, void *hs, void *ctx)
{
  struct tcp_module *m = ctx;
  if (is_stub(m, hs))
    return;
  host_free(hs);
}

/* ====================================================================== */
/* Install                                                                 */
/* ====================================================================== */

struct tcp_module *tcp_install(struct sim_world *w, const struct tcp_settings *s)
{
  if (!w || !s || tcp_settings_check(s, NULL, 0) != TCP_OK)
    return NULL;
  struct tcp_module *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  size_t narcs = 0;
  (void)tcp_arcs(&narcs);
  m->arc_count = calloc(narcs, sizeof *m->arc_count);
  m->stub = calloc(1, sizeof *m->stub);
  if (!m->arc_count || !m->stub)
    goto fail;
  m->stub->m = m;
  m->stub->node = UINT32_MAX;
  m->w = w;
  m->defaults = *s;
  m->ops = (struct sim_proto_ops){
      .ipproto = 6,
      .name = "tcp",
      .attach = mod_attach,
      .detach = mod_detach,
      .rx = tcp__rx,
      .on_power_off = mod_power_off,
      .on_boot = mod_boot,
      .encode = tcp__encode,
      .decode = tcp__decode,
  };
  if (sim_proto_register(w, &m->ops, m) != SIM_OK)
    goto fail;
  return m;
fail:
  while (m->conn_pool) {
    struct tcp__conn *c = m->conn_pool;
    m->conn_pool = c->hnext;
    free(c);
  }
  free(m->arc_count);
  free(m->stub);
  free(m);
  return NULL;
}

void tcp_free(struct tcp_module *m)
{
  if (!m)
    return;
  while (m->z_head) {
    struct tcp_sock *so = m->z_head;
    m->z_head = so->next;
    free(so);
  }
  while (m->conn_pool) {
    struct tcp__conn *c = m->conn_pool;
    m->conn_pool = c->hnext;
    free(c);
  }
  free(m->arc_count);
  free(m->stub);
  free(m);
}

/* ====================================================================== */
/* Debug checks                                                            */
/* ====================================================================== */

bool tcp__conn_check(const struct tcp__conn *c)
{
  if (c->state == TCP_S_LISTEN || c->state >= TCP_S__COUNT)
    return false;
  if (c->state == TCP_S_CLOSED)
    return (c->flags & TCP__CF_DEAD) != 0; /* C1 */
  if (c->flags & TCP__CF_DEAD)
    return false;
  /* C2 */
  if (tcp_seq_gt(c->snd_una, c->snd_nxt) || tcp_seq_gt(c->snd_nxt, c->snd_max))
    return false;
  if (tcp_seq_gt(c->snd_max, c->snd_end + 1))
    return false;
  /* C3 */
  bool any = false;
  for (int i = 0; i < TCP__T__COUNT; i++)
    if (c->t_ns[i] != TCP__T_OFF) {
      any = true;
      if (sim_event_pending(&c->ev) && c->ev.t_ns > c->t_ns[i])
        return false;
    }
  if (any != sim_event_pending(&c->ev))
    return false;
  /* C4 */
  if (c->sock && c->sock->conn != c)
    return false;
  return true;
}

bool tcp__host_check(const struct tcp__host *h)
{
  uint32_t n = 0;
  for (const struct tcp__conn *c = h->c_head; c; c = c->cnext) {
    n++;
    if (!tcp__conn_check(c))
      return false;
    if (tcp__conn_find(h, c->laddr, c->lport, c->raddr, c->rport) != c)
      return false; /* C6 */
  }
  if (n != h->nconns)
    return false;
  for (uint32_t i = 1; i < h->nports; i++)
    if (h->ports[i - 1].port >= h->ports[i].port)
      return false; /* H2: sorted, unique */
  for (const struct tcp__listener *l = h->l_head; l; l = l->next) {
    if (l->q_len > h->set->syn_backlog && !h->set->two_way_handshake)
      return false; /* L1 */
    if ((l->sq && l->sq->slots > 0) != sim_event_pending(&l->ev))
      return false; /* L2 */
    uint32_t k = 0;
    for (const struct tcp__conn *c = l->aq_head; c; c = c->anext, k++)
      if (c->lis != l)
        return false; /* L3 */
    if (k != l->aq_len)
      return false;
    if (!tcp__listener_check(l))
      return false; /* L4, L5 */
  }
  return true;
}
