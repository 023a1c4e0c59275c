/*
 * topo.h - public API of the topology language.
 *
 * A topology file (.topo) declares hosts, routers, groups of hosts and the
 * links between them; topologies/README.md is the language specification.
 * Using it takes two steps: parse (text -> struct topo, no simulator
 * involved, every error reported as "file:line:col: message"), then build
 * (struct topo -> nodes, addresses, links and routes in a struct sim_world).
 * A parsed topology is immutable and can be built into many worlds.
 *
 * The parsed form, its invariants and the module-internal helpers are in
 * topologies/topo_int.h (internal to topologies/ and tests/).
 *
 * Conventions: functions return TOPO_OK (0) or a negative TOPO_E* code;
 * when a struct topo_error is passed (it may be NULL) it is filled on error.
 */
#ifndef TCPSIM_TOPO_H
#define TCPSIM_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/sim.h"

/* ====================================================================== */
/* Errors                                                                  */
/* ====================================================================== */

#define TOPO_ERRORS(X)                                                  \
  X(OK,       0, "success")                                             \
  X(ENOMEM,  -1, "out of memory")                                       \
  X(ESYNTAX, -2, "error in topology text")                              \
  X(EIO,     -3, "cannot read topology file")                           \
  X(EBUILD,  -4, "the simulator refused part of the topology")          \
  X(EINVAL,  -5, "invalid argument")                                    \
  X(ENOENT,  -6, "no such group or node")

enum topo_err {
#define TOPO__ERR_ENUM(name, code, msg) TOPO_##name = (code),
  TOPO_ERRORS(TOPO__ERR_ENUM)
#undef TOPO__ERR_ENUM
};

/* Message for a code ("out of memory"); "unknown error" for other values. */
const char *topo_strerror(int err);

/*
 * Where and what went wrong. line and col are 1-based (col counts bytes,
 * a tab is one column); both are 0 when the error has no place in a file
 * (out of memory, a world that is not empty...). file is the path as the
 * user wrote it, includes being resolved relative to the including file.
 */
struct topo_error {
  char file[512];
  int line;
  int col;
  char msg[512];
};

/* "file:line:col: message" (or "file: message" without a place) into buf;
 * returns the length it needed, as snprintf does. */
int topo_format_error(const struct topo_error *e, char *buf, size_t cap);

/* ====================================================================== */
/* Parsing                                                                 */
/* ====================================================================== */

struct topo; /* opaque parsed and resolved topology */

int topo_parse_file(const char *path, struct topo **out, struct topo_error *err);
/* text is a whole topology; name is used in messages and its directory is
 * where relative includes are looked up ("." when it has none). */
int topo_parse_string(const char *name, const char *text, struct topo **out,
                      struct topo_error *err);
void topo_free(struct topo *t);

/*
 * Link attributes as a `link` statement takes them ("loss 5% b>a:delay
 * 20ms hold 1% uniform 1s 2s"; topologies/README.md), applied left to
 * right onto the two directions ab and ba (written back only on success).
 * `down`, `up` and `blocks` are refused: they belong to the topology. On
 * error err has line 1 and the column in text, and an empty file name.
 */
int topo_link_attrs(const char *text, struct sim_link_params *ab,
                    struct sim_link_params *ba, struct topo_error *err);

/* ====================================================================== */
/* Building                                                                */
/* ====================================================================== */

/*
 * Create the nodes (ids 0, 1, 2... in declaration order, so w must not
 * have nodes yet), their addresses and tun prefixes, the links (ids in declaration order),
 * scheduled link down/up events, the routers' default routes, and finally
 * call sim_routes_compute(). On failure err names the declaration the
 * simulator refused; the world is then partly built and should be freed.
 */
int topo_build(const struct topo *t, struct sim_world *w,
               struct topo_error *err);

/* ====================================================================== */
/* Inspecting                                                              */
/* ====================================================================== */

size_t topo_node_count(const struct topo *t);
size_t topo_host_count(const struct topo *t);
size_t topo_router_count(const struct topo *t);
size_t topo_link_count(const struct topo *t);
size_t topo_group_count(const struct topo *t);
/* Name of node id (as built), NULL out of range. */
const char *topo_node_name(const struct topo *t, uint32_t node);
/* First address of node id, 0 when it has none (routers without addr). */
uint32_t topo_node_addr(const struct topo *t, uint32_t node);
/* True for a node declared with `tun` (a host to the simulator, bound to
 * a TUN device by the emulation mode); false out of range. */
bool topo_node_is_tun(const struct topo *t, uint32_t node);
/* The `prefix` of a tun node (every address of it is reached through the
 * node): true with net and len filled, false when it has none. */
bool topo_node_tun_prefix(const struct topo *t, uint32_t node, uint32_t *net,
                          int *len);

/*
 * A group's members are nodes first_node .. first_node + count - 1 (dense
 * in declaration order, the same ids topo_build gives them). A single node
 * name is accepted too and gives count 1. TOPO_ENOENT for unknown names.
 */
int topo_group_find(const struct topo *t, const char *name,
                    uint32_t *first_node, uint32_t *count);
/* The i-th group in declaration order (for listing); TOPO_ENOENT past the end. */
int topo_group_at(const struct topo *t, size_t i, const char **name,
                  uint32_t *first_node, uint32_t *count);

/*
 * For `tcpsim topo check`: counts of hosts, routers, groups and links, the
 * total number of routing entries (w must have been built from t), and the
 * hosts that cannot reach or be reached by some other host, by name (the
 * first 20, then how many more).
 */
void topo_print_summary(const struct topo *t, const struct sim_world *w,
                        FILE *out);

/*
 * A 64-bit FNV-1a digest of the resolved topology, as 16 lowercase hex
 * digits: nodes (kind, name, address), tun prefixes, groups, links with the parameters of
 * both directions and their scheduled events, default routes. It ignores
 * how the text was written (comments, spacing, includes, defaults versus
 * per-link attributes, 1% versus 0.01) and changes with anything that
 * changes the simulated network.
 */
int topo_digest(const struct topo *t, char out_hex[17]);

/*
 * The whole topology as one text: the files as read, each `include` line
 * replaced by the lines of the file it names (between the comments
 * "# >>> include ..." and "# <<<"). It needs no other file, and parsing it
 * gives the same digest; the results database stores it with every run.
 */
const char *topo_text(const struct topo *t);

#endif /* TCPSIM_TOPO_H */
