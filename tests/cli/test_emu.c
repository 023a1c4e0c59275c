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
 * calls 10 s, a socket state seen by `ss` 5 s): generous, because real
 * time on a loaded machine is slow. Each run lasts 2 to 5 s of wall clock.
 *
 * The tests: a Linux client and the simulated server (request/response,
 * close in both orders with the states `ss -tanH` shows, a port with no
 * listener, abort, SYN-ACKs dropped for 2.5 s against the kernel's SYN
 * schedule, a reboot of the server), a simulated client to a Linux
 * listener, malformed IPv4 written into the device through a packet
 * socket, and a Linux client at 10.0.9.7, in the prefix of the tun node of
 * another topology (tp.topo, with a router) but not its address, run with
 * --pcap and the tun node's file read back by tshark. Sockets of earlier tests may linger (TIME-WAIT): every `ss`
 * check names its socket by address and port.
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
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>

#include "tests/support/support.h"

#define NS_PREFIX "tcpsim-emu-"
#define TUN_DEV "tsemu0"

static char g_ns[64];
static char g_dir[256];
static int g_orig_ns = -1;
static const char *g_skip; /* why the tests cannot run, NULL when they can */
static bool g_no_ss;        /* no `ss`: socket states are not checked */

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
  g_no_ss = sh("ss -V >/dev/null 2>&1") != 0;
  if (g_no_ss)
    printf("note: no `ss` command: the socket-state checks are left out\n");
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

/* An experiment file on topology topo (in g_dir) of the given duration
 * (the run's wall-clock time). */
static void write_ini_topo(const char *name, const char *topo,
                           const char *duration, const char *body)
{
  char path[400];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "[run]\ntopology = %s\nduration = %s\ntrace = segments\n\n"
          "%s", topo, duration, body);
  fclose(f);
}

static void write_ini_for(const char *name, const char *duration,
                          const char *body)
{
  write_ini_topo(name, "t.topo", duration, body);
}

static void write_ini(const char *name, const char *workloads)
{
  write_ini_for(name, "5s", workloads);
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

/* Start `tcpsim emu INI` (with --pcap DIR when pcap is not NULL) and wait
 * until its loop runs. */
static void emu_start_pcap(struct emu_run *r, const char *ini,
                           const char *tag, const char *pcap)
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
    char *args[] = {"tcpsim", "emu", ini_path, "--tun", "linux=" TUN_DEV,
                    "--db", r->db, NULL, NULL, NULL};
    if (pcap) {
      args[7] = "--pcap";
      args[8] = (char *)pcap;
    }
    execv(TCPSIM_BINARY, args);
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

static void emu_start(struct emu_run *r, const char *ini, const char *tag)
{
  emu_start_pcap(r, ini, tag, NULL);
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

/* A Linux socket bound to src (any address when NULL) and connected to
 * 10.0.0.1:port, or -1 with errno (bounded by 10 s). */
static int linux_connect_from(const char *src, uint16_t port)
{
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  assert_true(s >= 0);
  if (src) {
    struct sockaddr_in b = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &b.sin_addr);
    assert_int_equal(bind(s, (struct sockaddr *)&b, sizeof b), 0);
  }
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

static int linux_connect(uint16_t port)
{
  return linux_connect_from(NULL, port);
}

static uint16_t local_port(int s)
{
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
  return ntohs(a.sin_port);
}

/* Read until want bytes, the end of the stream or an error (the socket's
 * 10 s timeout bounds each call). Returns the bytes read; *end_out is 0
 * at the end of the stream, errno of the failed call, or -1 when want
 * bytes came first; *nonzero_out counts bytes that were not zero. */
static size_t read_upto(int s, size_t want, int *end_out, size_t *nonzero_out)
{
  char buf[4096];
  size_t got = 0, nonzero = 0;
  *end_out = -1;
  while (got < want) {
    size_t ask = want - got < sizeof buf ? want - got : sizeof buf;
    ssize_t n = recv(s, buf, ask, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      *end_out = n == 0 ? 0 : errno;
      break;
    }
    for (ssize_t i = 0; i < n; i++)
      nonzero += buf[i] != 0;
    got += (size_t)n;
  }
  if (nonzero_out)
    *nonzero_out = nonzero;
  return got;
}

/* `ss -tanH` inside the namespace: the state of the socket whose local
 * address is `local` and, when peer is not NULL, whose peer is `peer`
 * (both "A.B.C.D:PORT"); "" when there is none. */
static void ss_state(const char *local, const char *peer, char *out,
                     size_t cap)
{
  out[0] = '\0';
  FILE *p = popen("ss -tanH 2>/dev/null", "r");
  assert_non_null(p);
  char line[512];
  while (fgets(line, sizeof line, p)) {
    char st[32], l[128], r[128];
    unsigned long rq, sq;
    if (sscanf(line, "%31s %lu %lu %127s %127s", st, &rq, &sq, l, r) != 5)
      continue;
    if (!strcmp(l, local) && (!peer || !strcmp(r, peer))) {
      snprintf(out, cap, "%s", st);
      break;
    }
  }
  pclose(p);
}

/* Wait (bounded: 5 s) until ss shows that state ("" for no socket);
 * fails the test with what it saw last. No-op without `ss`. */
static void expect_ss(const char *local, const char *peer, const char *state)
{
  if (g_no_ss)
    return;
  char st[32];
  double t0 = now_s();
  for (;;) {
    ss_state(local, peer, st, sizeof st);
    if (!strcmp(st, state))
      return;
    if (now_s() - t0 > 5) {
      (void)sh("ss -tanH >&2");
      fail_msg("ss: %s -> %s is '%s', expected '%s'", local,
               peer ? peer : "*", st, state);
    }
    usleep(10000);
  }
}

static void expect_ss_port(uint16_t lport, const char *state)
{
  char local[64];
  snprintf(local, sizeof local, "10.0.0.2:%u", (unsigned)lport);
  expect_ss(local, NULL, state);
}

/* The states the connections of a kind on node 1 (the simulated host)
 * went through: "A>B B>C ..." per connection, one line each. */
static char *transitions_of(const char *db, const char *kind)
{
  char sql[600];
  snprintf(sql, sizeof sql,
           "SELECT (SELECT group_concat(s, ' ') FROM (SELECT from_state || "
           "'>' || to_state AS s FROM transitions t WHERE t.node=1 AND "
           "t.conn_id=c.conn_id ORDER BY t.idx)) FROM connections c "
           "WHERE c.node=1 AND c.kind='%s' ORDER BY c.conn_id", kind);
  return tsup_sql_rows(db, sql);
}

static void expect_transitions(const char *db, const char *kind,
                               const char *want)
{
  char *got = transitions_of(db, kind);
  if (strcmp(got, want)) {
    fprintf(stderr, "transitions of the %s connection:\n  got  %s  want %s\n",
            kind, got, want);
    free(got);
    fail_msg("unexpected transitions");
  }
  free(got);
}

/* Stop a run that a failed check leaves behind. */
static void emu_abandon(struct emu_run *r)
{
  int st;
  kill(r->pid, SIGKILL);
  waitpid(r->pid, &st, 0);
}

/* A server that answers a 100-byte request with 1000 bytes, closing as
 * told; the Linux client connects, checks that no answer comes before the
 * request (the server's request_bytes), sends it and reads the answer. */
static int linux_request(struct emu_run *r, const char *tag,
                         const char *duration, const char *close_policy,
                         const char *extra)
{
  char ini[64], body[1024];
  snprintf(ini, sizeof ini, "%s.ini", tag);
  snprintf(body, sizeof body,
           "[workload.server]\ntype = server\nhosts = server\nport = 80\n"
           "request_bytes = 100\nresponse_bytes = 1000\nclose = %s\n\n%s",
           close_policy, extra);
  write_ini_for(ini, duration, body);
  emu_start(r, ini, tag);
  int s = linux_connect(80);
  if (s < 0) {
    int e = errno;
    emu_abandon(r);
    fail_msg("connect to the simulated server: %s", strerror(e));
  }
  expect_ss_port(local_port(s), "ESTAB");
  /* Nothing before the request: the server waits for its 100 bytes. */
  char c;
  usleep(200000);
  assert_int_equal(recv(s, &c, 1, MSG_DONTWAIT), -1);
  assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
  char req[100];
  memset(req, 'q', sizeof req);
  assert_int_equal(send(s, req, sizeof req, 0), (ssize_t)sizeof req);
  int end;
  size_t nonzero;
  size_t got = read_upto(s, 1000, &end, &nonzero);
  assert_int_equal(got, 1000);
  assert_int_equal(nonzero, 0);
  return s;
}

static long count_segs(const char *db, const char *where)
{
  char sql[600];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM segments WHERE %s", where);
  return query_long(db, sql);
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

/* Close in the first order: Linux closes first. The server (close = wait)
 * answers only once the 100-byte request is in, and closes when Linux's
 * FIN arrives: Linux goes through FIN-WAIT to TIME-WAIT, the passive end
 * through CLOSE_WAIT and LAST_ACK to CLOSED. */
static void test_close_linux_first(void **state)
{
  (void)state;
  skip_if_missing();
  struct emu_run r;
  int s = linux_request(&r, "linfirst", "3s", "wait", "");
  uint16_t lport = local_port(s);
  expect_ss_port(lport, "ESTAB");
  assert_int_equal(shutdown(s, SHUT_WR), 0);
  int end;
  char buf[16];
  assert_int_equal(read_upto(s, sizeof buf, &end, NULL), 0);
  assert_int_equal(end, 0); /* the server's FIN */
  expect_ss_port(lport, "TIME-WAIT");
  close(s);
  expect_ss_port(lport, "TIME-WAIT");
  emu_finish(&r);

  char w[300];
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM runs WHERE "
                              "status='done'"), 1);
  snprintf(w, sizeof w, "event='recv' AND node=1 AND sport=%u AND len=100",
           (unsigned)lport);
  assert_int_equal(count_segs(r.db, w), 1);
  /* The answer follows the request (request_bytes = 100). */
  assert_int_equal(query_long(r.db,
                   "SELECT count(*) FROM segments d, segments q WHERE "
                   "d.event='send' AND d.node=1 AND d.len=1000 AND "
                   "q.event='recv' AND q.node=1 AND q.len=100 AND "
                   "d.t_ns >= q.t_ns"), 1);
  snprintf(w, sizeof w, "event='recv' AND node=0 AND dport=%u AND len=1000",
           (unsigned)lport);
  assert_int_equal(count_segs(r.db, w), 1);
  /* Linux's FIN first, then the server's. */
  assert_int_equal(query_long(r.db,
                   "SELECT count(*) FROM segments a, segments b WHERE "
                   "a.event='send' AND a.node=0 AND instr(a.flags,'F') AND "
                   "b.event='send' AND b.node=1 AND instr(b.flags,'F') AND "
                   "a.t_ns < b.t_ns"), 1);
  expect_transitions(r.db, "passive",
                     "LISTEN>SYN_RCVD SYN_RCVD>ESTABLISHED "
                     "ESTABLISHED>CLOSE_WAIT CLOSE_WAIT>LAST_ACK "
                     "LAST_ACK>CLOSED\n");
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM connections WHERE "
                              "node=1 AND kind='passive' AND error IS NULL "
                              "AND final_state='CLOSED'"), 1);
}

/* Close in the other order: the simulated server closes first (close =
 * first). Linux reads the answer, then the end of the stream, and sits in
 * CLOSE-WAIT until it closes; its close ends the connection (LAST-ACK,
 * then gone), while the server is left in TIME_WAIT. */
static void test_close_simulated_first(void **state)
{
  (void)state;
  skip_if_missing();
  struct emu_run r;
  int s = linux_request(&r, "simfirst", "3s", "first", "");
  uint16_t lport = local_port(s);
  int end;
  char buf[16];
  assert_int_equal(read_upto(s, sizeof buf, &end, NULL), 0);
  assert_int_equal(end, 0);
  expect_ss_port(lport, "CLOSE-WAIT");
  usleep(300000); /* past Linux's delayed ACK: see below */
  expect_ss_port(lport, "CLOSE-WAIT"); /* until Linux closes */
  close(s);
  expect_ss_port(lport, "");
  emu_finish(&r);

  assert_int_equal(query_long(r.db, "SELECT count(*) FROM runs WHERE "
                              "status='done'"), 1);
  assert_int_equal(query_long(r.db,
                   "SELECT count(*) FROM segments a, segments b WHERE "
                   "a.event='send' AND a.node=1 AND instr(a.flags,'F') AND "
                   "b.event='send' AND b.node=0 AND instr(b.flags,'F') AND "
                   "a.t_ns < b.t_ns"), 1);
  char w[300];
  snprintf(w, sizeof w, "event='recv' AND node=1 AND sport=%u AND "
           "instr(flags,'F')", (unsigned)lport);
  assert_int_equal(count_segs(r.db, w), 1);
  expect_transitions(r.db, "passive",
                     "LISTEN>SYN_RCVD SYN_RCVD>ESTABLISHED "
                     "ESTABLISHED>FIN_WAIT_1 FIN_WAIT_1>FIN_WAIT_2 "
                     "FIN_WAIT_2>TIME_WAIT\n");
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM connections WHERE "
                              "node=1 AND kind='passive' AND error IS NULL "
                              "AND final_state='TIME_WAIT'"), 1);
}

/* A simulated client connects to a Linux listener, sends a 100-byte
 * request, reads the 500-byte answer the test writes (its response_bytes)
 * and closes first: Linux sees the end of the stream and CLOSE-WAIT, the
 * simulated end goes to TIME_WAIT. */
static void test_simulated_client_to_linux(void **state)
{
  (void)state;
  skip_if_missing();
  int l = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(l >= 0);
  int one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
  inet_pton(AF_INET, "10.0.0.2", &a.sin_addr);
  assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(l, 4), 0);

  write_ini_for("simcli.ini", "3s",
                "[workload.cli]\ntype = client\nhosts = server\n"
                "server = linux\nport = 8080\ncount = 1\nstart = 200ms\n"
                "request_bytes = 100\nresponse_bytes = 500\n"
                "close = client_first\n");
  struct emu_run r;
  emu_start(&r, "simcli.ini", "simcli");
  struct pollfd p = {.fd = l, .events = POLLIN};
  if (poll(&p, 1, 10000) != 1) {
    emu_abandon(&r);
    close(l);
    fail_msg("the simulated client did not connect within 10 s");
  }
  int s = accept(l, NULL, NULL);
  close(l);
  assert_true(s >= 0);
  struct timeval tv = {.tv_sec = 10};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in peer;
  socklen_t plen = sizeof peer;
  assert_int_equal(getpeername(s, (struct sockaddr *)&peer, &plen), 0);
  char peer_s[64];
  snprintf(peer_s, sizeof peer_s, "10.0.0.1:%u", (unsigned)ntohs(peer.sin_port));
  assert_int_equal(peer.sin_addr.s_addr, inet_addr("10.0.0.1"));
  expect_ss("10.0.0.2:8080", peer_s, "ESTAB");

  int end;
  size_t nonzero;
  assert_int_equal(read_upto(s, 100, &end, &nonzero), 100);
  assert_int_equal(nonzero, 0);
  char answer[500];
  memset(answer, 'a', sizeof answer);
  assert_int_equal(send(s, answer, sizeof answer, 0), (ssize_t)sizeof answer);
  char buf[16];
  assert_int_equal(read_upto(s, sizeof buf, &end, NULL), 0);
  assert_int_equal(end, 0); /* the client's FIN, after the answer */
  expect_ss("10.0.0.2:8080", peer_s, "CLOSE-WAIT");
  /* Past Linux's delayed ACK (at most 200 ms): the FIN's ACK goes alone,
   * and the client waits in FIN_WAIT_2 for Linux's FIN. */
  usleep(300000);
  expect_ss("10.0.0.2:8080", peer_s, "CLOSE-WAIT");
  close(s);
  expect_ss("10.0.0.2:8080", peer_s, "");
  emu_finish(&r);

  assert_int_equal(query_long(r.db, "SELECT count(*) FROM runs WHERE "
                              "status='done'"), 1);
  char w[300];
  snprintf(w, sizeof w, "event='send' AND node=1 AND flags='S' AND "
           "dst='10.0.0.2' AND dport=8080 AND sport=%u",
           (unsigned)ntohs(peer.sin_port));
  assert_int_equal(count_segs(r.db, w), 1);
  assert_int_equal(count_segs(r.db, "event='send' AND node=0 AND "
                              "flags='SA' AND sport=8080"), 1);
  assert_int_equal(query_long(r.db, "SELECT sum(len) FROM segments WHERE "
                              "event='recv' AND node=1 AND sport=8080"), 500);
  assert_int_equal(query_long(r.db, "SELECT sum(len) FROM segments WHERE "
                              "event='recv' AND node=0 AND dport=8080"), 100);
  /* The client's FIN comes after the whole answer. */
  assert_int_equal(query_long(r.db,
                   "SELECT count(*) FROM segments f WHERE f.event='send' AND "
                   "f.node=1 AND instr(f.flags,'F') AND f.t_ns >= (SELECT "
                   "max(t_ns) FROM segments WHERE event='recv' AND node=1 "
                   "AND len>0)"), 1);
  expect_transitions(r.db, "active",
                     "CLOSED>SYN_SENT SYN_SENT>ESTABLISHED "
                     "ESTABLISHED>FIN_WAIT_1 FIN_WAIT_1>FIN_WAIT_2 "
                     "FIN_WAIT_2>TIME_WAIT\n");
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM connections WHERE "
                              "node=1 AND kind='active' AND error IS NULL AND "
                              "established_ns IS NOT NULL"), 1);
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM app_events WHERE "
                              "node=1 AND what='response_done'"), 1);
}

/* Abortive close from the simulated side (close = abort: RST once the
 * answer is acknowledged): Linux reads the answer, then ECONNRESET. */
static void test_simulated_abort(void **state)
{
  (void)state;
  skip_if_missing();
  struct emu_run r;
  int s = linux_request(&r, "abort", "3s", "abort", "");
  uint16_t lport = local_port(s);
  int end;
  char buf[16];
  assert_int_equal(read_upto(s, sizeof buf, &end, NULL), 0);
  assert_int_equal(end, ECONNRESET);
  expect_ss_port(lport, "");
  close(s);
  emu_finish(&r);

  char w[300];
  snprintf(w, sizeof w, "event='send' AND node=1 AND instr(flags,'R') AND "
           "dport=%u", (unsigned)lport);
  assert_int_equal(count_segs(r.db, w), 1);
  snprintf(w, sizeof w, "event='send' AND node=0 AND instr(flags,'F') AND "
           "sport=%u", (unsigned)lport);
  assert_int_equal(count_segs(r.db, w), 0);
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM connections WHERE "
                              "node=1 AND kind='passive' AND "
                              "final_state='CLOSED'"), 1);
}

static long read_proc_long(const char *path, long dflt)
{
  FILE *f = fopen(path, "r");
  long v = dflt;
  if (!f)
    return dflt;
  if (fscanf(f, "%ld", &v) != 1)
    v = dflt;
  fclose(f);
  return v;
}

/* The link drops everything the server sends to Linux from 0 to 2.5 s
 * (set_link loss 100%, then loss 0%): the Linux client's SYNs arrive on
 * the schedule of this kernel's settings (read in the namespace): initial
 * RTO 1 s, doubling after each retransmission, or after the first
 * tcp_syn_linear_timeouts ones when that setting exists. The connection
 * is established once the drops end, by Linux's next SYN or by the
 * server's own SYN-ACK retransmission, whichever comes first (so at most
 * one SYN after them). Gaps are checked to -30/+100 ms: the kernel's
 * timer wheel may fire a 1 s timer some tens of ms late. */
#define DROP_UNTIL_NS (2500 * 1000000LL)
static void test_synack_drops(void **state)
{
  (void)state;
  skip_if_missing();
  long retries = read_proc_long("/proc/sys/net/ipv4/tcp_syn_retries", 6);
  long linear = read_proc_long("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", 0);
  if (retries < 3) {
    printf("SKIPPED: tcp_syn_retries = %ld here; the test needs 3\n", retries);
    skip();
  }
  write_ini_for("syndrop.ini", "5s",
                "[workload.server]\ntype = server\nhosts = server\n"
                "port = 80\nrequest_bytes = 0\nresponse_bytes = 0\n"
                "close = never\n\n"
                "[fault.drop]\nat = 0\naction = set_link\n"
                "link = server-linux\nparams = a>b:loss 100%\n\n"
                "[fault.heal]\nat = 2500ms\naction = set_link\n"
                "link = server-linux\nparams = a>b:loss 0%\n");
  struct emu_run r;
  emu_start(&r, "syndrop.ini", "syndrop");
  int s = linux_connect(80);
  int e = errno;
  if (s >= 0)
    close(s);
  emu_finish(&r);
  if (s < 0)
    fail_msg("connect: %s", strerror(e));

  /* Expected instants after the first SYN, in ms. */
  long expect[16];
  int nexp = 1;
  expect[0] = 0;
  for (long k = 1, gap = 1000; k <= retries && nexp < 16; k++) {
    expect[nexp] = expect[nexp - 1] + gap;
    nexp++;
    if (k > linear)
      gap *= 2;
  }
  char *rows = tsup_sql_rows(r.db, "SELECT t_ns FROM segments WHERE "
                             "event='recv' AND node=1 AND flags='S' AND "
                             "src='10.0.0.2' AND dport=80 ORDER BY t_ns");
  long long t[16] = {0};
  int n = 0;
  for (char *line = strtok(rows, "\n"); line && n < 16;
       line = strtok(NULL, "\n"))
    t[n++] = atoll(line);
  free(rows);
  printf("tcp_syn_retries %ld, tcp_syn_linear_timeouts %ld; SYNs at", retries,
         linear);
  for (int i = 0; i < n; i++)
    printf(" %.3f", (double)(t[i] - t[0]) / 1e9);
  printf(" s after the first\n");
  assert_true(n >= 2);
  /* Every SYN expected before the drops end arrived, and at most one
   * after it (the server's own SYN-ACK retransmission may beat Linux's
   * next SYN). */
  int before = 0;
  for (int i = 0; i < nexp; i++)
    if (t[0] + expect[i] * 1000000LL < DROP_UNTIL_NS - 150 * 1000000LL)
      before++;
  assert_true(n >= before);
  assert_true(n <= before + 1);
  for (int i = 1; i < n && i < nexp; i++) {
    long long gap_ms = (t[i] - t[i - 1]) / 1000000;
    long want = expect[i] - expect[i - 1];
    if (gap_ms < want - 30 || gap_ms > want + 100)
      fail_msg("SYN %d came %lld ms after SYN %d, expected %ld ms", i, gap_ms,
               i - 1, want);
  }
  /* Answered once the drops ended, and not before. */
  assert_true(query_long(r.db, "SELECT established_ns FROM connections WHERE "
                         "node=1 AND kind='passive'") >= DROP_UNTIL_NS);
  assert_true(count_segs(r.db, "event='drop' AND flags='SA'") >= 1);
}

/* The simulated server reboots (off from 2 s to 2.5 s) while Linux holds a
 * connection to it: Linux's next data, sent after the boot, gets RST
 * (ECONNRESET on the next read); the new incarnation knows nothing of the
 * connection. */
static void test_simulated_reboot(void **state)
{
  (void)state;
  skip_if_missing();
  struct emu_run r;
  double t0 = now_s();
  int s = linux_request(&r, "reboot", "4s", "never",
                        "[fault.boot]\nat = 2s\naction = reboot\n"
                        "node = server\ndelay = 500ms\n");
  uint16_t lport = local_port(s);
  if (now_s() - t0 > 1.8) {
    emu_abandon(&r);
    fail_msg("the exchange took %.1f s: too slow for a reboot at 2 s",
             now_s() - t0);
  }
  while (now_s() - t0 < 3.0)
    usleep(20000);
  char more[10] = "more data";
  assert_int_equal(send(s, more, sizeof more, 0), (ssize_t)sizeof more);
  int end;
  char buf[16];
  assert_int_equal(read_upto(s, sizeof buf, &end, NULL), 0);
  assert_int_equal(end, ECONNRESET);
  expect_ss_port(lport, "");
  close(s);
  emu_finish(&r);

  assert_true(query_long(r.db, "SELECT count(*) FROM host_events WHERE "
                         "node=1") >= 2);
  char w[300];
  snprintf(w, sizeof w, "event='recv' AND node=1 AND sport=%u AND len=10 "
           "AND t_ns >= 2500000000", (unsigned)lport);
  assert_true(count_segs(r.db, w) >= 1);
  snprintf(w, sizeof w, "event='send' AND node=1 AND instr(flags,'R') AND "
           "dport=%u AND t_ns >= 2500000000", (unsigned)lport);
  assert_true(count_segs(r.db, w) >= 1);
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM connections WHERE "
                              "node=1 AND kind='passive' AND established_ns "
                              "IS NOT NULL AND error IS NOT NULL"), 1);
}

/* Raw IPv4 written into the device from the Linux side (a packet socket on
 * the TUN): a bad header checksum, a bad option length, a bad TCP
 * checksum. Each is counted as malformed and dropped; the run goes on and
 * a real connection still works. */
static uint16_t csum16(const void *data, size_t len, uint32_t sum)
{
  const uint8_t *b = data;
  for (size_t i = 0; i + 1 < len; i += 2)
    sum += (uint32_t)(b[i] << 8 | b[i + 1]);
  if (len & 1)
    sum += (uint32_t)b[len - 1] << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static size_t bad_packet(uint8_t *pkt, int kind)
{
  size_t ihl = kind == 1 ? 24 : 20, len = ihl + 20;
  memset(pkt, 0, len);
  pkt[0] = (uint8_t)(0x40 | ihl / 4);
  pkt[2] = (uint8_t)(len >> 8);
  pkt[3] = (uint8_t)len;
  pkt[8] = 64;
  pkt[9] = IPPROTO_TCP;
  inet_pton(AF_INET, "10.0.0.2", pkt + 12);
  inet_pton(AF_INET, "10.0.0.1", pkt + 16);
  if (kind == 1) { /* an option claiming 9 bytes where 4 are left */
    pkt[20] = 0x44;
    pkt[21] = 9;
  }
  uint8_t *tcp = pkt + ihl;
  tcp[0] = 0x9c; tcp[1] = 0x40;  /* 40000 */
  tcp[3] = 80;
  tcp[12] = 5 << 4;
  tcp[13] = 0x02;                /* SYN */
  tcp[14] = 0xff; tcp[15] = 0xff;
  uint8_t pseudo[12];
  memcpy(pseudo, pkt + 12, 8);
  pseudo[8] = 0;
  pseudo[9] = IPPROTO_TCP;
  pseudo[10] = 0;
  pseudo[11] = 20;
  uint32_t s0 = 0;
  for (int i = 0; i < 12; i += 2)
    s0 += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
  uint16_t tc = csum16(tcp, 20, s0);
  if (kind == 2)
    tc ^= 0x5555;
  tcp[16] = (uint8_t)(tc >> 8);
  tcp[17] = (uint8_t)tc;
  uint16_t hc = csum16(pkt, ihl, 0);
  if (kind == 0)
    hc ^= 0x0101;
  pkt[10] = (uint8_t)(hc >> 8);
  pkt[11] = (uint8_t)hc;
  return len;
}

static void test_malformed_from_linux(void **state)
{
  (void)state;
  skip_if_missing();
  write_ini_for("malformed.ini", "2s",
                "[workload.server]\ntype = server\nhosts = server\n"
                "port = 80\nrequest_bytes = 0\nresponse_bytes = 10\n"
                "close = first\n");
  struct emu_run r;
  emu_start(&r, "malformed.ini", "malformed");
  int ps = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
  if (ps < 0) {
    int e = errno;
    emu_abandon(&r);
    fail_msg("packet socket: %s", strerror(e));
  }
  struct sockaddr_ll ll = {.sll_family = AF_PACKET,
                           .sll_protocol = htons(ETH_P_IP),
                           .sll_ifindex = (int)if_nametoindex(TUN_DEV)};
  assert_true(ll.sll_ifindex > 0);
  for (int kind = 0; kind < 3; kind++) {
    uint8_t pkt[64];
    size_t len = bad_packet(pkt, kind);
    assert_int_equal(sendto(ps, pkt, len, 0, (struct sockaddr *)&ll,
                            sizeof ll), (ssize_t)len);
  }
  close(ps);
  usleep(100000);
  int s = linux_connect(80);
  int e = errno;
  char buf[16];
  int end = -1;
  size_t got = s >= 0 ? read_upto(s, sizeof buf, &end, NULL) : 0;
  if (s >= 0)
    close(s);
  emu_finish(&r);
  if (s < 0)
    fail_msg("connect after the malformed packets: %s", strerror(e));
  assert_int_equal(got, 10);
  assert_int_equal(end, 0);
  assert_int_equal(query_long(r.db, "SELECT value FROM metrics WHERE "
                              "name='emu.tun_rx_malformed'"), 3);
  /* None of them entered the network. */
  assert_int_equal(count_segs(r.db, "sport=40000"), 0);
}

/* tshark on a pcap file: the frames that match filter (a display filter),
 * with the IP and TCP checksums verified. Fails the test when tshark is
 * missing or cannot read the file. */
static int tshark_count(const char *path, const char *filter)
{
  if (sh("command -v tshark >/dev/null 2>&1") != 0)
    fail_msg("tshark is not installed: it is how this test checks the pcap "
             "files (scripts/install-deps.sh installs it)");
  char cmd[1200];
  snprintf(cmd, sizeof cmd,
           "tshark -n -r '%s' -o tcp.check_checksum:TRUE "
           "-o ip.check_checksum:TRUE -Y '%s' 2>'%s.err'", path, filter, path);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  char line[2048];
  int n = 0;
  while (fgets(line, sizeof line, p)) {
    printf("  tshark [%s]: %s", filter, line);
    n++;
  }
  int st = pclose(p);
  if (st != 0) {
    (void)sh("cat '%s.err' >&2", path);
    fail_msg("tshark exited with status %d reading %s", st, path);
  }
  return n;
}

/* The tun node owns a prefix (tun linux addr 10.0.0.2 prefix
 * 10.0.9.0/24), and a router stands between it and the server. Linux
 * connects from 10.0.9.7, an address of the prefix that is not the tun
 * node's own (added to the device for the test): the server's SYN-ACK and
 * answer are routed to the prefix, so back through the TUN, and the
 * exchange completes. With --pcap, the tun node's file holds the segments
 * exchanged with Linux: tshark reads it with no malformed frame or bad
 * checksum, and shows the handshake with the client's address. */
static void test_prefix_client_and_pcap(void **state)
{
  (void)state;
  skip_if_missing();
  char path[400], pcap[300];
  snprintf(path, sizeof path, "%s/tp.topo", g_dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("tun linux addr 10.0.0.2 prefix 10.0.9.0/24\n"
        "router r\n"
        "host server addr 10.0.0.1\n"
        "link linux r rate 100Mbps delay 1ms\n"
        "link r server rate 100Mbps delay 1ms\n", f);
  fclose(f);
  write_ini_topo("prefix.ini", "tp.topo", "3s",
                 "[workload.server]\ntype = server\nhosts = server\n"
                 "port = 80\nrequest_bytes = 100\nresponse_bytes = 1000\n"
                 "close = first\n");
  snprintf(pcap, sizeof pcap, "%s/pcap-prefix", g_dir);
  assert_int_equal(sh("ip addr add 10.0.9.7/32 dev " TUN_DEV), 0);
  struct emu_run r;
  emu_start_pcap(&r, "prefix.ini", "prefix", pcap);
  int s = linux_connect_from("10.0.9.7", 80);
  if (s < 0) {
    int e = errno;
    emu_abandon(&r);
    (void)sh("ip addr del 10.0.9.7/32 dev " TUN_DEV);
    fail_msg("connect from 10.0.9.7 to the simulated server: %s",
             strerror(e));
  }
  uint16_t lport = local_port(s);
  char req[100];
  memset(req, 'q', sizeof req);
  assert_int_equal(send(s, req, sizeof req, 0), (ssize_t)sizeof req);
  int end;
  size_t nonzero;
  size_t got = read_upto(s, 1000, &end, &nonzero);
  char buf[16];
  int end2 = -1;
  size_t more = got == 1000 ? read_upto(s, sizeof buf, &end2, NULL) : 0;
  close(s);
  emu_finish(&r);
  (void)sh("ip addr del 10.0.9.7/32 dev " TUN_DEV);
  assert_int_equal(got, 1000);
  assert_int_equal(nonzero, 0);
  assert_int_equal(more, 0);
  assert_int_equal(end2, 0); /* the server's FIN (close = first) */

  /* Nodes: linux 0, r 1, server 2. */
  char w[300];
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM runs WHERE "
                              "status='done'"), 1);
  snprintf(w, sizeof w, "event='send' AND node=0 AND flags='S' AND "
           "src='10.0.9.7' AND sport=%u AND dport=80", (unsigned)lport);
  assert_int_equal(count_segs(r.db, w), 1);
  snprintf(w, sizeof w, "event='send' AND node=2 AND flags='SA' AND "
           "dst='10.0.9.7' AND dport=%u", (unsigned)lport);
  assert_true(count_segs(r.db, w) >= 1);
  snprintf(w, sizeof w, "event='recv' AND node=0 AND flags='SA' AND "
           "dst='10.0.9.7' AND dport=%u", (unsigned)lport);
  assert_true(count_segs(r.db, w) >= 1);
  snprintf(w, sizeof w, "SELECT sum(len) FROM segments WHERE event='recv' "
           "AND node=0 AND dst='10.0.9.7' AND dport=%u", (unsigned)lport);
  assert_int_equal(query_long(r.db, w), 1000);
  assert_int_equal(count_segs(r.db, "event='drop'"), 0);
  assert_int_equal(query_long(r.db, "SELECT count(*) FROM connections WHERE "
                              "node=2 AND kind='passive' AND established_ns "
                              "IS NOT NULL AND error IS NULL"), 1);
  assert_true(query_long(r.db, "SELECT value FROM metrics WHERE "
                         "name='emu.tun_tx'") >= 3);

  /* pcap: one file per host, the tun node's among them. */
  struct stat st;
  snprintf(path, sizeof path, "%s/server.pcap", pcap);
  assert_int_equal(stat(path, &st), 0);
  snprintf(path, sizeof path, "%s/linux.pcap", pcap);
  assert_int_equal(stat(path, &st), 0);
  assert_true(st.st_size > 24); /* more than the file header */
  assert_int_equal(tshark_count(path, "_ws.malformed || "
                   "ip.checksum.status == \"Bad\" || "
                   "tcp.checksum.status == \"Bad\" || "
                   "_ws.expert.severity == \"Error\""), 0);
  char filter[300];
  snprintf(filter, sizeof filter, "ip.src == 10.0.9.7 && ip.dst == 10.0.0.1 "
           "&& tcp.srcport == %u && tcp.dstport == 80 && tcp.flags.syn == 1 "
           "&& tcp.flags.ack == 0", (unsigned)lport);
  assert_int_equal(tshark_count(path, filter), 1);
  snprintf(filter, sizeof filter, "ip.src == 10.0.0.1 && ip.dst == 10.0.9.7 "
           "&& tcp.dstport == %u && tcp.flags.syn == 1 && tcp.flags.ack == 1",
           (unsigned)lport);
  assert_true(tshark_count(path, filter) >= 1);
  snprintf(filter, sizeof filter, "ip.src == 10.0.9.7 && tcp.srcport == %u "
           "&& tcp.flags.syn == 0 && tcp.flags.ack == 1 && tcp.seq == 1 && "
           "tcp.ack == 1", (unsigned)lport);
  assert_true(tshark_count(path, filter) >= 1); /* the handshake's ACK */
  snprintf(filter, sizeof filter, "ip.dst == 10.0.9.7 && tcp.len > 0");
  assert_true(tshark_count(path, filter) >= 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_linux_client_to_simulated_server),
    cmocka_unit_test(test_linux_client_refused),
    cmocka_unit_test(test_close_linux_first),
    cmocka_unit_test(test_close_simulated_first),
    cmocka_unit_test(test_simulated_client_to_linux),
    cmocka_unit_test(test_simulated_abort),
    cmocka_unit_test(test_synack_drops),
    cmocka_unit_test(test_simulated_reboot),
    cmocka_unit_test(test_malformed_from_linux),
    cmocka_unit_test(test_prefix_client_and_pcap),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
