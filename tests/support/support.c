/*
 * support.c - shared test helpers; see support.h.
 */
#include <sqlite3.h>

#include "tests/support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void mix(struct tsup_digest *d, uint64_t v)
{
  /* FNV-1a over the eight bytes of v, low byte first. */
  for (int i = 0; i < 8; i++) {
    d->h ^= (v >> (8 * i)) & 0xff;
    d->h *= 0x100000001b3ULL;
  }
}

static void mix_packet(struct tsup_digest *d, struct sim_world *w,
                       uint64_t kind, uint32_t node, uint32_t link,
                       uint64_t extra, const struct sim_packet *p)
{
  d->events++;
  mix(d, kind);
  mix(d, (uint64_t)sim_now(w));
  mix(d, node);
  mix(d, link);
  mix(d, extra);
  mix(d, p->uid);
  mix(d, (uint64_t)p->src << 32 | p->dst);
  mix(d, (uint64_t)p->proto << 48 | (uint64_t)p->flags << 32 | p->payload_len);
  for (size_t i = 0; i < p->l4_hdr_len && i < SIM_L4_AREA; i++)
    mix(d, p->l4[i]);
}

static void on_send(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, int dir, const struct sim_packet *p)
{
  mix_packet(ctx, w, 1, node, link, (uint64_t)dir, p);
}

static void on_recv(void *ctx, struct sim_world *w, uint32_t node,
                    const struct sim_packet *p)
{
  mix_packet(ctx, w, 2, node, 0, 0, p);
}

static void on_drop(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, enum sim_drop_reason why,
                    const struct sim_packet *p)
{
  mix_packet(ctx, w, 3, node, link, (uint64_t)why, p);
}

static void on_host(void *ctx, struct sim_world *w, uint32_t node,
                    enum sim_host_event ev, uint32_t epoch)
{
  struct tsup_digest *d = ctx;
  d->events++;
  mix(d, 4);
  mix(d, (uint64_t)sim_now(w));
  mix(d, node);
  mix(d, (uint64_t)ev << 32 | epoch);
}

void tsup_digest_attach(struct sim_world *w, struct tsup_digest *d)
{
  static const struct sim_trace_ops ops = {
      .pkt_send = on_send, .pkt_recv = on_recv, .pkt_drop = on_drop,
      .host = on_host};
  d->h = 0xcbf29ce484222325ULL;
  d->events = 0;
  assert_int_equal(sim_trace_subscribe(w, &ops, d), SIM_OK);
}

int tsup_run(char **output, char *const argv[])
{
  int fds[2];
  if (pipe(fds) != 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    if (chdir(TCPSIM_SOURCE_DIR) != 0)
      _exit(127);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  ssize_t r;
  while (buf && (r = read(fds[0], buf + len, cap - len - 1)) > 0) {
    len += (size_t)r;
    if (cap - len < 2) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  close(fds[0]);
  if (buf)
    buf[len] = '\0';
  *output = buf;
  int st;
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
    return -1;
  return WEXITSTATUS(st);
}

/* argv for the tcpsim binary: arg, then the va_list up to its NULL. */
static void tcpsim_argv(char *argv[64], const char *arg, va_list ap)
{
  int n = 0;
  argv[n++] = (char *)TCPSIM_BINARY;
  for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *))
    argv[n++] = (char *)a;
  argv[n] = NULL;
}

int tsup_run_tcpsim(char **output, const char *arg, ...)
{
  char *argv[64];
  va_list ap;
  va_start(ap, arg);
  tcpsim_argv(argv, arg, ap);
  va_end(ap);
  return tsup_run(output, argv);
}

int tsup_tcpsim(const char *arg, ...)
{
  char *argv[64], *out;
  va_list ap;
  va_start(ap, arg);
  tcpsim_argv(argv, arg, ap);
  va_end(ap);
  int rc = tsup_run(&out, argv);
  if (rc != 0)
    fprintf(stderr, "%s\n", out);
  free(out);
  return rc;
}

char *tsup_check_ok(const char *check_file, const char *db)
{
  char *out;
  int rc = tsup_run_tcpsim(&out, "check", check_file, "--db", db, NULL);
  if (rc != 0)
    fprintf(stderr, "%s\n", out);
  assert_int_equal(rc, 0);
  return out;
}

char *tsup_check_fails(const char *check_file, const char *db,
                       const char *runs)
{
  char *out;
  assert_int_equal(tsup_run_tcpsim(&out, "check", check_file, "--db", db,
                                   runs ? "--runs" : NULL, runs, NULL),
                   1);
  return out;
}

int tsup_count(const char *s, const char *sub)
{
  int n = 0;
  for (const char *p = s; (p = strstr(p, sub)) != NULL; p++)
    n++;
  return n;
}

int tsup_plot(char **output, const char *script, const char *db,
              const char *png, const char *extra)
{
  char vars[4096];
  int n = snprintf(vars, sizeof vars, "db='%s'; out='%s'%s", db, png,
                   extra ? extra : "");
  assert_true(n > 0 && (size_t)n < sizeof vars);
  char *const argv[] = {"gnuplot", "-e", vars, (char *)script, NULL};
  return tsup_run(output, argv);
}

/* Reads the first 8 bytes of path (which must open) into sig; returns
 * how many there were. */
static size_t png_head(const char *path, unsigned char sig[8])
{
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t n = fread(sig, 1, 8, f);
  fclose(f);
  return n;
}

void tsup_assert_png(const char *path)
{
  unsigned char sig[8] = {0};
  assert_int_equal(png_head(path, sig), 8);
  assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
}

void tsup_plot_ok(const char *script, const char *db, const char *dir,
                  const char *name)
{
  char png[4096], *out;
  snprintf(png, sizeof png, "%s/%s", dir, name);
  int rc = tsup_plot(&out, script, db, png, NULL);
  if (rc != 0)
    fprintf(stderr, "%s\n", out);
  free(out);
  assert_int_equal(rc, 0);
  unsigned char sig[8] = {0};
  size_t n = png_head(png, sig);
  unlink(png); /* before the signature is asserted: nothing left behind */
  assert_int_equal(n, 8);
  assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
}

static const char *tmpdir(void)
{
  const char *tmp = getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

void tsup_tmp_path(char *buf, size_t cap, const char *name,
                   const char *suffix)
{
  snprintf(buf, cap, "%s/%s-%ld%s", tmpdir(), name, (long)getpid(), suffix);
}

int tsup_tmp_dir(char *buf, size_t cap, const char *name)
{
  snprintf(buf, cap, "%s/%s-XXXXXX", tmpdir(), name);
  return mkdtemp(buf) ? 0 : -1;
}

void tsup_fresh_db(char *buf, size_t cap, const char *name)
{
  static int k;
  snprintf(buf, cap, "/tmp/%s-%ld-%d.db", name, (long)getpid(), k++);
  unlink(buf);
}

void tsup_remove_db(const char *path)
{
  char p[4096];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
}

const char *tsup_temp_file(const char *suffix, const char *text)
{
  static char path[256];
  char dir[] = "/tmp/tcpsim-test-XXXXXX";
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/t%s", dir, suffix);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fputs(text, f) >= 0, 1);
  assert_int_equal(fclose(f), 0);
  return path;
}

int64_t tsup_sql_int(const char *path, const char *sql)
{
  sqlite3 *h = NULL;
  sqlite3_stmt *st = NULL;
  int64_t v = -999;
  assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(h));
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

char *tsup_sql_rows(const char *path, const char *sql)
{
  sqlite3 *h = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
                   SQLITE_OK);
  if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(h));
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  assert_non_null(f);
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); c++) {
      const unsigned char *t = sqlite3_column_text(st, c);
      fprintf(f, "%s%s", c ? "|" : "", t ? (const char *)t : "NULL");
    }
    fputc('\n', f);
  }
  fclose(f);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}
