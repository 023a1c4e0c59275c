/*
 * test_exp_three_way.c - seed experiment 4, why three segments
 * (experiments/README.md, "Seed experiments"), through the tcpsim binary:
 * experiments/three_way.ini at the reduced size of the write-up (two
 * replications: three-way and two-way handshakes, 4 runs) swept with two
 * workers into one database; then the expectations
 * (results/queries/three_way.check.sql) must pass, and a few numbers are
 * checked directly, and its plot renders.
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
  if (tsup_tmp_dir(g_dir, sizeof g_dir, "tcpsim-exp-three") != 0)
    return -1;
  snprintf(g_db, sizeof g_db, "%s/three.db", g_dir);
  return tsup_tcpsim("sweep", "experiments/three_way.ini", "--jobs", "2",
                     "--db", g_db, "--set", "sweep.replications=2", NULL);
}

static int teardown(void **state)
{
  (void)state;
  tsup_remove_db(g_db);
  rmdir(g_dir);
  return 0;
}

static void test_expectations_pass(void **state)
{
  (void)state;
  char *out = tsup_check_ok("results/queries/three_way.check.sql", g_db);
  assert_null(strstr(out, "FAIL"));
  free(out);
  /* The three-way runs alone (1-2) lack the two-way ones: fail. */
  out = tsup_check_fails("results/queries/three_way.check.sql", g_db, "1-2");
  assert_non_null(strstr(out, "FAIL"));
  free(out);
}

/* Server connections of run `run` that reached ESTABLISHED from an old
 * duplicate SYN (the recorder's mark). */
static long phantoms(long run)
{
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM connections c JOIN app_events o ON"
           " o.run_id = c.run_id AND o.node = c.node AND o.conn_id ="
           " c.conn_id AND o.what = 'stale_accepted' AND o.detail LIKE 'S %%'"
           " WHERE c.run_id = %ld AND c.kind = 'passive' AND"
           " c.established_ns IS NOT NULL",
           run);
  return (long)tsup_sql_int(g_db, sql);
}

static long old_syns(long run)
{
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM app_events WHERE run_id = %ld AND what ="
           " 'stale_accepted' AND detail LIKE 'S %%sender gone'",
           run);
  return (long)tsup_sql_int(g_db, sql);
}

static void test_key_numbers(void **state)
{
  (void)state;
  /* runs 1-2: three-way (seeds 1, 2); 3-4: two-way */
  assert_int_equal(phantoms(1), 0);
  assert_int_equal(phantoms(2), 0);
  assert_true(old_syns(1) > 0);
  assert_true(old_syns(2) > 0);
  assert_int_equal(phantoms(3), old_syns(3));
  assert_int_equal(phantoms(4), old_syns(4));
  assert_int_equal(phantoms(3), 27);
  /* the same clients asked for the same connections in both */
  assert_int_equal(tsup_sql_int(g_db, "SELECT count(*) FROM connections"
                                      " WHERE run_id = 1 AND kind = 'active'"),
                   tsup_sql_int(g_db, "SELECT count(*) FROM connections"
                                      " WHERE run_id = 3 AND kind = 'active'"));
  /* two-way: some phantoms wait to the end of the run (their client is
   * off), none ends cleanly */
  assert_true(tsup_sql_int(g_db, "SELECT count(*) FROM connections WHERE"
                                 " run_id = 3 AND kind = 'passive' AND"
                                 " closed_ns IS NULL") > 0);
}

/* The plot of the write-up renders from this database: gnuplot exits 0
 * and writes a PNG (its signature checked). */
static void test_plot_renders(void **state)
{
  (void)state;
  tsup_plot_ok("results/plots/three_way.gp", g_db, g_dir, "plot.png");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expectations_pass),
      cmocka_unit_test(test_key_numbers),
      cmocka_unit_test(test_plot_renders),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
