/*
 * test_pcap.c - pcap files (results/pcap_api.h) checked by an outside
 * reader.
 *
 * The main case runs a whole connection (handshake, 100 bytes, both
 * sides close) between a (10.0.0.1) and b (10.0.0.2), writes one pcap per
 * host, and has tshark read the files back: no malformed packet, IP and
 * TCP checksums verified good, and for every frame the flags, relative
 * sequence and acknowledgement numbers and length tshark decodes equal
 * what this test saw through the core's trace hooks (relative to the ISNs
 * of tcp_sock_info). tshark is a declared dependency
 * (scripts/install-deps.sh): when it is missing the test fails, so a CI
 * machine without it cannot pass silently.
 *
 * The other cases read files with libpcap only: link scope, the selector,
 * the file limit, a directory that is a file, and a full disk (/dev/full).
 */
/* libpcap's headers use the BSD types u_char and u_int, which glibc
 * hides under the build's strict _POSIX_C_SOURCE; _DEFAULT_SOURCE brings
 * them back for this file only. */
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "results/pcap_api.h"
#include "tcp/tcp.h"

/* ====================================================================== */
/* Types                                                                   */
/* ====================================================================== */

#define ADDR_A 0x0a000001u
#define ADDR_B 0x0a000002u
#define MAX_SEGS 64

/* One segment as a host's capture file should hold it. */
struct seg {
  int64_t t_ns;
  int sent;           /* 1: the host sent it; 0: it received it */
  struct tcp_hdr h;
  uint32_t len;
};

struct host_log {
  struct seg s[MAX_SEGS];
  size_t n;
};

struct fixture {
  char dir[64];
  struct sim_world *w;
  struct tcp_module *m;
  uint32_t a, b, r;          /* r: UINT32_MAX in the two-host world */
  struct host_log log[3];    /* by node id */
  struct tcp_sock *listener, *client, *server;
  struct tcp_sock_info ci;   /* client's view, taken when connected */
  uint64_t server_read;
};

/* ====================================================================== */
/* World, applications and our own capture                                 */
/* ====================================================================== */

static void log_seg(struct fixture *f, uint32_t node, int sent,
                    const struct sim_packet *p)
{
  if (node >= 3 || p->proto != 6)
    return;
  struct host_log *l = &f->log[node];
  assert_true(l->n < MAX_SEGS);
  struct seg *s = &l->s[l->n++];
  s->t_ns = sim_now(f->w);
  s->sent = sent;
  assert_int_equal(tcp_packet_hdr(p, &s->h), TCP_OK);
  s->len = p->payload_len;
}

static void hk_send(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, int dir, const struct sim_packet *p)
{
  struct fixture *f = ctx;
  if (sim_node_kind(w, node) == SIM_NODE_HOST)
    log_seg(f, node, 1, p);
}

static void hk_recv(void *ctx, struct sim_world *w, uint32_t node,
                    const struct sim_packet *p)
{
  log_seg(ctx, node, 0, p);
}

static const struct sim_trace_ops log_ops = {.pkt_send = hk_send,
                                             .pkt_recv = hk_recv};

static void srv_readable(struct tcp_sock *s, size_t avail, void *ctx)
{
  struct fixture *f = ctx;
  f->server_read += tcp_recv(s, avail);
}

static void srv_peer_closed(struct tcp_sock *s, void *ctx)
{
  struct fixture *f = ctx;
  assert_int_equal(tcp_close(s), TCP_OK);
  f->server = NULL;
}

static const struct tcp_callbacks srv_cb = {.readable = srv_readable,
                                            .peer_closed = srv_peer_closed};

static void lst_acceptable(struct tcp_sock *l, void *ctx)
{
  struct fixture *f = ctx;
  assert_int_equal(tcp_accept(l, &srv_cb, f, &f->server), TCP_OK);
}

static const struct tcp_callbacks lst_cb = {.acceptable = lst_acceptable};

static void cli_connected(struct tcp_sock *s, void *ctx)
{
  struct fixture *f = ctx;
  assert_int_equal(tcp_sock_info(s, &f->ci), TCP_OK);
  assert_int_equal(tcp_send(s, 100), 100);
  assert_int_equal(tcp_close(s), TCP_OK);
  f->client = NULL;
}

static const struct tcp_callbacks cli_cb = {.connected = cli_connected};

static uint32_t add_node(struct sim_world *w, enum sim_node_kind k,
                         const char *name, uint32_t addr)
{
  uint32_t id;
  assert_int_equal(sim_node_add(w, k, name, &id), SIM_OK);
  if (addr)
    assert_int_equal(sim_node_add_addr(w, id, addr), SIM_OK);
  return id;
}

/* a -- b, or a -- r -- b with a router. */
static void build(struct fixture *f, int with_router)
{
  struct sim_link_params lp;
  sim_link_params_default(&lp);
  f->w = sim_world_new(7);
  assert_non_null(f->w);
  f->a = add_node(f->w, SIM_NODE_HOST, "a", ADDR_A);
  f->b = add_node(f->w, SIM_NODE_HOST, "b", ADDR_B);
  f->r = UINT32_MAX;
  if (with_router) {
    f->r = add_node(f->w, SIM_NODE_ROUTER, "r", 0);
    assert_int_equal(sim_link_add(f->w, f->a, f->r, &lp, NULL, NULL), SIM_OK);
    assert_int_equal(sim_link_add(f->w, f->r, f->b, &lp, NULL, NULL), SIM_OK);
  } else {
    assert_int_equal(sim_link_add(f->w, f->a, f->b, &lp, NULL, NULL), SIM_OK);
  }
  assert_int_equal(sim_routes_compute(f->w), SIM_OK);
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  f->m = tcp_install(f->w, &s);
  assert_non_null(f->m);
  assert_int_equal(sim_trace_subscribe(f->w, &log_ops, f), SIM_OK);
}

/* Listener on b:80; a connects, sends 100 bytes and closes; b reads and
 * closes on a's FIN. Long enough for TIME_WAIT (60 s on Linux) to end. */
static void run_exchange(struct fixture *f)
{
  assert_int_equal(tcp_socket(f->m, f->b, 1, &lst_cb, f, &f->listener),
                   TCP_OK);
  assert_int_equal(tcp_bind(f->listener, 0, 80), TCP_OK);
  assert_int_equal(tcp_listen(f->listener, 8), TCP_OK);
  assert_int_equal(tcp_socket(f->m, f->a, 1, &cli_cb, f, &f->client), TCP_OK);
  assert_int_equal(tcp_connect(f->client, ADDR_B, 80), TCP_OK);
  assert_int_equal(sim_run(f->w, 200 * SIM_S), SIM_OK);
  assert_int_equal(f->server_read, 100);
  assert_null(f->client);
  assert_null(f->server);
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  snprintf(f->dir, sizeof f->dir, "/tmp/tcpsim-pcap-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  *state = f;
  return 0;
}

static void rm_rf(const char *dir)
{
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "test_pcap: could not remove %s\n", dir);
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  if (f->w)
    sim_world_free(f->w);
  if (f->m)
    tcp_free(f->m);
  rm_rf(f->dir);
  free(f);
  return 0;
}

static void path_in(const struct fixture *f, const char *name, char *out,
                    size_t cap)
{
  snprintf(out, cap, "%s/%s", f->dir, name);
}

static int exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

/* Regular files in DIR. */
static int count_files(const char *dir)
{
  char cmd[160];
  snprintf(cmd, sizeof cmd, "ls -1 '%s' | wc -l", dir);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  int n = -1;
  assert_int_equal(fscanf(p, "%d", &n), 1);
  pclose(p);
  return n;
}

/* Packets in a pcap file read with libpcap; first timestamp in ns. */
static int pcap_count(const char *path, int64_t *first_ns, int *linktype)
{
  char eb[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline_with_tstamp_precision(
      path, PCAP_TSTAMP_PRECISION_NANO, eb);
  if (!p)
    fail_msg("libpcap cannot read %s: %s", path, eb);
  struct pcap_pkthdr *h;
  const u_char *d;
  int n = 0;
  *linktype = pcap_datalink(p);
  while (pcap_next_ex(p, &h, &d) == 1) {
    if (n == 0)
      *first_ns = (int64_t)h->ts.tv_sec * SIM_S + h->ts.tv_usec;
    n++;
  }
  pcap_close(p);
  return n;
}

/* ====================================================================== */
/* tshark                                                                  */
/* ====================================================================== */

static void require_tshark(void)
{
  if (system("command -v tshark >/dev/null 2>&1") != 0)
    fail_msg("tshark is not installed: it is how this test checks the pcap "
             "files. Install it with scripts/install-deps.sh (Debian "
             "package tshark).");
}

/* tshark's stderr goes to PATH.err (it warns about running as root, which
 * is noise); shown only when it fails. */
static void tshark_failed(const char *path, int status)
{
  char ep[160], line[512];
  snprintf(ep, sizeof ep, "%s.err", path);
  FILE *e = fopen(ep, "r");
  while (e && fgets(line, sizeof line, e))
    fprintf(stderr, "  tshark stderr: %s", line);
  if (e)
    fclose(e);
  fail_msg("tshark exited with status %d reading %s", status, path);
}

/* Fields tshark decodes for one frame. */
struct tsk_frame {
  unsigned flags;
  long seq, ack, len;
  char ipck[16], tcpck[16], malformed[16], expert[512];
};

/* Split a line on tabs in place; returns the field count. */
static int split_tabs(char *line, char **fld, int max)
{
  int n = 0;
  char *s = line;
  while (n < max) {
    fld[n++] = s;
    char *t = strchr(s, '\t');
    if (!t)
      break;
    *t = '\0';
    s = t + 1;
  }
  return n;
}

/* Run tshark on path; fill frames; returns how many. Any line that is not
 * a frame (a warning, an error) fails the test with it. */
static size_t tshark_read(const char *path, struct tsk_frame *fr, size_t cap)
{
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "tshark -n -r '%s' -o tcp.check_checksum:TRUE "
           "-o ip.check_checksum:TRUE -o tcp.relative_sequence_numbers:TRUE "
           "-T fields -E separator=/t -e frame.number -e tcp.flags "
           "-e tcp.seq -e tcp.ack -e tcp.len -e ip.checksum.status "
           "-e tcp.checksum.status -e _ws.malformed -e _ws.expert.message "
           "2>'%s.err'",
           path, path);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  char line[2048];
  size_t n = 0;
  while (fgets(line, sizeof line, p)) {
    line[strcspn(line, "\r\n")] = '\0';
    printf("  tshark %s: %s\n", strrchr(path, '/') + 1, line);
    char *fld[9] = {0};
    int nf = split_tabs(line, fld, 9);
    if (nf < 8 || atol(fld[0]) != (long)n + 1)
      fail_msg("tshark said something unexpected about %s: %s", path, line);
    assert_true(n < cap);
    struct tsk_frame *t = &fr[n++];
    t->flags = (unsigned)strtoul(fld[1], NULL, 16);
    t->seq = atol(fld[2]);
    t->ack = atol(fld[3]);
    t->len = atol(fld[4]);
    snprintf(t->ipck, sizeof t->ipck, "%s", fld[5]);
    snprintf(t->tcpck, sizeof t->tcpck, "%s", fld[6]);
    snprintf(t->malformed, sizeof t->malformed, "%s", fld[7]);
    snprintf(t->expert, sizeof t->expert, "%s", nf > 8 ? fld[8] : "");
  }
  int st = pclose(p);
  if (st != 0)
    tshark_failed(path, st);
  return n;
}

/* Frames tshark itself flags: malformed, a bad checksum, or any expert
 * item at error severity. Counted by tshark's own filter, so we do not
 * depend on how it prints these fields. */
static int tshark_count_bad(const char *path)
{
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "tshark -n -r '%s' -o tcp.check_checksum:TRUE "
           "-o ip.check_checksum:TRUE -Y '_ws.malformed || "
           "ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\" || "
           "_ws.expert.severity == \"Error\"' 2>'%s.err'",
           path, path);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  char line[2048];
  int n = 0;
  while (fgets(line, sizeof line, p)) {
    printf("  tshark bad frame in %s: %s", path, line);
    n++;
  }
  int st = pclose(p);
  if (st != 0)
    tshark_failed(path, st);
  return n;
}

/* tshark prints checksum status as its number (1 = Good) or, in some
 * versions, as the name. 2 (Unverified) is not accepted: verification
 * was turned on, so "unverified" would mean it did not happen. */
static int ck_good(const char *s)
{
  return strcmp(s, "1") == 0 || strcmp(s, "Good") == 0;
}

/* Compare a host's file with what the hooks saw. iss/irs are that
 * host's own initial sequence numbers (sent, received). */
static void check_host_file(struct fixture *f, uint32_t node, uint32_t iss,
                            uint32_t irs)
{
  char path[128];
  char name[16];
  snprintf(name, sizeof name, "%s.pcap", sim_node_name(f->w, node));
  path_in(f, name, path, sizeof path);
  struct tsk_frame fr[MAX_SEGS];
  size_t n = tshark_read(path, fr, MAX_SEGS);
  const struct host_log *l = &f->log[node];
  assert_int_equal(n, l->n);
  for (size_t i = 0; i < n; i++) {
    const struct seg *s = &l->s[i];
    /* The direction decides which ISN a number is relative to. */
    uint32_t seq0 = s->sent ? iss : irs;
    uint32_t ack0 = s->sent ? irs : iss;
    long want_seq = (long)(uint32_t)(s->h.seq - seq0);
    long want_ack = (s->h.flags & TCP_F_ACK) ? (long)(uint32_t)(s->h.ack - ack0)
                                             : 0;
    if ((fr[i].flags & 0x3fu) != s->h.flags || fr[i].seq != want_seq ||
        fr[i].ack != want_ack || fr[i].len != (long)s->len)
      fail_msg("%s frame %zu: tshark flags 0x%02x seq %ld ack %ld len %ld; "
               "trace flags 0x%02x seq %ld ack %ld len %u",
               name, i + 1, fr[i].flags, fr[i].seq, fr[i].ack, fr[i].len,
               (unsigned)s->h.flags, want_seq, want_ack, s->len);
    if (!ck_good(fr[i].ipck) || !ck_good(fr[i].tcpck))
      fail_msg("%s frame %zu: checksum status ip %s tcp %s", name, i + 1,
               fr[i].ipck, fr[i].tcpck);
    assert_string_equal(fr[i].malformed, "");
  }
  /* The handshake as tshark sees it, spelled out. */
  assert_true(n >= 3);
  assert_int_equal(fr[0].flags & 0x3fu, TCP_F_SYN);
  assert_int_equal(fr[0].seq, 0);
  assert_int_equal(fr[1].flags & 0x3fu, TCP_F_SYN | TCP_F_ACK);
  assert_int_equal(fr[1].seq, 0);
  assert_int_equal(fr[1].ack, 1);
  assert_int_equal(fr[2].flags & 0x3fu, TCP_F_ACK);
  assert_int_equal(fr[2].seq, 1);
  assert_int_equal(fr[2].ack, 1);
  assert_int_equal(tshark_count_bad(path), 0);
}

/* ====================================================================== */
/* Tests                                                                   */
/* ====================================================================== */

static void test_pcap_hosts_read_by_tshark(void **state)
{
  struct fixture *f = *state;
  char err[512];
  require_tshark();
  build(f, 0);
  struct res_pcap *pc;
  assert_int_equal(res_pcap_open(f->w, f->dir, RES_PCAP_HOSTS, NULL, &pc,
                                 err, sizeof err), 0);
  assert_int_equal(res_pcap_file_count(pc), 2);
  run_exchange(f);
  assert_int_equal(res_pcap_close(pc, err, sizeof err), 0);

  /* Each file also holds the peer's view: a receives what b sends. */
  assert_true(f->log[f->a].n >= 8);
  assert_int_equal(f->log[f->a].n, f->log[f->b].n);
  check_host_file(f, f->a, f->ci.iss, f->ci.irs);
  check_host_file(f, f->b, f->ci.irs, f->ci.iss);

  /* Nanosecond stamps equal simulated time. */
  char path[128];
  int64_t t0 = -1;
  int lt = 0;
  path_in(f, "a.pcap", path, sizeof path);
  assert_int_equal(pcap_count(path, &t0, &lt), (int)f->log[f->a].n);
  assert_int_equal(t0, f->log[f->a].s[0].t_ns);
  assert_int_equal(lt, DLT_IPV4);
  path_in(f, "b.pcap", path, sizeof path);
  assert_int_equal(pcap_count(path, &t0, &lt), (int)f->log[f->b].n);
  assert_int_equal(t0, f->log[f->b].s[0].t_ns);
}

static void test_pcap_links_one_file_per_link(void **state)
{
  struct fixture *f = *state;
  char err[512];
  build(f, 1);
  struct res_pcap *pc;
  assert_int_equal(res_pcap_open(f->w, f->dir, RES_PCAP_LINKS, NULL, &pc,
                                 err, sizeof err), 0);
  assert_int_equal(res_pcap_file_count(pc), 2);
  run_exchange(f);
  assert_int_equal(res_pcap_close(pc, err, sizeof err), 0);
  assert_int_equal(count_files(f->dir), 2);

  /* Every segment crosses both links once: each file holds all of a's
   * and all of b's segments. */
  char path[128];
  int64_t t0;
  int lt;
  path_in(f, "link-0-a-r.pcap", path, sizeof path);
  assert_int_equal(pcap_count(path, &t0, &lt), (int)f->log[f->a].n);
  path_in(f, "link-1-r-b.pcap", path, sizeof path);
  assert_int_equal(pcap_count(path, &t0, &lt), (int)f->log[f->b].n);
}

static void test_pcap_selector_limits_files(void **state)
{
  struct fixture *f = *state;
  char err[512];
  char path[128];
  build(f, 1);
  struct res_pcap *pc;

  assert_int_equal(res_pcap_open(f->w, f->dir, RES_PCAP_HOSTS, "b", &pc, err,
                                 sizeof err), 0);
  assert_int_equal(res_pcap_file_count(pc), 1);
  run_exchange(f);
  assert_int_equal(res_pcap_close(pc, err, sizeof err), 0);
  assert_int_equal(count_files(f->dir), 1);
  path_in(f, "b.pcap", path, sizeof path);
  assert_true(exists(path));

  /* Link scope: links touching a named node, routers allowed. */
  assert_int_equal(res_pcap_open(f->w, f->dir, RES_PCAP_LINKS, "a", &pc, err,
                                 sizeof err), 0);
  assert_int_equal(res_pcap_file_count(pc), 1);
  assert_int_equal(res_pcap_close(pc, err, sizeof err), 0);
  assert_int_equal(res_pcap_open(f->w, f->dir, RES_PCAP_LINKS, "r", &pc, err,
                                 sizeof err), 0);
  assert_int_equal(res_pcap_file_count(pc), 2);
  assert_int_equal(res_pcap_close(pc, err, sizeof err), 0);

  /* Typos and routers in host scope fail loudly. */
  assert_int_equal(res_pcap_open(f->w, f->dir, RES_PCAP_HOSTS, "a,zz", &pc,
                                 err, sizeof err), SIM_ENOENT);
  assert_null(pc);
  assert_non_null(strstr(err, "\"zz\""));
  assert_int_equal(res_pcap_open(f->w, f->dir, RES_PCAP_HOSTS, "r", &pc, err,
                                 sizeof err), SIM_EINVAL);
  assert_non_null(strstr(err, "router"));
  assert_int_equal(res_pcap_open(f->w, f->dir, RES_PCAP_HOSTS, "a,,b", &pc,
                                 err, sizeof err), SIM_EINVAL);
}

static void test_pcap_too_many_files_refused(void **state)
{
  struct fixture *f = *state;
  char err[512];
  f->w = sim_world_new(1);
  assert_non_null(f->w);
  char name[16];
  for (int i = 0; i <= RES_PCAP_MAX_FILES; i++) {
    snprintf(name, sizeof name, "h%d", i);
    add_node(f->w, SIM_NODE_HOST, name, 0x0b000000u + (uint32_t)i + 1);
  }
  char sub[128];
  path_in(f, "many", sub, sizeof sub);
  struct res_pcap *pc;
  assert_int_equal(res_pcap_open(f->w, sub, RES_PCAP_HOSTS, NULL, &pc, err,
                                 sizeof err), SIM_EINVAL);
  assert_null(pc);
  assert_non_null(strstr(err, "selector"));
  assert_false(exists(sub)); /* refused before anything was created */

  /* A selector brings it under the limit; the directory is created. */
  assert_int_equal(res_pcap_open(f->w, sub, RES_PCAP_HOSTS, "h3,h1000", &pc,
                                 err, sizeof err), 0);
  assert_int_equal(res_pcap_file_count(pc), 2);
  assert_int_equal(res_pcap_close(pc, err, sizeof err), 0);
  assert_int_equal(count_files(sub), 2);
}

static void test_pcap_dir_is_a_file(void **state)
{
  struct fixture *f = *state;
  char err[512];
  char file[128], below[160];
  build(f, 0);
  path_in(f, "plain", file, sizeof file);
  FILE *fp = fopen(file, "w");
  assert_non_null(fp);
  fclose(fp);
  struct res_pcap *pc = (struct res_pcap *)f; /* must be reset to NULL */
  assert_int_equal(res_pcap_open(f->w, file, RES_PCAP_HOSTS, NULL, &pc, err,
                                 sizeof err), RES_PCAP_EFILE);
  assert_null(pc);
  assert_non_null(strstr(err, file));
  assert_non_null(strstr(err, "not a directory"));

  snprintf(below, sizeof below, "%s/sub", file);
  assert_int_equal(res_pcap_open(f->w, below, RES_PCAP_LINKS, NULL, &pc, err,
                                 sizeof err), RES_PCAP_EFILE);
  assert_non_null(strstr(err, below));
}

static void test_pcap_disk_full_reported(void **state)
{
  struct fixture *f = *state;
  char err[512];
  char path[128];
  if (!exists("/dev/full"))
    skip();
  build(f, 0);
  path_in(f, "a.pcap", path, sizeof path);
  /* fopen follows the link: every write to a.pcap fails with ENOSPC. */
  assert_int_equal(symlink("/dev/full", path), 0);
  struct res_pcap *pc;
  assert_int_equal(res_pcap_open(f->w, f->dir, RES_PCAP_HOSTS, NULL, &pc,
                                 err, sizeof err), 0);
  run_exchange(f); /* the simulation goes on regardless */
  assert_int_equal(res_pcap_close(pc, err, sizeof err), RES_PCAP_EFILE);
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, strerror(ENOSPC)));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_pcap_hosts_read_by_tshark, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_pcap_links_one_file_per_link, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_pcap_selector_limits_files, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_pcap_too_many_files_refused, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_pcap_dir_is_a_file, setup, teardown),
    cmocka_unit_test_setup_teardown(test_pcap_disk_full_reported, setup,
                                    teardown),
  };
  return cmocka_run_group_tests_name("results/pcap", tests, NULL, NULL);
}
