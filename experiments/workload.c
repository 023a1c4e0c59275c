/*
 * workload.c - the TCP workloads of workload.h: request/response servers,
 * clients at a rate, and the SYN flood.
 *
 * Each connection an application holds is a small heap object (struct
 * sconn, struct cconn) given to tcp.h as the callback context; it lives on
 * its workload's doubly-linked list until the application has released its
 * socket, and is freed at that moment. That is safe inside a callback: the
 * TCP module delivers no callback to a released handle (tcp/api.c). Lists
 * are walked only to free them, so their order never shows in a result.
 *
 * Timers (the next arrival of a client host, a retry, the ABORT policy's
 * poll, the next flood SYN) are sim_events embedded in these objects.
 * Back-to-back clients start their next connection from an event at the
 * current time rather than from inside the callback that ended the
 * previous one, so a start never runs nested in the TCP module.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/workload.h"

/* ====================================================================== */
/* Types                                                                   */
/* ====================================================================== */

struct sconn {                 /* one accepted connection of a server */
  struct exp_wl_server *srv;
  struct sconn *prev, *next;
  struct tcp_sock *s;
  struct sim_event ev;         /* ABORT policy: poll for the last ACK */
  uint32_t node;
  uint64_t conn_id;
  uint64_t got;                /* request bytes read */
  bool responded;
  bool peer_fin;
};

struct lis {
  struct exp_wl_server *srv;
  struct tcp_sock *s;          /* NULL once stopped */
  struct sim_event boot_ev;    /* restart: listen again after a boot */
  uint32_t node;
};

struct exp_wl_server {
  struct tcp_module *m;
  struct sim_world *w;
  struct exp_wl_server_cfg cfg;
  uint32_t *nodes;
  struct lis *lis;
  size_t nlis;
  struct sconn *head;
  bool subscribed;             /* to the world's host events (restart) */
  bool stopped;
  struct exp_wl_server_stats st;
};

struct chost {                 /* one client host */
  struct exp_wl_client *cl;
  struct sim_event ev;         /* next start */
  struct sim_rng rng;          /* "wl.client.arrivals" */
  uint32_t node;
  uint32_t started;            /* connections begun (retries excluded) */
  bool killed;                 /* its process was killed: no more starts */
};

struct cconn {                 /* one client connection, over its retries */
  struct exp_wl_client *cl;
  struct chost *h;
  struct cconn *prev, *next;
  struct tcp_sock *s;          /* NULL between attempts */
  struct sim_event ev;         /* next retry */
  uint32_t tries_left;
  int64_t t_connect_ns;
  uint64_t conn_id;
  uint64_t got;                /* response bytes read */
  bool established;
  bool resp_done;
  bool peer_fin;
  bool next_signalled;         /* back to back: next start already asked */
};

struct exp_wl_client {
  struct tcp_module *m;
  struct sim_world *w;
  struct exp_wl_client_cfg cfg;
  uint32_t *nodes;
  struct chost *hosts;
  size_t nhosts;
  struct cconn *head;
  bool stopped;
  struct exp_wl_client_stats st;
};

struct exp_wl_flood {
  struct sim_world *w;
  struct exp_wl_flood_cfg cfg;
  struct sim_event ev;
  struct sim_rng rng;
  uint64_t sent;
  bool stopped;
};

/* ====================================================================== */
/* Common helpers                                                          */
/* ====================================================================== */

static void hook(const struct exp_wl_hook *hk, struct sim_world *w,
                 uint32_t node, uint64_t conn_id, const char *what,
                 const char *detail)
{
  if (hk->event)
    hk->event(hk->ctx, node, conn_id, sim_now(w), what, detail);
}

static void rec_event(void *ctx, uint32_t node, uint64_t conn_id,
                      int64_t t_ns, const char *what, const char *detail)
{
  (void)res_app_event(ctx, node, conn_id, t_ns, what, detail);
}

struct exp_wl_hook exp_wl_hook_recorder(struct res_recorder *rec)
{
  struct exp_wl_hook h = { rec ? rec_event : NULL, rec };
  return h;
}

static unsigned err_slot(int err)
{
  return (err < 0 && -err < EXP_WL_ERR_SLOTS) ? (unsigned)-err : 0;
}

/* SO_KEEPALIVE and its per-socket times (0: the host's settings). */
static void keepalive_on(struct tcp_sock *s, bool on, int64_t idle_ns,
                         int64_t intvl_ns, uint8_t cnt)
{
  if (!on)
    return;
  (void)tcp_setopt(s, TCP_OPT_KEEPALIVE, 1);
  if (idle_ns > 0)
    (void)tcp_setopt(s, TCP_OPT_KEEPIDLE, idle_ns);
  if (intvl_ns > 0)
    (void)tcp_setopt(s, TCP_OPT_KEEPINTVL, intvl_ns);
  if (cnt > 0)
    (void)tcp_setopt(s, TCP_OPT_KEEPCNT, cnt);
}

static uint64_t conn_id_of(const struct tcp_sock *s)
{
  struct tcp_sock_info si;
  return tcp_sock_info(s, &si) == TCP_OK ? si.conn_id : 0;
}

/* The gap before the next start; never negative. */
static int64_t next_gap(struct sim_rng *r, enum exp_wl_rate rate,
                        int64_t gap_ns)
{
  int64_t g = gap_ns;
  switch (rate) {
  case EXP_WL_RATE_POISSON:
    g = sim_rng_exp_ns(r, gap_ns);
    break;
  case EXP_WL_RATE_FIXED:
  case EXP_WL_RATE_BACK_TO_BACK:
    break;
  }
  return g < 0 ? 0 : g;
}

/* ====================================================================== */
/* Server                                                                  */
/* ====================================================================== */

static void sconn_free(struct sconn *sc)
{
  struct exp_wl_server *srv = sc->srv;
  sim_cancel(srv->w, &sc->ev);
  if (sc->prev)
    sc->prev->next = sc->next;
  else
    srv->head = sc->next;
  if (sc->next)
    sc->next->prev = sc->prev;
  free(sc);
}

static void sconn_close(struct sconn *sc, bool abortive)
{
  struct exp_wl_server *srv = sc->srv;
  if (abortive)
    (void)tcp_abort(sc->s);
  else
    (void)tcp_close(sc->s);
  srv->st.closed++;
  hook(&srv->cfg.hook, srv->w, sc->node, sc->conn_id,
       abortive ? "abort" : "close", NULL);
  sconn_free(sc);
}

/* ABORT policy: RST once everything sent is acknowledged, so that the
 * response reaches the client before the reset does. */
static void sconn_abort_poll(struct sim_world *w, struct sim_event *ev,
                             void *arg)
{
  struct sconn *sc = arg;
  struct tcp_sock_info si;
  if (tcp_sock_info(sc->s, &si) != TCP_OK ||
      (si.unsent == 0 && si.unacked == 0)) {
    sconn_close(sc, true);
    return;
  }
  int64_t step = sc->srv->cfg.abort_poll_ns > 0 ? sc->srv->cfg.abort_poll_ns
                                                : SIM_MS;
  (void)sim_schedule_in(w, &sc->ev, step);
}

static void sconn_respond(struct sconn *sc)
{
  struct exp_wl_server *srv = sc->srv;
  sc->responded = true;
  if (srv->cfg.response_bytes)
    (void)tcp_send(sc->s, srv->cfg.response_bytes);
  srv->st.responded++;
  hook(&srv->cfg.hook, srv->w, sc->node, sc->conn_id, "response_sent", NULL);
  switch (srv->cfg.close) {
  case EXP_WL_SRV_WAIT:
    if (sc->peer_fin)
      sconn_close(sc, false);
    break;
  case EXP_WL_SRV_FIRST:
    sconn_close(sc, false);
    break;
  case EXP_WL_SRV_ABORT:
    sconn_abort_poll(srv->w, &sc->ev, sc);
    break;
  case EXP_WL_SRV_NEVER:
    break;
  }
}

static void sconn_readable(struct tcp_sock *s, size_t avail, void *ctx)
{
  struct sconn *sc = ctx;
  sc->got += tcp_recv(s, avail);
  if (!sc->responded && sc->got >= sc->srv->cfg.request_bytes)
    sconn_respond(sc);
}

static void sconn_peer_closed(struct tcp_sock *s, void *ctx)
{
  struct sconn *sc = ctx;
  sc->peer_fin = true;
  if (!sc->responded)
    sconn_respond(sc); /* may close and free sc */
  else if (sc->srv->cfg.close == EXP_WL_SRV_WAIT)
    sconn_close(sc, false);
}

static void sconn_closed(struct tcp_sock *s, int err, void *ctx)
{
  struct sconn *sc = ctx;
  struct exp_wl_server *srv = sc->srv;
  if (err != TCP_OK) {
    srv->st.errors++;
    srv->st.err[err_slot(err)]++;
  }
  hook(&srv->cfg.hook, srv->w, sc->node, sc->conn_id, "closed",
       tcp_errname(err));
  (void)tcp_close(s); /* release the handle */
  sconn_free(sc);
}

static const struct tcp_callbacks sconn_cb = {
  .readable = sconn_readable,
  .peer_closed = sconn_peer_closed,
  .closed = sconn_closed,
};

static void lis_acceptable(struct tcp_sock *l, void *ctx)
{
  struct lis *li = ctx;
  struct exp_wl_server *srv = li->srv;
  for (;;) {
    struct sconn *sc = calloc(1, sizeof *sc);
    struct tcp_sock *s = NULL;
    if (!sc)
      return; /* left in the accept queue, as a busy process would */
    if (tcp_accept(l, &sconn_cb, sc, &s) != TCP_OK) {
      free(sc);
      return;
    }
    sc->srv = srv;
    sc->s = s;
    sc->node = li->node;
    sc->conn_id = conn_id_of(s);
    keepalive_on(s, srv->cfg.keepalive, srv->cfg.keepidle_ns,
                 srv->cfg.keepintvl_ns, srv->cfg.keepcnt);
    sim_event_init(&sc->ev, sconn_abort_poll, sc);
    sc->next = srv->head;
    if (srv->head)
      srv->head->prev = sc;
    srv->head = sc;
    srv->st.accepted++;
    hook(&srv->cfg.hook, srv->w, sc->node, sc->conn_id, "accept", NULL);
    if (srv->cfg.request_bytes == 0)
      sconn_respond(sc);
  }
}

static const struct tcp_callbacks lis_cb = { .acceptable = lis_acceptable };

/* A new listening socket for li; on failure nothing stays open. */
static int lis_open(struct lis *li)
{
  struct exp_wl_server *srv = li->srv;
  struct tcp_sock *s = NULL;
  int rc = tcp_socket(srv->m, li->node, srv->cfg.owner, &lis_cb, li, &s);
  if (rc == TCP_OK)
    rc = tcp_bind(s, 0, srv->cfg.port);
  if (rc == TCP_OK)
    rc = tcp_listen(s, srv->cfg.backlog);
  if (rc != TCP_OK) {
    if (s)
      (void)tcp_close(s);
    return rc;
  }
  li->s = s;
  return TCP_OK;
}

/* The host of li is up again: the old listener died with the power
 * (tcp.h: a wiped socket stays unusable), so release it and listen on a
 * new one, as a service started at boot. This runs from an event rather
 * than from the host hook, because observers hear of a boot before the
 * TCP module has handled it (sim/node.c). */
static void lis_boot_ev(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct lis *li = arg;
  struct exp_wl_server *srv = li->srv;
  if (srv->stopped || !sim_node_is_up(w, li->node))
    return; /* down again already: the next boot comes back here */
  if (li->s)
    (void)tcp_close(li->s);
  li->s = NULL;
  int rc = lis_open(li);
  if (rc == TCP_OK) {
    srv->st.listening++;
    srv->st.restarts++;
  }
  hook(&srv->cfg.hook, w, li->node, 0, "listen",
       rc == TCP_OK ? "boot" : tcp_errname(rc));
}

static void srv_host_event(void *ctx, struct sim_world *w, uint32_t node,
                           enum sim_host_event ev, uint32_t epoch)
{
  struct exp_wl_server *srv = ctx;
  (void)epoch;
  if (ev != SIM_HOST_BOOT || srv->stopped)
    return;
  /* host events are rare: a scan of the listeners is fine */
  for (size_t i = 0; i < srv->nlis; i++)
    if (srv->lis[i].node == node && !sim_event_pending(&srv->lis[i].boot_ev))
      (void)sim_schedule_in(w, &srv->lis[i].boot_ev, 0);
}

static const struct sim_trace_ops srv_trace_ops = { .host = srv_host_event };

int exp_wl_server_start(struct tcp_module *m, struct sim_world *w,
                        const struct exp_wl_server_cfg *cfg,
                        struct exp_wl_server **out)
{
  *out = NULL;
  if (!m || !w || !cfg || (cfg->n_nodes && !cfg->nodes) || cfg->port == 0)
    return TCP_EINVAL;
  struct exp_wl_server *srv = calloc(1, sizeof *srv);
  if (!srv)
    return TCP_ENOMEM;
  srv->m = m;
  srv->w = w;
  srv->cfg = *cfg;
  srv->nodes = calloc(cfg->n_nodes ? cfg->n_nodes : 1, sizeof *srv->nodes);
  srv->lis = calloc(cfg->n_nodes ? cfg->n_nodes : 1, sizeof *srv->lis);
  if (!srv->nodes || !srv->lis) {
    exp_wl_server_free(srv);
    return TCP_ENOMEM;
  }
  if (cfg->n_nodes)
    memcpy(srv->nodes, cfg->nodes, cfg->n_nodes * sizeof *srv->nodes);
  srv->cfg.nodes = srv->nodes;
  for (size_t i = 0; i < cfg->n_nodes; i++) {
    struct lis *li = &srv->lis[i];
    li->srv = srv;
    li->node = srv->nodes[i];
    sim_event_init(&li->boot_ev, lis_boot_ev, li);
    srv->nlis = i + 1;
    int rc = lis_open(li);
    if (rc != TCP_OK) {
      exp_wl_server_free(srv);
      return rc;
    }
    srv->st.listening++;
    hook(&srv->cfg.hook, w, li->node, 0, "listen", NULL);
  }
  if (cfg->restart) {
    int rc = sim_trace_subscribe(w, &srv_trace_ops, srv);
    if (rc != SIM_OK) {
      exp_wl_server_free(srv);
      return TCP_ENOMEM;
    }
    srv->subscribed = true;
  }
  *out = srv;
  return TCP_OK;
}

void exp_wl_server_stop(struct exp_wl_server *srv)
{
  if (!srv)
    return;
  srv->stopped = true;
  for (size_t i = 0; i < srv->nlis; i++) {
    sim_cancel(srv->w, &srv->lis[i].boot_ev);
    if (srv->lis[i].s)
      (void)tcp_close(srv->lis[i].s);
    srv->lis[i].s = NULL;
  }
}

void exp_wl_server_killed(struct exp_wl_server *srv, uint32_t node)
{
  if (!srv)
    return;
  for (size_t i = 0; i < srv->nlis; i++)
    if (srv->lis[i].node == node && srv->lis[i].s) {
      srv->lis[i].s = NULL; /* released by the kill */
      hook(&srv->cfg.hook, srv->w, node, 0, "killed", "listener");
    }
  for (struct sconn *sc = srv->head, *next; sc; sc = next) {
    next = sc->next;
    if (sc->node != node)
      continue;
    srv->st.killed++;
    hook(&srv->cfg.hook, srv->w, node, sc->conn_id, "killed", NULL);
    sconn_free(sc);
  }
}

void exp_wl_server_stats(const struct exp_wl_server *srv,
                         struct exp_wl_server_stats *out)
{
  *out = srv->st;
}

void exp_wl_server_free(struct exp_wl_server *srv)
{
  if (!srv)
    return;
  exp_wl_server_stop(srv);
  if (srv->subscribed)
    (void)sim_trace_unsubscribe(srv->w, &srv_trace_ops, srv);
  while (srv->head) {
    struct sconn *sc = srv->head;
    (void)tcp_abort(sc->s);
    sconn_free(sc);
  }
  free(srv->lis);
  free(srv->nodes);
  free(srv);
}

/* ====================================================================== */
/* Client                                                                  */
/* ====================================================================== */

static void cconn_attempt(struct cconn *cc);

static bool client_may_start(const struct exp_wl_client *cl)
{
  return !cl->stopped &&
         (cl->cfg.stop_ns <= 0 || sim_now(cl->w) <= cl->cfg.stop_ns);
}

/* Back to back: the host's next connection, from an event now. After a
 * connection that never got established the next waits retry_gap_ns (at
 * least 1 ms): a connect failing at once (EADDRNOTAVAIL) would otherwise
 * start connections forever without the clock moving. */
static void chost_signal_next(struct cconn *cc)
{
  struct exp_wl_client *cl = cc->cl;
  if (cc->next_signalled || cl->cfg.rate != EXP_WL_RATE_BACK_TO_BACK)
    return;
  cc->next_signalled = true;
  int64_t delay = cl->cfg.think_ns;
  if (!cc->established)
    delay = cl->cfg.retry_gap_ns > 0 ? cl->cfg.retry_gap_ns : SIM_MS;
  if (!sim_event_pending(&cc->h->ev))
    (void)sim_schedule_in(cl->w, &cc->h->ev, delay);
}

static void cconn_free(struct cconn *cc)
{
  struct exp_wl_client *cl = cc->cl;
  sim_cancel(cl->w, &cc->ev);
  if (cc->prev)
    cc->prev->next = cc->next;
  else
    cl->head = cc->next;
  if (cc->next)
    cc->next->prev = cc->prev;
  free(cc);
}

/* The connection is over for the application (its socket released). */
static void cconn_end(struct cconn *cc)
{
  chost_signal_next(cc);
  cconn_free(cc);
}

static void cconn_failed(struct cconn *cc, int err)
{
  struct exp_wl_client *cl = cc->cl;
  const char *name = tcp_errname(err);
  if (!cc->established && cc->tries_left > 0) {
    cc->tries_left--;
    cl->st.retried++;
    hook(&cl->cfg.hook, cl->w, cc->h->node, cc->conn_id, "retry", name);
    (void)sim_schedule_in(cl->w, &cc->ev, cl->cfg.retry_gap_ns);
    return;
  }
  cl->st.failed++;
  cl->st.err[err_slot(err)]++;
  hook(&cl->cfg.hook, cl->w, cc->h->node, cc->conn_id, "failed", name);
  cconn_end(cc);
}

static void cconn_complete(struct cconn *cc, bool abortive)
{
  struct exp_wl_client *cl = cc->cl;
  if (abortive)
    (void)tcp_abort(cc->s);
  else
    (void)tcp_close(cc->s);
  cc->s = NULL;
  cl->st.completed++;
  hook(&cl->cfg.hook, cl->w, cc->h->node, cc->conn_id,
       abortive ? "abort" : "close", NULL);
  cconn_end(cc);
}

static void cconn_response_done(struct cconn *cc)
{
  struct exp_wl_client *cl = cc->cl;
  cc->resp_done = true;
  hook(&cl->cfg.hook, cl->w, cc->h->node, cc->conn_id, "response_done", NULL);
  switch (cl->cfg.close) {
  case EXP_WL_CLI_CLIENT_FIRST:
    cconn_complete(cc, false);
    break;
  case EXP_WL_CLI_SERVER_FIRST:
    if (cc->peer_fin)
      cconn_complete(cc, false);
    break;
  case EXP_WL_CLI_BOTH:
    (void)tcp_shutdown(cc->s);
    if (cc->peer_fin)
      cconn_complete(cc, false);
    break;
  case EXP_WL_CLI_ABORT:
    cconn_complete(cc, true);
    break;
  case EXP_WL_CLI_KEEP:
    cl->st.completed++;
    chost_signal_next(cc);
    break;
  }
}

static void cconn_connected(struct tcp_sock *s, void *ctx)
{
  struct cconn *cc = ctx;
  struct exp_wl_client *cl = cc->cl;
  int64_t est = sim_now(cl->w) - cc->t_connect_ns;
  cc->established = true;
  if (cl->st.established == 0 || est < cl->st.est_min_ns)
    cl->st.est_min_ns = est;
  if (est > cl->st.est_max_ns)
    cl->st.est_max_ns = est;
  cl->st.est_sum_ns += est;
  cl->st.established++;
  hook(&cl->cfg.hook, cl->w, cc->h->node, cc->conn_id, "established", NULL);
  if (cl->cfg.request_bytes)
    (void)tcp_send(s, cl->cfg.request_bytes);
  if (cl->cfg.response_bytes == 0)
    cconn_response_done(cc);
}

static void cconn_readable(struct tcp_sock *s, size_t avail, void *ctx)
{
  struct cconn *cc = ctx;
  cc->got += tcp_recv(s, avail);
  if (!cc->resp_done && cc->got >= cc->cl->cfg.response_bytes)
    cconn_response_done(cc);
}

static void cconn_peer_closed(struct tcp_sock *s, void *ctx)
{
  struct cconn *cc = ctx;
  struct exp_wl_client *cl = cc->cl;
  cc->peer_fin = true;
  if (!cc->resp_done) {
    /* The server ended before the whole response: count it and close. */
    cl->st.truncated++;
    hook(&cl->cfg.hook, cl->w, cc->h->node, cc->conn_id, "truncated", NULL);
    (void)tcp_close(s);
    cc->s = NULL;
    cconn_end(cc);
    return;
  }
  switch (cl->cfg.close) {
  case EXP_WL_CLI_SERVER_FIRST:
  case EXP_WL_CLI_BOTH:
    cconn_complete(cc, false);
    break;
  case EXP_WL_CLI_KEEP:
    /* Kept open, already counted: close quietly. */
    (void)tcp_close(s);
    cc->s = NULL;
    cconn_end(cc);
    break;
  case EXP_WL_CLI_CLIENT_FIRST:
  case EXP_WL_CLI_ABORT:
    break; /* closed already: no callbacks come */
  }
}

static void cconn_closed(struct tcp_sock *s, int err, void *ctx)
{
  struct cconn *cc = ctx;
  struct exp_wl_client *cl = cc->cl;
  (void)tcp_close(s); /* release the handle */
  cc->s = NULL;
  hook(&cl->cfg.hook, cl->w, cc->h->node, cc->conn_id, "closed",
       tcp_errname(err));
  if (cc->resp_done) {
    /* KEEP (or a policy still waiting for the server's FIN). */
    if (err != TCP_OK)
      cl->st.late_errors++;
    cconn_end(cc);
    return;
  }
  cconn_failed(cc, err != TCP_OK ? err : TCP_ECONNRESET);
}

static const struct tcp_callbacks cconn_cb = {
  .connected = cconn_connected,
  .readable = cconn_readable,
  .peer_closed = cconn_peer_closed,
  .closed = cconn_closed,
};

static int cconn_open(struct cconn *cc)
{
  struct exp_wl_client *cl = cc->cl;
  const struct exp_wl_client_cfg *cfg = &cl->cfg;
  int rc = tcp_socket(cl->m, cc->h->node, cfg->owner, &cconn_cb, cc, &cc->s);
  if (rc != TCP_OK) {
    cc->s = NULL;
    return rc;
  }
  if (cfg->nodelay)
    (void)tcp_setopt(cc->s, TCP_OPT_NODELAY, 1);
  keepalive_on(cc->s, cfg->keepalive, cfg->keepidle_ns, cfg->keepintvl_ns,
               cfg->keepcnt);
  if (cfg->local_port) {
    (void)tcp_setopt(cc->s, TCP_OPT_REUSEADDR, 1);
    rc = tcp_bind(cc->s, 0, cfg->local_port);
  }
  if (rc == TCP_OK)
    rc = tcp_connect(cc->s, cfg->server_addr, cfg->server_port);
  if (rc != TCP_OK) {
    (void)tcp_close(cc->s);
    cc->s = NULL;
  }
  return rc;
}

static void cconn_attempt(struct cconn *cc)
{
  struct exp_wl_client *cl = cc->cl;
  cl->st.attempted++;
  cc->t_connect_ns = sim_now(cl->w);
  int rc = cconn_open(cc);
  cc->conn_id = cc->s ? conn_id_of(cc->s) : 0;
  hook(&cl->cfg.hook, cl->w, cc->h->node, cc->conn_id, "connect",
       rc == TCP_OK ? NULL : tcp_errname(rc));
  if (rc != TCP_OK)
    cconn_failed(cc, rc);
}

static void cconn_retry_ev(struct sim_world *w, struct sim_event *ev,
                           void *arg)
{
  cconn_attempt(arg);
}

/* A host's arrival: begin one connection and plan the next start. */
static void chost_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct chost *h = arg;
  struct exp_wl_client *cl = h->cl;
  const struct exp_wl_client_cfg *cfg = &cl->cfg;
  if (!client_may_start(cl) || h->killed ||
      (cfg->count && h->started >= cfg->count))
    return;
  h->started++;
  struct cconn *cc = calloc(1, sizeof *cc);
  if (cc) {
    cc->cl = cl;
    cc->h = h;
    cc->tries_left = cfg->retries;
    sim_event_init(&cc->ev, cconn_retry_ev, cc);
    cc->next = cl->head;
    if (cl->head)
      cl->head->prev = cc;
    cl->head = cc;
  }
  if (cfg->rate != EXP_WL_RATE_BACK_TO_BACK &&
      (cfg->count == 0 || h->started < cfg->count)) {
    int64_t t = sim_now(w) + next_gap(&h->rng, cfg->rate, cfg->gap_ns);
    if (cfg->stop_ns <= 0 || t <= cfg->stop_ns)
      (void)sim_schedule_at(w, &h->ev, t);
  }
  if (cc)
    cconn_attempt(cc); /* may end cc (and, back to back, plan the next) */
}

int exp_wl_client_start(struct tcp_module *m, struct sim_world *w,
                        const struct exp_wl_client_cfg *cfg,
                        struct exp_wl_client **out)
{
  *out = NULL;
  if (!m || !w || !cfg || (cfg->n_nodes && !cfg->nodes) ||
      cfg->server_addr == 0 || cfg->server_port == 0 || cfg->gap_ns < 0 ||
      cfg->retry_gap_ns < 0 || cfg->start_ns < sim_now(w))
    return TCP_EINVAL;
  if (cfg->rate != EXP_WL_RATE_BACK_TO_BACK && cfg->gap_ns == 0 &&
      cfg->count == 0)
    return TCP_EINVAL; /* endless starts at one instant */
  struct exp_wl_client *cl = calloc(1, sizeof *cl);
  if (!cl)
    return TCP_ENOMEM;
  cl->m = m;
  cl->w = w;
  cl->cfg = *cfg;
  size_t n = cfg->n_nodes ? cfg->n_nodes : 1;
  cl->nodes = calloc(n, sizeof *cl->nodes);
  cl->hosts = calloc(n, sizeof *cl->hosts);
  if (!cl->nodes || !cl->hosts) {
    exp_wl_client_free(cl);
    return TCP_ENOMEM;
  }
  if (cfg->n_nodes)
    memcpy(cl->nodes, cfg->nodes, cfg->n_nodes * sizeof *cl->nodes);
  cl->cfg.nodes = cl->nodes;
  cl->nhosts = cfg->n_nodes;
  uint64_t seed = sim_world_seed(w);
  for (size_t i = 0; i < cl->nhosts; i++) {
    struct chost *h = &cl->hosts[i];
    h->cl = cl;
    h->node = cl->nodes[i];
    sim_rng_seed(&h->rng, seed, "wl.client.arrivals",
                 (uint64_t)h->node | (uint64_t)cfg->instance << 32);
    sim_event_init(&h->ev, chost_fire, h);
    int64_t t = cfg->start_ns;
    if (cfg->start_spread_ns > 0)
      t += (int64_t)sim_rng_below(&h->rng, (uint64_t)cfg->start_spread_ns);
    if (cfg->rate == EXP_WL_RATE_POISSON)
      t += next_gap(&h->rng, cfg->rate, cfg->gap_ns);
    (void)sim_schedule_at(w, &h->ev, t);
  }
  *out = cl;
  return TCP_OK;
}

void exp_wl_client_stop(struct exp_wl_client *cl)
{
  if (!cl)
    return;
  cl->stopped = true;
  for (size_t i = 0; i < cl->nhosts; i++)
    sim_cancel(cl->w, &cl->hosts[i].ev);
}

void exp_wl_client_stats(const struct exp_wl_client *cl,
                         struct exp_wl_client_stats *out)
{
  *out = cl->st;
}

uint64_t exp_wl_client_errs(const struct exp_wl_client_stats *st, int err)
{
  unsigned k = err_slot(err);
  return k ? st->err[k] : 0;
}

void exp_wl_client_killed(struct exp_wl_client *cl, uint32_t node)
{
  if (!cl)
    return;
  for (size_t i = 0; i < cl->nhosts; i++)
    if (cl->hosts[i].node == node) {
      cl->hosts[i].killed = true;
      sim_cancel(cl->w, &cl->hosts[i].ev);
    }
  for (struct cconn *cc = cl->head, *next; cc; cc = next) {
    next = cc->next;
    if (cc->h->node != node)
      continue;
    cl->st.killed++;
    hook(&cl->cfg.hook, cl->w, node, cc->conn_id, "killed", NULL);
    cconn_free(cc); /* its handle is released already: no call on it */
  }
}

void exp_wl_client_free(struct exp_wl_client *cl)
{
  if (!cl)
    return;
  exp_wl_client_stop(cl);
  while (cl->head) {
    struct cconn *cc = cl->head;
    if (cc->s)
      (void)tcp_abort(cc->s);
    cconn_free(cc);
  }
  free(cl->hosts);
  free(cl->nodes);
  free(cl);
}

/* ====================================================================== */
/* SYN flood                                                               */
/* ====================================================================== */

/* One SYN as a real stack's first segment looks: MSS option only, so the
 * wire header is 24 bytes (20 + the 4-byte MSS option), which is what the
 * TCP module's header check (tcp/input.c hdr_coherent) expects as the
 * least length for these options. */
#define FLOOD_HDR_LEN 24

static void flood_send(struct exp_wl_flood *f)
{
  struct sim_packet *p = sim_packet_alloc(f->w);
  if (!p)
    return;
  const struct exp_wl_flood_cfg *cfg = &f->cfg;
  uint8_t len = cfg->src_prefix_len > 32 ? 32 : cfg->src_prefix_len;
  uint64_t span = (uint64_t)1 << (32 - len);
  uint32_t mask = len == 0 ? 0 : (uint32_t)(0xffffffffu << (32 - len));
  struct tcp_hdr h;
  memset(&h, 0, sizeof h);
  h.sport = (uint16_t)(1024 + sim_rng_below(&f->rng, 65536 - 1024));
  h.dport = cfg->target_port;
  h.seq = (uint32_t)sim_rng_u64(&f->rng);
  h.flags = TCP_F_SYN;
  h.win = 65535;
  h.has_mss = 1;
  h.mss = 1460;
  p->src = (cfg->src_prefix & mask) + (uint32_t)sim_rng_below(&f->rng, span);
  p->dst = cfg->target_addr;
  p->proto = 6;
  memcpy(p->l4, &h, sizeof h);
  p->l4_hdr_len = FLOOD_HDR_LEN;
  p->payload_len = 0;
  p->tags.sent_ns = sim_now(f->w);
  p->tags.incarnation = sim_node_epoch(f->w, cfg->attacker);
  f->sent++;
  (void)sim_ip_output(f->w, cfg->attacker, p); /* drops counted by IP */
}

static void flood_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct exp_wl_flood *f = arg;
  const struct exp_wl_flood_cfg *cfg = &f->cfg;
  if (f->stopped || (cfg->stop_ns > 0 && sim_now(w) > cfg->stop_ns) ||
      (cfg->count && f->sent >= cfg->count))
    return;
  flood_send(f);
  if (cfg->count && f->sent >= cfg->count)
    return;
  enum exp_wl_rate r = cfg->rate == EXP_WL_RATE_POISSON ? EXP_WL_RATE_POISSON
                                                        : EXP_WL_RATE_FIXED;
  int64_t t = sim_now(w) + next_gap(&f->rng, r, cfg->gap_ns);
  if (cfg->stop_ns <= 0 || t <= cfg->stop_ns)
    (void)sim_schedule_at(w, &f->ev, t);
}

int exp_wl_flood_start(struct sim_world *w, const struct exp_wl_flood_cfg *cfg,
                       struct exp_wl_flood **out)
{
  *out = NULL;
  if (!w || !cfg || cfg->attacker >= sim_node_count(w) ||
      cfg->target_addr == 0 || cfg->target_port == 0 ||
      cfg->src_prefix_len > 32 || cfg->start_ns < sim_now(w) ||
      cfg->gap_ns < 0 || (cfg->gap_ns == 0 && cfg->count == 0))
    return TCP_EINVAL;
  struct exp_wl_flood *f = calloc(1, sizeof *f);
  if (!f)
    return TCP_ENOMEM;
  f->w = w;
  f->cfg = *cfg;
  sim_rng_seed(&f->rng, sim_world_seed(w), "wl.syn_flood", cfg->attacker);
  sim_event_init(&f->ev, flood_fire, f);
  (void)sim_schedule_at(w, &f->ev, cfg->start_ns);
  *out = f;
  return TCP_OK;
}

void exp_wl_flood_stop(struct exp_wl_flood *f)
{
  if (!f)
    return;
  f->stopped = true;
  sim_cancel(f->w, &f->ev);
}

uint64_t exp_wl_flood_sent(const struct exp_wl_flood *f)
{
  return f->sent;
}

void exp_wl_flood_free(struct exp_wl_flood *f)
{
  if (!f)
    return;
  exp_wl_flood_stop(f);
  free(f);
}
