/*
 * test_runs.c - the commands that run experiment files, end to end through
 * the tcpsim binary: the default experiment and its printed queries,
 * `sweep --jobs N` (same database for any N), Ctrl-C during a sweep, and
 * `rerun` (digest match from the database alone, mismatch, bad input).
 */
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/support.h"

/* A fresh path for a database in a scratch directory (nothing there). */
static const char *fresh_db(const char *name)
{
  static char dir[256];
  static char path[512];
  if (!dir[0]) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/tcpsim-runs-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
  }
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

static long query_long(const char *db, const char *sql)
{
  return (long)tsup_sql_int(db, sql);
}

static void exec_sql(const char *db, const char *sql)
{
  sqlite3 *h = NULL;
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  char *err = NULL;
  if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
    fail_msg("%s: %s", sql, err);
  sqlite3_close(h);
}

/* A small sweep: 2 x 2 points, 2 replications, every segment recorded. */
static const char sweep_ini[] =
    "[run]\n"
    "topology = " TCPSIM_SOURCE_DIR "/topologies/two-hosts.topo\n"
    "duration = 4s\n"
    "trace = segments\n"
    "[workload.server]\n"
    "type = server\n"
    "hosts = server\n"
    "[workload.client]\n"
    "type = client\n"
    "hosts = client\n"
    "server = server\n";

static const char *sweep_file(void)
{
  static char text[2048];
  snprintf(text, sizeof text, "%s%s", sweep_ini,
           "[sweep]\n"
           "tcp.msl = 1s, 10s\n"
           "workload.client.rate = 5/s, 40/s\n"
           "replications = 2\n");
  return tsup_temp_file(".ini", text);
}

/* ---------------------------------------------------------------------- */

static void test_default_experiment(void **state)
{
  (void)state;
  char db[512];
  snprintf(db, sizeof db, "%s", fresh_db("default.db"));
  char *out;
  int rc = tsup_run_tcpsim(&out, "run", "--db", db, NULL);
  if (rc != 0)
    fail_msg("tcpsim run:\n%s", out);
  assert_non_null(strstr(out, "the default experiment"));
  assert_non_null(strstr(out, "run 1 done"));
  assert_non_null(strstr(out, "flood"));
  /* The three queries it prints work as printed. */
  size_t nq = 0;
  for (char *p = strstr(out, "sqlite3 "); p; p = strstr(p + 1, "sqlite3 ")) {
    char *q = strchr(p, '"'), *e = q ? strchr(q + 1, '"') : NULL;
    assert_non_null(e);
    char sql[1024];
    snprintf(sql, sizeof sql, "%.*s", (int)(e - q - 1), q + 1);
    char *rows = tsup_sql_rows(db, sql);
    assert_true(strlen(rows) > 0);
    free(rows);
    nq++;
  }
  assert_int_equal(nq, 3);
  /* A real experiment: clients got through, the flood filled the queue. */
  assert_true(query_long(db, "SELECT count FROM v_conn_outcomes WHERE "
                             "run_id=1 AND outcome='ok'") > 10);
  assert_true(query_long(db, "SELECT count(*) FROM transitions WHERE "
                             "run_id=1") > 100);
  /* The flood fills the SYN queue (128 entries) and the states are
   * sampled every 300 ms (a hundredth of the duration). */
  assert_int_equal(query_long(db, "SELECT count FROM v_states_over_time "
                                  "WHERE run_id=1 AND state='SYN_RCVD' AND "
                                  "t_ns=6000000000"), 128);
  assert_int_equal(query_long(db, "SELECT count(DISTINCT t_ns) FROM "
                                  "v_states_over_time"), 101);
  char *status = tsup_sql_rows(db, "SELECT status FROM runs");
  assert_string_equal(status, "done\n");
  free(status);
  free(out);
}

static void test_sweep_jobs_same_database(void **state)
{
  (void)state;
  const char *ini = sweep_file();
  char ini_copy[512], db1[512], db2[512];
  snprintf(ini_copy, sizeof ini_copy, "%s", ini);
  snprintf(db1, sizeof db1, "%s", fresh_db("jobs1.db"));
  snprintf(db2, sizeof db2, "%s", fresh_db("jobs2.db"));
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "sweep", ini_copy, "--jobs", "1",
                                   "--db", db1, NULL), 0);
  assert_non_null(strstr(out, "sweep: 8 runs, 1 at a time"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "sweep", ini_copy, "--jobs", "2",
                                   "--db", db2, NULL), 0);
  assert_non_null(strstr(out, "sweep: 8 runs, 2 at a time"));
  free(out);
  /* Same ids in sweep order, same seeds, same digests, all done. */
  const char *q = "SELECT run_id, status, seed, result_digest, events"
                  " FROM runs ORDER BY run_id";
  char *a = tsup_sql_rows(db1, q), *b = tsup_sql_rows(db2, q);
  assert_string_equal(a, b);
  assert_non_null(strstr(a, "8|done|"));
  assert_null(strstr(a, "running"));
  free(a);
  free(b);
  /* Every row of every run, not only the digests. */
  q = "SELECT run_id, count(*), sum(seq), sum(t_ns) FROM segments"
      " GROUP BY run_id ORDER BY run_id";
  a = tsup_sql_rows(db1, q);
  b = tsup_sql_rows(db2, q);
  assert_string_equal(a, b);
  free(a);
  free(b);
  /* The swept values are where a query finds them, and the seed each
   * replication really had. */
  assert_int_equal(query_long(db2, "SELECT count(DISTINCT value) FROM params"
                                   " WHERE key='tcp.msl'"), 2);
  assert_int_equal(query_long(db2, "SELECT count(*) FROM params p JOIN runs r"
                                   " USING(run_id) WHERE p.key='run.seed' AND"
                                   " p.value = CAST(r.seed AS TEXT)"), 8);
  /* The digests differ between points (the check could fail). */
  assert_int_equal(query_long(db2, "SELECT count(DISTINCT result_digest)"
                                   " FROM runs"), 8);
  /* No worker files are left beside the database. */
  char side[600];
  snprintf(side, sizeof side, "%s", db2);
  char *slash = strrchr(side, '/');
  *slash = '\0';
  char cmd[700];
  snprintf(cmd, sizeof cmd, "ls %s | grep -c sweep-", side);
  FILE *p = popen(cmd, "r");
  char line[32] = "";
  assert_non_null(fgets(line, sizeof line, p));
  pclose(p);
  assert_int_equal(atoi(line), 0);
}

/* With --pcap a sweep writes DIR/run-ID/ per run, from any worker. */
static void test_sweep_pcap_per_run(void **state)
{
  (void)state;
  char ini[512], db[512], dir[512], path[700];
  snprintf(ini, sizeof ini, "%s", sweep_file());
  snprintf(db, sizeof db, "%s", fresh_db("pcap.db"));
  snprintf(dir, sizeof dir, "%s", fresh_db("pcaps"));
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "sweep", ini, "--jobs", "2", "--db",
                                   db, "--pcap", dir, "--set",
                                   "run.duration=300ms", NULL), 0);
  free(out);
  for (int run = 1; run <= 8; run++) {
    struct stat st;
    snprintf(path, sizeof path, "%s/run-%d/client.pcap", dir, run);
    if (stat(path, &st) != 0)
      fail_msg("missing %s", path);
    assert_true(st.st_size > 24); /* the pcap header and some packets */
  }
}

static void test_sweep_bad_input(void **state)
{
  (void)state;
  char *out;
  const char *ini = sweep_file();
  char ini_copy[512];
  snprintf(ini_copy, sizeof ini_copy, "%s", ini);
  assert_int_equal(tsup_run_tcpsim(&out, "sweep", NULL), 2);
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "sweep", ini_copy, "--jobs", "0",
                                   NULL), 2);
  assert_non_null(strstr(out, "bad --jobs (1 to 1024) '0'"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "sweep", ini_copy, "--trace", "all",
                                   NULL), 2);
  assert_non_null(strstr(out, "bad --trace"));
  free(out);
  /* One database per sweep: run.db may not vary across workers. */
  char text[2048];
  char dba[512];
  snprintf(dba, sizeof dba, "%s", fresh_db("a.db"));
  snprintf(text, sizeof text, "%s[sweep]\nrun.db = %s, %s\n", sweep_ini, dba,
           fresh_db("b.db"));
  const char *ini2 = tsup_temp_file(".ini", text);
  assert_int_equal(tsup_run_tcpsim(&out, "sweep", ini2, "--jobs", "2", NULL),
                   2);
  assert_non_null(strstr(out, "run.db cannot vary"));
  free(out);
}

/* Ctrl-C during a parallel sweep: nothing stays 'running', the runs in
 * progress are 'interrupted', exit status 1. */
static void test_sweep_interrupted(void **state)
{
  (void)state;
  char text[2048], db[512];
  snprintf(db, sizeof db, "%s", fresh_db("int.db"));
  snprintf(text, sizeof text,
           "[run]\n"
           "topology = " TCPSIM_SOURCE_DIR "/topologies/two-hosts.topo\n"
           "duration = 100000s\n"
           "[workload.server]\ntype = server\nhosts = server\n"
           "[workload.client]\ntype = client\nhosts = client\n"
           "server = server\nrate = 1000/s\n"
           "[sweep]\nrun.seed = 1, 2, 3, 4, 5\n");
  char ini[512];
  snprintf(ini, sizeof ini, "%s", tsup_temp_file(".ini", text));
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    setpgid(0, 0); /* a process group of its own, as a shell job */
    alarm(60);
    execl(TCPSIM_BINARY, TCPSIM_BINARY, "sweep", ini, "--jobs", "2", "--db",
          db, (char *)NULL);
    _exit(127);
  }
  /* Wait until both workers run (two placeholders, then simulation). */
  for (int i = 0; i < 100; i++) {
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    if (access(db, F_OK) == 0 &&
        query_long(db, "SELECT count(*) FROM runs") == 5)
      break;
  }
  struct timespec pause = {0, 300 * 1000 * 1000};
  nanosleep(&pause, NULL);
  assert_int_equal(kill(-pid, SIGINT), 0); /* the whole job, as Ctrl-C */
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 1);
  char *s = tsup_sql_rows(db, "SELECT status, count(*) FROM runs GROUP BY status");
  assert_string_equal(s, "interrupted|5\n");
  free(s);
  /* The two runs that were running kept what they recorded. */
  assert_int_equal(query_long(db, "SELECT count(DISTINCT run_id) FROM "
                                  "connections"), 2);
}

static void test_rerun_matches_from_database_alone(void **state)
{
  (void)state;
  /* An experiment and its topology in a directory that is then removed:
   * the rerun can only use what the database holds. */
  char dir[512], topo[600], ini[600], db[512], cmd[4096];
  snprintf(dir, sizeof dir, "%s", fresh_db("gone"));
  assert_int_equal(mkdir(dir, 0700), 0);
  snprintf(topo, sizeof topo, "%s/net.topo", dir);
  snprintf(ini, sizeof ini, "%s/exp.ini", dir);
  snprintf(cmd, sizeof cmd,
           "cp %s/topologies/dumbbell.topo %s/topologies/common.topo %s && "
           "mv %s/dumbbell.topo %s",
           TCPSIM_SOURCE_DIR, TCPSIM_SOURCE_DIR, dir, dir, topo);
  assert_int_equal(system(cmd), 0);
  FILE *f = fopen(ini, "w");
  assert_non_null(f);
  fputs("[run]\ntopology = net.topo\nduration = 3s\ntrace = transitions\n"
        "[workload.s]\ntype = server\nhosts = server1\n"
        "[workload.c]\ntype = client\nhosts = client\nserver = server1\n"
        "rate = 3/s\n", f);
  fclose(f);
  snprintf(db, sizeof db, "%s", fresh_db("rerun.db"));
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "run", ini, "--db", db, "--seed",
                                   "7", NULL), 0);
  free(out);
  snprintf(cmd, sizeof cmd, "rm -r %s", dir);
  assert_int_equal(system(cmd), 0);

  assert_int_equal(tsup_run_tcpsim(&out, "rerun", "--db", db, "--run", "1",
                                   NULL), 0);
  assert_non_null(strstr(out, "\nmatch\n"));
  free(out);
  /* --into keeps the repeated run, with equal rows. */
  char into[512];
  snprintf(into, sizeof into, "%s", fresh_db("into.db"));
  assert_int_equal(tsup_run_tcpsim(&out, "rerun", "--db", db, "--run", "1",
                                   "--into", into, NULL), 0);
  free(out);
  const char *q = "SELECT t_ns, node, conn_id, from_state, to_state, cause"
                  " FROM transitions ORDER BY idx";
  char *a = tsup_sql_rows(db, q), *b = tsup_sql_rows(into, q);
  assert_true(strlen(a) > 100);
  assert_string_equal(a, b);
  free(a);
  free(b);

  /* A stored digest that is not what the run gives: MISMATCH, exit 1. */
  exec_sql(db, "UPDATE runs SET result_digest='0123456789abcdef'");
  assert_int_equal(tsup_run_tcpsim(&out, "rerun", "--db", db, "--run", "1",
                                   NULL), 1);
  assert_non_null(strstr(out, "MISMATCH"));
  free(out);
}

/* Connections made from SYN cookies have their own ISS and IRS in the
 * connections table: the cookie the server sent and the client's ISN. */
static void test_cookie_connections_numbers(void **state)
{
  (void)state;
  char db[512];
  snprintf(db, sizeof db, "%s", fresh_db("cookies.db"));
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "run", "experiments/handshake.ini",
                                   "--db", db, "--trace", "segments", "--set",
                                   "tcp.syncookies=always", NULL), 0);
  free(out);
  assert_int_equal(query_long(db, "SELECT value FROM metrics WHERE "
                                  "name='tcp.syncookies_validated'"), 3);
  assert_int_equal(query_long(db,
      "SELECT count(*) FROM connections c WHERE kind = 'passive' AND "
      "iss = (SELECT seq FROM segments s WHERE event = 'send' AND "
      "flags = 'SA' AND s.src || ':' || s.sport = c.local AND "
      "s.dst || ':' || s.dport = c.remote) AND "
      "irs = (SELECT seq FROM segments s WHERE event = 'send' AND "
      "flags = 'S' AND s.src || ':' || s.sport = c.remote)"), 3);
}

static void test_rerun_bad_input(void **state)
{
  (void)state;
  char *out;
  char db[512];
  snprintf(db, sizeof db, "%s", fresh_db("bad.db"));
  assert_int_equal(tsup_run_tcpsim(&out, "rerun", "--db", db, NULL), 2);
  assert_non_null(strstr(out, "--run N are required"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "rerun", "--db", db, "--run", "1",
                                   NULL), 2);
  assert_non_null(strstr(out, "bad.db"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "run", "experiments/handshake.ini",
                                   "--db", db, NULL), 0);
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "rerun", "--db", db, "--run", "9",
                                   NULL), 2);
  assert_non_null(strstr(out, "no run 9"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "rerun", "--db", db, "--run", "x",
                                   NULL), 2);
  assert_non_null(strstr(out, "bad --run"));
  free(out);
  /* A run that never finished has no digest to compare. */
  exec_sql(db, "UPDATE runs SET status='running', result_digest=NULL");
  assert_int_equal(tsup_run_tcpsim(&out, "rerun", "--db", db, "--run", "1",
                                   NULL), 2);
  assert_non_null(strstr(out, "no result digest"));
  free(out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_experiment),
      cmocka_unit_test(test_sweep_jobs_same_database),
      cmocka_unit_test(test_sweep_pcap_per_run),
      cmocka_unit_test(test_sweep_bad_input),
      cmocka_unit_test(test_sweep_interrupted),
      cmocka_unit_test(test_rerun_matches_from_database_alone),
      cmocka_unit_test(test_cookie_connections_numbers),
      cmocka_unit_test(test_rerun_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
