/*
 * test_pictures.c - `tcpsim ladder` and `tcpsim fsm` end to end: a run of
 * experiments/handshake.ini recorded at level segments, its ladder checked
 * with xmllint (well-formed, one class="seg" element per segment the
 * database has for the connection and its peer, the labels and states),
 * the error cases with their exit status 2 and messages, and the state
 * diagram against tcp_arcs() and the run's transitions.
 *
 * Runs in the database: 1 at level segments, 2 at level transitions, 3 at
 * level summary.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "tcp/tcp.h"
#include "tests/support/support.h"

static char tmpdir[256];
static char dbpath[320];
static bool have_xmllint;

static const char *tpath(const char *name)
{
  static char buf[4][320];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

static int64_t q_int(const char *sql)
{
  return tsup_sql_int(dbpath, sql);
}

static int group_setup(void **state)
{
  char *out;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/tcpsim-clipic-XXXXXX");
  if (!mkdtemp(tmpdir))
    return -1;
  snprintf(dbpath, sizeof dbpath, "%s/h.db", tmpdir);
  static const char *const levels[] = {"run.trace=segments",
                                       "run.trace=transitions",
                                       "run.trace=summary"};
  for (size_t i = 0; i < 3; i++) {
    int rc = tsup_run_tcpsim(&out, "run", "experiments/handshake.ini", "--db",
                             dbpath, "--set", levels[i], NULL);
    if (rc != 0) {
      fprintf(stderr, "tcpsim run failed (%d):\n%s\n", rc, out ? out : "");
      free(out);
      return -1;
    }
    free(out);
  }
  have_xmllint = system("command -v xmllint >/dev/null 2>&1") == 0;
  return 0;
}

static int group_teardown(void **state)
{
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Output of a shell command (xmllint), exit status in *rc. */
static char *shell(const char *cmd, int *rc)
{
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  assert_non_null(buf);
  size_t r;
  while ((r = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += r;
    if (cap - len < 2) {
      buf = realloc(buf, cap *= 2);
      assert_non_null(buf);
    }
  }
  buf[len] = '\0';
  *rc = pclose(p);
  return buf;
}

/* An XPath value of the SVG file (local-name(): the root has the SVG
 * namespace). */
static char *xpath(const char *file, const char *expr)
{
  char cmd[1024];
  int rc;
  snprintf(cmd, sizeof cmd, "xmllint --xpath '%s' '%s' 2>&1", expr, file);
  char *v = shell(cmd, &rc);
  if (rc != 0)
    fail_msg("%s: %s", cmd, v);
  size_t n = strlen(v);
  while (n > 0 && v[n - 1] == '\n')
    v[--n] = '\0';
  return v;
}

static char *read_file(const char *path)
{
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char *buf = malloc(1 << 20);
  assert_non_null(buf);
  size_t n = fread(buf, 1, (1 << 20) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* The first active connection of run 1 and its peer. */
static void conn_pair(int64_t *conn, int64_t *peer)
{
  *conn = q_int("SELECT min(conn_id) FROM connections WHERE run_id=1"
                " AND kind='active'");
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT p.conn_id FROM connections c JOIN connections p"
           " ON p.run_id=c.run_id AND p.local=c.remote AND p.remote=c.local"
           " WHERE c.run_id=1 AND c.conn_id=%" PRId64, *conn);
  *peer = q_int(sql);
  assert_true(*conn > 0);
  assert_true(*peer > 0);
}

/* ---------------------------------------------------------------------- */

static void test_help(void **state)
{
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--help", NULL), 0);
  assert_non_null(strstr(out, "usage: tcpsim ladder"));
  assert_non_null(strstr(out, "--absolute"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "fsm", "-h", NULL), 0);
  assert_non_null(strstr(out, "usage: tcpsim fsm"));
  assert_non_null(strstr(out, "--dot"));
  free(out);
}

static void test_ladder_svg_matches_db(void **state)
{
  int64_t conn, peer;
  char run_s[32] = "1", conn_s[32], sql[512], *out;
  conn_pair(&conn, &peer);
  snprintf(conn_s, sizeof conn_s, "%" PRId64, conn);
  const char *svg = tpath("ladder.svg");

  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--db", dbpath, "--run",
                                   run_s, "--conn", conn_s, "--out", svg, NULL),
                   0);
  assert_string_equal(out, ""); /* the picture went to the file */
  free(out);

  snprintf(sql, sizeof sql, "SELECT count(*) FROM segments WHERE run_id=1"
           " AND event='send' AND conn_id IN (%" PRId64 ", %" PRId64 ")",
           conn, peer);
  int64_t nseg = q_int(sql);
  assert_true(nseg >= 9); /* handshake, request, answer, close */

  char *text = read_file(svg);
  assert_true(!strncmp(text, "<?xml", 5));
  if (!have_xmllint) {
    /* without xmllint, count the elements by their class text */
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "class=\"seg")); p++)
      n++;
    assert_int_equal(n, nseg);
    free(text);
    print_message("xmllint not installed: XML checks skipped\n");
    return;
  }
  free(text);

  char cmd[512];
  int rc;
  snprintf(cmd, sizeof cmd, "xmllint --noout '%s' 2>&1", svg);
  char *v = shell(cmd, &rc);
  assert_int_equal(rc, 0);
  assert_string_equal(v, "");
  free(v);

  v = xpath(svg, "count(//*[contains(@class,\"seg\")])");
  assert_int_equal(atoll(v), nseg);
  free(v);
  v = xpath(svg, "count(//*[local-name()=\"g\"][contains(@class,\"drop\")])");
  assert_int_equal(atoll(v), 0); /* a clean run */
  free(v);
  v = xpath(svg, "string((//*[contains(@class,\"seg\")])[1]/*[local-name()=\"text\"])");
  assert_non_null(strstr(v, "[SYN]"));
  assert_non_null(strstr(v, "seq=0")); /* relative by default */
  free(v);
  v = xpath(svg, "count(//*[local-name()=\"text\"][@class=\"state l\"]"
                 "[starts-with(.,\"ESTABLISHED\")])");
  assert_int_equal(atoll(v), 1);
  free(v);
  v = xpath(svg, "count(//*[local-name()=\"text\"][@class=\"state r\"]"
                 "[starts-with(.,\"ESTABLISHED\")])");
  assert_int_equal(atoll(v), 1);
  free(v);
  /* the client closes first: TIME_WAIT on its side only */
  v = xpath(svg, "count(//*[local-name()=\"text\"][@class=\"state l\"]"
                 "[starts-with(.,\"TIME_WAIT\")])");
  assert_int_equal(atoll(v), 1);
  free(v);
  v = xpath(svg, "count(//*[local-name()=\"text\"][@class=\"state r\"]"
                 "[starts-with(.,\"LAST_ACK\")])");
  assert_int_equal(atoll(v), 1);
  free(v);
  v = xpath(svg, "string(//*[local-name()=\"text\"][@class=\"host\"][1])");
  assert_string_equal(v, "client");
  free(v);
}

static void test_ladder_stdout_and_absolute(void **state)
{
  int64_t conn, peer;
  char conn_s[32], sql[256], want[96], *out;
  conn_pair(&conn, &peer);
  snprintf(conn_s, sizeof conn_s, "%" PRId64, conn);

  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--db", dbpath, "--run", "1",
                                   "--conn", conn_s, "--absolute", NULL), 0);
  assert_true(!strncmp(out, "<?xml", 5));
  assert_non_null(strstr(out, "</svg>\n"));
  snprintf(sql, sizeof sql, "SELECT iss FROM connections WHERE run_id=1"
           " AND conn_id=%" PRId64, conn);
  snprintf(want, sizeof want, ">[SYN] seq=%" PRId64 " len=0<", q_int(sql));
  assert_non_null(strstr(out, want));
  free(out);
}

static void test_ladder_errors(void **state)
{
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--db", dbpath, "--run",
                                   "99", "--conn", "2", NULL), 2);
  assert_non_null(strstr(out, "run 99 is not in"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--db", dbpath, "--run", "1",
                                   "--conn", "999", NULL), 2);
  assert_non_null(strstr(out, "connection 999 is not in run 1"));
  free(out);
  /* run 2 was recorded at level transitions */
  int64_t c2 = q_int("SELECT min(conn_id) FROM connections WHERE run_id=2"
                     " AND kind='active'");
  char c2s[32];
  snprintf(c2s, sizeof c2s, "%" PRId64, c2);
  const char *svg = tpath("never.svg");
  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--db", dbpath, "--run", "2",
                                   "--conn", c2s, "--out", svg, NULL), 2);
  assert_non_null(strstr(out, "no segment rows"));
  assert_non_null(strstr(out, "--trace segments"));
  assert_int_equal(access(svg, F_OK), -1); /* no file left behind */
  free(out);
  /* the listener */
  int64_t l = q_int("SELECT conn_id FROM connections WHERE run_id=1"
                    " AND kind='listener'");
  char ls[32];
  snprintf(ls, sizeof ls, "%" PRId64, l);
  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--db", dbpath, "--run", "1",
                                   "--conn", ls, NULL), 2);
  assert_non_null(strstr(out, "listener"));
  free(out);

  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--db", dbpath, "--run", "1",
                                   NULL), 2);
  assert_non_null(strstr(out, "missing --conn"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--run", "x", NULL), 2);
  assert_non_null(strstr(out, "bad --run"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--frob", NULL), 2);
  assert_non_null(strstr(out, "unknown option '--frob'"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "ladder", "--db", "/nonexistent/r.db",
                                   "--run", "1", "--conn", "2", NULL), 2);
  assert_non_null(strstr(out, "/nonexistent/r.db"));
  free(out);
}

static void test_fsm_dot_has_every_arc(void **state)
{
  size_t narcs;
  const struct tcp_arc *arcs = tcp_arcs(&narcs);
  char line[256], *out;

  assert_int_equal(tsup_run_tcpsim(&out, "fsm", "--dot", NULL), 0);
  assert_true(!strncmp(out, "digraph", 7));
  assert_non_null(strstr(out, "}\n"));
  for (int s = 0; s < TCP_S__COUNT; s++) {
    snprintf(line, sizeof line, "\n  %s;\n", tcp_state_name((enum tcp_state)s));
    assert_non_null(strstr(out, line));
  }
  for (size_t i = 0; i < narcs; i++) {
    snprintf(line, sizeof line, "\n  %s -> %s [label=\"%s\"",
             tcp_state_name(arcs[i].from), tcp_state_name(arcs[i].to),
             arcs[i].label);
    assert_non_null(strstr(out, line));
  }
  free(out);

  /* plain table: every arc, one a line */
  assert_int_equal(tsup_run_tcpsim(&out, "fsm", NULL), 0);
  for (size_t i = 0; i < narcs; i++) {
    snprintf(line, sizeof line, "%-12s %-12s  %s\n", tcp_state_name(arcs[i].from),
             tcp_state_name(arcs[i].to), arcs[i].label);
    assert_non_null(strstr(out, line));
  }
  free(out);
}

static void test_fsm_counts_match_db(void **state)
{
  size_t narcs;
  const struct tcp_arc *arcs = tcp_arcs(&narcs);
  char *dot, *table, line[256];

  assert_int_equal(tsup_run_tcpsim(&dot, "fsm", "--dot", "--db", dbpath,
                                   "--run", "1", NULL), 0);
  assert_null(strstr(dot, "warning")); /* every transition is an arc */
  assert_int_equal(tsup_run_tcpsim(&table, "fsm", "--db", dbpath, "--run", "1",
                                   NULL), 0);

  sqlite3 *h;
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(h,
      "SELECT from_state, to_state, count(*) FROM transitions WHERE run_id=1"
      " GROUP BY from_state, to_state", -1, &st, NULL), SQLITE_OK);
  int64_t taken_arcs = 0, total = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *f = (const char *)sqlite3_column_text(st, 0);
    const char *t = (const char *)sqlite3_column_text(st, 1);
    int64_t n = sqlite3_column_int64(st, 2);
    const char *label = NULL;
    for (size_t i = 0; i < narcs; i++)
      if (!strcmp(tcp_state_name(arcs[i].from), f) &&
          !strcmp(tcp_state_name(arcs[i].to), t))
        label = arcs[i].label;
    assert_non_null(label);
    snprintf(line, sizeof line, "  %s -> %s [label=\"%s\\nn=%" PRId64 "\"",
             f, t, label, n);
    assert_non_null(strstr(dot, line));
    snprintf(line, sizeof line, "%-12s %-12s %8" PRId64 "  %s\n", f, t, n, label);
    assert_non_null(strstr(table, line));
    taken_arcs++;
    total += n;
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  assert_true(taken_arcs >= 8); /* open, establish, close on both sides */
  /* every other arc is drawn never taken */
  size_t dashed = 0;
  for (const char *p = dot; (p = strstr(p, "\\nn=0\", style=dashed")); p++)
    dashed++;
  assert_int_equal(dashed, narcs - (size_t)taken_arcs);
  snprintf(line, sizeof line, "run 1: %" PRId64 " transitions, 0 on no declared arc",
           total);
  assert_non_null(strstr(table, line));

  /* Graphviz accepts it, where it is installed (it is not required) */
  if (system("command -v dot >/dev/null 2>&1") == 0) {
    const char *gv = tpath("fsm.gv"), *svg = tpath("fsm.svg");
    FILE *f = fopen(gv, "w");
    assert_non_null(f);
    fputs(dot, f);
    assert_int_equal(fclose(f), 0);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "dot -Tsvg '%s' -o '%s'", gv, svg);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(access(svg, R_OK), 0);
  }
  free(dot);
  free(table);
}

static void test_fsm_errors(void **state)
{
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "fsm", "--db", dbpath, NULL), 2);
  assert_non_null(strstr(out, "--db needs --run"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "fsm", "--db", dbpath, "--run", "3",
                                   NULL), 2);
  assert_non_null(strstr(out, "summary"));
  assert_non_null(strstr(out, "run.trace=transitions"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "fsm", "--db", dbpath, "--run", "42",
                                   NULL), 2);
  assert_non_null(strstr(out, "run 42 is not in"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "fsm", "extra", NULL), 2);
  assert_non_null(strstr(out, "unexpected argument 'extra'"));
  free(out);
}

static void test_fsm_warns_undeclared(void **state)
{
  sqlite3 *h;
  char *out;
  /* a transition no declared arc allows, added to run 2 */
  assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
  assert_int_equal(sqlite3_exec(h, "INSERT INTO transitions VALUES(2, 1000000,"
                                " 5, 0, 999, 'ESTABLISHED', 'LISTEN', 'made up')",
                                NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  assert_int_equal(tsup_run_tcpsim(&out, "fsm", "--db", dbpath, "--run", "2",
                                   NULL), 0);
  assert_non_null(strstr(out, "warning: run 2 took ESTABLISHED -> LISTEN 1 time,"
                              " which is not a declared arc"));
  assert_non_null(strstr(out, "1 on no declared arc"));
  free(out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_help),
      cmocka_unit_test(test_ladder_svg_matches_db),
      cmocka_unit_test(test_ladder_stdout_and_absolute),
      cmocka_unit_test(test_ladder_errors),
      cmocka_unit_test(test_fsm_dot_has_every_arc),
      cmocka_unit_test(test_fsm_counts_match_db),
      cmocka_unit_test(test_fsm_errors),
      cmocka_unit_test(test_fsm_warns_undeclared),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
