/*
 * test_exp_half_open.c - seed experiment 2, half-open connections
 * (experiments/README.md, "Seed experiments"), through the tcpsim binary:
 * experiments/half_open_reboot.ini at full size (it takes a fraction of a
 * second) and experiments/half_open_keepalive.ini at the reduced size of
 * the write-up, swept with two workers into one database; then the
 * expectations (results/queries/half_open.check.sql) must pass, a few
 * numbers are checked directly, and both plots of the write-up render.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/support.h"

static char g_dir[256];
static char g_db[512];

static int setup(void **state)
{
  (void)state;
  const char *tmp = getenv("TMPDIR");
  snprintf(g_dir, sizeof g_dir, "%s/tcpsim-exp-half-open-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(g_dir))
    return -1;
  snprintf(g_db, sizeof g_db, "%s/half_open.db", g_dir);
  char *out;
  /* part (a): runs 1 (downtime 30 s) and 2 (1200 s) */
  int rc = tsup_run_tcpsim(&out, "sweep", "experiments/half_open_reboot.ini",
                           "--jobs", "2", "--db", g_db, NULL);
  if (rc != 0)
    fprintf(stderr, "%s\n", out);
  free(out);
  if (rc != 0)
    return rc;
  /* part (b), reduced: runs 3-4 keepalive off, 5-6 on; interval 5 s, 10 s */
  rc = tsup_run_tcpsim(&out, "sweep", "experiments/half_open_keepalive.ini",
                       "--jobs", "2", "--db", g_db,
                       "--set", "sweep.tcp.keepidle=20s",
                       "--set", "sweep.tcp.keepintvl=5s,10s",
                       "--set", "sweep.tcp.keepcnt=2",
                       "--set", "run.duration=100s", NULL);
  if (rc != 0)
    fprintf(stderr, "%s\n", out);
  free(out);
  return rc;
}

static int teardown(void **state)
{
  (void)state;
  char p[600];
  unlink(g_db);
  snprintf(p, sizeof p, "%s-wal", g_db);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", g_db);
  unlink(p);
  rmdir(g_dir);
  return 0;
}

static void test_expectations_pass(void **state)
{
  (void)state;
  char *out;
  int rc = tsup_run_tcpsim(&out, "check", "results/queries/half_open.check.sql",
                           "--db", g_db, NULL);
  if (rc != 0)
    fprintf(stderr, "%s\n", out);
  assert_int_equal(rc, 0);
  assert_null(strstr(out, "FAIL"));
  free(out);
  /* The checks find no rows, and so fail, without the part (b) runs. */
  rc = tsup_run_tcpsim(&out, "check", "results/queries/half_open.check.sql",
                       "--db", g_db, "--runs", "1-2", NULL);
  assert_int_equal(rc, 1);
  assert_non_null(strstr(out, "no rows"));
  free(out);
}

/* The error and the time from the send to it, for sock `sock` of run `run`
 * ("ECONNRESET|4030720"). */
static char *send_outcome(long run, const char *sock)
{
  char sql[1024];
  snprintf(sql, sizeof sql,
           "SELECT c.error, c.closed_ns - a.t_ns FROM app_events a"
           " JOIN connections c ON c.run_id = a.run_id AND c.node = a.node"
           " AND c.conn_id = a.conn_id"
           " WHERE a.run_id = %ld AND a.what = 'send' AND a.detail = '%s: ok'",
           run, sock);
  return tsup_sql_rows(g_db, sql);
}

static void test_reboot_numbers(void **state)
{
  (void)state;
  /* downtime 30 s (run 1): the send at 45 s, after the boot at 40 s, gets
   * RST one round trip (4 ms on the star) later */
  char *r = send_outcome(1, "c4");
  assert_string_equal(r, "ECONNRESET|4030720\n");
  free(r);
  /* the send at 15 s, server off: the handshake gave an RTT sample, so the
   * RTO is the 200 ms floor and the retransmissions go at 15.2, 15.6,
   * 16.4, 18, 21.2, 27.6 and 40.4 s; the last, after the boot at 40 s,
   * gets the RST one round trip later */
  r = send_outcome(1, "c2");
  assert_string_equal(r, "ECONNRESET|25404030720\n");
  free(r);
  /* downtime 1200 s (run 2): the same send runs out of retransmissions,
   * 15 of them, after 0.2 + 0.4 + ... + 102.4 + 6 x 120 s = 924.6 s */
  r = send_outcome(2, "c2");
  assert_string_equal(r, "ETIMEDOUT|924600000000\n");
  free(r);
  /* the 1000 idle clients and client1 (sent before the crash) never learn */
  assert_int_equal(tsup_sql_int(g_db,
                                "SELECT count(*) FROM connections WHERE run_id = 1"
                                " AND kind = 'active' AND closed_ns IS NULL"
                                " AND final_state = 'ESTABLISHED'"),
                   1001);
}

static void test_keepalive_numbers(void **state)
{
  (void)state;
  /* keepalive on, idle 20 s, 2 probes: interval 5 s (run 5) detects 30 s
   * after the answer, interval 10 s (run 6) 40 s, every connection */
  char *r = tsup_sql_rows(g_db,
                          "SELECT c.run_id, count(*), min(c.closed_ns - a.t_ns),"
                          " max(c.closed_ns - a.t_ns), sum(c.error = 'ETIMEDOUT')"
                          " FROM connections c JOIN app_events a ON a.run_id = c.run_id"
                          " AND a.node = c.node AND a.conn_id = c.conn_id"
                          " AND a.what = 'response_done'"
                          " WHERE c.run_id IN (5, 6) AND c.kind = 'active'"
                          " GROUP BY c.run_id ORDER BY c.run_id");
  assert_string_equal(r, "5|1000|30000000000|30000000000|1000\n"
                         "6|1000|40000000000|40000000000|1000\n");
  free(r);
  /* keepalive off (run 3): 1000 connections held from the power-off at
   * 10 s to the end at 100 s, 90 000 connection-seconds */
  assert_int_equal(tsup_sql_int(g_db,
                                "SELECT sum(coalesce(closed_ns, 100000000000) - 10000000000)"
                                " / 1000000000 FROM connections WHERE run_id = 3"
                                " AND kind = 'active' AND closed_ns IS NULL"),
                   90000);
}

/* Render results/plots/SCRIPT on the test database; the PNG must exist
 * and start with the PNG signature. */
static void render(const char *script, const char *png)
{
  char expr[1200], *out;
  snprintf(expr, sizeof expr, "db='%s'; out='%s/%s'", g_db, g_dir, png);
  char *const argv[] = {"gnuplot", "-e", expr, (char *)script, NULL};
  int rc = tsup_run(&out, argv);
  if (rc != 0)
    fprintf(stderr, "%s\n", out);
  assert_int_equal(rc, 0);
  free(out);
  char path[600];
  snprintf(path, sizeof path, "%s/%s", g_dir, png);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  unsigned char sig[4] = {0};
  assert_int_equal(fread(sig, 1, 4, f), 4);
  fclose(f);
  assert_memory_equal(sig, "\x89PNG", 4);
  unlink(path);
}

static void test_plots_render(void **state)
{
  (void)state;
  render("results/plots/half_open_reboot.gp", "reboot.png");
  render("results/plots/half_open_keepalive.gp", "keepalive.png");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expectations_pass),
      cmocka_unit_test(test_reboot_numbers),
      cmocka_unit_test(test_keepalive_numbers),
      cmocka_unit_test(test_plots_render),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
