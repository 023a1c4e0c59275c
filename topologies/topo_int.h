/*
 * topo_int.h - internal data structures of the topology module.
 *
 * Do not use in application code: only the .c files of topologies/ and
 * tests/ include this header. Everybody else goes through topologies/topo.h.
 *
 * The parser (topo_parse.c) reads text line by line with the lexer
 * (topo_lex.c), expands groups and link statements as it goes, and leaves
 * a fully resolved struct topo: one record per node, per link and per
 * default route, nothing left to interpret. topo_build.c only copies that
 * into a world; topo_model.c holds the containers (arrays, name and address
 * hash maps), the accessors and the digest.
 *
 * Axioms of a struct topo returned by the parser (checked by topo__check()):
 *   T1  node ids are 0..nnodes-1 in declaration order; the members of a
 *       group are the contiguous ids first..first+count-1, named
 *       <group name><lo + i>;
 *   T2  every name (node or group) is unique, and the name map finds
 *       exactly the declared names;
 *   T3  every host has exactly one non-zero address; a router has one or
 *       none (0); no two nodes share an address, and the address map finds
 *       exactly those addresses;
 *   T4  every link joins two different existing nodes and points at an
 *       existing link class (its parameters and events);
 *   T5  every default route names a router and a link one of whose ends is
 *       that router and the other the "via" node; at most one per router;
 *   T6  hosts + routers == nodes;
 *   T7  every tun prefix belongs to a tun node (at most one each), has no
 *       host bits set and a length 1-32, overlaps no other tun prefix and
 *       holds no address of another node (its own node's may lie inside).
 */
#ifndef TCPSIM_TOPO_INT_H
#define TCPSIM_TOPO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"
#include "topologies/topo.h"

/* ====================================================================== */
/* Limits (documented in topologies/README.md)                             */
/* ====================================================================== */

#define TOPO__LINE_MAX 4096          /* bytes per line, without newline */
#define TOPO__NAME_MAX 63            /* bytes per node or group name */
#define TOPO__INCLUDE_DEPTH_MAX 16   /* nested includes below the root */
#define TOPO__NODES_MAX (1u << 24)   /* nodes in a topology */
#define TOPO__LINKS_MAX (1u << 25)   /* links in a topology */
#define TOPO__EVENTS_MAX 16          /* down/up events per link statement */
#define TOPO__FILE_MAX (256u << 20)  /* bytes per file */

/* The auto-address pool when no `pool` statement names one: 10.255.0.0/16. */
#define TOPO__POOL_DEFAULT_NET 0x0aff0000u
#define TOPO__POOL_DEFAULT_LEN 16


/* ====================================================================== */
/* Resolved topology                                                       */
/* ====================================================================== */

/* A place in the text: index into topo.files, 1-based line and column. */
struct topo__pos {
  uint32_t file;
  uint32_t line;
  uint32_t col;
};

#define TOPO__NO_GROUP UINT32_MAX

struct topo__node {
  uint32_t name;         /* offset of the NUL-terminated name in topo.names */
  uint32_t addr;         /* IPv4, host order; 0 = none (routers only) */
  uint32_t group;        /* index into topo.groups, or TOPO__NO_GROUP */
  uint8_t kind;          /* enum sim_node_kind */
  uint8_t want_pool;     /* host waiting for an address from the pool */
  uint8_t tun;           /* a `tun` node: a host bound to a TUN device */
  struct topo__pos pos;  /* its declaration (the group's for members) */
};

struct topo__group {
  uint32_t name;         /* offset in topo.names */
  uint32_t first;        /* first member's node id */
  uint32_t count;        /* members, >= 1 */
  uint32_t lo;           /* number of the first member: client<lo> */
  uint8_t kind;          /* enum sim_node_kind of all members */
  struct topo__pos pos;
};

struct topo__updown {
  int64_t t_ns;
  bool up;
};

/* Everything a link statement says about each of its links: the
 * parameters per direction and the scheduled events. Consecutive link
 * statements with identical results share one class. */
struct topo__lclass {
  struct sim_link_params ab;   /* a -> b (a is the left end as written) */
  struct sim_link_params ba;   /* b -> a */
  uint32_t nev;
  struct topo__updown ev[TOPO__EVENTS_MAX]; /* strictly increasing t_ns */
};

struct topo__link {
  uint32_t a;
  uint32_t b;
  uint32_t cls;          /* index into topo.classes */
  uint32_t stmt;         /* index into topo.stmt_pos: where it was declared */
};

struct topo__defroute {
  uint32_t router;
  uint32_t via;
  uint32_t link;         /* resolved at the end of parsing */
  struct topo__pos pos;  /* the `default` keyword */
  struct topo__pos via_pos;
};

/* `tun NAME addr A.B.C.D prefix P/LEN`: every address of the prefix is
 * reached through the tun node (sim_node_add_prefix). Few: searched
 * linearly. */
struct topo__tunpfx {
  uint32_t node;
  uint32_t net;
  uint32_t len;
  struct topo__pos pos;  /* the prefix value */
};

/* Open-addressing hash map from a key to a uint32 value. Name maps key on
 * strings stored in topo.names (the slot holds the value, the hash is kept
 * beside it to skip most string compares); address maps key on the
 * address itself. cap is a power of two, load factor <= 1/2. */
struct topo__map {
  uint32_t *vals;        /* value + 1; 0 = empty slot */
  uint32_t *keys;        /* full hash (names) or the address (addresses) */
  size_t cap;
  size_t used;
};

/* Values in the name map: a node id, or a group index with this bit. */
#define TOPO__NAME_GROUP 0x80000000u

struct topo {
  struct topo__node *nodes;
  size_t nnodes, cap_nodes;
  struct topo__group *groups;
  size_t ngroups, cap_groups;
  struct topo__lclass *classes;
  size_t nclasses, cap_classes;
  struct topo__link *links;
  size_t nlinks, cap_links;
  struct topo__pos *stmt_pos;  /* one per link statement */
  size_t nstmts, cap_stmts;
  struct topo__defroute *defroutes;
  size_t ndefroutes, cap_defroutes;
  struct topo__tunpfx *tunpfx;  /* T7 */
  size_t ntunpfx, cap_tunpfx;

  char *names;                 /* arena of NUL-terminated names */
  size_t names_len, cap_names;
  char **files;                /* display path of every file read */
  size_t nfiles, cap_files;
  char *flat;                  /* the text with includes inlined (topo_text) */
  size_t flat_len, cap_flat;

  struct topo__map name_map;   /* name -> node id | group | TOPO__NAME_GROUP */
  struct topo__map addr_map;   /* address -> node id */

  uint32_t pool_net;           /* auto-address pool */
  uint32_t pool_len;
  bool pool_set;
  struct topo__pos pool_pos;

  size_t nhosts, nrouters;
};

/* ====================================================================== */
/* Containers and helpers (topo_model.c)                                   */
/* ====================================================================== */

struct topo *topo__new(void);
/* Make room for n more elements in *arr (elements of size elem). */
int topo__reserve(void **arr, size_t *cap, size_t len, size_t n, size_t elem);
/* Copy a name (not NUL-terminated) into the arena; offset through *off. */
int topo__name_store(struct topo *t, const char *s, size_t len, uint32_t *off);
static inline const char *topo__name(const struct topo *t, uint32_t off)
{
  return t->names + off;
}
int topo__file_add(struct topo *t, const char *display, uint32_t *idx);

/* Name map: lookup returns true and the value when present. insert
 * assumes the name is absent; name_off is where the name lives. */
bool topo__names_get(const struct topo *t, const char *s, size_t len,
                     uint32_t *val);
int topo__names_put(struct topo *t, uint32_t name_off, uint32_t val);
bool topo__addrs_get(const struct topo *t, uint32_t addr, uint32_t *node);
int topo__addrs_put(struct topo *t, uint32_t addr, uint32_t node);

/* The tun prefix holding addr (T7), NULL when none. */
const struct topo__tunpfx *topo__tunpfx_of(const struct topo *t,
                                           uint32_t addr);

/* Usable host addresses of a prefix: the network and broadcast addresses
 * are skipped for lengths up to 30; /31 has 2 and /32 has 1; 0.0.0.0 is
 * never usable (so 0.0.0.0/31 has 1 and 0.0.0.0/32 none). */
void topo__prefix_range(uint32_t net, int len, uint32_t *first,
                        uint64_t *count);

/* "10.0.0.1" into buf (at least 16 bytes); returns buf. No sim needed. */
char *topo__ipv4_str(uint32_t addr, char *buf);

/* Fill err (may be NULL) with the place and a printf-style message. */
void topo__seterr(struct topo_error *err, const char *file, uint32_t line,
                  uint32_t col, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 5, 6)))
#endif
  ;

/* Verify axioms T1-T6; true when they hold. For asserts and tests. */
bool topo__check(const struct topo *t);

/* ====================================================================== */
/* Lexer and values (topo_lex.c)                                           */
/* ====================================================================== */

/* A token of one line: a word (any run of non-blank characters outside a
 * string and a comment) or a quoted string (s points inside the quotes). */
struct topo__tok {
  const char *s;
  uint32_t len;
  uint32_t col;          /* 1-based column of its first character (the
                            opening quote for strings) */
  bool quoted;
};

/* Where a lexing or value error is reported: the parser gives the lexer
 * its file name, line and error struct so that messages carry them. */
struct topo__where {
  struct topo_error *err;
  const char *file;
  uint32_t line;
};

/* Every token takes at least one byte of the line ("a\"\"a" is three
 * tokens in four bytes), so a line cannot hold more tokens than bytes. */
#define TOPO__TOKS_MAX (TOPO__LINE_MAX + 1)

/* Split line (len bytes, no newline) into toks; returns the count or -1
 * with the error set (line too long, unterminated string, control byte). */
int topo__lex_line(const struct topo__where *wh, const char *line, size_t len,
                   struct topo__tok *toks);

bool topo__tok_is(const struct topo__tok *tk, const char *word);

/* Values; each returns 0, or -1 with the error set at the token (or at the
 * part of it that is wrong). what names the value in messages ("rate",
 * "delay", "hold time"...). */
int topo__val_addr(const struct topo__where *wh, const struct topo__tok *tk,
                   uint32_t *addr);
int topo__val_prefix(const struct topo__where *wh, const struct topo__tok *tk,
                     uint32_t *net, int *len);
int topo__val_rate(const struct topo__where *wh, const struct topo__tok *tk,
                   uint64_t *bps);
int topo__val_time(const struct topo__where *wh, const struct topo__tok *tk,
                   const char *what, int64_t *ns);
int topo__val_prob(const struct topo__where *wh, const struct topo__tok *tk,
                   const char *what, double *p);
int topo__val_count(const struct topo__where *wh, const struct topo__tok *tk,
                    const char *what, uint32_t *n);

/* Closest of the words (NULL-terminated list) within edit distance 2 of s,
 * or NULL: for "did you mean" hints. */
const char *topo__suggest(const char *s, size_t len, const char *const *words);

#endif /* TCPSIM_TOPO_INT_H */
