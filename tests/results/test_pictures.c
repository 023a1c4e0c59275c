/*
 * test_pictures.c - the pictures of results/pictures.h on a database the
 * test writes row by row, so that every case the ladder must draw is there
 * at a known time: a SYN lost in the network and retransmitted a second
 * later (the gap is cut), a link duplicate, a data segment refused by the
 * receiver's TCP, a RST of no connection inside the connection's life, a
 * later connection reusing the 4-tuple (left out of the first one's
 * ladder, drawn against an anonymous peer), text that needs escaping; and
 * transition counts against the declared arcs with undeclared ones.
 *
 * Run 1 (level segments), hosts a=10.0.0.1 (node 0), b=10.0.0.2 (node 1),
 * router r (node 2); conn 2 active a:5000 -> b:80, conn 3 its passive peer,
 * conn 1 b's listener, conn 7 a new active connection on the same 4-tuple
 * at 100 s. Segments (send rows):
 *   0 s      a S  seq 1000          lost at r (1 ms)
 *   1 s      a S  seq 1000          recv 1.002 s
 *   1.002 s  b SA seq 5000 ack 1001 recv 1.004 s
 *   1.004 s  a A  seq 1001 ack 5001 recv 1.006 s, duplicate at 1.007 s
 *   1.010 s  a PA seq 1001 len 10   recv 1.012 s, dropped by b's TCP
 *   1.2 s    b FA seq 5001          lost by b's link (drop row only)
 *   1.5 s    b R  (no connection)   recv 1.502 s
 *   100 s    a S  seq 9000 (conn 7) never arrives
 * Run 2: level transitions, no segment rows. Run 3: level summary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "results/pictures.h"
#include "results/results.h"
#include "tests/support/support.h"

static char tmpdir[256];
static char dbpath[320];

static const char *tpath(const char *name)
{
  static char buf[4][320];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

static const char rows_sql[] =
  "INSERT INTO hosts VALUES(1,0,'client <&> \"one\"','host','10.0.0.1'),"
  " (1,1,'b','host','10.0.0.2'), (1,2,'r','router','10.0.1.1');"
  "INSERT INTO connections VALUES"
  " (1,1,1,'listener',NULL,NULL,NULL,NULL,0,NULL,NULL,NULL,'LISTEN'),"
  " (1,2,0,'active','10.0.0.1:5000','10.0.0.2:80',1000,5000,0,1004000000,"
  "  2000000000,NULL,'CLOSED'),"
  " (1,3,1,'passive','10.0.0.2:80','10.0.0.1:5000',5000,1000,1002000000,"
  "  1006000000,2000000000,NULL,'CLOSED'),"
  " (1,7,0,'active','10.0.0.1:5000','10.0.0.2:80',9000,NULL,100000000000,"
  "  NULL,NULL,NULL,'SYN_SENT'),"
  " (2,2,0,'active','10.0.0.1:5000','10.0.0.2:80',1000,5000,0,NULL,NULL,"
  "  NULL,'SYN_SENT');"
  "INSERT INTO transitions VALUES"
  " (1,0,0,1,1,'CLOSED','LISTEN','app listen'),"
  " (1,1,0,0,2,'CLOSED','SYN_SENT','app connect'),"
  " (1,2,1002000000,1,3,'LISTEN','SYN_RCVD','rcv SYN'),"
  " (1,3,1004000000,0,2,'SYN_SENT','ESTABLISHED','rcv SYN,ACK'),"
  " (1,4,1006000000,1,3,'SYN_RCVD','ESTABLISHED','rcv ACK of SYN'),"
  " (1,5,100000000000,0,7,'CLOSED','SYN_SENT','app connect'),"
  " (1,6,100000000001,0,99,'ESTABLISHED','LISTEN','made up'),"
  " (1,7,100000000002,0,99,'BOGUS','CLOSED','made up');"
  "INSERT INTO segments(run_id,idx,t_ns,event,node,link,conn_id,incarnation,"
  " src,sport,dst,dport,flags,seq,ack,len,win,drop_reason,held,dup) VALUES"
  " (1,0,0,'send',0,0,2,0,'10.0.0.1',5000,'10.0.0.2',80,'S',1000,0,0,65535,NULL,0,0),"
  " (1,1,1000000,'drop',2,1,2,0,'10.0.0.1',5000,'10.0.0.2',80,'S',1000,0,0,65535,'loss',0,0),"
  " (1,2,1000000000,'send',0,0,2,0,'10.0.0.1',5000,'10.0.0.2',80,'S',1000,0,0,65535,NULL,0,0),"
  " (1,3,1002000000,'recv',1,NULL,2,0,'10.0.0.1',5000,'10.0.0.2',80,'S',1000,0,0,65535,NULL,0,0),"
  " (1,4,1002000000,'send',1,1,3,0,'10.0.0.2',80,'10.0.0.1',5000,'SA',5000,1001,0,65535,NULL,0,0),"
  " (1,5,1004000000,'recv',0,NULL,3,0,'10.0.0.2',80,'10.0.0.1',5000,'SA',5000,1001,0,65535,NULL,0,0),"
  " (1,6,1004000000,'send',0,0,2,0,'10.0.0.1',5000,'10.0.0.2',80,'A',1001,5001,0,1024,NULL,0,0),"
  " (1,7,1006000000,'recv',1,NULL,2,0,'10.0.0.1',5000,'10.0.0.2',80,'A',1001,5001,0,1024,NULL,0,0),"
  " (1,8,1007000000,'recv',1,NULL,2,0,'10.0.0.1',5000,'10.0.0.2',80,'A',1001,5001,0,1024,NULL,0,1),"
  " (1,9,1010000000,'send',0,0,2,0,'10.0.0.1',5000,'10.0.0.2',80,'PA',1001,5001,10,1024,NULL,0,0),"
  " (1,10,1012000000,'recv',1,NULL,2,0,'10.0.0.1',5000,'10.0.0.2',80,'PA',1001,5001,10,1024,NULL,0,0),"
  " (1,11,1012000000,'drop',1,NULL,2,0,'10.0.0.1',5000,'10.0.0.2',80,'PA',1001,5001,10,1024,'out of window',0,0),"
  " (1,12,1500000000,'send',1,1,NULL,0,'10.0.0.2',80,'10.0.0.1',5000,'R',5001,0,0,0,NULL,0,0),"
  " (1,13,1502000000,'recv',0,NULL,NULL,0,'10.0.0.2',80,'10.0.0.1',5000,'R',5001,0,0,0,NULL,0,0),"
  " (1,14,100000000000,'send',0,0,7,0,'10.0.0.1',5000,'10.0.0.2',80,'S',9000,0,0,65535,NULL,0,0),"
  /* another 4-tuple of the run: never on these ladders */
  " (1,15,1000000,'send',0,0,5,0,'10.0.0.1',5001,'10.0.0.2',80,'S',1,0,0,65535,NULL,0,0),"
  /* b's FIN lost by its own link: a drop row and no send row */
  " (1,16,1200000000,'drop',1,1,3,0,'10.0.0.2',80,'10.0.0.1',5000,'FA',5001,1011,0,1024,'loss',0,0),"
  /* the link's copy of a's ACK offered to the link: no arrow of its own */
  " (1,17,1004000000,'send',0,0,2,0,'10.0.0.1',5000,'10.0.0.2',80,'A',1001,5001,0,1024,NULL,0,1);";

static int64_t make_run(struct res_db *db, const char *level)
{
  struct res_run_info info = {.config = "[run]\n", .seed = 1,
                              .profile = "linux", .trace_level = level};
  int64_t id = 0;
  assert_int_equal(res_run_begin(db, &info, &id), RES_OK);
  assert_int_equal(res_run_end(db, id, "done", 1, 1, NULL), RES_OK);
  return id;
}

static int group_setup(void **state)
{
  struct res_db *db = NULL;
  char err[512];
  sqlite3 *h;

  snprintf(tmpdir, sizeof tmpdir, "/tmp/tcpsim-pic-XXXXXX");
  if (!mkdtemp(tmpdir))
    return -1;
  snprintf(dbpath, sizeof dbpath, "%s/pic.db", tmpdir);
  if (res_open(dbpath, &db, err, sizeof err) != RES_OK)
    return -1;
  if (make_run(db, "segments") != 1 || make_run(db, "transitions") != 2 ||
      make_run(db, "summary") != 3)
    return -1;
  res_close(db);
  if (sqlite3_open(dbpath, &h) != SQLITE_OK)
    return -1;
  int rc = sqlite3_exec(h, rows_sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    fprintf(stderr, "rows: %s\n", sqlite3_errmsg(h));
  sqlite3_close(h);
  return rc == SQLITE_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* The ladder of (run, conn) as a string; rc checked by the caller. */
static char *ladder(int64_t run, int64_t conn, bool absolute, int *rc,
                    char *err, size_t errcap)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  struct res_ladder_opts o = {.absolute = absolute};
  assert_non_null(f);
  *rc = res_ladder_svg(dbpath, run, conn, &o, f, err, errcap);
  assert_int_equal(fclose(f), 0);
  return buf;
}

static char *ladder_ok(int64_t run, int64_t conn, bool absolute)
{
  char err[512] = "";
  int rc;
  char *svg = ladder(run, conn, absolute, &rc, err, sizeof err);
  if (rc != RES_OK)
    fail_msg("ladder %lld/%lld: %s", (long long)run, (long long)conn, err);
  return svg;
}

static size_t count(const char *hay, const char *needle)
{
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

/* State name texts on one side ("l" or "r"). */
static size_t count_state(const char *svg, const char *side, const char *name)
{
  char pat[64];
  size_t n = 0;
  snprintf(pat, sizeof pat, "class=\"state %s\"", side);
  for (const char *p = svg; (p = strstr(p, pat)); p += strlen(pat)) {
    const char *gt = strchr(p, '>');
    if (gt && !strncmp(gt + 1, name, strlen(name)) && gt[1 + strlen(name)] == '<')
      n++;
  }
  return n;
}

/* xmllint accepts it as XML (when xmllint is installed). */
static void assert_well_formed(const char *svg)
{
  if (system("command -v xmllint >/dev/null 2>&1") != 0) {
    print_message("xmllint not installed: well-formedness not checked\n");
    return;
  }
  const char *p = tpath("check.svg");
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(svg, f);
  assert_int_equal(fclose(f), 0);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", p);
  assert_int_equal(system(cmd), 0);
}

/* ---------------------------------------------------------------------- */
/* Ladder                                                                  */
/* ---------------------------------------------------------------------- */

static void test_ladder_one_arrow_per_segment(void **state)
{
  char *svg = ladder_ok(1, 2, false);
  assert_well_formed(svg);
  /* 5 sends of conn 2 and 3, b's FIN lost at once, the RST of no
   * connection in their life; not the duplicate's send, conn 7's SYN at
   * 100 s nor the other 4-tuple's */
  assert_int_equal(count(svg, "<g class=\"seg"), 7);
  assert_int_equal(count(svg, "class=\"seg"), 7);
  assert_int_equal(count(svg, "<g class=\"seg drop\""), 3);
  assert_int_equal(count(svg, ">[FIN, ACK] seq=1 ack=11 len=0</text>"), 1);
  assert_int_equal(count(svg, "dropped: loss"), 2);
  assert_int_equal(count(svg, "dropped: out of window"), 1);
  assert_int_equal(count(svg, "class=\"dupl\""), 1);
  assert_null(strstr(svg, "seq=8000")); /* conn 7's SYN, relative */
  free(svg);
}

static void test_ladder_labels_relative_and_absolute(void **state)
{
  char *svg = ladder_ok(1, 2, false);
  /* the first arrow is the lost SYN */
  const char *first = strstr(svg, "<g class=\"seg");
  assert_non_null(first);
  assert_non_null(strstr(first, "[SYN] seq=0 len=0"));
  assert_true(strstr(first, "[SYN] seq=0 len=0") < strstr(first, "</g>"));
  assert_int_equal(count(svg, ">[SYN] seq=0 len=0</text>"), 2);
  assert_int_equal(count(svg, ">[SYN, ACK] seq=0 ack=1 len=0</text>"), 1);
  assert_int_equal(count(svg, ">[ACK] seq=1 ack=1 len=0</text>"), 1);
  assert_int_equal(count(svg, ">[PSH, ACK] seq=1 ack=1 len=10</text>"), 1);
  assert_int_equal(count(svg, ">[RST] seq=1 len=0</text>"), 1);
  assert_non_null(strstr(svg, "relative to each side's ISN"));
  free(svg);

  svg = ladder_ok(1, 2, true);
  assert_int_equal(count(svg, ">[SYN, ACK] seq=5000 ack=1001 len=0</text>"), 1);
  assert_int_equal(count(svg, ">[SYN] seq=1000 len=0</text>"), 2);
  assert_non_null(strstr(svg, "seq/ack absolute"));
  free(svg);
}

static void test_ladder_states_both_sides(void **state)
{
  char *svg = ladder_ok(1, 2, false);
  assert_int_equal(count_state(svg, "l", "SYN_SENT"), 1);
  assert_int_equal(count_state(svg, "l", "ESTABLISHED"), 1);
  assert_int_equal(count_state(svg, "r", "SYN_RCVD"), 1);
  assert_int_equal(count_state(svg, "r", "ESTABLISHED"), 1);
  /* conn 7 and the listener are neither side */
  assert_int_equal(count_state(svg, "r", "LISTEN"), 0);
  assert_int_equal(count_state(svg, "l", "SYN_SENT") +
                   count_state(svg, "r", "SYN_SENT"), 1);
  assert_non_null(strstr(svg, ">conn 2 (active)<"));
  assert_non_null(strstr(svg, ">conn 3 (passive)<"));
  free(svg);

  /* from the passive side: mirrored, same segments */
  svg = ladder_ok(1, 3, false);
  assert_int_equal(count(svg, "<g class=\"seg"), 7);
  assert_int_equal(count_state(svg, "l", "SYN_RCVD"), 1);
  assert_int_equal(count_state(svg, "r", "SYN_SENT"), 1);
  assert_true(strstr(svg, ">10.0.0.2:80<") < strstr(svg, ">10.0.0.1:5000<"));
  free(svg);
}

static void test_ladder_idle_gap_cut(void **state)
{
  char *svg = ladder_ok(1, 2, false);
  /* 0 s -> 1 s with 2 ms trips: cut, and the picture stays short */
  assert_non_null(strstr(svg, "idle, cut"));
  const char *h = strstr(svg, "height=\"");
  assert_non_null(h);
  int height = atoi(h + 8);
  assert_true(height > 200);
  assert_true(height < 1200);
  /* times are written at the left */
  assert_non_null(strstr(svg, ">1002 ms</text>"));
  free(svg);
}

static void test_ladder_anonymous_peer(void **state)
{
  char *svg = ladder_ok(1, 7, false);
  assert_well_formed(svg);
  assert_non_null(strstr(svg, "no connection in this run"));
  assert_non_null(strstr(svg, "stroke-dasharray=\"6 4\"")); /* dashed line */
  /* its own SYN only (never arrived), nothing from conn 2/3's life */
  assert_int_equal(count(svg, "<g class=\"seg"), 1);
  assert_int_equal(count(svg, "<g class=\"seg open\""), 1);
  assert_non_null(strstr(svg, "no arrival recorded"));
  /* the remote address is host b's */
  assert_non_null(strstr(svg, ">b</text>"));
  assert_non_null(strstr(svg, "SYN_SENT at the end of the run"));
  free(svg);
}

static void test_ladder_escapes_text(void **state)
{
  char *svg = ladder_ok(1, 2, false);
  assert_non_null(strstr(svg, ">client &lt;&amp;&gt; &quot;one&quot;</text>"));
  assert_null(strstr(svg, "<&>"));
  free(svg);
}

static void test_ladder_errors(void **state)
{
  char err[512];
  int rc;
  char *svg;

  svg = ladder(99, 2, false, &rc, err, sizeof err);
  assert_int_equal(rc, RES_EINVAL);
  assert_non_null(strstr(err, "run 99 is not in"));
  assert_non_null(strstr(err, dbpath));
  free(svg);

  svg = ladder(1, 42, false, &rc, err, sizeof err);
  assert_int_equal(rc, RES_EINVAL);
  assert_non_null(strstr(err, "connection 42 is not in run 1"));
  free(svg);

  svg = ladder(1, 1, false, &rc, err, sizeof err);
  assert_int_equal(rc, RES_EINVAL);
  assert_non_null(strstr(err, "listener"));
  free(svg);

  svg = ladder(2, 2, false, &rc, err, sizeof err);
  assert_int_equal(rc, RES_EINVAL);
  assert_non_null(strstr(err, "no segment rows"));
  assert_non_null(strstr(err, "'transitions'"));
  assert_non_null(strstr(err, "--trace segments"));
  assert_true(svg == NULL || svg[0] == '\0'); /* nothing written */
  free(svg);
}

static void test_open_refusals(void **state)
{
  char err[512];
  FILE *f = tmpfile();
  assert_non_null(f);

  assert_int_equal(res_ladder_svg(tpath("missing.db"), 1, 2, NULL, f, err,
                                  sizeof err), RES_EOPEN);
  assert_non_null(strstr(err, "missing.db"));

  const char *junk = tpath("junk.db");
  FILE *j = fopen(junk, "w");
  assert_non_null(j);
  fputs("this is not a database, just some text that is long enough to be "
        "read as a header by SQLite and rejected by it\n", j);
  assert_int_equal(fclose(j), 0);
  assert_int_equal(res_ladder_svg(junk, 1, 2, NULL, f, err, sizeof err),
                   RES_EOPEN);
  assert_non_null(strstr(err, "junk.db"));

  const char *future = tpath("future.db");
  sqlite3 *h;
  assert_int_equal(sqlite3_open(future, &h), SQLITE_OK);
  assert_int_equal(sqlite3_exec(h, "CREATE TABLE runs(x); PRAGMA user_version=99;",
                                NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  assert_int_equal(res_ladder_svg(future, 1, 2, NULL, f, err, sizeof err),
                   RES_EVERSION);
  assert_non_null(strstr(err, "schema version 99"));

  assert_int_equal(res_ladder_svg(tmpdir, 1, 2, NULL, f, err, sizeof err),
                   RES_EOPEN);
  assert_non_null(strstr(err, "directory"));
  fclose(f);
}

/* ---------------------------------------------------------------------- */
/* State diagram                                                           */
/* ---------------------------------------------------------------------- */

static int arc_of(const char *from, const char *to)
{
  size_t n;
  const struct tcp_arc *a = tcp_arcs(&n);
  for (size_t i = 0; i < n; i++)
    if (!strcmp(tcp_state_name(a[i].from), from) &&
        !strcmp(tcp_state_name(a[i].to), to))
      return (int)i;
  fail_msg("no arc %s -> %s", from, to);
  return -1;
}

static void test_fsm_counts(void **state)
{
  struct res_fsm_counts c;
  char err[512];
  size_t narcs;
  (void)tcp_arcs(&narcs);

  assert_int_equal(res_fsm_counts(dbpath, 1, &c, err, sizeof err), RES_OK);
  assert_int_equal(c.narcs, narcs);
  assert_int_equal(c.total, 8);
  assert_int_equal(c.arc[arc_of("CLOSED", "LISTEN")], 1);
  assert_int_equal(c.arc[arc_of("CLOSED", "SYN_SENT")], 2);
  assert_int_equal(c.arc[arc_of("LISTEN", "SYN_RCVD")], 1);
  assert_int_equal(c.arc[arc_of("SYN_SENT", "ESTABLISHED")], 1);
  assert_int_equal(c.arc[arc_of("SYN_RCVD", "ESTABLISHED")], 1);
  assert_int_equal(c.arc[arc_of("TIME_WAIT", "CLOSED")], 0);
  uint64_t sum = 0;
  for (size_t i = 0; i < c.narcs; i++)
    sum += c.arc[i];
  assert_int_equal(sum, 6);
  /* ESTABLISHED -> LISTEN is no arc; BOGUS is no state */
  assert_int_equal(c.nother, 2);
  assert_string_equal(c.other[0].from, "BOGUS");
  assert_string_equal(c.other[1].from, "ESTABLISHED");
  assert_string_equal(c.other[1].to, "LISTEN");
  assert_int_equal(c.other[1].count, 1);
  res_fsm_counts_free(&c);

  /* a run at level transitions with no rows: all zero, fine */
  assert_int_equal(res_fsm_counts(dbpath, 2, &c, err, sizeof err), RES_OK);
  assert_int_equal(c.total, 0);
  res_fsm_counts_free(&c);

  assert_int_equal(res_fsm_counts(dbpath, 3, &c, err, sizeof err), RES_EINVAL);
  assert_non_null(strstr(err, "summary"));
  assert_non_null(strstr(err, "run.trace=transitions"));
  assert_null(c.arc);
  assert_int_equal(res_fsm_counts(dbpath, 77, &c, err, sizeof err), RES_EINVAL);
  assert_non_null(strstr(err, "run 77 is not in"));
}

static char *fsm_dot(const struct res_fsm_counts *c)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  res_fsm_write_dot(f, c, "t \"quoted\"");
  assert_int_equal(fclose(f), 0);
  return buf;
}

static void test_fsm_dot(void **state)
{
  size_t narcs;
  const struct tcp_arc *arcs = tcp_arcs(&narcs);
  char line[256], err[512];

  char *dot = fsm_dot(NULL);
  assert_true(!strncmp(dot, "digraph ", 8));
  assert_non_null(strstr(dot, "label=\"t \\\"quoted\\\"\""));
  for (int s = 0; s < TCP_S__COUNT; s++) {
    snprintf(line, sizeof line, "\n  %s;\n", tcp_state_name((enum tcp_state)s));
    assert_non_null(strstr(dot, line));
  }
  for (size_t i = 0; i < narcs; i++) {
    snprintf(line, sizeof line, "\n  %s -> %s [label=\"%s\"",
             tcp_state_name(arcs[i].from), tcp_state_name(arcs[i].to),
             arcs[i].label);
    assert_non_null(strstr(dot, line));
  }
  assert_null(strstr(dot, "n="));
  assert_null(strstr(dot, "dashed"));
  free(dot);

  struct res_fsm_counts c;
  assert_int_equal(res_fsm_counts(dbpath, 1, &c, err, sizeof err), RES_OK);
  dot = fsm_dot(&c);
  snprintf(line, sizeof line, "  CLOSED -> SYN_SENT [label=\"%s\\nn=2\", penwidth=",
           arcs[arc_of("CLOSED", "SYN_SENT")].label);
  assert_non_null(strstr(dot, line));
  snprintf(line, sizeof line, "  TIME_WAIT -> CLOSED [label=\"%s\\nn=0\", "
           "style=dashed", arcs[arc_of("TIME_WAIT", "CLOSED")].label);
  assert_non_null(strstr(dot, line));
  assert_int_equal(count(dot, "style=dashed"), narcs - 5);
  assert_int_equal(count(dot, " -> "), narcs); /* undeclared ones not drawn */
  free(dot);

  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  res_fsm_write_table(f, &c);
  assert_int_equal(fclose(f), 0);
  assert_non_null(strstr(buf, "COUNT"));
  assert_non_null(strstr(buf, "CLOSED       SYN_SENT            2  active OPEN"));
  assert_non_null(strstr(buf, "run 1: 8 transitions, 2 on no declared arc"));
  free(buf);
  res_fsm_counts_free(&c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ladder_one_arrow_per_segment),
      cmocka_unit_test(test_ladder_labels_relative_and_absolute),
      cmocka_unit_test(test_ladder_states_both_sides),
      cmocka_unit_test(test_ladder_idle_gap_cut),
      cmocka_unit_test(test_ladder_anonymous_peer),
      cmocka_unit_test(test_ladder_escapes_text),
      cmocka_unit_test(test_ladder_errors),
      cmocka_unit_test(test_open_refusals),
      cmocka_unit_test(test_fsm_counts),
      cmocka_unit_test(test_fsm_dot),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
