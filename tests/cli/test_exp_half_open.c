/*
 * test_exp_half_open.c - seed experiment 2, half-open connections
 * (experiments/README.md, "Seed experiments"), through the tcpsim binary:
 * experiments/half_open_reboot.ini at full size (it takes a fraction of a
 * second) and experiments/half_open_keepalive.ini at the reduced size of
 * the write-up, swept with two workers into one database; then the
 * expectations (results/queries/half_open.check.sql) must pass, a few
 * numbers are checked directly, and both plots of the write-up render.
 * A second database holds the same runs with client10's power-off moved
 * after the end of the run: the part (b) checks must catch it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/support.h"

static char g_dir[256];
static char g_db[512];
static char g_bad[512];

/* The reduced part (b) sweep of the write-up, into DB, with EXTRA (a
 * --set argument or NULL). */
static int sweep_keepalive(const char *db, const char *extra)
{
  return tsup_tcpsim("sweep", "experiments/half_open_keepalive.ini",
                     "--jobs", "2", "--db", db,
                     "--set", "sweep.tcp.keepidle=20s",
                     "--set", "sweep.tcp.keepintvl=5s,10s",
                     "--set", "sweep.tcp.keepcnt=2",
                     "--set", "run.duration=100s",
                     extra ? "--set" : NULL, extra, NULL);
}

static int sweep_reboot(const char *db)
{
  return tsup_tcpsim("sweep", "experiments/half_open_reboot.ini", "--jobs",
                     "2", "--db", db, NULL);
}

static int setup(void **state)
{
  (void)state;
  if (tsup_tmp_dir(g_dir, sizeof g_dir, "tcpsim-exp-half-open") != 0)
    return -1;
  snprintf(g_db, sizeof g_db, "%s/half_open.db", g_dir);
  snprintf(g_bad, sizeof g_bad, "%s/no_poweroff.db", g_dir);
  /* part (a): runs 1 (downtime 30 s) and 2 (1200 s); part (b), reduced:
   * runs 3-4 keepalive off, 5-6 on; interval 5 s, 10 s */
  int rc = sweep_reboot(g_db);
  if (rc == 0)
    rc = sweep_keepalive(g_db, NULL);
  /* the same with client10 powering off only after the end (200 s) */
  if (rc == 0)
    rc = sweep_reboot(g_bad);
  if (rc == 0)
    rc = sweep_keepalive(g_bad, "fault.off10.at=200s");
  return rc;
}

static int teardown(void **state)
{
  (void)state;
  tsup_remove_db(g_db);
  tsup_remove_db(g_bad);
  rmdir(g_dir);
  return 0;
}

/* The status ("ok  " or "FAIL") of the check of `out` whose title holds
 * `title`; NULL when no line has it. */
static const char *check_status(const char *out, const char *title)
{
  const char *t = strstr(out, title);
  if (!t)
    return NULL;
  while (t > out && t[-1] != '\n')
    t--;
  return strncmp(t, "FAIL", 4) == 0 ? "FAIL" : "ok  ";
}

static void test_expectations_pass(void **state)
{
  (void)state;
  char *out = tsup_check_ok("results/queries/half_open.check.sql", g_db);
  assert_null(strstr(out, "FAIL"));
  free(out);
  /* The checks find no rows, and so fail, without the part (b) runs. */
  out = tsup_check_fails("results/queries/half_open.check.sql", g_db, "1-2");
  assert_non_null(strstr(out, "no rows"));
  assert_string_equal(check_status(out, "(b) keepalive on the server"), "FAIL");
  free(out);
  /* Only the keepalive-off runs of part (b): both settings were not run. */
  out = tsup_check_fails("results/queries/half_open.check.sql", g_db, "3-4");
  assert_string_equal(check_status(out, "(b) both settings were run"), "FAIL");
  assert_string_equal(check_status(out, "(b) keepalive on the server"), "ok  ");
  free(out);
}

/* client10 still up: its 100 connections answer the server's probes and
 * stay open, with keepalive on too; exactly the two checks on the
 * power-off and on keepalive fail. */
static void test_expectations_catch_live_client(void **state)
{
  (void)state;
  char *out = tsup_check_fails("results/queries/half_open.check.sql", g_bad,
                               NULL);
  assert_string_equal(check_status(out, "(b) the clients power off"), "FAIL");
  assert_string_equal(check_status(out, "(b) keepalive on the server"), "FAIL");
  assert_non_null(strstr(out, "2 checks failed"));
  free(out);
  char *r = tsup_sql_rows(g_bad,
                          "SELECT run_id, sum(error = 'ETIMEDOUT'), sum(closed_ns IS NULL)"
                          " FROM connections WHERE run_id IN (5, 6) AND kind = 'passive'"
                          " GROUP BY run_id ORDER BY run_id");
  assert_string_equal(r, "5|900|100\n6|900|100\n");
  free(r);
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
  /* keepalive on the server, idle 20 s, 2 probes: interval 5 s (run 5)
   * detects 30 s after the last segment the server received on the
   * connection (the client's last ACK), interval 10 s (run 6) 40 s, every
   * one of the 1000 connections, in ETIMEDOUT after two probes each */
  char *r = tsup_sql_rows(g_db,
                          "WITH rx AS MATERIALIZED (SELECT run_id, node,"
                          " CAST(src || ':' || sport AS TEXT) AS remote,"
                          " CAST(dst || ':' || dport AS TEXT) AS local, max(t_ns) AS t"
                          " FROM segments WHERE run_id IN (5, 6) AND event = 'recv'"
                          " GROUP BY run_id, node, src, sport, dst, dport),"
                          " tx AS MATERIALIZED (SELECT run_id, conn_id, count(*) AS n"
                          " FROM segments WHERE run_id IN (5, 6) AND event = 'send'"
                          " AND t_ns >= 10000000000 GROUP BY run_id, conn_id)"
                          " SELECT c.run_id, count(*), min(c.closed_ns - rx.t),"
                          " max(c.closed_ns - rx.t), sum(c.error = 'ETIMEDOUT'),"
                          " min(tx.n), max(tx.n), max(rx.t) < 10000000000"
                          " FROM connections c CROSS JOIN rx ON rx.run_id = c.run_id"
                          " AND rx.node = c.node AND rx.remote = c.remote AND rx.local = c.local"
                          " LEFT JOIN tx ON tx.run_id = c.run_id AND tx.conn_id = c.conn_id"
                          " WHERE c.run_id IN (5, 6) AND c.kind = 'passive'"
                          " GROUP BY c.run_id ORDER BY c.run_id");
  assert_string_equal(r, "5|1000|30000000000|30000000000|1000|2|2|1\n"
                         "6|1000|40000000000|40000000000|1000|2|2|1\n");
  free(r);
  /* every client end went at the power-off of the 10 client hosts */
  r = tsup_sql_rows(g_db,
                    "SELECT count(*), sum(closed_ns = 10000000000 AND error = 'ECONNABORTED'),"
                    " (SELECT count(*) FROM host_events h WHERE h.run_id = 5"
                    " AND h.event = 'poweroff' AND h.t_ns = 10000000000)"
                    " FROM connections WHERE run_id = 5 AND kind = 'active'");
  assert_string_equal(r, "1000|1000|10\n");
  free(r);
  /* half-open connection-seconds the server held after the power-off:
   * with keepalive (run 5) 22 659.2 (1000 x 30 s less the 7.3 s the
   * connections had been idle on average at 10 s); without (run 3) the
   * 1000 connections are ESTABLISHED at the end, held from 10 s to 100 s,
   * 90 000 connection-seconds */
  assert_int_equal(tsup_sql_int(g_db,
                                "SELECT sum(closed_ns - 10000000000) / 100000000"
                                " FROM connections WHERE run_id = 5 AND kind = 'passive'"),
                   226592);
  assert_int_equal(tsup_sql_int(g_db,
                                "SELECT count(*) FROM connections WHERE run_id = 3"
                                " AND kind = 'passive' AND closed_ns IS NULL"
                                " AND final_state = 'ESTABLISHED'"),
                   1000);
  assert_int_equal(tsup_sql_int(g_db,
                                "SELECT sum(coalesce(closed_ns, 100000000000) - 10000000000)"
                                " / 1000000000 FROM connections WHERE run_id = 3"
                                " AND kind = 'passive'"),
                   90000);
}

static void test_plots_render(void **state)
{
  (void)state;
  tsup_plot_ok("results/plots/half_open_reboot.gp", g_db, g_dir, "reboot.png");
  tsup_plot_ok("results/plots/half_open_keepalive.gp", g_db, g_dir,
               "keepalive.png");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expectations_pass),
      cmocka_unit_test(test_expectations_catch_live_client),
      cmocka_unit_test(test_reboot_numbers),
      cmocka_unit_test(test_keepalive_numbers),
      cmocka_unit_test(test_plots_render),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
