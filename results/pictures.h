/*
 * pictures.h - pictures drawn from a results database (results/pictures.c):
 * the time-sequence ("ladder") diagram of one connection as SVG, and the
 * TCP state diagram with a run's transition counts as Graphviz dot or a
 * plain table. Part of the public API of the results module; users run
 * them as `tcpsim ladder` and `tcpsim fsm` (results/README.md, section
 * "Pictures", describes what is drawn and how segments are chosen).
 *
 * The database is opened read-only, so a picture can be drawn while a run
 * is being written (WAL). Conventions as in results.h: functions return
 * RES_OK (0) or a negative RES_E* code and write a message naming the
 * database, run or connection into the caller's err buffer:
 *   RES_EOPEN, RES_EVERSION  the file cannot be opened or is not ours;
 *   RES_EINVAL               the request does not fit the database: no such
 *                            run or connection, a listener, a run recorded
 *                            without the rows the picture needs;
 *   RES_EDB, RES_ENOMEM      a query failed, out of memory.
 * The first three are the user's to fix (the command line exits 2).
 * Output goes to a FILE the caller owns: write errors are seen with
 * ferror(out) by the caller.
 */
#ifndef TCPSIM_RESULTS_PICTURES_H
#define TCPSIM_RESULTS_PICTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcp/tcp.h"

/* ====================================================================== */
/* Ladder diagram                                                          */
/* ====================================================================== */

struct res_ladder_opts {
  bool absolute; /* seq/ack as on the wire; false: relative to each side's
                  * initial sequence number, as Wireshark shows them */
};

/* SVG of connection conn_id of run run_id in the database at db_path:
 * the connection's host on the left, its peer (the connection of the same
 * run with the reversed 4-tuple, alive at the same time) on the right, or
 * an anonymous line when there is none; one element of class "seg" per
 * segment ("seg drop" when it was dropped), the state names at each
 * transition. The run needs trace level 'segments' (RES_EINVAL with a
 * message saying how to rerun otherwise). opts may be NULL. */
int res_ladder_svg(const char *db_path, int64_t run_id, int64_t conn_id,
                   const struct res_ladder_opts *opts, FILE *out, char *err,
                   size_t errcap);

/* ====================================================================== */
/* State diagram                                                           */
/* ====================================================================== */

/* A transition of a run that is not one of tcp_arcs(): states as text,
 * since the database may hold any. */
struct res_fsm_other {
  char from[32];
  char to[32];
  uint64_t count;
};

/* How often a run took each declared arc. */
struct res_fsm_counts {
  int64_t run_id;
  size_t narcs;                 /* as tcp_arcs(&narcs) */
  uint64_t *arc;                /* [narcs]: times arc i was taken */
  size_t nother;
  struct res_fsm_other *other;  /* [nother]: undeclared transitions */
  uint64_t total;               /* transitions of the run, all kinds */
};

/* Count the transitions of run run_id by (from_state, to_state). A run
 * recorded at trace level 'summary' has none: RES_EINVAL. Free with
 * res_fsm_counts_free. */
int res_fsm_counts(const char *db_path, int64_t run_id,
                   struct res_fsm_counts *out, char *err, size_t errcap);
void res_fsm_counts_free(struct res_fsm_counts *c);

/* The eleven states and every declared arc with its RFC 9293 label, as a
 * Graphviz digraph. With counts (may be NULL), each arc also says how
 * often the run took it ("n=3") and arcs never taken are dashed and grey.
 * title (may be NULL) is written as the graph's label. */
void res_fsm_write_dot(FILE *out, const struct res_fsm_counts *counts,
                       const char *title);
/* The same as a plain text table, one arc a line: from, to, [count,]
 * label. */
void res_fsm_write_table(FILE *out, const struct res_fsm_counts *counts);

#endif /* TCPSIM_RESULTS_PICTURES_H */
