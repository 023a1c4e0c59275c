/*
 * test_plots.c - the gnuplot scripts of results/plots/ against a real
 * sweep: experiments/loss_sweep.ini is run into a fresh database, each
 * script renders a PNG from it (checked: PNG signature, 800x500 header,
 * non-trivial size), and a database without matching runs makes each
 * script stop with its "no matching runs" message and a non-zero status,
 * leaving no PNG behind. gnuplot and the sqlite3 shell are required
 * (scripts/install-deps.sh installs both).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "results/results.h"
#include "tests/support/support.h"

static const char *const scripts[] = {"results/plots/establishment.gp",
                                      "results/plots/outcomes.gp"};
enum { NSCRIPTS = sizeof scripts / sizeof scripts[0] };

static char g_dir[64];

static void require_tools(void)
{
  static char *const gp[] = {"gnuplot", "--version", NULL};
  static char *const sq[] = {"sqlite3", "--version", NULL};
  char *out;
  int rc = tsup_run(&out, gp);
  free(out);
  if (rc != 0)
    fail_msg("gnuplot is not installed (or does not run): run "
             "scripts/install-deps.sh, which installs gnuplot-nox");
  rc = tsup_run(&out, sq);
  free(out);
  if (rc != 0)
    fail_msg("the sqlite3 shell is not installed: run scripts/install-deps.sh");
}

/* The PNG signature, then the IHDR chunk with the size the scripts ask. */
static void assert_png(const char *path)
{
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                       0x1a, '\n'};
  struct stat sb;
  if (stat(path, &sb) != 0)
    fail_msg("%s was not written", path);
  if (sb.st_size < 8000)
    fail_msg("%s has only %lld bytes", path, (long long)sb.st_size);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  unsigned char h[24];
  assert_int_equal(fread(h, 1, sizeof h, f), sizeof h);
  fclose(f);
  assert_memory_equal(h, sig, sizeof sig);
  assert_memory_equal(h + 12, "IHDR", 4);
  uint32_t w = (uint32_t)h[16] << 24 | (uint32_t)h[17] << 16 |
               (uint32_t)h[18] << 8 | h[19];
  uint32_t ht = (uint32_t)h[20] << 24 | (uint32_t)h[21] << 16 |
                (uint32_t)h[22] << 8 | h[23];
  assert_int_equal(w, 800);
  assert_int_equal(ht, 500);
}

static int setup(void **state)
{
  (void)state;
  strcpy(g_dir, "/tmp/tcpsim-plots-XXXXXX");
  return mkdtemp(g_dir) ? 0 : -1;
}

/* The directory holds plain files only (databases, their -wal and -shm
 * files, PNGs). */
static int teardown(void **state)
{
  (void)state;
  DIR *d = opendir(g_dir);
  if (!d)
    return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char path[400];
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    snprintf(path, sizeof path, "%s/%s", g_dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  return rmdir(g_dir);
}

static void test_sweep_renders(void **state)
{
  (void)state;
  require_tools();
  char db[128], png[128], *out;
  snprintf(db, sizeof db, "%s/loss.db", g_dir);
  int rc = tsup_run_tcpsim(&out, "run", "experiments/loss_sweep.ini", "--db",
                           db, NULL);
  if (rc != 0)
    fprintf(stderr, "%s\n", out);
  assert_int_equal(rc, 0);
  assert_non_null(strstr(out, "sweep: 25 runs"));
  free(out);
  /* 5 points x 5 replications, told apart by the params row of the key */
  assert_int_equal(tsup_sql_int(db, "SELECT count(*) FROM runs WHERE status = 'done'"), 25);
  assert_int_equal(tsup_sql_int(db, "SELECT count(DISTINCT value) FROM params "
                                    "WHERE key = 'run.topology'"), 5);
  assert_int_equal(tsup_sql_int(db, "SELECT count(DISTINCT seed) FROM runs"), 5);
  /* more loss, slower opens: the mean at 20% is well above the one at 0% */
  assert_true(tsup_sql_int(db, "SELECT (SELECT avg(establish_ns) FROM v_establishment e"
                               " JOIN params p USING (run_id) WHERE p.key = 'run.topology'"
                               " AND p.value LIKE '%/20.topo' AND e.kind = 'active') > "
                               "4 * (SELECT avg(establish_ns) FROM v_establishment e"
                               " JOIN params p USING (run_id) WHERE p.key = 'run.topology'"
                               " AND p.value LIKE '%/0.topo' AND e.kind = 'active')") == 1);

  for (int i = 0; i < NSCRIPTS; i++) {
    snprintf(png, sizeof png, "%s/plot%d.png", g_dir, i);
    rc = tsup_plot(&out, scripts[i], db, png, NULL);
    if (rc != 0)
      fprintf(stderr, "%s:\n%s\n", scripts[i], out);
    assert_int_equal(rc, 0);
    free(out);
    assert_png(png);
  }
  /* the variables the README documents */
  snprintf(png, sizeof png, "%s/passive.png", g_dir);
  rc = tsup_plot(&out, "results/plots/outcomes.gp", db, png,
                 "; kind='all'; ymin=80");
  if (rc != 0)
    fprintf(stderr, "%s\n", out);
  assert_int_equal(rc, 0);
  free(out);
  assert_png(png);
}

static void test_no_runs_is_an_error(void **state)
{
  (void)state;
  require_tools();
  char empty[128], one[128], png[128], *out;
  struct res_db *h = NULL;
  char err[256];

  /* a results database with the schema and no run at all */
  snprintf(empty, sizeof empty, "%s/empty.db", g_dir);
  assert_int_equal(res_open(empty, &h, err, sizeof err), RES_OK);
  res_close(h);
  /* one run, but not of a sweep over the key asked for */
  snprintf(one, sizeof one, "%s/one.db", g_dir);
  int rc = tsup_run_tcpsim(&out, "run", "experiments/handshake.ini", "--db",
                           one, "--set", "run.trace=summary", NULL);
  assert_int_equal(rc, 0);
  free(out);

  for (int i = 0; i < NSCRIPTS; i++) {
    snprintf(png, sizeof png, "%s/none%d.png", g_dir, i);
    rc = tsup_plot(&out, scripts[i], empty, png, NULL);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "no matching runs"));
    free(out);
    struct stat sb;
    assert_int_not_equal(stat(png, &sb), 0);

    rc = tsup_plot(&out, scripts[i], one, png, "; key='tcp.no_such_key'");
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "no matching runs"));
    assert_non_null(strstr(out, "tcp.no_such_key"));
    free(out);
    assert_int_not_equal(stat(png, &sb), 0);

    /* a path that is no database: an error naming it, nothing created */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/missing.db", g_dir);
    rc = tsup_plot(&out, scripts[i], missing, png, NULL);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "cannot read the database"));
    free(out);
    assert_int_not_equal(stat(missing, &sb), 0);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sweep_renders, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_runs_is_an_error, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
