/*
 * cli_emu.c - `tcpsim emu FILE`: an experiment run in real time, its `tun`
 * nodes bound to TUN devices, so that simulated hosts talk to the Linux
 * stack. The run itself is exp_run (experiments/runner.c) with emulation
 * options: the database, pcap files and summary are those of `tcpsim run`,
 * plus the loop's report (emu/emu.h) printed and stored as emu.* metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/cli_int.h"
#include "experiments/exp.h"
#include "experiments/exp_int.h"

static const char emu_help[] =
    "usage: tcpsim emu FILE [--tun NODE=IFNAME]... [--db PATH] [--pcap DIR]\n"
    "                  [--duration TIME] [--set SECTION.KEY=VALUE]...\n"
    "\n"
    "Run an experiment file in real time: simulated time follows the wall\n"
    "clock, and every `tun` node of its topology is bound to a TUN device\n"
    "(created if missing; needs CAP_NET_ADMIN). IPv4 packets the kernel\n"
    "routes into the device enter the simulated network at that node;\n"
    "packets the network sends to the node's address, or into its prefix\n"
    "(`tun NAME addr A.B.C.D prefix P/LEN`), are written to the device.\n"
    "Configure the Linux side yourself (addresses, link up, routes).\n"
    "A [sweep] must come down to one run (narrow it with --set\n"
    "sweep.SECTION.KEY=VALUE); that run's values are used.\n"
    "Results go to the database as for `tcpsim run`, with the segments\n"
    "exchanged with the real stack; the report says whether the simulation\n"
    "kept up with real time (metrics emu.*). Ctrl-C stops the run.\n"
    "\n"
    "  --tun NODE=IFNAME  the device of tun node NODE (default: the node's\n"
    "                     name; repeatable)\n"
    "  --db PATH          results database instead of run.db\n"
    "  --pcap DIR         write one pcap file per host into DIR (the tun\n"
    "                     node's holds the segments exchanged with Linux)\n"
    "  --duration TIME    run for TIME of wall clock instead of run.duration\n"
    "  --late TIME        lag counted as behind real time (default 10ms)\n"
    "  --set K=V          override a key (repeatable)\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 done, 1 the run failed or was interrupted, 2 bad input.\n";

/* Name the [sweep] line that makes more than one run. */
static void emu_refuse_sweep(const struct exp_config *c, size_t npoints)
{
  for (size_t i = 0; i < c->naxes; i++) {
    const struct exp_sweep_axis *ax = &c->axes[i];
    if (ax->nvalues > 1) {
      fprintf(stderr,
              "%s:%d: [sweep] %s.%s has %zu values (%zu runs); tcpsim emu "
              "runs one experiment in real time: pick one with --set "
              "sweep.%s.%s=VALUE, or run the points with tcpsim sweep\n",
              c->file, ax->line, ax->section, ax->key, ax->nvalues, npoints,
              ax->section, ax->key);
      return;
    }
  }
  fprintf(stderr,
          "%s: [sweep] replications = %u; tcpsim emu runs one experiment in "
          "real time: use --set sweep.replications=1\n",
          c->file, (unsigned)c->replications);
}

int exp__cmd_emu(int argc, char **argv)
{
  const char *file = NULL, *db = NULL, *pcap = NULL, *v;
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  const char **tuns = calloc((size_t)argc + 1, sizeof *tuns);
  char **owned = calloc((size_t)argc + 1, sizeof *owned);
  size_t nsets = 0, ntuns = 0, nowned = 0;
  int64_t late_ns = 0;
  int rc = EXIT_BAD_INPUT;
  struct exp_config *cfg = NULL, **points = NULL;
  size_t npoints = 0;

  if (!sets || !tuns || !owned) {
    fprintf(stderr, "tcpsim emu: out of memory\n");
    rc = EXIT_RUN_FAILED;
    goto out;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (exp__cli_is_help(a)) {
      fputs(emu_help, stdout);
      rc = EXIT_OK;
      goto out;
    } else if (!strcmp(a, "--set")) {
      if (!(v = exp__cli_opt_value("emu", argc, argv, &i)))
        goto out;
      sets[nsets++] = v;
    } else if (!strcmp(a, "--tun")) {
      if (!(v = exp__cli_opt_value("emu", argc, argv, &i)))
        goto out;
      if (!strchr(v, '=')) {
        rc = exp__cli_bad_option("emu", "expected --tun NODE=IFNAME, got", v);
        goto out;
      }
      tuns[ntuns++] = v;
    } else if (!strcmp(a, "--db")) {
      if (!(db = exp__cli_opt_value("emu", argc, argv, &i)))
        goto out;
      if (!*db) {
        rc = exp__cli_bad_option("emu", "empty --db path", "");
        goto out;
      }
    } else if (!strcmp(a, "--pcap")) {
      if (!(pcap = exp__cli_opt_value("emu", argc, argv, &i)))
        goto out;
    } else if (!strcmp(a, "--duration")) {
      if (!(v = exp__cli_opt_value("emu", argc, argv, &i)))
        goto out;
      size_t n = strlen(v) + sizeof "run.duration=";
      char *s = malloc(n);
      if (!s) {
        rc = EXIT_RUN_FAILED;
        goto out;
      }
      snprintf(s, n, "run.duration=%s", v);
      owned[nowned++] = s;
      sets[nsets++] = s;
    } else if (!strcmp(a, "--late")) {
      if (!(v = exp__cli_opt_value("emu", argc, argv, &i)))
        goto out;
      if (exp__parse_time(v, &late_ns) != 0 || late_ns <= 0) {
        rc = exp__cli_bad_option("emu", "bad time for --late", v);
        goto out;
      }
    } else if (a[0] == '-') {
      rc = exp__cli_bad_option("emu", "unknown option", a);
      goto out;
    } else if (!file) {
      file = a;
    } else {
      rc = exp__cli_bad_option("emu", "unexpected argument", a);
      goto out;
    }
  }
  if (!file) {
    fputs(emu_help, stderr);
    goto out;
  }
  char err[1200];
  int lrc = exp_config_load(file, sets, nsets, &cfg, err, sizeof err);
  if (lrc != EXP_OK) {
    fprintf(stderr, "%s\n", err);
    rc = lrc == EXP_ENOMEM ? EXIT_RUN_FAILED : EXIT_BAD_INPUT;
    goto out;
  }
  /* Real time runs one experiment: a [sweep] must come down to one point
   * (single values, or narrowed with --set sweep.KEY=VALUE). */
  if (exp_sweep_expand(cfg, &points, &npoints, err, sizeof err) != EXP_OK) {
    fprintf(stderr, "%s\n", err);
    goto out;
  }
  if (npoints != 1) {
    emu_refuse_sweep(cfg, npoints);
    goto out;
  }
  struct exp_emu_opts eo = {.tun = tuns, .ntun = ntuns, .late_ns = late_ns};
  struct exp_run_opts o = {.db = db, .pcap = pcap, .emu = &eo};
  rc = exp_run(points[0], &o, NULL);
out:
  exp_sweep_free(points, npoints);
  exp_config_free(cfg);
  for (size_t i = 0; i < nowned; i++)
    free(owned[i]);
  free(owned);
  free(sets);
  free(tuns);
  return rc;
}
