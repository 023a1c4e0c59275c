/*
 * cli_runs.c - the subcommands that run experiment files: `tcpsim run`,
 * `tcpsim sweep` and `tcpsim rerun`.
 *
 * run and sweep share their options (--set, --db, --pcap, --seed, --trace;
 * sweep adds --jobs): each option becomes an override of the file's keys,
 * so what a run stores as its configuration is what it ran. rerun reads a
 * run's configuration and topology back from the database, runs it again
 * into a scratch database and compares the result digests.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/cli_int.h"
#include "experiments/exp.h"
#include "results/results.h"
#include "tcpsim_version.h"

/* ====================================================================== */
/* Shared options                                                          */
/* ====================================================================== */

struct file_opts {
  const char *file;
  const char **sets;  /* argc + 2 slots */
  size_t nsets;
  const char *db;
  const char *pcap;
  unsigned jobs;      /* 0: one per CPU */
  char seed_set[64];
  char trace_set[64];
};

/* Options after FILE (argv[first..]). Returns EXIT_OK, EXIT_BAD_INPUT, or
 * -1 after printing help. */
static int parse_file_opts(const char *cmd, const char *help, bool sweep,
                           int argc, char **argv, int first,
                           struct file_opts *fo)
{
  const char *v;
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    if (exp__cli_is_help(a)) {
      fputs(help, stdout);
      return -1;
    } else if (!strcmp(a, "--set")) {
      if (!(v = exp__cli_opt_value(cmd, argc, argv, &i)))
        return EXIT_BAD_INPUT;
      fo->sets[fo->nsets++] = v;
    } else if (!strcmp(a, "--db")) {
      if (!(fo->db = exp__cli_opt_value(cmd, argc, argv, &i)))
        return EXIT_BAD_INPUT;
      if (!*fo->db)
        return exp__cli_bad_option(cmd, "empty --db path", "");
    } else if (!strcmp(a, "--pcap")) {
      if (!(fo->pcap = exp__cli_opt_value(cmd, argc, argv, &i)))
        return EXIT_BAD_INPUT;
    } else if (!strcmp(a, "--seed")) {
      uint64_t seed;
      if (!(v = exp__cli_opt_value(cmd, argc, argv, &i)))
        return EXIT_BAD_INPUT;
      if (exp__cli_parse_u64(v, &seed))
        return exp__cli_bad_option(cmd, "bad --seed value", v);
      snprintf(fo->seed_set, sizeof fo->seed_set, "run.seed=%" PRIu64, seed);
      fo->sets[fo->nsets++] = fo->seed_set;
    } else if (!strcmp(a, "--trace")) {
      if (!(v = exp__cli_opt_value(cmd, argc, argv, &i)))
        return EXIT_BAD_INPUT;
      if (strcmp(v, "run") && strcmp(v, "summary") &&
          strcmp(v, "transitions") && strcmp(v, "segments"))
        return exp__cli_bad_option(
            cmd, "bad --trace (run, summary, transitions or segments)", v);
      snprintf(fo->trace_set, sizeof fo->trace_set, "run.trace=%s", v);
      fo->sets[fo->nsets++] = fo->trace_set;
    } else if (sweep && !strcmp(a, "--jobs")) {
      uint64_t j;
      if (!(v = exp__cli_opt_value(cmd, argc, argv, &i)))
        return EXIT_BAD_INPUT;
      if (exp__cli_parse_u64(v, &j) || j < 1 || j > 1024)
        return exp__cli_bad_option(cmd, "bad --jobs (1 to 1024)", v);
      fo->jobs = (unsigned)j;
    } else {
      return exp__cli_bad_option(cmd, "unknown option", a);
    }
  }
  return EXIT_OK;
}

/* Load FILE with the overrides and expand its sweep. */
static int load_points(const struct file_opts *fo, struct exp_config **cfg,
                       struct exp_config ***points, size_t *npoints)
{
  char err[1024] = "";
  int lrc = exp_config_load(fo->file, fo->sets, fo->nsets, cfg, err,
                            sizeof err);
  if (lrc != EXP_OK) {
    fprintf(stderr, "%s\n", err[0] ? err : exp_strerror(lrc));
    return lrc == EXP_ENOMEM ? EXIT_RUN_FAILED : EXIT_BAD_INPUT;
  }
  if (exp_sweep_expand(*cfg, points, npoints, err, sizeof err) != EXP_OK) {
    fprintf(stderr, "%s\n", err);
    exp_config_free(*cfg);
    *cfg = NULL;
    return EXIT_BAD_INPUT;
  }
  return EXIT_OK;
}

static unsigned cpu_count(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
}

/* run and sweep: the same but for the number of workers. */
static int run_points(const char *cmd, const char *help, bool sweep, int argc,
                      char **argv, int first, const char *file)
{
  struct file_opts fo = {.file = file};
  fo.sets = calloc((size_t)argc + 2, sizeof *fo.sets);
  if (!fo.sets) {
    fprintf(stderr, "tcpsim %s: out of memory\n", cmd);
    return EXIT_RUN_FAILED;
  }
  int rc = parse_file_opts(cmd, help, sweep, argc, argv, first, &fo);
  if (rc != EXIT_OK) {
    free(fo.sets);
    return rc < 0 ? EXIT_OK : rc;
  }
  struct exp_config *cfg = NULL, **points = NULL;
  size_t npoints = 0;
  rc = load_points(&fo, &cfg, &points, &npoints);
  free(fo.sets);
  if (rc != EXIT_OK)
    return rc;
  unsigned jobs = sweep ? (fo.jobs ? fo.jobs : cpu_count()) : 1;
  if (jobs > npoints)
    jobs = (unsigned)npoints;
  if (npoints > 1)
    printf("sweep: %zu runs, %u at a time\n", npoints, jobs);
  struct exp_run_opts o = {.db = fo.db, .pcap = fo.pcap};
  rc = exp_sweep_run(points, npoints, &o, jobs, isatty(STDERR_FILENO) != 0);
  exp_sweep_free(points, npoints);
  exp_config_free(cfg);
  return rc;
}

/* ====================================================================== */
/* tcpsim run                                                              */
/* ====================================================================== */

static const char run_help[] =
    "usage: tcpsim run [FILE] [--set SECTION.KEY=VALUE]... [--db PATH]\n"
    "                  [--pcap DIR] [--seed N] [--trace LEVEL]\n"
    "\n"
    "Run an experiment file (.ini): build its topology, run its workloads,\n"
    "actions and faults for run.duration and record the run in the results\n"
    "database; then print the run id, what each workload did and sqlite3\n"
    "queries to paste. A file with a [sweep] runs its points one after\n"
    "another (`tcpsim sweep` runs them in parallel). Without FILE, the\n"
    "default experiment experiments/default.ini runs. Ctrl-C stops the run\n"
    "early (status 'interrupted'). `tcpsim list` shows every key.\n"
    "\n"
    "  --set K=V          override a key, e.g. --set tcp.msl=1s (repeatable)\n"
    "  --db PATH          results database instead of run.db (results.db)\n"
    "  --pcap DIR         write one pcap file per host into DIR\n"
    "  --seed N           run seed instead of run.seed\n"
    "  --trace LEVEL      what is recorded: run (the run's summary: metrics,\n"
    "                     outcome counts, states over time), summary (+ a row\n"
    "                     per connection; the default), transitions (+ state\n"
    "                     changes, application and host events) or segments\n"
    "                     (+ every TCP segment)\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 done, 1 a run failed or was interrupted, 2 bad input.\n";

/* Where the default experiment lives: ./experiments when run from the
 * source tree, else the source tree the binary was built from. */
static const char *default_experiment(char *buf, size_t cap)
{
  const char *rel = "experiments/default.ini";
  if (access(rel, R_OK) == 0)
    return rel;
  snprintf(buf, cap, "%s/%s", TCPSIM_SOURCE_DIR, rel);
  return buf;
}

int exp__cmd_run_file(int argc, char **argv)
{
  char buf[4096];
  if (argc >= 2 && argv[1][0] != '-')
    return run_points("run", run_help, false, argc, argv, 2, argv[1]);
  const char *file = default_experiment(buf, sizeof buf);
  for (int i = 1; i < argc; i++)
    if (exp__cli_is_help(argv[i])) {
      fputs(run_help, stdout);
      return EXIT_OK;
    }
  printf("tcpsim %s: the default experiment, %s\n", TCPSIM_VERSION, file);
  return run_points("run", run_help, false, argc, argv, 1, file);
}

/* ====================================================================== */
/* tcpsim sweep                                                            */
/* ====================================================================== */

static const char sweep_help[] =
    "usage: tcpsim sweep FILE [--jobs N] [--set SECTION.KEY=VALUE]...\n"
    "                    [--db PATH] [--pcap DIR] [--seed N] [--trace LEVEL]\n"
    "\n"
    "Run every point of FILE's [sweep] (the product of its value lists, each\n"
    "run.replications... times, see experiments/README.md) into one results\n"
    "database, N runs at a time in worker processes. Run ids are given in\n"
    "sweep order before the first run starts, and every run's result digest\n"
    "is the same for any N. With --pcap each run writes DIR/run-ID/.\n"
    "\n"
    "  --jobs N           worker processes (default: one per CPU)\n"
    "  --set, --db, --pcap, --seed, --trace   as for `tcpsim run`\n"
    "  -h, --help         this text\n"
    "\n"
    "Ctrl-C stops the runs in progress (status 'interrupted') and starts no\n"
    "more; runs never started are marked 'interrupted' too.\n"
    "Exit status: 0 all done, 1 a run failed or was interrupted, 2 bad input.\n";

int exp__cmd_sweep(int argc, char **argv)
{
  if (argc < 2) {
    fputs(sweep_help, stderr);
    return EXIT_BAD_INPUT;
  }
  if (exp__cli_is_help(argv[1])) {
    fputs(sweep_help, stdout);
    return EXIT_OK;
  }
  if (argv[1][0] == '-')
    return exp__cli_bad_option("sweep", "expected an experiment FILE before",
                               argv[1]);
  return run_points("sweep", sweep_help, true, argc, argv, 2, argv[1]);
}

/* ====================================================================== */
/* tcpsim rerun                                                            */
/* ====================================================================== */

static const char rerun_help[] =
    "usage: tcpsim rerun --db PATH --run N [--into PATH]\n"
    "\n"
    "Repeat run N of the results database PATH from what the database holds\n"
    "(its resolved configuration, seed and topology text: no other file is\n"
    "read) and compare the result digest of the new run with the stored one.\n"
    "The new run goes to a scratch database that is removed afterwards, or\n"
    "to --into PATH (kept). Prints both digests and 'match' or 'MISMATCH'.\n"
    "\n"
    "  --db PATH          the database holding the run\n"
    "  --run N            the run id (runs.run_id)\n"
    "  --into PATH        keep the repeated run in this database\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 the digests match, 1 they differ or the run failed,\n"
    "2 bad input (no such run, a run without a digest).\n";

/* A scratch directory in $TMPDIR, made with mode 0700; NULL on error. */
static char *scratch_dir(char *buf, size_t cap)
{
  const char *tmp = getenv("TMPDIR");
  snprintf(buf, cap, "%s/tcpsim-rerun-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  return mkdtemp(buf);
}

static void unlink_in(const char *dir, const char *name)
{
  char path[4300];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  (void)unlink(path);
}

static int rerun_compare(const struct res_run_record *old, const char *into,
                         int64_t new_id, int run_rc)
{
  char msg[1200];
  struct res_db *db = NULL;
  struct res_run_record now;
  if (res_open(into, &db, msg, sizeof msg) != RES_OK) {
    fprintf(stderr, "tcpsim rerun: %s\n", msg);
    return EXIT_RUN_FAILED;
  }
  int rc = res_run_load(db, new_id, &now);
  if (rc != RES_OK) {
    fprintf(stderr, "tcpsim rerun: %s\n", res_errmsg(db));
    res_close(db);
    return EXIT_RUN_FAILED;
  }
  bool topo_same = !strcmp(now.topology_digest, old->topology_digest);
  bool same = run_rc == EXIT_OK && !strcmp(now.result_digest, old->result_digest);
  printf("stored run %" PRId64 ": digest %s (%s, tcpsim %s)\n", old->run_id,
         old->result_digest, old->status, old->version);
  printf("rerun:       digest %s (%s, tcpsim %s)\n",
         now.result_digest[0] ? now.result_digest : "-", now.status,
         TCPSIM_VERSION);
  if (!topo_same)
    printf("note: the topology digest differs (%s stored, %s now)\n",
           old->topology_digest, now.topology_digest);
  if (!same && strcmp(old->version, TCPSIM_VERSION))
    printf("note: the stored run was made by tcpsim %s\n", old->version);
  printf("%s\n", same ? "match" : "MISMATCH");
  res_run_record_free(&now);
  res_close(db);
  return same ? EXIT_OK : EXIT_RUN_FAILED;
}

int exp__cmd_rerun(int argc, char **argv)
{
  const char *dbp = NULL, *into = NULL, *v;
  uint64_t run = 0;
  bool have_run = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (exp__cli_is_help(a)) {
      fputs(rerun_help, stdout);
      return EXIT_OK;
    } else if (!strcmp(a, "--db")) {
      if (!(dbp = exp__cli_opt_value("rerun", argc, argv, &i)))
        return EXIT_BAD_INPUT;
    } else if (!strcmp(a, "--into")) {
      if (!(into = exp__cli_opt_value("rerun", argc, argv, &i)))
        return EXIT_BAD_INPUT;
    } else if (!strcmp(a, "--run")) {
      if (!(v = exp__cli_opt_value("rerun", argc, argv, &i)))
        return EXIT_BAD_INPUT;
      if (exp__cli_parse_u64(v, &run) || run < 1 || run > INT64_MAX)
        return exp__cli_bad_option("rerun", "bad --run (a run id)", v);
      have_run = true;
    } else {
      return exp__cli_bad_option("rerun", "unknown option", a);
    }
  }
  if (!dbp || !have_run) {
    fprintf(stderr, "tcpsim rerun: --db PATH and --run N are required "
                    "(see tcpsim rerun --help)\n");
    return EXIT_BAD_INPUT;
  }
  if (access(dbp, R_OK) != 0) {
    fprintf(stderr, "tcpsim rerun: %s: %s\n", dbp, strerror(errno));
    return EXIT_BAD_INPUT;
  }

  char msg[1200];
  struct res_db *db = NULL;
  struct res_run_record old;
  if (res_open(dbp, &db, msg, sizeof msg) != RES_OK) {
    fprintf(stderr, "tcpsim rerun: %s\n", msg);
    return EXIT_BAD_INPUT;
  }
  if (res_run_load(db, (int64_t)run, &old) != RES_OK) {
    fprintf(stderr, "tcpsim rerun: %s\n", res_errmsg(db));
    res_close(db);
    return EXIT_BAD_INPUT;
  }
  res_close(db);
  if (!old.result_digest[0] || !old.topology_text[0] || !old.config[0]) {
    fprintf(stderr, "tcpsim rerun: %s: run %" PRIu64 " (status %s) has %s; "
                    "nothing to repeat or compare\n", dbp, run, old.status,
            !old.result_digest[0] ? "no result digest" : "no stored input");
    res_run_record_free(&old);
    return EXIT_BAD_INPUT;
  }

  /* The stored topology text as a file in a scratch directory, named by
   * an override of run.topology; the run's database and pcap are
   * replaced too. */
  char dir[4096], topo_path[4200], scratch_db[4200], topo_set[4300],
      name[4300];
  int rc = EXIT_RUN_FAILED;
  struct exp_config *cfg = NULL;
  if (!scratch_dir(dir, sizeof dir)) {
    fprintf(stderr, "tcpsim rerun: cannot create a scratch directory: %s\n",
            strerror(errno));
    res_run_record_free(&old);
    return EXIT_RUN_FAILED;
  }
  snprintf(topo_path, sizeof topo_path, "%s/topology.topo", dir);
  snprintf(scratch_db, sizeof scratch_db, "%s/rerun.db", dir);
  FILE *tf = fopen(topo_path, "w");
  bool wrote = tf && fputs(old.topology_text, tf) >= 0;
  if (tf && fclose(tf) != 0)
    wrote = false;
  if (!wrote) {
    fprintf(stderr, "tcpsim rerun: cannot write %s\n", topo_path);
    goto out;
  }
  if (!into)
    into = scratch_db;
  snprintf(topo_set, sizeof topo_set, "run.topology=%s", topo_path);
  snprintf(name, sizeof name, "%s (run %" PRIu64 ")", dbp, run);
  const char *sets[] = {topo_set};
  if (exp_config_parse_string(name, "/", old.config, sets, 1, &cfg, msg,
                              sizeof msg) != EXP_OK) {
    fprintf(stderr, "tcpsim rerun: the stored configuration does not load: "
                    "%s\n", msg);
    rc = EXIT_BAD_INPUT;
    goto out;
  }
  struct exp_run_opts o = {.db = into, .pcap = "", .quiet = true,
                           .progress = isatty(STDERR_FILENO) != 0};
  struct exp_run_result r;
  int run_rc = exp_run(cfg, &o, &r);
  if (r.run_id < 0) {
    rc = run_rc;
    goto out;
  }
  rc = rerun_compare(&old, into, r.run_id, run_rc);
out:
  exp_config_free(cfg);
  static const char *const scratch[] = {"topology.topo", "rerun.db",
                                        "rerun.db-wal", "rerun.db-shm"};
  for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++)
    unlink_in(dir, scratch[i]);
  (void)rmdir(dir);
  res_run_record_free(&old);
  return rc;
}

/* ====================================================================== */
/* tcpsim check                                                            */
/* ====================================================================== */

static const char check_help[] =
    "usage: tcpsim check FILE.sql [--db PATH] [--runs FIRST-LAST]\n"
    "\n"
    "Check expectations written as SQL against a results database (default\n"
    "results.db). FILE holds SELECT statements separated by ';', each with\n"
    "its title in the comment lines (-- ...) just above it. A check passes\n"
    "when it returns at least one row and the first column of every row is\n"
    "true (non-zero, not NULL); the other columns are printed for the rows\n"
    "that fail. :first and :last in a statement are the runs checked:\n"
    "--runs, or by default every run in the database. A CREATE TEMP VIEW\n"
    "(or TABLE) is not a check: the checks after it share it. A line\n"
    "'-- uses: QUERY.sql' (beside FILE) runs the TEMP VIEW and TABLE\n"
    "definitions of that file first, and nothing else of it. The database\n"
    "is only read. results/queries/*.check.sql hold the experiments'\n"
    "expectations.\n"
    "\n"
    "  --db PATH          the results database (default results.db)\n"
    "  --runs A-B         bind :first to A and :last to B\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 every check passed, 1 a check failed, 2 bad input (a\n"
    "statement that does not prepare, named by file:line).\n";

int exp__cmd_check(int argc, char **argv)
{
  const char *file = NULL, *dbp = "results.db", *v;
  int64_t first = 0, last = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (exp__cli_is_help(a)) {
      fputs(check_help, stdout);
      return EXIT_OK;
    } else if (!strcmp(a, "--db")) {
      if (!(dbp = exp__cli_opt_value("check", argc, argv, &i)))
        return EXIT_BAD_INPUT;
    } else if (!strcmp(a, "--runs")) {
      uint64_t x, y;
      char buf[64];
      if (!(v = exp__cli_opt_value("check", argc, argv, &i)))
        return EXIT_BAD_INPUT;
      const char *dash = strchr(v, '-');
      snprintf(buf, sizeof buf, "%.*s", dash ? (int)(dash - v) : 0, v);
      if (!dash || exp__cli_parse_u64(buf, &x) ||
          exp__cli_parse_u64(dash + 1, &y) || x < 1 || y < x ||
          y > INT64_MAX)
        return exp__cli_bad_option("check", "bad --runs (FIRST-LAST, e.g. 1-8)",
                                   v);
      first = (int64_t)x;
      last = (int64_t)y;
    } else if (a[0] == '-' || file) {
      return exp__cli_bad_option("check", a[0] == '-' ? "unknown option"
                                                      : "unexpected argument",
                                 a);
    } else {
      file = a;
    }
  }
  if (!file) {
    fputs(check_help, stderr);
    return EXIT_BAD_INPUT;
  }
  char *text = res_read_file(file);
  if (!text) {
    fprintf(stderr, "tcpsim check: %s: %s\n", file, strerror(errno));
    return errno == ENOMEM ? EXIT_RUN_FAILED : EXIT_BAD_INPUT;
  }
  if (access(dbp, R_OK) != 0) {
    fprintf(stderr, "tcpsim check: %s: %s\n", dbp, strerror(errno));
    free(text);
    return EXIT_BAD_INPUT;
  }
  char err[1200] = "";
  int failed = 0;
  int rc = res_check(dbp, file, text, first, last, stdout, err, sizeof err,
                     &failed);
  free(text);
  if (rc != RES_OK) {
    fprintf(stderr, "tcpsim check: %s\n", err);
    return EXIT_BAD_INPUT;
  }
  if (failed)
    printf("%d check%s failed\n", failed, failed == 1 ? "" : "s");
  return failed ? EXIT_RUN_FAILED : EXIT_OK;
}
