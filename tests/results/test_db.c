/*
 * test_db.c - the results database (results/): schema creation and the
 * version check, the run status lifecycle (done, left running by a crash,
 * interrupted), a real two-host TCP exchange recorded at each trace level
 * with exact row counts, result digests across identical and different
 * runs, the views, and bad database paths.
 *
 * The exchange: a client on a (10.0.0.1) connects to a listener on b
 * (10.0.0.2:80), sends 100 bytes and closes at once; the server reads and
 * closes when the client's FIN arrives. Both sockets ACK at once
 * (TCP_OPT_NODELAY) so the segment list is fixed, nine segments:
 *   a S, b SA, a A, a PA(100), a FA, b A (data), b A (FIN), b FA, a A
 * (the server's close comes from its peer_closed callback, after the ACK
 * of the FIN has gone, so its FIN is not merged with that ACK).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "results/results.h"
#include "tests/support/support.h"

#ifndef EXPECT_SEGS
#define EXPECT_SEGS 9
#endif

static char tmpdir[256];

static const char *tpath(const char *name)
{
  static char buf[4][320];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

static int group_setup(void **state)
{
  snprintf(tmpdir, sizeof tmpdir, "/tmp/tcpsim-res-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}


static void q_text(const char *path, const char *sql, char *out, size_t cap)
{
  sqlite3 *h = NULL;
  sqlite3_stmt *st = NULL;
  out[0] = '\0';
  assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(h));
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(h);
}

static struct res_db *open_ok(const char *path)
{
  struct res_db *db = NULL;
  char err[512];
  int r = res_open(path, &db, err, sizeof err);
  if (r != RES_OK)
    fail_msg("res_open: %s", err);
  return db;
}

static int64_t begin_run(struct res_db *db, uint64_t seed, const char *lvl)
{
  struct res_run_info info = {
    .config = "[run]\nseed=1\n", .seed = seed, .topology_path = "pair.topo",
    .topology_digest = "00ff", .profile = "linux", .trace_level = lvl,
    .started_wall = "2026-11-21T00:00:00Z",
  };
  int64_t id = 0;
  assert_int_equal(res_run_begin(db, &info, &id), RES_OK);
  return id;
}

/* ---------------------------------------------------------------------- */

static void test_schema_created_and_version(void **state)
{
  const char *p = tpath("schema.db");
  struct res_db *db = open_ok(p);
  res_close(db);
  assert_int_equal(tsup_sql_int(p, "PRAGMA user_version"), RES_SCHEMA_VERSION);
  assert_int_equal(tsup_sql_int(p, "SELECT count(*) FROM sqlite_master WHERE type='table'"
                            " AND name IN ('runs','params','hosts','links',"
                            "'connections','transitions','segments','app_events',"
                            "'host_events','samples','metrics')"), 11);
  assert_int_equal(tsup_sql_int(p, "SELECT count(*) FROM sqlite_master WHERE type='view'"), 3);

  char mode[32];
  q_text(p, "PRAGMA journal_mode", mode, sizeof mode);
  assert_string_equal(mode, "wal");
  /* Reopening an existing database of our version works. */
  db = open_ok(p);
  res_close(db);
}

static void test_wrong_version_refused(void **state)
{
  const char *p = tpath("future.db");
  sqlite3 *h;
  assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
  assert_int_equal(sqlite3_exec(h, "CREATE TABLE runs(x); PRAGMA user_version=99;",
                                NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  struct res_db *db = (struct res_db *)1;
  char err[512];
  assert_int_equal(res_open(p, &db, err, sizeof err), RES_EVERSION);
  assert_null(db);
  assert_non_null(strstr(err, p));
  assert_non_null(strstr(err, "schema version 99"));

  /* A foreign SQLite file (tables, no version) is refused too. */
  const char *p2 = tpath("foreign.db");
  assert_int_equal(sqlite3_open(p2, &h), SQLITE_OK);
  assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x);", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  assert_int_equal(res_open(p2, &db, err, sizeof err), RES_EOPEN);
  assert_non_null(strstr(err, "not a tcpsim results database"));

  /* Not SQLite at all. */
  const char *p3 = tpath("text.db");
  FILE *f = fopen(p3, "w");
  assert_non_null(f);
  fputs("this is not a database, just some text long enough to be a header\n", f);
  fclose(f);
  assert_int_not_equal(res_open(p3, &db, err, sizeof err), RES_OK);
  assert_non_null(strstr(err, p3));
}

static void test_bad_paths(void **state)
{
  struct res_db *db = NULL;
  char err[512];
  assert_int_equal(res_open(tmpdir, &db, err, sizeof err), RES_EOPEN);
  assert_non_null(strstr(err, "is a directory"));
  assert_int_equal(res_open("/nonexistent/x.db", &db, err, sizeof err), RES_EOPEN);
  assert_non_null(strstr(err, "/nonexistent/x.db"));
  assert_null(db);
  assert_int_equal(res_open("", &db, err, sizeof err), RES_EINVAL);
  assert_int_equal(res_open(NULL, &db, err, sizeof err), RES_EINVAL);
}

static void test_lifecycle(void **state)
{
  const char *p = tpath("life.db");
  struct res_db *db = open_ok(p);
  int64_t r1 = begin_run(db, 1, "summary");
  /* Visible as running before the end, to another reader. */
  char st[32];
  q_text(p, "SELECT status FROM runs WHERE run_id=1", st, sizeof st);
  assert_string_equal(st, "running");
  assert_int_equal(res_param(db, r1, "tcp.msl", "30s"), RES_OK);
  assert_int_equal(res_run_end(db, r1, "done", 42, 1000, "abcd"), RES_OK);
  assert_int_equal(res_run_end(db, r1, "bogus", 0, 0, NULL), RES_EINVAL);

  int64_t r2 = begin_run(db, 2, "summary"); /* "crash": never ended */
  int64_t r3 = begin_run(db, 3, "summary");
  assert_int_equal(res_run_end(db, r3, "interrupted", 7, 5, NULL), RES_OK);
  res_close(db);

  char sql[128];
  snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE run_id=%d", (int)r1);
  q_text(p, sql, st, sizeof st);
  assert_string_equal(st, "done");
  snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE run_id=%d", (int)r2);
  q_text(p, sql, st, sizeof st);
  assert_string_equal(st, "running");
  snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE run_id=%d", (int)r3);
  q_text(p, sql, st, sizeof st);
  assert_string_equal(st, "interrupted");
  assert_int_equal(tsup_sql_int(p, "SELECT events FROM runs WHERE run_id=1"), 42);
  assert_int_equal(tsup_sql_int(p, "SELECT count(*) FROM params WHERE value='30s'"), 1);
}

/* ---------------------------------------------------------------------- */
/* A two-host exchange                                                      */
/* ---------------------------------------------------------------------- */

struct xapp {
  struct res_recorder *rec;
  struct tcp_sock *srv;
};

static void srv_readable(struct tcp_sock *s, size_t avail, void *ctx)
{
  tcp_recv(s, avail);
}

static void srv_peer_closed(struct tcp_sock *s, void *ctx)
{
  tcp_close(s);
}

static const struct tcp_callbacks srv_cb = {
  .readable = srv_readable, .peer_closed = srv_peer_closed,
};

static void lis_acceptable(struct tcp_sock *l, void *ctx)
{
  struct xapp *x = ctx;
  struct tcp_sock *s;
  struct tcp_sock_info si;
  while (tcp_accept(l, &srv_cb, x, &s) == TCP_OK) {
    tcp_setopt(s, TCP_OPT_NODELAY, 1);
    tcp_sock_info(s, &si);
    res_app_event(x->rec, tcp_sock_node(s), si.conn_id, -1, "accept", NULL);
  }
}

static const struct tcp_callbacks lis_cb = { .acceptable = lis_acceptable };

static void cli_connected(struct tcp_sock *s, void *ctx)
{
  tcp_send(s, 100);
  tcp_close(s);
}

static const struct tcp_callbacks cli_cb = { .connected = cli_connected };

/* Run the exchange into db at level; returns the run id, digest in dig. */
static int64_t run_exchange(struct res_db *db, uint64_t seed,
                            enum res_trace_level lvl, char dig[17])
{
  struct sim_world *w = sim_world_new(seed);
  uint32_t a, b, l;
  struct sim_link_params lp;
  struct tcp_settings set;
  struct xapp x = {0};
  struct tcp_sock *lis, *cli;

  assert_non_null(w);
  assert_int_equal(sim_node_add(w, SIM_NODE_HOST, "a", &a), SIM_OK);
  assert_int_equal(sim_node_add(w, SIM_NODE_HOST, "b", &b), SIM_OK);
  assert_int_equal(sim_node_add_addr(w, a, 0x0a000001u), SIM_OK);
  assert_int_equal(sim_node_add_addr(w, b, 0x0a000002u), SIM_OK);
  sim_link_params_default(&lp);
  assert_int_equal(sim_link_add(w, a, b, &lp, NULL, &l), SIM_OK);
  assert_int_equal(sim_routes_compute(w), SIM_OK);
  tcp_settings_init(&set, TCP_PROFILE_LINUX);
  set.isn = TCP_ISN_RANDOM; /* the seed shows in the segments */
  struct tcp_module *m = tcp_install(w, &set);
  assert_non_null(m);

  int64_t run = begin_run(db, seed, res_trace_level_name(lvl));
  assert_int_equal(res_recorder_attach(db, run, w, m, lvl, &x.rec), RES_OK);

  assert_int_equal(tcp_socket(m, b, 1, &lis_cb, &x, &lis), TCP_OK);
  assert_int_equal(tcp_bind(lis, 0, 80), TCP_OK);
  assert_int_equal(tcp_listen(lis, 16), TCP_OK);
  assert_int_equal(tcp_socket(m, a, 1, &cli_cb, &x, &cli), TCP_OK);
  tcp_setopt(cli, TCP_OPT_NODELAY, 1);
  assert_int_equal(tcp_connect(cli, 0x0a000002u, 80), TCP_OK);
  res_app_event(x.rec, a, 0, 0, "connect", "10.0.0.2:80");
  assert_int_equal(res_recorder_sample_states(x.rec), RES_OK);
  assert_int_equal(sim_run(w, 10 * SIM_MS), SIM_OK);
  assert_int_equal(res_recorder_sample_states(x.rec), RES_OK);
  assert_int_equal(sim_run(w, 300 * SIM_S), SIM_OK); /* past TIME_WAIT */
  assert_int_equal(res_recorder_sample_states(x.rec), RES_OK);
  assert_int_equal(res_recorder_finish(x.rec), RES_OK);
  snprintf(dig, 17, "%s", res_recorder_digest(x.rec));
  assert_int_equal(strlen(dig), 16);
  assert_int_equal(res_run_end(db, run, "done", sim_events_processed(w), 1,
                               dig), RES_OK);
  sim_world_free(w); /* the module is freed after its world */
  tcp_free(m);
  res_recorder_free(x.rec);
  return run;
}

static int64_t cnt(const char *p, const char *fmt, int64_t run)
{
  char sql[512];
  snprintf(sql, sizeof sql, fmt, (int)run);
  return tsup_sql_int(p, sql);
}

static void test_exchange_levels(void **state)
{
  const char *p = tpath("xchg.db");
  struct res_db *db = open_ok(p);
  char d0[17], d1[17], d2[17];
  int64_t r0 = run_exchange(db, 7, RES_TRACE_SUMMARY, d0);
  int64_t r1 = run_exchange(db, 7, RES_TRACE_TRANSITIONS, d1);
  int64_t r2 = run_exchange(db, 7, RES_TRACE_SEGMENTS, d2);
  res_close(db);

  for (int64_t r = r0; r <= r2; r++) {
    /* listener + client + accepted connection */
    assert_int_equal(cnt(p, "SELECT count(*) FROM connections WHERE run_id=%d", r), 3);
    assert_int_equal(cnt(p, "SELECT count(*) FROM hosts WHERE run_id=%d", r), 2);
    assert_int_equal(cnt(p, "SELECT count(*) FROM links WHERE run_id=%d", r), 1);
    assert_true(cnt(p, "SELECT count(*) FROM metrics WHERE run_id=%d", r) > 10);
    assert_int_equal(cnt(p, "SELECT value FROM metrics WHERE run_id=%d AND name='conns.ok'", r), 2);
  }
  /* summary: no transitions, segments or app events */
  assert_int_equal(cnt(p, "SELECT count(*) FROM transitions WHERE run_id=%d", r0), 0);
  assert_int_equal(cnt(p, "SELECT count(*) FROM segments WHERE run_id=%d", r0), 0);
  assert_int_equal(cnt(p, "SELECT count(*) FROM app_events WHERE run_id=%d", r0), 0);
  /* transitions: client 6 (SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2,
   * TIME_WAIT, CLOSED), listener 1 (LISTEN), server 5 (SYN_RCVD,
   * ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSED) */
  assert_int_equal(cnt(p, "SELECT count(*) FROM transitions WHERE run_id=%d", r1), 12);
  assert_int_equal(cnt(p, "SELECT count(*) FROM transitions WHERE run_id=%d", r2), 12);
  assert_int_equal(cnt(p, "SELECT count(*) FROM segments WHERE run_id=%d", r1), 0);
  assert_int_equal(cnt(p, "SELECT count(*) FROM app_events WHERE run_id=%d", r1), 2);
  assert_int_equal(cnt(p, "SELECT count(*) FROM transitions WHERE run_id=%d"
                          " AND from_state='FIN_WAIT_2' AND to_state='TIME_WAIT'", r1), 1);
  /* segments: each sent once and received once, nothing dropped */
  int64_t sends = cnt(p, "SELECT count(*) FROM segments WHERE run_id=%d AND event='send'", r2);
  assert_int_equal(sends, EXPECT_SEGS);
  assert_int_equal(cnt(p, "SELECT count(*) FROM segments WHERE run_id=%d AND event='recv'", r2), EXPECT_SEGS);
  assert_int_equal(cnt(p, "SELECT count(*) FROM segments WHERE run_id=%d AND event='drop'", r2), 0);
  char f[8];
  char sql[256];
  const char *want[] = {"S", "SA", "A"};
  for (int i = 0; i < 3; i++) {
    snprintf(sql, sizeof sql, "SELECT flags FROM segments WHERE run_id=%d AND"
             " event='send' ORDER BY idx LIMIT 1 OFFSET %d", (int)r2, i);
    q_text(p, sql, f, sizeof f);
    assert_string_equal(f, want[i]);
  }
  assert_int_equal(cnt(p, "SELECT count(*) FROM segments WHERE run_id=%d AND"
                          " event='send' AND flags LIKE 'F%%A'", r2), 2);
  /* the SYN-ACK acknowledges ISN+1 and the client row knows its ISS/IRS */
  assert_int_equal(cnt(p, "SELECT count(*) FROM segments s JOIN segments y"
                          " ON s.run_id=y.run_id WHERE s.run_id=%d AND s.event='send'"
                          " AND y.event='send' AND s.flags='S' AND y.flags='SA'"
                          " AND y.ack=(s.seq+1)%%4294967296", r2), 1);
  assert_int_equal(cnt(p, "SELECT count(*) FROM connections c JOIN segments s"
                          " ON s.run_id=c.run_id AND s.flags='S' AND s.event='send'"
                          " WHERE c.run_id=%d AND c.kind='active' AND c.iss=s.seq"
                          " AND c.local LIKE '10.0.0.1:%%' AND c.remote='10.0.0.2:80'",
                   r2), 1);
  /* views */
  assert_int_equal(cnt(p, "SELECT count FROM v_conn_outcomes WHERE run_id=%d AND outcome='ok'", r2), 2);
  assert_int_equal(cnt(p, "SELECT count(*) FROM v_conn_outcomes WHERE run_id=%d", r2), 1);
  assert_int_equal(cnt(p, "SELECT count(*) FROM v_establishment WHERE run_id=%d", r2), 2);
  /* 1 ms each way plus serialisation at 100 Mbps: just over 2 ms */
  assert_true(cnt(p, "SELECT establish_ns FROM v_establishment WHERE run_id=%d"
                     " AND kind='active'", r2) >= 2 * SIM_MS);
  assert_int_equal(cnt(p, "SELECT count(*) FROM v_states_over_time WHERE run_id=%d", r2), 30);
  assert_int_equal(cnt(p, "SELECT count FROM v_states_over_time WHERE run_id=%d"
                          " AND t_ns=0 AND state='SYN_SENT'", r2), 1);
  assert_int_equal(cnt(p, "SELECT count FROM v_states_over_time WHERE run_id=%d"
                          " AND state='LISTEN' AND t_ns=(SELECT max(t_ns) FROM samples"
                          " WHERE samples.run_id=v_states_over_time.run_id)", r2), 1);
  assert_int_equal(cnt(p, "SELECT sum(count) FROM v_states_over_time WHERE run_id=%d"
                          " AND t_ns=(SELECT max(t_ns) FROM samples"
                          " WHERE samples.run_id=v_states_over_time.run_id)", r2), 1);
  /* digests differ by level (the content does) */
  assert_string_not_equal(d0, d1);
  assert_string_not_equal(d1, d2);
}

static void test_digest_repeatable(void **state)
{
  const char *p = tpath("dig.db");
  struct res_db *db = open_ok(p);
  char d1[17], d2[17], d3[17];
  run_exchange(db, 11, RES_TRACE_SEGMENTS, d1);
  run_exchange(db, 11, RES_TRACE_SEGMENTS, d2);
  run_exchange(db, 12, RES_TRACE_SEGMENTS, d3);
  assert_string_equal(d1, d2);
  assert_string_not_equal(d1, d3);
  /* and the stored digest is what res_run_digest recomputes */
  char again[17];
  assert_int_equal(res_run_digest(db, 1, again), RES_OK);
  assert_string_equal(again, d1);
  res_close(db);
  /* a second database gives the same digest for the same run */
  const char *p2 = tpath("dig2.db");
  db = open_ok(p2);
  run_exchange(db, 11, RES_TRACE_SEGMENTS, d3);
  res_close(db);
  assert_string_equal(d1, d3);
}

/* Explicit run ids, and a run copied from another database file into a
 * placeholder (what parallel sweeps do): the same rows, the same digest,
 * all or nothing. */
static void test_merge_and_explicit_ids(void **state)
{
  (void)state;
  const char *ps = tpath("merge-src.db");
  char src_path[512];
  snprintf(src_path, sizeof src_path, "%s", ps);
  struct res_db *src = open_ok(src_path);
  char d1[17], d2[17];
  run_exchange(src, 21, RES_TRACE_SEGMENTS, d1);
  run_exchange(src, 22, RES_TRACE_SEGMENTS, d2);
  res_close(src);

  const char *p = tpath("merge-dst.db");
  struct res_db *db = open_ok(p);
  assert_int_equal(begin_run(db, 21, "segments"), 1);
  assert_int_equal(begin_run(db, 22, "segments"), 2);
  /* a taken id is refused, a free one is used as given */
  struct res_run_info info = {.seed = 1, .run_id = 2};
  int64_t id = 0;
  assert_int_equal(res_run_begin(db, &info, &id), RES_EDB);
  info.run_id = 42;
  assert_int_equal(res_run_begin(db, &info, &id), RES_OK);
  assert_int_equal(id, 42);

  assert_int_equal(res_run_merge(db, src_path, 2), RES_OK);
  char again[17];
  assert_int_equal(res_run_digest(db, 2, again), RES_OK);
  assert_string_equal(again, d2);
  char st[64];
  q_text(p, "SELECT status FROM runs WHERE run_id=2", st, sizeof st);
  assert_string_equal(st, "done");
  q_text(p, "SELECT status FROM runs WHERE run_id=1", st, sizeof st);
  assert_string_equal(st, "running"); /* untouched */
  assert_int_equal(tsup_sql_int(p, "SELECT count(*) FROM segments WHERE run_id=2"),
                   tsup_sql_int(src_path, "SELECT count(*) FROM segments WHERE run_id=2"));
  assert_int_equal(tsup_sql_int(p, "SELECT count(*) FROM segments WHERE run_id=1"), 0);

  /* A run the file does not have: nothing changes. */
  assert_int_equal(res_run_merge(db, src_path, 42), RES_EINVAL);
  assert_non_null(strstr(res_errmsg(db), "no run 42"));
  assert_int_equal(tsup_sql_int(p, "SELECT count(*) FROM runs WHERE run_id=42"), 1);
  /* A file that is not a results database. */
  const char *junk = tpath("junk.txt");
  FILE *f = fopen(junk, "w");
  assert_non_null(f);
  fputs("not a database\n", f);
  fclose(f);
  assert_int_not_equal(res_run_merge(db, junk, 1), RES_OK);
  q_text(p, "SELECT status FROM runs WHERE run_id=1", st, sizeof st);
  assert_string_equal(st, "running");
  /* res_run_load: what rerun reads */
  struct res_run_record r;
  assert_int_equal(res_run_load(db, 2, &r), RES_OK);
  assert_string_equal(r.result_digest, d2);
  assert_string_equal(r.status, "done");
  assert_int_equal(r.seed, 22);
  res_run_record_free(&r);
  assert_int_equal(res_run_load(db, 7, &r), RES_EINVAL);
  res_close(db);
}

/* RES_KEEP=1 in the environment keeps the temporary databases for a look
 * with sqlite3 (their folder is printed). */
int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_schema_created_and_version),
    cmocka_unit_test(test_wrong_version_refused),
    cmocka_unit_test(test_bad_paths),
    cmocka_unit_test(test_lifecycle),
    cmocka_unit_test(test_exchange_levels),
    cmocka_unit_test(test_digest_repeatable),
    cmocka_unit_test(test_merge_and_explicit_ids),
  };
  int rc = cmocka_run_group_tests(tests, group_setup, getenv("RES_KEEP") ? NULL : group_teardown);
  if (getenv("RES_KEEP")) printf("kept %s\n", tmpdir);
  return rc;
}
