/*
 * db.c - the results database: opening and schema checks, the schema and
 * its views, the run lifecycle and the result digest. The recorder that
 * fills a run is in recorder.c; axioms in results/res_int.h, the schema
 * documented for users in results/README.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results/res_int.h"
#include "tcpsim_version.h"

/* ====================================================================== */
/* Errors                                                                  */
/* ====================================================================== */

const char *res_strerror(int err)
{
  switch (err) {
#define RES__ERR_MSG(name, code, msg) case code: return msg;
    RES_ERRORS(RES__ERR_MSG)
#undef RES__ERR_MSG
  default: return "unknown error";
  }
}

const char *res_errname(int err)
{
  switch (err) {
#define RES__ERR_NAME(name, code, msg) case code: return "RES_" #name;
    RES_ERRORS(RES__ERR_NAME)
#undef RES__ERR_NAME
  default: return "RES_E?";
  }
}

const char *res_errmsg(const struct res_db *db)
{
  return db ? db->msg : "";
}

int res__db_fail(struct res_db *db, int rc, const char *what)
{
  snprintf(db->msg, sizeof db->msg, "%s: %s: %s", db->path, what,
           sqlite3_errmsg(db->h));
  (void)rc;
  return RES_EDB;
}

/* ====================================================================== */
/* Schema                                                                  */
/* ====================================================================== */

/* WITHOUT ROWID with the run first in every key: a run's rows are
 * contiguous, which is what both the digest scan and per-run queries want. */
static const char res_schema[] =
  "CREATE TABLE IF NOT EXISTS runs("
  " run_id INTEGER PRIMARY KEY,"
  " status TEXT NOT NULL CHECK(status IN ('running','done','failed','interrupted')),"
  " seed INTEGER NOT NULL, config TEXT, topology_path TEXT, topology_digest TEXT,"
  " software_version TEXT NOT NULL, profile TEXT, trace_level TEXT,"
  " started_wall TEXT, events INTEGER, wall_ns INTEGER, result_digest TEXT,"
  " topology_text TEXT);"
  "CREATE TABLE IF NOT EXISTS params("
  " run_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT,"
  " PRIMARY KEY(run_id, key)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS hosts("
  " run_id INTEGER NOT NULL, node INTEGER NOT NULL, name TEXT NOT NULL,"
  " kind TEXT NOT NULL, addr TEXT,"
  " PRIMARY KEY(run_id, node)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS links("
  " run_id INTEGER NOT NULL, link INTEGER NOT NULL,"
  " node_a INTEGER NOT NULL, node_b INTEGER NOT NULL,"
  " pkts_ab INTEGER, pkts_ba INTEGER, bytes_ab INTEGER, bytes_ba INTEGER,"
  " lost INTEGER, queue_drops INTEGER, down_drops INTEGER,"
  " PRIMARY KEY(run_id, link)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS connections("
  " run_id INTEGER NOT NULL, conn_id INTEGER NOT NULL, node INTEGER NOT NULL,"
  " kind TEXT NOT NULL, local TEXT, remote TEXT, iss INTEGER, irs INTEGER,"
  " opened_ns INTEGER, established_ns INTEGER, closed_ns INTEGER,"
  " error TEXT, final_state TEXT NOT NULL,"
  " PRIMARY KEY(run_id, conn_id)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS transitions("
  " run_id INTEGER NOT NULL, idx INTEGER NOT NULL, t_ns INTEGER NOT NULL,"
  " node INTEGER NOT NULL, conn_id INTEGER NOT NULL,"
  " from_state TEXT NOT NULL, to_state TEXT NOT NULL, cause TEXT,"
  " PRIMARY KEY(run_id, idx)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS segments("
  " run_id INTEGER NOT NULL, idx INTEGER NOT NULL, t_ns INTEGER NOT NULL,"
  " event TEXT NOT NULL CHECK(event IN ('send','recv','drop')),"
  " node INTEGER NOT NULL, link INTEGER, conn_id INTEGER, incarnation INTEGER,"
  " src TEXT, sport INTEGER, dst TEXT, dport INTEGER, flags TEXT,"
  " seq INTEGER, ack INTEGER, len INTEGER, win INTEGER, drop_reason TEXT,"
  " held INTEGER, dup INTEGER,"
  " PRIMARY KEY(run_id, idx)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS app_events("
  " run_id INTEGER NOT NULL, idx INTEGER NOT NULL, t_ns INTEGER NOT NULL,"
  " node INTEGER NOT NULL, conn_id INTEGER, what TEXT NOT NULL, detail TEXT,"
  " PRIMARY KEY(run_id, idx)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS host_events("
  " run_id INTEGER NOT NULL, idx INTEGER NOT NULL, t_ns INTEGER NOT NULL,"
  " node INTEGER NOT NULL, event TEXT NOT NULL, epoch INTEGER NOT NULL,"
  " PRIMARY KEY(run_id, idx)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS samples("
  " run_id INTEGER NOT NULL, idx INTEGER NOT NULL, t_ns INTEGER NOT NULL,"
  " name TEXT NOT NULL, value REAL,"
  " PRIMARY KEY(run_id, idx)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS metrics("
  " run_id INTEGER NOT NULL, name TEXT NOT NULL, value REAL,"
  " PRIMARY KEY(run_id, name)) WITHOUT ROWID;"
  "CREATE VIEW IF NOT EXISTS v_conn_outcomes AS"
  " SELECT run_id, CASE WHEN closed_ns IS NULL THEN 'open (' || final_state || ')'"
  "                     WHEN error IS NULL THEN 'ok' ELSE error END AS outcome,"
  "        count(*) AS count"
  " FROM connections WHERE kind <> 'listener' GROUP BY run_id, outcome;"
  "CREATE VIEW IF NOT EXISTS v_establishment AS"
  " SELECT run_id, conn_id, node, kind, established_ns - opened_ns AS establish_ns"
  " FROM connections WHERE established_ns IS NOT NULL AND kind <> 'listener';"
  "CREATE VIEW IF NOT EXISTS v_states_over_time AS"
  " SELECT run_id, t_ns, substr(name, 7) AS state, CAST(value AS INTEGER) AS count"
  " FROM samples WHERE name LIKE 'conns.%';";

/* Statements reused for every row (D1). */
static const char *const res_stmt_sql[RES__ST__COUNT] = {
  [RES__ST_BEGIN] = "BEGIN",
  [RES__ST_COMMIT] = "COMMIT",
  [RES__ST_PARAM] = "INSERT OR REPLACE INTO params VALUES(?,?,?)",
  [RES__ST_HOST] = "INSERT OR REPLACE INTO hosts VALUES(?,?,?,?,?)",
  [RES__ST_LINK] = "INSERT OR REPLACE INTO links(run_id,link,node_a,node_b)"
                   " VALUES(?,?,?,?)",
  [RES__ST_LINK_STATS] = "UPDATE links SET pkts_ab=?3, pkts_ba=?4,"
                         " bytes_ab=?5, bytes_ba=?6, lost=?7, queue_drops=?8,"
                         " down_drops=?9 WHERE run_id=?1 AND link=?2",
  [RES__ST_CONN] = "INSERT OR REPLACE INTO connections"
                   " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
  [RES__ST_TRANS] = "INSERT INTO transitions VALUES(?,?,?,?,?,?,?,?)",
  [RES__ST_SEG] = "INSERT INTO segments"
                  " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
  [RES__ST_APP] = "INSERT INTO app_events VALUES(?,?,?,?,?,?,?)",
  [RES__ST_HOSTEV] = "INSERT INTO host_events VALUES(?,?,?,?,?,?)",
  [RES__ST_SAMPLE] = "INSERT INTO samples VALUES(?,?,?,?,?)",
  [RES__ST_METRIC] = "INSERT OR REPLACE INTO metrics VALUES(?,?,?)",
};

static int64_t res_pragma_int(sqlite3 *h, const char *sql, int *rc)
{
  sqlite3_stmt *st = NULL;
  int64_t v = -1;

  *rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
  if (*rc == SQLITE_OK) {
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
      *rc = SQLITE_OK;
    } else if (*rc == SQLITE_DONE) {
      *rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  return v;
}

int res_open(const char *path, struct res_db **out, char *err, size_t errcap)
{
  struct res_db *db = NULL;
  struct stat sb;
  char *emsg = NULL;
  int rc, ret = RES_EOPEN;

  if (errcap)
    err[0] = '\0';
  if (!path || !out || !*path) {
    snprintf(err, errcap, "results database: no path given");
    return RES_EINVAL;
  }
  *out = NULL;
  /* SQLite opens a directory "successfully" and fails later with a vague
   * message: say what is wrong up front. */
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    snprintf(err, errcap, "%s: is a directory, not a database file", path);
    return RES_EOPEN;
  }
  db = calloc(1, sizeof *db);
  if (!db) {
    snprintf(err, errcap, "%s: out of memory", path);
    return RES_ENOMEM;
  }
  snprintf(db->path, sizeof db->path, "%s", path);
  /* NOMUTEX: a recorder's connection is used by one thread only, so
   * SQLite need not lock its mutexes around every call. */
  rc = sqlite3_open_v2(path, &db->h,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                           SQLITE_OPEN_NOMUTEX,
                       NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errcap, "%s: cannot open database: %s", path,
             db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
    goto fail;
  }
  sqlite3_busy_timeout(db->h, 10000); /* parallel sweep writers wait */
  int64_t ver = res_pragma_int(db->h, "PRAGMA user_version", &rc);
  if (rc != SQLITE_OK) {
    snprintf(err, errcap, "%s: cannot open database: %s", path,
             sqlite3_errmsg(db->h));
    goto fail;
  }
  int64_t ntables = res_pragma_int(
      db->h, "SELECT count(*) FROM sqlite_master WHERE type='table'", &rc);
  if (rc != SQLITE_OK) {
    snprintf(err, errcap, "%s: cannot read database: %s", path,
             sqlite3_errmsg(db->h));
    goto fail;
  }
  if (ver == 0 && ntables > 0) {
    snprintf(err, errcap,
             "%s: not a tcpsim results database (it has tables but no "
             "schema version)", path);
    goto fail;
  }
  if (ver != 0 && ver != RES_SCHEMA_VERSION) {
    snprintf(err, errcap,
             "%s: results schema version %" PRId64 ", but this tcpsim "
             "writes version %d; use another database file",
             path, ver, RES_SCHEMA_VERSION);
    ret = RES_EVERSION;
    goto fail;
  }
  if (sqlite3_exec(db->h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                   NULL, NULL, &emsg) != SQLITE_OK) {
    snprintf(err, errcap, "%s: cannot set WAL mode: %s", path,
             emsg ? emsg : sqlite3_errmsg(db->h));
    goto fail;
  }
  if (ver == 0) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d;", RES_SCHEMA_VERSION);
    if (sqlite3_exec(db->h, "BEGIN", NULL, NULL, &emsg) != SQLITE_OK ||
        sqlite3_exec(db->h, res_schema, NULL, NULL, &emsg) != SQLITE_OK ||
        sqlite3_exec(db->h, sql, NULL, NULL, &emsg) != SQLITE_OK ||
        sqlite3_exec(db->h, "COMMIT", NULL, NULL, &emsg) != SQLITE_OK) {
      snprintf(err, errcap, "%s: cannot create the schema: %s", path,
               emsg ? emsg : sqlite3_errmsg(db->h));
      goto fail;
    }
  }
  for (int i = 0; i < RES__ST__COUNT; i++) {
    if (sqlite3_prepare_v3(db->h, res_stmt_sql[i], -1,
                           SQLITE_PREPARE_PERSISTENT, &db->stmts[i],
                           NULL) != SQLITE_OK) {
      snprintf(err, errcap, "%s: cannot prepare statement: %s", path,
               sqlite3_errmsg(db->h));
      goto fail;
    }
  }
  *out = db;
  return RES_OK;

fail:
  sqlite3_free(emsg);
  res_close(db);
  return ret;
}

void res_close(struct res_db *db)
{
  if (!db)
    return;
  /* An open batch is rolled back by closing: a run not ended stays
   * 'running' (its begin was committed on its own). */
  for (int i = 0; i < RES__ST__COUNT; i++)
    sqlite3_finalize(db->stmts[i]);
  sqlite3_close(db->h);
  free(db);
}

int res__step(struct res_db *db, sqlite3_stmt *st, const char *what)
{
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return res__db_fail(db, rc, what);
  return RES_OK;
}

int res__begin(struct res_db *db)
{
  if (db->in_txn)
    return RES_OK;
  int r = res__step(db, db->stmts[RES__ST_BEGIN], "begin");
  if (r == RES_OK)
    db->in_txn = true;
  return r;
}

int res__commit(struct res_db *db)
{
  if (!db->in_txn)
    return RES_OK;
  db->in_txn = false;
  return res__step(db, db->stmts[RES__ST_COMMIT], "commit");
}

/* ====================================================================== */
/* Runs                                                                    */
/* ====================================================================== */

static void res_bind_text(sqlite3_stmt *st, int i, const char *s)
{
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

int res_run_begin(struct res_db *db, const struct res_run_info *info,
                  int64_t *run_id)
{
  sqlite3_stmt *st = NULL;
  int r;

  if (!db || !info || !run_id)
    return RES_EINVAL;
  if ((r = res__commit(db)) != RES_OK)
    return r;
  if (info->run_id < 0)
    return RES_EINVAL;
  if (sqlite3_prepare_v2(db->h,
          "INSERT INTO runs(status,seed,config,topology_path,topology_digest,"
          "software_version,profile,trace_level,started_wall,topology_text,"
          "run_id) VALUES('running',?,?,?,?,?,?,?,?,?,?)", -1, &st,
          NULL) != SQLITE_OK)
    return res__db_fail(db, 0, "insert run");
  /* SQLite integers are signed: the seed's bits are kept as int64. */
  sqlite3_bind_int64(st, 1, (int64_t)info->seed);
  res_bind_text(st, 2, info->config);
  res_bind_text(st, 3, info->topology_path);
  res_bind_text(st, 4, info->topology_digest);
  res_bind_text(st, 5, info->version ? info->version : TCPSIM_VERSION);
  res_bind_text(st, 6, info->profile);
  res_bind_text(st, 7, info->trace_level);
  res_bind_text(st, 8, info->started_wall);
  res_bind_text(st, 9, info->topology_text);
  if (info->run_id > 0)
    sqlite3_bind_int64(st, 10, info->run_id);
  else
    sqlite3_bind_null(st, 10); /* the next free id */
  r = res__step(db, st, "insert run");
  sqlite3_finalize(st);
  if (r == RES_OK)
    *run_id = sqlite3_last_insert_rowid(db->h);
  return r;
}

int res_param(struct res_db *db, int64_t run_id, const char *key,
              const char *value)
{
  if (!db || !key)
    return RES_EINVAL;
  sqlite3_stmt *st = db->stmts[RES__ST_PARAM];
  sqlite3_bind_int64(st, 1, run_id);
  res_bind_text(st, 2, key);
  res_bind_text(st, 3, value);
  return res__step(db, st, "insert param");
}

int res_run_end(struct res_db *db, int64_t run_id, const char *status,
                uint64_t events, int64_t wall_ns, const char *result_digest)
{
  sqlite3_stmt *st = NULL;
  int r;

  if (!db || !status ||
      (strcmp(status, "done") && strcmp(status, "failed") &&
       strcmp(status, "interrupted")))
    return RES_EINVAL;
  if ((r = res__commit(db)) != RES_OK)
    return r;
  if (sqlite3_prepare_v2(db->h,
          "UPDATE runs SET status=?2, events=?3, wall_ns=?4, result_digest=?5"
          " WHERE run_id=?1", -1, &st, NULL) != SQLITE_OK)
    return res__db_fail(db, 0, "end run");
  sqlite3_bind_int64(st, 1, run_id);
  res_bind_text(st, 2, status);
  sqlite3_bind_int64(st, 3, (int64_t)events);
  sqlite3_bind_int64(st, 4, wall_ns);
  res_bind_text(st, 5, result_digest);
  r = res__step(db, st, "end run");
  sqlite3_finalize(st);
  if (r == RES_OK && sqlite3_changes(db->h) != 1) {
    snprintf(db->msg, sizeof db->msg, "%s: no run %" PRId64, db->path, run_id);
    return RES_EINVAL;
  }
  return r;
}

/* ====================================================================== */
/* Digest                                                                  */
/* ====================================================================== */

#define RES_FNV_OFFSET 0xcbf29ce484222325ull
#define RES_FNV_PRIME 0x100000001b3ull

static uint64_t res_fnv(uint64_t h, const void *buf, size_t n)
{
  const unsigned char *p = buf;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= RES_FNV_PRIME;
  }
  return h;
}

/* The tables and columns that make up a run's result, in a fixed order,
 * each ordered by its primary key. Wall-clock columns of runs (started_wall,
 * wall_ns), the status, events and the digest itself are left out, and so
 * is the input as written (config text, params, topology path and text:
 * they name files and directories of the machine that ran it); seed,
 * topology digest, version, profile and trace level are in. So a run
 * repeated from its stored configuration elsewhere has the same digest. */
static const char *const res_digest_sql[] = {
  "SELECT seed, topology_digest, software_version, profile,"
  " trace_level FROM runs WHERE run_id=?1",
  "SELECT * FROM hosts WHERE run_id=?1 ORDER BY node",
  "SELECT * FROM links WHERE run_id=?1 ORDER BY link",
  "SELECT * FROM connections WHERE run_id=?1 ORDER BY conn_id",
  "SELECT * FROM transitions WHERE run_id=?1 ORDER BY idx",
  "SELECT * FROM segments WHERE run_id=?1 ORDER BY idx",
  "SELECT * FROM app_events WHERE run_id=?1 ORDER BY idx",
  "SELECT * FROM host_events WHERE run_id=?1 ORDER BY idx",
  "SELECT * FROM samples WHERE run_id=?1 ORDER BY idx",
  "SELECT * FROM metrics WHERE run_id=?1 ORDER BY name",
};

size_t res__dec(char *buf, int64_t v)
{
  char t[20];
  size_t n = 0, len = 0;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do {
    t[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    buf[len++] = '-';
  while (n)
    buf[len++] = t[--n];
  return len;
}

int res_run_digest(struct res_db *db, int64_t run_id, char out[17])
{
  uint64_t h = RES_FNV_OFFSET;

  if (!db || !out)
    return RES_EINVAL;
  for (size_t q = 0; q < sizeof res_digest_sql / sizeof res_digest_sql[0];
       q++) {
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_prepare_v2(db->h, res_digest_sql[q], -1, &st, NULL) !=
        SQLITE_OK)
      return res__db_fail(db, 0, "digest");
    sqlite3_bind_int64(st, 1, run_id);
    unsigned char sep = (unsigned char)q;
    h = res_fnv(h, &sep, 1); /* table separator */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      int nc = sqlite3_column_count(st);
      for (int c = 0; c < nc; c++) {
        /* Canonical text of each value with its type as a prefix, so that
         * NULL, 0 and '' stay distinct; the run_id column (where present)
         * is skipped so that equal runs have equal digests in any DB. */
        if (q > 0 && c == 0)
          continue;
        char buf[40];
        int type = sqlite3_column_type(st, c);
        unsigned char tag = (unsigned char)type;
        h = res_fnv(h, &tag, 1);
        switch (type) {
        case SQLITE_INTEGER: {
          size_t n = res__dec(buf, (int64_t)sqlite3_column_int64(st, c));
          buf[n] = '\0';
          h = res_fnv(h, buf, n + 1);
          break;
        }
        case SQLITE_FLOAT:
          snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, c));
          h = res_fnv(h, buf, strlen(buf) + 1);
          break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
          const void *p = sqlite3_column_blob(st, c);
          int n = sqlite3_column_bytes(st, c);
          size_t k = res__dec(buf, n);
          buf[k] = ':';
          h = res_fnv(h, buf, k + 1);
          if (n > 0)
            h = res_fnv(h, p, (size_t)n);
          break;
        }
        default:
          break;
        }
      }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
      return res__db_fail(db, rc, "digest");
  }
  snprintf(out, 17, "%016" PRIx64, h);
  return RES_OK;
}

/* ====================================================================== */
/* Loading and merging runs                                                */
/* ====================================================================== */

static char *res_col_dup(sqlite3_stmt *st, int c)
{
  const unsigned char *t = sqlite3_column_text(st, c);
  return strdup(t ? (const char *)t : "");
}

int res_run_load(struct res_db *db, int64_t run_id, struct res_run_record *out)
{
  sqlite3_stmt *st = NULL;
  int rc;

  if (!db || !out)
    return RES_EINVAL;
  memset(out, 0, sizeof *out);
  if (sqlite3_prepare_v2(db->h,
          "SELECT status, seed, config, topology_path, topology_digest,"
          " topology_text, software_version, trace_level, result_digest"
          " FROM runs WHERE run_id=?1", -1, &st, NULL) != SQLITE_OK)
    return res__db_fail(db, 0, "load run");
  sqlite3_bind_int64(st, 1, run_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) {
    sqlite3_finalize(st);
    snprintf(db->msg, sizeof db->msg, "%s: no run %" PRId64, db->path, run_id);
    return RES_EINVAL;
  }
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(st);
    return res__db_fail(db, rc, "load run");
  }
  out->run_id = run_id;
  out->status = res_col_dup(st, 0);
  out->seed = (uint64_t)sqlite3_column_int64(st, 1);
  out->config = res_col_dup(st, 2);
  out->topology_path = res_col_dup(st, 3);
  out->topology_digest = res_col_dup(st, 4);
  out->topology_text = res_col_dup(st, 5);
  out->version = res_col_dup(st, 6);
  out->trace_level = res_col_dup(st, 7);
  out->result_digest = res_col_dup(st, 8);
  sqlite3_finalize(st);
  if (!out->status || !out->config || !out->topology_path ||
      !out->topology_digest || !out->topology_text || !out->version ||
      !out->trace_level || !out->result_digest) {
    res_run_record_free(out);
    snprintf(db->msg, sizeof db->msg, "%s: out of memory", db->path);
    return RES_ENOMEM;
  }
  return RES_OK;
}

void res_run_record_free(struct res_run_record *r)
{
  if (!r)
    return;
  free(r->status);
  free(r->config);
  free(r->topology_path);
  free(r->topology_digest);
  free(r->topology_text);
  free(r->version);
  free(r->trace_level);
  free(r->result_digest);
  memset(r, 0, sizeof *r);
}

/* Every table with a run_id column, runs first. */
static const char *const res_run_tables[] = {
  "runs", "params", "hosts", "links", "connections", "transitions",
  "segments", "app_events", "host_events", "samples", "metrics",
};

int res_run_merge(struct res_db *db, const char *src_path, int64_t run_id)
{
  sqlite3_stmt *st = NULL;
  char *emsg = NULL;
  char sql[256];
  int r = RES_OK;

  if (!db || !src_path)
    return RES_EINVAL;
  if ((r = res__commit(db)) != RES_OK)
    return r;
  if (sqlite3_prepare_v2(db->h, "ATTACH DATABASE ?1 AS src", -1, &st,
                         NULL) != SQLITE_OK)
    return res__db_fail(db, 0, "attach");
  sqlite3_bind_text(st, 1, src_path, -1, SQLITE_TRANSIENT);
  r = res__step(db, st, "attach");
  sqlite3_finalize(st);
  if (r != RES_OK)
    return r;
  int64_t ver = res_pragma_int(db->h, "PRAGMA src.user_version", &r);
  if (r != SQLITE_OK || ver != RES_SCHEMA_VERSION) {
    snprintf(db->msg, sizeof db->msg,
             "%s: not a results database of schema version %d", src_path,
             RES_SCHEMA_VERSION);
    r = RES_EVERSION;
    goto detach;
  }
  r = RES_OK;
  if (sqlite3_exec(db->h, "BEGIN", NULL, NULL, &emsg) != SQLITE_OK)
    goto fail;
  snprintf(sql, sizeof sql, "DELETE FROM main.runs WHERE run_id=%" PRId64,
           run_id);
  if (sqlite3_exec(db->h, sql, NULL, NULL, &emsg) != SQLITE_OK)
    goto fail;
  for (size_t i = 0; i < sizeof res_run_tables / sizeof res_run_tables[0];
       i++) {
    snprintf(sql, sizeof sql,
             "INSERT INTO main.%s SELECT * FROM src.%s WHERE run_id=%" PRId64,
             res_run_tables[i], res_run_tables[i], run_id);
    if (sqlite3_exec(db->h, sql, NULL, NULL, &emsg) != SQLITE_OK)
      goto fail;
    if (i == 0 && sqlite3_changes(db->h) != 1) {
      snprintf(db->msg, sizeof db->msg, "%s: no run %" PRId64, src_path,
               run_id);
      r = RES_EINVAL;
      goto rollback;
    }
  }
  if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, &emsg) != SQLITE_OK)
    goto fail;
  goto detach;
fail:
  snprintf(db->msg, sizeof db->msg, "%s: merging run %" PRId64 " from %s: %s",
           db->path, run_id, src_path, emsg ? emsg : sqlite3_errmsg(db->h));
  r = RES_EDB;
rollback:
  sqlite3_free(emsg);
  emsg = NULL;
  (void)sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
detach:
  (void)sqlite3_exec(db->h, "DETACH DATABASE src", NULL, NULL, NULL);
  return r;
}
