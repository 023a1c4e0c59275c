/*
 * test_cli.c - the tcpsim command line end to end: help texts, exit
 * statuses, errors naming the place, the default job and its determinism.
 */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/support.h"


/* Drop the one line that depends on the wall clock. */
static void strip_wall_line(char *s)
{
  char *p = strstr(s, "s of wall time");
  if (!p)
    return;
  char *start = p;
  while (start > s && start[-1] != '\n')
    start--;
  char *end = strchr(p, '\n');
  memmove(start, end ? end + 1 : p + strlen(p), strlen(end ? end + 1 : p) + 1);
}

static void test_help_everywhere(void **state)
{
  (void)state;
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "--help", NULL), 0);
  assert_non_null(strstr(out, "usage: tcpsim COMMAND"));
  free(out);
  static const char *const cmds[] = {"run", "sweep", "rerun", "check", "ping",
                                     "list", "ladder", "fsm", "emu"};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    char want[64];
    assert_int_equal(tsup_run_tcpsim(&out, cmds[i], "--help", NULL), 0);
    snprintf(want, sizeof want, "usage: tcpsim %s", cmds[i]);
    if (!strstr(out, want))
      fail_msg("%s --help says:\n%s", cmds[i], out);
    free(out);
  }
  assert_int_equal(tsup_run_tcpsim(&out, "topo", "--help", NULL), 0);
  assert_non_null(strstr(out, "usage: tcpsim topo check"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "topo", "check", "--help", NULL), 0);
  assert_non_null(strstr(out, "usage: tcpsim topo check"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "version", NULL), 0);
  assert_non_null(strstr(out, "tcpsim "));
  free(out);
}

static void test_bad_input_exits_2(void **state)
{
  (void)state;
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, NULL), 2);
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "frobnicate", NULL), 2);
  assert_non_null(strstr(out, "unknown command 'frobnicate'"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "ping", "--duration", "5parsecs", NULL), 2);
  assert_non_null(strstr(out, "bad --duration"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "ping", "--seed", NULL), 2);
  assert_non_null(strstr(out, "needs a value"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "ping", "--bogus", NULL), 2);
  assert_non_null(strstr(out, "unknown option '--bogus'"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "ping", "--to", "nosuchhost", NULL), 2);
  assert_non_null(strstr(out, "tcpsim ping: --to 'nosuchhost' is not a host"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "ping", "--topo", "/nonexistent/x.topo", NULL), 2);
  assert_non_null(strstr(out, "/nonexistent/x.topo"));
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "topo", "check", NULL), 2);
  free(out);
}

/* tcpsim emu runs one experiment in real time: a [sweep] of several runs is
 * refused with its line (before any device is opened, so no root needed);
 * narrowed to one point it gets past the sweep check. */
static void test_emu_refuses_sweeps(void **state)
{
  (void)state;
  char *out;
  const char *ini = tsup_temp_file(".ini",
      "[run]\n"
      "topology = " TCPSIM_SOURCE_DIR "/topologies/two-hosts.topo\n"
      "duration = 1s\n"
      "\n"
      "[sweep]\n"
      "tcp.msl = 1s, 2s\n");
  char path[512];
  snprintf(path, sizeof path, "%s", ini);
  assert_int_equal(tsup_run_tcpsim(&out, "emu", path, NULL), 2);
  char want[600];
  snprintf(want, sizeof want, "%s:6: [sweep] tcp.msl has 2 values (2 runs); "
           "tcpsim emu runs one experiment in real time", path);
  if (!strstr(out, want))
    fail_msg("emu with a sweep says:\n%s", out);
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "emu", path, "--set",
                                   "sweep.replications=3", "--set",
                                   "sweep.tcp.msl=1s", NULL), 2);
  assert_non_null(strstr(out, "[sweep] replications = 3; tcpsim emu"));
  free(out);
  /* One point: past the sweep check, to the topology (which has no tun
   * node, so nothing is opened either). */
  int rc = tsup_run_tcpsim(&out, "emu", path, "--set", "sweep.tcp.msl=1s",
                           "--db", "/nonexistent-dir/x.db", NULL);
  if (strstr(out, "[sweep]") ||
      !strstr(out, "tcpsim emu: /nonexistent-dir/x.db: cannot open"))
    fail_msg("one point:\n%s", out);
  assert_int_equal(rc, 2);
  free(out);
  assert_int_equal(tsup_run_tcpsim(&out, "emu", path, "--tun", "x", NULL), 2);
  assert_non_null(strstr(out, "expected --tun NODE=IFNAME"));
  free(out);
}

static void test_topo_check_reports_place(void **state)
{
  (void)state;
  const char *path = tsup_temp_file(".topo", "host a\nhost b\nlink a c\n");
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "topo", "check", path, NULL), 2);
  /* file:line:col: message, pointing at the unknown node on line 3 */
  char want[400];
  snprintf(want, sizeof want, "%s:3:", path);
  assert_non_null(strstr(out, want));
  free(out);
}

static void test_topo_check_examples(void **state)
{
  (void)state;
  static const char *const files[] = {
      "topologies/two-hosts.topo", "topologies/dumbbell.topo",
      "topologies/star-1000.topo"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char *out;
    int rc = tsup_run_tcpsim(&out, "topo", "check", files[i], NULL);
    if (rc != 0)
      fprintf(stderr, "%s:\n%s\n", files[i], out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "hosts"));
    free(out);
  }
}

static void test_ping_prints_and_repeats(void **state)
{
  (void)state;
  char *a, *b, *c;
  assert_int_equal(tsup_run_tcpsim(&a, "ping", NULL), 0);
  assert_non_null(strstr(a, "first packet events:"));
  assert_non_null(strstr(a, "ping:"));
  assert_non_null(strstr(a, "rtt min/avg/max"));
  assert_non_null(strstr(a, "drops by reason:"));
  assert_int_equal(tsup_run_tcpsim(&b, "ping", NULL), 0);
  assert_int_equal(tsup_run_tcpsim(&c, "ping", "--seed", "2", NULL), 0);
  strip_wall_line(a);
  strip_wall_line(b);
  strip_wall_line(c);
  assert_string_equal(a, b);         /* same seed: same story */
  assert_string_not_equal(a, c);     /* the example has random faults */
  free(a);
  free(b);
  free(c);
}

static void test_ping_reboot_is_shown(void **state)
{
  (void)state;
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "ping", "--topo",
                                   "topologies/two-hosts.topo", "--show", "0",
                                   "--reboot", "server@100ms+50ms",
                                   "--duration", "300ms", NULL), 0);
  assert_non_null(strstr(out, "poweroff server"));
  assert_non_null(strstr(out, "boot     server"));
  assert_non_null(strstr(out, "host down"));
  free(out);
}

/* Ctrl-C stops a long run cleanly: the results so far are printed, marked
 * as interrupted, and the exit status is 1. */
static void test_sigint_stops_cleanly(void **state)
{
  (void)state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    if (chdir(TCPSIM_SOURCE_DIR) != 0)
      _exit(127);
    alarm(60); /* never outlive the test if the signal were ignored */
    execl(TCPSIM_BINARY, TCPSIM_BINARY, "ping", "--topo",
          "topologies/star-1000.topo", "--interval", "1ms", "--duration",
          "100000s", "--show", "1", (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  /* Wait until the run has printed its header (it is simulating). */
  char buf[65536];
  size_t len = 0;
  ssize_t r;
  while (len < sizeof buf - 1 &&
         (r = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0) {
    len += (size_t)r;
    buf[len] = '\0';
    if (strstr(buf, "first packet events:"))
      break;
  }
  struct timespec pause = {0, 200 * 1000 * 1000};
  nanosleep(&pause, NULL);
  assert_int_equal(kill(pid, SIGINT), 0);
  while (len < sizeof buf - 1 &&
         (r = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
    len += (size_t)r;
  buf[len] = '\0';
  close(fds[0]);
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 1);
  assert_non_null(strstr(buf, "interrupted"));
  assert_non_null(strstr(buf, "ping: 1011 hosts"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_help_everywhere),
      cmocka_unit_test(test_bad_input_exits_2),
      cmocka_unit_test(test_emu_refuses_sweeps),
    cmocka_unit_test(test_topo_check_reports_place),
      cmocka_unit_test(test_topo_check_examples),
      cmocka_unit_test(test_ping_prints_and_repeats),
      cmocka_unit_test(test_ping_reboot_is_shown),
      cmocka_unit_test(test_sigint_stops_cleanly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
