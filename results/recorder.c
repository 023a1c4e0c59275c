/*
 * recorder.c - the recorder: subscribes to a world's and a TCP module's
 * trace hooks and writes hosts, links, connections, transitions, segments,
 * host and app events, samples and metrics of one run, in batches of
 * RES_BATCH_ROWS rows per transaction. Axioms R1-R2 in results/res_int.h.
 *
 * Connections are learnt from the TCP transition hook (id, node, states);
 * their addresses from the segments they send (every TCP segment carries
 * its origin connection in its measurement tags), which is why the send
 * hook is subscribed at every level that writes connection rows (all but
 * `run`); their ISS and IRS from the module at ESTABLISHED
 * (tcp_trace_seqs), or from their SYN and first ACK before that. The
 * per-state counts behind the samples follow the transitions. The TCP hook
 * seg_accepted feeds the segs.* metrics: segments a connection accepted
 * from another incarnation than its peer (res_on_accepted).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/res_int.h"

/* ====================================================================== */
/* Live connections: linear probing keyed by id, backward-shift delete     */
/* ====================================================================== */

static size_t res_hash(uint64_t id, size_t cap)
{
  return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static struct res__conn *res_conn_find(struct res_recorder *r, uint64_t id)
{
  if (!r->conns_cap || !id)
    return NULL;
  for (size_t i = res_hash(id, r->conns_cap);; i = (i + 1) & (r->conns_cap - 1)) {
    if (r->conns[i].id == id)
      return &r->conns[i];
    if (r->conns[i].id == 0)
      return NULL;
  }
}

static int res_conn_grow(struct res_recorder *r)
{
  size_t ncap = r->conns_cap ? r->conns_cap * 2 : 256;
  struct res__conn *n = calloc(ncap, sizeof *n);
  if (!n)
    return RES_ENOMEM;
  for (size_t i = 0; i < r->conns_cap; i++) {
    if (!r->conns[i].id)
      continue;
    size_t j = res_hash(r->conns[i].id, ncap);
    while (n[j].id)
      j = (j + 1) & (ncap - 1);
    n[j] = r->conns[i];
  }
  free(r->conns);
  r->conns = n;
  r->conns_cap = ncap;
  return RES_OK;
}

/* A detail from the pool (its index), or RES__NO_DET when memory is out. */
static uint32_t res_det_alloc(struct res_recorder *r)
{
  uint32_t d;
  if (r->det_nfree) {
    d = r->det_free[--r->det_nfree];
  } else {
    if (r->det_len == r->det_cap) {
      if (r->det_cap >= UINT32_MAX / 4)
        return RES__NO_DET;
      uint32_t ncap = r->det_cap ? r->det_cap * 2 : 256;
      struct res__conn_det *n = realloc(r->det, ncap * sizeof *n);
      if (!n)
        return RES__NO_DET;
      r->det = n;
      uint32_t *f = realloc(r->det_free, ncap * sizeof *f);
      if (!f)
        return RES__NO_DET;
      r->det_free = f;
      r->det_cap = ncap;
    }
    d = r->det_len++;
  }
  struct res__conn_det *e = &r->det[d];
  memset(e, 0, sizeof *e);
  e->opened_ns = e->established_ns = -1;
  return d;
}

static struct res__conn_det *res_det(struct res_recorder *r,
                                     const struct res__conn *c)
{
  return c->det == RES__NO_DET ? NULL : &r->det[c->det];
}

static struct res__conn *res_conn_add(struct res_recorder *r, uint64_t id)
{
  if ((r->conns_len + 1) * 4 > r->conns_cap * 3 && res_conn_grow(r) != RES_OK)
    return NULL;
  uint32_t det = RES__NO_DET;
  if (r->level >= RES_TRACE_SUMMARY &&
      (det = res_det_alloc(r)) == RES__NO_DET)
    return NULL;
  size_t i = res_hash(id, r->conns_cap);
  while (r->conns[i].id)
    i = (i + 1) & (r->conns_cap - 1);
  memset(&r->conns[i], 0, sizeof r->conns[i]);
  r->conns[i].id = id;
  r->conns[i].det = det;
  r->conns[i].state = TCP_S_CLOSED;
  r->state_count[TCP_S_CLOSED]++;
  r->conns_len++;
  return &r->conns[i];
}

/* A connection's state, and the per-state counts the samples read. */
static void res_conn_state(struct res_recorder *r, struct res__conn *c,
                           enum tcp_state to)
{
  r->state_count[c->state]--;
  r->state_count[to]++;
  c->state = (uint8_t)to;
}

static void res_conn_del(struct res_recorder *r, struct res__conn *c)
{
  size_t mask = r->conns_cap - 1;
  size_t i = (size_t)(c - r->conns), j = i;
  r->state_count[c->state]--;
  if (c->det != RES__NO_DET)
    r->det_free[r->det_nfree++] = c->det;
  c->id = 0;
  r->conns_len--;
  /* Shift later members of the cluster back over the hole when their home
   * slot does not lie (cyclically) between the hole and them. */
  for (;;) {
    j = (j + 1) & mask;
    if (!r->conns[j].id)
      return;
    size_t k = res_hash(r->conns[j].id, r->conns_cap);
    if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
      r->conns[i] = r->conns[j];
      r->conns[j].id = 0;
      i = j;
    }
  }
}

/* ====================================================================== */
/* Writing                                                                 */
/* ====================================================================== */

static void res_fail(struct res_recorder *r, int err)
{
  if (r->err == RES_OK)
    r->err = err;
}

/* Count a row and commit the batch when it is full (R2). */
static int res_row(struct res_recorder *r, sqlite3_stmt *st, const char *what)
{
  int e = res__begin(r->db);
  if (e == RES_OK)
    e = res__step(r->db, st, what);
  if (e != RES_OK) {
    res_fail(r, e);
    return e;
  }
  r->rows++;
  if (++r->rows_in_batch >= RES_BATCH_ROWS) {
    r->rows_in_batch = 0;
    e = res__commit(r->db);
    if (e != RES_OK)
      res_fail(r, e);
  }
  return e;
}

/* SQLITE_STATIC: every row is stepped (and its bindings cleared, see
 * res__step) before the caller's buffers go out of scope, so SQLite need
 * not copy the text; callers use one buffer per bound column. */
static void res_text(sqlite3_stmt *st, int i, const char *s)
{
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

static void res_opt_int(sqlite3_stmt *st, int i, bool have, int64_t v)
{
  if (have)
    sqlite3_bind_int64(st, i, v);
  else
    sqlite3_bind_null(st, i);
}

static const char *const res_kind_name[] = {
  [RES__K_ACTIVE] = "active", [RES__K_PASSIVE] = "passive",
  [RES__K_LISTENER] = "listener",
};

/* "A.B.C.D:PORT" into buf (at least 22 bytes), without snprintf: two per
 * connection row. */
static const char *res_endpoint(char *buf, uint32_t addr, uint16_t port)
{
  sim_ipv4_format(addr, buf);
  char *p = buf + strlen(buf);
  *p++ = ':';
  p[res__dec(p, port)] = '\0';
  return buf;
}

/* Its `connections` row; closed_ns -1 and err TCP_OK for a connection
 * still open at the end. */
static void res_conn_write(struct res_recorder *r, const struct res__conn *c,
                           int64_t closed_ns, int err)
{
  sqlite3_stmt *st = r->db->stmts[RES__ST_CONN];
  char lep[32], rep[32];
  const struct res__conn_det *d = res_det(r, c);

  if (!d)
    return; /* `run`: outcomes are counted, not listed */

  sqlite3_bind_int64(st, 1, r->run_id);
  sqlite3_bind_int64(st, 2, (int64_t)c->id);
  sqlite3_bind_int64(st, 3, c->node);
  res_text(st, 4, res_kind_name[c->kind]);
  if (d->have_addr) {
    res_text(st, 5, res_endpoint(lep, d->laddr, d->lport));
    res_text(st, 6, res_endpoint(rep, d->raddr, d->rport));
  }
  res_opt_int(st, 7, d->have_iss, d->iss);
  res_opt_int(st, 8, d->have_irs, d->irs);
  res_opt_int(st, 9, d->opened_ns >= 0, d->opened_ns);
  res_opt_int(st, 10, d->established_ns >= 0, d->established_ns);
  res_opt_int(st, 11, closed_ns >= 0, closed_ns);
  res_text(st, 12, err != TCP_OK ? tcp_errname(err) : NULL);
  res_text(st, 13, tcp_state_name((enum tcp_state)c->state));
  res_row(r, st, "insert connection");
}

/* A connection's life is over (R1): write it and forget it. */
static void res_conn_retire(struct res_recorder *r, struct res__conn *c,
                            int err)
{
  if (c->kind != RES__K_LISTENER) {
    if (err == TCP_OK)
      r->outcome_ok++;
    else
      r->outcome_err++;
  }
  res_conn_write(r, c, sim_now(r->w), err);
  res_conn_del(r, c);
}

/* ====================================================================== */
/* TCP hooks                                                               */
/* ====================================================================== */

static void res_on_transition(void *ctx, struct tcp_module *m, uint32_t node,
                              uint64_t conn_id, enum tcp_state from,
                              enum tcp_state to, const char *cause)
{
  struct res_recorder *r = ctx;
  int64_t now;
  struct res__conn *c;

  if (r->finished)
    return;
  now = sim_now(r->w);
  c = res_conn_find(r, conn_id);
  if (!c) {
    c = res_conn_add(r, conn_id);
    if (!c) {
      res_fail(r, RES_ENOMEM);
      return;
    }
    r->conns_seen++;
    c->node = node;
    c->kind = to == TCP_S_LISTEN ? RES__K_LISTENER
            : to == TCP_S_SYN_SENT ? RES__K_ACTIVE : RES__K_PASSIVE;
    if (c->det != RES__NO_DET)
      r->det[c->det].opened_ns = now;
  }
  res_conn_state(r, c, to);
  struct res__conn_det *d = res_det(r, c);
  uint32_t iss, irs;
  if (d && to == TCP_S_ESTABLISHED) {
    if (d->established_ns < 0)
      d->established_ns = now;
    if (tcp_trace_seqs(m, &iss, &irs)) {
      /* the connection's own numbers, also when a SYN cookie made it */
      d->have_iss = d->have_irs = true;
      d->iss = iss;
      d->irs = irs;
    }
  }
  if (r->level >= RES_TRACE_TRANSITIONS) {
    sqlite3_stmt *st = r->db->stmts[RES__ST_TRANS];
    sqlite3_bind_int64(st, 1, r->run_id);
    sqlite3_bind_int64(st, 2, (int64_t)r->n_trans++);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, node);
    sqlite3_bind_int64(st, 5, (int64_t)conn_id);
    res_text(st, 6, tcp_state_name(from));
    res_text(st, 7, tcp_state_name(to));
    res_text(st, 8, cause);
    res_row(r, st, "insert transition");
  }
  /* Listeners and SYN-queue entries that die never get conn_closed... a
   * listener is done at CLOSED; connection blocks wait for conn_closed,
   * which follows their CLOSED and carries the error. */
  if (to == TCP_S_CLOSED && c->kind == RES__K_LISTENER)
    res_conn_retire(r, c, TCP_OK);
}

static void res_on_closed(void *ctx, struct tcp_module *m, uint32_t node,
                          uint64_t conn_id, int err)
{
  struct res_recorder *r = ctx;
  struct res__conn *c;

  if (r->finished || !(c = res_conn_find(r, conn_id)))
    return;
  res_conn_state(r, c, TCP_S_CLOSED);
  res_conn_retire(r, c, err);
}

/*
 * A segment that connection conn_id accepted (tcp.h seg_accepted). It is
 * stale, of another incarnation than the one the connection talks to,
 * when its origin tags show
 *   - an older boot of the sending host than the one it runs now
 *     ("older boot"), or else,
 *   - once the connection is synchronised, another sender connection or
 *     boot than the peer it was synchronised with ("other connection"),
 *     or a peer that was itself stale ("stale peer");
 *   - for the segment that synchronises it (the first one it accepts: the
 *     SYN, SYN-ACK or cookie ACK), a sender connection that no longer
 *     exists ("sender gone": an old duplicate).
 * Segments without an origin connection (a reset from a closed port, a
 * SYN cookie's SYN-ACK, spoofed SYNs) are counted as accepted only.
 */
static void res_on_accepted(void *ctx, struct tcp_module *m, uint32_t node,
                            uint64_t conn_id, const struct sim_packet *p)
{
  struct res_recorder *r = ctx;
  struct tcp_hdr h;

  (void)m;
  if (r->finished || tcp_packet_hdr(p, &h) != TCP_OK)
    return;
  r->segs_accepted++;
  if (!p->tags.conn_id)
    return;
  struct res__conn *c = res_conn_find(r, conn_id);
  const char *why = NULL;
  uint32_t owner;
  /* (no boot yet: every epoch is 0, so no segment is of an older one) */
  bool old_boot = sim_world_boots(r->w) &&
                  sim_addr_owner(r->w, p->src, &owner) == SIM_OK &&
                  p->tags.incarnation < sim_node_epoch(r->w, owner);
  if (old_boot) {
    why = "older boot";
  } else if (c && c->have_peer) {
    if (p->tags.conn_id != c->peer_id || p->tags.incarnation != c->peer_epoch)
      why = "other connection";
    else if (c->peer_stale)
      why = "stale peer";
  } else {
    const struct res__conn *o = res_conn_find(r, p->tags.conn_id);
    if (!o || o->state == TCP_S_CLOSED)
      why = "sender gone";
  }
  if (c && !c->have_peer) {
    c->have_peer = true;
    c->peer_id = p->tags.conn_id;
    c->peer_epoch = p->tags.incarnation;
    c->peer_stale = why != NULL;
  }
  if (!why)
    return;
  r->stale_accepted++;
  if (old_boot)
    r->stale_old_boot++;
  r->stale_bytes += p->payload_len;
  if (r->level >= RES_TRACE_TRANSITIONS) {
    char f[8], d[160];
    snprintf(d, sizeof d,
             "%s seq=%" PRIu32 " ack=%" PRIu32 " len=%" PRIu32
             " from conn %" PRIu64 " boot %" PRIu32 ": %s",
             tcp_flags_str(h.flags, f), h.seq, h.ack, p->payload_len,
             p->tags.conn_id, p->tags.incarnation, why);
    (void)res_app_event(r, node, conn_id, sim_now(r->w), "stale_accepted", d);
  }
}

static void res_seg_row(struct res_recorder *r, const char *event,
                        uint32_t node, uint32_t link,
                        const struct sim_packet *p, const struct tcp_hdr *h,
                        const char *reason)
{
  sqlite3_stmt *st = r->db->stmts[RES__ST_SEG];
  char sa[16], da[16], f[8];

  sqlite3_bind_int64(st, 1, r->run_id);
  sqlite3_bind_int64(st, 2, (int64_t)r->n_segs++);
  sqlite3_bind_int64(st, 3, sim_now(r->w));
  res_text(st, 4, event);
  sqlite3_bind_int64(st, 5, node);
  res_opt_int(st, 6, link != UINT32_MAX, link);
  res_opt_int(st, 7, p->tags.conn_id != 0, (int64_t)p->tags.conn_id);
  sqlite3_bind_int64(st, 8, p->tags.incarnation);
  res_text(st, 9, sim_ipv4_format(p->src, sa));
  sqlite3_bind_int64(st, 10, h->sport);
  res_text(st, 11, sim_ipv4_format(p->dst, da));
  sqlite3_bind_int64(st, 12, h->dport);
  res_text(st, 13, tcp_flags_str(h->flags, f));
  sqlite3_bind_int64(st, 14, h->seq);
  sqlite3_bind_int64(st, 15, h->ack);
  sqlite3_bind_int64(st, 16, p->payload_len);
  sqlite3_bind_int64(st, 17, h->win);
  res_text(st, 18, reason);
  sqlite3_bind_int64(st, 19, (p->flags & SIM_PKTF_HELD) != 0);
  sqlite3_bind_int64(st, 20, (p->flags & SIM_PKTF_DUPLICATE) != 0);
  res_row(r, st, "insert segment");
}

static void res_on_seg_dropped(void *ctx, struct tcp_module *m, uint32_t node,
                               const struct sim_packet *p, const char *reason)
{
  struct res_recorder *r = ctx;
  struct tcp_hdr h;

  if (r->finished || r->level < RES_TRACE_SEGMENTS ||
      tcp_packet_hdr(p, &h) != TCP_OK)
    return;
  res_seg_row(r, "drop", node, UINT32_MAX, p, &h, reason);
}

/* ====================================================================== */
/* Core hooks                                                              */
/* ====================================================================== */

static bool res_is_host(const struct res_recorder *r, uint32_t node)
{
  return node < r->nnodes && r->node_is_host[node];
}

static void res_on_send(void *ctx, struct sim_world *w, uint32_t node,
                        uint32_t link, int dir, const struct sim_packet *p)
{
  struct res_recorder *r = ctx;
  struct tcp_hdr h;

  /* Routers forward the same packet again: only a host's send is the
   * segment leaving its origin. */
  if (r->finished || !res_is_host(r, node) || tcp_packet_hdr(p, &h) != TCP_OK)
    return;
  struct res__conn *c = res_conn_find(r, p->tags.conn_id);
  struct res__conn_det *d = c ? res_det(r, c) : NULL;
  if (d && c->node == node && !(p->flags & SIM_PKTF_DUPLICATE)) {
    if (!d->have_addr) {
      d->have_addr = true;
      d->laddr = p->src;
      d->raddr = p->dst;
      d->lport = h.sport;
      d->rport = h.dport;
    }
    if ((h.flags & TCP_F_SYN) && !d->have_iss) {
      d->have_iss = true;
      d->iss = h.seq;
    }
    /* The first ACK a synchronising connection sends acknowledges the
     * peer's SYN: ack - 1 is the IRS. */
    if ((h.flags & TCP_F_ACK) && !(h.flags & TCP_F_RST) && !d->have_irs) {
      d->have_irs = true;
      d->irs = h.ack - 1;
    }
  }
  if (r->level >= RES_TRACE_SEGMENTS)
    res_seg_row(r, "send", node, link, p, &h, NULL);
}

static void res_on_recv(void *ctx, struct sim_world *w, uint32_t node,
                        const struct sim_packet *p)
{
  struct res_recorder *r = ctx;
  struct tcp_hdr h;

  if (r->finished || r->level < RES_TRACE_SEGMENTS ||
      tcp_packet_hdr(p, &h) != TCP_OK)
    return;
  res_seg_row(r, "recv", node, UINT32_MAX, p, &h, NULL);
}

static void res_on_drop(void *ctx, struct sim_world *w, uint32_t node,
                        uint32_t link, enum sim_drop_reason why,
                        const struct sim_packet *p)
{
  struct res_recorder *r = ctx;
  struct tcp_hdr h;

  if (r->finished || r->level < RES_TRACE_SEGMENTS ||
      tcp_packet_hdr(p, &h) != TCP_OK)
    return;
  res_seg_row(r, "drop", node, link, p, &h, sim_drop_reason_name(why));
}

static void res_on_host(void *ctx, struct sim_world *w, uint32_t node,
                        enum sim_host_event ev, uint32_t epoch)
{
  struct res_recorder *r = ctx;

  if (r->finished || r->level < RES_TRACE_TRANSITIONS)
    return;
  sqlite3_stmt *st = r->db->stmts[RES__ST_HOSTEV];
  sqlite3_bind_int64(st, 1, r->run_id);
  sqlite3_bind_int64(st, 2, (int64_t)r->n_hostev++);
  sqlite3_bind_int64(st, 3, sim_now(w));
  sqlite3_bind_int64(st, 4, node);
  res_text(st, 5, ev == SIM_HOST_POWER_OFF ? "poweroff" : "boot");
  sqlite3_bind_int64(st, 6, epoch);
  res_row(r, st, "insert host event");
}

static const struct sim_trace_ops res_sim_ops = {
  .pkt_send = res_on_send,
  .pkt_recv = res_on_recv,
  .pkt_drop = res_on_drop,
  .host = res_on_host,
};

static const struct tcp_trace_ops res_tcp_ops = {
  .transition = res_on_transition,
  .seg_dropped = res_on_seg_dropped,
  .conn_closed = res_on_closed,
  .seg_accepted = res_on_accepted,
};

/* ====================================================================== */
/* API                                                                     */
/* ====================================================================== */

static const char *const res_level_names[] = {
  [RES_TRACE_RUN] = "run",
  [RES_TRACE_SUMMARY] = "summary",
  [RES_TRACE_TRANSITIONS] = "transitions",
  [RES_TRACE_SEGMENTS] = "segments",
};

const char *res_trace_level_name(enum res_trace_level l)
{
  return (unsigned)l <= RES_TRACE_SEGMENTS ? res_level_names[l] : "?";
}

int res_trace_level_parse(const char *s, enum res_trace_level *out)
{
  for (int i = 0; s && i <= (int)RES_TRACE_SEGMENTS; i++)
    if (!strcmp(s, res_level_names[i])) {
      *out = (enum res_trace_level)i;
      return RES_OK;
    }
  return RES_EINVAL;
}

int res_recorder_attach(struct res_db *db, int64_t run_id,
                        struct sim_world *w, struct tcp_module *m,
                        enum res_trace_level level,
                        struct res_recorder **out)
{
  struct res_recorder *r;
  char a[16];

  if (!db || !w || !out || (unsigned)level > RES_TRACE_SEGMENTS)
    return RES_EINVAL;
  r = calloc(1, sizeof *r);
  if (!r)
    return RES_ENOMEM;
  r->db = db;
  r->run_id = run_id;
  r->w = w;
  r->m = m;
  r->level = level;
  r->nnodes = sim_node_count(w);
  r->node_is_host = calloc(r->nnodes ? r->nnodes : 1, 1);
  if (!r->node_is_host) {
    free(r);
    return RES_ENOMEM;
  }
  for (uint32_t n = 0; n < r->nnodes; n++) {
    sqlite3_stmt *st = db->stmts[RES__ST_HOST];
    uint32_t addr = sim_node_addr(w, n);
    bool host = sim_node_kind(w, n) == SIM_NODE_HOST;
    r->node_is_host[n] = host;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, n);
    res_text(st, 3, sim_node_name(w, n));
    res_text(st, 4, host ? "host" : "router");
    res_text(st, 5, addr ? sim_ipv4_format(addr, a) : NULL);
    res_row(r, st, "insert host");
  }
  for (uint32_t l = 0; l < sim_link_count(w); l++) {
    sqlite3_stmt *st = db->stmts[RES__ST_LINK];
    uint32_t na = 0, nb = 0;
    sim_link_ends(w, l, &na, &nb);
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, l);
    sqlite3_bind_int64(st, 3, na);
    sqlite3_bind_int64(st, 4, nb);
    res_row(r, st, "insert link");
  }
  /* The core's packet hooks feed connection rows (addresses) and the
   * segments and host_events tables: the run level needs none of them. */
  if (r->err != RES_OK ||
      (level > RES_TRACE_RUN &&
       sim_trace_subscribe(w, &res_sim_ops, r) != SIM_OK) ||
      (m && tcp_trace_subscribe(m, &res_tcp_ops, r) != TCP_OK)) {
    int e = r->err != RES_OK ? r->err : RES_ENOMEM;
    /* Subscribed hooks would outlive r: keep it, inert, rather than free. */
    r->finished = true;
    *out = r;
    return e;
  }
  *out = r;
  return RES_OK;
}

int res_app_event(struct res_recorder *r, uint32_t node, uint64_t conn_id,
                  int64_t t_ns, const char *what, const char *detail)
{
  if (!r || !what)
    return RES_EINVAL;
  if (r->finished || r->level < RES_TRACE_TRANSITIONS)
    return RES_OK;
  sqlite3_stmt *st = r->db->stmts[RES__ST_APP];
  sqlite3_bind_int64(st, 1, r->run_id);
  sqlite3_bind_int64(st, 2, (int64_t)r->n_app++);
  sqlite3_bind_int64(st, 3, t_ns);
  sqlite3_bind_int64(st, 4, node);
  res_opt_int(st, 5, conn_id != 0, (int64_t)conn_id);
  res_text(st, 6, what);
  res_text(st, 7, detail);
  return res_row(r, st, "insert app event");
}

int res_sample(struct res_recorder *r, const char *name, double value)
{
  if (!r || !name)
    return RES_EINVAL;
  if (r->finished)
    return RES_OK;
  sqlite3_stmt *st = r->db->stmts[RES__ST_SAMPLE];
  sqlite3_bind_int64(st, 1, r->run_id);
  sqlite3_bind_int64(st, 2, (int64_t)r->n_samples++);
  sqlite3_bind_int64(st, 3, sim_now(r->w));
  res_text(st, 4, name);
  sqlite3_bind_double(st, 5, value);
  return res_row(r, st, "insert sample");
}

int res_recorder_sample_states(struct res_recorder *r)
{
  char name[32];
  int e = RES_OK;

  if (!r)
    return RES_EINVAL;
  /* O(states): the counts follow every transition (res_conn_state) */
  for (int s = TCP_S_LISTEN; s < TCP_S__COUNT && e == RES_OK; s++) {
    snprintf(name, sizeof name, "conns.%s", tcp_state_name((enum tcp_state)s));
    e = res_sample(r, name, (double)r->state_count[s]);
  }
  if (r->m && e == RES_OK) {
    /* the listeners' queues: half-open entries (SYN queues and caches)
     * and connections waiting to be accepted */
    struct tcp_stats st;
    tcp_stats_get(r->m, &st);
    e = res_sample(r, "listen.half_open", (double)st.half_open);
    if (e == RES_OK)
      e = res_sample(r, "listen.accept_queue", (double)st.accept_queued);
  }
  return e;
}

static void res_metric(struct res_recorder *r, const char *name, double v)
{
  sqlite3_stmt *st = r->db->stmts[RES__ST_METRIC];
  sqlite3_bind_int64(st, 1, r->run_id);
  res_text(st, 2, name);
  sqlite3_bind_double(st, 3, v);
  res_row(r, st, "insert metric");
}

int res_recorder_metric(struct res_recorder *r, const char *name,
                        double value)
{
  if (!r || !name)
    return RES_EINVAL;
  if (r->finished)
    return RES_OK;
  res_metric(r, name, value);
  return r->err;
}

static int res_conn_cmp_id(const void *a, const void *b)
{
  uint64_t x = (*(struct res__conn *const *)a)->id;
  uint64_t y = (*(struct res__conn *const *)b)->id;
  return x < y ? -1 : x > y;
}

int res_recorder_finish(struct res_recorder *r)
{
  if (!r)
    return RES_EINVAL;
  if (r->finished)
    return r->err;
  /* Connections still alive at the end: written as they are (no
   * closed_ns), counted as open. Visit in id order so that the digest's
   * input order does not depend on the hash layout (it is ordered by key
   * anyway, but the row counts per batch then are deterministic too). */
  uint64_t open_conns = 0;
  size_t nlive = 0;
  struct res__conn **live = malloc((r->conns_len ? r->conns_len : 1) *
                                   sizeof *live);
  if (!live) {
    res_fail(r, RES_ENOMEM);
    return r->err;
  }
  for (size_t i = 0; i < r->conns_cap; i++)
    if (r->conns[i].id)
      live[nlive++] = &r->conns[i];
  qsort(live, nlive, sizeof *live, res_conn_cmp_id);
  for (size_t i = 0; i < nlive; i++) {
    if (live[i]->kind != RES__K_LISTENER)
      open_conns++;
    res_conn_write(r, live[i], -1, TCP_OK);
  }
  free(live);
  while (r->conns_len) /* forget them, table order no longer matters */
    for (size_t i = 0; i < r->conns_cap; i++)
      if (r->conns[i].id)
        res_conn_del(r, &r->conns[i]);
  for (uint32_t l = 0; l < sim_link_count(r->w); l++) {
    struct sim_link_stats ab = {0}, ba = {0};
    sim_link_stats(r->w, l, 0, &ab);
    sim_link_stats(r->w, l, 1, &ba);
    sqlite3_stmt *st = r->db->stmts[RES__ST_LINK_STATS];
    sqlite3_bind_int64(st, 1, r->run_id);
    sqlite3_bind_int64(st, 2, l);
    sqlite3_bind_int64(st, 3, (int64_t)ab.delivered);
    sqlite3_bind_int64(st, 4, (int64_t)ba.delivered);
    sqlite3_bind_int64(st, 5, (int64_t)ab.bytes);
    sqlite3_bind_int64(st, 6, (int64_t)ba.bytes);
    sqlite3_bind_int64(st, 7, (int64_t)(ab.lost + ba.lost));
    sqlite3_bind_int64(st, 8, (int64_t)(ab.queue_drops + ba.queue_drops));
    sqlite3_bind_int64(st, 9, (int64_t)(ab.down_drops + ba.down_drops));
    res_row(r, st, "update link");
  }
  for (int d = 0; d < SIM_DROP__COUNT; d++) {
    char name[48];
    snprintf(name, sizeof name, "drops.%s",
             sim_drop_reason_name((enum sim_drop_reason)d));
    res_metric(r, name,
               (double)sim_drop_count(r->w, (enum sim_drop_reason)d));
  }
  if (r->m) {
    struct tcp_stats s;
    tcp_stats_get(r->m, &s);
    res_metric(r, "tcp.segs_in", (double)s.segs_in);
    res_metric(r, "tcp.segs_out", (double)s.segs_out);
    res_metric(r, "tcp.retransmits", (double)s.retransmits);
    res_metric(r, "tcp.rst_out", (double)s.rst_out);
    res_metric(r, "tcp.rst_in", (double)s.rst_in);
    res_metric(r, "tcp.challenge_acks", (double)s.challenge_acks);
    res_metric(r, "tcp.acks_ratelimited", (double)s.acks_ratelimited);
    res_metric(r, "tcp.bad_segs", (double)s.bad_segs);
    res_metric(r, "tcp.syn_queue_drops", (double)s.syn_queue_drops);
    res_metric(r, "tcp.syn_recycled", (double)s.syn_recycled);
    res_metric(r, "tcp.syncache_bucket_overflows",
               (double)s.syncache_bucket_overflows);
    res_metric(r, "tcp.syncookies_sent", (double)s.syncookies_sent);
    res_metric(r, "tcp.syncookies_validated", (double)s.syncookies_validated);
    res_metric(r, "tcp.syncookies_failed", (double)s.syncookies_failed);
    res_metric(r, "tcp.synacks_sent", (double)s.synacks_sent);
    res_metric(r, "tcp.accept_queue_drops", (double)s.accept_queue_drops);
    res_metric(r, "tcp.conns_opened", (double)s.conns_opened);
    res_metric(r, "tcp.conns_closed", (double)s.conns_closed);
    res_metric(r, "tcp.fault_tw_acks_dropped", (double)s.fault_tw_acks_dropped);
    res_metric(r, "segs.accepted", (double)r->segs_accepted);
    res_metric(r, "segs.stale_accepted", (double)r->stale_accepted);
    res_metric(r, "segs.stale_old_boot", (double)r->stale_old_boot);
    res_metric(r, "segs.stale_bytes", (double)r->stale_bytes);
  }
  res_metric(r, "conns.seen", (double)r->conns_seen);
  res_metric(r, "conns.ok", (double)r->outcome_ok);
  res_metric(r, "conns.error", (double)r->outcome_err);
  res_metric(r, "conns.open_at_end", (double)open_conns);
  r->finished = true;
  int e = res__commit(r->db);
  if (e != RES_OK)
    res_fail(r, e);
  if (r->err == RES_OK) {
    e = res_run_digest(r->db, r->run_id, r->digest);
    if (e != RES_OK)
      res_fail(r, e);
  }
  return r->err;
}

const char *res_recorder_digest(const struct res_recorder *r)
{
  return r ? r->digest : "";
}

uint64_t res_recorder_rows(const struct res_recorder *r)
{
  return r ? r->rows : 0;
}

int res_recorder_error(const struct res_recorder *r)
{
  return r ? r->err : RES_EINVAL;
}

void res_recorder_free(struct res_recorder *r)
{
  if (!r)
    return;
  free(r->conns);
  free(r->det);
  free(r->det_free);
  free(r->node_is_host);
  free(r);
}
