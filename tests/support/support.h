/*
 * support.h - shared helpers for the tests (tests/support/).
 *
 * A trace digest that folds every trace event of a world into one 64-bit
 * value (the reproducibility tests compare digests), and a runner for the
 * tcpsim binary that captures its output and exit status (command-line
 * tests). cmocka is included here so tests need only this header.
 */
#ifndef TCPSIM_TEST_SUPPORT_H
#define TCPSIM_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/sim.h"

/* Folds every packet send/receive/drop and host event, with its time, node,
 * link, reason and the packet's identity and header fields, into a digest.
 * Subscribe with tsup_digest_attach before running. */
struct tsup_digest {
  uint64_t h;
  uint64_t events;
};
void tsup_digest_attach(struct sim_world *w, struct tsup_digest *d);

/* Run the tcpsim binary with the given arguments (NULL-terminated), from
 * the source tree; stdout and stderr are captured together into a buffer
 * the caller frees. Returns the exit status, or -1 if it did not exit. */
int tsup_run_tcpsim(char **output, const char *arg, ...);
/* The same for any program (argv[0] searched in PATH, NULL-terminated
 * argv); 127 when it could not be started. */
int tsup_run(char **output, char *const argv[]);
/* Queries on a results database through a connection of their own,
 * read-only (what a user's sqlite3 shell sees); a bad query fails the
 * test. The first column of the first row (-999 when there is none), and
 * every row as "a|b|c\n" text (NULL as "NULL"; caller frees). */
int64_t tsup_sql_int(const char *path, const char *sql);
char *tsup_sql_rows(const char *path, const char *sql);

/* Write text to a fresh temporary file and return its path (static
 * storage, overwritten by the next call). */
const char *tsup_temp_file(const char *suffix, const char *text);

#endif /* TCPSIM_TEST_SUPPORT_H */
