/*
 * icmp.c - ICMP echo (RFC 792) as a protocol module, and the ping
 * application built on it.
 *
 * Every host answers echo requests addressed to it. A ping sends requests
 * on a fixed interval from one node and records round-trip times of the
 * replies. It is the smallest real transport in the tree, which makes it
 * the default job of the command line and a probe for the core's links,
 * routing and faults without the TCP module.
 *
 * The transport header area of a packet holds struct icmp_l4 below: the
 * wire fields plus the full 32-bit sequence number and the send time, which
 * a real ping carries in its payload. Only this file reads it.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/exp.h"

/* ====================================================================== */
/* Types                                                                   */
/* ====================================================================== */

enum { ICMP_ECHO_REPLY = 0, ICMP_ECHO_REQUEST = 8, ICMP_HDR_LEN = 8 };

struct icmp_l4 {
  uint8_t type;
  uint8_t code;
  uint16_t id;      /* ping id */
  uint32_t seq;     /* full sequence; the wire carries its low 16 bits */
  int64_t sent_ns;  /* when the request left its host (echoed back) */
};

struct ping {
  struct sim_event ev;  /* next request */
  struct exp_icmp *m;
  uint32_t id;
  struct exp_ping_cfg cfg;
  struct exp_ping_stats st;
  uint32_t next_seq;
  uint8_t *seen;        /* bitmap of sequences already answered */
  size_t seen_bytes;
};

struct exp_icmp {
  struct sim_world *w;
  struct sim_proto_ops ops;
  struct ping **pings;  /* pointers: events embedded in pings never move */
  uint32_t npings;
  uint32_t cap;
  uint64_t replies_sent;
};

/* ====================================================================== */
/* Private functions                                                       */
/* ====================================================================== */

static void l4_get(const struct sim_packet *p, struct icmp_l4 *h)
{
  memcpy(h, p->l4, sizeof *h);
}

static void l4_put(struct sim_packet *p, const struct icmp_l4 *h)
{
  memcpy(p->l4, h, sizeof *h);
  p->l4_hdr_len = ICMP_HDR_LEN;
}

static void *icmp_attach(struct sim_world *w, uint32_t node, void *ctx)
{
  return ctx; /* no per-host state: every host answers alike */
}

static void icmp_answer(struct exp_icmp *m, uint32_t node,
                        const struct sim_packet *req, const struct icmp_l4 *h)
{
  struct sim_packet *rep = sim_packet_alloc(m->w);
  if (!rep)
    return; /* out of memory: a lost reply, as a loaded host would lose it */
  struct icmp_l4 r = *h;
  r.type = ICMP_ECHO_REPLY;
  rep->src = req->dst;
  rep->dst = req->src;
  rep->proto = 1;
  rep->payload_len = req->payload_len;
  l4_put(rep, &r);
  rep->tags.incarnation = sim_node_epoch(m->w, node);
  rep->tags.sent_ns = sim_now(m->w);
  m->replies_sent++;
  (void)sim_ip_output(m->w, node, rep); /* drops are counted by the core */
}

static void ping_got_reply(struct exp_icmp *m, uint32_t node,
                           const struct icmp_l4 *h)
{
  if (h->id >= m->npings)
    return;
  struct ping *pg = m->pings[h->id];
  if (pg->cfg.src_node != node || h->seq >= pg->next_seq)
    return; /* not ours, or a sequence never sent: ignore as ping does */
  size_t byte = h->seq / 8;
  uint8_t bit = (uint8_t)(1u << (h->seq % 8));
  if (pg->seen[byte] & bit) {
    pg->st.duplicates++;
    return;
  }
  pg->seen[byte] |= bit;
  int64_t rtt = sim_now(m->w) - h->sent_ns;
  if (pg->st.received == 0 || rtt < pg->st.rtt_min_ns)
    pg->st.rtt_min_ns = rtt;
  if (rtt > pg->st.rtt_max_ns)
    pg->st.rtt_max_ns = rtt;
  pg->st.rtt_sum_ns += rtt;
  pg->st.received++;
}

static void icmp_rx(struct sim_world *w, uint32_t node, void *host_state,
                    struct sim_packet *p)
{
  struct exp_icmp *m = host_state;
  struct icmp_l4 h;
  l4_get(p, &h);
  if (h.type == ICMP_ECHO_REQUEST)
    icmp_answer(m, node, p, &h);
  else if (h.type == ICMP_ECHO_REPLY)
    ping_got_reply(m, node, &h);
  sim_packet_free(w, p);
}

/* Wire header: type, code, checksum, identifier, sequence (RFC 792). The
 * checksum covers the payload too; payload bytes that are not kept are
 * zeros and add nothing to it. */
static int icmp_encode(const struct sim_packet *p, uint8_t *buf, size_t cap)
{
  struct icmp_l4 h;
  if (cap < ICMP_HDR_LEN)
    return SIM_ENOSPC;
  l4_get(p, &h);
  buf[0] = h.type;
  buf[1] = h.code;
  buf[2] = buf[3] = 0;
  buf[4] = (uint8_t)(h.id >> 8);
  buf[5] = (uint8_t)h.id;
  buf[6] = (uint8_t)(h.seq >> 8);
  buf[7] = (uint8_t)h.seq;
  uint64_t sum = sim_csum_add(0, buf, ICMP_HDR_LEN);
  if (p->payload)
    sum = sim_csum_add(sum, p->payload, p->payload_len);
  uint16_t c = (uint16_t)~sim_csum_fold(sum);
  buf[2] = (uint8_t)(c >> 8);
  buf[3] = (uint8_t)c;
  return ICMP_HDR_LEN;
}

static int icmp_decode(struct sim_packet *p, const uint8_t *buf, size_t len)
{
  if (len < ICMP_HDR_LEN || sim_csum_fold(sim_csum_add(0, buf, len)) != 0xffff)
    return SIM_EMALFORMED;
  struct icmp_l4 h = {0};
  h.type = buf[0];
  h.code = buf[1];
  h.id = (uint16_t)(buf[4] << 8 | buf[5]);
  h.seq = (uint32_t)(buf[6] << 8 | buf[7]);
  l4_put(p, &h);
  p->payload_len = (uint32_t)(len - ICMP_HDR_LEN);
  return SIM_OK;
}

static void ping_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct ping *pg = arg;
  uint32_t node = pg->cfg.src_node;

  if (pg->cfg.count && pg->next_seq >= pg->cfg.count)
    return;
  if (pg->next_seq / 8 >= pg->seen_bytes) {
    size_t nb = pg->seen_bytes ? pg->seen_bytes * 2 : 64;
    uint8_t *s = realloc(pg->seen, nb);
    if (!s)
      return; /* out of memory: the ping stops */
    memset(s + pg->seen_bytes, 0, nb - pg->seen_bytes);
    pg->seen = s;
    pg->seen_bytes = nb;
  }
  struct sim_packet *p = sim_packet_alloc(w);
  if (!p)
    return;
  struct icmp_l4 h = {
      .type = ICMP_ECHO_REQUEST, .id = (uint16_t)pg->id,
      .seq = pg->next_seq++, .sent_ns = sim_now(w)};
  p->src = sim_node_addr(w, node);
  p->dst = pg->cfg.dst_addr;
  p->proto = 1;
  p->payload_len = pg->cfg.size_bytes;
  l4_put(p, &h);
  p->tags.incarnation = sim_node_epoch(w, node);
  p->tags.sent_ns = sim_now(w);
  pg->st.sent++;
  (void)sim_ip_output(w, node, p);

  if (!pg->cfg.count || pg->next_seq < pg->cfg.count)
    (void)sim_schedule_in(w, &pg->ev, pg->cfg.interval_ns);
}

/* ====================================================================== */
/* API                                                                     */
/* ====================================================================== */

struct exp_icmp *exp_icmp_install(struct sim_world *w)
{
  struct exp_icmp *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->w = w;
  m->ops = (struct sim_proto_ops){
      .ipproto = 1, .name = "icmp", .attach = icmp_attach, .rx = icmp_rx,
      .encode = icmp_encode, .decode = icmp_decode};
  if (sim_proto_register(w, &m->ops, m) != SIM_OK) {
    free(m);
    return NULL;
  }
  return m;
}

void exp_icmp_free(struct exp_icmp *m)
{
  if (!m)
    return;
  for (uint32_t i = 0; i < m->npings; i++) {
    free(m->pings[i]->seen);
    free(m->pings[i]);
  }
  free(m->pings);
  free(m);
}

int exp_ping_start(struct exp_icmp *m, const struct exp_ping_cfg *cfg,
                   uint32_t *id_out)
{
  if (cfg->src_node >= sim_node_count(m->w) || cfg->interval_ns <= 0 ||
      cfg->start_ns < sim_now(m->w))
    return SIM_EINVAL;
  if (m->npings >= UINT16_MAX)
    return SIM_ERANGE; /* the identifier field is 16 bits */
  if (m->npings == m->cap) {
    uint32_t nc = m->cap ? m->cap * 2 : 16;
    struct ping **np = realloc(m->pings, nc * sizeof *np);
    if (!np)
      return SIM_ENOMEM;
    m->pings = np;
    m->cap = nc;
  }
  struct ping *pg = calloc(1, sizeof *pg);
  if (!pg)
    return SIM_ENOMEM;
  pg->m = m;
  pg->id = m->npings;
  pg->cfg = *cfg;
  sim_event_init(&pg->ev, ping_fire, pg);
  int rc = sim_schedule_at(m->w, &pg->ev, cfg->start_ns);
  if (rc != SIM_OK) {
    free(pg);
    return rc;
  }
  m->pings[m->npings++] = pg;
  if (id_out)
    *id_out = pg->id;
  return SIM_OK;
}

int exp_ping_stats(const struct exp_icmp *m, uint32_t id,
                   struct exp_ping_stats *out)
{
  if (id >= m->npings)
    return SIM_ENOENT;
  *out = m->pings[id]->st;
  return SIM_OK;
}

uint32_t exp_ping_count(const struct exp_icmp *m)
{
  return m->npings;
}

uint64_t exp_icmp_replies_sent(const struct exp_icmp *m)
{
  return m->replies_sent;
}
