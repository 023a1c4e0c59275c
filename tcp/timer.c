/*
 * timer.c - the timers of a connection: named slots (retransmission,
 * delayed ACK, keepalive, 2MSL / FIN_WAIT_2, connection establishment)
 * multiplexed on the one sim_event embedded in the block, and the
 * retransmission timeout of RFC 6298.
 *
 * Multiplexing (axiom C3 in tcp/tcp_int.h): each slot is an absolute
 * deadline; the event is armed at the earliest. Setting an earlier
 * deadline re-arms it; a deadline moved later, or cleared, leaves the
 * event where it is and the handler, finding nothing due, re-arms it at
 * the new earliest. So the keepalive deadline, pushed back by every
 * arriving segment, costs a store and no queue operation.
 */
#include <assert.h>

#include "tcp/tcp_int.h"

static void timer_fire(struct sim_world *w, struct sim_event *ev, void *arg);

static int64_t earliest(const struct tcp__conn *c)
{
  int64_t t = TCP__T_OFF;
  for (int i = 0; i < TCP__T__COUNT; i++)
    if (c->t_ns[i] < t)
      t = c->t_ns[i];
  return t;
}

void tcp__timer_init(struct tcp__conn *c)
{
  sim_event_init(&c->ev, timer_fire, c);
  for (int i = 0; i < TCP__T__COUNT; i++)
    c->t_ns[i] = TCP__T_OFF;
}

void tcp__timer_set(struct tcp__conn *c, enum tcp__tslot slot, int64_t t_ns)
{
  struct sim_world *w = c->h->m->w;
  if (t_ns < sim_now(w))
    t_ns = sim_now(w);
  c->t_ns[slot] = t_ns;
  if (!sim_event_pending(&c->ev) || t_ns < c->ev.t_ns)
    (void)sim_rearm_at(w, &c->ev, t_ns);
}

void tcp__timer_clear(struct tcp__conn *c, enum tcp__tslot slot)
{
  c->t_ns[slot] = TCP__T_OFF;
  if (earliest(c) == TCP__T_OFF)
    sim_cancel(c->h->m->w, &c->ev);
}

void tcp__timer_clear_all(struct tcp__conn *c)
{
  for (int i = 0; i < TCP__T__COUNT; i++)
    c->t_ns[i] = TCP__T_OFF;
  sim_cancel(c->h->m->w, &c->ev);
}

/* ====================================================================== */
/* RFC 6298                                                                */
/* ====================================================================== */

static int64_t clamp_rto(const struct tcp_settings *s, int64_t v)
{
  if (v < s->rto_min_ns)
    v = s->rto_min_ns;
  if (v > s->rto_max_ns)
    v = s->rto_max_ns;
  return v;
}

void tcp__rtt_sample(struct tcp__conn *c, int64_t rtt_ns)
{
  const struct tcp_settings *s = c->h->set;
  int64_t r = rtt_ns / SIM_US;
  if (r < 1)
    r = 1;
  if (r > UINT32_MAX / 2)
    r = UINT32_MAX / 2;
  if (c->srtt_us == 0) {
    /* 2.2: the first measurement */
    c->srtt_us = (uint32_t)r;
    c->rttvar_us = (uint32_t)(r / 2);
  } else {
    /* 2.3 with alpha 1/8, beta 1/4 */
    int64_t srtt = c->srtt_us, var = c->rttvar_us;
    int64_t d = srtt > r ? srtt - r : r - srtt;
    var = (3 * var + d) / 4;
    srtt = (7 * srtt + r) / 8;
    c->srtt_us = (uint32_t)(srtt < 1 ? 1 : srtt);
    c->rttvar_us = (uint32_t)var;
  }
  /* RTO = SRTT + max(G, 4 RTTVAR), G taken as 1 us; clamped (2.4, 2.5) */
  int64_t k = 4 * (int64_t)c->rttvar_us;
  int64_t rto = ((int64_t)c->srtt_us + (k > 1 ? k : 1)) * SIM_US;
  rto = clamp_rto(s, rto);
  c->rto_us = (uint32_t)(rto / SIM_US);
}

/* The current RTO before back-off. */
int64_t tcp__rto_ns(const struct tcp__conn *c)
{
  if (c->rto_us == 0)
    return c->h->set->rto_initial_ns; /* 2.1 */
  return (int64_t)c->rto_us * SIM_US;
}

static int64_t backoff(const struct tcp_settings *s, int64_t base, unsigned n)
{
  int64_t v = base;
  for (unsigned i = 0; i < n && v < s->rto_max_ns; i++)
    v = v > INT64_MAX / 2 ? INT64_MAX : v * 2; /* 5.5: back off the timer;
                                                  saturating, no UB */
  return v > s->rto_max_ns ? s->rto_max_ns : v;
}

/* The SYN schedule: an explicit list of intervals (BSD 6, 24, 48 s;
 * Linux's linear timeouts), then doubling from the last one; or, with an
 * empty list, the initial RTO doubling (RFC 6298 5.5). */
int64_t tcp__syn_interval(const struct tcp_settings *s, unsigned n)
{
  if (s->syn_rto_ns[0] == 0)
    return backoff(s, s->rto_initial_ns, n);
  unsigned last = 0;
  while (last + 1 < 8 && s->syn_rto_ns[last + 1] != 0)
    last++;
  if (n <= last)
    return s->syn_rto_ns[n];
  return backoff(s, s->syn_rto_ns[last], n - last);
}

void tcp__rtx_arm(struct tcp__conn *c)
{
  const struct tcp_settings *s = c->h->set;
  int64_t d;
  if (c->snd_una == c->iss && c->state == TCP_S_SYN_SENT)
    d = tcp__syn_interval(s, c->retries);
  else if (c->snd_una == c->iss)
    d = backoff(s, s->rto_initial_ns, c->retries);
  else
    d = backoff(s, tcp__rto_ns(c), c->retries);
  tcp__timer_set(c, TCP__T_RTX, tcp__deadline(sim_now(c->h->m->w), d));
}

/* ====================================================================== */
/* Keepalive                                                               */
/* ====================================================================== */

int64_t tcp__keepidle(const struct tcp__conn *c)
{
  if (c->sock && c->sock->keepidle_ns > 0)
    return c->sock->keepidle_ns;
  return c->h->set->keepidle_ns;
}

static int64_t keepintvl(const struct tcp__conn *c)
{
  if (c->sock && c->sock->keepintvl_ns > 0)
    return c->sock->keepintvl_ns;
  return c->h->set->keepintvl_ns;
}

static unsigned keepcnt(const struct tcp__conn *c)
{
  if (c->sock && c->sock->keepcnt > 0)
    return c->sock->keepcnt;
  return c->h->set->keepcnt;
}

void tcp__keepalive_arm(struct tcp__conn *c)
{
  if (!(c->flags & TCP__CF_KEEPALIVE) || c->state < TCP_S_ESTABLISHED ||
      c->state == TCP_S_TIME_WAIT) {
    tcp__timer_clear(c, TCP__T_KEEP);
    return;
  }
  c->kprobes = 0;
  tcp__timer_set(c, TCP__T_KEEP,
                 tcp__deadline(sim_now(c->h->m->w), tcp__keepidle(c)));
}

/* RFC 1122 4.2.3.6, Stevens vol. 1 23.2: after keepidle of silence, a
 * probe every keepintvl; keepcnt unanswered probes end the connection. */
static void keep_fire(struct tcp__conn *c)
{
  if (!(c->flags & TCP__CF_KEEPALIVE) || c->state < TCP_S_ESTABLISHED ||
      c->state == TCP_S_TIME_WAIT)
    return;
  int64_t now = sim_now(c->h->m->w);
  if (c->snd_una != c->snd_max) {
    /* Data in flight: the retransmission timer watches the peer. */
    tcp__timer_set(c, TCP__T_KEEP, tcp__deadline(now, tcp__keepidle(c)));
    return;
  }
  if (c->kprobes >= keepcnt(c)) {
    tcp__fsm_step(c, TCP__EV_TIMEOUT, NULL, "keepalive timeout");
    return;
  }
  c->kprobes++;
  tcp__keepalive_probe(c);
  tcp__timer_set(c, TCP__T_KEEP, tcp__deadline(now, keepintvl(c)));
}

/* ====================================================================== */
/* Firing                                                                  */
/* ====================================================================== */

static void rtx_fire(struct tcp__conn *c)
{
  const struct tcp_settings *s = c->h->set;
  struct tcp_module *m = c->h->m;
  if (c->snd_una == c->iss) {
    /* SYN or SYN-ACK unacknowledged (RFC 9293 3.8.1; RFC 6298 5.7) */
    unsigned limit = c->state == TCP_S_SYN_SENT ? s->syn_retries
                                                : s->synack_retries;
    if (c->retries >= limit) {
      tcp__fsm_step(c, TCP__EV_TIMEOUT, NULL,
                    c->state == TCP_S_SYN_SENT ? "SYN retries exhausted"
                                               : "SYN,ACK retries exhausted");
      return;
    }
    c->retries++;
    m->st.retransmits++;
    c->flags &= (uint16_t)~TCP__CF_RTT; /* Karn */
    c->snd_nxt = c->iss;
    tcp__timer_clear(c, TCP__T_RTX);
    tcp__output(c);
    tcp__rtx_arm(c);
    return;
  }
  if (c->snd_una != c->snd_max) {
    unsigned limit = c->sock ? s->data_retries : s->orphan_retries;
    if (c->retries >= limit) {
      tcp__fsm_step(c, TCP__EV_TIMEOUT, NULL, "retransmission limit");
      return;
    }
    c->retries++;
    c->flags &= (uint16_t)~TCP__CF_RTT; /* Karn */
    c->flags |= TCP__CF_RTX_ONE;
    c->snd_nxt = c->snd_una; /* RFC 6298 5.4: the earliest segment */
    tcp__output(c);
    tcp__rtx_arm(c);
    return;
  }
  if (c->snd_wnd == 0 && tcp_seq_lt(c->snd_nxt, c->snd_end)) {
    /* Persist (RFC 9293 3.8.6.1). The probe is Linux's
     * (tcp_xmit_probe_skb): an old sequence number without data, which
     * the peer must answer with its window, and which moves nothing on
     * our side, so a RST sent later still has an in-window SND.NXT. */
    if (c->retries < 255)
      c->retries++;
    tcp__zero_window_probe(c);
    tcp__rtx_arm(c);
  }
}

static void slot_fire(struct tcp__conn *c, enum tcp__tslot slot)
{
  switch (slot) {
  case TCP__T_RTX:
    rtx_fire(c);
    break;
  case TCP__T_DELACK:
    if (c->flags & TCP__CF_ACK_DELAY) {
      c->flags |= TCP__CF_ACK_NOW;
      tcp__output(c);
    }
    break;
  case TCP__T_KEEP:
    keep_fire(c);
    break;
  case TCP__T_2MSL:
    if (c->state == TCP_S_TIME_WAIT)
      tcp__fsm_step(c, TCP__EV_TIMEOUT_2MSL, NULL, NULL);
    else if (c->state == TCP_S_FIN_WAIT_2)
      tcp__fsm_step(c, TCP__EV_TIMEOUT_FW2, NULL, NULL);
    break;
  case TCP__T_CONNEST:
    if (c->state == TCP_S_SYN_SENT || c->state == TCP_S_SYN_RCVD)
      tcp__fsm_step(c, TCP__EV_TIMEOUT, NULL,
                    "connection-establishment timer");
    break;
  case TCP__T__COUNT:
    break;
  }
}

static void timer_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct tcp__conn *c = arg;
  struct tcp__host *h = c->h;
  int64_t now = sim_now(w);
  tcp__enter(h);
  for (int i = 0; i < TCP__T__COUNT; i++) {
    if (c->flags & TCP__CF_DEAD)
      break;
    if (c->t_ns[i] <= now) {
      c->t_ns[i] = TCP__T_OFF;
      slot_fire(c, (enum tcp__tslot)i);
    }
  }
  if (!(c->flags & TCP__CF_DEAD)) {
    int64_t t = earliest(c);
    if (t == TCP__T_OFF)
      sim_cancel(w, &c->ev);
    else if (!sim_event_pending(&c->ev) || c->ev.t_ns != t)
      (void)sim_rearm_at(w, &c->ev, t);
  }
  tcp__leave(h);
}
