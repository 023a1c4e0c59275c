/*
 * exp_int.h - internal header of the experiments module: the layout of a
 * parsed experiment (struct exp_config) and the one table of sections and
 * keys behind the parser, the defaults and `tcpsim list`. Do not include it
 * from outside experiments/ (and tests).
 *
 * How a file becomes a config (experiments/config.c):
 *   1. inih reads the text; our handler checks structure only: a known
 *      section, a known key for it, no key twice. Entries are kept as text
 *      with where they came from (file:line, --set or the [sweep] line).
 *   2. --set entries replace or join the file's entries.
 *   3. Resolution: every value checked against its table row, the topology
 *      parsed so that groups, nodes and links can be looked up, defaults
 *      filled in, the TCP settings computed (profile, then [tcp], then each
 *      [tcp.GROUP]; msl always before time_wait).
 *
 * Axioms of a resolved struct exp_config:
 *   (a) every workload's kv holds every key of its type, in table order,
 *       with the default where the file said nothing;
 *   (b) node ids are those topo_build gives (topo_group_find);
 *   (c) the raw sections reproduce the config: printing it
 *       (exp_config_print) and parsing the text again gives the same text;
 *   (d) actions are in file order, which is also the order in which
 *       actions at the same instant run; an action's sock names an action
 *       that runs before it (earlier time, or the same time and earlier
 *       in the file), on the same host, that is a connect (its socket),
 *       or a listen (nth 0: the listener; nth k: the k-th connection it
 *       accepted).
 */
#ifndef TCPSIM_EXP_INT_H
#define TCPSIM_EXP_INT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "experiments/exp.h"
#include "tcp/tcp.h"

/* ====================================================================== */
/* The table of sections and keys                                          */
/* ====================================================================== */

enum exp_sec_kind {
  EXP_SEC_RUN,       /* [run] */
  EXP_SEC_TCP,       /* [tcp]: the keys of tcp_settings_table */
  EXP_SEC_TCP_GROUP, /* [tcp.GROUP]: the same keys, for one host group */
  EXP_SEC_WORKLOAD,  /* [workload.NAME] */
  EXP_SEC_FAULT,     /* [fault.NAME] */
  EXP_SEC_ACTION,    /* [action.NAME]: a socket call of the timeline */
  EXP_SEC_SWEEP      /* [sweep] */
};

enum exp_key_type {
  EXP_T_PATH,   /* a file or directory name */
  EXP_T_UINT,   /* whole number in [lo, hi] */
  EXP_T_TIME,   /* number with unit ns, us, ms, s; or 0 */
  EXP_T_RATE,   /* events per unit of time: 10/s, 2.5/ms, 60/min */
  EXP_T_ENUM,   /* one of choices */
  EXP_T_BOOL,   /* on/off, yes/no, true/false, 1/0 */
  EXP_T_NODE,   /* one node of the topology */
  EXP_T_HOSTS,  /* a host group or one node */
  EXP_T_LINK,   /* A-B: the link between nodes A and B */
  EXP_T_PREFIX, /* a.b.c.d/len */
  EXP_T_LINKPARAMS, /* link attribute words of the topology language */
  EXP_T_SOCK,   /* [action.*] sock: NAME or NAME#k (k from 1) */
  EXP_T_LIST    /* [sweep]: comma-separated values of another key */
};

struct exp_key_desc {
  enum exp_sec_kind sec;
  const char *applies;   /* workloads: the type the key belongs to;
                            NULL: every type (and every other section) */
  const char *name;      /* "*" in [sweep]: any SECTION.KEY */
  enum exp_key_type type;
  const char *def;       /* default as text; NULL: required; "": unset */
  const char *choices;   /* EXP_T_ENUM: "a|b|c" */
  uint64_t lo, hi;       /* EXP_T_UINT range */
  const char *help;      /* one line */
};

/* The table, in documentation order ([tcp] rows excepted: those come
 * from tcp_settings_table). */
const struct exp_key_desc *exp__key_table(size_t *n);
/* The row for (kind, workload type or NULL, name); NULL when unknown. With
 * wtype NULL in a workload section, any type's row of that name. */
const struct exp_key_desc *exp__key_find(enum exp_sec_kind kind,
                                         const char *wtype, const char *name);

/* Value parsers shared with the workloads (0 or -1). */
int exp__parse_uint(const char *s, uint64_t *out);
int exp__parse_time(const char *s, int64_t *ns_out);
/* A rate as events per second. */
int exp__parse_rate(const char *s, double *per_s_out);
int exp__parse_bool(const char *s, int *out);
int exp__parse_prefix(const char *s, uint32_t *addr_out, uint32_t *len_out);

/* ====================================================================== */
/* A parsed experiment                                                     */
/* ====================================================================== */

enum exp_origin { EXP_FROM_FILE, EXP_FROM_SET, EXP_FROM_SWEEP };

struct exp_entry {       /* one key = value, as written */
  char *key;
  char *value;
  enum exp_origin origin;
  int line;              /* file line (of the [sweep] key for EXP_FROM_SWEEP) */
};

struct exp_section {     /* one [section] with its entries in file order */
  char *name;            /* "run", "workload.c1" */
  enum exp_sec_kind kind;
  int line;              /* line of its [header]; 0 when made by --set */
  struct exp_entry *e;
  size_t n, cap;
};

struct exp_kv {
  const char *key;       /* the table's name */
  char *value;
};

struct exp_workload {
  char *name;                   /* NAME of [workload.NAME] */
  enum exp_workload_type type;
  char *hosts;
  uint32_t first_node, count;   /* the hosts (axiom b) */
  struct exp_kv *kv;            /* type-specific keys (axiom a) */
  size_t nkv;
};

struct exp_fault {
  char *name;
  int64_t at_ns;
  enum exp_fault_action action;
  uint32_t node;                /* crash/reboot/kill; UINT32_MAX otherwise */
  int64_t delay_ns;             /* reboot: power off for this long */
  uint32_t link_a, link_b;      /* link_down/up, set_link; UINT32_MAX else */
  char *params;                 /* set_link: attribute words; NULL else */
};

enum exp_action_kind {
  EXP_ACT_LISTEN, EXP_ACT_CONNECT, EXP_ACT_SEND, EXP_ACT_SHUTDOWN,
  EXP_ACT_CLOSE, EXP_ACT_ABORT
};
#define EXP_ACT_CHOICES "listen|connect|send|shutdown|close|abort"

struct exp_action {             /* [action.NAME] (axiom d) */
  char *name;
  int64_t at_ns;
  enum exp_action_kind kind;
  uint32_t host;                /* a host node */
  uint16_t port;                /* listen: local; connect: remote */
  uint32_t backlog;             /* listen */
  uint32_t to;                  /* connect: the node; UINT32_MAX otherwise */
  uint16_t local_port;          /* connect: 0 for an ephemeral port */
  uint64_t bytes;               /* send */
  size_t sock;                  /* send..abort: index of the connect or
                                   listen action; SIZE_MAX otherwise */
  uint32_t nth;                 /* 0: that action's own socket; k >= 1:
                                   the k-th connection its listener
                                   accepted */
};

/* "listen", "connect"...; "?" for other values. */
const char *exp__action_name(enum exp_action_kind k);

struct exp_tcp_group {
  char *group;
  uint32_t first_node, count;
  struct tcp_settings settings; /* [tcp] resolved, then this section */
};

struct exp_sweep_axis {
  char *section;                /* "tcp", "workload.c1" */
  char *key;
  char **values;
  size_t nvalues;
  int line;
};

struct exp_config {
  char *file;                   /* for messages: the .ini as named */
  char *dir;                    /* its directory: topology is relative to it */
  struct exp_section *sec;      /* raw, in order of first appearance */
  size_t nsec;
  /* [run] */
  char *topology;               /* resolved: absolute path */
  uint64_t seed;
  int64_t duration_ns;
  enum tcp_profile profile;
  enum exp_trace trace;
  char *db;
  char *pcap;                   /* "" when off */
  int64_t sample_ns;            /* 0: duration / 100 */
  /* [tcp] and [tcp.GROUP] */
  struct tcp_settings tcp;
  struct exp_tcp_group *groups;
  size_t ngroups;
  struct exp_workload *wl;
  size_t nwl;
  struct exp_fault *faults;
  size_t nfaults;
  struct exp_action *actions;   /* [fault.*] and [action.*]: the timeline */
  size_t nactions;
  /* [sweep] (empty in the configs exp_sweep_expand makes) */
  struct exp_sweep_axis *axes;
  size_t naxes;
  uint32_t replications;
  /* position of this config in its sweep (0, 0 outside one) */
  uint32_t sweep_point;
  uint32_t replication;
};

/* The value of key in workload wl (every key of its type is there, axiom
 * a); NULL for a key of another type. */
const char *exp__workload_get(const struct exp_workload *wl, const char *key);

/* sqlite3 queries to paste, for runs first..last of db (runner.c). */
void exp__print_queries(FILE *f, const char *db, int64_t first, int64_t last,
                        enum exp_trace trace);

#endif /* TCPSIM_EXP_INT_H */
