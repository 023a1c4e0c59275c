/*
 * tcp_harness.h - a small world for TCP scenario tests (tests/tcp/).
 *
 * th_init() fills the settings of a profile and the link parameters;
 * the test adjusts h->set / h->lp, then th_start() builds the world:
 *
 *   TH_TOPO_PAIR    a (10.0.0.1) ---- b (10.0.0.2)          one link
 *   TH_TOPO_ROUTER  a ---- r ---- b, and x (10.0.0.3) ---- r
 *
 * Every link gets h->lp (default: infinitely fast, 1 ms propagation, so
 * times are exact). In the router topology the one-way a->b delay is two
 * hops; th_owd() gives it. x is the attacker/crafted peer: it injects
 * segments with any source address through th_inject(); TH_ADDR_GHOST is
 * owned by no node, so what is sent to it dies at the router (NO_ROUTE)
 * and a crafted peer at that address never answers by itself.
 *
 * Capture. Every TCP segment a *host* sends is recorded: at the core's
 * pkt_send hook (it left the host onto its first link), or at pkt_drop
 * when the host's first hop refused it (link down, loss, queue full, no
 * route, host down) - a segment TCP tried to send is in the ladder even
 * when it never left. Routers' forwarding is not recorded again (same
 * packet uid); a later drop of a recorded packet (in flight, at the
 * router, at a powered-off receiver) is noted as the segment's fate.
 * Link duplicates (SIM_PKTF_DUPLICATE) are not recorded. Segments made by
 * th_inject are marked '*' in the ladder.
 *
 * Also recorded: every state transition (tcp trace hook, with its cause
 * and whether the arc is declared in tcp_arcs), every conn_closed error,
 * every segment the module dropped (with its reason). th_print() shows
 * all of it merged in event order: the ladder of the seeds' figures.
 *
 * Assertions (th_expect_seg, th_check, th_check_int) print the whole
 * ladder before failing. Flag patterns: upper-case letters must be set,
 * lower-case letters may be set, any other flag must be clear; PSH is
 * never compared (when to push is the sender's choice). "Ra" matches R
 * and RA; NULL matches anything. Numbers given as TH_ANY are not compared.
 *
 * Apps: th_listen / th_connect / th_socket give a struct th_app whose
 * callbacks record events (times, bytes, errors) and may act (read, reply,
 * close on the peer's FIN...) per its struct th_behave. Listeners accept
 * automatically; accepted connections get the listener's child_bh.
 *
 * Setup/teardown for cmocka: th_setup allocates a zeroed harness in
 * *state; th_teardown checks that no undeclared transition happened,
 * adds the module's arc counts to a process-wide total (th_arc_total,
 * read by test_coverage) and frees everything. With TH_LADDER=1 in the
 * environment every scenario prints its ladder at teardown.
 */
#ifndef TCPSIM_TEST_TCP_HARNESS_H
#define TCPSIM_TEST_TCP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tcp/tcp.h"
#include "tests/support/support.h"

#define TH_ADDR_A 0x0a000001u     /* 10.0.0.1 */
#define TH_ADDR_B 0x0a000002u     /* 10.0.0.2 */
#define TH_ADDR_X 0x0a000003u     /* 10.0.0.3 */
#define TH_ADDR_GHOST 0x0a000063u /* 10.0.0.99: nobody's */

#define TH_ANY (-1)               /* for seq/ack/len/node/state arguments */
#define TH_NONE UINT32_MAX        /* absent node */

enum th_topo { TH_TOPO_PAIR, TH_TOPO_ROUTER };

struct th_seg {
  uint64_t order;      /* position among all records */
  int64_t t_ns;        /* when the host handed it to its first link */
  uint64_t uid;
  uint32_t node;       /* sending host */
  uint32_t src, dst;
  struct tcp_hdr h;
  uint32_t len;        /* payload bytes */
  char flags[8];       /* tcp_flags_str */
  bool injected;       /* made by th_inject */
  const char *fate;    /* NULL: not dropped (as far as seen) */
  uint32_t fate_node;
};

struct th_trans {
  uint64_t order;
  int64_t t_ns;
  uint32_t node;
  uint64_t conn;
  enum tcp_state from, to;
  char cause[48];
  bool declared;
};

struct th_closed {
  uint64_t order;
  int64_t t_ns;
  uint32_t node;
  uint64_t conn;
  int err;
};

struct th_drop {
  uint64_t order;
  int64_t t_ns;
  uint32_t node;
  char flags[8];
  uint32_t seq, ack, len;
  const char *reason;
};

/* What an app does on its own when things happen. */
struct th_behave {
  bool no_read;             /* leave received bytes unread */
  bool close_on_peer_close; /* passive close as soon as the FIN arrives */
  bool close_on_connected;  /* close at once when connected / accepted */
  uint64_t reply_after;     /* once this many bytes were read...        */
  uint64_t reply_bytes;     /* ...send this many, once (0: never)       */
  bool close_after_reply;
  bool nodelay;             /* TCP_OPT_NODELAY on accepted children */
};

#define TH_MAX_CHILD 64

struct th;

struct th_app {
  struct th *h;
  struct tcp_sock *s;       /* NULL once the app closed or aborted it */
  uint32_t node;
  uint64_t conn;            /* conn id once known */
  struct th_behave bh;
  struct th_behave child_bh;/* listeners: given to accepted children */
  bool no_accept;           /* listeners: do not accept automatically */
  struct th_app *parent;
  struct th_app *child[TH_MAX_CHILD];
  size_t nchild;
  /* events */
  int n_connected;
  int64_t t_connected;
  int n_acceptable;
  int n_readable;
  uint64_t rcvd;
  int64_t t_rcvd;           /* last bytes read */
  int n_peer_closed;
  int64_t t_peer_closed;
  int n_closed;
  int err;                  /* of the last closed callback */
  int64_t t_closed;
  int send_err;             /* last failing tcp_send in an automatic reply */
};

#define TH_MAX_APPS 256

struct th {
  /* configuration, before th_start */
  enum tcp_profile profile;
  struct tcp_settings set;  /* every host's settings */
  struct sim_link_params lp;
  enum th_topo topo;
  uint64_t seed;
  uint32_t owner;           /* owner of sockets made by th_listen/connect */
  bool quiet;               /* no ladder on failure */
  /* the world */
  struct sim_world *w;
  struct tcp_module *m;
  uint32_t a, b, x, r;      /* x, r: TH_NONE in the pair topology */
  uint32_t link_a, link_b, link_x; /* pair: link_a == link_b */
  bool started;
  /* records */
  uint64_t order;
  struct th_seg *segs;
  size_t nsegs, capsegs;
  struct th_trans *tr;
  size_t ntr, captr;
  struct th_closed *cl;
  size_t ncl, capcl;
  struct th_drop *dr;
  size_t ndr, capdr;
  uint64_t undeclared;      /* transitions not in tcp_arcs */
  uint64_t inject_uid;      /* uid being injected now (0: none) */
  /* apps */
  struct th_app *apps[TH_MAX_APPS];
  size_t napps;
};

/* ---- cmocka glue ------------------------------------------------------ */
int th_setup(void **state);
int th_teardown(void **state);

/* ---- building --------------------------------------------------------- */
/* Defaults: the profile's settings with quiet_time off (tests about quiet
 * time switch it on), links infinitely fast with 1 ms delay and 1000
 * packets of queue, seed 1, owner 1, pair topology. */
void th_init(struct th *h, enum tcp_profile p, enum th_topo topo);
void th_start(struct th *h);
void th_free(struct th *h);
/* One-way delay a <-> b (and x <-> a/b in the router topology). */
int64_t th_owd(const struct th *h);
/* Per-host settings after th_start (tcp_host_settings). */
struct tcp_settings th_host_get(const struct th *h, uint32_t node);
void th_host_set(struct th *h, uint32_t node, const struct tcp_settings *s);
const char *th_name(const struct th *h, uint32_t node);

/* ---- running ---------------------------------------------------------- */
void th_run(struct th *h, int64_t until_ns);      /* absolute time */
void th_run_for(struct th *h, int64_t dt_ns);     /* relative */
int64_t th_now(const struct th *h);

/* ---- apps ------------------------------------------------------------- */
/* A socket with the harness callbacks (not bound, not connected). */
struct th_app *th_socket(struct th *h, uint32_t node);
/* socket + bind(0, port) + listen(backlog); asserts success. */
struct th_app *th_listen(struct th *h, uint32_t node, uint16_t port,
                         uint32_t backlog);
/* socket + (bind(0, lport) if lport) + connect; asserts success. */
struct th_app *th_connect(struct th *h, uint32_t node, uint16_t lport,
                          uint32_t daddr, uint16_t dport);
/* Close / abort the app's handle (asserts TCP_OK); s becomes NULL. */
void th_close(struct th_app *app);
void th_abort(struct th_app *app);
struct tcp_sock_info th_info(const struct th_app *app);
/* The app's first accepted child (asserting there is one). */
struct th_app *th_child(struct th_app *listener, size_t i);

/* ---- segments --------------------------------------------------------- */
size_t th_nsegs(const struct th *h);
const struct th_seg *th_seg_at(struct th *h, size_t idx);
/* Does s match the pattern (see the file comment)? */
bool th_seg_matches(const struct th_seg *s, int64_t node, const char *flags,
                    int64_t seq, int64_t ack, int64_t len);
/* First index >= from that matches, or -1. */
long th_find(const struct th *h, size_t from, int64_t node, const char *flags,
             int64_t seq, int64_t ack, int64_t len);
/* Segments sent by node (TH_ANY: all) with t in [t0, t1). */
size_t th_count_segs(const struct th *h, int64_t node, int64_t t0, int64_t t1);
/* Index of the n-th (0-based) segment from node with a payload, or -1. */
long th_nth_data(const struct th *h, uint32_t node, size_t n);
/* Index of the last segment sent by node, or -1. */
long th_last_from(const struct th *h, uint32_t node);

/* A header for th_inject: window 65535, no options. */
struct tcp_hdr th_hdr(uint16_t sport, uint16_t dport, const char *flags,
                      uint32_t seq, uint32_t ack);
uint8_t th_flags_parse(const char *flags); /* "SA" -> TCP_F_SYN|TCP_F_ACK */
/* Hand a crafted segment to IP at from_node (src may be spoofed).
 * Returns the sim_ip_output result. */
int th_inject(struct th *h, uint32_t from_node, uint32_t src, uint32_t dst,
              const struct tcp_hdr *hdr, uint32_t len);
/* Shorthand: th_hdr + th_inject. */
int th_inject_seg(struct th *h, uint32_t from_node, uint32_t src,
                  uint16_t sport, uint32_t dst, uint16_t dport,
                  const char *flags, uint32_t seq, uint32_t ack, uint32_t len);

/* ---- transitions and closes ------------------------------------------- */
/* Count transitions (node / conn / from / to may be TH_ANY; conn 0 too). */
size_t th_count_trans(const struct th *h, int64_t node, uint64_t conn,
                      int from, int to);
/* First matching transition, or NULL. */
const struct th_trans *th_find_trans(const struct th *h, int64_t node,
                                     uint64_t conn, int from, int to);
/* The state a connection is in according to its last transition
 * (TCP_S_CLOSED if none). */
enum tcp_state th_conn_state(const struct th *h, uint64_t conn);
/* First conn_closed record of conn, or NULL. */
const struct th_closed *th_find_closed(const struct th *h, uint64_t conn);

/* ---- arcs ------------------------------------------------------------- */
/* Index of (from, to) in tcp_arcs, -1 if undeclared. */
int th_arc_index(enum tcp_state from, enum tcp_state to);
/* Process-wide: arc counts of every module freed so far. */
uint64_t th_arc_total(size_t arc_index);

/* ---- printing and assertions ------------------------------------------ */
void th_print(const struct th *h, FILE *f);
void th_print_seg(const struct th *h, const struct th_seg *s, size_t idx,
                  FILE *f);
void th__fail(const struct th *h, const char *file, int line,
              const char *fmt, ...);
void th__expect_seg(struct th *h, size_t idx, int64_t node, const char *flags,
                    int64_t seq, int64_t ack, int64_t len, const char *file,
                    int line);
void th__check_int(const struct th *h, int64_t got, int64_t want,
                   const char *gtxt, const char *wtxt, const char *file,
                   int line);

#define th_expect_seg(h, idx, node, flags, seq, ack, len)                   \
  th__expect_seg((h), (idx), (int64_t)(node), (flags), (int64_t)(seq),      \
                 (int64_t)(ack), (int64_t)(len), __FILE__, __LINE__)
#define th_check(h, cond, ...)                                              \
  ((cond) ? (void)0 : th__fail((h), __FILE__, __LINE__, __VA_ARGS__))
#define th_check_int(h, got, want)                                          \
  th__check_int((h), (int64_t)(got), (int64_t)(want), #got, #want,         \
                __FILE__, __LINE__)
/* Expect exactly n segments captured so far. */
#define th_expect_nsegs(h, n) th_check_int((h), th_nsegs(h), (n))

#endif /* TCPSIM_TEST_TCP_HARNESS_H */
