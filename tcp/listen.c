/*
 * listen.c - listeners: passive opens (RFC 9293 3.10.7.2), the SYN queue of
 * half-open connections and the accept queue of finished ones.
 *
 * A half-open connection is a small record (struct tcp__synq, at most 64
 * bytes) rather than a connection block, as in FreeBSD's syncache and
 * Linux's request socks: a SYN flood fills a bounded array, not the heap.
 * All entries of a listener share one timer for their SYN-ACK
 * retransmissions (STYLE.md rule 5); it fires at the earliest deadline and
 * scans the queue, O(queue) per firing, which at the default backlogs
 * (thousands) is cheaper than a heap operation per entry. A connection
 * block is made when the handshake's last ACK arrives; it enters the
 * accept queue on entering ESTABLISHED (fsm.c). Axioms L1-L3 in
 * tcp/tcp_int.h.
 */
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_int.h"

static void lis_fire(struct sim_world *w, struct sim_event *ev, void *arg);

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
 * textbook simply backlog. */
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

static void rearm(struct tcp__listener *l)
{
  struct sim_world *w = l->h->m->w;
  if (l->q_len == 0) {
    sim_cancel(w, &l->ev);
    return;
  }
  int64_t t = INT64_MAX;
  for (uint32_t i = 0; i < l->q_len; i++)
    if (l->q[i].expire_ns < t)
      t = l->q[i].expire_ns;
  if (!sim_event_pending(&l->ev) || l->ev.t_ns != t)
    (void)sim_rearm_at(w, &l->ev, t);
}

static void send_synack(struct tcp__listener *l, const struct tcp__synq *e)
{
  const struct tcp_settings *set = l->h->set;
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
  /* RFC 7323 1.3, RFC 2018 2: answer only options the SYN offered. */
  if (set->opt_wscale && (e->opts & TCP__SQ_WSCALE)) {
    hd.has_wscale = 1;
    hd.wscale = set->wscale;
  }
  if (set->opt_sack && (e->opts & TCP__SQ_SACK))
    hd.sack_ok = 1;
  if (set->opt_timestamps && (e->opts & TCP__SQ_TS)) {
    hd.has_ts = 1;
    hd.ts_val = tcp__ts_now(l->h);
    hd.ts_ecr = e->ts_recent;
  }
  tcp__send_raw(l->h->m, l->h->node, l->h, e->laddr, e->raddr, &hd, 0, e->id);
}

static void remove_entry(struct tcp__listener *l, uint32_t i)
{
  /* Arrival order is kept: it decides which entry a scan meets first. */
  memmove(&l->q[i], &l->q[i + 1], (l->q_len - i - 1) * sizeof l->q[0]);
  l->q_len--;
}

/* An entry leaves SYN_RCVD through the state writer like any block. */
static void entry_move(struct tcp__listener *l, const struct tcp__synq *e,
                       enum tcp_state to, const char *cause)
{
  uint8_t st = TCP_S_SYN_RCVD;
  tcp__fsm_set(l->h, NULL, &st, e->id, to, cause);
  if (to == TCP_S_CLOSED)
    tcp__trace_closed(l->h, e->id, TCP_ECONNABORTED);
}

static struct tcp__synq *find_entry(struct tcp__listener *l,
                                    const struct tcp__seg *s, uint32_t *idx)
{
  for (uint32_t i = 0; i < l->q_len; i++) {
    struct tcp__synq *e = &l->q[i];
    if (e->raddr == s->src && e->rport == s->h.sport && e->laddr == s->dst) {
      *idx = i;
      return e;
    }
  }
  return NULL;
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
static void promote(struct tcp__listener *l, uint32_t idx,
                    const struct tcp__seg *s)
{
  struct tcp__host *h = l->h;
  struct tcp_module *m = h->m;
  struct tcp__synq e = l->q[idx];
  if (accept_full(l)) {
    m->st.accept_queue_drops++;
    if (h->set->accept_overflow == TCP_OVERFLOW_RST) {
      tcp__reply_closed(h, m, h->node, s);
      remove_entry(l, idx);
      entry_move(l, &e, TCP_S_CLOSED, "accept queue overflow");
      rearm(l);
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
  remove_entry(l, idx);
  rearm(l);
  fill_from_entry(c, &e);
  inherit_options(c, l);
  c->lis = l;
  tcp__fsm_set(h, c, &c->state, c->id, TCP_S_SYN_RCVD, NULL);
  /* The entry has checked the ACK; the table processes it and any text
   * or FIN riding on it. */
  tcp__fsm_step(c, TCP__EV_ACK_OF_SYN, s, NULL);
  if (!(c->flags & TCP__CF_DEAD))
    tcp__output(c);
}

/* Experiment only (DESIGN 6.11): count the connection open once the
 * SYN-ACK is sent, without waiting for the third segment. */
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

static void new_syn(struct tcp__listener *l, const struct tcp__seg *s)
{
  struct tcp__host *h = l->h;
  struct tcp_module *m = h->m;
  const struct tcp_settings *set = h->set;
  if (tcp__quiet(h)) {
    tcp__drop(m, h->node, s, "quiet time");
    return;
  }
  if (l->q_len >= set->syn_backlog) {
    m->st.syn_queue_drops++;
    tcp__drop(m, h->node, s, "SYN queue full");
    return;
  }
  if (accept_full(l)) {
    m->st.accept_queue_drops++;
    tcp__drop(m, h->node, s, "accept queue full");
    return;
  }
  int64_t now = sim_now(m->w);
  struct tcp__synq e;
  memset(&e, 0, sizeof e);
  e.id = tcp__new_id(m);
  e.laddr = s->dst;
  e.raddr = s->src;
  e.rport = s->h.sport;
  e.irs = s->h.seq;
  e.iss = tcp__isn_next(&h->isn, set, now, s->dst, l->lport, s->src,
                        s->h.sport, &h->isn_rng);
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
  e.expire_ns = tcp__deadline(now, set->rto_initial_ns);
  if (set->two_way_handshake) {
    two_way_open(l, s, &e);
    return;
  }
  if (l->q_len == l->q_cap) {
    uint32_t cap = l->q_cap ? 2 * l->q_cap : 8;
    struct tcp__synq *q = realloc(l->q, cap * sizeof *q);
    if (!q) {
      tcp__drop(m, h->node, s, "out of memory");
      return;
    }
    l->q = q;
    l->q_cap = cap;
  }
  l->q[l->q_len++] = e;
  uint8_t st = TCP_S_LISTEN;
  tcp__fsm_set(h, NULL, &st, e.id, TCP_S_SYN_RCVD, "rcv SYN, snd SYN,ACK");
  send_synack(l, &e);
  rearm(l);
}

void tcp__listen_input(struct tcp__listener *l, const struct tcp__seg *s)
{
  struct tcp__host *h = l->h;
  struct tcp_module *m = h->m;
  uint8_t f = s->h.flags;
  uint32_t idx = 0;
  struct tcp__synq *e = find_entry(l, s, &idx);
  if (e) {
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
      struct tcp__synq copy = *e;
      remove_entry(l, idx);
      entry_move(l, &copy, TCP_S_LISTEN, "rcv RST");
      rearm(l);
      return;
    }
    if (f & TCP_F_SYN) {
      if (!(f & TCP_F_ACK) && s->h.seq == e->irs) {
        send_synack(l, e); /* our SYN-ACK was lost */
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
    promote(l, idx, s);
    return;
  }
  /* LISTEN (RFC 9293 3.10.7.2) */
  if (f & TCP_F_RST) {
    tcp__drop(m, h->node, s, "RST in LISTEN");
    return;
  }
  if (f & TCP_F_ACK) {
    tcp__reply_closed(h, m, h->node, s);
    return;
  }
  if (f & TCP_F_SYN) {
    new_syn(l, s);
    return;
  }
  tcp__drop(m, h->node, s, "no SYN in LISTEN");
}

/* SYN-ACK retransmissions of every entry of the listener (one timer). */
static void lis_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct tcp__listener *l = arg;
  struct tcp__host *h = l->h;
  const struct tcp_settings *set = h->set;
  int64_t now = sim_now(w);
  tcp__enter(h);
  uint32_t i = 0;
  while (i < l->q_len) {
    struct tcp__synq *e = &l->q[i];
    if (e->expire_ns > now) {
      i++;
      continue;
    }
    if (e->retries >= set->synack_retries) {
      struct tcp__synq copy = *e;
      remove_entry(l, i);
      entry_move(l, &copy, TCP_S_CLOSED, "SYN,ACK retries exhausted");
      continue;
    }
    e->retries++;
    h->m->st.retransmits++;
    send_synack(l, e);
    int64_t d = set->rto_initial_ns;
    for (unsigned k = 0; k < e->retries && d < set->rto_max_ns; k++)
      d *= 2;
    if (d > set->rto_max_ns)
      d = set->rto_max_ns;
    e->expire_ns = tcp__deadline(now, d);
    i++;
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
  }
  c->anext = NULL;
  c->lis = NULL;
}

/* Close a listener: half-open entries and connections never accepted are
 * reset (Linux inet_csk_listen_stop), unless the host just lost power
 * (silent: nothing may leave it). */
void tcp__listener_close(struct tcp__listener *l, bool silent)
{
  struct tcp__host *h = l->h;
  for (uint32_t i = 0; i < l->q_len; i++) {
    struct tcp__synq *e = &l->q[i];
    if (!silent) {
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
  }
  l->q_len = 0;
  free(l->q);
  l->q = NULL;
  l->q_cap = 0;
  sim_cancel(h->m->w, &l->ev);
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
