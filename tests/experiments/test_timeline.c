/*
 * test_timeline.c - hand-written scenarios end to end: experiment files on
 * topologies/two-hosts.topo (client node 0, server node 1, 5 ms one way)
 * run in-process into a temporary database, and the rows checked.
 *
 * Timeline actions ([action.NAME], experiments/timeline.c): the example
 * experiments/simultaneous_close.ini takes both ends through CLOSING to
 * TIME_WAIT; a scripted connect/send/close gives the four-way close (the
 * active end through FIN_WAIT_2, the passive end through CLOSE_WAIT and
 * LAST_ACK); an abort resets the peer, whose connection ends with
 * ECONNRESET, and later calls get EBADF, ECONNRESET then EPIPE; calls that
 * fail (refused connect, a port in use, a connection not accepted yet)
 * are recorded with their error names. Client keys: a client aimed at a
 * port where nobody listens is refused and retries exactly `retries`
 * times, `retry_delay` apart; keepalive with its own idle, interval and
 * count detects a powered-off server idle + interval x count after the
 * last exchange (within one interval). Server restart: a server whose
 * host reboots listens again at boot and accepts again; with restart =
 * off it does not.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <unistd.h>

#include "experiments/exp_int.h"
#include "tests/support/support.h"

#define DIR TCPSIM_SOURCE_DIR "/experiments"
#define TWO_HOSTS                                                            \
  "[run]\ntopology = ../topologies/two-hosts.topo\nduration = 3s\n"          \
  "trace = transitions\n[tcp]\nmsl = 30s\n"
#define CLIENT 0
#define SERVER 1

/* ====================================================================== */
/* Helpers                                                                 */
/* ====================================================================== */

struct run {
  char path[256];
  sqlite3 *db;
  struct exp_run_result r;
};

static void run_config(struct run *x, struct exp_config *c)
{
  tsup_fresh_db(x->path, sizeof x->path, "tcpsim-timeline");
  int rc = exp_run(c, &(struct exp_run_opts){.db = x->path, .quiet = true},
                   &x->r);
  exp_config_free(c);
  assert_int_equal(rc, 0);
  assert_string_equal(x->r.status, "done");
  assert_int_equal(sqlite3_open(x->path, &x->db), SQLITE_OK);
}

/* Parse text (with sets) and run it. */
static void run_text(struct run *x, const char *text, const char *const *sets,
                     size_t nsets)
{
  char err[1024] = "";
  struct exp_config *c = NULL;
  if (exp_config_parse_string("t.ini", DIR, text, sets, nsets, &c, err,
                              sizeof err) != EXP_OK)
    fail_msg("cannot parse: %s", err);
  run_config(x, c);
}

static void run_done(struct run *x)
{
  sqlite3_close(x->db);
  tsup_remove_db(x->path);
}

/* The first column of the first row of a query (printf-style), -1 when
 * there is no row. */
static int64_t q_int(struct run *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int64_t q_int(struct run *x, const char *fmt, ...)
{
  char sql[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(x->db));
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* The states the last connection of node (not a listener) went through,
 * as "A>B>C": the first from_state, then every to_state in order; the
 * LISTEN a passive open comes from is left out. */
static void path_of(struct run *x, uint32_t node, char *out, size_t cap)
{
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT from_state, to_state FROM transitions WHERE run_id=%lld "
           "AND node=%u AND from_state != 'LISTEN' AND conn_id = (SELECT "
           "max(conn_id) FROM transitions WHERE node=%u AND to_state != "
           "'LISTEN') ORDER BY idx",
           (long long)x->r.run_id, node, node);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(x->db, sql, -1, &st, NULL), SQLITE_OK);
  out[0] = '\0';
  size_t len = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (!len)
      len += (size_t)snprintf(out + len, cap - len, "%s",
                              (const char *)sqlite3_column_text(st, 0));
    len += (size_t)snprintf(out + len, cap - len, ">%s",
                            (const char *)sqlite3_column_text(st, 1));
    assert_true(len < cap);
  }
  sqlite3_finalize(st);
}

/* Count of app events with what and detail. */
static int64_t app_count(struct run *x, uint32_t node, const char *what,
                         const char *detail)
{
  return q_int(x, "SELECT count(*) FROM app_events WHERE run_id=%lld AND "
               "node=%u AND what='%s' AND detail='%s'",
               (long long)x->r.run_id, node, what, detail);
}

/* ====================================================================== */
/* Timeline actions                                                        */
/* ====================================================================== */

static void test_simultaneous_close_example(void **state)
{
  (void)state;
  char err[1024] = "";
  struct exp_config *c = NULL;
  const char *sets[] = {"run.trace=transitions"};
  if (exp_config_load(DIR "/simultaneous_close.ini", sets, 1, &c, err,
                      sizeof err) != EXP_OK)
    fail_msg("%s", err);
  assert_int_equal(c->nactions, 4);
  struct run x;
  run_config(&x, c);
  char p[256];
  path_of(&x, CLIENT, p, sizeof p);
  assert_string_equal(p, "CLOSED>SYN_SENT>ESTABLISHED>FIN_WAIT_1>CLOSING>"
                         "TIME_WAIT");
  path_of(&x, SERVER, p, sizeof p);
  assert_string_equal(p, "SYN_RCVD>ESTABLISHED>FIN_WAIT_1>CLOSING>TIME_WAIT");
  /* both ends: into CLOSING on the other's FIN, at the same instant */
  assert_int_equal(q_int(&x, "SELECT count(DISTINCT node) FROM transitions "
                         "WHERE from_state='FIN_WAIT_1' AND to_state="
                         "'CLOSING' AND cause='rcv FIN'"), 2);
  assert_int_equal(q_int(&x, "SELECT count(DISTINCT t_ns) FROM transitions "
                         "WHERE to_state='CLOSING'"), 1);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM transitions WHERE "
                         "from_state='CLOSING' AND to_state='TIME_WAIT'"), 2);
  /* every call and its outcome */
  assert_int_equal(app_count(&x, SERVER, "listen", "srv: ok"), 1);
  assert_int_equal(app_count(&x, CLIENT, "connect", "cli: ok"), 1);
  assert_int_equal(app_count(&x, SERVER, "accept", "srv#1"), 1);
  assert_int_equal(app_count(&x, CLIENT, "close", "cli: ok"), 1);
  assert_int_equal(app_count(&x, SERVER, "close", "srv#1: ok"), 1);
  assert_int_equal(q_int(&x, "SELECT t_ns FROM app_events WHERE what='close' "
                         "AND node=%d", SERVER), 500 * SIM_MS);
  run_done(&x);
}

static const char four_way[] =
    TWO_HOSTS
    "[action.srv]\nat = 0\ndo = listen\nhost = server\nport = 7\n"
    "[action.cli]\nat = 100ms\ndo = connect\nhost = client\nto = server\n"
    "port = 7\nlocal_port = 4000\n"
    "[action.req]\nat = 200ms\ndo = send\nhost = client\nsock = cli\n"
    "bytes = 1000\n"
    "[action.fin1]\nat = 300ms\ndo = close\nhost = client\nsock = cli\n"
    "[action.fin2]\nat = 400ms\ndo = close\nhost = server\nsock = srv#1\n";

static void test_scripted_four_way_close(void **state)
{
  (void)state;
  struct run x;
  run_text(&x, four_way, NULL, 0);
  char p[256];
  path_of(&x, CLIENT, p, sizeof p);
  assert_string_equal(p, "CLOSED>SYN_SENT>ESTABLISHED>FIN_WAIT_1>FIN_WAIT_2>"
                         "TIME_WAIT");
  path_of(&x, SERVER, p, sizeof p);
  assert_string_equal(p, "SYN_RCVD>ESTABLISHED>CLOSE_WAIT>LAST_ACK>CLOSED");
  /* the server stays in CLOSE_WAIT until its own close at 400 ms */
  assert_int_equal(q_int(&x, "SELECT t_ns FROM transitions WHERE node=%d AND "
                         "to_state='LAST_ACK'", SERVER), 400 * SIM_MS);
  assert_int_equal(app_count(&x, SERVER, "peer_closed", "srv#1"), 1);
  assert_int_equal(app_count(&x, CLIENT, "send", "cli: ok"), 1);
  assert_int_equal(app_count(&x, SERVER, "close", "srv#1: ok"), 1);
  /* released by its close: no closed callback comes afterwards */
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events WHERE "
                         "what='closed'"), 0);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM connections WHERE "
                         "local LIKE '%%:4000' AND final_state='TIME_WAIT'"), 1);
  run_done(&x);
}

static void test_abort_resets_peer(void **state)
{
  (void)state;
  static const char text[] =
      TWO_HOSTS
      "[action.srv]\nat = 0\ndo = listen\nhost = server\nport = 80\n"
      "[action.cli]\nat = 100ms\ndo = connect\nhost = client\nto = server\n"
      "port = 80\n"
      "[action.rst]\nat = 300ms\ndo = abort\nhost = client\nsock = cli\n"
      "[action.late]\nat = 400ms\ndo = send\nhost = client\nsock = cli\n"
      "bytes = 10\n"
      "[action.s1]\nat = 500ms\ndo = send\nhost = server\nsock = srv#1\n"
      "bytes = 10\n"
      "[action.s2]\nat = 600ms\ndo = send\nhost = server\nsock = srv#1\n"
      "bytes = 10\n"
      "[action.end]\nat = 700ms\ndo = close\nhost = server\nsock = srv#1\n";
  struct run x;
  run_text(&x, text, NULL, 0);
  assert_int_equal(app_count(&x, CLIENT, "abort", "cli: ok"), 1);
  /* the peer's connection ends with the reset */
  assert_int_equal(app_count(&x, SERVER, "closed", "srv#1: ECONNRESET"), 1);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM connections WHERE node=%d "
                         "AND kind != 'listen' AND error='ECONNRESET'", SERVER),
                   1);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM transitions WHERE node=%d "
                         "AND from_state='ESTABLISHED' AND to_state='CLOSED'",
                         SERVER), 1);
  /* released by the abort: EBADF without reaching TCP */
  assert_int_equal(app_count(&x, CLIENT, "send", "cli: EBADF"), 1);
  /* the reset is reported once, as SO_ERROR, then EPIPE */
  assert_int_equal(app_count(&x, SERVER, "send", "srv#1: ECONNRESET"), 1);
  assert_int_equal(app_count(&x, SERVER, "send", "srv#1: EPIPE"), 1);
  assert_int_equal(app_count(&x, SERVER, "close", "srv#1: ok"), 1);
  run_done(&x);
}

static void test_calls_that_fail(void **state)
{
  (void)state;
  static const char text[] =
      TWO_HOSTS
      "[action.l1]\nat = 0\ndo = listen\nhost = server\nport = 80\n"
      "[action.l2]\nat = 10ms\ndo = listen\nhost = server\nport = 80\n"
      "[action.nobody]\nat = 20ms\ndo = connect\nhost = client\nto = server\n"
      "port = 81\n"
      "[action.early]\nat = 30ms\ndo = close\nhost = server\nsock = l1#1\n"
      "[action.again]\nat = 40ms\ndo = close\nhost = server\nsock = l1\n"
      "[action.twice]\nat = 50ms\ndo = close\nhost = server\nsock = l1\n";
  struct run x;
  run_text(&x, text, NULL, 0);
  assert_int_equal(app_count(&x, SERVER, "listen", "l1: ok"), 1);
  assert_int_equal(app_count(&x, SERVER, "listen", "l2: EADDRINUSE"), 1);
  assert_int_equal(app_count(&x, CLIENT, "connect", "nobody: ok"), 1);
  assert_int_equal(app_count(&x, CLIENT, "closed", "nobody: ECONNREFUSED"), 1);
  assert_int_equal(app_count(&x, SERVER, "close", "l1#1: ENOTCONN"), 1);
  assert_int_equal(app_count(&x, SERVER, "close", "l1: ok"), 1);
  assert_int_equal(app_count(&x, SERVER, "close", "l1: EBADF"), 1);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM transitions WHERE "
                         "to_state='LISTEN'"), 1);
  run_done(&x);
}

/* ====================================================================== */
/* Client retries and keepalive                                            */
/* ====================================================================== */

static void test_client_retries_refused(void **state)
{
  (void)state;
  static const char text[] =
      TWO_HOSTS
      "[workload.c]\ntype = client\nhosts = client\nserver = server\n"
      "port = 8080\narrival = fixed\ncount = 1\nretries = 3\n"
      "retry_delay = 100ms\n";
  struct run x;
  run_text(&x, text, NULL, 0);
  assert_int_equal(x.r.conns_failed, 1);
  assert_int_equal(x.r.conns_completed, 0);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events WHERE "
                         "what='connect'"), 4);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events WHERE "
                         "what='retry' AND detail='ECONNREFUSED'"), 3);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events WHERE "
                         "what='failed' AND detail='ECONNREFUSED'"), 1);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM connections WHERE "
                         "error='ECONNREFUSED' AND node=%d", CLIENT), 4);
  /* each new attempt retry_delay after the refusal it follows */
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events r JOIN "
                         "app_events c ON c.idx = r.idx + 1 WHERE "
                         "r.what='retry' AND c.what='connect' AND "
                         "c.t_ns - r.t_ns = 100000000"), 3);
  run_done(&x);

  /* retries = 0: one attempt */
  const char *sets[] = {"workload.c.retries=0"};
  run_text(&x, text, sets, 1);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events WHERE "
                         "what='connect'"), 1);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events WHERE "
                         "what='retry'"), 0);
  run_done(&x);
}

static void test_keepalive_detects_dead_server(void **state)
{
  (void)state;
  static const char text[] =
      "[run]\ntopology = ../topologies/two-hosts.topo\nduration = 10s\n"
      "trace = segments\n"
      "[workload.s]\ntype = server\nhosts = server\nclose = never\n"
      "[workload.c]\ntype = client\nhosts = client\nserver = server\n"
      "arrival = fixed\ncount = 1\nclose = keep\nkeepalive = on\n"
      "keepalive_idle = 2s\nkeepalive_interval = 500ms\n"
      "keepalive_count = 4\n"
      "[fault.off]\nat = 1s\naction = crash\nnode = server\n";
  struct run x;
  run_text(&x, text, NULL, 0);
  /* idle counts from the last segment the client received */
  int64_t last = q_int(&x, "SELECT max(t_ns) FROM segments WHERE "
                       "event='recv' AND node=%d AND t_ns < 1000000000",
                       CLIENT);
  int64_t gone = q_int(&x, "SELECT t_ns FROM app_events WHERE node=%d AND "
                       "what='closed' AND detail='ETIMEDOUT'", CLIENT);
  assert_true(last > 0);
  assert_true(gone > 0);
  int64_t want = last + 2 * SIM_S + 4 * 500 * SIM_MS;
  if (gone < want - 500 * SIM_MS || gone > want + 500 * SIM_MS)
    fail_msg("detected at %lld ns, last exchange %lld ns, expected %lld ns",
             (long long)gone, (long long)last, (long long)want);
  /* count probes, none answered */
  assert_int_equal(q_int(&x, "SELECT count(*) FROM segments WHERE "
                         "event='send' AND node=%d AND t_ns > 1000000000",
                         CLIENT), 4);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM connections WHERE "
                         "node=%d AND error='ETIMEDOUT'", CLIENT), 1);
  run_done(&x);
}

/* ====================================================================== */
/* Server restart                                                          */
/* ====================================================================== */

static const char reboot[] =
    TWO_HOSTS
    "[workload.s]\ntype = server\nhosts = server\n"
    "[workload.c]\ntype = client\nhosts = client\nserver = server\n"
    "arrival = fixed\nrate = 5/s\n"
    "[fault.boot]\nat = 1s\naction = reboot\nnode = server\ndelay = 500ms\n";

static void test_server_restarts_after_reboot(void **state)
{
  (void)state;
  struct run x;
  run_text(&x, reboot, NULL, 0);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events WHERE node=%d "
                         "AND what='listen'", SERVER), 2);
  assert_int_equal(q_int(&x, "SELECT t_ns FROM app_events WHERE node=%d AND "
                         "what='listen' AND detail='boot'", SERVER),
                   1500 * SIM_MS);
  assert_true(q_int(&x, "SELECT count(*) FROM app_events WHERE node=%d AND "
                    "what='accept' AND t_ns > 1500000000", SERVER) >= 5);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM transitions WHERE node=%d "
                         "AND to_state='LISTEN'", SERVER), 2);
  run_done(&x);

  /* restart = off: nobody listens after the boot, connections refused */
  const char *sets[] = {"workload.s.restart=off"};
  run_text(&x, reboot, sets, 1);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events WHERE node=%d "
                         "AND what='listen'", SERVER), 1);
  assert_int_equal(q_int(&x, "SELECT count(*) FROM app_events WHERE node=%d AND "
                         "what='accept' AND t_ns > 1500000000", SERVER), 0);
  assert_true(q_int(&x, "SELECT count(*) FROM app_events WHERE node=%d AND "
                    "what='failed' AND detail='ECONNREFUSED'", CLIENT) >= 5);
  run_done(&x);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_simultaneous_close_example),
      cmocka_unit_test(test_scripted_four_way_close),
      cmocka_unit_test(test_abort_resets_peer),
      cmocka_unit_test(test_calls_that_fail),
      cmocka_unit_test(test_client_retries_refused),
      cmocka_unit_test(test_keepalive_detects_dead_server),
      cmocka_unit_test(test_server_restarts_after_reboot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
