/*
 * cli_pictures.c - `tcpsim ladder` (the time-sequence diagram of one
 * connection, SVG) and `tcpsim fsm` (the state diagram with a run's
 * transition counts, dot or text). The drawing is in results/pictures.c;
 * this file parses options, maps its errors to exit statuses (cli_int.h:
 * 0 ok, 1 failed, 2 bad input) and writes the output.
 *
 * A picture is rendered into memory first and written only when it is
 * complete, so an error never leaves a truncated file behind --out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/cli_int.h"
#include "results/pictures.h"
#include "results/results.h"

/* ====================================================================== */
/* Helpers                                                                 */
/* ====================================================================== */

#define PIC_DEFAULT_DB "results.db"

/* A run or connection id: unsigned decimal that fits an SQLite integer. */
static int parse_id(const char *s, int64_t *out)
{
  uint64_t v;
  if (exp__cli_parse_u64(s, &v) || v > (uint64_t)INT64_MAX)
    return -1;
  *out = (int64_t)v;
  return 0;
}

/* Errors of results/pictures.h the user can fix exit 2, the rest 1. */
static int pic_exit(int rc)
{
  return rc == RES_EINVAL || rc == RES_EOPEN || rc == RES_EVERSION
             ? EXIT_BAD_INPUT : EXIT_RUN_FAILED;
}

/* Write buf to path ("-" or NULL: stdout). */
static int write_output(const char *cmd, const char *path, const char *buf,
                        size_t len)
{
  bool to_stdout = !path || !strcmp(path, "-");
  FILE *f = to_stdout ? stdout : fopen(path, "w");
  if (!f) {
    fprintf(stderr, "tcpsim %s: cannot write %s: %s\n", cmd, path,
            strerror(errno));
    return EXIT_BAD_INPUT;
  }
  size_t put = fwrite(buf, 1, len, f);
  int bad = put != len || fflush(f) != 0 || ferror(f);
  int saved = errno;
  if (!to_stdout && fclose(f) != 0)
    bad = 1;
  if (bad) {
    fprintf(stderr, "tcpsim %s: writing %s failed: %s\n", cmd,
            to_stdout ? "standard output" : path, strerror(saved));
    return EXIT_RUN_FAILED;
  }
  return EXIT_OK;
}

/* ====================================================================== */
/* tcpsim ladder                                                           */
/* ====================================================================== */

static const char ladder_help[] =
    "usage: tcpsim ladder --run N --conn C [--db PATH] [--out FILE.svg]\n"
    "                     [--absolute]\n"
    "\n"
    "Draw the time-sequence (ladder) diagram of connection C of run N as SVG,\n"
    "as in the textbook figures: the connection's host on the left, its peer\n"
    "on the right (the connection of the same run with the reversed 4-tuple;\n"
    "a dashed anonymous line when the run has none, e.g. a spoofed address),\n"
    "one arrow per TCP segment labelled with its flags, seq, ack and len, a red\n"
    "X where a segment was dropped, and the TCP state names written at each\n"
    "side at every transition. Time runs downwards, one row per instant (not\n"
    "to scale) with the simulated time at the left; idle gaps are cut and\n"
    "marked. The run must have been recorded with trace level 'segments'\n"
    "(tcpsim run FILE --trace segments). Connection ids are in the\n"
    "connections table:\n"
    "  sqlite3 results.db \"SELECT conn_id, kind, local, remote FROM connections\n"
    "                      WHERE run_id = 1 AND kind <> 'listener'\"\n"
    "\n"
    "  --db PATH          results database (default " PIC_DEFAULT_DB ")\n"
    "  --run N            run id\n"
    "  --conn C           connection id (conn_id) in that run\n"
    "  --out FILE         write the SVG to FILE (default: standard output)\n"
    "  --absolute         seq/ack as on the wire (default: relative to each\n"
    "                     side's initial sequence number, as Wireshark does)\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 drawn, 1 failed, 2 bad input (unknown run or connection,\n"
    "a run without segment rows, a file that is not a results database).\n";

int exp__cmd_ladder(int argc, char **argv)
{
  const char *db = PIC_DEFAULT_DB, *out_path = NULL, *v;
  int64_t run = -1, conn = -1;
  struct res_ladder_opts opts = {.absolute = false};

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (exp__cli_is_help(a)) {
      fputs(ladder_help, stdout);
      return EXIT_OK;
    } else if (!strcmp(a, "--db")) {
      if (!(db = exp__cli_opt_value("ladder", argc, argv, &i)))
        return EXIT_BAD_INPUT;
    } else if (!strcmp(a, "--run")) {
      if (!(v = exp__cli_opt_value("ladder", argc, argv, &i)))
        return EXIT_BAD_INPUT;
      if (parse_id(v, &run))
        return exp__cli_bad_option("ladder", "bad --run (a run id)", v);
    } else if (!strcmp(a, "--conn")) {
      if (!(v = exp__cli_opt_value("ladder", argc, argv, &i)))
        return EXIT_BAD_INPUT;
      if (parse_id(v, &conn))
        return exp__cli_bad_option("ladder", "bad --conn (a connection id)", v);
    } else if (!strcmp(a, "--out")) {
      if (!(out_path = exp__cli_opt_value("ladder", argc, argv, &i)))
        return EXIT_BAD_INPUT;
    } else if (!strcmp(a, "--absolute")) {
      opts.absolute = true;
    } else if (a[0] == '-') {
      return exp__cli_bad_option("ladder", "unknown option", a);
    } else {
      return exp__cli_bad_option("ladder", "unexpected argument", a);
    }
  }
  if (run < 0 || conn < 0) {
    fprintf(stderr, "tcpsim ladder: missing %s (see tcpsim ladder --help)\n",
            run < 0 && conn < 0 ? "--run N and --conn C"
            : run < 0           ? "--run N"
                                : "--conn C");
    return EXIT_BAD_INPUT;
  }

  char *buf = NULL, err[1024] = "";
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (!mem) {
    fprintf(stderr, "tcpsim ladder: out of memory\n");
    return EXIT_RUN_FAILED;
  }
  int rc = res_ladder_svg(db, run, conn, &opts, mem, err, sizeof err);
  int bad_mem = fclose(mem) != 0;
  int status;
  if (rc != RES_OK) {
    fprintf(stderr, "tcpsim ladder: %s\n", err[0] ? err : res_strerror(rc));
    status = pic_exit(rc);
  } else if (bad_mem || !buf) {
    fprintf(stderr, "tcpsim ladder: out of memory\n");
    status = EXIT_RUN_FAILED;
  } else {
    status = write_output("ladder", out_path, buf, len);
  }
  free(buf);
  return status;
}

/* ====================================================================== */
/* tcpsim fsm                                                              */
/* ====================================================================== */

static const char fsm_help[] =
    "usage: tcpsim fsm [--dot] [--db PATH --run N]\n"
    "\n"
    "Print the TCP state diagram: the eleven states and the declared arcs of\n"
    "the state machine (RFC 9293 section 3.3.2, plus the reset, abort and\n"
    "timeout arcs) with their labels. With --run, every arc also says how\n"
    "often run N took it (counted from the transitions table, so the run\n"
    "needs trace level 'transitions' or 'segments'); in the dot output, arcs\n"
    "never taken are dashed and grey. Transitions of the run that are not a\n"
    "declared arc are listed as warnings on standard error.\n"
    "\n"
    "  --dot              Graphviz dot instead of a text table; render it with\n"
    "                     tcpsim fsm --dot --run 1 | dot -Tsvg -o fsm.svg\n"
    "  --db PATH          results database (default " PIC_DEFAULT_DB ")\n"
    "  --run N            count the transitions of run N\n"
    "  -h, --help         this text\n";

int exp__cmd_fsm(int argc, char **argv)
{
  const char *db = NULL, *v;
  int64_t run = -1;
  bool dot = false;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (exp__cli_is_help(a)) {
      fputs(fsm_help, stdout);
      return EXIT_OK;
    } else if (!strcmp(a, "--dot")) {
      dot = true;
    } else if (!strcmp(a, "--db")) {
      if (!(db = exp__cli_opt_value("fsm", argc, argv, &i)))
        return EXIT_BAD_INPUT;
    } else if (!strcmp(a, "--run")) {
      if (!(v = exp__cli_opt_value("fsm", argc, argv, &i)))
        return EXIT_BAD_INPUT;
      if (parse_id(v, &run))
        return exp__cli_bad_option("fsm", "bad --run (a run id)", v);
    } else if (a[0] == '-') {
      return exp__cli_bad_option("fsm", "unknown option", a);
    } else {
      return exp__cli_bad_option("fsm", "unexpected argument", a);
    }
  }
  if (db && run < 0) {
    fprintf(stderr, "tcpsim fsm: --db needs --run N (the run whose "
            "transitions to count; see tcpsim fsm --help)\n");
    return EXIT_BAD_INPUT;
  }

  struct res_fsm_counts counts;
  char title[1200];
  if (run >= 0) {
    char err[1024] = "";
    if (!db)
      db = PIC_DEFAULT_DB;
    int rc = res_fsm_counts(db, run, &counts, err, sizeof err);
    if (rc != RES_OK) {
      fprintf(stderr, "tcpsim fsm: %s\n", err[0] ? err : res_strerror(rc));
      return pic_exit(rc);
    }
    for (size_t i = 0; i < counts.nother; i++)
      fprintf(stderr, "tcpsim fsm: warning: run %" PRId64 " took %s -> %s %"
              PRIu64 " time%s, which is not a declared arc\n", run,
              counts.other[i].from, counts.other[i].to, counts.other[i].count,
              counts.other[i].count == 1 ? "" : "s");
    snprintf(title, sizeof title, "TCP states: run %" PRId64 " of %s, %"
             PRIu64 " transitions", run, db, counts.total);
  } else {
    snprintf(title, sizeof title, "TCP states (RFC 9293)");
  }

  if (dot)
    res_fsm_write_dot(stdout, run >= 0 ? &counts : NULL, title);
  else
    res_fsm_write_table(stdout, run >= 0 ? &counts : NULL);
  if (run >= 0)
    res_fsm_counts_free(&counts);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "tcpsim fsm: writing standard output failed: %s\n",
            strerror(errno));
    return EXIT_RUN_FAILED;
  }
  return EXIT_OK;
}
