/*
 * output.c - building and sending segments: SYN and SYN-ACK with their
 * options, data cut into MSS-sized segments, the FIN after the queued
 * data, ACKs (delayed or at once), resets, keepalive probes. Every
 * segment leaves through tcp__send_raw, which enforces the quiet time
 * (RFC 793 3.3: a rebooted host sends nothing for MSL) and writes the
 * measurement tags.
 *
 * Sequence bookkeeping (axiom C2 in tcp/tcp_int.h): data occupies
 * [iss + 1, snd_end), the FIN, once queued, is at snd_end; snd_nxt is
 * where the next segment starts (pulled back to snd_una by a
 * retransmission timeout), snd_max the highest sequence number sent.
 */
#include <string.h>

#include "tcp/tcp_codec.h"
#include "tcp/tcp_int.h"

bool tcp__quiet(const struct tcp__host *h)
{
  return h && sim_now(h->m->w) < h->quiet_until_ns;
}

/* RFC 7323 5.4: a clock of about 1 ms, monotonic within a boot. */
uint32_t tcp__ts_now(const struct tcp__host *h)
{
  return (uint32_t)(sim_now(h->m->w) / SIM_MS);
}

uint32_t tcp__rcv_wnd(const struct tcp__conn *c)
{
  uint32_t buf = c->h->set->rcv_buf;
  return c->rcv_unread >= buf ? 0 : buf - c->rcv_unread;
}

/* A segment as it leaves: header, sizes and the measurement tags. */
static struct sim_packet *raw_packet(struct tcp_module *m, uint32_t node,
                                     uint32_t src, uint32_t dst,
                                     const struct tcp_hdr *hdr, uint32_t len,
                                     uint64_t conn_id)
{
  struct sim_packet *p = sim_packet_alloc(m->w);
  if (!p)
    return NULL;
  p->src = src;
  p->dst = dst;
  p->proto = 6;
  memcpy(p->l4, hdr, sizeof *hdr);
  p->l4_hdr_len = tcp__hdr_wire_len(hdr);
  p->payload_len = len;
  p->tags.conn_id = conn_id;
  p->tags.incarnation = sim_node_epoch(m->w, node);
  p->tags.sent_ns = sim_now(m->w);
  return p;
}

void tcp__send_raw(struct tcp_module *m, uint32_t node, struct tcp__host *h,
                   uint32_t src, uint32_t dst, const struct tcp_hdr *hdr,
                   uint32_t len, uint64_t conn_id)
{
  if (tcp__quiet(h))
    return; /* RFC 793 3.3 "Knowing When to Keep Quiet" */
  struct sim_packet *p = raw_packet(m, node, src, dst, hdr, len, conn_id);
  if (!p)
    return; /* like a lost segment: retransmission covers it */
  m->st.segs_out++;
  if (hdr->flags & TCP_F_RST)
    m->st.rst_out++;
  (void)sim_ip_output(m->w, node, p);
}

/* Header for a segment of c with the given flags and sequence number. */
static void conn_hdr(struct tcp__conn *c, struct tcp_hdr *hd, uint8_t flags,
                     uint32_t seq)
{
  const struct tcp_settings *set = c->h->set;
  memset(hd, 0, sizeof *hd);
  hd->sport = c->lport;
  hd->dport = c->rport;
  hd->seq = seq;
  hd->flags = flags;
  if (flags & TCP_F_ACK)
    hd->ack = c->rcv_nxt;
  uint32_t wnd = tcp__rcv_wnd(c);
  bool syn = flags & TCP_F_SYN;
  /* RFC 7323 2.2: the window of a SYN is not scaled. */
  uint32_t shift = (!syn && (c->flags & TCP__CF_WSCALE)) ? c->rcv_wscale : 0;
  uint32_t field = wnd >> shift;
  if (field > 65535)
    field = 65535;
  hd->win = (uint16_t)field;
  c->rcv_adv = field << shift;
  bool sent_syn_first = c->state == TCP_S_SYN_SENT;
  if (syn) {
    hd->has_mss = 1;
    hd->mss = set->mss;
    if (sent_syn_first ? set->opt_wscale : (c->flags & TCP__CF_WSCALE) != 0) {
      hd->has_wscale = 1;
      hd->wscale = set->wscale;
    }
    if (sent_syn_first ? set->opt_sack : (c->flags & TCP__CF_SACK) != 0)
      hd->sack_ok = 1;
  }
  bool ts = (syn && sent_syn_first) ? set->opt_timestamps
                                    : (c->flags & TCP__CF_TS) != 0;
  if (ts) {
    hd->has_ts = 1;
    hd->ts_val = tcp__ts_now(c->h);
    hd->ts_ecr = (flags & TCP_F_ACK) ? c->ts_recent : 0;
  }
}

static void conn_send(struct tcp__conn *c, const struct tcp_hdr *hd,
                      uint32_t len)
{
  if (hd->flags & TCP_F_ACK) {
    /* Whatever carries an ACK pays what was owed. */
    c->flags &= (uint16_t) ~(TCP__CF_ACK_NOW | TCP__CF_ACK_DELAY);
    c->acks_owed = 0;
    tcp__timer_clear(c, TCP__T_DELACK);
  }
  struct tcp__host *h = c->h;
  if (h->set->fault_tw_ack_loss > 0 && c->state == TCP_S_TIME_WAIT &&
      hd->flags == TCP_F_ACK && len == 0 && !tcp__quiet(h) &&
      sim_rng_below(&h->fault_rng, 100) < h->set->fault_tw_ack_loss) {
    /* Fault injection (fault_tw_ack_loss, in no profile): the ACK of the
     * peer's FIN is lost as it leaves the host. Observers see it as a
     * segment TCP dropped; the connection goes on as if it had left. */
    struct sim_packet *p =
        raw_packet(h->m, h->node, c->laddr, c->raddr, hd, len, c->id);
    h->m->st.segs_out++;
    h->m->st.fault_tw_acks_dropped++;
    if (p) {
      tcp__trace_dropped(h->m, h->node, p, "fault_tw_ack_loss");
      sim_packet_free(h->m->w, p);
    }
    return;
  }
  tcp__send_raw(h->m, h->node, h, c->laddr, c->raddr, hd, len, c->id);
}

void tcp__send_ack(struct tcp__conn *c)
{
  struct tcp_hdr hd;
  conn_hdr(c, &hd, TCP_F_ACK, c->snd_nxt);
  conn_send(c, &hd, 0);
}

void tcp__send_rst_conn(struct tcp__conn *c)
{
  struct tcp_hdr hd;
  conn_hdr(c, &hd, TCP_F_RST | TCP_F_ACK, c->snd_nxt);
  hd.win = 0;
  conn_send(c, &hd, 0);
}

/* RFC 1122 4.2.3.6: a probe is an old sequence number (SND.NXT - 1) with
 * no data, which the peer must answer with an ACK. */
void tcp__keepalive_probe(struct tcp__conn *c)
{
  struct tcp_hdr hd;
  conn_hdr(c, &hd, TCP_F_ACK, c->snd_nxt - 1);
  conn_send(c, &hd, 0);
}

void tcp__zero_window_probe(struct tcp__conn *c)
{
  struct tcp_hdr hd;
  conn_hdr(c, &hd, TCP_F_ACK, c->snd_una - 1);
  conn_send(c, &hd, 0);
}

/* Delayed ACK (RFC 1122 4.2.3.2, RFC 9293 3.8.6.3): ACK at once every
 * second full-sized segment, or when the socket asks for it; otherwise
 * within delack_ns. */
void tcp__ack_owed(struct tcp__conn *c, bool full_segment, bool at_once)
{
  int64_t delack = c->h->set->delack_ns;
  if (full_segment && c->acks_owed < 255)
    c->acks_owed++;
  if (at_once || (c->flags & TCP__CF_NODELAY) || delack <= 0 ||
      c->acks_owed >= 2) {
    c->flags |= TCP__CF_ACK_NOW;
    return;
  }
  if (!(c->flags & TCP__CF_ACK_DELAY)) {
    c->flags |= TCP__CF_ACK_DELAY;
    tcp__timer_set(c, TCP__T_DELACK, tcp__deadline(sim_now(c->h->m->w), delack));
  }
}

static void send_syn(struct tcp__conn *c)
{
  struct tcp_hdr hd;
  bool ack = c->state != TCP_S_SYN_SENT;
  conn_hdr(c, &hd, (uint8_t)(TCP_F_SYN | (ack ? TCP_F_ACK : 0)), c->iss);
  if (c->retries == 0 && !(c->flags & TCP__CF_RTT)) {
    c->flags |= TCP__CF_RTT;
    c->rtt_seq = c->iss + 1;
    c->rtt_start_ns = sim_now(c->h->m->w);
  }
  c->snd_nxt = c->iss + 1;
  if (tcp_seq_gt(c->snd_nxt, c->snd_max))
    c->snd_max = c->snd_nxt;
  conn_send(c, &hd, 0);
  if (c->t_ns[TCP__T_RTX] == TCP__T_OFF)
    tcp__rtx_arm(c);
}

void tcp__output(struct tcp__conn *c)
{
  if (c->flags & TCP__CF_DEAD)
    return;
  switch ((enum tcp_state)c->state) {
  case TCP_S_CLOSED:
  case TCP_S_LISTEN:
  case TCP_S__COUNT:
    return;
  case TCP_S_SYN_SENT:
    if (!(c->flags & TCP__CF_DEFERRED) && c->snd_nxt == c->iss)
      send_syn(c);
    return;
  case TCP_S_TIME_WAIT:
    if (c->flags & TCP__CF_ACK_NOW)
      tcp__send_ack(c);
    return;
  case TCP_S_SYN_RCVD:
  case TCP_S_ESTABLISHED:
  case TCP_S_FIN_WAIT_1:
  case TCP_S_FIN_WAIT_2:
  case TCP_S_CLOSE_WAIT:
  case TCP_S_CLOSING:
  case TCP_S_LAST_ACK:
    break;
  }
  /* Our SYN (a SYN-ACK here) is unacknowledged and due again. */
  if (c->snd_nxt == c->iss) {
    send_syn(c);
    c->flags &= (uint16_t)~TCP__CF_RTX_ONE;
    return;
  }
  if (c->snd_una == c->iss &&
      !((c->flags & TCP__CF_FIN_QUEUED) && c->snd_end == c->iss + 1)) {
    /* SYN still in flight: no data before it is acknowledged. A FIN
     * with no data before it may go (RFC 9293 3.10.4, CLOSE in
     * SYN-RECEIVED: "form a FIN segment and send it"). */
    if (c->flags & TCP__CF_ACK_NOW)
      tcp__send_ack(c);
    return;
  }

  bool sent = false;
  bool one = (c->flags & TCP__CF_RTX_ONE) != 0;
  for (;;) {
    uint32_t wnd = c->snd_wnd;
    uint32_t wnd_end = c->snd_una + wnd;
    struct tcp_hdr hd;
    if (tcp_seq_lt(c->snd_nxt, c->snd_end)) {
      uint32_t n = c->snd_end - c->snd_nxt;
      uint32_t room = tcp_seq_gt(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;
      if (n > c->mss)
        n = c->mss;
      if (n > room)
        n = room;
      if (n == 0)
        break;
      bool last = c->snd_nxt + n == c->snd_end;
      conn_hdr(c, &hd, (uint8_t)(TCP_F_ACK | (last ? TCP_F_PSH : 0)), c->snd_nxt);
      if (tcp_seq_lt(c->snd_nxt, c->snd_max)) {
        c->h->m->st.retransmits++;
      } else if (!(c->flags & TCP__CF_RTT)) {
        c->flags |= TCP__CF_RTT;
        c->rtt_seq = c->snd_nxt + n;
        c->rtt_start_ns = sim_now(c->h->m->w);
      }
      conn_send(c, &hd, n);
      c->snd_nxt += n;
    } else if ((c->flags & TCP__CF_FIN_QUEUED) && c->snd_nxt == c->snd_end) {
      conn_hdr(c, &hd, TCP_F_FIN | TCP_F_ACK, c->snd_nxt);
      if (tcp_seq_lt(c->snd_nxt, c->snd_max))
        c->h->m->st.retransmits++;
      conn_send(c, &hd, 0);
      c->snd_nxt += 1;
    } else {
      break;
    }
    if (tcp_seq_gt(c->snd_nxt, c->snd_max))
      c->snd_max = c->snd_nxt;
    sent = true;
    if (one)
      break;
  }
  c->flags &= (uint16_t)~TCP__CF_RTX_ONE;
  if (!sent && (c->flags & TCP__CF_ACK_NOW))
    tcp__send_ack(c);
  if (c->t_ns[TCP__T_RTX] == TCP__T_OFF &&
      (c->snd_una != c->snd_max ||
       (c->snd_wnd == 0 && tcp_seq_lt(c->snd_nxt, c->snd_end))))
    tcp__rtx_arm(c);
}
