/*
 * pictures.c - pictures drawn from a results database: the ladder diagram
 * of one connection (SVG) and the state diagram with a run's transition
 * counts (Graphviz dot, or a text table). API and error conventions in
 * results/pictures.h; what users see is described in results/README.md,
 * section "Pictures".
 *
 * Only reads the database, through its own read-only sqlite3 handle: the
 * writer's internals (res_int.h) are not used, the schema documented in
 * the README is the whole contract.
 *
 * The ladder is built in three passes:
 *   1. load: the connection, its peer (reversed 4-tuple, alive at the same
 *      time), the segment rows of the 4-tuple in either direction, the
 *      transitions of both connections;
 *   2. match: every `send` row starts a segment; its `recv` and `drop` rows
 *      are found by header equality in FIFO order (the table has no packet
 *      id; identical retransmissions in flight together are
 *      indistinguishable, and FIFO is what a link does to them);
 *   3. layout: every event becomes an item sorted by (time, phase, idx);
 *      each instant gets a row, split into sub-rows where two labels of the
 *      same side would overlap; rows are spaced by the log of the gap, and
 *      gaps much longer than a one-way trip are cut and marked, so that a
 *      2MSL wait does not push the handshake off the page.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results/pictures.h"
#include "results/results.h"

#define PIC_PI 3.14159265358979323846

/* ====================================================================== */
/* Types                                                                   */
/* ====================================================================== */

/* A read-only database handle and where its messages go. */
struct pic_db {
  sqlite3 *h;
  const char *path;
  char *err;
  size_t errcap;
};

/* One side of the ladder: 0 the connection asked for (left), 1 its peer
 * (right). */
struct lad_conn {
  bool present;             /* side 1 only: false when drawn anonymous */
  int64_t id, node;         /* node -1: not a host of the run */
  char kind[16];
  char endpoint[64];        /* addr:port of this side */
  char host[64];            /* host name, "" if unknown */
  char final_state[24];
  bool has_iss, has_irs;
  int64_t iss, irs;
  int64_t opened_ns, closed_ns; /* closed_ns -1: open at the end of the run */
};

/* One TCP segment: a send row and its fate. */
struct lad_seg {
  int dir;                  /* sender side: 0 left, 1 right */
  int64_t conn_id;          /* sender's connection, -1 if NULL */
  int64_t incarnation;
  char flags[8];
  int64_t seq, ack, len, win;
  int64_t idx;              /* of the send row */
  int64_t t_send;
  int64_t t_recv;           /* -1: never handed to the receiver's TCP */
  int64_t t_drop;           /* -1: not dropped */
  int64_t t_dup;            /* -1: no duplicate arrival */
  bool drop_at_receiver;    /* dropped by the receiving host (TCP, host down) */
  char reason[40];
  bool keep;
  double y_send, y_end, y_dup;
};

struct lad_trans {
  int side;
  int64_t idx, t_ns;
  char to[24], cause[64];
  double y;
};

enum lad_item_kind { IT_END, IT_DUP, IT_STATE, IT_SEND };

/* An event placed on the time axis. */
struct lad_item {
  int64_t t;
  int phase;                /* at one instant: arrivals, states, then sends */
  int64_t order;            /* row idx in its table */
  enum lad_item_kind kind;
  int side;                 /* where its label goes */
  size_t ref;               /* index into segs or trans */
};

struct lad_time_mark {
  double y;
  int64_t t;
};

struct lad_gap_mark {
  double y;
  int64_t gap_ns;
};

struct lad {
  struct pic_db d;
  int64_t run;
  bool absolute;
  char status[16];
  struct lad_conn side[2];
  char addr[2][48];         /* side addresses and ports, from side 0's row */
  int64_t port[2];
  struct lad_seg *segs;
  size_t nsegs, capsegs;
  struct lad_trans *trans;
  size_t ntrans, captrans;
  struct lad_time_mark *times;
  size_t ntimes;
  struct lad_gap_mark *gaps;
  size_t ngaps;
  double height;
  int64_t base[2];          /* ISN of each direction for relative numbers */
};

/* ====================================================================== */
/* Private prototypes                                                      */
/* ====================================================================== */

static int pic_fail(struct pic_db *d, int rc, const char *fmt, ...);
static int pic_open(struct pic_db *d, const char *path, char *err,
                    size_t errcap);
static void pic_close(struct pic_db *d);
static int pic_prepare(struct pic_db *d, const char *sql, sqlite3_stmt **st);
static void col_text(sqlite3_stmt *st, int col, char *buf, size_t cap);
static int pic_run_check(struct pic_db *d, int64_t run, char *status,
                         size_t scap, char *level, size_t lcap);

static int lad_load(struct lad *l, int64_t conn_id);
static void lad_select(struct lad *l);
static int lad_layout(struct lad *l);
static void lad_write(struct lad *l, FILE *out);
static void lad_free(struct lad *l);

static void xml_text(FILE *out, const char *s);

/* ====================================================================== */
/* Database access                                                         */
/* ====================================================================== */

static int pic_fail(struct pic_db *d, int rc, const char *fmt, ...)
{
  if (d->err && d->errcap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, d->errcap, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* Open read-only and check that the file is a results database of our
 * schema version: the same refusals as res_open, without ever creating or
 * changing the file. */
static int pic_open(struct pic_db *d, const char *path, char *err,
                    size_t errcap)
{
  struct stat sb;
  sqlite3_stmt *st = NULL;
  int rc, version;

  d->h = NULL;
  d->path = path;
  d->err = err;
  d->errcap = errcap;
  if (err && errcap)
    err[0] = '\0';
  if (!path || !*path)
    return pic_fail(d, RES_EOPEN, "no database path given");
  if (stat(path, &sb) != 0)
    return pic_fail(d, RES_EOPEN, "cannot open %s: %s", path, strerror(errno));
  if (S_ISDIR(sb.st_mode))
    return pic_fail(d, RES_EOPEN, "%s is a directory, not a results database",
                    path);
  rc = sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK) {
    rc = pic_fail(d, RES_EOPEN, "cannot open %s: %s", path,
                  d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
    pic_close(d);
    return rc;
  }
  sqlite3_busy_timeout(d->h, 5000);
  if (sqlite3_prepare_v2(d->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_step(st) != SQLITE_ROW) {
    rc = pic_fail(d, RES_EOPEN, "%s is not a tcpsim results database (%s)",
                  path, sqlite3_errmsg(d->h));
    sqlite3_finalize(st);
    pic_close(d);
    return rc;
  }
  version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (version == 0) {
    pic_close(d);
    return pic_fail(d, RES_EOPEN, "%s is not a tcpsim results database "
                    "(no schema version)", path);
  }
  if (version != RES_SCHEMA_VERSION) {
    pic_close(d);
    return pic_fail(d, RES_EVERSION, "%s has schema version %d; this tcpsim "
                    "reads version %d", path, version, RES_SCHEMA_VERSION);
  }
  return RES_OK;
}

static void pic_close(struct pic_db *d)
{
  if (d->h)
    sqlite3_close(d->h);
  d->h = NULL;
}

static int pic_prepare(struct pic_db *d, const char *sql, sqlite3_stmt **st)
{
  if (sqlite3_prepare_v2(d->h, sql, -1, st, NULL) != SQLITE_OK)
    return pic_fail(d, RES_EDB, "%s: query failed: %s", d->path,
                    sqlite3_errmsg(d->h));
  return RES_OK;
}

/* Text of a column, "" for NULL, truncated to cap. */
static void col_text(sqlite3_stmt *st, int col, char *buf, size_t cap)
{
  const unsigned char *s = sqlite3_column_text(st, col);
  snprintf(buf, cap, "%s", s ? (const char *)s : "");
}

/* The run exists: its status and trace level ("" if NULL). */
static int pic_run_check(struct pic_db *d, int64_t run, char *status,
                         size_t scap, char *level, size_t lcap)
{
  sqlite3_stmt *st;
  int rc = pic_prepare(d, "SELECT status, trace_level FROM runs WHERE run_id=?1",
                       &st);
  if (rc != RES_OK)
    return rc;
  sqlite3_bind_int64(st, 1, run);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    col_text(st, 0, status, scap);
    col_text(st, 1, level, lcap);
    rc = RES_OK;
  } else if (rc == SQLITE_DONE) {
    rc = pic_fail(d, RES_EINVAL, "run %" PRId64 " is not in %s", run, d->path);
  } else {
    rc = pic_fail(d, RES_EDB, "%s: reading runs: %s", d->path,
                  sqlite3_errmsg(d->h));
  }
  sqlite3_finalize(st);
  return rc;
}

/* ====================================================================== */
/* Text helpers                                                            */
/* ====================================================================== */

static void xml_text(FILE *out, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '&': fputs("&amp;", out); break;
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&apos;", out); break;
    default:
      /* control characters are not allowed in XML 1.0 */
      if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
        fputc('?', out);
      else
        fputc(*s, out);
    }
  }
}

/* A simulated time for the picture: ms below 10 s, s above, trailing
 * zeros dropped, exact to the nanosecond. */
static void fmt_time(int64_t ns, char *buf, size_t cap)
{
  const char *unit = ns >= 10 * (int64_t)1000000000 ? "s" : "ms";
  int64_t div = unit[0] == 's' ? 1000000000 : 1000000;
  int digits = unit[0] == 's' ? 9 : 6;
  char frac[16];
  int64_t whole = ns / div, rest = ns % div;

  snprintf(frac, sizeof frac, "%0*" PRId64, digits, rest);
  for (int i = digits - 1; i >= 0 && frac[i] == '0'; i--)
    frac[i] = '\0';
  if (frac[0])
    snprintf(buf, cap, "%" PRId64 ".%s %s", whole, frac, unit);
  else
    snprintf(buf, cap, "%" PRId64 " %s", whole, unit);
}

/* A duration for gap marks: three significant figures. */
static void fmt_span(int64_t ns, char *buf, size_t cap)
{
  double v = (double)ns;
  if (v >= 1e9)
    snprintf(buf, cap, "%.3g s", v / 1e9);
  else if (v >= 1e6)
    snprintf(buf, cap, "%.3g ms", v / 1e6);
  else
    snprintf(buf, cap, "%.3g us", v / 1e3);
}

/* "a.b.c.d:port" into its address and port; -1 if not of that form. */
static int split_endpoint(const char *ep, char *addr, size_t cap, int64_t *port)
{
  const char *colon = strrchr(ep, ':');
  char *end;
  long p;

  if (!colon || colon == ep || (size_t)(colon - ep) >= cap)
    return -1;
  memcpy(addr, ep, (size_t)(colon - ep));
  addr[colon - ep] = '\0';
  errno = 0;
  p = strtol(colon + 1, &end, 10);
  if (errno || *end || end == colon + 1 || p < 0 || p > 65535)
    return -1;
  *port = p;
  return 0;
}

/* ====================================================================== */
/* Ladder: load                                                            */
/* ====================================================================== */

#define CONN_COLS \
  "conn_id, node, kind, local, remote, iss, irs, opened_ns, closed_ns, final_state"

static void read_conn(sqlite3_stmt *st, struct lad_conn *c, char *remote,
                      size_t rcap)
{
  c->present = true;
  c->id = sqlite3_column_int64(st, 0);
  c->node = sqlite3_column_int64(st, 1);
  col_text(st, 2, c->kind, sizeof c->kind);
  col_text(st, 3, c->endpoint, sizeof c->endpoint);
  if (remote)
    col_text(st, 4, remote, rcap);
  c->has_iss = sqlite3_column_type(st, 5) != SQLITE_NULL;
  c->iss = sqlite3_column_int64(st, 5);
  c->has_irs = sqlite3_column_type(st, 6) != SQLITE_NULL;
  c->irs = sqlite3_column_int64(st, 6);
  c->opened_ns = sqlite3_column_int64(st, 7);
  c->closed_ns = sqlite3_column_type(st, 8) == SQLITE_NULL
                     ? -1 : sqlite3_column_int64(st, 8);
  col_text(st, 9, c->final_state, sizeof c->final_state);
}

/* Host name of a node, or of the host owning addr when node < 0. */
static int host_name(struct lad *l, int64_t node, const char *addr,
                     char *buf, size_t cap)
{
  sqlite3_stmt *st;
  int rc = pic_prepare(&l->d, node >= 0
                           ? "SELECT name, node FROM hosts WHERE run_id=?1 AND node=?2"
                           : "SELECT name, node FROM hosts WHERE run_id=?1 AND addr=?3"
                             " ORDER BY node LIMIT 1",
                       &st);
  if (rc != RES_OK)
    return rc;
  sqlite3_bind_int64(st, 1, l->run);
  if (node >= 0)
    sqlite3_bind_int64(st, 2, node);
  else
    sqlite3_bind_text(st, 3, addr, -1, SQLITE_TRANSIENT);
  buf[0] = '\0';
  if (sqlite3_step(st) == SQLITE_ROW)
    col_text(st, 0, buf, cap);
  sqlite3_finalize(st);
  return RES_OK;
}

/* Whether two rows carry the same segment header (the packet identity the
 * table has). */
static bool same_hdr(const struct lad_seg *a, const struct lad_seg *b)
{
  return a->dir == b->dir && a->conn_id == b->conn_id &&
         a->incarnation == b->incarnation && !strcmp(a->flags, b->flags) &&
         a->seq == b->seq && a->ack == b->ack && a->len == b->len &&
         a->win == b->win;
}

static struct lad_seg *seg_push(struct lad *l)
{
  if (l->nsegs == l->capsegs) {
    size_t cap = l->capsegs ? l->capsegs * 2 : 64;
    struct lad_seg *n = realloc(l->segs, cap * sizeof *n);
    if (!n)
      return NULL;
    l->segs = n;
    l->capsegs = cap;
  }
  struct lad_seg *s = &l->segs[l->nsegs++];
  memset(s, 0, sizeof *s);
  return s;
}

static int lad_load_conns(struct lad *l, int64_t conn_id)
{
  sqlite3_stmt *st;
  char remote[64] = "";
  int rc = pic_prepare(&l->d, "SELECT " CONN_COLS " FROM connections"
                              " WHERE run_id=?1 AND conn_id=?2", &st);
  if (rc != RES_OK)
    return rc;
  sqlite3_bind_int64(st, 1, l->run);
  sqlite3_bind_int64(st, 2, conn_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    read_conn(st, &l->side[0], remote, sizeof remote);
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE)
    return pic_fail(&l->d, RES_EINVAL, "connection %" PRId64 " is not in run %"
                    PRId64 " of %s (its row is written when it ends, or when "
                    "the run finishes)", conn_id, l->run, l->d.path);
  if (rc != SQLITE_ROW)
    return pic_fail(&l->d, RES_EDB, "%s: reading connections: %s", l->d.path,
                    sqlite3_errmsg(l->d.h));
  if (!strcmp(l->side[0].kind, "listener"))
    return pic_fail(&l->d, RES_EINVAL, "connection %" PRId64 " of run %" PRId64
                    " is a listener: it sends no segments of its own; draw one "
                    "of the passive connections it accepted", conn_id, l->run);
  if (split_endpoint(l->side[0].endpoint, l->addr[0], sizeof l->addr[0], &l->port[0]) ||
      split_endpoint(remote, l->addr[1], sizeof l->addr[1], &l->port[1]))
    return pic_fail(&l->d, RES_EINVAL, "connection %" PRId64 " of run %" PRId64
                    " never sent a segment (no local/remote endpoint): "
                    "nothing to draw", conn_id, l->run);

  /* The peer: reversed 4-tuple, alive at the same time; of several (the
   * 4-tuple reused), the one opened nearest to ours. */
  rc = pic_prepare(&l->d, "SELECT " CONN_COLS " FROM connections"
                          " WHERE run_id=?1 AND local=?2 AND remote=?3 AND conn_id<>?4"
                          " AND (closed_ns IS NULL OR closed_ns >= ?5)"
                          " AND (?6 < 0 OR opened_ns <= ?6)"
                          " ORDER BY abs(opened_ns - ?5), conn_id LIMIT 1", &st);
  if (rc != RES_OK)
    return rc;
  sqlite3_bind_int64(st, 1, l->run);
  sqlite3_bind_text(st, 2, remote, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, l->side[0].endpoint, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, conn_id);
  sqlite3_bind_int64(st, 5, l->side[0].opened_ns);
  sqlite3_bind_int64(st, 6, l->side[0].closed_ns);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    read_conn(st, &l->side[1], NULL, 0);
  } else {
    l->side[1].present = false;
    l->side[1].id = -1;
    l->side[1].node = -1;
    snprintf(l->side[1].endpoint, sizeof l->side[1].endpoint, "%s", remote);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return pic_fail(&l->d, RES_EDB, "%s: reading connections: %s", l->d.path,
                    sqlite3_errmsg(l->d.h));

  rc = host_name(l, l->side[0].node, NULL, l->side[0].host, sizeof l->side[0].host);
  if (rc == RES_OK)
    rc = host_name(l, l->side[1].node, l->addr[1], l->side[1].host,
                   sizeof l->side[1].host);
  if (rc == RES_OK && !l->side[1].present && l->side[1].host[0]) {
    /* the remote address is a host of the run: its node for drops */
    sqlite3_stmt *hn;
    rc = pic_prepare(&l->d, "SELECT node FROM hosts WHERE run_id=?1 AND addr=?2"
                            " ORDER BY node LIMIT 1", &hn);
    if (rc == RES_OK) {
      sqlite3_bind_int64(hn, 1, l->run);
      sqlite3_bind_text(hn, 2, l->addr[1], -1, SQLITE_TRANSIENT);
      if (sqlite3_step(hn) == SQLITE_ROW)
        l->side[1].node = sqlite3_column_int64(hn, 0);
      sqlite3_finalize(hn);
    }
  }
  return rc;
}

/* Rows of the 4-tuple in either direction, matched into segments (pass 2
 * runs as the rows arrive, in idx order). */
static int lad_load_segments(struct lad *l)
{
  sqlite3_stmt *st;
  int rc = pic_prepare(&l->d,
      "SELECT idx, t_ns, event, node, conn_id, incarnation, src, sport, flags,"
      " seq, ack, len, win, drop_reason, dup FROM segments"
      " WHERE run_id=?1 AND ((src=?2 AND sport=?3 AND dst=?4 AND dport=?5)"
      "  OR (src=?4 AND sport=?5 AND dst=?2 AND dport=?3)) ORDER BY idx", &st);
  if (rc != RES_OK)
    return rc;
  sqlite3_bind_int64(st, 1, l->run);
  sqlite3_bind_text(st, 2, l->addr[0], -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, l->port[0]);
  sqlite3_bind_text(st, 4, l->addr[1], -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, l->port[1]);

  size_t first_open = 0; /* every segment before it has a fate */
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    struct lad_seg k;
    char event[8], src[48];
    memset(&k, 0, sizeof k);
    k.idx = sqlite3_column_int64(st, 0);
    int64_t t = sqlite3_column_int64(st, 1);
    col_text(st, 2, event, sizeof event);
    int64_t node = sqlite3_column_int64(st, 3);
    k.conn_id = sqlite3_column_type(st, 4) == SQLITE_NULL
                    ? -1 : sqlite3_column_int64(st, 4);
    k.incarnation = sqlite3_column_int64(st, 5);
    col_text(st, 6, src, sizeof src);
    k.dir = !(strcmp(src, l->addr[0]) == 0 &&
              sqlite3_column_int64(st, 7) == l->port[0]);
    col_text(st, 8, k.flags, sizeof k.flags);
    k.seq = sqlite3_column_int64(st, 9);
    k.ack = sqlite3_column_int64(st, 10);
    k.len = sqlite3_column_int64(st, 11);
    k.win = sqlite3_column_int64(st, 12);
    bool dup = sqlite3_column_int64(st, 14) != 0;

    bool is_drop = !strcmp(event, "drop");
    int64_t sender = l->side[k.dir].node, receiver = l->side[!k.dir].node;
    char reason[40];
    col_text(st, 13, reason, sizeof reason);
    /* A link duplicate's send and loss change nothing on the picture; its
     * arrival is drawn with its original. */
    if (dup && (is_drop || !strcmp(event, "send")))
      continue;
    /* A segment lost by the sender's first link (loss, full queue) or
     * without a route has a drop row and no send row: it is sent and lost
     * at that instant. */
    bool lost_at_once = is_drop && node == sender &&
                        (!strcmp(reason, "loss") || !strcmp(reason, "queue full") ||
                         !strcmp(reason, "no route"));
    struct lad_seg *hit = NULL;
    if ((is_drop && node == receiver) || dup) {
      /* TCP drops what it was just handed (recv, then drop, same node and
       * instant); a duplicate follows its original: both are recent. */
      for (size_t i = l->nsegs; i-- > 0 && !hit;) {
        struct lad_seg *s = &l->segs[i];
        if (!same_hdr(s, &k))
          continue;
        if (dup ? s->t_dup < 0 : s->t_recv == t && s->t_drop < 0)
          hit = s;
      }
    }
    /* Otherwise the earliest segment with the same header and no fate:
     * FIFO, as a link delivers identical segments. */
    for (size_t i = first_open;
         i < l->nsegs && !hit && !dup && !lost_at_once && strcmp(event, "send");
         i++) {
      struct lad_seg *s = &l->segs[i];
      if (same_hdr(s, &k) && s->t_recv < 0 && s->t_drop < 0)
        hit = s;
    }
    if (!hit && (!strcmp(event, "send") || (is_drop && node == sender))) {
      /* a new segment: a send, or a drop at the sender with no send */
      struct lad_seg *s = seg_push(l);
      if (!s) {
        rc = RES_ENOMEM;
        break;
      }
      *s = k;
      s->t_send = t;
      s->t_recv = s->t_drop = s->t_dup = -1;
      if (!is_drop)
        continue;
      hit = s;
    }
    if (!hit)
      continue; /* a fate whose send was not recorded: nothing to draw */
    if (is_drop) {
      hit->t_drop = t;
      hit->drop_at_receiver = node == receiver;
      snprintf(hit->reason, sizeof hit->reason, "%s", reason);
    } else if (dup) {
      hit->t_dup = t;
    } else {
      hit->t_recv = t;
    }
    while (first_open < l->nsegs &&
           (l->segs[first_open].t_recv >= 0 || l->segs[first_open].t_drop >= 0))
      first_open++;
  }
  sqlite3_finalize(st);
  if (rc == RES_ENOMEM)
    return pic_fail(&l->d, RES_ENOMEM, "out of memory reading segments");
  if (rc != SQLITE_DONE)
    return pic_fail(&l->d, RES_EDB, "%s: reading segments: %s", l->d.path,
                    sqlite3_errmsg(l->d.h));
  return RES_OK;
}

static int lad_load_transitions(struct lad *l)
{
  sqlite3_stmt *st;
  int rc = pic_prepare(&l->d, "SELECT idx, t_ns, conn_id, to_state, cause"
                              " FROM transitions WHERE run_id=?1"
                              " AND conn_id IN (?2, ?3) ORDER BY idx", &st);
  if (rc != RES_OK)
    return rc;
  sqlite3_bind_int64(st, 1, l->run);
  sqlite3_bind_int64(st, 2, l->side[0].id);
  sqlite3_bind_int64(st, 3, l->side[1].present ? l->side[1].id : l->side[0].id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (l->ntrans == l->captrans) {
      size_t cap = l->captrans ? l->captrans * 2 : 32;
      struct lad_trans *n = realloc(l->trans, cap * sizeof *n);
      if (!n) {
        rc = RES_ENOMEM;
        break;
      }
      l->trans = n;
      l->captrans = cap;
    }
    struct lad_trans *tr = &l->trans[l->ntrans++];
    memset(tr, 0, sizeof *tr);
    tr->idx = sqlite3_column_int64(st, 0);
    tr->t_ns = sqlite3_column_int64(st, 1);
    tr->side = sqlite3_column_int64(st, 2) != l->side[0].id;
    col_text(st, 3, tr->to, sizeof tr->to);
    col_text(st, 4, tr->cause, sizeof tr->cause);
  }
  sqlite3_finalize(st);
  if (rc == RES_ENOMEM)
    return pic_fail(&l->d, RES_ENOMEM, "out of memory reading transitions");
  if (rc != SQLITE_DONE)
    return pic_fail(&l->d, RES_EDB, "%s: reading transitions: %s", l->d.path,
                    sqlite3_errmsg(l->d.h));
  return RES_OK;
}

static int lad_load(struct lad *l, int64_t conn_id)
{
  char level[24];
  sqlite3_stmt *st;
  int rc = pic_run_check(&l->d, l->run, l->status, sizeof l->status, level,
                         sizeof level);
  if (rc != RES_OK)
    return rc;
  rc = lad_load_conns(l, conn_id);
  if (rc != RES_OK)
    return rc;
  rc = pic_prepare(&l->d, "SELECT EXISTS(SELECT 1 FROM segments WHERE run_id=?1)",
                   &st);
  if (rc != RES_OK)
    return rc;
  sqlite3_bind_int64(st, 1, l->run);
  int any = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (!any)
    return pic_fail(&l->d, RES_EINVAL, "run %" PRId64 " of %s has no segment "
                    "rows (trace level '%s'): rerun the experiment with "
                    "--trace segments to draw a ladder",
                    l->run, l->d.path, level[0] ? level : "?");
  rc = lad_load_segments(l);
  if (rc == RES_OK)
    rc = lad_load_transitions(l);
  return rc;
}

/* ====================================================================== */
/* Ladder: selection and layout                                            */
/* ====================================================================== */

/* Segments of either connection, and segments of no (or another)
 * connection on the 4-tuple in flight while one of them lived: a RST from
 * a closed port, a spoofed SYN, a new incarnation's SYN to a TIME_WAIT. */
static void lad_select(struct lad *l)
{
  int64_t w0 = l->side[0].opened_ns, w1 = l->side[0].closed_ns;
  if (l->side[1].present) {
    if (l->side[1].opened_ns < w0)
      w0 = l->side[1].opened_ns;
    if (w1 >= 0 && (l->side[1].closed_ns < 0 || l->side[1].closed_ns > w1))
      w1 = l->side[1].closed_ns;
  }
  for (size_t i = 0; i < l->nsegs; i++) {
    struct lad_seg *s = &l->segs[i];
    int64_t end = s->t_recv >= 0 ? s->t_recv : s->t_drop >= 0 ? s->t_drop : s->t_send;
    if (s->conn_id >= 0 && (s->conn_id == l->side[0].id ||
                            (l->side[1].present && s->conn_id == l->side[1].id)))
      s->keep = true;
    else
      s->keep = end >= w0 && (w1 < 0 || s->t_send <= w1);
  }
  /* Relative numbers: each direction from its SYN, else from what the
   * connections table knows, else from its first segment. */
  bool have[2] = {false, false};
  for (size_t i = 0; i < l->nsegs; i++) {
    struct lad_seg *s = &l->segs[i];
    if (s->keep && strchr(s->flags, 'S') && !have[s->dir]) {
      l->base[s->dir] = s->seq;
      have[s->dir] = true;
    }
  }
  if (!have[0] && l->side[0].has_iss) {
    l->base[0] = l->side[0].iss;
    have[0] = true;
  }
  if (!have[1] && l->side[0].has_irs) {
    l->base[1] = l->side[0].irs;
    have[1] = true;
  }
  for (size_t i = 0; i < l->nsegs; i++) {
    struct lad_seg *s = &l->segs[i];
    if (s->keep && !have[s->dir]) {
      l->base[s->dir] = s->seq;
      have[s->dir] = true;
    }
  }
}

static int item_cmp(const void *a, const void *b)
{
  const struct lad_item *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  if (x->phase != y->phase)
    return x->phase < y->phase ? -1 : 1;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return (int)x->kind - (int)y->kind;
}

/* Geometry (SVG user units). */
#define LAD_W 860.0
#define LAD_XL 270.0   /* left time line */
#define LAD_XR 700.0   /* right time line */
#define LAD_TOP 118.0  /* first row */
#define LAD_SUB 18.0   /* sub-row at one instant */
#define LAD_ROW 24.0   /* least spacing of two instants */
#define LAD_GAP 60.0   /* spacing across a cut gap */

static int lad_layout(struct lad *l)
{
  size_t cap = l->nsegs * 3 + l->ntrans + 1, n = 0;
  struct lad_item *it = malloc(cap * sizeof *it);
  if (!it)
    return pic_fail(&l->d, RES_ENOMEM, "out of memory laying out the ladder");

  /* A gap is idle, and cut, when it is longer than four one-way trips
   * (at least 10 ms): nothing in flight then can explain it. */
  int64_t flight = 0;
  for (size_t i = 0; i < l->nsegs; i++) {
    struct lad_seg *s = &l->segs[i];
    if (!s->keep)
      continue;
    it[n++] = (struct lad_item){s->t_send, 2, s->idx, IT_SEND, s->dir, i};
    int64_t end = s->t_recv >= 0 ? s->t_recv : s->t_drop;
    if (end >= 0) {
      /* lost at the instant it was sent: drawn one row below its send */
      int phase = end == s->t_send && s->t_recv < 0 ? 3 : 0;
      it[n++] = (struct lad_item){end, phase, s->idx, IT_END, !s->dir, i};
      if (end - s->t_send > flight)
        flight = end - s->t_send;
    }
    if (s->t_dup >= 0)
      it[n++] = (struct lad_item){s->t_dup, 0, s->idx, IT_DUP, !s->dir, i};
  }
  for (size_t i = 0; i < l->ntrans; i++)
    it[n++] = (struct lad_item){l->trans[i].t_ns, 1, l->trans[i].idx, IT_STATE,
                                l->trans[i].side, i};
  qsort(it, n, sizeof *it, item_cmp);
  int64_t idle = 4 * flight > 10000000 ? 4 * flight : 10000000;

  l->times = malloc((n + 1) * sizeof *l->times);
  l->gaps = malloc((n + 1) * sizeof *l->gaps);
  if (!l->times || !l->gaps) {
    free(it);
    return pic_fail(&l->d, RES_ENOMEM, "out of memory laying out the ladder");
  }
  double y = LAD_TOP;
  bool send_used[2] = {false, false}, state_used[2] = {false, false};
  for (size_t i = 0; i < n; i++) {
    struct lad_item *e = &it[i];
    bool new_time = i == 0 || e->t != it[i - 1].t;
    if (new_time && i > 0) {
      int64_t gap = e->t - it[i - 1].t;
      if (gap >= idle) {
        l->gaps[l->ngaps++] = (struct lad_gap_mark){y + LAD_GAP / 2, gap};
        y += LAD_GAP;
      } else {
        /* log spacing: 1 us and less one row, 1 ms about two */
        double us = (double)gap / 1e3;
        double extra = us > 1 ? 10.0 * log10(us) : 0;
        y += LAD_ROW + (extra > 36 ? 36 : extra);
      }
    }
    if (new_time) {
      l->times[l->ntimes++] = (struct lad_time_mark){y, e->t};
      send_used[0] = send_used[1] = state_used[0] = state_used[1] = false;
    } else if ((e->kind == IT_SEND && send_used[e->side]) ||
               (e->kind == IT_STATE && state_used[e->side]) || e->phase == 3) {
      y += LAD_SUB;
      send_used[0] = send_used[1] = state_used[0] = state_used[1] = false;
    }
    switch (e->kind) {
    case IT_SEND:
      send_used[e->side] = true;
      l->segs[e->ref].y_send = y;
      break;
    case IT_STATE:
      state_used[e->side] = true;
      l->trans[e->ref].y = y;
      break;
    case IT_END:
      l->segs[e->ref].y_end = y;
      break;
    case IT_DUP:
      l->segs[e->ref].y_dup = y;
      break;
    }
  }
  l->height = y + 90;
  free(it);
  return RES_OK;
}

/* ====================================================================== */
/* Ladder: SVG                                                             */
/* ====================================================================== */

static double side_x(int side)
{
  return side ? LAD_XR : LAD_XL;
}

/* "[SYN, ACK] seq=0 ack=1 len=0", numbers relative unless absolute. */
static void seg_label(const struct lad *l, const struct lad_seg *s, char *buf,
                      size_t cap)
{
  static const struct { char c; const char *name; } names[] = {
      {'S', "SYN"}, {'F', "FIN"}, {'R', "RST"}, {'P', "PSH"}, {'A', "ACK"},
      {'U', "URG"}};
  char fl[48] = "";
  size_t k = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strchr(s->flags, names[i].c))
      k += (size_t)snprintf(fl + k, sizeof fl - k, "%s%s", k ? ", " : "",
                            names[i].name);
  }
  uint32_t seq = (uint32_t)s->seq, ack = (uint32_t)s->ack;
  if (!l->absolute) {
    seq = (uint32_t)(seq - (uint32_t)l->base[s->dir]);
    ack = (uint32_t)(ack - (uint32_t)l->base[!s->dir]);
  }
  if (strchr(s->flags, 'A'))
    snprintf(buf, cap, "[%s] seq=%" PRIu32 " ack=%" PRIu32 " len=%" PRId64,
             fl[0] ? fl : "none", seq, ack, s->len);
  else
    snprintf(buf, cap, "[%s] seq=%" PRIu32 " len=%" PRId64, fl[0] ? fl : "none",
             seq, s->len);
}

static void write_seg(const struct lad *l, const struct lad_seg *s, FILE *out)
{
  char label[128], ts[32], te[32];
  double x0 = side_x(s->dir), x1 = side_x(!s->dir), y0 = s->y_send, y1;
  bool drop = s->t_drop >= 0 && s->t_recv < 0;
  bool tcp_drop = s->t_drop >= 0 && s->t_recv >= 0;
  bool open = s->t_drop < 0 && s->t_recv < 0;
  const char *cls = drop || tcp_drop ? "seg drop" : open ? "seg open" : "seg";

  if (drop && !s->drop_at_receiver) {
    x1 = x0 + (x1 - x0) * 0.6; /* lost on the way */
    /* lost by the first link at once: sloped a little all the same */
    y1 = s->y_end > y0 + 10 ? s->y_end : y0 + 10;
  } else if (drop || tcp_drop) {
    x1 = x1 + (x0 < x1 ? -12 : 12); /* refused at the receiver's door */
    y1 = s->y_end;
  } else if (open) {
    x1 = x0 + (x1 - x0) * 0.5;
    y1 = y0 + LAD_ROW;
  } else {
    y1 = s->y_end;
  }
  if (y1 < y0)
    y1 = y0;
  seg_label(l, s, label, sizeof label);
  fmt_time(s->t_send, ts, sizeof ts);

  fprintf(out, "<g class=\"%s\">\n", cls);
  fprintf(out, "<title>");
  xml_text(out, label);
  fprintf(out, " win=%" PRId64 "; sent %s", s->win, ts);
  if (s->t_recv >= 0) {
    fmt_time(s->t_recv, te, sizeof te);
    fprintf(out, ", received %s", te);
  }
  if (s->t_drop >= 0) {
    fmt_time(s->t_drop, te, sizeof te);
    fprintf(out, ", dropped %s (", te);
    xml_text(out, s->reason[0] ? s->reason : "?");
    fputc(')', out);
  }
  if (s->conn_id >= 0)
    fprintf(out, "; conn %" PRId64, s->conn_id);
  fprintf(out, "</title>\n");
  fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"%s%s/>\n",
          x0, y0, x1, y1,
          drop || tcp_drop || open ? "" : " marker-end=\"url(#head)\"",
          open ? " stroke-dasharray=\"5 4\"" : "");
  if (drop || tcp_drop) {
    double xx = x1;
    fprintf(out, "<path class=\"x\" d=\"M%.1f %.1fl12 12m0 -12l-12 12\"/>\n",
            xx - 6, y1 - 6);
    /* beside the X on the way; clear of the time line at the receiver */
    bool on_way = drop && !s->drop_at_receiver;
    bool toward_right = on_way ? x0 < x1 : x0 > x1;
    double tx = on_way ? xx + (x0 < x1 ? 12 : -12) : xx + (x0 < x1 ? 6 : -6);
    fprintf(out, "<text class=\"why\" x=\"%.1f\" y=\"%.1f\"%s>dropped: ", tx,
            on_way ? y1 + 4 : y1 + 18,
            toward_right ? " text-anchor=\"start\"" : " text-anchor=\"end\"");
    xml_text(out, s->reason[0] ? s->reason : "?");
    fprintf(out, "</text>\n");
  }
  if (s->t_dup >= 0) {
    double xd = side_x(!s->dir);
    fprintf(out, "<line class=\"dupl\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
            "y2=\"%.1f\"/>\n", x0, y0, xd, s->y_dup);
    fprintf(out, "<text class=\"dupnote\" x=\"%.1f\" y=\"%.1f\" "
            "text-anchor=\"%s\">duplicate</text>\n", xd + (x0 < xd ? -6 : 6),
            s->y_dup + 12, x0 < xd ? "end" : "start");
  }
  if (open)
    fprintf(out, "<text class=\"why\" x=\"%.1f\" y=\"%.1f\" "
            "text-anchor=\"middle\">no arrival "
            "recorded</text>\n", x1, y1 + 14);
  /* The label a third of the way from the sender, along the arrow: arrows
   * crossing each other have their labels on different halves. */
  double span = fabs(x1 - x0), half = 3.1 * (double)strlen(label) + 8;
  double off = span / 3 > half ? span / 3 : half;
  if (off > span / 2 && span / 2 > span / 3)
    off = span / 2 > half ? half : span / 2;
  double lx = x0 + (x1 > x0 ? off : -off);
  double ly = y0 + (y1 - y0) * (span > 0 ? off / span : 0);
  double deg = x1 != x0 ? atan((y1 - y0) / (x1 - x0)) * 180.0 / PIC_PI : 0;
  fprintf(out, "<text class=\"lbl\" x=\"%.1f\" y=\"%.1f\" "
          "transform=\"rotate(%.2f %.1f %.1f)\">", lx, ly - 4, deg, lx, ly);
  xml_text(out, label);
  fprintf(out, "</text>\n</g>\n");
}

static void write_header(const struct lad *l, int side, FILE *out)
{
  const struct lad_conn *c = &l->side[side];
  double x = side_x(side);
  fprintf(out, "<text class=\"host\" x=\"%.1f\" y=\"62\">", x);
  xml_text(out, c->host[0] ? c->host : c->present ? "?" : "(remote)");
  fprintf(out, "</text>\n<text class=\"ep\" x=\"%.1f\" y=\"78\">", x);
  xml_text(out, c->endpoint);
  fprintf(out, "</text>\n<text class=\"note\" x=\"%.1f\" y=\"93\">", x);
  if (c->present) {
    fprintf(out, "conn %" PRId64 " (", c->id);
    xml_text(out, c->kind);
    fputc(')', out);
  } else {
    fputs("no connection in this run", out);
  }
  fputs("</text>\n", out);
}

static void lad_write(struct lad *l, FILE *out)
{
  char buf[64];
  double bottom = l->height - 40;

  fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
          "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
          "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n",
          LAD_W, l->height, LAD_W, l->height);
  fputs("<style>\n"
        ".seg line { stroke: #1f4e99; stroke-width: 1.3; }\n"
        ".drop line, .drop path { stroke: #c0392b; }\n"
        ".x { stroke-width: 2.5; fill: none; }\n"
        ".dupl { stroke-dasharray: 2 3; }\n"
        ".dupnote { fill: #555; font-size: 10px; }\n"
        ".lbl { fill: #12305e; paint-order: stroke; stroke: white;"
        " stroke-width: 3; text-anchor: middle; }\n"
        ".why { fill: #c0392b; font-size: 10px; }\n"
        ".life { stroke: black; stroke-width: 2; }\n"
        ".state { font-weight: bold; fill: #1d6b2f; }\n"
        ".l { text-anchor: end; }\n"
        ".time { fill: #555; font-size: 10px; }\n"
        ".host { font-weight: bold; font-size: 13px; text-anchor: middle; }\n"
        ".ep, .note { text-anchor: middle; fill: #333; }\n"
        ".gap { fill: #666; font-style: italic; text-anchor: middle; }\n"
        ".title { font-size: 14px; font-weight: bold; }\n"
        "</style>\n", out);
  fputs("<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
        "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">"
        "<path d=\"M0 0L10 5L0 10z\" fill=\"#1f4e99\"/></marker></defs>\n", out);
  fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");

  fprintf(out, "<text class=\"title\" x=\"12\" y=\"22\">Run %" PRId64
          ", connection %" PRId64, l->run, l->side[0].id);
  if (strcmp(l->status, "done")) {
    fputs(" (run status: ", out);
    xml_text(out, l->status);
    fputs(", incomplete)", out);
  }
  fputs("</text>\n", out);
  fprintf(out, "<text class=\"time\" x=\"12\" y=\"38\">Time runs downwards, "
          "one row per instant, not to scale: simulated time at the left; "
          "idle gaps are cut (&#8776;). seq/ack %s.</text>\n",
          l->absolute ? "absolute" : "relative to each side's ISN");

  write_header(l, 0, out);
  write_header(l, 1, out);
  for (int side = 0; side < 2; side++)
    fprintf(out, "<line class=\"life\" x1=\"%.1f\" y1=\"100\" x2=\"%.1f\" "
            "y2=\"%.1f\"%s/>\n", side_x(side), side_x(side), bottom,
            side && !l->side[1].present ? " stroke-dasharray=\"6 4\"" : "");

  for (size_t i = 0; i < l->ngaps; i++) {
    double y = l->gaps[i].y;
    fmt_span(l->gaps[i].gap_ns, buf, sizeof buf);
    for (int side = 0; side < 2; side++)
      fprintf(out, "<path d=\"M%.1f %.1fh16v6h-16z\" fill=\"white\"/>"
              "<path d=\"M%.1f %.1fl16 -4m-16 10l16 -4\" stroke=\"black\"/>\n",
              side_x(side) - 8, y - 3, side_x(side) - 8, y - 1);
    fprintf(out, "<text class=\"gap\" x=\"%.1f\" y=\"%.1f\">&#8776; %s idle, "
            "cut</text>\n", (LAD_XL + LAD_XR) / 2, y + 4, buf);
  }
  for (size_t i = 0; i < l->ntimes; i++) {
    fmt_time(l->times[i].t, buf, sizeof buf);
    fprintf(out, "<text class=\"time\" x=\"12\" y=\"%.1f\">%s</text>\n",
            l->times[i].y + 4, buf);
  }
  for (size_t i = 0; i < l->ntrans; i++) {
    const struct lad_trans *tr = &l->trans[i];
    double x = side_x(tr->side);
    fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1d6b2f\"/>\n",
            x, tr->y);
    fprintf(out, "<text class=\"state %s\" x=\"%.1f\" y=\"%.1f\">",
            tr->side ? "r" : "l", tr->side ? x + 8 : x - 8, tr->y + 4);
    xml_text(out, tr->to);
    fputs("<title>", out);
    xml_text(out, tr->cause);
    fputs("</title></text>\n", out);
  }
  for (size_t i = 0; i < l->nsegs; i++)
    if (l->segs[i].keep)
      write_seg(l, &l->segs[i], out);
  for (int side = 0; side < 2; side++) {
    const struct lad_conn *c = &l->side[side];
    if (c->present && c->closed_ns < 0) {
      fprintf(out, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">", side_x(side),
              bottom + 16);
      xml_text(out, c->final_state);
      fputs(" at the end of the run</text>\n", out);
    }
  }
  fputs("</svg>\n", out);
}

static void lad_free(struct lad *l)
{
  free(l->segs);
  free(l->trans);
  free(l->times);
  free(l->gaps);
  pic_close(&l->d);
}

/* ====================================================================== */
/* Ladder: API                                                             */
/* ====================================================================== */

int res_ladder_svg(const char *db_path, int64_t run_id, int64_t conn_id,
                   const struct res_ladder_opts *opts, FILE *out, char *err,
                   size_t errcap)
{
  struct lad l;
  int rc;

  memset(&l, 0, sizeof l);
  l.run = run_id;
  l.absolute = opts && opts->absolute;
  if (!out)
    return RES_EINVAL;
  rc = pic_open(&l.d, db_path, err, errcap);
  if (rc != RES_OK)
    return rc;
  rc = lad_load(&l, conn_id);
  if (rc == RES_OK) {
    lad_select(&l);
    rc = lad_layout(&l);
  }
  if (rc == RES_OK)
    lad_write(&l, out);
  lad_free(&l);
  return rc;
}

/* ====================================================================== */
/* State diagram                                                           */
/* ====================================================================== */

static int state_parse(const char *s)
{
  for (int i = 0; i < TCP_S__COUNT; i++)
    if (!strcmp(tcp_state_name((enum tcp_state)i), s))
      return i;
  return -1;
}

static int arc_index(const struct tcp_arc *arcs, size_t n, int from, int to)
{
  for (size_t i = 0; i < n; i++)
    if ((int)arcs[i].from == from && (int)arcs[i].to == to)
      return (int)i;
  return -1;
}

int res_fsm_counts(const char *db_path, int64_t run_id,
                   struct res_fsm_counts *out, char *err, size_t errcap)
{
  struct pic_db d;
  sqlite3_stmt *st = NULL;
  char status[16], level[24];
  size_t narcs;
  const struct tcp_arc *arcs = tcp_arcs(&narcs);
  int rc;

  memset(out, 0, sizeof *out);
  out->run_id = run_id;
  out->narcs = narcs;
  rc = pic_open(&d, db_path, err, errcap);
  if (rc != RES_OK)
    return rc;
  rc = pic_run_check(&d, run_id, status, sizeof status, level, sizeof level);
  if (rc == RES_OK && !strcmp(level, "summary"))
    rc = pic_fail(&d, RES_EINVAL, "run %" PRId64 " of %s was recorded at trace "
                  "level 'summary', which has no transitions: rerun the "
                  "experiment with --set run.trace=transitions", run_id, db_path);
  if (rc == RES_OK)
    rc = pic_prepare(&d, "SELECT from_state, to_state, count(*) FROM transitions"
                         " WHERE run_id=?1 GROUP BY from_state, to_state"
                         " ORDER BY from_state, to_state", &st);
  if (rc == RES_OK) {
    out->arc = calloc(narcs ? narcs : 1, sizeof *out->arc);
    if (!out->arc)
      rc = pic_fail(&d, RES_ENOMEM, "out of memory");
  }
  if (rc == RES_OK) {
    int s;
    sqlite3_bind_int64(st, 1, run_id);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
      char from[32], to[32];
      col_text(st, 0, from, sizeof from);
      col_text(st, 1, to, sizeof to);
      uint64_t n = (uint64_t)sqlite3_column_int64(st, 2);
      int a = arc_index(arcs, narcs, state_parse(from), state_parse(to));
      out->total += n;
      if (a >= 0 && state_parse(from) >= 0 && state_parse(to) >= 0) {
        out->arc[a] += n;
        continue;
      }
      struct res_fsm_other *o = realloc(out->other,
                                        (out->nother + 1) * sizeof *o);
      if (!o) {
        rc = pic_fail(&d, RES_ENOMEM, "out of memory");
        break;
      }
      out->other = o;
      o = &out->other[out->nother++];
      snprintf(o->from, sizeof o->from, "%s", from);
      snprintf(o->to, sizeof o->to, "%s", to);
      o->count = n;
    }
    if (rc == RES_OK && s != SQLITE_DONE)
      rc = pic_fail(&d, RES_EDB, "%s: reading transitions: %s", db_path,
                    sqlite3_errmsg(d.h));
  }
  sqlite3_finalize(st);
  pic_close(&d);
  if (rc != RES_OK)
    res_fsm_counts_free(out);
  return rc;
}

void res_fsm_counts_free(struct res_fsm_counts *c)
{
  if (!c)
    return;
  free(c->arc);
  free(c->other);
  c->arc = NULL;
  c->other = NULL;
  c->narcs = c->nother = 0;
}

static void dot_text(FILE *out, const char *s)
{
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', out);
    fputc(*s, out);
  }
}

void res_fsm_write_dot(FILE *out, const struct res_fsm_counts *counts,
                       const char *title)
{
  size_t narcs;
  const struct tcp_arc *arcs = tcp_arcs(&narcs);

  fputs("digraph tcp_states {\n", out);
  fputs("  /* TCP connection states and the declared arcs (RFC 9293 section"
        " 3.3.2, figure 5, plus reset, abort and timeout arcs) */\n", out);
  fputs("  graph [labelloc=t, fontname=\"Helvetica\", fontsize=14, "
        "nodesep=0.5, ranksep=0.6", out);
  if (title) {
    fputs(", label=\"", out);
    dot_text(out, title);
    fputc('"', out);
  }
  fputs("];\n", out);
  fputs("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef4ee\", "
        "fontname=\"Helvetica\", fontsize=11];\n", out);
  fputs("  edge [fontname=\"Helvetica\", fontsize=9];\n", out);
  for (int i = 0; i < TCP_S__COUNT; i++)
    fprintf(out, "  %s;\n", tcp_state_name((enum tcp_state)i));
  /* the textbook's rows: opening, synchronised, active/passive close */
  fputs("  { rank=same; SYN_RCVD; SYN_SENT; }\n"
        "  { rank=same; FIN_WAIT_1; CLOSE_WAIT; }\n"
        "  { rank=same; FIN_WAIT_2; CLOSING; LAST_ACK; }\n", out);
  for (size_t i = 0; i < narcs; i++) {
    const struct tcp_arc *a = &arcs[i];
    fprintf(out, "  %s -> %s [label=\"", tcp_state_name(a->from),
            tcp_state_name(a->to));
    dot_text(out, a->label);
    if (counts) {
      uint64_t n = i < counts->narcs ? counts->arc[i] : 0;
      fprintf(out, "\\nn=%" PRIu64 "\"", n);
      if (n == 0)
        fputs(", style=dashed, color=grey60, fontcolor=grey50", out);
      else
        fprintf(out, ", penwidth=%.2f", 1.0 + log10((double)n));
    } else {
      fputc('"', out);
    }
    /* arcs back up to CLOSED would pull it down to the bottom */
    if (a->to == TCP_S_CLOSED && a->from != TCP_S_LISTEN &&
        a->from != TCP_S_SYN_SENT)
      fputs(", constraint=false", out);
    fputs("];\n", out);
  }
  fputs("}\n", out);
}

void res_fsm_write_table(FILE *out, const struct res_fsm_counts *counts)
{
  size_t narcs;
  const struct tcp_arc *arcs = tcp_arcs(&narcs);

  if (counts)
    fprintf(out, "%-12s %-12s %8s  %s\n", "FROM", "TO", "COUNT", "LABEL");
  else
    fprintf(out, "%-12s %-12s  %s\n", "FROM", "TO", "LABEL");
  for (size_t i = 0; i < narcs; i++) {
    const struct tcp_arc *a = &arcs[i];
    if (counts)
      fprintf(out, "%-12s %-12s %8" PRIu64 "  %s\n", tcp_state_name(a->from),
              tcp_state_name(a->to), i < counts->narcs ? counts->arc[i] : 0,
              a->label);
    else
      fprintf(out, "%-12s %-12s  %s\n", tcp_state_name(a->from),
              tcp_state_name(a->to), a->label);
  }
  if (counts) {
    uint64_t undeclared = 0;
    for (size_t i = 0; i < counts->nother; i++)
      undeclared += counts->other[i].count;
    fprintf(out, "run %" PRId64 ": %" PRIu64 " transitions, %" PRIu64
            " on no declared arc\n", counts->run_id, counts->total, undeclared);
  }
}
