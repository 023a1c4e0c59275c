/*
 * listen.c - listeners: passive opens (RFC 9293 3.10.7.2), the half-open
 * connections and the accept queue of finished ones, with the end-host
 * SYN-flood defences of RFC 4987 section 3.
 *
 * A half-open connection is a small record (struct tcp__synq, at most 64
 * bytes) rather than a connection block, as in FreeBSD's syncache and
 * Linux's request socks: a SYN flood fills bounded memory, not the heap.
 * It lives in one of two places:
 *
 *   - the SYN queue (the default): at most syn_backlog entries, found by
 *     a hash of their 4-tuple and kept on one list per retry count in
 *     arrival order (struct tcp__synqueue, tcp_int.h). All its entries
 *     share the listener's one timer for their SYN-ACK retransmissions
 *     (STYLE.md rule 5); since they share one schedule, the heads of the
 *     lists hold the next deadlines, so a SYN, an ACK or a timer firing
 *     costs O(1) however many half-open entries a flood has made. With
 *     syn_recycle a SYN that finds it full replaces the oldest entry (RFC
 *     4987 3.5) instead of being dropped.
 *   - the SYN cache (syncache on), as FreeBSD's tcp_syncache.c: entries in
 *     syncache_buckets hash buckets, chosen by a keyed hash of the 4-tuple
 *     under the listener's secret; a full bucket drops its oldest entry
 *     for the new one (so a flood that hits one bucket hurts only the
 *     connections hashing there), the whole cache holds at most
 *     syncache_limit; each bucket has ONE timer for the SYN-ACK
 *     retransmissions and the expiry of all its entries (syncache_retries
 *     retransmissions, rto_initial doubling, as FreeBSD's syncache_timer).
 *
 * SYN cookies (syncookies, RFC 4987 3.6) keep nothing: the SYN-ACK's ISN
 * encodes what the ACK needs (syncookie.c). `overflow` sends them when the
 * SYN queue, or the whole SYN cache, is full (Linux tcp_conn_request with
 * tcp_syncookies 1; FreeBSD syncache_add with net.inet.tcp.syncookies 1);
 * `always` for every SYN (tcp_syncookies 2; FreeBSD syncookies_only). An
 * ACK that matches no half-open entry is checked as a cookie if one was
 * sent within the last two cookie periods (Linux
 * tcp_synq_no_recent_overflow); a valid one makes the connection straight
 * in ESTABLISHED with the MSS the cookie carried and, when timestamps were
 * agreed, the window scale and SACK the SYN-ACK's TSval carried; a bad one
 * gets the RST any unexpected ACK to a listener gets (Linux: the ACK goes
 * back to the listener, tcp_rcv_state_process answers it with a reset).
 *
 * A connection block is made when the handshake's last ACK arrives; it
 * enters the accept queue on entering ESTABLISHED (fsm.c). Axioms L1-L6
 * in tcp/tcp_int.h.
 */
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_int.h"

static void lis_fire(struct sim_world *w, struct sim_event *ev, void *arg);
static void sc_fire(struct sim_world *w, struct sim_event *ev, void *arg);

struct tcp__listener *tcp__listener_find(struct tcp__host *h, uint32_t laddr,
                                         uint16_t lport)
{
  struct tcp__listener *any = NULL;
  for (struct tcp__listener *l = h->l_head; l; l = l->next) {
    if (l->lport != lport || l->state != TCP_S_LISTEN)
      continue;
    if (l->laddr == laddr)
      return l;
    if (l->laddr == 0 && !any)
      any = l;
  }
  return any;
}

/* Room for one more finished connection? Each profile counts its own way:
 * Linux admits backlog + 1 (sk_acceptq_is_full tests ">"), 4.4BSD counts
 * both queues against 3 * backlog / 2 + 1 (Stevens vol. 1 18.11), the
 * textbook simply backlog. SYN-cache entries are not counted (FreeBSD's
 * sonewconn counts completed connections only). */
static bool accept_full(const struct tcp__listener *l)
{
  switch (l->h->set->profile) {
  case TCP_PROFILE_LINUX:
    return l->aq_len > l->backlog;
  case TCP_PROFILE_BSD:
    return l->aq_len + l->q_len >= 3 * l->backlog / 2 + 1;
  case TCP_PROFILE_RFC793:
    break;
  }
  return l->aq_len >= (l->backlog ? l->backlog : 1);
}

/* ====================================================================== */
/* The SYN queue (struct tcp__synqueue in tcp_int.h)                       */
/* ====================================================================== */

static uint32_t sq_hash(const struct tcp__synqueue *q, uint32_t laddr,
                        uint32_t raddr, uint16_t rport)
{
  /* a keyed mix of the 4-tuple (the port is the listener's): spreads any
   * flood, deterministic per run */
  uint64_t x = q->salt ^ ((uint64_t)raddr << 16 | rport) ^
               ((uint64_t)laddr << 40);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return (uint32_t)x & (q->hash_size - 1);
}

static struct tcp__synqueue *sq_make(struct tcp__listener *l)
{
  struct tcp__synqueue *q = calloc(1, sizeof *q);
  if (!q)
    return NULL;
  q->free_head = TCP__SQ_NIL;
  q->salt = l->key[0] ^ (l->key[1] << 1);
  /* Room for a full queue at once, never written ahead of use: the
   * untouched part costs address space, not memory, and a flood filling
   * the queue never copies it. Beyond it (dead slots waiting to reach a
   * level's head), or if the reservation fails, the pool doubles. */
  uint32_t want = l->h->set->syn_backlog;
  if (want > (1u << 26))
    want = 1u << 26;
  if (want < 8)
    want = 8;
  q->pool = malloc((size_t)want * sizeof *q->pool);
  q->pool_cap = q->pool ? want : 0;
  return q;
}

static void sq_free(struct tcp__synqueue *q)
{
  if (!q)
    return;
  free(q->pool);
  free(q->hash);
  free(q->head);
  free(q->tail);
  free(q);
}

/* Room for level k (retry counts grow one at a time; a later
 * tcp_host_settings with more retries grows the array). */
static bool sq_level(struct tcp__synqueue *q, uint32_t k)
{
  if (k < q->nlevels)
    return true;
  uint32_t n = k + 1 > 2 * q->nlevels ? k + 1 : 2 * q->nlevels;
  uint32_t *h = realloc(q->head, n * sizeof *h);
  if (!h)
    return false;
  q->head = h;
  uint32_t *t = realloc(q->tail, n * sizeof *t);
  if (!t)
    return false;
  q->tail = t;
  for (uint32_t i = q->nlevels; i < n; i++)
    q->head[i] = q->tail[i] = TCP__SQ_NIL;
  q->nlevels = n;
  return true;
}

/* Chain a live slot into the hash. */
static void sq_hash_add(struct tcp__synqueue *q, uint32_t i)
{
  const struct tcp__synq *e = &q->pool[i].e;
  uint32_t b = sq_hash(q, e->laddr, e->raddr, e->rport);
  q->pool[i].hnext = q->hash[b];
  q->hash[b] = i;
}

/* At most one live entry per chain slot on average: double the chain
 * heads and chain every live entry again (levels in arrival order). */
static bool sq_hash_grow(struct tcp__synqueue *q, uint32_t live)
{
  if (live < q->hash_size)
    return true;
  uint32_t n = q->hash_size ? 2 * q->hash_size : 16;
  while (n <= live)
    n *= 2;
  uint32_t *h = malloc(n * sizeof *h);
  if (!h)
    return false;
  free(q->hash);
  q->hash = h;
  q->hash_size = n;
  for (uint32_t b = 0; b < n; b++)
    h[b] = TCP__SQ_NIL;
  for (uint32_t k = q->nlevels; k-- > 0;)
    for (uint32_t i = q->head[k]; i != TCP__SQ_NIL; i = q->pool[i].next)
      if (!(q->pool[i].e.opts & TCP__SQ_DEAD))
        sq_hash_add(q, i);
  return true;
}

/* A free slot, the pool growing by doubling (no allocation per SYN once a
 * flood has reached its size). */
static uint32_t sq_slot(struct tcp__synqueue *q)
{
  if (q->free_head != TCP__SQ_NIL) {
    uint32_t i = q->free_head;
    q->free_head = q->pool[i].next;
    return i;
  }
  if (q->pool_used == q->pool_cap) {
    uint32_t cap = q->pool_cap ? 2 * q->pool_cap : 8;
    if (cap <= q->pool_cap)
      return TCP__SQ_NIL;
    struct tcp__sqslot *p = realloc(q->pool, (size_t)cap * sizeof *p);
    if (!p)
      return TCP__SQ_NIL;
    q->pool = p;
    q->pool_cap = cap;
  }
  return q->pool_used++;
}

/* Append slot i to the tail of level k. */
static void sq_append(struct tcp__synqueue *q, uint32_t k, uint32_t i)
{
  q->pool[i].next = TCP__SQ_NIL;
  if (q->tail[k] == TCP__SQ_NIL)
    q->head[k] = i;
  else
    q->pool[q->tail[k]].next = i;
  q->tail[k] = i;
}

/* Unlink the head of level k (the caller keeps or frees the slot). */
static uint32_t sq_pop(struct tcp__synqueue *q, uint32_t k)
{
  uint32_t i = q->head[k];
  q->head[k] = q->pool[i].next;
  if (q->head[k] == TCP__SQ_NIL)
    q->tail[k] = TCP__SQ_NIL;
  return i;
}

static void sq_release(struct tcp__synqueue *q, uint32_t i)
{
  q->pool[i].next = q->free_head;
  q->free_head = i;
  q->slots--;
}

/* A new live entry at level 0; TCP__SQ_NIL when out of memory. */
static uint32_t sq_insert(struct tcp__listener *l, const struct tcp__synq *e)
{
  if (!l->sq && !(l->sq = sq_make(l)))
    return TCP__SQ_NIL;
  struct tcp__synqueue *q = l->sq;
  if (!sq_level(q, e->retries) || !sq_hash_grow(q, l->q_len + 1))
    return TCP__SQ_NIL;
  uint32_t i = sq_slot(q);
  if (i == TCP__SQ_NIL)
    return TCP__SQ_NIL;
  q->pool[i].e = *e;
  sq_append(q, e->retries, i);
  sq_hash_add(q, i);
  q->slots++;
  l->q_len++;
  l->h->m->st.half_open++;
  return i;
}

/* The live entry of a 4-tuple, TCP__SQ_NIL if none. */
static uint32_t sq_find(const struct tcp__listener *l, uint32_t laddr,
                        uint32_t raddr, uint16_t rport)
{
  const struct tcp__synqueue *q = l->sq;
  if (!q || l->q_len == 0)
    return TCP__SQ_NIL;
  uint32_t i = q->hash[sq_hash(q, laddr, raddr, rport)];
  for (; i != TCP__SQ_NIL; i = q->pool[i].hnext) {
    const struct tcp__synq *e = &q->pool[i].e;
    if (e->raddr == raddr && e->rport == rport && e->laddr == laddr)
      return i;
  }
  return TCP__SQ_NIL;
}

/* Take a live entry out of the hash and mark it dead: its slot leaves
 * its level when it reaches the head. */
static void sq_kill(struct tcp__listener *l, uint32_t i)
{
  struct tcp__synqueue *q = l->sq;
  struct tcp__synq *e = &q->pool[i].e;
  uint32_t *pp = &q->hash[sq_hash(q, e->laddr, e->raddr, e->rport)];
  while (*pp != i)
    pp = &q->pool[*pp].hnext;
  *pp = q->pool[i].hnext;
  e->opts |= TCP__SQ_DEAD;
  l->q_len--;
  l->h->m->st.half_open--;
}

/* The oldest live entry (TCP__SQ_NIL if none): the first live one on the
 * highest level that has one. Dead slots met at a head are released. */
static uint32_t sq_oldest(struct tcp__listener *l)
{
  struct tcp__synqueue *q = l->sq;
  if (!q || l->q_len == 0)
    return TCP__SQ_NIL;
  for (uint32_t k = q->nlevels; k-- > 0;) {
    while (q->head[k] != TCP__SQ_NIL &&
           (q->pool[q->head[k]].e.opts & TCP__SQ_DEAD))
      sq_release(q, sq_pop(q, k));
    for (uint32_t i = q->head[k]; i != TCP__SQ_NIL; i = q->pool[i].next)
      if (!(q->pool[i].e.opts & TCP__SQ_DEAD))
        return i;
  }
  return TCP__SQ_NIL;
}

/* L2: the listener's one event at the earliest deadline of the levels'
 * heads (a dead head's deadline too: its firing releases it). */
static void rearm(struct tcp__listener *l)
{
  struct sim_world *w = l->h->m->w;
  struct tcp__synqueue *q = l->sq;
  if (!q || q->slots == 0) {
    sim_cancel(w, &l->ev);
    return;
  }
  int64_t t = INT64_MAX;
  for (uint32_t k = 0; k < q->nlevels; k++)
    if (q->head[k] != TCP__SQ_NIL && q->pool[q->head[k]].e.expire_ns < t)
      t = q->pool[q->head[k]].e.expire_ns;
  if (!sim_event_pending(&l->ev) || l->ev.t_ns != t)
    (void)sim_rearm_at(w, &l->ev, t);
}

/* The next SYN-ACK deadline of an entry that has just sent retransmission
 * number e->retries: rto_initial doubled that many times, capped at
 * rto_max (Linux reqsk_timer_handler; FreeBSD syncache_timeout). */
static int64_t synack_deadline(const struct tcp_settings *set, int64_t now,
                               unsigned retries)
{
  int64_t d = set->rto_initial_ns;
  for (unsigned k = 0; k < retries && d < set->rto_max_ns; k++)
    d *= 2;
  if (d > set->rto_max_ns)
    d = set->rto_max_ns;
  return tcp__deadline(now, d);
}

/* How long after its SYN an entry that has sent `retries`
 * retransmissions reaches its next deadline: the sum of its timeouts
 * (synack_deadline's), saturating. */
static int64_t synack_age(const struct tcp_settings *set, unsigned retries)
{
  int64_t age = 0, d = set->rto_initial_ns;
  for (unsigned k = 0; k <= retries; k++) {
    age = age > INT64_MAX - d ? INT64_MAX : age + d;
    if (d < set->rto_max_ns)
      d = d > INT64_MAX / 2 ? INT64_MAX : 2 * d;
    if (d > set->rto_max_ns)
      d = set->rto_max_ns;
  }
  return age;
}

/* SYN-ACK for a half-open entry, or for a SYN answered with a cookie
 * (e->iss is the cookie then, and nothing of e is kept). */
static void send_synack(struct tcp__listener *l, const struct tcp__synq *e,
                        bool cookie)
{
  const struct tcp_settings *set = l->h->set;
  /* RFC 7323 1.3, RFC 2018 2: answer only options the SYN offered. */
  bool ws = set->opt_wscale && (e->opts & TCP__SQ_WSCALE);
  bool sack = set->opt_sack && (e->opts & TCP__SQ_SACK);
  bool ts = set->opt_timestamps && (e->opts & TCP__SQ_TS);
  /* Linux tcp_conn_request: a cookie SYN-ACK without timestamps offers
   * nothing the cookie cannot bring back (tcp_clear_options): window
   * scaling and SACK are lost for this connection. */
  if (cookie && !ts)
    ws = sack = false;
  struct tcp_hdr hd;
  memset(&hd, 0, sizeof hd);
  hd.sport = l->lport;
  hd.dport = e->rport;
  hd.seq = e->iss;
  hd.ack = e->irs + 1;
  hd.flags = TCP_F_SYN | TCP_F_ACK;
  hd.win = (uint16_t)(set->rcv_buf > 65535 ? 65535 : set->rcv_buf);
  hd.has_mss = 1;
  hd.mss = set->mss;
  if (ws) {
    hd.has_wscale = 1;
    hd.wscale = set->wscale;
  }
  if (sack)
    hd.sack_ok = 1;
  if (ts) {
    hd.has_ts = 1;
    hd.ts_val = tcp__ts_now(l->h);
    /* the options ride in the low bits (Linux cookie_init_timestamp) */
    if (cookie)
      hd.ts_val = tcp__cookie_ts(hd.ts_val, ws, e->peer_wscale, sack);
    hd.ts_ecr = e->ts_recent;
  }
  tcp__send_raw(l->h->m, l->h->node, l->h, e->laddr, e->raddr, &hd, 0, e->id);
  l->h->m->st.synacks_sent++;
}

/* An entry leaves SYN_RCVD through the state writer like any block. */
static void entry_move(struct tcp__listener *l, const struct tcp__synq *e,
                       enum tcp_state to, const char *cause)
{
  uint8_t st = TCP_S_SYN_RCVD;
  tcp__fsm_set(l->h, NULL, &st, e->id, to, cause);
  /* The entry is gone either way: back to LISTEN means the listener
   * took a RST for it (RFC 9293 3.10.7.4), which ends that half-open
   * connection as a reset. */
  if (to == TCP_S_CLOSED)
    tcp__trace_closed(l->h, e->id, TCP_ECONNABORTED);
  else if (to == TCP_S_LISTEN)
    tcp__trace_closed(l->h, e->id, TCP_ECONNRESET);
}

/* ====================================================================== */
/* The SYN cache                                                           */
/* ====================================================================== */

static struct tcp__cookie_tuple tuple_of(const struct tcp__listener *l,
                                         uint32_t laddr, uint32_t raddr,
                                         uint16_t rport)
{
  struct tcp__cookie_tuple t = {laddr, raddr, l->lport, rport};
  return t;
}

static struct tcp__scbucket *sc_bucket(const struct tcp__listener *l,
                                       uint32_t laddr, uint32_t raddr,
                                       uint16_t rport)
{
  struct tcp__cookie_tuple t = tuple_of(l, laddr, raddr, rport);
  return &l->sc->b[tcp__syncache_hash(l->key, &t) % l->sc->nb];
}

/* Made at the first entry, with the bucket count of that moment: most
 * listeners never cache anything and pay nothing. */
static struct tcp__syncache *sc_make(struct tcp__listener *l)
{
  uint32_t nb = l->h->set->syncache_buckets;
  struct tcp__syncache *sc = calloc(1, sizeof *sc);
  if (!sc)
    return NULL;
  sc->b = calloc(nb ? nb : 1, sizeof *sc->b);
  if (!sc->b) {
    free(sc);
    return NULL;
  }
  sc->nb = nb ? nb : 1;
  sc->free_head = TCP__SC_NIL;
  for (uint32_t i = 0; i < sc->nb; i++) {
    struct tcp__scbucket *b = &sc->b[i];
    sim_event_init(&b->ev, sc_fire, b);
    b->l = l;
    b->head = b->tail = TCP__SC_NIL;
  }
  return sc;
}

/* A free pool slot, growing the pool by doubling (amortised: no
 * allocation per SYN once the flood has reached its size). */
static uint32_t sc_slot(struct tcp__syncache *sc)
{
  if (sc->free_head == TCP__SC_NIL) {
    uint32_t cap = sc->pool_cap ? 2 * sc->pool_cap : 8;
    if (cap <= sc->pool_cap)
      return TCP__SC_NIL;
    struct tcp__scent *p = realloc(sc->pool, cap * sizeof *p);
    if (!p)
      return TCP__SC_NIL;
    for (uint32_t i = cap; i > sc->pool_cap; i--) {
      p[i - 1].next = sc->free_head;
      sc->free_head = i - 1;
    }
    sc->pool = p;
    sc->pool_cap = cap;
  }
  uint32_t i = sc->free_head;
  sc->free_head = sc->pool[i].next;
  return i;
}

/* Unlink pool slot idx (after prev, TCP__SC_NIL if it is the head) from
 * bucket b and free it. The bucket's timer is left to the caller. */
static void sc_unlink(struct tcp__syncache *sc, struct tcp__scbucket *b,
                      uint32_t prev, uint32_t idx)
{
  uint32_t next = sc->pool[idx].next;
  if (prev == TCP__SC_NIL)
    b->head = next;
  else
    sc->pool[prev].next = next;
  if (b->tail == idx)
    b->tail = prev;
  b->len--;
  sc->count--;
  b->l->h->m->st.half_open--;
  sc->pool[idx].next = sc->free_head;
  sc->free_head = idx;
}

/* L5: the bucket's one event at its earliest entry deadline. */
static void sc_rearm(struct tcp__listener *l, struct tcp__scbucket *b)
{
  struct sim_world *w = l->h->m->w;
  if (b->len == 0) {
    sim_cancel(w, &b->ev);
    return;
  }
  int64_t t = INT64_MAX;
  for (uint32_t i = b->head; i != TCP__SC_NIL; i = l->sc->pool[i].next)
    if (l->sc->pool[i].e.expire_ns < t)
      t = l->sc->pool[i].e.expire_ns;
  if (!sim_event_pending(&b->ev) || b->ev.t_ns != t)
    (void)sim_rearm_at(w, &b->ev, t);
}

/* Add e as the youngest entry of its bucket; a full bucket first drops
 * its oldest (FreeBSD syncache_insert). False when out of memory. */
static bool sc_insert(struct tcp__listener *l, const struct tcp__synq *e)
{
  struct tcp__syncache *sc = l->sc;
  struct tcp__scbucket *b = sc_bucket(l, e->laddr, e->raddr, e->rport);
  if (b->len >= l->h->set->syncache_bucket_limit && b->len > 0) {
    struct tcp__synq old = sc->pool[b->head].e;
    sc_unlink(sc, b, TCP__SC_NIL, b->head);
    l->h->m->st.syncache_bucket_overflows++;
    entry_move(l, &old, TCP_S_CLOSED, "SYN cache bucket full");
  }
  uint32_t i = sc_slot(sc);
  if (i == TCP__SC_NIL) {
    sc_rearm(l, b);
    return false;
  }
  sc->pool[i].e = *e;
  sc->pool[i].next = TCP__SC_NIL;
  if (b->tail == TCP__SC_NIL)
    b->head = i;
  else
    sc->pool[b->tail].next = i;
  b->tail = i;
  b->len++;
  sc->count++;
  l->h->m->st.half_open++;
  sc_rearm(l, b);
  return true;
}

/* SYN-ACK retransmissions and expiry of every entry of one bucket: the
 * bucket's one timer (FreeBSD syncache_timer). */
static void sc_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct tcp__scbucket *b = arg;
  struct tcp__listener *l = b->l;
  struct tcp__host *h = l->h;
  const struct tcp_settings *set = h->set;
  int64_t now = sim_now(w);
  (void)ev;
  tcp__enter(h);
  uint32_t prev = TCP__SC_NIL, i = b->head;
  while (i != TCP__SC_NIL) {
    struct tcp__synq *e = &l->sc->pool[i].e;
    uint32_t next = l->sc->pool[i].next;
    if (e->expire_ns > now) {
      prev = i;
      i = next;
      continue;
    }
    if (e->retries >= set->syncache_retries) {
      struct tcp__synq copy = *e;
      sc_unlink(l->sc, b, prev, i);
      entry_move(l, &copy, TCP_S_CLOSED, "SYN,ACK retries exhausted");
      i = next;
      continue;
    }
    e->retries++;
    h->m->st.retransmits++;
    send_synack(l, e, false);
    e->expire_ns = synack_deadline(set, now, e->retries);
    prev = i;
    i = next;
  }
  sc_rearm(l, b);
  tcp__leave(h);
}

/* ====================================================================== */
/* Half-open entries, wherever they are                                    */
/* ====================================================================== */

struct half {
  struct tcp__synq *e;          /* NULL: none */
  uint32_t qidx;                /* SYN queue slot (b == NULL) */
  struct tcp__scbucket *b;      /* or the cache bucket, */
  uint32_t idx, prev;           /* slot and its predecessor there */
};

static bool find_half(struct tcp__listener *l, const struct tcp__seg *s,
                      struct half *hf)
{
  memset(hf, 0, sizeof *hf);
  uint32_t qi = sq_find(l, s->dst, s->src, s->h.sport);
  if (qi != TCP__SQ_NIL) {
    hf->e = &l->sq->pool[qi].e;
    hf->qidx = qi;
    return true;
  }
  if (!l->sc)
    return false;
  struct tcp__scbucket *b = sc_bucket(l, s->dst, s->src, s->h.sport);
  uint32_t prev = TCP__SC_NIL;
  for (uint32_t i = b->head; i != TCP__SC_NIL; i = l->sc->pool[i].next) {
    struct tcp__synq *e = &l->sc->pool[i].e;
    if (e->raddr == s->src && e->rport == s->h.sport && e->laddr == s->dst) {
      hf->e = e;
      hf->b = b;
      hf->idx = i;
      hf->prev = prev;
      return true;
    }
    prev = i;
  }
  return false;
}

/* Take the entry out (its timer follows); hf->e is invalid afterwards. */
static void remove_half(struct tcp__listener *l, struct half *hf)
{
  if (hf->b) {
    sc_unlink(l->sc, hf->b, hf->prev, hf->idx);
    sc_rearm(l, hf->b);
  } else {
    sq_kill(l, hf->qidx);
    rearm(l);
  }
  hf->e = NULL;
}

static void fill_from_entry(struct tcp__conn *c, const struct tcp__synq *e)
{
  const struct tcp_settings *set = c->h->set;
  c->id = e->id;
  c->iss = e->iss;
  c->irs = e->irs;
  c->snd_una = e->iss;
  c->snd_nxt = c->snd_max = c->snd_end = e->iss + 1;
  c->rcv_nxt = e->irs + 1;
  uint16_t pm = e->peer_mss;
  c->mss = pm < set->mss ? pm : set->mss;
  if (set->opt_wscale && (e->opts & TCP__SQ_WSCALE)) {
    c->flags |= TCP__CF_WSCALE;
    c->snd_wscale = e->peer_wscale > 14 ? 14 : e->peer_wscale;
    c->rcv_wscale = set->wscale;
  }
  if (set->opt_sack && (e->opts & TCP__SQ_SACK))
    c->flags |= TCP__CF_SACK;
  if (set->opt_timestamps && (e->opts & TCP__SQ_TS)) {
    c->flags |= TCP__CF_TS;
    c->ts_recent = e->ts_recent;
    if (c->mss > 12)
      c->mss -= 12;
  }
  c->snd_wnd = e->peer_win;
  c->snd_wl1 = e->irs;
  c->snd_wl2 = e->iss;
}

static void inherit_options(struct tcp__conn *c, const struct tcp__listener *l)
{
  if (l->sock && (l->sock->flags & TCP__SF_NODELAY))
    c->flags |= TCP__CF_NODELAY;
  if (l->sock && (l->sock->flags & TCP__SF_KEEPALIVE))
    c->flags |= TCP__CF_KEEPALIVE;
}

/* The handshake's last ACK: make the block, adopt SYN_RCVD, and let the
 * table take it to ESTABLISHED (and into the accept queue). */
static void promote(struct tcp__listener *l, struct half *hf,
                    const struct tcp__seg *s)
{
  struct tcp__host *h = l->h;
  struct tcp_module *m = h->m;
  struct tcp__synq e = *hf->e;
  if (accept_full(l)) {
    m->st.accept_queue_drops++;
    if (h->set->accept_overflow == TCP_OVERFLOW_RST) {
      tcp__reply_closed(h, m, h->node, s);
      remove_half(l, hf);
      entry_move(l, &e, TCP_S_CLOSED, "accept queue overflow");
    } else {
      /* Linux tcp_abort_on_overflow 0: ignore the ACK; the entry stays
       * and its SYN-ACK is retransmitted, letting the client in later. */
      tcp__drop(m, h->node, s, "accept queue full");
    }
    return;
  }
  struct tcp__conn *c = tcp__conn_new(h, e.laddr, l->lport, e.raddr, e.rport);
  if (!c) {
    tcp__drop(m, h->node, s, "out of memory");
    return;
  }
  remove_half(l, hf);
  fill_from_entry(c, &e);
  inherit_options(c, l);
  c->lis = l;
  tcp__fsm_set(h, c, &c->state, c->id, TCP_S_SYN_RCVD, NULL);
  tcp__trace_accepted(m, h->node, c->id, s->p);
  /* The entry has checked the ACK; the table processes it and any text
   * or FIN riding on it. */
  tcp__fsm_step(c, TCP__EV_ACK_OF_SYN, s, NULL);
  if (!(c->flags & TCP__CF_DEAD))
    tcp__output(c);
}

/* ====================================================================== */
/* SYN cookies                                                             */
/* ====================================================================== */

/* An ACK that matches no half-open entry: is it the answer to one of our
 * cookies? True if it was taken (connection made, or dropped for a full
 * accept queue); false if the caller answers it as any stray ACK, with a
 * reset (Linux: cookie_v4_check returns the listener, which resets). */
static bool cookie_ack(struct tcp__listener *l, const struct tcp__seg *s)
{
  struct tcp__host *h = l->h;
  struct tcp_module *m = h->m;
  const struct tcp_settings *set = h->set;
  int64_t now = sim_now(m->w);
  if (set->syncookies == TCP_SYNCOOKIES_OFF ||
      l->cookie_last_ns == INT64_MIN ||
      now - l->cookie_last_ns >=
          (int64_t)TCP__COOKIE_MAX_AGE * TCP__COOKIE_PERIOD_NS)
    return false; /* no cookie sent lately: not worth a check */
  struct tcp__cookie_tuple t = tuple_of(l, s->dst, s->src, s->h.sport);
  uint16_t mss = tcp__cookie_check(l->key, &t, s->h.seq - 1, s->h.ack - 1, now);
  if (mss == 0) {
    m->st.syncookies_failed++;
    return false;
  }
  m->st.syncookies_validated++;
  /* What the SYN said, rebuilt: the MSS from the cookie; with timestamps
   * the peer's window scale and SACK from the echoed TSval (Linux
   * cookie_timestamp_decode); without them, nothing more. */
  struct tcp__synq e;
  memset(&e, 0, sizeof e);
  e.laddr = s->dst;
  e.raddr = s->src;
  e.rport = s->h.sport;
  e.irs = s->h.seq - 1;
  e.iss = s->h.ack - 1;
  e.peer_mss = mss;
  e.peer_win = s->h.win;
  if (s->h.has_ts && set->opt_timestamps) {
    e.opts |= TCP__SQ_TS;
    e.ts_recent = s->h.ts_val;
    uint32_t o = s->h.ts_ecr & ((1u << TCP__COOKIE_TS_BITS) - 1);
    if (s->h.ts_ecr != 0) {
      if (o & TCP__COOKIE_TS_SACK)
        e.opts |= TCP__SQ_SACK;
      if ((o & 0xfu) != TCP__COOKIE_TS_WSCALE_NONE) {
        e.opts |= TCP__SQ_WSCALE;
        e.peer_wscale = (uint8_t)(o & 0xfu);
      }
    }
  }
  if (accept_full(l)) {
    /* Linux tcp_v4_syn_recv_sock fails on a full accept queue and the
     * ACK is dropped; a later segment of the client carries the same
     * cookie while it is young enough. */
    m->st.accept_queue_drops++;
    tcp__drop(m, h->node, s, "accept queue full");
    return true;
  }
  struct tcp__conn *c = tcp__conn_new(h, e.laddr, l->lport, e.raddr, e.rport);
  if (!c) {
    tcp__drop(m, h->node, s, "out of memory");
    return true;
  }
  e.id = c->id;
  fill_from_entry(c, &e);
  inherit_options(c, l);
  c->lis = l;
  /* No SYN_RCVD ever existed: the block adopts the listener's LISTEN and
   * the table takes it to ESTABLISHED with the ACK and any text on it. */
  tcp__fsm_set(h, c, &c->state, c->id, TCP_S_LISTEN, NULL);
  tcp__trace_accepted(m, h->node, c->id, s->p);
  tcp__fsm_step(c, TCP__EV_ACK_OF_SYN, s, NULL);
  if (!(c->flags & TCP__CF_DEAD))
    tcp__output(c);
  return true;
}

/* ====================================================================== */
/* A new SYN                                                               */
/* ====================================================================== */

/* Experiment only (DESIGN 6.11): count the connection open once the
 * SYN-ACK is sent, without waiting for the third segment. Not a defence
 * and not a real stack's behaviour: it shows what goes wrong (an old
 * duplicate SYN or a spoofed one makes an ESTABLISHED connection nobody
 * asked for, handed to the application, waiting in vain). */
static void two_way_open(struct tcp__listener *l, const struct tcp__seg *s,
                         struct tcp__synq *e)
{
  struct tcp__host *h = l->h;
  struct tcp__conn *c = tcp__conn_new(h, e->laddr, l->lport, e->raddr, e->rport);
  if (!c)
    return;
  fill_from_entry(c, e);
  inherit_options(c, l);
  c->lis = l;
  uint8_t st = TCP_S_LISTEN;
  tcp__fsm_set(h, NULL, &st, e->id, TCP_S_SYN_RCVD, "rcv SYN, snd SYN,ACK");
  tcp__trace_accepted(h->m, h->node, e->id, s->p);
  tcp__fsm_set(h, c, &c->state, c->id, TCP_S_SYN_RCVD, NULL);
  c->snd_nxt = c->iss; /* output sends the SYN-ACK */
  tcp__output(c);
  /* The server takes its SYN as known to the peer: nothing will be
   * retransmitted, and a client that never asked leaves it waiting. */
  c->snd_una = c->snd_max;
  c->flags &= (uint16_t)~TCP__CF_RTT;
  tcp__timer_clear(c, TCP__T_RTX);
  tcp__fsm_set(h, c, &c->state, c->id, TCP_S_ESTABLISHED,
               "two-way handshake: SYN,ACK sent");
}

/* Where a new SYN's half-open state goes. */
enum syn_dest {
  TO_QUEUE,   /* the SYN queue */
  TO_RECYCLE, /* the SYN queue, in place of its oldest entry */
  TO_CACHE,   /* the SYN cache (its bucket may drop its oldest) */
  TO_COOKIE,  /* nowhere: a SYN cookie */
  TO_DROP     /* nowhere: dropped, counted in syn_queue_drops */
};

static enum syn_dest syn_dest(const struct tcp__listener *l,
                              const struct tcp__seg *s)
{
  const struct tcp_settings *set = l->h->set;
  if (set->syncookies == TCP_SYNCOOKIES_ALWAYS)
    return TO_COOKIE;
  bool full;
  if (set->syncache) {
    /* A SYN whose bucket is full replaces the bucket's oldest entry, so
     * the cache does not grow: only when neither applies is it full
     * (FreeBSD: the zone allocator at cache_limit). */
    const struct tcp__scbucket *b =
        l->sc ? sc_bucket(l, s->dst, s->src, s->h.sport) : NULL;
    bool bucket_full = b && b->len >= set->syncache_bucket_limit && b->len;
    full = !bucket_full && l->sc && l->sc->count >= set->syncache_limit;
    if (!full)
      return TO_CACHE;
  } else {
    full = l->q_len >= set->syn_backlog;
    if (!full)
      return TO_QUEUE;
    if (set->syn_recycle && l->q_len > 0)
      return TO_RECYCLE;
  }
  return set->syncookies == TCP_SYNCOOKIES_OVERFLOW ? TO_COOKIE : TO_DROP;
}

static void new_syn(struct tcp__listener *l, const struct tcp__seg *s)
{
  struct tcp__host *h = l->h;
  struct tcp_module *m = h->m;
  const struct tcp_settings *set = h->set;
  if (tcp__quiet(h)) {
    tcp__drop(m, h->node, s, "quiet time");
    return;
  }
  enum syn_dest dest = syn_dest(l, s);
  if (dest == TO_DROP) {
    m->st.syn_queue_drops++;
    tcp__drop(m, h->node, s, set->syncache ? "SYN cache full"
                                           : "SYN queue full");
    return;
  }
  /* Linux tcp_conn_request: a full accept queue drops the SYN even when
   * a cookie could answer it. */
  if (accept_full(l)) {
    m->st.accept_queue_drops++;
    tcp__drop(m, h->node, s, "accept queue full");
    return;
  }
  int64_t now = sim_now(m->w);
  struct tcp__synq e;
  memset(&e, 0, sizeof e);
  e.laddr = s->dst;
  e.raddr = s->src;
  e.rport = s->h.sport;
  e.irs = s->h.seq;
  /* the same rule as the active side (tcp__peer_mss) */
  e.peer_mss = tcp__peer_mss(s->h.has_mss, s->h.mss);
  e.peer_win = s->h.win;
  e.peer_wscale = s->h.wscale;
  if (s->h.has_wscale)
    e.opts |= TCP__SQ_WSCALE;
  if (s->h.sack_ok)
    e.opts |= TCP__SQ_SACK;
  if (s->h.has_ts) {
    e.opts |= TCP__SQ_TS;
    e.ts_recent = s->h.ts_val;
  }
  if (dest == TO_COOKIE) {
    /* RFC 4987 3.6: everything the ACK needs is in the ISN (and, with
     * timestamps, in the TSval); no entry, no timer, no transition. */
    struct tcp__cookie_tuple t = tuple_of(l, s->dst, s->src, s->h.sport);
    e.iss = tcp__cookie_make(l->key, &t, e.irs, e.peer_mss, now, NULL);
    m->st.syncookies_sent++;
    l->cookie_last_ns = now;
    send_synack(l, &e, true);
    return;
  }
  e.id = tcp__new_id(m);
  e.iss = tcp__isn_next(&h->isn, set, now, s->dst, l->lport, s->src,
                        s->h.sport, &h->isn_rng);
  e.expire_ns = tcp__deadline(now, set->rto_initial_ns);
  if (set->two_way_handshake) {
    two_way_open(l, s, &e);
    return;
  }
  uint8_t st = TCP_S_LISTEN;
  if (dest == TO_CACHE) {
    if (!l->sc && !(l->sc = sc_make(l))) {
      tcp__drop(m, h->node, s, "out of memory");
      return;
    }
    tcp__fsm_set(h, NULL, &st, e.id, TCP_S_SYN_RCVD, "rcv SYN, snd SYN,ACK");
    if (!sc_insert(l, &e)) {
      entry_move(l, &e, TCP_S_CLOSED, "out of memory");
      tcp__drop(m, h->node, s, "out of memory");
      return;
    }
    tcp__trace_accepted(m, h->node, e.id, s->p);
    send_synack(l, &e, false);
    return;
  }
  if (dest == TO_RECYCLE) {
    /* RFC 4987 3.5: the oldest half-open entry makes room. */
    uint32_t oi = sq_oldest(l);
    struct tcp__synq old = l->sq->pool[oi].e;
    sq_kill(l, oi);
    m->st.syn_recycled++;
    entry_move(l, &old, TCP_S_CLOSED, "recycled for a new SYN");
  }
  if (sq_insert(l, &e) == TCP__SQ_NIL) {
    tcp__drop(m, h->node, s, "out of memory");
    rearm(l);
    return;
  }
  tcp__fsm_set(h, NULL, &st, e.id, TCP_S_SYN_RCVD, "rcv SYN, snd SYN,ACK");
  tcp__trace_accepted(m, h->node, e.id, s->p);
  send_synack(l, &e, false);
  rearm(l);
}

void tcp__listen_input(struct tcp__listener *l, const struct tcp__seg *s)
{
  struct tcp__host *h = l->h;
  struct tcp_module *m = h->m;
  uint8_t f = s->h.flags;
  struct half hf;
  if (find_half(l, s, &hf)) {
    struct tcp__synq *e = hf.e;
    /* SYN_RCVD, held as an entry (RFC 9293 3.10.7.4 for SYN-RECEIVED) */
    uint32_t wnd = h->set->rcv_buf;
    bool in_wnd = tcp_seq_geq(s->h.seq, e->irs + 1) &&
                  tcp_seq_lt(s->h.seq, e->irs + 1 + (wnd ? wnd : 1));
    if (f & TCP_F_RST) {
      bool ok = h->set->rfc5961 ? s->h.seq == e->irs + 1 : in_wnd;
      if (!ok) {
        tcp__drop(m, h->node, s, "RST out of window");
        return;
      }
      m->st.rst_in++;
      tcp__trace_accepted(m, h->node, e->id, s->p);
      struct tcp__synq copy = *e;
      remove_half(l, &hf);
      entry_move(l, &copy, TCP_S_LISTEN, "rcv RST");
      return;
    }
    if (f & TCP_F_SYN) {
      if (!(f & TCP_F_ACK) && s->h.seq == e->irs) {
        send_synack(l, e, false); /* our SYN-ACK was lost */
        return;
      }
      tcp__drop(m, h->node, s, "SYN for a half-open connection");
      return;
    }
    if (!(f & TCP_F_ACK)) {
      tcp__drop(m, h->node, s, "no ACK");
      return;
    }
    if (s->h.ack != e->iss + 1) {
      tcp__reply_closed(h, m, h->node, s);
      return;
    }
    if (!in_wnd && !(s->h.seq == e->irs + 1)) {
      tcp__drop(m, h->node, s, "out of window");
      return;
    }
    promote(l, &hf, s);
    return;
  }
  /* LISTEN (RFC 9293 3.10.7.2) */
  if (f & TCP_F_RST) {
    tcp__drop(m, h->node, s, "RST in LISTEN");
    return;
  }
  if (f & TCP_F_ACK) {
    if (!(f & TCP_F_SYN) && cookie_ack(l, s))
      return;
    tcp__reply_closed(h, m, h->node, s);
    return;
  }
  if (f & TCP_F_SYN) {
    new_syn(l, s);
    return;
  }
  tcp__drop(m, h->node, s, "no SYN in LISTEN");
}

/* SYN-ACK retransmissions of every entry of the SYN queue (one timer):
 * the due heads of the levels, highest level first, which is arrival
 * order; an entry retransmitted moves to the tail of the next level. */
static void lis_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct tcp__listener *l = arg;
  struct tcp__host *h = l->h;
  const struct tcp_settings *set = h->set;
  struct tcp__synqueue *q = l->sq;
  int64_t now = sim_now(w);
  (void)ev;
  tcp__enter(h);
  for (uint32_t k = q->nlevels; k-- > 0;) {
    while (q->head[k] != TCP__SQ_NIL) {
      uint32_t i = q->head[k];
      struct tcp__synq *e = &q->pool[i].e;
      if (e->opts & TCP__SQ_DEAD) {
        sq_release(q, sq_pop(q, k));
        continue;
      }
      if (e->expire_ns > now)
        break;
      /* The entry's age at this deadline: its SYN-ACK timeouts so far. */
      int64_t age = synack_age(set, e->retries);
      bool est_over = set->conn_est_timeout_ns > 0 &&
                      age >= set->conn_est_timeout_ns;
      if (e->retries >= set->synack_retries || est_over) {
        struct tcp__synq copy = *e;
        sq_kill(l, i);
        sq_release(q, sq_pop(q, k));
        entry_move(l, &copy, TCP_S_CLOSED,
                   est_over ? "connection-establishment timer"
                            : "SYN,ACK retries exhausted");
        continue;
      }
      if (!sq_level(q, k + 1)) {
        e->expire_ns = synack_deadline(set, now, e->retries);
        break; /* out of memory: try again later, nothing lost */
      }
      e->retries++;
      h->m->st.retransmits++;
      send_synack(l, e, false);
      e->expire_ns = synack_deadline(set, now, e->retries);
      /* 4.4BSD: the connection-establishment timer (TCPTV_KEEP_INIT) of
       * the SYN_RCVD socket ends it before the next SYN-ACK is due */
      if (set->conn_est_timeout_ns > 0 &&
          synack_age(set, e->retries) > set->conn_est_timeout_ns)
        e->expire_ns = tcp__deadline(now, set->conn_est_timeout_ns - age);
      sq_append(q, k + 1, sq_pop(q, k));
    }
  }
  rearm(l);
  tcp__leave(h);
}

int tcp__listener_open(struct tcp_sock *so, uint32_t backlog)
{
  struct tcp__host *h = so->h;
  struct tcp__listener *l = calloc(1, sizeof *l);
  if (!l)
    return TCP_ENOMEM;
  sim_event_init(&l->ev, lis_fire, l);
  l->h = h;
  l->sock = so;
  l->id = tcp__new_id(h->m);
  l->laddr = so->laddr;
  l->lport = so->lport;
  l->state = TCP_S_CLOSED;
  uint32_t cap = h->set->somaxconn;
  l->backlog = backlog < cap ? backlog : cap;
  /* Every listener draws its secret, whatever the defences, from a
   * stream of its own, so that switching them leaves other draws alone. */
  l->key[0] = sim_rng_u64(&h->secret_rng);
  l->key[1] = sim_rng_u64(&h->secret_rng);
  l->cookie_last_ns = INT64_MIN;
  l->prev = h->l_tail;
  if (h->l_tail)
    h->l_tail->next = l;
  else
    h->l_head = l;
  h->l_tail = l;
  so->lis = l;
  so->conn_id = l->id;
  tcp__fsm_set(h, NULL, &l->state, l->id, TCP_S_LISTEN, "app listen");
  return TCP_OK;
}

void tcp__accept_remove(struct tcp__conn *c)
{
  struct tcp__listener *l = c->lis;
  if (!l)
    return;
  struct tcp__conn **pp = &l->aq_head, *prev = NULL;
  while (*pp && *pp != c) {
    prev = *pp;
    pp = &(*pp)->anext;
  }
  if (*pp) {
    *pp = c->anext;
    if (l->aq_tail == c)
      l->aq_tail = prev;
    l->aq_len--;
    l->h->m->st.accept_queued--;
  }
  c->anext = NULL;
  c->lis = NULL;
}

/* Reset a half-open entry of a listener being closed. */
static void close_entry(struct tcp__listener *l, const struct tcp__synq *e)
{
  struct tcp__host *h = l->h;
  struct tcp_hdr hd;
  memset(&hd, 0, sizeof hd);
  hd.sport = l->lport;
  hd.dport = e->rport;
  hd.seq = e->iss + 1;
  hd.ack = e->irs + 1;
  hd.flags = TCP_F_RST | TCP_F_ACK;
  tcp__send_raw(h->m, h->node, h, e->laddr, e->raddr, &hd, 0, e->id);
  entry_move(l, e, TCP_S_CLOSED, "listener closed");
}

/* Close a listener: half-open entries and connections never accepted are
 * reset (Linux inet_csk_listen_stop), unless the host just lost power
 * (silent: nothing may leave it). Cache entries go bucket by bucket,
 * oldest first, so that the order is the same in every run. */
void tcp__listener_close(struct tcp__listener *l, bool silent)
{
  struct tcp__host *h = l->h;
  struct tcp__synqueue *q = l->sq;
  for (uint32_t k = q ? q->nlevels : 0; k-- > 0;)
    for (uint32_t i = q->head[k]; i != TCP__SQ_NIL; i = q->pool[i].next)
      if (!silent && !(q->pool[i].e.opts & TCP__SQ_DEAD))
        close_entry(l, &q->pool[i].e);
  h->m->st.half_open -= l->q_len;
  l->q_len = 0;
  sq_free(q);
  l->sq = NULL;
  sim_cancel(h->m->w, &l->ev);
  if (l->sc) {
    for (uint32_t b = 0; b < l->sc->nb; b++) {
      struct tcp__scbucket *bk = &l->sc->b[b];
      sim_cancel(h->m->w, &bk->ev);
      for (uint32_t i = bk->head; i != TCP__SC_NIL; i = l->sc->pool[i].next)
        if (!silent)
          close_entry(l, &l->sc->pool[i].e);
    }
    h->m->st.half_open -= l->sc->count;
    free(l->sc->pool);
    free(l->sc->b);
    free(l->sc);
    l->sc = NULL;
  }
  while (l->aq_head) {
    struct tcp__conn *c = l->aq_head;
    tcp__accept_remove(c);
    if (!silent)
      tcp__fsm_step(c, TCP__EV_APP_ABORT, NULL, "listener closed");
  }
  if (!silent)
    tcp__fsm_set(h, NULL, &l->state, l->id, TCP_S_CLOSED, "app close");
  if (l->prev)
    l->prev->next = l->next;
  else
    h->l_head = l->next;
  if (l->next)
    l->next->prev = l->prev;
  else
    h->l_tail = l->prev;
  tcp__port_use(h, l->lport, TCP__PU_LISTEN, -1);
  if (l->sock)
    l->sock->lis = NULL;
  free(l);
}

/* L4, L5 (debug builds, inside asserts). */
/* L2 for the SYN queue: levels, hash and counts agree. */
static bool sq_check(const struct tcp__listener *l)
{
  const struct tcp__synqueue *q = l->sq;
  if (!q)
    return l->q_len == 0;
  uint32_t slots = 0, live = 0;
  for (uint32_t k = 0; k < q->nlevels; k++) {
    uint32_t last = TCP__SQ_NIL;
    int64_t prev_t = INT64_MIN;
    for (uint32_t i = q->head[k]; i != TCP__SQ_NIL; i = q->pool[i].next) {
      if (i >= q->pool_cap || ++slots > q->pool_cap)
        return false;
      const struct tcp__synq *e = &q->pool[i].e;
      if (!(e->opts & TCP__SQ_DEAD)) {
        if (e->retries != k || e->expire_ns < prev_t ||
            sq_find(l, e->laddr, e->raddr, e->rport) != i)
          return false;
        prev_t = e->expire_ns;
        live++;
      }
      last = i;
    }
    if (last != q->tail[k])
      return false;
  }
  if (slots != q->slots || live != l->q_len)
    return false;
  uint32_t nfree = 0;
  for (uint32_t i = q->free_head; i != TCP__SQ_NIL; i = q->pool[i].next)
    if (i >= q->pool_used || ++nfree > q->pool_used)
      return false;
  return nfree + slots == q->pool_used && q->pool_used <= q->pool_cap;
}

bool tcp__listener_check(const struct tcp__listener *l)
{
  if (!sq_check(l))
    return false;
  const struct tcp__syncache *sc = l->sc;
  if (!sc)
    return true;
  uint32_t total = 0;
  for (uint32_t b = 0; b < sc->nb; b++) {
    const struct tcp__scbucket *bk = &sc->b[b];
    uint32_t n = 0, last = TCP__SC_NIL;
    for (uint32_t i = bk->head; i != TCP__SC_NIL; i = sc->pool[i].next) {
      if (i >= sc->pool_cap || ++n > sc->pool_cap)
        return false;
      const struct tcp__synq *e = &sc->pool[i].e;
      if (sc_bucket(l, e->laddr, e->raddr, e->rport) != bk)
        return false;
      last = i;
    }
    if (n != bk->len || last != bk->tail || bk->l != l)
      return false;
    if ((n > 0) != sim_event_pending(&bk->ev))
      return false;
    total += n;
  }
  if (total != sc->count)
    return false;
  uint32_t nfree = 0;
  for (uint32_t i = sc->free_head; i != TCP__SC_NIL; i = sc->pool[i].next)
    if (i >= sc->pool_cap || ++nfree > sc->pool_cap)
      return false;
  return nfree + total == sc->pool_cap;
}
