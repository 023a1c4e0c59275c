/*
 * tcp_harness.c - the TCP scenario harness; what it records and how to
 * read its ladder is described in tcp_harness.h.
 */
#include "tests/support/tcp_harness.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ====================================================================== */
/* Records                                                                 */
/* ====================================================================== */

#define TH_MAX_ARCS 256
static uint64_t arc_total[TH_MAX_ARCS];

uint64_t th_arc_total(size_t i)
{
  return i < TH_MAX_ARCS ? arc_total[i] : 0;
}

static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
  if (n < *cap)
    return arr;
  size_t nc = *cap ? *cap * 2 : 64;
  void *na = realloc(arr, nc * elem);
  assert_non_null(na);
  *cap = nc;
  return na;
}

static struct th_seg *seg_by_uid(struct th *h, uint64_t uid)
{
  /* Recent segments first: drops follow their send closely. */
  for (size_t i = h->nsegs; i-- > 0;)
    if (h->segs[i].uid == uid)
      return &h->segs[i];
  return NULL;
}

static void record_seg(struct th *h, uint32_t node, const struct sim_packet *p,
                       const char *fate)
{
  struct tcp_hdr hd;
  if (p->proto != 6 || tcp_packet_hdr(p, &hd) != TCP_OK)
    return;
  if (p->flags & SIM_PKTF_DUPLICATE)
    return;
  h->segs = grow(h->segs, &h->capsegs, h->nsegs, sizeof *h->segs);
  struct th_seg *s = &h->segs[h->nsegs++];
  memset(s, 0, sizeof *s);
  s->order = h->order++;
  s->t_ns = sim_now(h->w);
  s->uid = p->uid;
  s->node = node;
  s->src = p->src;
  s->dst = p->dst;
  s->h = hd;
  s->len = p->payload_len;
  tcp_flags_str(hd.flags, s->flags);
  s->injected = h->inject_uid != 0 && p->uid == h->inject_uid;
  s->fate = fate;
  s->fate_node = fate ? node : TH_NONE;
}

static void on_pkt_send(void *ctx, struct sim_world *w, uint32_t node,
                        uint32_t link, int dir, const struct sim_packet *p)
{
  struct th *h = ctx;
  (void)link;
  (void)dir;
  if (sim_node_kind(w, node) != SIM_NODE_HOST || p->proto != 6)
    return;
  if (seg_by_uid(h, p->uid))
    return; /* a hold-and-release or a second hop: already recorded */
  record_seg(h, node, p, NULL);
}

static void on_pkt_drop(void *ctx, struct sim_world *w, uint32_t node,
                        uint32_t link, enum sim_drop_reason why,
                        const struct sim_packet *p)
{
  struct th *h = ctx;
  (void)link;
  if (p->proto != 6)
    return;
  struct th_seg *s = seg_by_uid(h, p->uid);
  if (s) {
    s->fate = sim_drop_reason_name(why);
    s->fate_node = node;
    return;
  }
  /* Never left its host: TCP tried to send it all the same. */
  if (node != UINT32_MAX && sim_node_kind(w, node) == SIM_NODE_HOST)
    record_seg(h, node, p, sim_drop_reason_name(why));
}

int th_arc_index(enum tcp_state from, enum tcp_state to)
{
  size_t n;
  const struct tcp_arc *arcs = tcp_arcs(&n);
  for (size_t i = 0; i < n; i++)
    if (arcs[i].from == from && arcs[i].to == to)
      return (int)i;
  return -1;
}

static void on_transition(void *ctx, struct tcp_module *m, uint32_t node,
                          uint64_t conn_id, enum tcp_state from,
                          enum tcp_state to, const char *cause)
{
  struct th *h = ctx;
  (void)m;
  h->tr = grow(h->tr, &h->captr, h->ntr, sizeof *h->tr);
  struct th_trans *t = &h->tr[h->ntr++];
  memset(t, 0, sizeof *t);
  t->order = h->order++;
  t->t_ns = sim_now(h->w);
  t->node = node;
  t->conn = conn_id;
  t->from = from;
  t->to = to;
  snprintf(t->cause, sizeof t->cause, "%s", cause ? cause : "(null)");
  t->declared = th_arc_index(from, to) >= 0;
  if (!t->declared)
    h->undeclared++;
}

static void on_seg_dropped(void *ctx, struct tcp_module *m, uint32_t node,
                           const struct sim_packet *p, const char *reason)
{
  struct th *h = ctx;
  (void)m;
  h->dr = grow(h->dr, &h->capdr, h->ndr, sizeof *h->dr);
  struct th_drop *d = &h->dr[h->ndr++];
  memset(d, 0, sizeof *d);
  d->order = h->order++;
  d->t_ns = sim_now(h->w);
  d->node = node;
  d->reason = reason; /* a short fixed string (tcp.h) */
  struct tcp_hdr hd;
  if (p && tcp_packet_hdr(p, &hd) == TCP_OK) {
    tcp_flags_str(hd.flags, d->flags);
    d->seq = hd.seq;
    d->ack = hd.ack;
    d->len = p->payload_len;
  }
}

static void on_conn_closed(void *ctx, struct tcp_module *m, uint32_t node,
                           uint64_t conn_id, int err)
{
  struct th *h = ctx;
  (void)m;
  h->cl = grow(h->cl, &h->capcl, h->ncl, sizeof *h->cl);
  struct th_closed *c = &h->cl[h->ncl++];
  c->order = h->order++;
  c->t_ns = sim_now(h->w);
  c->node = node;
  c->conn = conn_id;
  c->err = err;
}

/* ====================================================================== */
/* Building                                                                */
/* ====================================================================== */

int th_setup(void **state)
{
  struct th *h = calloc(1, sizeof *h);
  if (!h)
    return -1;
  *state = h;
  return 0;
}

int th_teardown(void **state)
{
  struct th *h = *state;
  int rc = 0;
  if (h && h->started && h->undeclared) {
    fprintf(stderr, "[harness] %" PRIu64 " undeclared transition(s):\n",
            h->undeclared);
    th_print(h, stderr);
    rc = -1;
  }
  if (h && h->started && getenv("TH_LADDER"))
    th_print(h, stderr); /* TH_LADDER=1: show every scenario's ladder */
  if (h)
    th_free(h);
  free(h);
  *state = NULL;
  return rc;
}

void th_init(struct th *h, enum tcp_profile p, enum th_topo topo)
{
  memset(h, 0, sizeof *h);
  h->profile = p;
  tcp_settings_init(&h->set, p);
  h->set.quiet_time = false;
  sim_link_params_default(&h->lp);
  h->lp.rate_bps = 0;
  h->lp.delay_ns = 1 * SIM_MS;
  h->lp.queue_pkts = 1000;
  h->topo = topo;
  h->seed = 1;
  h->owner = 1;
  h->a = h->b = h->x = h->r = TH_NONE;
}

static uint32_t add_host(struct th *h, const char *name, uint32_t addr)
{
  uint32_t id;
  assert_int_equal(sim_node_add(h->w, SIM_NODE_HOST, name, &id), SIM_OK);
  assert_int_equal(sim_node_add_addr(h->w, id, addr), SIM_OK);
  return id;
}

void th_start(struct th *h)
{
  static const struct sim_trace_ops sops = {.pkt_send = on_pkt_send,
                                            .pkt_drop = on_pkt_drop};
  static const struct tcp_trace_ops tops = {.transition = on_transition,
                                            .seg_dropped = on_seg_dropped,
                                            .conn_closed = on_conn_closed};
  assert_false(h->started);
  h->w = sim_world_new(h->seed);
  assert_non_null(h->w);
  h->a = add_host(h, "a", TH_ADDR_A);
  h->b = add_host(h, "b", TH_ADDR_B);
  if (h->topo == TH_TOPO_ROUTER) {
    h->x = add_host(h, "x", TH_ADDR_X);
    assert_int_equal(sim_node_add(h->w, SIM_NODE_ROUTER, "r", &h->r), SIM_OK);
    assert_int_equal(sim_link_add(h->w, h->a, h->r, &h->lp, NULL, &h->link_a),
                     SIM_OK);
    assert_int_equal(sim_link_add(h->w, h->b, h->r, &h->lp, NULL, &h->link_b),
                     SIM_OK);
    assert_int_equal(sim_link_add(h->w, h->x, h->r, &h->lp, NULL, &h->link_x),
                     SIM_OK);
  } else {
    assert_int_equal(sim_link_add(h->w, h->a, h->b, &h->lp, NULL, &h->link_a),
                     SIM_OK);
    h->link_b = h->link_a;
    h->link_x = TH_NONE;
  }
  assert_int_equal(sim_routes_compute(h->w), SIM_OK);
  h->m = tcp_install(h->w, &h->set);
  assert_non_null(h->m);
  assert_int_equal(sim_trace_subscribe(h->w, &sops, h), SIM_OK);
  assert_int_equal(tcp_trace_subscribe(h->m, &tops, h), TCP_OK);
  size_t n;
  tcp_arcs(&n);
  assert_true(n <= TH_MAX_ARCS);
  h->started = true;
}

void th_free(struct th *h)
{
  if (h->started) {
    size_t n;
    tcp_arcs(&n);
    for (size_t i = 0; i < n && i < TH_MAX_ARCS; i++)
      arc_total[i] += tcp_arc_count(h->m, i);
    sim_world_free(h->w);
    tcp_free(h->m);
    h->started = false;
  }
  h->w = NULL;
  h->m = NULL;
  free(h->segs);
  free(h->tr);
  free(h->cl);
  free(h->dr);
  h->segs = NULL;
  h->tr = NULL;
  h->cl = NULL;
  h->dr = NULL;
  h->nsegs = h->ntr = h->ncl = h->ndr = 0;
  h->capsegs = h->captr = h->capcl = h->capdr = 0;
  for (size_t i = 0; i < h->napps; i++)
    free(h->apps[i]);
  h->napps = 0;
}

int64_t th_owd(const struct th *h)
{
  return h->topo == TH_TOPO_ROUTER ? 2 * h->lp.delay_ns : h->lp.delay_ns;
}

struct tcp_settings th_host_get(const struct th *h, uint32_t node)
{
  const struct tcp_settings *s = tcp_host_settings_get(h->m, node);
  assert_non_null(s);
  return *s;
}

void th_host_set(struct th *h, uint32_t node, const struct tcp_settings *s)
{
  assert_int_equal(tcp_host_settings(h->m, node, s), TCP_OK);
}

const char *th_name(const struct th *h, uint32_t node)
{
  if (!h->w || node == TH_NONE || node >= sim_node_count(h->w))
    return "?";
  return sim_node_name(h->w, node);
}

static void noop(struct sim_world *w, void *arg)
{
  (void)w;
  (void)arg;
}

void th_run(struct th *h, int64_t until_ns)
{
  /* sim_run leaves the clock at the last event when the queue runs dry;
   * an empty event at until_ns makes "now" exactly until_ns afterwards,
   * so that API calls made next happen at the time the test says. */
  if (until_ns > sim_now(h->w))
    assert_int_equal(sim_call_at(h->w, until_ns, noop, NULL), SIM_OK);
  int rc = sim_run(h->w, until_ns);
  th_check(h, rc == SIM_OK, "sim_run(%" PRId64 ") returned %s", until_ns,
           sim_errname(rc));
}

void th_run_for(struct th *h, int64_t dt_ns)
{
  th_run(h, sim_now(h->w) + dt_ns);
}

int64_t th_now(const struct th *h)
{
  return sim_now(h->w);
}

/* ====================================================================== */
/* Apps                                                                    */
/* ====================================================================== */

static struct th_app *app_new(struct th *h, uint32_t node)
{
  assert_true(h->napps < TH_MAX_APPS);
  struct th_app *a = calloc(1, sizeof *a);
  assert_non_null(a);
  a->h = h;
  a->node = node;
  a->err = 1; /* "no closed callback yet" */
  a->send_err = TCP_OK;
  h->apps[h->napps++] = a;
  return a;
}

static void app_note_conn(struct th_app *a)
{
  struct tcp_sock_info in;
  if (a->s && tcp_sock_info(a->s, &in) == TCP_OK && in.conn_id)
    a->conn = in.conn_id;
}

static void app_read(struct th_app *a)
{
  if (!a->s || a->bh.no_read)
    return;
  struct tcp_sock_info in;
  if (tcp_sock_info(a->s, &in) != TCP_OK || in.unread == 0)
    return;
  uint64_t n = tcp_recv(a->s, in.unread);
  if (n) {
    a->rcvd += n;
    a->t_rcvd = sim_now(a->h->w);
  }
  if (a->bh.reply_bytes && a->rcvd >= a->bh.reply_after) {
    uint64_t b = a->bh.reply_bytes;
    a->bh.reply_bytes = 0;
    int64_t r = tcp_send(a->s, b);
    if (r < 0)
      a->send_err = (int)r;
    if (a->bh.close_after_reply) {
      (void)tcp_close(a->s);
      a->s = NULL;
    }
  }
}

static void cb_connected(struct tcp_sock *s, void *ctx)
{
  struct th_app *a = ctx;
  (void)s;
  a->n_connected++;
  a->t_connected = sim_now(a->h->w);
  app_note_conn(a);
  if (a->bh.close_on_connected && a->s) {
    (void)tcp_close(a->s);
    a->s = NULL;
  }
}

static void cb_readable(struct tcp_sock *s, size_t avail, void *ctx)
{
  struct th_app *a = ctx;
  (void)s;
  (void)avail;
  a->n_readable++;
  app_read(a);
}

static void cb_peer_closed(struct tcp_sock *s, void *ctx)
{
  struct th_app *a = ctx;
  (void)s;
  a->n_peer_closed++;
  a->t_peer_closed = sim_now(a->h->w);
  if (a->bh.close_on_peer_close && a->s) {
    app_read(a);
    if (a->s) {
      (void)tcp_close(a->s);
      a->s = NULL;
    }
  }
}

static void cb_closed(struct tcp_sock *s, int err, void *ctx)
{
  struct th_app *a = ctx;
  (void)s;
  a->n_closed++;
  a->err = err;
  a->t_closed = sim_now(a->h->w);
}

static void cb_acceptable(struct tcp_sock *lis, void *ctx);

static const struct tcp_callbacks th_cbs = {.connected = cb_connected,
                                            .acceptable = cb_acceptable,
                                            .readable = cb_readable,
                                            .peer_closed = cb_peer_closed,
                                            .closed = cb_closed};

static void cb_acceptable(struct tcp_sock *lis, void *ctx)
{
  struct th_app *l = ctx;
  l->n_acceptable++;
  if (l->no_accept || !l->s)
    return;
  (void)lis;
  for (;;) {
    struct th_app *c = app_new(l->h, l->node);
    struct tcp_sock *cs = NULL;
    int rc = tcp_accept(l->s, &th_cbs, c, &cs);
    if (rc != TCP_OK) {
      /* not used: give the record back */
      l->h->napps--;
      free(c);
      break;
    }
    c->s = cs;
    c->parent = l;
    c->bh = l->child_bh;
    c->n_connected = 1;
    c->t_connected = sim_now(l->h->w);
    app_note_conn(c);
    if (l->nchild < TH_MAX_CHILD)
      l->child[l->nchild++] = c;
    if (c->bh.nodelay)
      (void)tcp_setopt(cs, TCP_OPT_NODELAY, 1);
    app_read(c); /* bytes that came with or after the handshake */
    if (c->bh.close_on_connected && c->s) {
      (void)tcp_close(c->s);
      c->s = NULL;
    }
  }
}

struct th_app *th_socket(struct th *h, uint32_t node)
{
  struct th_app *a = app_new(h, node);
  int rc = tcp_socket(h->m, node, h->owner, &th_cbs, a, &a->s);
  th_check(h, rc == TCP_OK, "tcp_socket on %s: %s", th_name(h, node),
           tcp_errname(rc));
  return a;
}

struct th_app *th_listen(struct th *h, uint32_t node, uint16_t port,
                         uint32_t backlog)
{
  struct th_app *a = th_socket(h, node);
  int rc = tcp_bind(a->s, 0, port);
  th_check(h, rc == TCP_OK, "bind %s:%u: %s", th_name(h, node), port,
           tcp_errname(rc));
  rc = tcp_listen(a->s, backlog);
  th_check(h, rc == TCP_OK, "listen %s:%u: %s", th_name(h, node), port,
           tcp_errname(rc));
  app_note_conn(a);
  return a;
}

struct th_app *th_connect(struct th *h, uint32_t node, uint16_t lport,
                          uint32_t daddr, uint16_t dport)
{
  struct th_app *a = th_socket(h, node);
  int rc;
  if (lport) {
    rc = tcp_bind(a->s, 0, lport);
    th_check(h, rc == TCP_OK, "bind %s:%u: %s", th_name(h, node), lport,
             tcp_errname(rc));
  }
  rc = tcp_connect(a->s, daddr, dport);
  th_check(h, rc == TCP_OK, "connect from %s: %s", th_name(h, node),
           tcp_errname(rc));
  app_note_conn(a);
  return a;
}

void th_close(struct th_app *app)
{
  th_check(app->h, app->s != NULL, "th_close: handle already released");
  int rc = tcp_close(app->s);
  th_check(app->h, rc == TCP_OK, "tcp_close: %s", tcp_errname(rc));
  app->s = NULL;
}

void th_abort(struct th_app *app)
{
  th_check(app->h, app->s != NULL, "th_abort: handle already released");
  int rc = tcp_abort(app->s);
  th_check(app->h, rc == TCP_OK, "tcp_abort: %s", tcp_errname(rc));
  app->s = NULL;
}

struct tcp_sock_info th_info(const struct th_app *app)
{
  struct tcp_sock_info in;
  memset(&in, 0, sizeof in);
  th_check(app->h, app->s != NULL, "th_info: no handle");
  int rc = tcp_sock_info(app->s, &in);
  th_check(app->h, rc == TCP_OK, "tcp_sock_info: %s", tcp_errname(rc));
  return in;
}

struct th_app *th_child(struct th_app *l, size_t i)
{
  th_check(l->h, i < l->nchild, "listener on %s has %zu accepted, wanted #%zu",
           th_name(l->h, l->node), l->nchild, i);
  return l->child[i];
}

/* ====================================================================== */
/* Segments                                                                */
/* ====================================================================== */

size_t th_nsegs(const struct th *h)
{
  return h->nsegs;
}

const struct th_seg *th_seg_at(struct th *h, size_t idx)
{
  th_check(h, idx < h->nsegs, "segment #%zu wanted, %zu captured", idx,
           h->nsegs);
  return &h->segs[idx];
}

static bool flags_match(uint8_t got, const char *pat)
{
  if (!pat)
    return true;
  static const struct {
    char c;
    uint8_t bit;
  } map[] = {{'S', TCP_F_SYN}, {'F', TCP_F_FIN}, {'R', TCP_F_RST},
             {'A', TCP_F_ACK}, {'U', TCP_F_URG}, {'P', TCP_F_PSH}};
  uint8_t must = 0, may = TCP_F_PSH;
  for (const char *p = pat; *p; p++)
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
      if (*p == map[i].c)
        must |= map[i].bit;
      else if (*p == map[i].c - 'A' + 'a')
        may |= map[i].bit;
    }
  must &= (uint8_t)~TCP_F_PSH;
  return (got & must) == must && (got & (uint8_t) ~(must | may)) == 0;
}

uint8_t th_flags_parse(const char *flags)
{
  uint8_t f = 0;
  for (const char *p = flags; p && *p; p++)
    switch (*p) {
    case 'S': f |= TCP_F_SYN; break;
    case 'F': f |= TCP_F_FIN; break;
    case 'R': f |= TCP_F_RST; break;
    case 'P': f |= TCP_F_PSH; break;
    case 'A': f |= TCP_F_ACK; break;
    case 'U': f |= TCP_F_URG; break;
    default: break;
    }
  return f;
}

bool th_seg_matches(const struct th_seg *s, int64_t node, const char *flags,
                    int64_t seq, int64_t ack, int64_t len)
{
  if (node != TH_ANY && s->node != (uint32_t)node)
    return false;
  if (!flags_match(s->h.flags, flags))
    return false;
  if (seq != TH_ANY && s->h.seq != (uint32_t)seq)
    return false;
  if (ack != TH_ANY && s->h.ack != (uint32_t)ack)
    return false;
  if (len != TH_ANY && s->len != (uint32_t)len)
    return false;
  return true;
}

long th_find(const struct th *h, size_t from, int64_t node, const char *flags,
             int64_t seq, int64_t ack, int64_t len)
{
  for (size_t i = from; i < h->nsegs; i++)
    if (th_seg_matches(&h->segs[i], node, flags, seq, ack, len))
      return (long)i;
  return -1;
}

size_t th_count_segs(const struct th *h, int64_t node, int64_t t0, int64_t t1)
{
  size_t n = 0;
  for (size_t i = 0; i < h->nsegs; i++) {
    const struct th_seg *s = &h->segs[i];
    if ((node == TH_ANY || s->node == (uint32_t)node) && s->t_ns >= t0 &&
        s->t_ns < t1)
      n++;
  }
  return n;
}

long th_nth_data(const struct th *h, uint32_t node, size_t n)
{
  for (size_t i = 0; i < h->nsegs; i++)
    if (h->segs[i].node == node && h->segs[i].len > 0 && n-- == 0)
      return (long)i;
  return -1;
}

long th_last_from(const struct th *h, uint32_t node)
{
  for (size_t i = h->nsegs; i-- > 0;)
    if (h->segs[i].node == node)
      return (long)i;
  return -1;
}

struct tcp_hdr th_hdr(uint16_t sport, uint16_t dport, const char *flags,
                      uint32_t seq, uint32_t ack)
{
  struct tcp_hdr hd;
  memset(&hd, 0, sizeof hd);
  hd.sport = sport;
  hd.dport = dport;
  hd.seq = seq;
  hd.ack = ack;
  hd.flags = th_flags_parse(flags);
  hd.win = 65535;
  return hd;
}

/* Wire length of the header: 20 bytes and the options, padded to 4. */
static uint16_t hdr_wire_len(const struct tcp_hdr *hd)
{
  unsigned o = 0;
  if (hd->has_mss)
    o += 4;
  if (hd->has_wscale)
    o += 3;
  if (hd->sack_ok)
    o += 2;
  if (hd->has_ts)
    o += 10;
  return (uint16_t)(20 + (o + 3) / 4 * 4);
}

int th_inject(struct th *h, uint32_t from_node, uint32_t src, uint32_t dst,
              const struct tcp_hdr *hdr, uint32_t len)
{
  struct sim_packet *p = sim_packet_alloc(h->w);
  assert_non_null(p);
  p->src = src;
  p->dst = dst;
  p->proto = 6;
  _Static_assert(sizeof(struct tcp_hdr) <= SIM_L4_AREA, "header area");
  memcpy(p->l4, hdr, sizeof *hdr);
  p->l4_hdr_len = hdr_wire_len(hdr);
  p->payload_len = len;
  p->tags.sent_ns = sim_now(h->w);
  /* The module must read back exactly what we wrote. */
  struct tcp_hdr back;
  assert_int_equal(tcp_packet_hdr(p, &back), TCP_OK);
  assert_int_equal(back.seq, hdr->seq);
  assert_int_equal(back.ack, hdr->ack);
  assert_int_equal(back.flags, hdr->flags);
  assert_int_equal(back.sport, hdr->sport);
  assert_int_equal(back.dport, hdr->dport);
  h->inject_uid = p->uid;
  int rc = sim_ip_output(h->w, from_node, p);
  h->inject_uid = 0;
  return rc;
}

int th_inject_seg(struct th *h, uint32_t from_node, uint32_t src,
                  uint16_t sport, uint32_t dst, uint16_t dport,
                  const char *flags, uint32_t seq, uint32_t ack, uint32_t len)
{
  struct tcp_hdr hd = th_hdr(sport, dport, flags, seq, ack);
  return th_inject(h, from_node, src, dst, &hd, len);
}

/* ====================================================================== */
/* Transitions                                                             */
/* ====================================================================== */

static bool trans_match(const struct th_trans *t, int64_t node, uint64_t conn,
                        int from, int to)
{
  return (node == TH_ANY || t->node == (uint32_t)node) &&
         (conn == 0 || conn == (uint64_t)TH_ANY || t->conn == conn) &&
         (from == TH_ANY || (int)t->from == from) &&
         (to == TH_ANY || (int)t->to == to);
}

size_t th_count_trans(const struct th *h, int64_t node, uint64_t conn,
                      int from, int to)
{
  size_t n = 0;
  for (size_t i = 0; i < h->ntr; i++)
    if (trans_match(&h->tr[i], node, conn, from, to))
      n++;
  return n;
}

const struct th_trans *th_find_trans(const struct th *h, int64_t node,
                                     uint64_t conn, int from, int to)
{
  for (size_t i = 0; i < h->ntr; i++)
    if (trans_match(&h->tr[i], node, conn, from, to))
      return &h->tr[i];
  return NULL;
}

enum tcp_state th_conn_state(const struct th *h, uint64_t conn)
{
  for (size_t i = h->ntr; i-- > 0;)
    if (h->tr[i].conn == conn)
      return h->tr[i].to;
  return TCP_S_CLOSED;
}

const struct th_closed *th_find_closed(const struct th *h, uint64_t conn)
{
  for (size_t i = 0; i < h->ncl; i++)
    if (h->cl[i].conn == conn)
      return &h->cl[i];
  return NULL;
}

/* ====================================================================== */
/* Printing and assertions                                                 */
/* ====================================================================== */

static void fmt_time(int64_t t, char *buf, size_t cap)
{
  snprintf(buf, cap, "%" PRId64 ".%09" PRId64, t / SIM_S, t % SIM_S);
}

void th_print_seg(const struct th *h, const struct th_seg *s, size_t idx,
                  FILE *f)
{
  char ts[32], sa[16], da[16];
  fmt_time(s->t_ns, ts, sizeof ts);
  sim_ipv4_format(s->src, sa);
  sim_ipv4_format(s->dst, da);
  fprintf(f, "  #%-3zu %14s %s%-2s %s:%u -> %s:%u  %-3s seq=%" PRIu32
             " ack=%" PRIu32 " len=%" PRIu32 " win=%u",
          idx, ts, s->injected ? "*" : " ", th_name(h, s->node), sa,
          s->h.sport, da, s->h.dport, s->flags, s->h.seq, s->h.ack, s->len,
          s->h.win);
  if (s->h.has_mss)
    fprintf(f, " <mss %u>", s->h.mss);
  if (s->h.has_wscale)
    fprintf(f, " <ws %u>", s->h.wscale);
  if (s->h.sack_ok)
    fprintf(f, " <sackOK>");
  if (s->h.has_ts)
    fprintf(f, " <ts %" PRIu32 " %" PRIu32 ">", s->h.ts_val, s->h.ts_ecr);
  if (s->fate)
    fprintf(f, "  [dropped at %s: %s]", th_name(h, s->fate_node), s->fate);
  fputc('\n', f);
}

void th_print(const struct th *h, FILE *f)
{
  fprintf(f, "---- ladder (%zu segments, %zu transitions, %zu closes, "
             "%zu refused by tcp) ----\n",
          h->nsegs, h->ntr, h->ncl, h->ndr);
  size_t is = 0, it = 0, ic = 0, id = 0;
  char ts[32];
  for (;;) {
    uint64_t best = UINT64_MAX;
    int which = -1;
    if (is < h->nsegs && h->segs[is].order < best)
      best = h->segs[is].order, which = 0;
    if (it < h->ntr && h->tr[it].order < best)
      best = h->tr[it].order, which = 1;
    if (ic < h->ncl && h->cl[ic].order < best)
      best = h->cl[ic].order, which = 2;
    if (id < h->ndr && h->dr[id].order < best)
      best = h->dr[id].order, which = 3;
    if (which < 0)
      break;
    if (which == 0) {
      th_print_seg(h, &h->segs[is], is, f);
      is++;
    } else if (which == 1) {
      const struct th_trans *t = &h->tr[it++];
      fmt_time(t->t_ns, ts, sizeof ts);
      fprintf(f, "       %14s  %-2s conn %-4" PRIu64 " %s -> %s (%s)%s\n", ts,
              th_name(h, t->node), t->conn, tcp_state_name(t->from),
              tcp_state_name(t->to), t->cause,
              t->declared ? "" : "  ** UNDECLARED ARC **");
    } else if (which == 2) {
      const struct th_closed *c = &h->cl[ic++];
      fmt_time(c->t_ns, ts, sizeof ts);
      fprintf(f, "       %14s  %-2s conn %-4" PRIu64 " closed: %s\n", ts,
              th_name(h, c->node), c->conn,
              c->err ? tcp_errname(c->err) : "OK");
    } else {
      const struct th_drop *d = &h->dr[id++];
      fmt_time(d->t_ns, ts, sizeof ts);
      fprintf(f, "       %14s  %-2s refused %s seq=%" PRIu32 " ack=%" PRIu32
                 " len=%" PRIu32 ": %s\n",
              ts, th_name(h, d->node), d->flags, d->seq, d->ack, d->len,
              d->reason ? d->reason : "?");
    }
  }
  fprintf(f, "---- end of ladder ----\n");
}

void th__fail(const struct th *h, const char *file, int line, const char *fmt,
              ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (h && h->started && !h->quiet) {
    fflush(stdout);
    th_print(h, stderr);
  }
  print_error("%s:%d: %s\n", file, line, msg);
  _fail(file, line);
}

void th__expect_seg(struct th *h, size_t idx, int64_t node, const char *flags,
                    int64_t seq, int64_t ack, int64_t len, const char *file,
                    int line)
{
  if (idx >= h->nsegs)
    th__fail(h, file, line, "segment #%zu expected, only %zu captured", idx,
             h->nsegs);
  const struct th_seg *s = &h->segs[idx];
  if (th_seg_matches(s, node, flags, seq, ack, len))
    return;
  char want[160];
  snprintf(want, sizeof want, "from %s flags %s seq=%" PRId64 " ack=%" PRId64
                              " len=%" PRId64,
           node == TH_ANY ? "any" : th_name(h, (uint32_t)node),
           flags ? flags : "any", seq, ack, len);
  th__fail(h, file, line,
           "segment #%zu: wanted %s (-1: any); got from %s flags %s seq=%" PRIu32
           " ack=%" PRIu32 " len=%" PRIu32,
           idx, want, th_name(h, s->node), s->flags, s->h.seq, s->h.ack,
           s->len);
}

void th__check_int(const struct th *h, int64_t got, int64_t want,
                   const char *gtxt, const char *wtxt, const char *file,
                   int line)
{
  if (got == want)
    return;
  th__fail(h, file, line, "%s == %" PRId64 ", wanted %s == %" PRId64, gtxt,
           got, wtxt, want);
}
