/*
 * res_int.h - internals of the results module (results/): the database
 * handle, the recorder and its table of live connections. Not for
 * application code: use results/results.h.
 *
 * Axioms:
 *   D1  db->stmts[] are prepared once at open and reset after every use.
 *   D2  At most one write transaction is open (db->in_txn); res_run_begin
 *       and res_run_end commit on their own so that status changes are
 *       durable whatever happens to the recorder's batch.
 *   R1  A connection is in rec->conns from its first transition until its
 *       conn_closed (a listener: until its transition to CLOSED); then its
 *       row is written and it is removed, so memory follows the number of
 *       live connections, not the length of the run.
 *   R2  The batch is committed every RES_BATCH_ROWS rows and at finish;
 *       after finish (rec->finished) every hook returns at once.
 */
#ifndef TCPSIM_RES_INT_H
#define TCPSIM_RES_INT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "results/results.h"

#define RES_BATCH_ROWS 50000u

enum res__stmt {
  RES__ST_BEGIN,
  RES__ST_COMMIT,
  RES__ST_PARAM,
  RES__ST_HOST,
  RES__ST_LINK,
  RES__ST_LINK_STATS,
  RES__ST_CONN,
  RES__ST_TRANS,
  RES__ST_SEG,
  RES__ST_APP,
  RES__ST_HOSTEV,
  RES__ST_SAMPLE,
  RES__ST_METRIC,
  RES__ST__COUNT
};

struct res_db {
  sqlite3 *h;
  sqlite3_stmt *stmts[RES__ST__COUNT];
  bool in_txn;
  char path[512];
  char msg[768];
};

/* What the recorder knows of one connection (R1), in two parts: the
 * entry of the live table, which every level keeps (states for the
 * samples, the outcome, the peer for the stale-segment count), and the
 * detail for its `connections` row, kept only at the levels that write
 * one (summary and up). A run of 100 000 connections in TIME_WAIT then
 * holds 32 bytes per table slot at the `run` level. */
struct res__conn {
  uint64_t id;           /* 0: free slot */
  uint64_t peer_id;      /* the peer connection this one was synchronised
                            with: the origin tags of the first segment it
                            accepted (seg_accepted) */
  uint32_t peer_epoch;
  uint32_t node;
  uint32_t det;          /* index in the recorder's details, or RES__NO_DET */
  uint8_t state;         /* enum tcp_state, current */
  uint8_t kind;          /* RES__K_* */
  uint8_t have_peer : 1;
  uint8_t peer_stale : 1; /* that first segment was itself stale */
};
#define RES__NO_DET UINT32_MAX

struct res__conn_det {
  int64_t opened_ns, established_ns; /* -1: not yet */
  uint32_t laddr, raddr;
  uint32_t iss, irs;
  uint16_t lport, rport;
  bool have_addr, have_iss, have_irs;
};
enum { RES__K_ACTIVE, RES__K_PASSIVE, RES__K_LISTENER };

struct res_recorder {
  struct res_db *db;
  int64_t run_id;
  struct sim_world *w;
  struct tcp_module *m;
  enum res_trace_level level;
  bool finished;
  int err;
  uint64_t rows, rows_in_batch;
  uint64_t n_trans, n_segs, n_app, n_hostev, n_samples;
  uint64_t outcome_ok, outcome_err, conns_seen;
  /* segments connections accepted, and those of another incarnation */
  uint64_t segs_accepted, stale_accepted, stale_old_boot, stale_bytes;
  uint8_t *node_is_host;  /* per node id at attach */
  size_t nnodes;
  /* open-addressing table of live connections keyed by id (0 = empty) */
  struct res__conn *conns;
  size_t conns_cap, conns_len;
  /* their details (summary level and up): a pool with a stack of free
   * indices */
  struct res__conn_det *det;
  uint32_t *det_free;
  uint32_t det_cap, det_len, det_nfree;
  uint64_t state_count[TCP_S__COUNT]; /* live conns per state (samples) */
  char digest[17];
};

/* db.c */
int res__db_fail(struct res_db *db, int rc, const char *what);
/* v in decimal as "%" PRId64 writes it, into buf (at least 21 bytes, not
 * terminated); returns the length. The digest formats every integer of a
 * run and the recorder two ports per connection row: no snprintf. */
size_t res__dec(char *buf, int64_t v);
int res__step(struct res_db *db, sqlite3_stmt *st, const char *what);
int res__begin(struct res_db *db);
int res__commit(struct res_db *db);

#endif /* TCPSIM_RES_INT_H */
