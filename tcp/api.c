/*
 * api.c - the socket API of tcp/tcp.h: sockets, options, bind and the port
 * table, listen and accept, connect with ephemeral ports, send, recv,
 * shutdown, close and abort, process kill; and the delivery of callbacks.
 *
 * Callbacks are never made from inside the state machine: events queue a
 * notification on the socket and the outermost entry into the module
 * delivers them when it ends (axiom H3 in tcp/tcp_int.h), so a callback
 * may call any function here. A released handle (tcp_close, tcp_abort)
 * is kept for a while on the module's list so that a late call on it
 * returns TCP_EBADF instead of touching freed memory; the oldest are
 * freed past TCP__ZOMBIES (one list for all hosts: a run of 10 000 hosts
 * must not hold 10 000 x 4096 dead handles).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_int.h"

#define TCP__ZOMBIES 4096u

/* ====================================================================== */
/* Entry, notifications                                                    */
/* ====================================================================== */

void tcp__enter(struct tcp__host *h)
{
  h->depth++;
}

void tcp__notify(struct tcp_sock *so, uint8_t what, int err)
{
  struct tcp__host *h = so->h;
  if (so->flags & TCP__SF_CLOSED)
    return;
  so->notify |= what;
  if (what & TCP__N_CLOSED)
    so->closed_err = (int16_t)err;
  if (!(so->flags & TCP__SF_NOTIFYQ)) {
    so->flags |= TCP__SF_NOTIFYQ;
    so->nnext = NULL;
    if (h->n_tail)
      h->n_tail->nnext = so;
    else
      h->n_head = so;
    h->n_tail = so;
  }
}

static void deliver(struct tcp__host *h)
{
  while (h->n_head) {
    struct tcp_sock *so = h->n_head;
    h->n_head = so->nnext;
    if (!h->n_head)
      h->n_tail = NULL;
    so->flags &= (uint16_t)~TCP__SF_NOTIFYQ;
    uint8_t n = so->notify;
    so->notify = 0;
#define LIVE() (!(so->flags & TCP__SF_CLOSED))
    if ((n & TCP__N_CONNECTED) && LIVE() && so->cb.connected)
      so->cb.connected(so, so->ctx);
    if ((n & TCP__N_ACCEPTABLE) && LIVE() && so->cb.acceptable)
      so->cb.acceptable(so, so->ctx);
    if ((n & TCP__N_READABLE) && LIVE() && so->conn && so->conn->rcv_unread &&
        so->cb.readable)
      so->cb.readable(so, so->conn->rcv_unread, so->ctx);
    if ((n & TCP__N_PEER_CLOSED) && LIVE() && so->cb.peer_closed)
      so->cb.peer_closed(so, so->ctx);
    if ((n & TCP__N_CLOSED) && LIVE() && so->cb.closed)
      so->cb.closed(so, so->closed_err, so->ctx);
#undef LIVE
  }
}

void tcp__leave(struct tcp__host *h)
{
  if (h->depth > 1) {
    h->depth--;
    return;
  }
  deliver(h);
  tcp__host_reap(h);
#ifdef TCPSIM_DEBUG
  /* O(connections): only in debug builds. */
  assert(tcp__host_check(h));
#endif
  struct tcp_module *m = h->m;
  while (m->nzombies > TCP__ZOMBIES) {
    struct tcp_sock *so = m->z_head;
    m->z_head = so->next;
    if (!m->z_head)
      m->z_tail = NULL;
    m->nzombies--;
    free(so);
  }
  h->depth--;
}

void tcp__conn_ended(struct tcp__conn *c)
{
  struct tcp_sock *so = c->sock;
  if (!so)
    return;
  so->conn = NULL;
  so->state = TCP_S_CLOSED;
  so->last_err = c->err;
  so->flags &= (uint16_t)~TCP__SF_ERR_SEEN; /* a new error to report */
  so->conn_id = c->id;
  so->raddr = c->raddr;
  so->rport = c->rport;
  c->sock = NULL;
  tcp__notify(so, TCP__N_CLOSED, c->err);
}

/* ====================================================================== */
/* Ports (H2)                                                              */
/* ====================================================================== */

static uint32_t port_pos(const struct tcp__host *h, uint16_t port)
{
  uint32_t lo = 0, hi = h->nports;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (h->ports[mid].port < port)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const struct tcp__port *tcp__port_find(const struct tcp__host *h, uint16_t port)
{
  uint32_t i = port_pos(h, port);
  return (i < h->nports && h->ports[i].port == port) ? &h->ports[i] : NULL;
}

void tcp__port_use(struct tcp__host *h, uint16_t port, enum tcp__port_use u,
                   int delta)
{
  uint32_t i = port_pos(h, port);
  if (i == h->nports || h->ports[i].port != port) {
    if (delta <= 0)
      return;
    if (h->nports == h->cap_ports) {
      uint32_t cap = h->cap_ports ? 2 * h->cap_ports : 8;
      struct tcp__port *p = realloc(h->ports, cap * sizeof *p);
      if (!p)
        return; /* the port looks free; at worst a bind succeeds */
      h->ports = p;
      h->cap_ports = cap;
    }
    memmove(&h->ports[i + 1], &h->ports[i], (h->nports - i) * sizeof h->ports[0]);
    h->nports++;
    memset(&h->ports[i], 0, sizeof h->ports[i]);
    h->ports[i].port = port;
  }
  struct tcp__port *p = &h->ports[i];
  switch (u) {
  case TCP__PU_LISTEN:
    p->nlisten = (uint16_t)(p->nlisten + delta);
    break;
  case TCP__PU_IDLE:
    p->nidle = (uint32_t)((int64_t)p->nidle + delta);
    break;
  case TCP__PU_CONN:
    p->nconn = (uint32_t)((int64_t)p->nconn + delta);
    break;
  }
  if (!p->nlisten && !p->nidle && !p->nconn) {
    memmove(&h->ports[i], &h->ports[i + 1],
            (h->nports - i - 1) * sizeof h->ports[0]);
    h->nports--;
  }
}

/* An ephemeral port (RFC 6056): from port_lo..port_hi, starting after the
 * last one (sequential) or at a random point of the host's "tcp.port"
 * stream (random), skipping ports a listener or a bound socket holds and,
 * for a connect, ports whose 4-tuple with the destination is taken. */
static int pick_port(struct tcp__host *h, uint32_t laddr, uint32_t raddr,
                     uint16_t rport, uint16_t *out)
{
  const struct tcp_settings *s = h->set;
  uint32_t lo = s->port_lo, hi = s->port_hi;
  if (lo == 0)
    lo = 1;
  if (hi < lo)
    return TCP_EADDRNOTAVAIL;
  uint32_t n = hi - lo + 1, start;
  if (s->port_policy == TCP_PORTS_RANDOM)
    start = (uint32_t)sim_rng_below(&h->port_rng, n);
  else
    start = (h->next_port >= lo && h->next_port <= hi) ? (uint32_t)h->next_port - lo : 0u;
  for (uint32_t i = 0; i < n; i++) {
    uint16_t p = (uint16_t)(lo + (start + i) % n);
    const struct tcp__port *pt = tcp__port_find(h, p);
    bool ok;
    if (raddr == 0)
      ok = pt == NULL;
    else
      ok = (!pt || (!pt->nlisten && !pt->nidle)) &&
           !tcp__conn_find(h, laddr, p, raddr, rport);
    if (ok) {
      h->next_port = (uint16_t)(p == hi ? lo : (uint32_t)p + 1u);
      *out = p;
      return TCP_OK;
    }
  }
  return TCP_EADDRNOTAVAIL;
}

/* ====================================================================== */
/* Sockets                                                                 */
/* ====================================================================== */

static bool host_up(const struct tcp__host *h)
{
  return sim_node_is_up(h->m->w, h->node);
}

int tcp_socket(struct tcp_module *m, uint32_t node, uint32_t owner,
               const struct tcp_callbacks *cb, void *ctx,
               struct tcp_sock **out)
{
  if (!m || !out)
    return TCP_EINVAL;
  *out = NULL;
  if (node >= sim_node_count(m->w) || sim_node_kind(m->w, node) != SIM_NODE_HOST)
    return TCP_EINVAL;
  if (!sim_node_is_up(m->w, node))
    return TCP_EHOSTDOWN;
  struct tcp__host *h = tcp__host_get(m, node, true);
  if (!h)
    return TCP_ENOMEM;
  struct tcp_sock *so = calloc(1, sizeof *so);
  if (!so)
    return TCP_ENOMEM;
  so->h = h;
  if (cb)
    so->cb = *cb;
  so->ctx = ctx;
  so->owner = owner;
  so->state = TCP_S_CLOSED;
  so->prev = h->s_tail;
  if (h->s_tail)
    h->s_tail->next = so;
  else
    h->s_head = so;
  h->s_tail = so;
  *out = so;
  return TCP_OK;
}

static bool dead(const struct tcp_sock *so)
{
  return !so || (so->flags & TCP__SF_CLOSED);
}

int tcp_setopt(struct tcp_sock *so, enum tcp_opt opt, int64_t v)
{
  if (dead(so))
    return TCP_EBADF;
  struct tcp__conn *c = so->conn;
  switch (opt) {
  case TCP_OPT_REUSEADDR:
    so->flags = (uint16_t)(v ? so->flags | TCP__SF_REUSEADDR
                             : so->flags & ~TCP__SF_REUSEADDR);
    return TCP_OK;
  case TCP_OPT_LINGER:
    /* tcp.h: -1 off, 0 abortive close, > 0 seconds; nothing else. */
    if (v < -1)
      return TCP_EINVAL;
    so->flags = (uint16_t)(v == 0 ? so->flags | TCP__SF_LINGER0
                                  : so->flags & ~TCP__SF_LINGER0);
    return TCP_OK;
  case TCP_OPT_KEEPALIVE:
    so->flags = (uint16_t)(v ? so->flags | TCP__SF_KEEPALIVE
                             : so->flags & ~TCP__SF_KEEPALIVE);
    if (c) {
      c->flags = (uint16_t)(v ? c->flags | TCP__CF_KEEPALIVE
                              : c->flags & ~TCP__CF_KEEPALIVE);
      tcp__enter(so->h);
      tcp__keepalive_arm(c);
      tcp__leave(so->h);
    }
    return TCP_OK;
  case TCP_OPT_KEEPIDLE:
  case TCP_OPT_KEEPINTVL:
    /* Bounded so that arming the timer (now + v) cannot overflow
     * int64_t; tcp__deadline saturates as a second guard. */
    if (v <= 0 || v > TCP_OPT_TIME_MAX_NS)
      return TCP_EINVAL;
    if (opt == TCP_OPT_KEEPIDLE)
      so->keepidle_ns = v;
    else
      so->keepintvl_ns = v;
    if (c && (c->flags & TCP__CF_KEEPALIVE) && opt == TCP_OPT_KEEPIDLE) {
      tcp__enter(so->h);
      tcp__keepalive_arm(c);
      tcp__leave(so->h);
    }
    return TCP_OK;
  case TCP_OPT_KEEPCNT:
    if (v <= 0 || v > 255)
      return TCP_EINVAL;
    so->keepcnt = (uint8_t)v;
    return TCP_OK;
  case TCP_OPT_NODELAY:
    so->flags = (uint16_t)(v ? so->flags | TCP__SF_NODELAY
                             : so->flags & ~TCP__SF_NODELAY);
    if (c)
      c->flags = (uint16_t)(v ? c->flags | TCP__CF_NODELAY
                              : c->flags & ~TCP__CF_NODELAY);
    return TCP_OK;
  }
  return TCP_EINVAL;
}

static int local_addr(struct tcp__host *h, uint32_t addr, uint32_t *out)
{
  if (addr == 0) {
    *out = sim_node_addr(h->m->w, h->node);
    return *out ? TCP_OK : TCP_EADDRNOTAVAIL;
  }
  uint32_t owner;
  if (sim_addr_owner(h->m->w, addr, &owner) != SIM_OK || owner != h->node)
    return TCP_EADDRNOTAVAIL;
  *out = addr;
  return TCP_OK;
}

int tcp_bind(struct tcp_sock *so, uint32_t addr, uint16_t port)
{
  if (dead(so))
    return TCP_EBADF;
  struct tcp__host *h = so->h;
  /* tcp.h: a powered-off host answers EHOSTDOWN before anything else
   * (its sockets were wiped, so their other state says nothing). */
  if (!host_up(h))
    return TCP_EHOSTDOWN;
  if ((so->flags & (TCP__SF_BOUND | TCP__SF_USED)) || so->conn || so->lis)
    return TCP_EINVAL;
  uint32_t la;
  int rc = local_addr(h, addr, &la);
  if (rc != TCP_OK)
    return rc;
  if (port == 0) {
    rc = pick_port(h, la, 0, 0, &port);
    if (rc != TCP_OK)
      return rc;
  } else {
    const struct tcp__port *pt = tcp__port_find(h, port);
    if (pt) {
      /* Stevens vol. 1 18.6: a port with connections (TIME_WAIT ones
       * included) may be bound only with SO_REUSEADDR; a listener or
       * another bound socket keeps it in every case. */
      if (pt->nlisten || pt->nidle)
        return TCP_EADDRINUSE;
      if (pt->nconn && !(so->flags & TCP__SF_REUSEADDR))
        return TCP_EADDRINUSE;
    }
  }
  so->laddr = la;
  so->lport = port;
  so->flags |= TCP__SF_BOUND | TCP__SF_PORTIDLE;
  tcp__port_use(h, port, TCP__PU_IDLE, 1);
  return TCP_OK;
}

int tcp_listen(struct tcp_sock *so, uint32_t backlog)
{
  if (dead(so))
    return TCP_EBADF;
  if (!host_up(so->h))
    return TCP_EHOSTDOWN;
  if (so->lis) {
    uint32_t cap = so->h->set->somaxconn;
    so->lis->backlog = backlog < cap ? backlog : cap;
    return TCP_OK;
  }
  /* POSIX listen(): "[EINVAL] The socket is already connected"; Linux
   * inet_listen and FreeBSD solisten_proto_check answer EINVAL for a
   * connecting or connected socket too. */
  if (so->conn || (so->flags & TCP__SF_USED))
    return TCP_EINVAL;
  struct tcp__host *h = so->h;
  if (!(so->flags & TCP__SF_BOUND)) {
    int rc = tcp_bind(so, 0, 0);
    if (rc != TCP_OK)
      return rc;
  }
  const struct tcp__port *pt = tcp__port_find(h, so->lport);
  if (pt && pt->nlisten)
    return TCP_EADDRINUSE;
  tcp__enter(h);
  int rc = tcp__listener_open(so, backlog);
  if (rc == TCP_OK) {
    so->flags = (uint16_t)((so->flags & ~TCP__SF_PORTIDLE) | TCP__SF_USED);
    tcp__port_use(h, so->lport, TCP__PU_LISTEN, 1);
    tcp__port_use(h, so->lport, TCP__PU_IDLE, -1);
  }
  tcp__leave(h);
  return rc;
}

int tcp_accept(struct tcp_sock *ls, const struct tcp_callbacks *cb, void *ctx,
               struct tcp_sock **out)
{
  if (!out)
    return TCP_EINVAL;
  *out = NULL;
  if (dead(ls))
    return TCP_EBADF;
  if (!ls->lis)
    return TCP_EINVAL;
  struct tcp__conn *c = ls->lis->aq_head;
  if (!c)
    return TCP_EAGAIN;
  struct tcp_sock *so;
  int rc = tcp_socket(ls->h->m, ls->h->node, ls->owner, cb, ctx, &so);
  if (rc != TCP_OK)
    return rc;
  struct tcp__host *h = ls->h;
  tcp__enter(h);
  tcp__accept_remove(c);
  so->flags |= TCP__SF_BOUND | TCP__SF_USED |
               (ls->flags & (TCP__SF_KEEPALIVE | TCP__SF_NODELAY |
                             TCP__SF_LINGER0 | TCP__SF_REUSEADDR));
  so->keepidle_ns = ls->keepidle_ns;
  so->keepintvl_ns = ls->keepintvl_ns;
  so->keepcnt = ls->keepcnt;
  so->laddr = c->laddr;
  so->lport = c->lport;
  so->raddr = c->raddr;
  so->rport = c->rport;
  so->conn_id = c->id;
  so->conn = c;
  c->sock = so;
  if (c->rcv_unread)
    tcp__notify(so, TCP__N_READABLE, 0);
  if (c->flags & TCP__CF_FIN_RCVD)
    tcp__notify(so, TCP__N_PEER_CLOSED, 0);
  tcp__leave(h);
  *out = so;
  return TCP_OK;
}

int tcp_connect(struct tcp_sock *so, uint32_t addr, uint16_t port)
{
  if (dead(so))
    return TCP_EBADF;
  if (!host_up(so->h))
    return TCP_EHOSTDOWN; /* tcp.h; before the wiped socket's state */
  if (so->lis)
    return TCP_EOPNOTSUPP;
  if (so->conn)
    return so->conn->state == TCP_S_SYN_SENT ? TCP_EALREADY : TCP_EISCONN;
  if (so->flags & TCP__SF_USED)
    return TCP_EISCONN;
  if (addr == 0 || port == 0)
    return TCP_EINVAL;
  struct tcp__host *h = so->h;
  struct sim_world *w = h->m->w;
  uint32_t link;
  uint32_t owner;
  bool local = sim_addr_owner(w, addr, &owner) == SIM_OK && owner == h->node;
  if (!local && sim_route_lookup(w, h->node, addr, &link) != SIM_OK)
    return TCP_ENETUNREACH;
  uint32_t la = so->laddr;
  uint16_t lp = so->lport;
  if (!(so->flags & TCP__SF_BOUND)) {
    int rc = local_addr(h, 0, &la);
    if (rc != TCP_OK)
      return rc;
    rc = pick_port(h, la, addr, port, &lp);
    if (rc != TCP_OK)
      return rc;
  } else if (tcp__conn_find(h, la, lp, addr, port)) {
    /* The pair is taken, e.g. in TIME_WAIT: 4.4BSD in_pcbconnect says
     * EADDRINUSE, Linux __inet_hash_connect EADDRNOTAVAIL. */
    return h->set->profile == TCP_PROFILE_LINUX ? TCP_EADDRNOTAVAIL
                                                : TCP_EADDRINUSE;
  }
  tcp__enter(h);
  struct tcp__conn *c = tcp__conn_new(h, la, lp, addr, port);
  if (!c) {
    tcp__leave(h);
    return TCP_ENOMEM;
  }
  if (so->flags & TCP__SF_PORTIDLE)
    tcp__port_use(h, lp, TCP__PU_IDLE, -1);
  so->flags = (uint16_t)((so->flags & ~TCP__SF_PORTIDLE) | TCP__SF_BOUND |
                         TCP__SF_USED);
  so->laddr = la;
  so->lport = lp;
  so->raddr = addr;
  so->rport = port;
  so->conn_id = c->id;
  so->conn = c;
  c->sock = so;
  if (so->flags & TCP__SF_NODELAY)
    c->flags |= TCP__CF_NODELAY;
  if (so->flags & TCP__SF_KEEPALIVE)
    c->flags |= TCP__CF_KEEPALIVE;
  int64_t now = sim_now(w);
  if (tcp__quiet(h)) {
    /* RFC 793 3.3: no connection before the quiet time ends. */
    c->flags |= TCP__CF_DEFERRED;
    c->iss = 0;
    if (!sim_event_pending(&h->quiet_ev))
      (void)sim_schedule_at(w, &h->quiet_ev, h->quiet_until_ns);
  } else {
    c->iss = tcp__isn_next(&h->isn, h->set, now, la, lp, addr, port,
                           &h->isn_rng);
  }
  c->snd_una = c->snd_nxt = c->snd_max = c->iss;
  c->snd_end = c->iss + 1;
  c->mss = h->set->mss;
  tcp__fsm_step(c, TCP__EV_APP_CONNECT, NULL, NULL);
  tcp__output(c);
  tcp__leave(h);
  return TCP_OK;
}

/* ====================================================================== */
/* Data                                                                    */
/* ====================================================================== */

int64_t tcp_send(struct tcp_sock *so, uint64_t n)
{
  if (dead(so))
    return TCP_EBADF;
  struct tcp__conn *c = so->conn;
  /* The error that ended the connection is reported once, as SO_ERROR
   * is (Linux sock_error() clears sk_err; BSD sosend clears so_error);
   * later sends see only a broken pipe. It comes first so that the
   * ECONNABORTED of a power-off is seen even while the host is down. */
  if (!c && so->last_err != TCP_OK && !(so->flags & TCP__SF_ERR_SEEN)) {
    so->flags |= TCP__SF_ERR_SEEN;
    return so->last_err;
  }
  if (!host_up(so->h))
    return TCP_EHOSTDOWN;
  /* POSIX send(): a listener is not connected (BSD sosend: ENOTCONN). */
  if (so->lis)
    return TCP_ENOTCONN;
  if (!c)
    return (so->flags & TCP__SF_USED) ? TCP_EPIPE : TCP_ENOTCONN;
  if (so->flags & TCP__SF_SHUT_WR)
    return TCP_EPIPE;
  switch ((enum tcp_state)c->state) {
  case TCP_S_SYN_SENT:
  case TCP_S_SYN_RCVD:
  case TCP_S_ESTABLISHED:
  case TCP_S_CLOSE_WAIT:
    break;
  case TCP_S_CLOSED:
  case TCP_S_LISTEN:
  case TCP_S_FIN_WAIT_1:
  case TCP_S_FIN_WAIT_2:
  case TCP_S_CLOSING:
  case TCP_S_LAST_ACK:
  case TCP_S_TIME_WAIT:
  case TCP_S__COUNT:
    return TCP_EPIPE;
  }
  /* Keep the unacknowledged span far below 2^31 so that modular
   * comparisons stay valid. */
  uint32_t queued = c->snd_end - c->snd_una;
  uint64_t room = queued < (1u << 30) ? (1u << 30) - queued : 0;
  if (n > room)
    n = room;
  if (n == 0)
    return 0;
  c->snd_end += (uint32_t)n;
  tcp__enter(so->h);
  tcp__output(c);
  tcp__leave(so->h);
  return (int64_t)n;
}

uint64_t tcp_recv(struct tcp_sock *so, uint64_t n)
{
  if (dead(so) || !so->conn)
    return 0;
  struct tcp__conn *c = so->conn;
  if (n > c->rcv_unread)
    n = c->rcv_unread;
  if (n == 0)
    return 0;
  c->rcv_unread -= (uint32_t)n;
  /* RFC 9293 3.8.6.2.2: announce the window again once it has grown by
   * an MSS or half the buffer, whichever is less. */
  uint32_t wnd = tcp__rcv_wnd(c);
  uint32_t step = c->h->set->rcv_buf / 2;
  if (c->mss < step)
    step = c->mss;
  if (c->state >= TCP_S_ESTABLISHED && c->state != TCP_S_TIME_WAIT &&
      wnd >= c->rcv_adv + step && c->rcv_adv < step) {
    tcp__enter(so->h);
    c->flags |= TCP__CF_ACK_NOW;
    tcp__output(c);
    tcp__leave(so->h);
  }
  return n;
}

/* ====================================================================== */
/* Closing                                                                 */
/* ====================================================================== */

int tcp_shutdown(struct tcp_sock *so)
{
  if (dead(so))
    return TCP_EBADF;
  struct tcp__conn *c = so->conn;
  if (!c)
    return TCP_ENOTCONN;
  if (so->flags & TCP__SF_SHUT_WR)
    return TCP_OK;
  so->flags |= TCP__SF_SHUT_WR;
  struct tcp__host *h = so->h;
  tcp__enter(h);
  switch ((enum tcp_state)c->state) {
  case TCP_S_SYN_SENT:
  case TCP_S_SYN_RCVD:
  case TCP_S_ESTABLISHED:
  case TCP_S_CLOSE_WAIT:
    tcp__fsm_step(c, TCP__EV_APP_CLOSE, NULL, "app shutdown");
    if (!(c->flags & TCP__CF_DEAD))
      tcp__output(c);
    break;
  case TCP_S_CLOSED:
  case TCP_S_LISTEN:
  case TCP_S_FIN_WAIT_1:
  case TCP_S_FIN_WAIT_2:
  case TCP_S_CLOSING:
  case TCP_S_LAST_ACK:
  case TCP_S_TIME_WAIT:
  case TCP_S__COUNT:
    break;
  }
  tcp__leave(h);
  return TCP_OK;
}

static void release(struct tcp_sock *so, bool abort)
{
  struct tcp__host *h = so->h;
  if (so->lis) {
    tcp__listener_close(so->lis, false);
  } else if (so->conn) {
    struct tcp__conn *c = so->conn;
    enum tcp_state st = (enum tcp_state)c->state;
    so->conn = NULL;
    c->sock = NULL;
    bool rst = abort || (so->flags & TCP__SF_LINGER0) ||
               (c->rcv_unread > 0 && st >= TCP_S_SYN_RCVD);
    if (st == TCP_S_TIME_WAIT) {
      /* The connection is over; TIME_WAIT runs on by itself. */
    } else if (rst) {
      /* RFC 2525 2.17 and Linux tcp_close: unread data means the peer's
       * data was lost, so the peer is told with a RST. */
      const char *why = abort                             ? "app abort"
                        : (so->flags & TCP__SF_LINGER0) ? "app close, linger 0"
                                                        : "app close, unread data";
      tcp__fsm_step(c, TCP__EV_APP_ABORT, NULL, why);
    } else {
      switch (st) {
      case TCP_S_SYN_SENT:
      case TCP_S_SYN_RCVD:
      case TCP_S_ESTABLISHED:
      case TCP_S_CLOSE_WAIT:
        if (!(c->flags & TCP__CF_FIN_QUEUED) || st == TCP_S_SYN_SENT) {
          tcp__fsm_step(c, TCP__EV_APP_CLOSE, NULL, "app close");
          if (!(c->flags & TCP__CF_DEAD))
            tcp__output(c);
        }
        break;
      case TCP_S_FIN_WAIT_2:
        /* Orphaned now: Stevens vol. 1 18.6, the FIN_WAIT_2 timer. */
        if (h->set->fin_wait2_ns > 0)
          tcp__timer_set(c, TCP__T_2MSL,
                         tcp__deadline(sim_now(h->m->w), h->set->fin_wait2_ns));
        break;
      case TCP_S_CLOSED:
      case TCP_S_LISTEN:
      case TCP_S_FIN_WAIT_1:
      case TCP_S_CLOSING:
      case TCP_S_LAST_ACK:
      case TCP_S_TIME_WAIT:
      case TCP_S__COUNT:
        break;
      }
    }
  } else if (so->flags & TCP__SF_PORTIDLE) {
    tcp__port_use(h, so->lport, TCP__PU_IDLE, -1);
  }
  so->flags = (uint16_t)((so->flags & ~TCP__SF_PORTIDLE) | TCP__SF_CLOSED);
  /* off the live list, onto the zombies */
  if (so->prev)
    so->prev->next = so->next;
  else
    h->s_head = so->next;
  if (so->next)
    so->next->prev = so->prev;
  else
    h->s_tail = so->prev;
  struct tcp_module *m = h->m;
  so->prev = m->z_tail;
  so->next = NULL;
  if (m->z_tail)
    m->z_tail->next = so;
  else
    m->z_head = so;
  m->z_tail = so;
  m->nzombies++;
}

int tcp_close(struct tcp_sock *so)
{
  if (dead(so))
    return TCP_EBADF;
  struct tcp__host *h = so->h;
  tcp__enter(h);
  release(so, false);
  tcp__leave(h);
  return TCP_OK;
}

int tcp_abort(struct tcp_sock *so)
{
  if (dead(so))
    return TCP_EBADF;
  struct tcp__host *h = so->h;
  tcp__enter(h);
  release(so, true);
  tcp__leave(h);
  return TCP_OK;
}

int tcp_kill_process(struct tcp_module *m, uint32_t node, uint32_t owner)
{
  if (!m || node >= sim_node_count(m->w))
    return TCP_EINVAL;
  struct tcp__host *h = tcp__host_get(m, node, false);
  if (!h)
    return TCP_OK;
  tcp__enter(h);
  /* Creation order (H1): the kernel closes descriptors in order. */
  struct tcp_sock *so = h->s_head;
  while (so) {
    struct tcp_sock *next = so->next;
    if (so->owner == owner)
      release(so, false);
    so = next;
  }
  tcp__leave(h);
  return TCP_OK;
}

/* ====================================================================== */
/* Information                                                             */
/* ====================================================================== */

enum tcp_state tcp_sock_state(const struct tcp_sock *so)
{
  if (dead(so))
    return TCP_S_CLOSED;
  if (so->conn)
    return (enum tcp_state)so->conn->state;
  if (so->lis)
    return (enum tcp_state)so->lis->state;
  return (enum tcp_state)so->state;
}

uint32_t tcp_sock_node(const struct tcp_sock *so)
{
  return so ? so->h->node : UINT32_MAX;
}

int tcp_sock_info(const struct tcp_sock *so, struct tcp_sock_info *out)
{
  if (!out)
    return TCP_EINVAL;
  memset(out, 0, sizeof *out);
  if (dead(so))
    return TCP_EBADF;
  out->state = tcp_sock_state(so);
  out->conn_id = so->conn_id;
  out->laddr = so->laddr;
  out->lport = so->lport;
  out->raddr = so->raddr;
  out->rport = so->rport;
  out->last_err = so->last_err;
  const struct tcp__conn *c = so->conn;
  if (c) {
    out->conn_id = c->id;
    out->laddr = c->laddr;
    out->lport = c->lport;
    out->raddr = c->raddr;
    out->rport = c->rport;
    out->iss = c->iss;
    out->irs = c->irs;
    out->snd_una = c->snd_una;
    out->snd_nxt = c->snd_nxt;
    out->rcv_nxt = c->rcv_nxt;
    out->unsent = tcp_seq_lt(c->snd_nxt, c->snd_end) ? c->snd_end - c->snd_nxt : 0;
    uint32_t first = c->iss + 1;
    uint32_t a = tcp_seq_gt(c->snd_una, first) ? c->snd_una : first;
    uint32_t b = tcp_seq_lt(c->snd_max, c->snd_end) ? c->snd_max : c->snd_end;
    out->unacked = tcp_seq_gt(b, a) ? b - a : 0;
    out->unread = c->rcv_unread;
  }
  return TCP_OK;
}
