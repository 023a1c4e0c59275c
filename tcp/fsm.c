/*
 * fsm.c - the TCP state machine shared by every host: the declared arcs of
 * the RFC 9293 diagram (section 3.3.2, figure 5) plus the reset, abort and
 * timeout arcs real stacks take, the [state][event] table that maps a
 * refined event (made by the classifier in input.c, or by the API and the
 * timers) to an action and a next state, the one function that writes a
 * state, and the enter/exit hooks of each state.
 *
 * Everything here is read-only and shared; a host only owns its blocks.
 * The structures and their axioms are in tcp/tcp_int.h. Actions send
 * segments and arm timers but never change a state (STYLE.md, "The state
 * machine", rule 4); the driver runs the output routine after a step.
 */
#include <assert.h>
#include <stddef.h>

#include "tcp/tcp_int.h"

/* ====================================================================== */
/* Declared arcs                                                           */
/* ====================================================================== */

#define A(f, t, label) {TCP_S_##f, TCP_S_##t, label}
static const struct tcp_arc arcs[] = {
    /* opening (RFC 9293 figure 5) */
    A(CLOSED, LISTEN, "passive OPEN"),
    A(CLOSED, SYN_SENT, "active OPEN, snd SYN"),
    A(LISTEN, SYN_RCVD, "rcv SYN, snd SYN,ACK"),
    A(LISTEN, CLOSED, "CLOSE"),
    /* RFC 4987 3.6: no SYN_RCVD is kept for a SYN answered with a cookie;
     * the ACK carrying the cookie opens the connection at once. */
    A(LISTEN, ESTABLISHED, "rcv ACK of SYN cookie"),
    A(SYN_SENT, SYN_RCVD, "rcv SYN, snd SYN,ACK (simultaneous open)"),
    A(SYN_SENT, ESTABLISHED, "rcv SYN,ACK, snd ACK"),
    A(SYN_SENT, CLOSED, "CLOSE, timeout or rcv RST"),
    A(SYN_RCVD, ESTABLISHED, "rcv ACK of SYN"),
    A(SYN_RCVD, LISTEN, "rcv RST (passive open)"),
    A(SYN_RCVD, FIN_WAIT_1, "CLOSE, snd FIN"),
    A(SYN_RCVD, CLOSED, "rcv RST (active open), timeout or abort"),
    /* closing */
    A(ESTABLISHED, FIN_WAIT_1, "CLOSE, snd FIN"),
    A(ESTABLISHED, CLOSE_WAIT, "rcv FIN, snd ACK"),
    A(ESTABLISHED, CLOSED, "rcv RST, abort or timeout"),
    A(FIN_WAIT_1, FIN_WAIT_2, "rcv ACK of FIN"),
    A(FIN_WAIT_1, CLOSING, "rcv FIN, snd ACK (simultaneous close)"),
    A(FIN_WAIT_1, TIME_WAIT, "rcv FIN,ACK of FIN, snd ACK"),
    A(FIN_WAIT_1, CLOSED, "rcv RST, abort or timeout"),
    A(FIN_WAIT_2, TIME_WAIT, "rcv FIN, snd ACK"),
    A(FIN_WAIT_2, CLOSED, "rcv RST, abort or FIN_WAIT_2 timeout"),
    A(CLOSE_WAIT, LAST_ACK, "CLOSE, snd FIN"),
    A(CLOSE_WAIT, CLOSED, "rcv RST, abort or timeout"),
    A(CLOSING, TIME_WAIT, "rcv ACK of FIN"),
    A(CLOSING, CLOSED, "rcv RST, abort or timeout"),
    A(LAST_ACK, CLOSED, "rcv ACK of FIN, rcv RST or timeout"),
    A(TIME_WAIT, CLOSED, "2MSL timeout, rcv RST or new SYN"),
};
#undef A

#define NARCS (sizeof arcs / sizeof arcs[0])

const struct tcp_arc *tcp_arcs(size_t *n)
{
  if (n)
    *n = NARCS;
  return arcs;
}

int tcp__fsm_arc_index(enum tcp_state from, enum tcp_state to)
{
  /* Every transition asks: a [from][to] table made from arcs[] on the
   * first call (arc index + 1; 0: not declared). */
  static uint8_t idx[TCP_S__COUNT][TCP_S__COUNT];
  static bool made;
  _Static_assert(NARCS < 255, "arc index fits in a byte");
  if ((unsigned)from >= TCP_S__COUNT || (unsigned)to >= TCP_S__COUNT)
    return -1;
  if (!made) {
    for (size_t i = NARCS; i-- > 0;) /* the first of equal arcs wins */
      idx[arcs[i].from][arcs[i].to] = (uint8_t)(i + 1);
    made = true;
  }
  return (int)idx[from][to] - 1;
}

uint64_t tcp_arc_count(const struct tcp_module *m, size_t arc_index)
{
  return (m && arc_index < NARCS) ? m->arc_count[arc_index] : 0;
}

const char *tcp__ev_name(enum tcp__ev ev)
{
  static const char *const names[] = {
#define TCP__EV_NAME(name) #name,
      TCP__EVENTS(TCP__EV_NAME)
#undef TCP__EV_NAME
  };
  return (unsigned)ev < TCP__EV__COUNT ? names[ev] : "?";
}

/* ====================================================================== */
/* Enter and exit hooks                                                    */
/* ====================================================================== */

static void exit_state(struct tcp__conn *c, enum tcp_state s)
{
  switch (s) {
  case TCP_S_SYN_SENT:
  case TCP_S_SYN_RCVD:
    /* The BSD connection-establishment timer only guards the open. */
    tcp__timer_clear(c, TCP__T_CONNEST);
    break;
  case TCP_S_CLOSED:
  case TCP_S_LISTEN:
  case TCP_S_ESTABLISHED:
  case TCP_S_FIN_WAIT_1:
  case TCP_S_FIN_WAIT_2:
  case TCP_S_CLOSE_WAIT:
  case TCP_S_CLOSING:
  case TCP_S_LAST_ACK:
  case TCP_S_TIME_WAIT:
  case TCP_S__COUNT:
    break;
  }
}

static void enter_state(struct tcp__conn *c, enum tcp_state s)
{
  const struct tcp_settings *set = c->h->set;
  int64_t now = sim_now(c->h->m->w);
  switch (s) {
  case TCP_S_ESTABLISHED:
    c->h->m->st.conns_opened++;
    c->retries = 0;
    if (c->flags & TCP__CF_ACTIVE) {
      if (c->sock)
        tcp__notify(c->sock, TCP__N_CONNECTED, 0);
    } else if (c->lis) {
      struct tcp__listener *l = c->lis;
      if (l->aq_tail)
        l->aq_tail->anext = c;
      else
        l->aq_head = c;
      l->aq_tail = c;
      c->anext = NULL;
      l->aq_len++;
      l->h->m->st.accept_queued++;
      if (l->sock)
        tcp__notify(l->sock, TCP__N_ACCEPTABLE, 0);
    }
    tcp__keepalive_arm(c);
    break;
  case TCP_S_FIN_WAIT_2:
    /* Stevens vol. 1 18.6: only a connection nobody can close any more
     * gets the FIN_WAIT_2 timer; one the application still holds may
     * wait for ever (it can still receive). */
    if (!c->sock && set->fin_wait2_ns > 0)
      tcp__timer_set(c, TCP__T_2MSL, tcp__deadline(now, set->fin_wait2_ns));
    break;
  case TCP_S_TIME_WAIT:
    /* RFC 9293 3.6: nothing but the 2MSL wait is left to do. */
    tcp__timer_clear(c, TCP__T_RTX);
    tcp__timer_clear(c, TCP__T_KEEP);
    tcp__timer_clear(c, TCP__T_CONNEST);
    tcp__timer_set(c, TCP__T_2MSL, tcp__deadline(now, set->time_wait_ns));
    break;
  case TCP_S_CLOSED:
    tcp__conn_ended(c);
    tcp__conn_retire(c);
    break;
  case TCP_S_LISTEN:
  case TCP_S_SYN_SENT:
  case TCP_S_SYN_RCVD:
  case TCP_S_FIN_WAIT_1:
  case TCP_S_CLOSE_WAIT:
  case TCP_S_CLOSING:
  case TCP_S_LAST_ACK:
  case TCP_S__COUNT:
    break;
  }
}

/* ====================================================================== */
/* The state writer                                                        */
/* ====================================================================== */

void tcp__fsm_set(struct tcp__host *h, struct tcp__conn *c, uint8_t *state,
                  uint64_t id, enum tcp_state to, const char *cause)
{
  enum tcp_state from = (enum tcp_state)*state;
  if (!cause) {
    /* Adoption: a fresh block takes over the state of the SYN-queue entry
     * it replaces (SYN_RCVD), or of the listener that sent a SYN cookie
     * (LISTEN); the connection did not move. */
    assert(c && from == TCP_S_CLOSED &&
           (to == TCP_S_SYN_RCVD || to == TCP_S_LISTEN));
    *state = (uint8_t)to;
    return;
  }
  int arc = tcp__fsm_arc_index(from, to);
  if (arc < 0) {
    /* Our bug: count it so that the robustness tests see it, and stay. */
    h->m->fsm_bugs++;
    assert(!"undeclared TCP state transition");
    return;
  }
  if (c)
    exit_state(c, from);
  *state = (uint8_t)to;
  h->m->arc_count[arc]++;
  h->m->tr_conn = c;
  tcp__trace_transition(h, id, from, to, cause);
  h->m->tr_conn = NULL;
  if (c)
    enter_state(c, to);
}

/* ====================================================================== */
/* Actions                                                                 */
/* ====================================================================== */

typedef enum tcp__ev (*tcp__action)(struct tcp__conn *c,
                                    const struct tcp__seg *s);

static enum tcp__ev act_none(struct tcp__conn *c, const struct tcp__seg *s)
{
  return TCP__EV_NONE;
}

/*
 * Linux's answer to ACK loops and floods of bogus segments
 * (tcp_oow_rate_limited, since 3.20; challenge ACKs too since 4.7): a
 * connection sends at most one ACK per invalid_ratelimit in reply to
 * out-of-window segments, and likewise for challenge ACKs, with one
 * timestamp for both. Segments carrying data or a FIN (and no SYN) are
 * always answered when data_exempt: the peer may be retransmitting and
 * needs the ACK. Millisecond steps, as the kernel's jiffies; true when
 * this ACK must not go out (counted).
 */
static bool oow_limited(struct tcp__conn *c, const struct tcp__seg *s,
                        bool data_exempt)
{
  int64_t lim_ns = c->h->set->invalid_ratelimit_ns;
  if (lim_ns <= 0)
    return false;
  if (data_exempt && !(s->h.flags & TCP_F_SYN) && tcp__seg_seqlen(s) > 0)
    return false;
  int64_t now_ms = sim_now(c->h->m->w) / SIM_MS;
  int64_t lim_ms = (lim_ns + SIM_MS - 1) / SIM_MS;
  uint32_t stamp = (uint32_t)((uint64_t)now_ms + 1u);
  if (c->oow_ack_ms) {
    int64_t elapsed = (int32_t)(stamp - c->oow_ack_ms);
    if (elapsed >= 0 && elapsed < lim_ms) {
      c->h->m->st.acks_ratelimited++;
      return true;
    }
  }
  c->oow_ack_ms = stamp ? stamp : 1u;
  return false;
}

/* RFC 9293 3.10.7.4 first: an unacceptable segment gets an ACK (unless it
 * is a RST, which the classifier drops); the same for an ACK of something
 * never sent. Both within invalid_ratelimit. */
static enum tcp__ev act_ack(struct tcp__conn *c, const struct tcp__seg *s)
{
  if (!oow_limited(c, s, true))
    tcp__send_ack(c);
  return TCP__EV_NONE;
}

/* RFC 5961 3.2 and 4.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. A genuine
 * peer that lost its state answers it with an exact-match RST. RFC 5961 7
 * asks for a rate limit: Linux's is per connection (invalid_ratelimit). */
static enum tcp__ev act_challenge(struct tcp__conn *c, const struct tcp__seg *s)
{
  if (oow_limited(c, s, false))
    return TCP__EV_NONE;
  c->h->m->st.challenge_acks++;
  tcp__send_ack(c);
  return TCP__EV_NONE;
}

/* A reset we accept (RFC 9293 3.10.7.3 and 3.10.7.4 second). */
static enum tcp__ev act_rst(struct tcp__conn *c, const struct tcp__seg *s)
{
  c->h->m->st.rst_in++;
  if (c->state == TCP_S_SYN_SENT ||
      (c->state == TCP_S_SYN_RCVD && (c->flags & TCP__CF_ACTIVE)))
    c->err = TCP_ECONNREFUSED;
  else if (c->state == TCP_S_TIME_WAIT)
    c->err = TCP_OK;
  else
    c->err = TCP_ECONNRESET;
  return TCP__EV_NONE;
}

/* RFC 793 p. 71: a SYN in the window is an error; reset and close. */
static enum tcp__ev act_syn_reset(struct tcp__conn *c, const struct tcp__seg *s)
{
  tcp__send_rst_conn(c);
  c->err = TCP_ECONNRESET;
  return TCP__EV_NONE;
}

/* An ACK of something we never sent, in SYN_SENT or SYN_RCVD: RFC 9293
 * 3.10.7.3 / 3.10.7.4 fifth, <SEQ=SEG.ACK><CTL=RST>. */
static enum tcp__ev act_rst_bad_ack(struct tcp__conn *c,
                                    const struct tcp__seg *s)
{
  tcp__reply_closed(c->h, c->h->m, c->h->node, s);
  return TCP__EV_NONE;
}

static enum tcp__ev act_seg(struct tcp__conn *c, const struct tcp__seg *s)
{
  tcp__process_ack_text(c, s, false);
  return TCP__EV_NONE;
}

/* Take the options of the peer's SYN (RFC 9293 3.7.1, RFC 7323 1.3 and
 * 2.2, RFC 2018): each is on only if both ends offered it. */
static void take_syn_options(struct tcp__conn *c, const struct tcp__seg *s)
{
  const struct tcp_settings *set = c->h->set;
  /* RFC 9293 3.7.1, RFC 6691; 0 and tiny values as in tcp__peer_mss. */
  uint16_t peer_mss = tcp__peer_mss(s->h.has_mss, s->h.mss);
  c->mss = peer_mss < set->mss ? peer_mss : set->mss;
  c->flags &= (uint16_t) ~(TCP__CF_WSCALE | TCP__CF_SACK | TCP__CF_TS);
  if (set->opt_wscale && s->h.has_wscale) {
    c->flags |= TCP__CF_WSCALE;
    c->snd_wscale = s->h.wscale > 14 ? 14 : s->h.wscale; /* RFC 7323 2.3 */
    c->rcv_wscale = set->wscale;
  } else {
    c->snd_wscale = c->rcv_wscale = 0;
  }
  if (set->opt_sack && s->h.sack_ok)
    c->flags |= TCP__CF_SACK;
  if (set->opt_timestamps && s->h.has_ts) {
    c->flags |= TCP__CF_TS;
    c->ts_recent = s->h.ts_val;
    /* The option takes 12 bytes of every segment (RFC 7323 3.2). */
    if (c->mss > 12)
      c->mss -= 12;
  }
  c->irs = s->h.seq;
  c->rcv_nxt = s->h.seq + 1;
  /* The window of a SYN is never scaled (RFC 7323 2.2). */
  c->snd_wnd = s->h.win;
  c->snd_wl1 = s->h.seq;
  c->snd_wl2 = s->h.ack;
}

/* SYN_SENT, rcv SYN,ACK (RFC 9293 3.10.7.3 fourth). */
static enum tcp__ev act_synack(struct tcp__conn *c, const struct tcp__seg *s)
{
  take_syn_options(c, s);
  c->snd_una = s->h.ack;
  if (tcp_seq_lt(c->snd_nxt, c->snd_una))
    c->snd_nxt = c->snd_una;
  /* The SYN-ACK acknowledges exactly our SYN (ack = ISS + 1 = rtt_seq):
   * a SYN sent once gives the connection its first RTT sample. */
  if ((c->flags & TCP__CF_RTT) && tcp_seq_geq(s->h.ack, c->rtt_seq)) {
    tcp__rtt_sample(c, sim_now(c->h->m->w) - c->rtt_start_ns);
    c->flags &= (uint16_t)~TCP__CF_RTT;
  }
  c->retries = 0;
  tcp__timer_clear(c, TCP__T_RTX);
  c->flags |= TCP__CF_ACK_NOW;
  return TCP__EV_NONE;
}

/* SYN_SENT, rcv SYN: simultaneous open. RFC 9293 3.10.7.3: send
 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>; output resends our SYN with ACK. */
static enum tcp__ev act_syn_simul(struct tcp__conn *c, const struct tcp__seg *s)
{
  take_syn_options(c, s);
  c->snd_nxt = c->iss;
  c->flags &= (uint16_t)~TCP__CF_RTT;
  tcp__timer_clear(c, TCP__T_RTX);
  return TCP__EV_NONE;
}

/* SYN_RCVD, rcv ACK of SYN: the ACK and any data of the segment are
 * processed in ESTABLISHED terms; a FIN riding on it is a second event. */
static enum tcp__ev act_ack_of_syn(struct tcp__conn *c, const struct tcp__seg *s)
{
  return tcp__process_ack_text(c, s, false) ? TCP__EV_FIN : TCP__EV_NONE;
}

/* rcv FIN (RFC 9293 3.10.7.4 eighth). The passive closer delays its ACK,
 * so that an application closing at once sends one FIN,ACK (seed 003:
 * "third and second step merged"); a FIN ending our own close is
 * acknowledged at once since nothing else will follow. */
static enum tcp__ev act_fin(struct tcp__conn *c, const struct tcp__seg *s)
{
  tcp__process_ack_text(c, s, true);
  tcp__ack_owed(c, false, c->state != TCP_S_ESTABLISHED);
  return TCP__EV_NONE;
}

/* TIME_WAIT starts over: time_wait from now. */
static void tw_timer_restart(struct tcp__conn *c)
{
  tcp__timer_set(c, TCP__T_2MSL,
                 tcp__deadline(sim_now(c->h->m->w), c->h->set->time_wait_ns));
}

/* TIME_WAIT: "the only thing that can arrive in this state is a
 * retransmission of the remote FIN. Acknowledge it, and restart the 2 MSL
 * timeout" (RFC 9293 3.10.7.4 eighth). */
static enum tcp__ev act_tw_fin(struct tcp__conn *c, const struct tcp__seg *s)
{
  tcp__send_ack(c);
  tw_timer_restart(c);
  return TCP__EV_NONE;
}

/* BSD and Linux restart TIME_WAIT on any segment that carries an ACK, an
 * old duplicate too (tw_restart_ack; 4.4BSD tcp_input, Linux
 * tcp_timewait_state_process); RFC 793 only on the retransmitted FIN. */
static void tw_restart(struct tcp__conn *c, const struct tcp__seg *s)
{
  if (c->h->set->tw_restart_ack && (s->h.flags & TCP_F_ACK) &&
      !(s->h.flags & TCP_F_RST))
    tw_timer_restart(c);
}

/* TIME_WAIT, an unacceptable segment: answered as in any state (act_ack),
 * and TIME_WAIT restarted where the profile does it. */
static enum tcp__ev act_tw_oow(struct tcp__conn *c, const struct tcp__seg *s)
{
  tw_restart(c, s);
  return act_ack(c, s);
}

/* TIME_WAIT, an acceptable segment that is not the FIN: nothing to do but
 * the restart. */
static enum tcp__ev act_tw_seg(struct tcp__conn *c, const struct tcp__seg *s)
{
  tw_restart(c, s);
  return TCP__EV_NONE;
}

static enum tcp__ev act_connect(struct tcp__conn *c, const struct tcp__seg *s)
{
  const struct tcp_settings *set = c->h->set;
  c->flags |= TCP__CF_ACTIVE;
  if (set->conn_est_timeout_ns > 0)
    tcp__timer_set(c, TCP__T_CONNEST,
                   tcp__deadline(sim_now(c->h->m->w), set->conn_est_timeout_ns));
  return TCP__EV_NONE;
}

static enum tcp__ev act_close(struct tcp__conn *c, const struct tcp__seg *s)
{
  c->flags |= TCP__CF_FIN_QUEUED;
  c->err = TCP_OK;
  return TCP__EV_NONE;
}

/* RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST> in a synchronised state
 * (we set ACK too, as BSD and Linux do); nothing in SYN_SENT. */
static enum tcp__ev act_abort(struct tcp__conn *c, const struct tcp__seg *s)
{
  if (c->state != TCP_S_SYN_SENT)
    tcp__send_rst_conn(c);
  c->err = TCP_ECONNABORTED;
  return TCP__EV_NONE;
}

static enum tcp__ev act_timeout(struct tcp__conn *c, const struct tcp__seg *s)
{
  c->err = TCP_ETIMEDOUT;
  return TCP__EV_NONE;
}

static enum tcp__ev act_closed_ok(struct tcp__conn *c, const struct tcp__seg *s)
{
  c->err = TCP_OK;
  return TCP__EV_NONE;
}

/* ====================================================================== */
/* The table                                                               */
/* ====================================================================== */

struct cell {
  uint8_t used;
  uint8_t next;        /* enum tcp_state; used when go */
  uint8_t go;          /* 1: change to next */
  tcp__action act;
  const char *cause;
};

#define GO(st, fn, why) {1, TCP_S_##st, 1, fn, why}
#define STAY(fn) {1, 0, 0, fn, NULL}
#define S(st) [TCP_S_##st]
#define E(ev) [TCP__EV_##ev]

/* Cells common to all synchronised states. */
#define SYNC_COMMON(st)                                                   \
  E(SEQ_BAD) = STAY(act_ack), E(RST) = GO(CLOSED, act_rst, "rcv RST"),    \
  E(RST_CHALLENGE) = STAY(act_challenge),                                 \
  E(SYN_CHALLENGE) = STAY(act_challenge),                                 \
  E(SYN_RESET) = GO(CLOSED, act_syn_reset, "rcv SYN in window"),          \
  E(ACK_BAD) = STAY(act_ack), E(SEG) = STAY(act_seg),                     \
  E(APP_ABORT) = GO(CLOSED, act_abort, "app abort"),                      \
  E(TIMEOUT) = GO(CLOSED, act_timeout, "timeout")

static const struct cell table[TCP_S__COUNT][TCP__EV__COUNT] = {
    S(CLOSED) = {E(APP_CONNECT) = GO(SYN_SENT, act_connect, "app connect")},
    /* Only a block made for a valid cookie ACK is ever in LISTEN, for
     * this one step (listen.c); listeners themselves have no block. */
    S(LISTEN) =
        {
            E(ACK_OF_SYN) = GO(ESTABLISHED, act_ack_of_syn,
                               "rcv ACK of SYN cookie"),
        },
    S(SYN_SENT) =
        {
            E(ACK_BAD) = STAY(act_rst_bad_ack),
            E(RST) = GO(CLOSED, act_rst, "rcv RST"),
            E(SYN) = GO(SYN_RCVD, act_syn_simul, "rcv SYN (simultaneous open)"),
            E(SYNACK) = GO(ESTABLISHED, act_synack, "rcv SYN,ACK"),
            E(APP_CLOSE) = GO(CLOSED, act_closed_ok, "app close"),
            E(APP_ABORT) = GO(CLOSED, act_abort, "app abort"),
            E(TIMEOUT) = GO(CLOSED, act_timeout, "SYN timeout"),
        },
    S(SYN_RCVD) =
        {
            E(SEQ_BAD) = STAY(act_ack),
            E(RST) = GO(CLOSED, act_rst, "rcv RST"),
            E(RST_CHALLENGE) = STAY(act_challenge),
            E(SYN_CHALLENGE) = STAY(act_challenge),
            E(SYN_RESET) = GO(CLOSED, act_syn_reset, "rcv SYN in window"),
            E(ACK_BAD) = STAY(act_rst_bad_ack),
            E(ACK_OF_SYN) = GO(ESTABLISHED, act_ack_of_syn, "rcv ACK of SYN"),
            E(APP_CLOSE) = GO(FIN_WAIT_1, act_close, "app close"),
            E(APP_ABORT) = GO(CLOSED, act_abort, "app abort"),
            E(TIMEOUT) = GO(CLOSED, act_timeout, "SYN,ACK timeout"),
        },
    S(ESTABLISHED) =
        {
            SYNC_COMMON(ESTABLISHED),
            E(FIN) = GO(CLOSE_WAIT, act_fin, "rcv FIN"),
            E(APP_CLOSE) = GO(FIN_WAIT_1, act_close, "app close"),
        },
    S(FIN_WAIT_1) =
        {
            SYNC_COMMON(FIN_WAIT_1),
            E(ACK_OF_FIN) = GO(FIN_WAIT_2, act_seg, "rcv ACK of FIN"),
            E(FIN) = GO(CLOSING, act_fin, "rcv FIN"),
            E(FIN_ACK_OF_FIN) = GO(TIME_WAIT, act_fin, "rcv FIN,ACK of FIN"),
        },
    S(FIN_WAIT_2) =
        {
            SYNC_COMMON(FIN_WAIT_2),
            E(FIN) = GO(TIME_WAIT, act_fin, "rcv FIN"),
            E(TIMEOUT_FW2) = GO(CLOSED, act_timeout, "FIN_WAIT_2 timeout"),
        },
    S(CLOSE_WAIT) =
        {
            SYNC_COMMON(CLOSE_WAIT),
            E(APP_CLOSE) = GO(LAST_ACK, act_close, "app close"),
        },
    S(CLOSING) =
        {
            SYNC_COMMON(CLOSING),
            E(ACK_OF_FIN) = GO(TIME_WAIT, act_seg, "rcv ACK of FIN"),
        },
    S(LAST_ACK) =
        {
            SYNC_COMMON(LAST_ACK),
            E(ACK_OF_FIN) = GO(CLOSED, act_closed_ok, "rcv ACK of FIN"),
        },
    S(TIME_WAIT) =
        {
            E(SEQ_BAD) = STAY(act_tw_oow),
            E(RST) = GO(CLOSED, act_rst, "rcv RST"),
            E(RST_CHALLENGE) = STAY(act_challenge),
            E(SYN_CHALLENGE) = STAY(act_challenge),
            E(SYN_RESET) = GO(CLOSED, act_syn_reset, "rcv SYN in window"),
            E(ACK_BAD) = STAY(act_tw_oow),
            E(SEG) = STAY(act_tw_seg),
            E(TW_FIN) = STAY(act_tw_fin),
            E(TW_REUSE) = GO(CLOSED, act_closed_ok, "rcv SYN, TIME_WAIT reuse"),
            E(APP_ABORT) = GO(CLOSED, act_none, "app abort"),
            E(TIMEOUT_2MSL) = GO(CLOSED, act_closed_ok, "2MSL timeout"),
        },
};

#undef GO
#undef STAY
#undef S
#undef E
#undef SYNC_COMMON

bool tcp__fsm_has_cell(enum tcp_state s, enum tcp__ev ev)
{
  return (unsigned)s < TCP_S__COUNT && (unsigned)ev < TCP__EV__COUNT &&
         table[s][ev].used;
}

void tcp__fsm_step(struct tcp__conn *c, enum tcp__ev ev,
                   const struct tcp__seg *s, const char *cause)
{
  /* A FIN riding on the ACK that completes a handshake gives one follow-up
   * event; nothing chains further. */
  for (int round = 0; round < 2 && ev != TCP__EV_NONE; round++) {
    if (c->flags & TCP__CF_DEAD)
      return;
    const struct cell *cl = &table[c->state][ev];
    if (!cl->used) {
      /* STYLE.md rule 2: an empty cell is "unexpected": count and drop. */
      c->h->m->unexpected++;
      if (s)
        tcp__drop(c->h->m, c->h->node, s, "unexpected in this state");
      return;
    }
    enum tcp__ev follow = cl->act(c, s);
    if (cl->go)
      tcp__fsm_set(c->h, c, &c->state, c->id, (enum tcp_state)cl->next,
                   cause ? cause : cl->cause);
    ev = follow;
    cause = NULL;
  }
}
