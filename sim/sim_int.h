/*
 * sim_int.h - private data structures of the simulation core.
 *
 * Do not use in application code: only sim/, tests/ and bench/ include it.
 * The public contract is sim/sim.h; this file says how the world, its nodes,
 * links, packets and routing tables are laid out, and writes the rules they
 * obey as numbered axioms (W*, N*, P*, L*, R*). The debug functions at the
 * end (sim__*_check) verify them by a full scan and are meant for asserts in
 * tests, never for a hot path. The event queue has its own axioms in
 * sim/evq.h.
 */
#ifndef TCPSIM_SIM_INT_H
#define TCPSIM_SIM_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/evq.h"
#include "sim/sim.h"

/* ====================================================================== */
/* Limits and private flags                                                */
/* ====================================================================== */

/* Protocol modules per world. Each host keeps one state pointer per module
 * in a fixed array, which is cheaper than a map for the handful of
 * transports that exist (TCP, ICMP, a test module). */
#define SIM__MAX_PROTOS 8

#define SIM__NONE UINT32_MAX /* "no node / no link" in uint32_t fields */

/* Set on a packet while it sits on the pool's free list (P2). Public flags
 * use the low bits; this one is never visible on a live packet. */
#define SIM__PKTF_FREE 0x8000u

/* Packets per pool slab: one malloc per 256 packets. */
#define SIM__PKT_SLAB 256
/* One-shot call records per slab (sim_call_at). */
#define SIM__CALL_SLAB 128

/* ====================================================================== */
/* Routing tables                                                          */
/* ====================================================================== */

/*
 * A node's forwarding table: (prefix, length) -> link. Entries are sorted
 * by length (longest first) and then by prefix, and lens[] lists the
 * lengths in use with the range of entries of each, so longest-prefix
 * match is one binary search per length in use, longest first.
 *
 *   R1. e[] is sorted by (len desc, prefix asc) and holds no two entries
 *       with the same (prefix, len).
 *   R2. Every prefix has no bits set below its length.
 *   R3. lens[0..nlens-1] are the distinct lengths of e[], in decreasing
 *       order; entries of lens[k] are e[start[k] .. start[k+1]-1].
 *   R4. A node with exactly one link and no default route set holds no
 *       table (n == 0): everything leaves through that link.
 *   R5. Apart from direct per-host entries (R6), the prefixes pointing at
 *       one link are the minimal set of CIDR blocks covering exactly the
 *       addresses routed through that link: no two of them are siblings.
 *   R6. Hosts directly attached to a node get /32 entries for each of their
 *       addresses (a host may be attached by several links: the lowest
 *       link id is used), which win over any aggregate by being longest,
 *       and one entry per block they own (sim_node_add_prefix).
 */
struct sim__route {
  uint32_t prefix;
  uint32_t link;
};

/* A router's recent lookups (dst -> link), so that a table of thousands of
 * host routes costs one probe per packet rather than a binary search; a
 * slot with link SIM__NONE is empty. Made with the table, cleared with it:
 * it never answers differently from the table. */
#define SIM__RCACHE_SLOTS 1024
struct sim__rcache {
  uint32_t dst;
  uint32_t link;
};

struct sim__rtable {
  struct sim__route *e;
  struct sim__rcache *cache;     /* NULL for small tables */
  uint32_t n;
  uint8_t nlens;
  uint8_t lens[33];
  uint32_t start[34];
};

/* ====================================================================== */
/* Nodes                                                                   */
/* ====================================================================== */

/*
 *   N1. w->nodes[i]->id == i; node structs never move once created (they
 *       embed boot_ev, which may sit in the event queue).
 *   N2. names are unique; w->name_map finds every node by name and holds
 *       nothing else.
 *   N3. Every address of every node is in w->addr_map with that node as
 *       owner, and the map holds nothing else. Address 0 is never used.
 *   N4. links[] lists the links touching the node in increasing id order.
 *   N5. boot_ev is pending only while the node is down and a reboot is
 *       due; a boot by hand cancels it (powering off a node that is
 *       already down is a no-op and leaves it due).
 *   N6. pstate[k] is the state the k-th registered module returned from
 *       attach for this host (routers have none).
 *   N7. w->blocks[0..nblocks) are the address blocks of sim_node_add_prefix:
 *       each belongs to a host whose npfx counts it, no two overlap, and a
 *       block holds no address of another node (the owner's own addresses
 *       may lie inside). An address in a block is owned by the block's node
 *       unless it is in addr_map (then by the same node, N3).
 */
struct sim__node {
  char *name;
  uint32_t id;
  enum sim_node_kind kind;
  bool up;
  uint32_t epoch;              /* boots so far */
  uint32_t *addrs;             /* addresses, first one is the "main" one */
  uint32_t naddrs;
  uint32_t addrs_cap;
  uint32_t *links;             /* incident links, increasing ids (N4) */
  uint32_t nlinks;
  uint32_t links_cap;
  uint32_t default_link;       /* for unowned addresses, SIM__NONE if none */
  struct sim__rtable rt;
  struct sim_event boot_ev;    /* pending reboot (N5) */
  void *pstate[SIM__MAX_PROTOS];
  uint32_t npfx;               /* blocks of w->blocks it owns (N7) */
  sim_device_rx_fn dev_rx;     /* sim_node_set_device: takes local packets */
  void *dev_ctx;
};

/* ====================================================================== */
/* Links                                                                   */
/* ====================================================================== */

/*
 * One direction of a link. A packet accepted by the direction is either
 * parked (hold), or in the queue, or being serialised (tx), or propagating
 * (its delivery event pending, stamped with down_gen).
 *
 *   L1. qlen is the length of the list qhead..qtail (linked by qnext), and
 *       qlen <= p.queue_pkts. The packet being serialised is not counted.
 *   L2. tx != NULL iff tx_ev is pending; the queue is non-empty only while
 *       tx != NULL (a free transmitter never leaves a packet waiting).
 *       Cut-through: a packet offered to an idle transmitter (no tx, no
 *       cut-through packet still serialising, ser > 0) is put in flight at
 *       once, to arrive after its serialisation and the delay, with no
 *       tx_ev of its own; fast is that packet until fast_until, the end of
 *       its serialisation. A packet offered before fast_until makes fast
 *       the tx (tx_launched: already in flight) with tx_ev at fast_until
 *       and waits in the queue, so that queue, drops and timing are those
 *       of the plain path, with one event per packet and hop fewer.
 *   L3. A packet carried by this direction has cur_link == its link and
 *       cur_dir == its direction.
 *   L4. down_gen grows by one at every up->down transition; a packet
 *       stamped with an older generation is dropped (LINK_DOWN) when its
 *       delivery event fires, so a link that went down and up again does
 *       not deliver what was in flight.
 *   L5. While the link is down the direction holds no queued packet and no
 *       tx: going down flushes both.
 *   L6. Fault decisions are drawn from the direction's own streams, seeded
 *       with (run seed, "link.loss"/"link.dup"/"link.hold", 2*link + dir),
 *       and every enabled stream is drawn once per packet offered while the
 *       link is up, whatever the other faults decide, so turning one fault
 *       on never changes another's decisions.
 */
struct sim__linkdir {
  struct sim_link_params p;
  uint32_t from;               /* sending node */
  uint32_t to;                 /* receiving node */
  struct sim_packet *qhead;
  struct sim_packet *qtail;
  uint32_t qlen;
  struct sim_packet *tx;       /* being serialised */
  struct sim_event tx_ev;      /* end of tx's serialisation */
  bool tx_launched;            /* tx is a cut-through packet (L2) */
  struct sim_packet *fast;     /* the last cut-through packet (L2) */
  int64_t fast_until;          /* end of its serialisation */
  uint32_t down_gen;           /* L4 */
  bool ge_bad;                 /* Gilbert-Elliott state */
  uint64_t thr_loss;           /* sim_prob_threshold() of each fault */
  uint64_t thr_gb, thr_bg, thr_loss_good, thr_loss_bad;
  uint64_t thr_dup;
  uint64_t thr_hold;
  struct sim_rng rng_loss;
  struct sim_rng rng_dup;
  struct sim_rng rng_hold;
  struct sim_link_stats st;
};

struct sim__link {
  uint32_t id;
  uint32_t a, b;
  bool up;
  struct sim__linkdir d[2];    /* d[0]: a->b, d[1]: b->a */
};

/* ====================================================================== */
/* World                                                                   */
/* ====================================================================== */

struct sim__proto {
  const struct sim_proto_ops *ops;
  void *ctx;
};

struct sim__trace {
  const struct sim_trace_ops *ops;
  void *ctx;
};

/* A one-shot callback of sim_call_at(), from a pool (W4). */
struct sim__call {
  struct sim_event ev;
  void (*fn)(struct sim_world *w, void *arg);
  void *arg;
  struct sim__call *next_free;
};

/* Open-addressing hash maps (linear probing, power-of-two sizes, at most
 * half full). Only exact lookups are done on them: nothing iterates them,
 * so their order never reaches a result. */
struct sim__name_map {
  uint32_t *slot;              /* node id, SIM__NONE when empty */
  size_t cap;
  size_t n;
};

struct sim__addr_map {
  uint32_t *key;               /* address, 0 when empty */
  uint32_t *val;               /* owner node */
  size_t cap;
  size_t n;
};

/* A block of addresses owned by one host (sim_node_add_prefix). */
struct sim__block {
  uint32_t prefix;
  uint32_t node;
  uint8_t len;
};

/*
 *   W1. now_ns only grows; every pending event has t_ns >= now_ns.
 *   W2. stop_req is only set by sim_stop() and only cleared by sim_run()
 *       when it honours it, so a stop asked between two slices stops the
 *       next one.
 *   W3. proto_slot[n] is the index in protos[] of the module registered
 *       for IP protocol n, or -1.
 *   W4. A sim__call record is either on call_free or pending in the queue;
 *       its callback runs after the record went back to the pool, so the
 *       callback may reuse it.
 *   W5. Packets come from slabs; a packet is on pkt_free iff it carries
 *       SIM__PKTF_FREE. uid_next is the uid of the next allocation.
 *   W6. routes_valid is false whenever a node, address or link was added
 *       after the last sim_routes_compute(); packet forwarding recomputes
 *       then, sim_route_lookup() reads the tables as they are.
 */
struct sim_world {
  uint64_t seed;
  int64_t now_ns;
  struct sim_evq q;
  uint64_t events_processed;
  volatile sig_atomic_t stop_req;   /* W2; written by signal handlers */
  bool running;

  /* nodes */
  struct sim__node **nodes;         /* pointers: nodes never move (N1) */
  size_t nnodes;
  uint64_t boots;                   /* sim_node_boot calls that booted */
  size_t nodes_cap;
  struct sim__name_map names;
  struct sim__addr_map addrs;
  struct sim__block *blocks;        /* N7: few, searched linearly */
  size_t nblocks;
  size_t blocks_cap;

  /* links */
  struct sim__link **links;         /* pointers: links embed events */
  size_t nlinks;
  size_t links_cap;

  /* routing */
  bool routes_valid;
  uint64_t default_route_used;      /* packets sent by a default route */

  /* protocol modules */
  struct sim__proto protos[SIM__MAX_PROTOS];
  int nprotos;
  int8_t proto_slot[256];           /* W3 */

  /* observers and counters */
  struct sim__trace *traces;
  size_t ntraces;
  size_t traces_cap;
  uint64_t drops[SIM_DROP__COUNT];

  /* packet pool (W5) */
  struct sim_packet *pkt_free;
  struct sim_packet **pkt_slabs;
  size_t npkt_slabs;
  size_t pkt_slabs_cap;
  uint64_t uid_next;
  size_t pkts_live;

  /* one-shot calls (W4) */
  struct sim__call *call_free;
  struct sim__call **call_slabs;
  size_t ncall_slabs;
  size_t call_slabs_cap;
};

/* ====================================================================== */
/* Internal functions                                                      */
/* ====================================================================== */

static inline struct sim__node *sim__node(const struct sim_world *w,
                                          uint32_t id)
{
  return w->nodes[id];
}

/* world.c */
/* Count a drop, tell the observers, free the packet. node and link say
 * where (link SIM__NONE when not on a link). */
void sim__drop(struct sim_world *w, uint32_t node, uint32_t link,
               enum sim_drop_reason why, struct sim_packet *p);
void sim__trace_send(struct sim_world *w, uint32_t node, uint32_t link,
                     int dir, const struct sim_packet *p);
void sim__trace_recv(struct sim_world *w, uint32_t node,
                     const struct sim_packet *p);
void sim__trace_host(struct sim_world *w, uint32_t node,
                     enum sim_host_event ev, uint32_t epoch);

/* node.c */
int sim__node_init_world(struct sim_world *w);
void sim__node_fini_world(struct sim_world *w);
/* A packet reached node over link (SIM__NONE for local loopback). */
void sim__node_input(struct sim_world *w, uint32_t node, uint32_t link,
                     struct sim_packet *p);
int sim__node_attach_link(struct sim_world *w, uint32_t node, uint32_t link);
bool sim__addr_lookup(const struct sim_world *w, uint32_t addr,
                      uint32_t *owner);

/* packet.c */
void sim__packet_pool_fini(struct sim_world *w);
/* Packets currently allocated (not in the pool). */
size_t sim__packets_live(const struct sim_world *w);

/* link.c */
/* Offer p to the direction of link leaving node `from`. Takes ownership.
 * Returns SIM_OK if the packet left the node (even if the link then
 * loses it or its queue is full), SIM_EDOWN if the link is down. */
int sim__link_send(struct sim_world *w, uint32_t link, uint32_t from,
                   struct sim_packet *p);
/* Drop what the direction leaving node holds (queue and transmitter),
 * counted with reason why; used when its node powers off. */
void sim__link_flush_from(struct sim_world *w, uint32_t link, uint32_t from,
                          enum sim_drop_reason why);
void sim__link_fini_world(struct sim_world *w);
/* Serialisation time of ip_len bytes at rate_bps: ceil(bits * 1e9 / rate)
 * ns, 0 when rate is 0. Exact integer arithmetic. */
int64_t sim__ser_ns(uint64_t ip_len, uint64_t rate_bps);

/* route.c */
/* The link node uses for dst; recomputes the tables first if they are
 * stale (W6). Counts default-route use. */
int sim__route_next(struct sim_world *w, uint32_t node, uint32_t dst,
                    uint32_t *link_out);
void sim__rtable_free(struct sim__rtable *rt);

/* Debug checks: true when the axioms hold. Full scans; for asserts in
 * tests. */
bool sim__world_check(const struct sim_world *w);
bool sim__link_check(const struct sim_world *w, uint32_t link);
bool sim__rtable_check(const struct sim__rtable *rt);

#endif /* TCPSIM_SIM_INT_H */
