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
  tsup_fresh_db(path, sizeof path, "tcpsim-runner");
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
  tsup_remove_db(path);
}

static void test_digest_repeats_and_seed_changes_it(void **state)
{
  (void)state;
  char path[256];
  tsup_fresh_db(path, sizeof path, "tcpsim-runner");
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
  tsup_remove_db(path);
}

static void test_bad_topology(void **state)
{
  (void)state;
  char path[256];
  tsup_fresh_db(path, sizeof path, "tcpsim-runner");
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
  tsup_remove_db(path);

  /* A database path that cannot be opened is bad input too. */
  c = load(NULL, 0);
  assert_int_equal(exp_run(c, &(struct exp_run_opts){.db = "/nonexistent/dir/x.db"}, &r), 2);
  exp_config_free(c);
}

/* Run an experiment given as text into a fresh database; returns it
 * open (caller closes and removes path). */
static sqlite3 *run_text(const char *text, char *path, size_t cap)
{
  char err[1024] = "";
  struct exp_config *c = NULL;
  if (exp_config_parse_string("t.ini", TCPSIM_SOURCE_DIR "/experiments", text,
                              NULL, 0, &c, err, sizeof err) != EXP_OK)
    fail_msg("%s", err);
  tsup_fresh_db(path, cap, "tcpsim-runner");
  struct exp_run_result r;
  assert_int_equal(exp_run(c, &(struct exp_run_opts){.db = path, .quiet = true},
                           &r), 0);
  exp_config_free(c);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  return db;
}

/* Flood and client start/stop: nothing before start, nothing after stop. */
static void test_start_stop(void **state)
{
  (void)state;
  char path[256];
  sqlite3 *db = run_text(
      "[run]\ntopology = ../topologies/two-hosts.topo\nduration = 4s\n"
      "trace = segments\n"
      "[workload.f]\ntype = syn_flood\nhosts = client\ntarget = server\n"
      "rate = 100/s\nstart = 1s\nstop = 1500ms\n"
      "[workload.c]\ntype = client\nhosts = client\nserver = server\n"
      "port = 81\nrate = 10/s\narrival = fixed\nstart = 2s\nstop = 3s\n",
      path, sizeof path);
  /* spoofed SYNs (Poisson, 100/s for 0.5 s) as the server receives them */
  int64_t n = query_int(db, "SELECT count(*) FROM segments WHERE "
                            "event='recv' AND dport=80 AND flags='S'");
  assert_true(n >= 25 && n <= 80);
  assert_true(query_int(db, "SELECT min(t_ns) FROM segments WHERE "
                            "dport=80 AND event='send'") == SIM_S);
  assert_true(query_int(db, "SELECT max(t_ns) FROM segments WHERE "
                            "dport=80 AND event='recv'") <= 1510 * SIM_MS);
  /* the clients' connects (refused: nobody listens on 81) */
  assert_int_equal(query_int(db, "SELECT count(*) FROM connections WHERE "
                                 "kind='active'"), 11);
  assert_int_equal(query_int(db, "SELECT min(opened_ns) FROM connections "
                                 "WHERE kind='active'"), 2 * SIM_S);
  assert_int_equal(query_int(db, "SELECT max(opened_ns) FROM connections "
                                 "WHERE kind='active'"), 3 * SIM_S);
  sqlite3_close(db);
  tsup_remove_db(path);
}

/* A kill fault ends the server's process: its connections and listener
 * are closed by the kernel and forgotten by the workload (app_events
 * 'killed'); later connects are refused until a reboot restarts the
 * service. Under ASan this also shows no released handle is used. */
static void test_kill_then_reboot(void **state)
{
  (void)state;
  char path[256];
  sqlite3 *db = run_text(
      "[run]\ntopology = ../topologies/two-hosts.topo\nduration = 6s\n"
      "trace = transitions\n"
      "[workload.s]\ntype = server\nhosts = server\nclose = never\n"
      "[workload.c]\ntype = client\nhosts = client\nserver = server\n"
      "rate = 4/s\narrival = fixed\nclose = keep\n"
      "[fault.kill]\nat = 1100ms\naction = kill\nnode = server\n"
      "[fault.reboot]\nat = 3s\naction = reboot\nnode = server\n"
      "delay = 1s\n",
      path, sizeof path);
  /* connections at 0, 0.25, 0.5, 0.75, 1.0 s were open at the kill */
  assert_int_equal(query_int(db, "SELECT count(*) FROM app_events WHERE "
                                 "what='killed' AND conn_id <> 0"), 5);
  assert_int_equal(query_int(db, "SELECT count(*) FROM app_events WHERE "
                                 "what='killed' AND detail='listener'"), 1);
  /* refused while the service is dead (1.25 s .. 2.75 s: 7 tries) */
  assert_int_equal(query_int(db, "SELECT count(*) FROM connections WHERE "
                                 "kind='active' AND error='ECONNREFUSED'"), 7);
  /* listening again after the boot at 4 s, and accepting */
  assert_int_equal(query_int(db, "SELECT count(*) FROM app_events WHERE "
                                 "what='listen' AND detail='boot'"), 1);
  assert_true(query_int(db, "SELECT count(*) FROM connections WHERE "
                            "kind='passive' AND established_ns > 4000000000") > 5);
  sqlite3_close(db);
  tsup_remove_db(path);
}

/* start_spread: each client host starts once, at a different instant in
 * [start, start + spread); think: back to back with a pause between. */
static void test_spread_and_think(void **state)
{
  (void)state;
  char path[256];
  sqlite3 *db = run_text(
      "[run]\ntopology = ../topologies/dumbbell.topo\nduration = 20s\n"
      "[workload.s]\ntype = server\nhosts = server1\nresponse_bytes = 0\n"
      "[workload.c]\ntype = client\nhosts = client\nserver = server1\n"
      "arrival = back_to_back\nthink = 2s\nstart = 1s\n"
      "start_spread = 500ms\nrequest_bytes = 0\ncount = 3\n",
      path, sizeof path);
  assert_int_equal(query_int(db, "SELECT count(*) FROM connections WHERE "
                                 "kind='active'"), 30);
  /* first starts: ten distinct instants in [1 s, 1.5 s) */
  assert_int_equal(query_int(db, "SELECT count(DISTINCT t) FROM (SELECT "
                                 "node, min(opened_ns) AS t FROM connections "
                                 "WHERE kind='active' GROUP BY node) WHERE t "
                                 ">= 1000000000 AND t < 1500000000"), 10);
  /* each next connection opens 2 s after the previous one ended for the
   * application (its client-side FIN went out with the close) */
  assert_int_equal(query_int(db,
      "SELECT count(*) FROM connections a JOIN connections b ON "
      "a.node = b.node AND a.kind = 'active' AND b.kind = 'active' AND "
      "b.opened_ns = (SELECT min(opened_ns) FROM connections c WHERE "
      "c.node = a.node AND c.kind = 'active' AND c.opened_ns > a.opened_ns) "
      "WHERE b.opened_ns - a.opened_ns BETWEEN 2000000000 AND 2200000000"),
      20);
  sqlite3_close(db);
  tsup_remove_db(path);
}

/* set_link changes a link's parameters at a time, in the direction order
 * the file writes: here everything from server to client is lost from
 * 1 s on, so connections opened later never get a SYN-ACK. */
static void test_set_link(void **state)
{
  (void)state;
  char path[256];
  sqlite3 *db = run_text(
      "[run]\ntopology = ../topologies/two-hosts.topo\nduration = 3s\n"
      "trace = segments\n"
      "[tcp]\nsyn_retries = 1\n"
      "[workload.s]\ntype = server\nhosts = server\n"
      "[workload.c]\ntype = client\nhosts = client\nserver = server\n"
      "rate = 4/s\narrival = fixed\n"
      "[fault.cut]\nat = 1s\naction = set_link\nlink = server-client\n"
      "params = a>b:loss 100%\n",
      path, sizeof path);
  /* nothing from the server arrives after 1 s; the client's SYNs do */
  assert_int_equal(query_int(db, "SELECT count(*) FROM segments WHERE "
                                 "event='recv' AND sport=80 AND t_ns > "
                                 "1000000000"), 0);
  assert_true(query_int(db, "SELECT count(*) FROM segments WHERE event='recv'"
                            " AND dport=80 AND t_ns > 1000000000") > 4);
  assert_true(query_int(db, "SELECT count(*) FROM segments WHERE "
                            "event='drop' AND drop_reason='loss'") > 4);
  /* the four connections opened before 1 s completed */
  assert_int_equal(query_int(db, "SELECT count(*) FROM connections WHERE "
                                 "kind='active' AND established_ns IS NOT "
                                 "NULL"), 4);
  sqlite3_close(db);
  tsup_remove_db(path);
}

/* Server keepalive: the clients power off; each connection the server
 * holds ends ETIMEDOUT idle + interval x count after the last segment it
 * received. */
static void test_server_keepalive(void **state)
{
  (void)state;
  char path[256];
  sqlite3 *db = run_text(
      "[run]\ntopology = ../topologies/two-hosts.topo\nduration = 60s\n"
      "[workload.s]\ntype = server\nhosts = server\nclose = never\n"
      "response_bytes = 0\nkeepalive = on\nkeepalive_idle = 10s\n"
      "keepalive_interval = 2s\nkeepalive_count = 3\n"
      "[workload.c]\ntype = client\nhosts = client\nserver = server\n"
      "rate = 1/s\narrival = fixed\ncount = 2\nclose = keep\n"
      "request_bytes = 0\n"
      "[fault.off]\nat = 5s\naction = crash\nnode = client\n",
      path, sizeof path);
  assert_int_equal(query_int(db, "SELECT count(*) FROM connections WHERE "
                                 "kind = 'passive' AND error = 'ETIMEDOUT'"), 2);
  /* the client's last segment (its ACK of the SYN-ACK) arrives 1 ms
   * after the handshake starts + ...: closed 16 s after established */
  assert_int_equal(query_int(db, "SELECT count(*) FROM connections WHERE "
                                 "kind = 'passive' AND closed_ns - "
                                 "established_ns = 16000000000"), 2);
  sqlite3_close(db);
  tsup_remove_db(path);
}

static void test_cli_run_file(void **state)
{
  (void)state;
  char path[256], *out;
  tsup_fresh_db(path, sizeof path, "tcpsim-runner");
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
  tsup_remove_db(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handshake_rows),
      cmocka_unit_test(test_digest_repeats_and_seed_changes_it),
      cmocka_unit_test(test_bad_topology),
      cmocka_unit_test(test_start_stop),
      cmocka_unit_test(test_kill_then_reboot),
      cmocka_unit_test(test_spread_and_think),
      cmocka_unit_test(test_set_link),
      cmocka_unit_test(test_server_keepalive),
      cmocka_unit_test(test_cli_run_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
