/*
 * results.h - public API of the results module: the SQLite results database.
 *
 * A database holds many runs. A run is created with res_run_begin (status
 * 'running', committed at once so that a process that dies leaves a run
 * that never looks complete), filled by a recorder attached to a world and
 * its TCP module, and closed with res_run_end ('done', 'failed' or
 * 'interrupted'). The schema is a public interface, documented table by
 * table in results/README.md; RES_SCHEMA_VERSION is stored in PRAGMA
 * user_version and checked at open. Internals are in results/res_int.h.
 *
 * Conventions as in sim/sim.h: times are int64_t nanoseconds, functions
 * return RES_OK (0) or a negative RES_E* code; a message for the last
 * failure is in res_errmsg(db) (or in the caller's buffer for res_open).
 */
#ifndef TCPSIM_RESULTS_H
#define TCPSIM_RESULTS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "sim/sim.h"
#include "tcp/tcp.h"

/* Bump on any change of tables, columns or views users can see. */
#define RES_SCHEMA_VERSION 3

#define RES_ERRORS(X)                                                  \
  X(OK,        0, "success")                                           \
  X(ENOMEM,   -1, "out of memory")                                     \
  X(EINVAL,   -2, "invalid argument")                                  \
  X(EOPEN,    -3, "cannot open the database")                          \
  X(EVERSION, -4, "incompatible schema version")                       \
  X(EDB,      -5, "database error")

enum res_err {
#define RES__ERR_ENUM(name, code, msg) RES_##name = (code),
  RES_ERRORS(RES__ERR_ENUM)
#undef RES__ERR_ENUM
};
const char *res_strerror(int err);
const char *res_errname(int err);

/* ====================================================================== */
/* Database                                                                */
/* ====================================================================== */

struct res_db; /* opaque */

/* Open or create the database at path: WAL journal, synchronous=NORMAL,
 * schema created if absent. A database of another schema version, a file
 * that is not SQLite, or one whose tables are not ours is refused
 * (RES_EVERSION / RES_EOPEN) with a message naming path in err. */
int res_open(const char *path, struct res_db **out, char *err, size_t errcap);
/* Close (NULL is fine). A run still open stays 'running' on disk. */
void res_close(struct res_db *db);
/* Message of the last failure on db ("" if none). */
const char *res_errmsg(const struct res_db *db);

/* ====================================================================== */
/* Runs                                                                    */
/* ====================================================================== */

/* What identifies a run; all text may be NULL (stored as NULL). Wall-clock
 * start time is metadata: never part of a digest. */
struct res_run_info {
  const char *config;          /* fully resolved configuration */
  uint64_t seed;
  const char *topology_path;
  const char *topology_digest; /* hex */
  const char *version;         /* NULL: TCPSIM_VERSION */
  const char *profile;         /* "linux", "bsd", "rfc793" */
  const char *trace_level;     /* as res_trace_level_name */
  const char *started_wall;    /* e.g. ISO 8601 */
  const char *topology_text;   /* the topology, includes inlined (topo_text) */
  int64_t run_id;              /* 0: the next free id; else this id (it must
                                  be free: RES_EDB otherwise) */
};

/* Insert a runs row with status 'running' and commit it. */
int res_run_begin(struct res_db *db, const struct res_run_info *info,
                  int64_t *run_id);
/* One params row (run_id, key, value); a repeated key replaces. */
int res_param(struct res_db *db, int64_t run_id, const char *key,
              const char *value);
/* Set the final status ("done", "failed" or "interrupted"), the event
 * count, the wall time and the result digest (may be NULL), and commit.
 * RES_EINVAL for another status. */
int res_run_end(struct res_db *db, int64_t run_id, const char *status,
                uint64_t events, int64_t wall_ns, const char *result_digest);

/* A stored run as rerun needs it (res_run_load); free with
 * res_run_record_free. Text fields are "" when NULL in the database. */
struct res_run_record {
  int64_t run_id;
  char *status;
  uint64_t seed;
  char *config;
  char *topology_path;
  char *topology_digest;
  char *topology_text;
  char *version;
  char *trace_level;
  char *result_digest;
};
/* RES_EINVAL with a message naming the run when there is no such run. */
int res_run_load(struct res_db *db, int64_t run_id, struct res_run_record *out);
void res_run_record_free(struct res_run_record *r);

/* Copy run run_id with all its rows from the results database at
 * src_path (same schema version, written by another process) into db,
 * replacing db's runs row of that id (a placeholder made by
 * res_run_begin), in one transaction: either all of it lands or nothing.
 * This is how parallel sweep workers, each writing its own file, end in
 * one database with the run ids given out in sweep order. */
int res_run_merge(struct res_db *db, const char *src_path, int64_t run_id);

/* ====================================================================== */
/* Recorder                                                                */
/* ====================================================================== */

enum res_trace_level {
  RES_TRACE_RUN,         /* runs, params, hosts, links, metrics, samples:
                            the run's summary, no row per connection */
  RES_TRACE_SUMMARY,     /* + connections */
  RES_TRACE_TRANSITIONS, /* + transitions, host_events, app_events */
  RES_TRACE_SEGMENTS     /* + every TCP segment sent, received, dropped */
};
/* "run", "summary", "transitions", "segments" <-> enum; RES_EINVAL if
 * unknown. */
const char *res_trace_level_name(enum res_trace_level l);
int res_trace_level_parse(const char *s, enum res_trace_level *out);

struct res_recorder; /* opaque */

/* Subscribe to w and m and write hosts and links rows now. The recorder
 * cannot unsubscribe (the core has no such call): free it only after the
 * world and the module, or rely on finish having made its hooks no-ops
 * and free it after the last sim_run. */
int res_recorder_attach(struct res_db *db, int64_t run_id,
                        struct sim_world *w, struct tcp_module *m,
                        enum res_trace_level level,
                        struct res_recorder **out);
/* Application events (connect, accept, error...); kept from TRANSITIONS
 * up. detail may be NULL. */
int res_app_event(struct res_recorder *rec, uint32_t node, uint64_t conn_id,
                  int64_t t_ns, const char *what, const char *detail);
/* One time-series point at the world's current time (any level). */
int res_sample(struct res_recorder *rec, const char *name, double value);
/* One metrics row (name, value) of the run, written now; for a module
 * outside the recorder's view (the emulation loop's lateness and device
 * counters). A name finish writes too is replaced by finish's value. */
int res_recorder_metric(struct res_recorder *rec, const char *name,
                        double value);
/* One sample "conns.<STATE>" per state (CLOSED excluded, zeros included)
 * counting the live connections the recorder has seen, listeners in
 * LISTEN. */
int res_recorder_sample_states(struct res_recorder *rec);
/* Write what is still in memory (open connections, link counters,
 * metrics), commit, and compute the result digest. Hooks do nothing
 * afterwards. */
int res_recorder_finish(struct res_recorder *rec);
/* 16 hex digits after finish, "" before. */
const char *res_recorder_digest(const struct res_recorder *rec);
/* Rows written so far (all tables). */
uint64_t res_recorder_rows(const struct res_recorder *rec);
/* First error the hooks met (they cannot return one), RES_OK if none. */
int res_recorder_error(const struct res_recorder *rec);
void res_recorder_free(struct res_recorder *rec);

/* FNV-1a 64 of every row of the run (see README): hex into out[17]. */
int res_run_digest(struct res_db *db, int64_t run_id, char out[17]);

/* ====================================================================== */
/* Checks                                                                  */
/* ====================================================================== */

/* Run the checks in text (SQL; name is used in messages, e.g. the file's
 * path) on the database at db_path, read-only: every SELECT must return
 * at least one row, and the first column of every row must be true
 * (non-zero, not NULL). :first and :last are bound to the runs checked
 * (0: the lowest / highest run id there). One line per check goes to out
 * ("ok" or "FAIL" with the false rows); *failed counts the checks that
 * failed. RES_EINVAL with "name:line: message" in err for SQL that does
 * not prepare or is not a SELECT; RES_EOPEN / RES_EVERSION for the
 * database. */
int res_check(const char *db_path, const char *name, const char *text,
              int64_t first, int64_t last, FILE *out, char *err,
              size_t errcap, int *failed);

/* The whole file at path as a NUL-terminated string (free it), or NULL
 * with errno set. */
char *res_read_file(const char *path);

/* The pcap writer (results/pcap.c). */
#include "results/pcap_api.h"

#endif /* TCPSIM_RESULTS_H */
