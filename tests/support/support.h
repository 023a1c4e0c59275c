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

/* Scratch paths. tsup_tmp_path: "$TMPDIR/NAME-PID" followed by suffix
 * (TMPDIR unset or empty: /tmp); nothing is created. tsup_tmp_dir: a new
 * directory "$TMPDIR/NAME-XXXXXX" (mkdtemp) written into buf; 0, or -1
 * when it could not be made. tsup_fresh_db: "/tmp/NAME-PID-K.db", K
 * counting the calls, with any old file of that name unlinked. */
void tsup_tmp_path(char *buf, size_t cap, const char *name,
                   const char *suffix);
int tsup_tmp_dir(char *buf, size_t cap, const char *name);
void tsup_fresh_db(char *buf, size_t cap, const char *name);
/* Unlink a SQLite database and its -wal and -shm files (missing ones are
 * no error). */
void tsup_remove_db(const char *path);

/* Run the tcpsim binary like tsup_run_tcpsim (NULL-terminated), print its
 * output to stderr when it exits non-zero, and return the exit status;
 * for setup runs and sweeps whose output is not looked at. */
int tsup_tcpsim(const char *arg, ...);
/* `tcpsim check CHECK_FILE --db DB` must exit 0: otherwise its output is
 * printed to stderr and the test fails. Returns the output (caller
 * frees) for further assertions. */
char *tsup_check_ok(const char *check_file, const char *db);
/* `tcpsim check CHECK_FILE --db DB --runs RUNS` (RUNS NULL: without
 * --runs) must exit 1, some check failing; returns the output (caller
 * frees). */
char *tsup_check_fails(const char *check_file, const char *db,
                       const char *runs);
/* How many times sub occurs in s (counting overlaps). */
int tsup_count(const char *s, const char *sub);

/* Render a gnuplot script: gnuplot -e "db='DB'; out='PNG'EXTRA" SCRIPT
 * (extra appended as is, e.g. "; key='x'"; NULL for none), through
 * tsup_run; returns its exit status, output as tsup_run. */
int tsup_plot(char **output, const char *script, const char *db,
              const char *png, const char *extra);
/* The file at path exists and starts with the 8-byte PNG signature. */
void tsup_assert_png(const char *path);
/* tsup_plot into DIR/NAME must exit 0 (else its output is printed to
 * stderr and the test fails) and write a file with the PNG signature
 * (read as tsup_assert_png), which is removed before that is asserted. */
void tsup_plot_ok(const char *script, const char *db, const char *dir,
                  const char *name);

#endif /* TCPSIM_TEST_SUPPORT_H */
