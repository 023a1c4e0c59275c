/*
 * test_runner.c - running an experiment file end to end (experiments/
 * runner.c): experiments/handshake.ini is run in-process into a temporary
 * database and the rows are checked with sqlite3 (the run is 'done' with a
 * digest, every connection ends ok or still open in TIME_WAIT, none is
 * refused, the transitions pass through ESTABLISHED and TIME_WAIT); the
 * same config gives the same digest, another seed another one; a missing
 * topology is bad input; and `tcpsim run FILE --db PATH` through the
 * binary exits 0 and prints the run id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "experiments/exp_int.h"
#include "tests/support/support.h"

#define HANDSHAKE TCPSIM_SOURCE_DIR "/experiments/handshake.ini"

/* A fresh path for a database in the temp directory (no file yet). */
static void temp_db(char *buf, size_t cap)
{
  static int k;
  snprintf(buf, cap, "/tmp/tcpsim-runner-%ld-%d.db", (long)getpid(), k++);
  unlink(buf);
}

static void remove_db(const char *path)
{
  char p[600];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
}

static struct exp_config *load(const char *const *sets, size_t nsets)
{
  char err[1024] = "";
  struct exp_config *c = NULL;
  if (exp_config_load(HANDSHAKE, sets, nsets, &c, err, sizeof err) != EXP_OK)
    fail_msg("cannot load %s: %s", HANDSHAKE, err);
  return c;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void query_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  out[0] = '\0';
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
}

static void test_handshake_rows(void **state)
{
  (void)state;
  char path[256], sql[512], text[64];
  temp_db(path, sizeof path);
  struct exp_config *c = load(NULL, 0);
  struct exp_run_result r;
  assert_int_equal(exp_run(c, &(struct exp_run_opts){.db = path}, &r), 0);
  assert_string_equal(r.status, "done");
  assert_true(r.run_id > 0);
  assert_int_equal(strlen(r.digest), 16);
  assert_int_equal(r.conns_completed, 3);
  assert_int_equal(r.conns_failed, 0);
  exp_config_free(c);

  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE run_id=%lld",
           (long long)r.run_id);
  query_text(db, sql, text, sizeof text);
  assert_string_equal(text, "done");
  snprintf(sql, sizeof sql, "SELECT result_digest FROM runs WHERE run_id=%lld",
           (long long)r.run_id);
  query_text(db, sql, text, sizeof text);
  assert_string_equal(text, r.digest);
  /* No refusals; the three server ends closed cleanly, the three client
   * ends are still in TIME_WAIT (2 * msl = 60 s) when the 2 s run ends. */
  snprintf(sql, sizeof sql, "SELECT count(*) FROM connections WHERE run_id=%lld"
           " AND error='ECONNREFUSED'", (long long)r.run_id);
  assert_int_equal(query_int(db, sql), 0);
  snprintf(sql, sizeof sql, "SELECT count FROM v_conn_outcomes WHERE run_id=%lld"
           " AND outcome='ok'", (long long)r.run_id);
  assert_int_equal(query_int(db, sql), 3);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM connections WHERE run_id=%lld"
           " AND kind='active' AND final_state='TIME_WAIT'", (long long)r.run_id);
  assert_int_equal(query_int(db, sql), 3);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM transitions WHERE run_id=%lld"
           " AND to_state='ESTABLISHED'", (long long)r.run_id);
  assert_int_equal(query_int(db, sql), 6);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM transitions WHERE run_id=%lld"
           " AND to_state='TIME_WAIT'", (long long)r.run_id);
  assert_int_equal(query_int(db, sql), 3);
  snprintf(sql, sizeof sql, "SELECT value FROM params WHERE run_id=%lld"
           " AND key='workload.client.count'", (long long)r.run_id);
  query_text(db, sql, text, sizeof text);
  assert_string_equal(text, "3");
  sqlite3_close(db);
  remove_db(path);
}

static void test_digest_repeats_and_seed_changes_it(void **state)
{
  (void)state;
  char path[256];
  temp_db(path, sizeof path);
  /* Poisson arrivals, so that the seed matters. */
  const char *const poisson[] = {"workload.client.arrival=poisson",
                                 "workload.client.count=5"};
  const char *const seed2[] = {"workload.client.arrival=poisson",
                               "workload.client.count=5", "run.seed=2"};
  struct exp_run_result a, b, d;
  struct exp_config *c = load(poisson, 2);
  assert_int_equal(exp_run(c, &(struct exp_run_opts){.db = path}, &a), 0);
  assert_int_equal(exp_run(c, &(struct exp_run_opts){.db = path}, &b), 0);
  exp_config_free(c);
  c = load(seed2, 3);
  assert_int_equal(exp_run(c, &(struct exp_run_opts){.db = path}, &d), 0);
  exp_config_free(c);
  assert_true(b.run_id == a.run_id + 1);
  assert_string_equal(a.digest, b.digest);
  assert_int_equal(a.events, b.events);
  assert_string_not_equal(a.digest, d.digest);
  remove_db(path);
}

static void test_bad_topology(void **state)
{
  (void)state;
  char path[256];
  temp_db(path, sizeof path);
  const char *const sets[] = {"run.topology=../topologies/two-hosts.topo"};
  struct exp_config *c = load(sets, 1);
  /* Resolution parsed the topology; remove it from under the runner by
   * pointing the resolved path elsewhere. */
  free(c->topology);
  c->topology = strdup("/nonexistent/tcpsim-missing.topo");
  assert_non_null(c->topology);
  struct exp_run_result r;
  assert_int_equal(exp_run(c, &(struct exp_run_opts){.db = path}, &r), 2);
  assert_string_equal(r.status, "failed");
  assert_true(r.run_id < 0);
  exp_config_free(c);
  remove_db(path);

  /* A database path that cannot be opened is bad input too. */
  c = load(NULL, 0);
  assert_int_equal(exp_run(c, &(struct exp_run_opts){.db = "/nonexistent/dir/x.db"}, &r), 2);
  exp_config_free(c);
}

static void test_cli_run_file(void **state)
{
  (void)state;
  char path[256], *out;
  temp_db(path, sizeof path);
  int rc = tsup_run_tcpsim(&out, "run", "experiments/handshake.ini", "--db",
                           path, "--seed", "3", NULL);
  if (rc != 0)
    fail_msg("exit %d: %s", rc, out);
  assert_non_null(strstr(out, "run 1 done"));
  assert_non_null(strstr(out, "v_conn_outcomes WHERE run_id=1"));
  free(out);
  /* Unknown option and unknown key: bad input. */
  assert_int_equal(tsup_run_tcpsim(&out, "run", "experiments/handshake.ini",
                                   "--bogus", NULL), 2);
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "run", "experiments/handshake.ini",
                                   "--db", path, "--set", "run.nope=1", NULL), 2);
  free(out);
  remove_db(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handshake_rows),
      cmocka_unit_test(test_digest_repeats_and_seed_changes_it),
      cmocka_unit_test(test_bad_topology),
      cmocka_unit_test(test_cli_run_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
