/*
 * test_check.c - `tcpsim check FILE.sql --db PATH`: expectations written
 * as SQL against a results database made by a real run. Passing and
 * failing checks, a check that finds no rows, :first/:last, statements
 * that are not checks, SQL errors named by file:line, and that the
 * database is never written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/support.h"

static char g_db[512];

static int setup(void **state)
{
  (void)state;
  tsup_tmp_path(g_db, sizeof g_db, "tcpsim-check", ".db");
  /* two runs of the handshake example: seeds 1 and 2 */
  return tsup_tcpsim("run", "experiments/handshake.ini", "--db", g_db,
                     "--set", "sweep.run.seed=1,2", NULL);
}

static int teardown(void **state)
{
  (void)state;
  tsup_remove_db(g_db);
  return 0;
}

static int check(char **out, const char *sql, const char *extra1,
                 const char *extra2)
{
  char path[512];
  snprintf(path, sizeof path, "%s", tsup_temp_file(".sql", sql));
  return tsup_run_tcpsim(out, "check", path, "--db", g_db, extra1, extra2,
                         NULL);
}

static void test_passing_checks(void **state)
{
  (void)state;
  char *out;
  int rc = check(&out,
                 "-- a file header, not a title\n"
                 "\n"
                 "-- every run is done\n"
                 "SELECT status = 'done', run_id FROM runs;\n"
                 "\n"
                 "-- three client connections per run,\n"
                 "-- all established\n"
                 "SELECT count(*) = 3, run_id FROM connections\n"
                 "  WHERE kind = 'active' AND established_ns IS NOT NULL\n"
                 "  GROUP BY run_id;\n",
                 NULL, NULL);
  if (rc != 0)
    fail_msg("%s", out);
  assert_non_null(strstr(out, ":4 every run is done (2 rows)"));
  assert_non_null(strstr(out, ":8 three client connections per run, all "
                              "established (2 rows)"));
  assert_null(strstr(out, "header"));
  assert_null(strstr(out, "FAIL"));
  free(out);
}

static void test_failing_checks(void **state)
{
  (void)state;
  char *out;
  assert_int_equal(check(&out,
                         "-- wrong on purpose\n"
                         "SELECT seed = 1, run_id, seed FROM runs;\n"
                         "-- finds nothing\n"
                         "SELECT 1 FROM runs WHERE status = 'failed';\n"
                         "-- NULL is not true\n"
                         "SELECT NULL;\n"
                         "-- fine\n"
                         "SELECT 1;\n",
                         NULL, NULL),
                   1);
  assert_non_null(strstr(out, "FAIL "));
  assert_non_null(strstr(out, ":2 wrong on purpose\n"
                              "       row 2: seed = 1=0, run_id=2, seed=2\n"));
  assert_non_null(strstr(out, ":4 finds nothing\n       no rows\n"));
  assert_non_null(strstr(out, ":6 NULL is not true\n"));
  assert_non_null(strstr(out, "ok   "));
  assert_non_null(strstr(out, "3 checks failed"));
  free(out);
}

static void test_runs_range(void **state)
{
  (void)state;
  char *out;
  const char *sql = "-- only the runs asked for\n"
                    "SELECT count(*) = 1 AND min(run_id) = 2 FROM runs\n"
                    "  WHERE run_id BETWEEN :first AND :last;\n";
  assert_int_equal(check(&out, sql, "--runs", "2-2"), 0);
  free(out);
  assert_int_equal(check(&out, sql, NULL, NULL), 1); /* both runs */
  free(out);
  assert_int_equal(check(&out, sql, "--runs", "3-1"), 2);
  assert_non_null(strstr(out, "bad --runs"));
  free(out);
}

/* CREATE TEMP VIEW: shared by the checks after it, never written to the
 * database; a plain CREATE VIEW would write, and is refused. */
static void test_temp_views(void **state)
{
  (void)state;
  char *out;
  assert_int_equal(check(&out,
                         "CREATE TEMP VIEW done_runs AS\n"
                         "  SELECT run_id FROM runs WHERE status = 'done';\n"
                         "-- both runs, through the view\n"
                         "SELECT count(*) = 2 FROM done_runs;\n",
                         NULL, NULL),
                   0);
  assert_non_null(strstr(out, ":4 both runs, through the view (1 rows)"));
  free(out);
  assert_int_equal(tsup_sql_int(g_db, "SELECT count(*) FROM sqlite_master "
                                      "WHERE type = 'view' AND name = "
                                      "'done_runs'"),
                   0);
  assert_int_equal(check(&out, "CREATE VIEW v AS SELECT 1;\nSELECT 1;\n",
                         NULL, NULL),
                   2);
  assert_non_null(strstr(out, "a check is a SELECT"));
  free(out);
}

static void write_file(const char *dir, const char *name, const char *text)
{
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* "-- uses: FILE": the TEMP definitions of FILE (beside the check file)
 * run first, its other statements not at all; a missing file, one with no
 * definition and an error inside it are bad input naming the place. */
static void test_uses(void **state)
{
  (void)state;
  char dir[512], chk[600], *out;
  assert_int_equal(tsup_tmp_dir(dir, sizeof dir, "tcpsim-check-uses"), 0);
  write_file(dir, "q.sql",
             "-- the query file: a view and the table users read\n"
             "CREATE TEMP VIEW done_runs AS\n"
             "  SELECT run_id FROM runs WHERE status = 'done';\n"
             "SELECT 0 AS would_fail, 'not run by check' FROM done_runs;\n");
  write_file(dir, "ok.check.sql",
             "-- uses: q.sql\n"
             "\n"
             "-- both runs, through the shared view\n"
             "SELECT count(*) = 2 FROM done_runs;\n");
  snprintf(chk, sizeof chk, "%s/ok.check.sql", dir);
  assert_int_equal(tsup_run_tcpsim(&out, "check", chk, "--db", g_db, NULL), 0);
  assert_non_null(strstr(out, ":4 both runs, through the shared view (1 rows)"));
  assert_null(strstr(out, "not run by check"));
  assert_null(strstr(out, "FAIL"));
  free(out);

  write_file(dir, "missing.check.sql",
             "SELECT 1;\n-- uses: nowhere.sql\nSELECT 1;\n");
  snprintf(chk, sizeof chk, "%s/missing.check.sql", dir);
  assert_int_equal(tsup_run_tcpsim(&out, "check", chk, "--db", g_db, NULL), 2);
  char want[1400];
  snprintf(want, sizeof want, "%s:2: uses %s/nowhere.sql: cannot read it", chk,
           dir);
  if (!strstr(out, want))
    fail_msg("missing file says:\n%s", out);
  free(out);

  write_file(dir, "none.sql", "SELECT 1;\n");
  write_file(dir, "none.check.sql", "-- uses: none.sql\nSELECT 1;\n");
  snprintf(chk, sizeof chk, "%s/none.check.sql", dir);
  assert_int_equal(tsup_run_tcpsim(&out, "check", chk, "--db", g_db, NULL), 2);
  assert_non_null(strstr(out, "it defines no TEMP VIEW or TABLE"));
  free(out);

  write_file(dir, "bad.sql", "\nCREATE TEMP VIEW v AS SELEC nosuchcol;\n");
  write_file(dir, "bad.check.sql", "-- uses: bad.sql\nSELECT 1;\n");
  snprintf(chk, sizeof chk, "%s/bad.check.sql", dir);
  assert_int_equal(tsup_run_tcpsim(&out, "check", chk, "--db", g_db, NULL), 2);
  snprintf(want, sizeof want, "%s/bad.sql:2:", dir);
  if (!strstr(out, want) || !strstr(out, "syntax error"))
    fail_msg("an error in the used file says:\n%s", out);
  free(out);

  static const char *const files[] = {"q.sql", "ok.check.sql",
                                      "missing.check.sql", "none.sql",
                                      "none.check.sql", "bad.sql",
                                      "bad.check.sql"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(dir);
}

static void test_bad_input(void **state)
{
  (void)state;
  char *out;
  assert_int_equal(check(&out, "SELECT 1;\n\n-- typo\nSELECT nope FROM runs;\n",
                         NULL, NULL),
                   2);
  assert_non_null(strstr(out, ".sql:4: no such column: nope"));
  free(out);
  /* a check only reads */
  assert_int_equal(check(&out, "DELETE FROM runs;\n", NULL, NULL), 2);
  assert_non_null(strstr(out, ".sql:1: a check is a SELECT that returns rows"));
  free(out);
  assert_int_equal(check(&out, "-- nothing but a comment\n", NULL, NULL), 2);
  assert_non_null(strstr(out, "no checks"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "check", "/nonexistent.sql", "--db",
                                   g_db, NULL),
                   2);
  assert_non_null(strstr(out, "/nonexistent.sql"));
  free(out);
  const char *sql = tsup_temp_file(".sql", "SELECT 1;\n");
  char path[512];
  snprintf(path, sizeof path, "%s", sql);
  assert_int_equal(tsup_run_tcpsim(&out, "check", path, "--db",
                                   "/nonexistent.db", NULL),
                   2);
  assert_non_null(strstr(out, "/nonexistent.db"));
  free(out);
  /* the database was only read: still two done runs */
  assert_int_equal(tsup_sql_int(g_db, "SELECT count(*) FROM runs WHERE "
                                      "status = 'done'"),
                   2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_passing_checks),
      cmocka_unit_test(test_failing_checks),
      cmocka_unit_test(test_runs_range),
      cmocka_unit_test(test_temp_views),
      cmocka_unit_test(test_uses),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
