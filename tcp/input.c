/*
 * input.c - segment arrival (RFC 9293 section 3.10.7): demultiplexing to
 * a connection block, a listener or the closed-port reply; the classifier
 * that turns (connection, segment) into one refined event of the state
 * machine; and the ACK / window / text processing shared by the
 * synchronised states.
 *
 * The classifier is pure: every guard ("is this the ACK of our FIN?",
 * "is this RST exact or only in the window?") lives there, in the order of
 * RFC 9293 3.10.7.4 (sequence number, RST, SYN, ACK, text, FIN), so that
 * the table in fsm.c stays a plain [state][event] lookup. Structures and
 * axioms: tcp/tcp_int.h.
 */
#include <string.h>

#include "tcp/tcp_codec.h"
#include "tcp/tcp_int.h"

/* ====================================================================== */
/* Helpers                                                                 */
/* ====================================================================== */

void tcp__drop(struct tcp_module *m, uint32_t node, const struct tcp__seg *s,
               const char *why)
{
  tcp__trace_dropped(m, node, s->p, why);
}

/* RFC 9293 3.10.7.4, the acceptability test table. */
static bool seq_acceptable(const struct tcp__conn *c, const struct tcp__seg *s)
{
  uint32_t len = tcp__seg_seqlen(s);
  uint32_t wnd = tcp__rcv_wnd(c);
  uint32_t seq = s->h.seq;
  if (len == 0) {
    if (wnd == 0)
      return seq == c->rcv_nxt;
    return tcp_seq_leq(c->rcv_nxt, seq) && tcp_seq_lt(seq, c->rcv_nxt + wnd);
  }
  if (wnd == 0)
    return false;
  uint32_t last = seq + len - 1;
  return (tcp_seq_leq(c->rcv_nxt, seq) && tcp_seq_lt(seq, c->rcv_nxt + wnd)) ||
         (tcp_seq_leq(c->rcv_nxt, last) && tcp_seq_lt(last, c->rcv_nxt + wnd));
}

/* States whose receive side still takes text (RFC 9293 3.10.7.4 seventh). */
static bool receiving(enum tcp_state st)
{
  return st == TCP_S_SYN_RCVD || st == TCP_S_ESTABLISHED ||
         st == TCP_S_FIN_WAIT_1 || st == TCP_S_FIN_WAIT_2;
}

bool tcp__fin_in_order(const struct tcp__conn *c, const struct tcp__seg *s)
{
  if (!(s->h.flags & TCP_F_FIN) || (c->flags & TCP__CF_FIN_RCVD) ||
      !receiving((enum tcp_state)c->state))
    return false;
  /* Without a reassembly queue the FIN is in order when the segment
   * starts at or before rcv_nxt and all of its text fits the window. */
  uint32_t seq = s->h.seq + ((s->h.flags & TCP_F_SYN) ? 1u : 0u);
  uint32_t end = seq + s->len;
  if (tcp_seq_gt(seq, c->rcv_nxt) || tcp_seq_lt(end, c->rcv_nxt))
    return false;
  return end - c->rcv_nxt <= tcp__rcv_wnd(c);
}

/* Our FIN has been sent and this ACK covers it. */
static bool acks_our_fin(const struct tcp__conn *c, const struct tcp__seg *s)
{
  if (!(c->flags & TCP__CF_FIN_QUEUED) || !(s->h.flags & TCP_F_ACK))
    return false;
  uint32_t fin_end = c->snd_end + 1;
  return c->snd_max == fin_end && s->h.ack == fin_end;
}

/* ====================================================================== */
/* The classifier                                                          */
/* ====================================================================== */

/* RFC 9293 3.10.7.3. */
static enum tcp__ev classify_syn_sent(const struct tcp__conn *c,
                                      const struct tcp__seg *s,
                                      const char **why)
{
  uint8_t f = s->h.flags;
  bool ack_ok = false;
  if (f & TCP_F_ACK) {
    if (tcp_seq_leq(s->h.ack, c->iss) || tcp_seq_gt(s->h.ack, c->snd_max)) {
      if (f & TCP_F_RST) {
        *why = "RST with a bad ACK in SYN_SENT";
        return TCP__EV_DROP;
      }
      return TCP__EV_ACK_BAD;
    }
    ack_ok = true;
  }
  if (f & TCP_F_RST) {
    /* RFC 5961 3.2 keeps this rule: acceptable iff it ACKs our SYN. */
    if (ack_ok)
      return TCP__EV_RST;
    *why = "RST without ACK in SYN_SENT";
    return TCP__EV_DROP;
  }
  if (f & TCP_F_SYN)
    return ack_ok ? TCP__EV_SYNACK : TCP__EV_SYN;
  *why = "neither SYN nor RST in SYN_SENT";
  return TCP__EV_DROP;
}

enum tcp__ev tcp__classify(const struct tcp__conn *c, const struct tcp__seg *s,
                           const struct tcp_settings *set, const char **why)
{
  uint8_t f = s->h.flags;
  enum tcp_state st = (enum tcp_state)c->state;
  *why = NULL;
  switch (st) {
  case TCP_S_CLOSED:
  case TCP_S_LISTEN:
  case TCP_S__COUNT:
    *why = "no connection";
    return TCP__EV_DROP;
  case TCP_S_SYN_SENT:
    return classify_syn_sent(c, s, why);
  case TCP_S_SYN_RCVD:
  case TCP_S_ESTABLISHED:
  case TCP_S_FIN_WAIT_1:
  case TCP_S_FIN_WAIT_2:
  case TCP_S_CLOSE_WAIT:
  case TCP_S_CLOSING:
  case TCP_S_LAST_ACK:
  case TCP_S_TIME_WAIT:
    break;
  }

  bool syn = f & TCP_F_SYN, rst = f & TCP_F_RST, ack = f & TCP_F_ACK;

  /* Simultaneous open: the peer's SYN,ACK repeats the SYN we already took
   * and acknowledges ours (RFC 9293 figure 8; Linux tcp_validate_incoming
   * lets exactly this one through). */
  if (st == TCP_S_SYN_RCVD && syn && ack && !rst &&
      s->h.seq + 1 == c->rcv_nxt && s->h.ack == c->snd_max &&
      tcp_seq_gt(s->h.ack, c->snd_una))
    return TCP__EV_ACK_OF_SYN;

  /* Berkeley rule (Stevens vol. 1 18.6, Linux tcp_timewait_state_process):
   * a new SYN beyond the old incarnation's sequence space may reopen the
   * pair; the block goes and the listener takes the SYN. */
  if (st == TCP_S_TIME_WAIT && syn && !ack && !rst && set->tw_reuse_syn &&
      tcp_seq_gt(s->h.seq, c->rcv_nxt))
    return TCP__EV_TW_REUSE;

  /* RFC 5961 4.2: any SYN in a synchronised state, whatever its sequence
   * number, gets a challenge ACK. */
  if (syn && !rst && set->rfc5961)
    return TCP__EV_SYN_CHALLENGE;

  /* first: the sequence number */
  if (!seq_acceptable(c, s)) {
    if (rst) {
      *why = "RST out of window";
      return TCP__EV_DROP;
    }
    if (st == TCP_S_TIME_WAIT && (f & TCP_F_FIN) &&
        s->h.seq + tcp__seg_seqlen(s) == c->rcv_nxt)
      return TCP__EV_TW_FIN;
    return TCP__EV_SEQ_BAD;
  }

  /* second: RST (RFC 5961 3.2 when enabled, RFC 793 otherwise) */
  if (rst) {
    if (st == TCP_S_TIME_WAIT && set->rfc1337) {
      *why = "RST in TIME_WAIT ignored (RFC 1337)";
      return TCP__EV_DROP;
    }
    if (!set->rfc5961 || s->h.seq == c->rcv_nxt)
      return TCP__EV_RST;
    return TCP__EV_RST_CHALLENGE;
  }

  /* fourth: SYN in the window, RFC 793 */
  if (syn)
    return TCP__EV_SYN_RESET;

  /* fifth: ACK */
  if (!ack) {
    *why = "no ACK";
    return TCP__EV_DROP;
  }
  if (st == TCP_S_SYN_RCVD) {
    if (tcp_seq_gt(s->h.ack, c->snd_una) && tcp_seq_leq(s->h.ack, c->snd_max))
      return TCP__EV_ACK_OF_SYN;
    return TCP__EV_ACK_BAD;
  }
  if (tcp_seq_gt(s->h.ack, c->snd_max))
    return TCP__EV_ACK_BAD;

  bool fin_acked = acks_our_fin(c, s) && c->snd_una != c->snd_max;
  bool fin_in = tcp__fin_in_order(c, s);
  switch (st) {
  case TCP_S_FIN_WAIT_1:
    if (fin_acked && fin_in)
      return TCP__EV_FIN_ACK_OF_FIN;
    if (fin_acked)
      return TCP__EV_ACK_OF_FIN;
    return fin_in ? TCP__EV_FIN : TCP__EV_SEG;
  case TCP_S_CLOSING:
  case TCP_S_LAST_ACK:
    return fin_acked ? TCP__EV_ACK_OF_FIN : TCP__EV_SEG;
  case TCP_S_ESTABLISHED:
  case TCP_S_FIN_WAIT_2:
    return fin_in ? TCP__EV_FIN : TCP__EV_SEG;
  case TCP_S_CLOSE_WAIT:
  case TCP_S_TIME_WAIT:
  case TCP_S_CLOSED:
  case TCP_S_LISTEN:
  case TCP_S_SYN_SENT:
  case TCP_S_SYN_RCVD:
  case TCP_S__COUNT:
    break;
  }
  return TCP__EV_SEG;
}

/* ====================================================================== */
/* ACK, window and text                                                    */
/* ====================================================================== */

bool tcp__process_ack_text(struct tcp__conn *c, const struct tcp__seg *s,
                           bool take_fin)
{
  struct tcp__host *h = c->h;
  int64_t now = sim_now(h->m->w);
  uint8_t f = s->h.flags;

  if (f & TCP_F_ACK) {
    uint32_t ack = s->h.ack;
    if (tcp_seq_gt(ack, c->snd_una) && tcp_seq_leq(ack, c->snd_max)) {
      /* RFC 6298 with Karn's rule: only a segment sent once is timed. */
      if ((c->flags & TCP__CF_RTT) && tcp_seq_geq(ack, c->rtt_seq)) {
        tcp__rtt_sample(c, now - c->rtt_start_ns);
        c->flags &= (uint16_t)~TCP__CF_RTT;
      }
      c->snd_una = ack;
      if (tcp_seq_lt(c->snd_nxt, c->snd_una))
        c->snd_nxt = c->snd_una;
      c->retries = 0;
      if (c->snd_una == c->snd_max)
        tcp__timer_clear(c, TCP__T_RTX);
      else
        tcp__rtx_arm(c); /* RFC 6298 5.3: restart for what remains */
    }
    /* RFC 9293 3.10.7.4: window update if the segment is newer */
    if (tcp_seq_lt(c->snd_wl1, s->h.seq) ||
        (c->snd_wl1 == s->h.seq && tcp_seq_leq(c->snd_wl2, ack))) {
      uint32_t shift = (c->flags & TCP__CF_WSCALE) ? c->snd_wscale : 0;
      if (c->snd_wnd == 0 && s->h.win != 0 && c->snd_una == c->snd_max)
        c->retries = 0; /* the persist probes got their answer */
      c->snd_wnd = (uint32_t)s->h.win << shift;
      c->snd_wl1 = s->h.seq;
      c->snd_wl2 = ack;
    }
  }
  if ((c->flags & TCP__CF_TS) && s->h.has_ts &&
      tcp_seq_leq(s->h.seq, c->rcv_nxt))
    c->ts_recent = s->h.ts_val; /* RFC 7323 4.3 */

  /* Any segment shows the peer is alive: keepalive restarts lazily. */
  c->kprobes = 0;
  if ((c->flags & TCP__CF_KEEPALIVE) && c->state >= TCP_S_ESTABLISHED &&
      c->state != TCP_S_TIME_WAIT)
    tcp__timer_set(c, TCP__T_KEEP, tcp__deadline(now, tcp__keepidle(c)));

  bool fin_in = tcp__fin_in_order(c, s);
  uint32_t seq = s->h.seq + ((f & TCP_F_SYN) ? 1u : 0u);
  if (s->len > 0 && receiving((enum tcp_state)c->state)) {
    if (tcp_seq_gt(seq, c->rcv_nxt)) {
      /* No reassembly queue: a hole. The duplicate ACK makes the peer
       * retransmit from rcv_nxt. */
      c->flags |= TCP__CF_ACK_NOW;
    } else {
      uint32_t off = c->rcv_nxt - seq;
      if (off < s->len) {
        uint32_t n = s->len - off;
        uint32_t wnd = tcp__rcv_wnd(c);
        if (n > wnd)
          n = wnd;
        if (n > 0) {
          c->rcv_nxt += n;
          c->rcv_unread += n;
          if (c->sock)
            tcp__notify(c->sock, TCP__N_READABLE, 0);
          tcp__ack_owed(c, n >= c->mss, false);
        } else {
          c->flags |= TCP__CF_ACK_NOW;
        }
      } else {
        c->flags |= TCP__CF_ACK_NOW; /* all old: a duplicate */
      }
    }
  }
  if (fin_in && take_fin) {
    c->rcv_nxt += 1;
    c->flags |= TCP__CF_FIN_RCVD;
    if (c->sock)
      tcp__notify(c->sock, TCP__N_PEER_CLOSED, 0);
  }
  return fin_in;
}

/* ====================================================================== */
/* Closed ports                                                            */
/* ====================================================================== */

/* RFC 9293 3.10.7.1 (and 3.5.2 group 1): never answer a RST; a segment
 * with ACK gets <SEQ=SEG.ACK><CTL=RST>, one without gets
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
void tcp__reply_closed(struct tcp__host *h, struct tcp_module *m,
                       uint32_t node, const struct tcp__seg *s)
{
  if (s->h.flags & TCP_F_RST) {
    tcp__drop(m, node, s, "RST for no connection");
    return;
  }
  struct tcp_hdr r;
  memset(&r, 0, sizeof r);
  r.sport = s->h.dport;
  r.dport = s->h.sport;
  if (s->h.flags & TCP_F_ACK) {
    r.seq = s->h.ack;
    r.flags = TCP_F_RST;
  } else {
    r.seq = 0;
    r.ack = s->h.seq + tcp__seg_seqlen(s);
    r.flags = TCP_F_RST | TCP_F_ACK;
  }
  tcp__send_raw(m, node, h, s->dst, s->src, &r, 0, 0);
}

/* ====================================================================== */
/* Arrival                                                                 */
/* ====================================================================== */

/*
 * The header kept in p->l4 is trusted by everything after tcp__rx, so it
 * must be one that tcp__decode (codec.c), i.e. real bytes on a wire,
 * could have produced; anything else is counted in bad_segs and dropped
 * ("bad header"):
 *   - flag bits outside TCP_F_* (the decoder masks the reserved bits and
 *     ECE/CWR, RFC 9293 3.1);
 *   - has_mss, has_wscale, sack_ok, has_ts other than 0 or 1, a shift
 *     above 14 (the decoder clamps it, RFC 7323 2.3), and a value in a
 *     field whose option is absent (the decoder leaves those zero);
 *   - l4_hdr_len that no data offset could give for these options: not
 *     a multiple of 4, above 60, or below tcp__hdr_wire_len(h), the
 *     least room the claimed options take. It may be larger: a real
 *     segment may carry padding, SACK blocks or unknown options that the
 *     decoder skips (RFC 9293 MUST-4, MUST-6), and such a segment must
 *     still be accepted. The module's own segments always have exactly
 *     tcp__hdr_wire_len (tcp_codec.h axiom C1).
 * An MSS of 0 is left to the engine (tcp__peer_mss), as the decoder
 * keeps it.
 */
static bool hdr_coherent(const struct tcp_hdr *h, uint16_t l4_hdr_len)
{
  if (h->flags & ~0x3fu)
    return false;
  if (h->has_mss > 1 || h->has_wscale > 1 || h->sack_ok > 1 || h->has_ts > 1)
    return false;
  if (h->has_wscale ? h->wscale > TCP__WSCALE_MAX : h->wscale != 0)
    return false;
  if (!h->has_mss && h->mss != 0)
    return false;
  if (!h->has_ts && (h->ts_val != 0 || h->ts_ecr != 0))
    return false;
  return l4_hdr_len % 4 == 0 && l4_hdr_len <= TCP__HDR_MAX &&
         l4_hdr_len >= tcp__hdr_wire_len(h);
}

/* The events of a segment that passed the acceptability checks and that
 * the connection acts upon (the seg_accepted observers, tcp.h): not the
 * ones answered only with an ACK, nor an in-window segment in TIME_WAIT,
 * which changes nothing there. */
static bool acted_upon(const struct tcp__conn *c, enum tcp__ev ev)
{
  switch (ev) {
  case TCP__EV_SEG:
    return c->state != TCP_S_TIME_WAIT;
  case TCP__EV_RST:
  case TCP__EV_SYN_RESET:
  case TCP__EV_SYN:
  case TCP__EV_SYNACK:
  case TCP__EV_ACK_OF_SYN:
  case TCP__EV_ACK_OF_FIN:
  case TCP__EV_FIN:
  case TCP__EV_FIN_ACK_OF_FIN:
    return true;
  case TCP__EV_NONE:
  case TCP__EV_DROP:
  case TCP__EV_SEQ_BAD:
  case TCP__EV_RST_CHALLENGE:
  case TCP__EV_SYN_CHALLENGE:
  case TCP__EV_ACK_BAD:
  case TCP__EV_TW_FIN:
  case TCP__EV_TW_REUSE:
  case TCP__EV_APP_CONNECT:
  case TCP__EV_APP_CLOSE:
  case TCP__EV_APP_ABORT:
  case TCP__EV_TIMEOUT:
  case TCP__EV_TIMEOUT_2MSL:
  case TCP__EV_TIMEOUT_FW2:
  case TCP__EV__COUNT:
    break;
  }
  return false;
}

void tcp__rx(struct sim_world *w, uint32_t node, void *host_state,
             struct sim_packet *p)
{
  struct tcp__host *stub = host_state;
  struct tcp_module *m = stub->m;
  struct tcp__seg s;
  memset(&s, 0, sizeof s);
  m->st.segs_in++;
  if (p->proto != 6 || p->l4_hdr_len < 20) {
    m->st.bad_segs++;
    tcp__trace_dropped(m, node, p, "malformed");
    sim_packet_free(w, p);
    return;
  }
  memcpy(&s.h, p->l4, sizeof s.h);
  s.len = p->payload_len;
  s.src = p->src;
  s.dst = p->dst;
  s.p = p;
  if (s.h.sport == 0 || s.h.dport == 0 ||
      ((s.h.flags & TCP_F_SYN) && (s.h.flags & TCP_F_FIN))) {
    m->st.bad_segs++;
    tcp__trace_dropped(m, node, p, "bad ports or flags");
    sim_packet_free(w, p);
    return;
  }
  if (!hdr_coherent(&s.h, p->l4_hdr_len)) {
    m->st.bad_segs++;
    tcp__trace_dropped(m, node, p, "bad header");
    sim_packet_free(w, p);
    return;
  }
  if (!(s.h.flags & TCP_F_SYN)) {
    /* MSS, window scale and SACK-permitted mean something on a SYN only:
     * RFC 9293 3.7.1 (MSS only in SYN), RFC 7323 2.2 (a Window Scale
     * option in a non-SYN segment MUST be ignored), RFC 2018 2. Ignored
     * as Linux tcp_parse_options does, not dropped: the decoder accepts
     * them on any segment. Timestamps stay (RFC 7323 3.2). */
    s.h.has_mss = s.h.has_wscale = s.h.sack_ok = 0;
    s.h.mss = 0;
    s.h.wscale = 0;
  }
  struct tcp__host *h = tcp__host_get(m, node, false);
  if (!h) {
    /* A host no application touched: every port is closed. */
    tcp__reply_closed(NULL, m, node, &s);
    sim_packet_free(w, p);
    return;
  }
  tcp__enter(h);
  struct tcp__conn *c = tcp__conn_find(h, s.dst, s.h.dport, s.src, s.h.sport);
  bool done = false;
  if (c) {
    const char *why = NULL;
    enum tcp__ev ev = tcp__classify(c, &s, h->set, &why);
    if (ev == TCP__EV_DROP) {
      tcp__trace_dropped(m, node, p, why);
      done = true;
    } else {
      if (acted_upon(c, ev))
        tcp__trace_accepted(m, node, c->id, p);
      tcp__fsm_step(c, ev, &s, NULL);
      if (ev == TCP__EV_TW_REUSE) {
        done = false; /* the listener takes the SYN */
      } else {
        if (!(c->flags & TCP__CF_DEAD))
          tcp__output(c);
        done = true;
      }
    }
  }
  if (!done) {
    struct tcp__listener *l = tcp__listener_find(h, s.dst, s.h.dport);
    if (l)
      tcp__listen_input(l, &s);
    else
      tcp__reply_closed(h, m, node, &s);
  }
  sim_packet_free(w, p);
  tcp__leave(h);
}
