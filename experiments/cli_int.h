/*
 * cli_int.h - internal header of the `tcpsim` command line, shared by the
 * files that implement its subcommands (experiments/cli*.c). Not for use
 * outside experiments/.
 *
 * Every subcommand is `int exp__cmd_NAME(int argc, char **argv)` with
 * argv[0] the subcommand's own name; it returns an exit status.
 */
#ifndef TCPSIM_CLI_INT_H
#define TCPSIM_CLI_INT_H

#include <stddef.h>
#include <stdint.h>

enum { EXIT_OK = 0, EXIT_RUN_FAILED = 1, EXIT_BAD_INPUT = 2 };

/* "tcpsim CMD: MSG 'ARG' (see tcpsim CMD --help)" on stderr; returns
 * EXIT_BAD_INPUT. */
int exp__cli_bad_option(const char *cmd, const char *msg, const char *arg);
/* Value of option argv[*i] (the next word, *i advanced); NULL and a
 * message on stderr when it is missing. */
const char *exp__cli_opt_value(const char *cmd, int argc, char **argv, int *i);
/* Unsigned decimal, the whole string; 0 or -1. */
int exp__cli_parse_u64(const char *s, uint64_t *out);
/* Whether a is -h or --help. */
int exp__cli_is_help(const char *a);
/* A time as "2s", "1.500ms"... (for messages, never for results). */
void exp__cli_fmt_time(int64_t ns, char *buf, size_t cap);

/* Subcommands in other files. */
int exp__cmd_run_file(int argc, char **argv); /* cli_runs.c */
int exp__cmd_sweep(int argc, char **argv);    /* cli_runs.c */
int exp__cmd_rerun(int argc, char **argv);    /* cli_runs.c */
int exp__cmd_check(int argc, char **argv);    /* cli_runs.c */
int exp__cmd_emu(int argc, char **argv);      /* cli_emu.c */
int exp__cmd_ladder(int argc, char **argv); /* cli_pictures.c */
int exp__cmd_fsm(int argc, char **argv);    /* cli_pictures.c */

#endif /* TCPSIM_CLI_INT_H */
