/*
 * test_emu.c - `tcpsim emu` against the Linux stack, through a TUN device.
 *
 * Everything happens in a network namespace the test makes (named
 * tcpsim-emu-PID, deleted in the group teardown, and leftovers of dead
 * test processes deleted at setup): a persistent TUN device tsemu0 with
 * 10.0.0.2/24 on the Linux side, which tcpsim binds to the tun node
 * `linux` of a two-node topology (the simulated server is 10.0.0.1). The
 * test process itself enters the namespace, so its sockets and the tcpsim
 * it starts live there, and nothing outside it sees an address.
 *
 * Without root, /dev/net/tun or `ip`, every test is skipped with a line
 * saying which. Waits are bounded (readiness 30 s, a run 60 s, socket
 * calls 10 s): generous, because real time on a loaded machine is slow.
 */
#define _GNU_SOURCE /* setns */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "tests/support/support.h"

#define NS_PREFIX "tcpsim-emu-"
#define TUN_DEV "tsemu0"

static char g_ns[64];
static char g_dir[256];
static int g_orig_ns = -1;
static const char *g_skip; /* why the tests cannot run, NULL when they can */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
  char cmd[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Namespaces left by test processes that died before their teardown. */
static void remove_stale_namespaces(void)
{
  DIR *d = opendir("/var/run/netns");
  struct dirent *e;
  if (!d)
    return;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, NS_PREFIX, strlen(NS_PREFIX)))
      continue;
    long pid = strtol(e->d_name + strlen(NS_PREFIX), NULL, 10);
    if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
      (void)sh("ip netns del %s >/dev/null 2>&1", e->d_name);
  }
  closedir(d);
}

static int group_setup(void **state)
{
  (void)state;
  if (geteuid() != 0) {
    g_skip = "not root (the TUN device and the namespace need it)";
    return 0;
  }
  if (access("/dev/net/tun", R_OK | W_OK) != 0) {
    g_skip = "no /dev/net/tun";
    return 0;
  }
  if (sh("ip -V >/dev/null 2>&1") != 0) {
    g_skip = "no `ip` command (iproute2)";
    return 0;
  }
  remove_stale_namespaces();
  snprintf(g_ns, sizeof g_ns, NS_PREFIX "%ld", (long)getpid());
  if (sh("ip netns add %s", g_ns) != 0) {
    g_skip = "`ip netns add` failed";
    g_ns[0] = '\0';
    return 0;
  }
  if (sh("ip netns exec %s ip tuntap add dev " TUN_DEV " mode tun", g_ns) ||
      sh("ip -n %s addr add 10.0.0.2/24 dev " TUN_DEV, g_ns) ||
      sh("ip -n %s link set " TUN_DEV " up", g_ns) ||
      sh("ip -n %s link set lo up", g_ns)) {
    fprintf(stderr, "test_emu: cannot configure the TUN device in %s\n", g_ns);
    return -1;
  }
  /* No IPv6 chatter (router solicitations) on the device. */
  (void)sh("ip netns exec %s sysctl -qw net.ipv6.conf." TUN_DEV
           ".disable_ipv6=1 >/dev/null 2>&1", g_ns);
  char path[128];
  snprintf(path, sizeof path, "/var/run/netns/%s", g_ns);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  g_orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || g_orig_ns < 0 || setns(fd, CLONE_NEWNET) != 0) {
    fprintf(stderr, "test_emu: cannot enter %s: %s\n", g_ns, strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  close(fd);
  snprintf(g_dir, sizeof g_dir, "/tmp/tcpsim-emu-XXXXXX");
  if (!mkdtemp(g_dir))
    return -1;
  FILE *f = fopen(strcat(strcpy(path, g_dir), "/t.topo"), "w");
  if (!f)
    return -1;
  fputs("tun linux addr 10.0.0.2\n"
        "host server addr 10.0.0.1\n"
        "link linux server rate 100Mbps delay 1ms\n", f);
  fclose(f);
  return 0;
}

static int group_teardown(void **state)
{
  (void)state;
  if (g_orig_ns >= 0) {
    (void)setns(g_orig_ns, CLONE_NEWNET);
    close(g_orig_ns);
  }
  if (g_ns[0])
    (void)sh("ip netns del %s", g_ns);
  if (g_dir[0])
    (void)sh("rm -rf %s", g_dir);
  return 0;
}

static void skip_if_missing(void)
{
  if (g_skip) {
    printf("SKIPPED: the emulation tests need root, /dev/net/tun and `ip`: "
           "%s\n", g_skip);
    skip();
  }
}

/* ====================================================================== */
/* Running tcpsim emu                                                      */
/* ====================================================================== */

struct emu_run {
  pid_t pid;
  char log[300];
  char db[300];
};

static void write_ini(const char *name, const char *workloads)
{
  char path[300];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "[run]\ntopology = t.topo\nduration = 5s\ntrace = segments\n\n%s",
          workloads);
  fclose(f);
}

static bool log_has(const char *log, const char *what)
{
  char buf[8192];
  FILE *f = fopen(log, "r");
  if (!f)
    return false;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strstr(buf, what) != NULL;
}

static void dump_log(const char *log)
{
  (void)sh("cat %s >&2", log);
}

/* Start `tcpsim emu INI` and wait until its loop runs. */
static void emu_start(struct emu_run *r, const char *ini, const char *tag)
{
  snprintf(r->log, sizeof r->log, "%s/%s.log", g_dir, tag);
  snprintf(r->db, sizeof r->db, "%s/%s.db", g_dir, tag);
  char ini_path[300];
  snprintf(ini_path, sizeof ini_path, "%s/%s", g_dir, ini);
  r->pid = fork();
  assert_true(r->pid >= 0);
  if (r->pid == 0) {
    int fd = open(r->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
      _exit(127);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(TCPSIM_BINARY, "tcpsim", "emu", ini_path, "--tun",
          "linux=" TUN_DEV, "--db", r->db, NULL);
    _exit(127);
  }
  double t0 = now_s();
  while (!log_has(r->log, "emu: running in real time")) {
    int st;
    if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
      dump_log(r->log);
      fail_msg("tcpsim emu exited before running");
    }
    if (now_s() - t0 > 30) {
      kill(r->pid, SIGKILL);
      waitpid(r->pid, &st, 0);
      dump_log(r->log);
      fail_msg("tcpsim emu did not start within 30 s");
    }
    usleep(20000);
  }
}

/* Wait for the run's end (bounded) and expect exit status 0. */
static void emu_finish(struct emu_run *r)
{
  double t0 = now_s();
  int st = 0;
  while (waitpid(r->pid, &st, WNOHANG) != r->pid) {
    if (now_s() - t0 > 60) {
      kill(r->pid, SIGKILL);
      waitpid(r->pid, &st, 0);
      dump_log(r->log);
      fail_msg("tcpsim emu did not end within 60 s");
    }
    usleep(20000);
  }
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    dump_log(r->log);
    fail_msg("tcpsim emu failed (status %d)", st);
  }
}

static long query_long(const char *db, const char *sql)
{
  return (long)tsup_sql_int(db, sql);
}

/* A Linux socket connected to 10.0.0.1:port, or -1 with errno (bounded
 * by 10 s). */
static int linux_connect(uint16_t port)
{
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  assert_true(s >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "10.0.0.1", &a.sin_addr);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
    int e = errno;
    close(s);
    errno = e;
    return -1;
  }
  struct pollfd p = {.fd = s, .events = POLLOUT};
  int n = poll(&p, 1, 10000);
  int err = 0;
  socklen_t len = sizeof err;
  if (n != 1 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
    close(s);
    errno = n == 1 ? err : ETIMEDOUT;
    return -1;
  }
  int fl = fcntl(s, F_GETFL);
  fcntl(s, F_SETFL, fl & ~O_NONBLOCK);
  struct timeval tv = {.tv_sec = 10};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return s;
}

/* ====================================================================== */
/* Tests                                                                   */
/* ====================================================================== */

/* A Linux client opens a connection to the simulated server, sends a
 * request, reads the 1000-byte answer (zeros: the simulator keeps byte
 * counts, not bytes) and closes first; the server closes after it. */
static void test_linux_client_to_simulated_server(void **state)
{
  (void)state;
  skip_if_missing();
  write_ini("server.ini", "[workload.server]\ntype = server\nhosts = server\n"
                          "port = 80\nresponse_bytes = 1000\nclose = wait\n");
  struct emu_run r;
  emu_start(&r, "server.ini", "server");

  int s = linux_connect(80);
  if (s < 0) {
    int e = errno;
    kill(r.pid, SIGINT);
    emu_finish(&r);
    fail_msg("connect to the simulated server: %s", strerror(e));
  }
  char req[100];
  memset(req, 'q', sizeof req);
  assert_int_equal(send(s, req, sizeof req, 0), (ssize_t)sizeof req);
  char buf[4096];
  size_t got = 0, nonzero = 0;
  while (got < 1000) {
    ssize_t n = recv(s, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    for (ssize_t i = 0; i < n; i++)
      nonzero += buf[i] != 0;
    got += (size_t)n;
  }
  assert_int_equal(got, 1000);
  assert_int_equal(nonzero, 0);
  /* Linux closes first; the server's FIN follows (close = wait), and the
   * read then sees the end of the stream. */
  assert_int_equal(shutdown(s, SHUT_WR), 0);
  assert_int_equal(recv(s, buf, sizeof buf, 0), 0);
  close(s);
  emu_finish(&r);

  /* The exchange as the database has it: the tun node is node 0. */
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM runs WHERE "
                              "status='done'"), 1);
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM segments WHERE "
                              "event='send' AND node=0 AND dport=80 AND "
                              "flags='S' AND src='10.0.0.2'"), 1);
  assert_true(query_long(r.db, "SELECT count(*) FROM segments WHERE "
                         "event='send' AND node=1 AND sport=80 AND "
                         "flags='SA'") >= 1);
  assert_true(query_long(r.db, "SELECT count(*) FROM segments WHERE "
                         "event='recv' AND node=1 AND dport=80 AND "
                         "len=100") >= 1);
  assert_true(query_long(r.db, "SELECT count(*) FROM segments WHERE "
                         "event='send' AND node=1 AND sport=80 AND "
                         "len=1000") >= 1);
  assert_true(query_long(r.db, "SELECT count(*) FROM segments WHERE "
                         "event='send' AND node=0 AND instr(flags,'F')") >= 1);
  assert_true(query_long(r.db, "SELECT count(*) FROM segments WHERE "
                         "event='send' AND node=1 AND instr(flags,'F')") >= 1);
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM connections WHERE "
                              "node=1 AND kind='passive' AND established_ns "
                              "IS NOT NULL AND closed_ns IS NOT NULL AND "
                              "error IS NULL"), 1);
  assert_true(query_long(r.db, "SELECT value FROM metrics WHERE "
                         "name='emu.tun_rx'") >= 5);
  assert_int_equal(query_long(r.db, "SELECT value FROM metrics WHERE "
                              "name='emu.tun_rx_malformed'"), 0);
  assert_true(query_long(r.db, "SELECT value FROM metrics WHERE "
                         "name='emu.tun_tx'") >= 3); /* SYN-ACK, data, FIN */
}

/* A Linux client connects to a port nobody listens on: the simulated
 * host answers RST (seq 0, ACK of the SYN), Linux reports ECONNREFUSED. */
static void test_linux_client_refused(void **state)
{
  (void)state;
  skip_if_missing();
  write_ini("refused.ini", "[workload.server]\ntype = server\nhosts = server\n"
                           "port = 80\n");
  struct emu_run r;
  emu_start(&r, "refused.ini", "refused");
  int s = linux_connect(81);
  int e = errno;
  if (s >= 0)
    close(s);
  emu_finish(&r);
  assert_int_equal(s, -1);
  assert_int_equal(e, ECONNREFUSED);

  assert_int_equal(query_long(r.db, "SELECT count(*) FROM segments WHERE "
                              "event='send' AND node=0 AND dport=81 AND "
                              "flags='S'"), 1);
  /* RFC 9293 3.10.7.1: to a SYN, <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>. */
  assert_int_equal(query_long(r.db,
                   "SELECT count(*) FROM segments rst JOIN segments syn ON "
                   "syn.event='send' AND syn.node=0 AND syn.dport=81 AND "
                   "syn.flags='S' WHERE rst.event='send' AND rst.node=1 AND "
                   "rst.sport=81 AND rst.dport=syn.sport AND "
                   "instr(rst.flags,'R') AND instr(rst.flags,'A') AND "
                   "rst.seq=0 AND rst.ack=(syn.seq+1)%4294967296"), 1);
  assert_true(query_long(r.db, "SELECT count(*) FROM segments WHERE "
                         "event='recv' AND node=0 AND sport=81 AND "
                         "instr(flags,'R')") >= 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_linux_client_to_simulated_server),
    cmocka_unit_test(test_linux_client_refused),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
