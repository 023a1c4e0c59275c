/*
 * timeline.c - the socket calls of [action.NAME] sections at their times
 * (experiments/timeline.h says what they do and report).
 *
 * Each action has a sim_event embedded in a small array, scheduled at
 * start in file order: events at the same time fire in the order they
 * were scheduled (sim/sim.h), which is the order the parser promised when
 * it checked that a call's sock runs before it (experiments/exp_int.h,
 * axiom d).
 *
 * Every socket the timeline holds is a struct tl_sock on one list (walked
 * only to free them): a connect's socket, a listener, or a connection a
 * listener accepted (kept in the listener's array in accept order, which
 * is what NAME#k indexes). A tl_sock lives until the timeline is freed;
 * its handle is released by a close or abort action (s becomes NULL), so
 * that a later call on it is answered EBADF here without touching a
 * released handle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/timeline.h"
#include "experiments/workload.h"

/* ====================================================================== */
/* Types                                                                   */
/* ====================================================================== */

struct tl_sock {
  struct exp_timeline *tl;
  struct tl_sock *next;        /* every socket of the timeline */
  struct tcp_sock *s;          /* NULL once released */
  const struct exp_action *act; /* the connect or listen behind it */
  uint32_t nth;                /* 0: act's own socket; k: k-th accepted */
  bool listener;
  uint64_t conn_id;
  struct tl_sock **acc;        /* listener: accepted, in order */
  size_t nacc, capacc;
};

struct tl_act {
  struct exp_timeline *tl;
  struct sim_event ev;
  const struct exp_action *a;
  struct tl_sock *made;        /* connect/listen: its socket once run */
};

struct exp_timeline {
  const struct exp_config *cfg;
  struct sim_world *w;
  struct tcp_module *m;
  struct exp_wl_hook hook;
  struct tl_act *acts;         /* one per cfg->actions[i] */
  size_t nacts;
  struct tl_sock *socks;
  struct exp_timeline_stats st;
};

/* ====================================================================== */
/* Helpers                                                                 */
/* ====================================================================== */

/* "NAME" or "NAME#k", as the experiment file names the socket. */
static const char *sock_ref(const struct tl_sock *ts, char *buf, size_t cap)
{
  if (ts->nth)
    snprintf(buf, cap, "%s#%u", ts->act->name, (unsigned)ts->nth);
  else
    snprintf(buf, cap, "%s", ts->act->name);
  return buf;
}

static uint64_t conn_id_of(const struct tcp_sock *s)
{
  struct tcp_sock_info si;
  return s && tcp_sock_info(s, &si) == TCP_OK ? si.conn_id : 0;
}

/* One app event: what, "REF" or "REF: ok|ERRNAME" (with_outcome). */
static void report(struct exp_timeline *tl, uint32_t node, uint64_t conn_id,
                   const char *what, const char *ref, bool with_outcome,
                   int rc)
{
  char detail[320];
  if (with_outcome)
    snprintf(detail, sizeof detail, "%s: %s", ref,
             rc == TCP_OK ? "ok" : tcp_errname(rc));
  else
    snprintf(detail, sizeof detail, "%s", ref);
  if (tl->hook.event)
    tl->hook.event(tl->hook.ctx, node, conn_id, sim_now(tl->w), what, detail);
}

static struct tl_sock *sock_new(struct exp_timeline *tl,
                                const struct exp_action *a, uint32_t nth)
{
  struct tl_sock *ts = calloc(1, sizeof *ts);
  if (!ts)
    return NULL;
  ts->tl = tl;
  ts->act = a;
  ts->nth = nth;
  ts->next = tl->socks;
  tl->socks = ts;
  return ts;
}

/* ====================================================================== */
/* Callbacks                                                               */
/* ====================================================================== */

static void conn_connected(struct tcp_sock *s, void *ctx)
{
  struct tl_sock *ts = ctx;
  char ref[300];
  ts->conn_id = conn_id_of(s);
  ts->tl->st.established++;
  report(ts->tl, ts->act->host, ts->conn_id, "established",
         sock_ref(ts, ref, sizeof ref), false, TCP_OK);
}

static void conn_readable(struct tcp_sock *s, size_t avail, void *ctx)
{
  struct tl_sock *ts = ctx;
  ts->tl->st.bytes_read += tcp_recv(s, avail);
}

static void conn_peer_closed(struct tcp_sock *s, void *ctx)
{
  struct tl_sock *ts = ctx;
  char ref[300];
  (void)s;
  report(ts->tl, ts->act->host, ts->conn_id, "peer_closed",
         sock_ref(ts, ref, sizeof ref), false, TCP_OK);
}

/* The connection ended on its own (or the host lost power). The handle
 * stays ours, in CLOSED, until a close or abort action or the end. */
static void conn_closed(struct tcp_sock *s, int err, void *ctx)
{
  struct tl_sock *ts = ctx;
  char ref[300];
  (void)s;
  if (err != TCP_OK)
    ts->tl->st.conn_errors++;
  report(ts->tl, ts->act->host, ts->conn_id, "closed",
         sock_ref(ts, ref, sizeof ref), true, err);
}

static const struct tcp_callbacks conn_cb = {
  .connected = conn_connected,
  .readable = conn_readable,
  .peer_closed = conn_peer_closed,
  .closed = conn_closed,
};

static void lis_acceptable(struct tcp_sock *l, void *ctx)
{
  struct tl_sock *li = ctx;
  struct exp_timeline *tl = li->tl;
  char ref[300];
  for (;;) {
    if (li->nacc == li->capacc) {
      size_t cap = li->capacc ? li->capacc * 2 : 4;
      struct tl_sock **na = realloc(li->acc, cap * sizeof *na);
      if (!na)
        return; /* left in the accept queue, as a busy process would */
      li->acc = na;
      li->capacc = cap;
    }
    struct tl_sock *ts = sock_new(tl, li->act, (uint32_t)li->nacc + 1);
    if (!ts)
      return;
    if (tcp_accept(l, &conn_cb, ts, &ts->s) != TCP_OK) {
      tl->socks = ts->next; /* sock_new put it first */
      free(ts);
      return;
    }
    li->acc[li->nacc++] = ts;
    ts->conn_id = conn_id_of(ts->s);
    tl->st.accepted++;
    report(tl, li->act->host, ts->conn_id, "accept",
           sock_ref(ts, ref, sizeof ref), false, TCP_OK);
  }
}

static void lis_closed(struct tcp_sock *s, int err, void *ctx)
{
  struct tl_sock *ts = ctx;
  char ref[300];
  (void)s;
  report(ts->tl, ts->act->host, 0, "closed", sock_ref(ts, ref, sizeof ref),
         true, err);
}

static const struct tcp_callbacks lis_cb = {
  .acceptable = lis_acceptable,
  .closed = lis_closed,
};

/* ====================================================================== */
/* The calls                                                               */
/* ====================================================================== */

static int do_listen(struct exp_timeline *tl, const struct exp_action *a,
                     struct tl_sock *ts)
{
  ts->listener = true;
  int rc = tcp_socket(tl->m, a->host, EXP_TIMELINE_OWNER, &lis_cb, ts, &ts->s);
  if (rc == TCP_OK)
    rc = tcp_bind(ts->s, 0, a->port);
  if (rc == TCP_OK)
    rc = tcp_listen(ts->s, a->backlog);
  return rc;
}

static int do_connect(struct exp_timeline *tl, const struct exp_action *a,
                      struct tl_sock *ts)
{
  int rc = tcp_socket(tl->m, a->host, EXP_TIMELINE_OWNER, &conn_cb, ts,
                      &ts->s);
  if (rc == TCP_OK && a->local_port) {
    (void)tcp_setopt(ts->s, TCP_OPT_REUSEADDR, 1);
    rc = tcp_bind(ts->s, 0, a->local_port);
  }
  if (rc == TCP_OK)
    rc = tcp_connect(ts->s, sim_node_addr(tl->w, a->to), a->port);
  ts->conn_id = conn_id_of(ts->s);
  return rc;
}

/* The socket an action's sock names; NULL when it does not exist (yet). */
static struct tl_sock *target_of(struct exp_timeline *tl,
                                 const struct exp_action *a)
{
  struct tl_sock *made = tl->acts[a->sock].made;
  if (!made || a->nth == 0)
    return made;
  return a->nth <= made->nacc ? made->acc[a->nth - 1] : NULL;
}

static void act_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct tl_act *ta = arg;
  struct exp_timeline *tl = ta->tl;
  const struct exp_action *a = ta->a;
  struct tl_sock *ts = NULL;
  char ref[300];
  int rc = TCP_OK;
  (void)w;
  (void)ev;
  switch (a->kind) {
  case EXP_ACT_LISTEN:
  case EXP_ACT_CONNECT:
    ts = sock_new(tl, a, 0);
    if (!ts) {
      rc = TCP_ENOMEM;
      break;
    }
    ta->made = ts;
    rc = a->kind == EXP_ACT_LISTEN ? do_listen(tl, a, ts)
                                   : do_connect(tl, a, ts);
    if (rc != TCP_OK && ts->s) {
      (void)tcp_close(ts->s); /* as a program closes a failed socket */
      ts->s = NULL;
    }
    break;
  case EXP_ACT_SEND:
  case EXP_ACT_SHUTDOWN:
  case EXP_ACT_CLOSE:
  case EXP_ACT_ABORT: {
    ts = target_of(tl, a);
    if (!ts) {
      rc = TCP_ENOTCONN;
      break;
    }
    if (!ts->s) {
      rc = TCP_EBADF;
      break;
    }
    if (!ts->conn_id)
      ts->conn_id = conn_id_of(ts->s);
    if (a->kind == EXP_ACT_SEND) {
      int64_t n = tcp_send(ts->s, a->bytes);
      rc = n < 0 ? (int)n : TCP_OK;
    } else if (a->kind == EXP_ACT_SHUTDOWN) {
      rc = tcp_shutdown(ts->s);
    } else {
      rc = a->kind == EXP_ACT_CLOSE ? tcp_close(ts->s) : tcp_abort(ts->s);
      ts->s = NULL; /* released whatever the answer */
    }
    break;
  }
  }
  tl->st.calls++;
  if (rc == TCP_OK)
    tl->st.ok++;
  else
    tl->st.failed++;
  if (ts)
    sock_ref(ts, ref, sizeof ref);
  else if (a->sock != SIZE_MAX && a->nth)
    snprintf(ref, sizeof ref, "%s#%u", tl->cfg->actions[a->sock].name,
             (unsigned)a->nth);
  else
    snprintf(ref, sizeof ref, "%s",
             a->sock != SIZE_MAX ? tl->cfg->actions[a->sock].name : a->name);
  report(tl, a->host, ts ? ts->conn_id : 0, exp__action_name(a->kind), ref,
         true, rc);
}

/* ====================================================================== */
/* API                                                                     */
/* ====================================================================== */

int exp__timeline_start(const struct exp_config *cfg, struct sim_world *w,
                        struct tcp_module *m, struct res_recorder *rec,
                        struct exp_timeline **out)
{
  *out = NULL;
  if (!cfg || !w || !m)
    return TCP_EINVAL;
  for (size_t i = 0; i < cfg->nactions; i++) {
    const struct exp_action *a = &cfg->actions[i];
    if (a->host >= sim_node_count(w) ||
        sim_node_kind(w, a->host) != SIM_NODE_HOST ||
        a->at_ns < sim_now(w) ||
        (a->kind == EXP_ACT_CONNECT &&
         (a->to >= sim_node_count(w) || sim_node_addr(w, a->to) == 0)))
      return TCP_EINVAL;
  }
  struct exp_timeline *tl = calloc(1, sizeof *tl);
  if (!tl)
    return TCP_ENOMEM;
  tl->cfg = cfg;
  tl->w = w;
  tl->m = m;
  tl->hook = exp_wl_hook_recorder(rec);
  tl->acts = calloc(cfg->nactions ? cfg->nactions : 1, sizeof *tl->acts);
  if (!tl->acts) {
    free(tl);
    return TCP_ENOMEM;
  }
  tl->nacts = cfg->nactions;
  for (size_t i = 0; i < tl->nacts; i++) {
    struct tl_act *ta = &tl->acts[i];
    ta->tl = tl;
    ta->a = &cfg->actions[i];
    sim_event_init(&ta->ev, act_fire, ta);
    if (sim_schedule_at(w, &ta->ev, ta->a->at_ns) != SIM_OK) {
      exp__timeline_free(tl);
      return TCP_EINVAL;
    }
  }
  *out = tl;
  return TCP_OK;
}

void exp__timeline_stats(const struct exp_timeline *tl,
                         struct exp_timeline_stats *out)
{
  *out = tl->st;
}

void exp__timeline_free(struct exp_timeline *tl)
{
  if (!tl)
    return;
  for (size_t i = 0; i < tl->nacts; i++)
    sim_cancel(tl->w, &tl->acts[i].ev);
  while (tl->socks) {
    struct tl_sock *ts = tl->socks;
    tl->socks = ts->next;
    if (ts->s)
      (void)(ts->listener ? tcp_close(ts->s) : tcp_abort(ts->s));
    free(ts->acc);
    free(ts);
  }
  free(tl->acts);
  free(tl);
}
