/*
 * sweep.c - the runs of a sweep into one results database, one after
 * another or in parallel worker processes (`tcpsim sweep FILE --jobs N`).
 *
 * Parallel runs do not share a database connection: SQLite lets one writer
 * at a time in, and a recorder keeps a transaction open while the
 * simulation runs, so shared writers would take turns. Instead:
 *   1. the parent opens the database and makes one runs row per point, in
 *      sweep order, status 'running' (placeholders: the ids are fixed
 *      before anything runs, and a sweep that dies leaves runs that never
 *      look complete);
 *   2. each worker (fork) runs one point into a private database file
 *      DB.sweep-PID/run-ID.db, with the run id of its placeholder, its
 *      stdout and stderr going to files beside it;
 *   3. as each worker ends, the parent copies its run into the database in
 *      one transaction (res_run_merge), replacing the placeholder, and
 *      prints what the worker printed.
 * The result digests do not include the run id, the wall clock or paths,
 * so every run has the same digest for any number of workers.
 *
 * Ctrl-C: workers are in the parent's process group and stop their runs
 * ('interrupted'); the parent forwards a SIGINT it receives alone, starts
 * nothing new, merges what the workers wrote and marks the runs never
 * started 'interrupted'.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "experiments/exp_int.h"
#include "results/results.h"
#include "tcpsim_version.h"

static double sweep_mono(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int worst(int a, int b)
{
  return a > b ? a : b;
}

/* ====================================================================== */
/* One after another                                                       */
/* ====================================================================== */

static int sweep_serial(struct exp_config *const *points, size_t n,
                        const struct exp_run_opts *opts, bool progress,
                        int64_t ids[2])
{
  int rc = 0;
  for (size_t k = 0; k < n; k++) {
    struct exp_run_opts o = *opts;
    struct exp_run_result r;
    o.progress = progress;
    o.pcap_per_run = n > 1;
    o.brief = n > 1;
    if (n > 1)
      printf("[%zu/%zu] ", k + 1, n);
    fflush(stdout);
    int one = exp_run(points[k], &o, &r);
    rc = worst(rc, one);
    if (r.run_id > 0) {
      ids[0] = ids[0] ? ids[0] : r.run_id;
      ids[1] = r.run_id;
    }
    /* Stop on Ctrl-C and on bad input (the next points share it). */
    if (one == 2 || (r.status && !strcmp(r.status, "interrupted")))
      break;
  }
  return rc;
}

/* ====================================================================== */
/* Worker processes                                                        */
/* ====================================================================== */

static volatile sig_atomic_t g_sweep_stop;
static pid_t *volatile g_sweep_pids; /* running workers, 0 = free slot */
static volatile unsigned g_sweep_npids;

static void sweep_on_sigint(int sig)
{
  (void)sig;
  if (g_sweep_stop)
    return;
  g_sweep_stop = 1;
  for (unsigned i = 0; i < g_sweep_npids; i++)
    if (g_sweep_pids && g_sweep_pids[i] > 0)
      kill(g_sweep_pids[i], SIGINT);
}

struct sweep_ctx {
  struct exp_config *const *points;
  size_t n;
  const struct exp_run_opts *opts;
  const char *db_path;
  char dir[4096];
  int64_t *ids;
  size_t *slot_point; /* point run by each worker slot */
};

static void sweep_file(const struct sweep_ctx *c, size_t k, const char *ext,
                       char *buf, size_t cap)
{
  snprintf(buf, cap, "%s/run-%" PRId64 "%s", c->dir, c->ids[k], ext);
}

/* The placeholders, in sweep order. */
static int make_placeholders(struct res_db *db, const struct sweep_ctx *c)
{
  static const char *const traces[] = {"run", "summary", "transitions",
                                       "segments"};
  for (size_t k = 0; k < c->n; k++) {
    const struct exp_config *p = c->points[k];
    char *text = exp_config_text(p);
    struct res_run_info info = {
        .config = text, .seed = p->seed, .topology_path = p->topology,
        .version = TCPSIM_VERSION, .profile = tcp_profile_name(p->profile),
        .trace_level = traces[p->trace]};
    int r = res_run_begin(db, &info, &c->ids[k]);
    free(text);
    if (r != RES_OK) {
      fprintf(stderr, "tcpsim sweep: %s: %s\n", c->db_path, res_errmsg(db));
      while (k-- > 0) /* none of them will run */
        (void)res_run_end(db, c->ids[k], "failed", 0, 0, NULL);
      return -1;
    }
  }
  return 0;
}

/* A worker's SIGINT outside its run: the parent forwards one to each
 * worker while the terminal sends one to the whole job, so a second may
 * come while the run is being written; it must not kill the worker. */
static void worker_on_sigint(int sig)
{
  (void)sig;
}

/* The worker: one run into its own file, output into files. Never
 * returns. */
static void worker(const struct sweep_ctx *c, size_t k)
{
  char path[4200];
  struct sigaction wsa = {.sa_handler = worker_on_sigint};
  sigemptyset(&wsa.sa_mask);
  sigaction(SIGINT, &wsa, NULL);
  sweep_file(c, k, ".out", path, sizeof path);
  if (!freopen(path, "w", stdout))
    _exit(1);
  sweep_file(c, k, ".err", path, sizeof path);
  if (!freopen(path, "w", stderr))
    _exit(1);
  sweep_file(c, k, ".db", path, sizeof path);
  struct exp_run_opts o = *c->opts;
  o.db = path;
  o.run_id = c->ids[k];
  o.progress = false;
  o.pcap_per_run = true;
  o.brief = true;
  int rc = exp_run(c->points[k], &o, NULL);
  fflush(stdout);
  fflush(stderr);
  _exit(rc);
}

/* Copy a file's contents to f. */
static void echo_file(const char *path, FILE *f)
{
  FILE *in = fopen(path, "r");
  if (!in)
    return;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, in)) > 0)
    fwrite(buf, 1, got, f);
  fclose(in);
}

static void remove_run_files(const struct sweep_ctx *c, size_t k)
{
  static const char *const ext[] = {".db", ".db-wal", ".db-shm", ".out",
                                    ".err"};
  char path[4200];
  for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
    sweep_file(c, k, ext[i], path, sizeof path);
    (void)unlink(path);
  }
}

/* A worker ended with exit status code: merge its run, print its output. */
static int collect(struct res_db *db, const struct sweep_ctx *c, size_t k,
                   int code, size_t done)
{
  char path[4200];
  printf("[%zu/%zu] ", done, c->n);
  sweep_file(c, k, ".out", path, sizeof path);
  echo_file(path, stdout);
  fflush(stdout);
  sweep_file(c, k, ".err", path, sizeof path);
  echo_file(path, stderr);
  sweep_file(c, k, ".db", path, sizeof path);
  if (access(path, F_OK) != 0 || res_run_merge(db, path, c->ids[k]) != RES_OK) {
    if (access(path, F_OK) == 0)
      fprintf(stderr, "tcpsim sweep: %s\n", res_errmsg(db));
    /* the worker wrote nothing usable: the placeholder records a failure */
    (void)res_run_end(db, c->ids[k], "failed", 0, 0, NULL);
    code = worst(code, 1);
  } else {
    /* A worker that died inside its run left it 'running'. */
    struct res_run_record r;
    if (res_run_load(db, c->ids[k], &r) == RES_OK) {
      if (!strcmp(r.status, "running")) {
        (void)res_run_end(db, c->ids[k], g_sweep_stop ? "interrupted" : "failed",
                          0, 0, NULL);
        code = worst(code, 1);
      }
      res_run_record_free(&r);
    }
  }
  remove_run_files(c, k);
  return code;
}

static int sweep_parallel(struct exp_config *const *points, size_t n,
                          const struct exp_run_opts *opts, unsigned jobs,
                          bool progress, int64_t ids[2])
{
  struct sweep_ctx c = {.points = points, .n = n, .opts = opts};
  struct res_db *db = NULL;
  char msg[1200];
  int rc = 0;

  c.db_path = opts->db && *opts->db ? opts->db : points[0]->db;
  for (size_t k = 1; k < n; k++)
    if (!(opts->db && *opts->db) && strcmp(points[k]->db, c.db_path) != 0) {
      fprintf(stderr, "tcpsim sweep: all runs of a sweep go to one database; "
                      "run.db cannot vary ('%s', '%s')\n",
              c.db_path, points[k]->db);
      return 2;
    }
  c.ids = calloc(n, sizeof *c.ids);
  c.slot_point = calloc(jobs, sizeof *c.slot_point);
  pid_t *pids = calloc(jobs, sizeof *pids);
  char *started = calloc(n, 1);
  if (!c.ids || !c.slot_point || !pids || !started) {
    fprintf(stderr, "tcpsim sweep: out of memory\n");
    rc = 1;
    goto out;
  }
  if (res_open(c.db_path, &db, msg, sizeof msg) != RES_OK) {
    fprintf(stderr, "tcpsim sweep: %s\n", msg);
    rc = 2;
    goto out;
  }
  if (make_placeholders(db, &c) != 0) {
    rc = 1;
    goto out;
  }
  ids[0] = c.ids[0];
  ids[1] = c.ids[n - 1];
  snprintf(c.dir, sizeof c.dir, "%s.sweep-%ld", c.db_path, (long)getpid());
  if (mkdir(c.dir, 0700) != 0) {
    fprintf(stderr, "tcpsim sweep: cannot create %s: %s\n", c.dir,
            strerror(errno));
    rc = 1;
    for (size_t k = 0; k < n; k++)
      (void)res_run_end(db, c.ids[k], "failed", 0, 0, NULL);
    goto out;
  }

  g_sweep_stop = 0;
  g_sweep_pids = pids;
  g_sweep_npids = jobs;
  struct sigaction sa = {.sa_handler = sweep_on_sigint}, old_sa;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_sa);
  size_t next = 0, done = 0;
  unsigned running = 0;
  bool bad_input = false;
  double t0 = sweep_mono(), last = t0;
  while (next < n || running > 0) {
    while (running < jobs && next < n && !g_sweep_stop && !bad_input) {
      unsigned slot = 0;
      while (pids[slot] != 0)
        slot++;
      fflush(NULL); /* nothing buffered is written twice */
      pid_t pid = fork();
      if (pid < 0) {
        fprintf(stderr, "tcpsim sweep: cannot start a worker: %s\n",
                strerror(errno));
        bad_input = true; /* start nothing more */
        rc = worst(rc, 1);
        break;
      }
      if (pid == 0)
        worker(&c, next);
      pids[slot] = pid;
      c.slot_point[slot] = next;
      started[next] = 1;
      next++;
      running++;
    }
    if (running == 0)
      break;
    int st;
    pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    unsigned slot = 0;
    while (slot < jobs && pids[slot] != pid)
      slot++;
    if (slot == jobs)
      continue; /* not one of ours */
    pids[slot] = 0;
    running--;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    if (!WIFEXITED(st))
      fprintf(stderr, "tcpsim sweep: the worker of run %" PRId64
                      " died (signal %d)\n",
              c.ids[c.slot_point[slot]], WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    code = collect(db, &c, c.slot_point[slot], code, ++done);
    if (code == 2)
      bad_input = true;
    rc = worst(rc, code);
    double now = sweep_mono();
    if (progress && now - last > 0.5 && done < n) {
      fprintf(stderr, "\r  sweep: %zu/%zu runs done, %u running, eta %.0fs   ",
              done, n, running, (now - t0) / (double)done * (double)(n - done));
      last = now;
    }
  }
  if (progress && last != t0)
    fprintf(stderr, "\r%70s\r", "");
  sigaction(SIGINT, &old_sa, NULL);
  g_sweep_pids = NULL;
  g_sweep_npids = 0;
  size_t never = 0;
  for (size_t k = 0; k < n; k++)
    if (!started[k]) {
      (void)res_run_end(db, c.ids[k], "interrupted", 0, 0, NULL);
      never++;
    }
  if (never) {
    printf("sweep stopped: %zu runs not started (status 'interrupted')\n",
           never);
    rc = worst(rc, 1);
  }
  (void)rmdir(c.dir);
out:
  res_close(db);
  free(c.ids);
  free(c.slot_point);
  free(pids);
  free(started);
  return rc;
}

int exp_sweep_run(struct exp_config *const *points, size_t n,
                  const struct exp_run_opts *opts, unsigned jobs,
                  bool progress)
{
  static const struct exp_run_opts no_opts;
  if (!opts)
    opts = &no_opts;
  if (n == 0)
    return 0;
  if (jobs > n)
    jobs = (unsigned)n;
  int64_t ids[2] = {0, 0};
  int rc = jobs <= 1 ? sweep_serial(points, n, opts, progress, ids)
                     : sweep_parallel(points, n, opts, jobs, progress, ids);
  if (n > 1 && ids[0] > 0 && !opts->quiet) {
    const char *db = opts->db && *opts->db ? opts->db : points[0]->db;
    printf("results: %s, runs %" PRId64 " to %" PRId64
           " (swept values: SELECT run_id, key, value FROM params WHERE "
           "run_id BETWEEN %" PRId64 " AND %" PRId64 ")\n",
           db, ids[0], ids[1], ids[0], ids[1]);
    exp__print_queries(stdout, db, ids[0], ids[1], points[0]->trace);
  }
  return rc;
}
