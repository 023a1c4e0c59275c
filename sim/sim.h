/*
 * sim.h - public API of the simulation core.
 *
 * The core is a discrete-event scheduler running many virtual nodes (hosts
 * and routers) joined by full-duplex links. It knows IPv4 and nothing above
 * it: transports such as TCP register as protocol modules (by IP protocol
 * number) and are handed the packets addressed to their host. Nothing here
 * writes files or SQL; observers subscribe to trace hooks instead.
 *
 * Data structures, their invariants and the private parts of the structs
 * below are described in sim/sim_int.h (internal to sim/, bench/ and tests/).
 *
 * Conventions: every time is an int64_t count of nanoseconds (names end in
 * _ns); functions return SIM_OK (0) or a negative SIM_E* code and pass
 * results through pointers; IPv4 addresses are uint32_t in host byte order.
 */
#ifndef TCPSIM_SIM_H
#define TCPSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ====================================================================== */
/* Time                                                                    */
/* ====================================================================== */

#define SIM_NS ((int64_t)1)
#define SIM_US ((int64_t)1000)
#define SIM_MS ((int64_t)1000000)
#define SIM_S  ((int64_t)1000000000)
#define SIM_TIME_MAX INT64_MAX

/* ====================================================================== */
/* Errors: one list generates the codes, their names and their messages.   */
/* ====================================================================== */

#define SIM_ERRORS(X)                                                    \
  X(OK,          0, "success")                                           \
  X(ENOMEM,     -1, "out of memory")                                     \
  X(EINVAL,     -2, "invalid argument")                                  \
  X(ENOENT,     -3, "no such object")                                    \
  X(EEXIST,     -4, "object already exists")                             \
  X(EPAST,      -5, "time is in the past")                               \
  X(ENOROUTE,   -6, "no route to destination")                           \
  X(EDOWN,      -7, "node or link is down")                              \
  X(ENOPROTO,   -8, "no protocol module registered for this number")     \
  X(ERANGE,     -9, "value out of range")                                \
  X(ENOSPC,    -10, "buffer too small")                                  \
  X(EMALFORMED,-11, "malformed packet")                                  \
  X(ESTOPPED,  -12, "run stopped before its end time")

enum sim_err {
#define SIM__ERR_ENUM(name, code, msg) SIM_##name = (code),
  SIM_ERRORS(SIM__ERR_ENUM)
#undef SIM__ERR_ENUM
};

/* Message for a code ("out of memory"); "unknown error" for other values. */
const char *sim_strerror(int err);
/* Name for a code ("SIM_ENOMEM"). */
const char *sim_errname(int err);

/* ====================================================================== */
/* Random streams                                                          */
/* ====================================================================== */

/*
 * One independent stream per purpose and per object, derived from the run
 * seed: sim_rng_seed(&r, seed, "loss", link_id). Adding a host or drawing
 * elsewhere never perturbs another stream. The generator is xoshiro256**
 * seeded through SplitMix64; the purpose string is hashed with FNV-1a, so
 * stream identity depends on nothing but (seed, purpose, object).
 * Every function is pure integer or IEEE-754 double arithmetic without libm,
 * so the draws are the same on every machine.
 */
struct sim_rng {
  uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *r, uint64_t run_seed, const char *purpose,
                  uint64_t object_id);
uint64_t sim_rng_u64(struct sim_rng *r);
/* Uniform in [0, n), unbiased; n == 0 returns 0. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double sim_rng_unit(struct sim_rng *r);
/* A probability as a 64-bit threshold: an event of probability p happens
 * when sim_rng_u64() < sim_prob_threshold(p). p <= 0 gives 0 (never); p >= 1
 * gives UINT64_MAX and sim_rng_hit() then always fires. */
uint64_t sim_prob_threshold(double p);
/* True with the probability encoded by threshold (see above). */
bool sim_rng_hit(struct sim_rng *r, uint64_t threshold);
/* Exponential variate with the given mean, in nanoseconds, rounded. */
int64_t sim_rng_exp_ns(struct sim_rng *r, int64_t mean_ns);

/* A distribution of durations (hold times, think times, arrival gaps). */
enum sim_dist_kind {
  SIM_DIST_CONST,   /* always a_ns */
  SIM_DIST_UNIFORM, /* uniform in [a_ns, b_ns] */
  SIM_DIST_EXP      /* exponential with mean a_ns, capped at b_ns if b_ns > 0 */
};
struct sim_dist {
  enum sim_dist_kind kind;
  int64_t a_ns;
  int64_t b_ns;
};
int64_t sim_dist_sample(struct sim_rng *r, const struct sim_dist *d);

/* ====================================================================== */
/* Events                                                                  */
/* ====================================================================== */

struct sim_world; /* opaque */
struct sim_event;

typedef void (*sim_event_fn)(struct sim_world *w, struct sim_event *ev,
                             void *arg);

/*
 * A schedulable event. Embed it in the object that owns the timer (a
 * connection, a packet in flight, a bucket) so that scheduling never
 * allocates; recover the owner in the callback with the arg pointer or
 * offsetof. The fields are private to the event queue.
 */
struct sim_event {
  int64_t t_ns;             /* firing time (valid while pending) */
  uint64_t seq;             /* insertion sequence: ties fire in FIFO order */
  sim_event_fn fn;
  void *arg;
  uint32_t slot;            /* queue-private position */
  uint32_t flags;           /* SIM_EVF_* (private) */
};

#define SIM_EVF_PENDING 1u

void sim_event_init(struct sim_event *ev, sim_event_fn fn, void *arg);
static inline bool sim_event_pending(const struct sim_event *ev)
{
  return (ev->flags & SIM_EVF_PENDING) != 0;
}

/* Schedule ev (which must not be pending) at absolute time t_ns >= now.
 * Returns SIM_EPAST for a time before now, SIM_EINVAL if already pending. */
int sim_schedule_at(struct sim_world *w, struct sim_event *ev, int64_t t_ns);
int sim_schedule_in(struct sim_world *w, struct sim_event *ev, int64_t delay_ns);
/* Cancel ev if pending; a no-op on an idle or already-fired event. */
void sim_cancel(struct sim_world *w, struct sim_event *ev);
/* Cancel if pending, then schedule at t_ns. A re-armed event takes a new
 * insertion sequence: it is ordered as if scheduled now. */
int sim_rearm_at(struct sim_world *w, struct sim_event *ev, int64_t t_ns);
/* One-shot callback from an internal pool (timeline actions, faults). */
int sim_call_at(struct sim_world *w, int64_t t_ns,
                void (*fn)(struct sim_world *w, void *arg), void *arg);

/* ====================================================================== */
/* World                                                                   */
/* ====================================================================== */

struct sim_world *sim_world_new(uint64_t seed);
void sim_world_free(struct sim_world *w);
uint64_t sim_world_seed(const struct sim_world *w);
int64_t sim_now(const struct sim_world *w);

/* Run events with time <= until_ns, then set the clock to until_ns (unless
 * the queue ran dry earlier, in which case the clock stays at the last
 * event). Returns SIM_OK, or SIM_ESTOPPED after sim_stop(). Call it
 * repeatedly with growing until_ns to report progress between slices; an
 * until_ns before now runs nothing and leaves the clock where it is. */
int sim_run(struct sim_world *w, int64_t until_ns);
/* Ask sim_run to return after the current event (safe from a callback or a
 * signal handler). */
void sim_stop(struct sim_world *w);
uint64_t sim_events_processed(const struct sim_world *w);
size_t sim_events_pending(const struct sim_world *w);
/* Time of the earliest pending event, SIM_TIME_MAX when none (the
 * real-time loop of emu/ sleeps until then). */
int64_t sim_next_event_ns(struct sim_world *w);

/* ====================================================================== */
/* Packets                                                                 */
/* ====================================================================== */

/* Bytes reserved for the transport header; only the module reads them. */
#define SIM_L4_AREA 64

/*
 * Measurement tags: written by whoever originates the packet for later
 * analysis ("this segment belonged to the previous incarnation"); the
 * protocol state machine never reads them.
 */
struct sim_pkt_tags {
  uint64_t conn_id;      /* origin connection, 0 when none */
  uint32_t incarnation;  /* origin host's boot epoch when sent */
  uint32_t mark;         /* free for experiments */
  int64_t sent_ns;       /* when the origin handed it to IP */
};

struct sim_packet {
  struct sim_event ev;       /* delivery event while in flight (private) */
  struct sim_packet *qnext;  /* link queue / pool free list (private) */
  uint64_t uid;              /* unique within a run: 1, 2, 3... */
  uint32_t src;              /* IPv4 source (may be spoofed) */
  uint32_t dst;              /* IPv4 destination */
  uint16_t ip_id;
  uint8_t ttl;
  uint8_t proto;             /* IP protocol number */
  uint16_t l4_hdr_len;       /* wire length of the transport header */
  uint16_t flags;            /* SIM_PKTF_* */
  uint32_t payload_len;      /* transport payload bytes (need not be stored) */
  uint8_t *payload;          /* payload bytes (malloc'd, owned by the packet,
                                freed with it), or NULL where not kept */
  uint32_t cur_link;         /* private: link carrying it now */
  uint8_t cur_dir;           /* private: direction on that link */
  uint32_t cur_gen;          /* private: link down-generation when it left */
  uint8_t l4[SIM_L4_AREA];   /* transport header area, module-defined */
  struct sim_pkt_tags tags;
};

#define SIM_PKTF_DUPLICATE 1u /* made by a link's duplication fault */
#define SIM_PKTF_HELD      2u /* was parked by hold-and-release */

/* Wire size of the IP datagram: 20 + l4_hdr_len + payload_len. */
static inline uint32_t sim_packet_ip_len(const struct sim_packet *p)
{
  return 20u + p->l4_hdr_len + p->payload_len;
}

/* From the world's pool: zeroed, ttl 64, a fresh uid. NULL when out of memory. */
struct sim_packet *sim_packet_alloc(struct sim_world *w);
/* A copy with a fresh uid (payload bytes copied too). */
struct sim_packet *sim_packet_clone(struct sim_world *w, const struct sim_packet *p);
void sim_packet_free(struct sim_world *w, struct sim_packet *p);

/* ====================================================================== */
/* Nodes                                                                   */
/* ====================================================================== */

enum sim_node_kind { SIM_NODE_HOST, SIM_NODE_ROUTER };

enum sim_host_event {
  SIM_HOST_POWER_OFF, /* all volatile state is lost; the node is silent */
  SIM_HOST_BOOT       /* powered on again with a new boot epoch */
};

/* Node ids are dense: 0, 1, 2... in order of creation. */
int sim_node_add(struct sim_world *w, enum sim_node_kind kind,
                 const char *name, uint32_t *id_out);
/* Give a node an address (hosts: one or more; routers: optional). Each
 * address belongs to exactly one node: SIM_EEXIST otherwise. */
int sim_node_add_addr(struct sim_world *w, uint32_t node, uint32_t addr);
/* Give a host a whole block of addresses, prefix/len (1 <= len <= 32, no
 * host bits set), for a node that stands for a network beyond it (the
 * emulation bridge's tun node, whose Linux side may own many addresses):
 * every address of the block belongs to the node as if added one by one
 * (sim_addr_owner finds it, packets to it are delivered to the node or to
 * its device), while routing carries the block as one prefix. The node's
 * own addresses may lie inside it. SIM_EINVAL for a router or a bad block,
 * SIM_EEXIST when the block holds another node's address or overlaps a
 * block already given (sim_node_add_addr likewise refuses an address
 * inside another node's block). */
int sim_node_add_prefix(struct sim_world *w, uint32_t node, uint32_t prefix,
                        unsigned len);
size_t sim_node_count(const struct sim_world *w);
const char *sim_node_name(const struct sim_world *w, uint32_t node);
enum sim_node_kind sim_node_kind(const struct sim_world *w, uint32_t node);
/* First address given to the node, 0 when it has none (blocks of
 * sim_node_add_prefix do not count). */
uint32_t sim_node_addr(const struct sim_world *w, uint32_t node);
int sim_node_find(const struct sim_world *w, const char *name, uint32_t *id_out);
int sim_addr_owner(const struct sim_world *w, uint32_t addr, uint32_t *id_out);

bool sim_node_is_up(const struct sim_world *w, uint32_t node);
/* Boot epoch: 0 at the start of the run, +1 at every boot. */
uint32_t sim_node_epoch(const struct sim_world *w, uint32_t node);
/* Boots so far in the whole world (0: every epoch is still 0). */
uint64_t sim_world_boots(const struct sim_world *w);
/* Power off now: modules' on_power_off runs, the node sends and receives
 * nothing until booted. A no-op on a node already down. */
int sim_node_power_off(struct sim_world *w, uint32_t node);
/* Power on now (new epoch, modules' on_boot runs). */
int sim_node_boot(struct sim_world *w, uint32_t node);
/* Power off now and boot after delay_ns. */
int sim_node_reboot(struct sim_world *w, uint32_t node, int64_t delay_ns);

/*
 * A device behind a node (the emulation bridge's TUN): every packet
 * addressed to one of the node's addresses is traced as received
 * (pkt_recv) and handed to fn, which owns it, instead of the node's
 * protocol modules. fn NULL restores normal delivery. The node keeps
 * sending through sim_ip_output as any host does.
 */
typedef void (*sim_device_rx_fn)(void *ctx, struct sim_world *w,
                                 uint32_t node, struct sim_packet *p);
int sim_node_set_device(struct sim_world *w, uint32_t node,
                        sim_device_rx_fn fn, void *ctx);

/* ====================================================================== */
/* Protocol modules                                                        */
/* ====================================================================== */

/*
 * A transport registers once per world for its IP protocol number. It is
 * attached to every host (existing and later ones) and gets:
 *   attach       create the per-host state (may return NULL and build it
 *                lazily); detach frees it when the world is freed;
 *   rx           a packet addressed to one of the host's addresses; the
 *                module owns it and must free it;
 *   on_power_off the host lost power: drop all volatile state silently;
 *   on_boot      the host is up again with a new epoch;
 *   encode       optional: write the wire transport header (with checksum,
 *                which covers the pseudo-header) into buf; return its
 *                length or a negative SIM_E* code. Used for pcap and the
 *                emulation bridge.
 *   decode       optional: the reverse, filling p->l4, l4_hdr_len and
 *                payload_len from wire bytes; SIM_EMALFORMED on bad input.
 */
struct sim_proto_ops {
  uint8_t ipproto;
  const char *name;
  void *(*attach)(struct sim_world *w, uint32_t node, void *module_ctx);
  void (*detach)(struct sim_world *w, uint32_t node, void *host_state,
                 void *module_ctx);
  void (*rx)(struct sim_world *w, uint32_t node, void *host_state,
             struct sim_packet *p);
  void (*on_power_off)(struct sim_world *w, uint32_t node, void *host_state);
  void (*on_boot)(struct sim_world *w, uint32_t node, void *host_state,
                  uint32_t epoch);
  int (*encode)(const struct sim_packet *p, uint8_t *buf, size_t cap);
  int (*decode)(struct sim_packet *p, const uint8_t *buf, size_t len);
};

/* ops must outlive the world. SIM_EEXIST if the number is taken. */
int sim_proto_register(struct sim_world *w, const struct sim_proto_ops *ops,
                       void *module_ctx);
void *sim_proto_host_state(const struct sim_world *w, uint32_t node,
                           uint8_t ipproto);
/* For modules whose attach returned NULL: store the host state built
 * lazily (it is what rx, on_power_off, on_boot and detach receive). */
int sim_proto_set_host_state(struct sim_world *w, uint32_t node,
                             uint8_t ipproto, void *state);

/*
 * Hand a packet from a host (or a router) to IP. The packet's src and dst
 * must be set; src need not be the node's own (spoofing is allowed). The
 * world takes ownership in every case: on failure the packet is dropped,
 * counted with its reason and traced, and the reason is returned
 * (SIM_EDOWN, SIM_ENOROUTE); SIM_OK means it left the node.
 */
int sim_ip_output(struct sim_world *w, uint32_t node, struct sim_packet *p);

/* Real IPv4 header (20 bytes, checksum) followed by the module's header
 * and the payload (zeros where bytes are not kept). Returns bytes written
 * or a negative SIM_E* code. */
int sim_packet_encode(const struct sim_world *w, const struct sim_packet *p,
                      uint8_t *buf, size_t cap);
/* The reverse, for packets that come from outside (the emulation bridge):
 * checks version, header length, total length against len, the header
 * checksum and refuses fragments, then lets the module for the protocol
 * decode its header (checksum included). p is the caller's (from
 * sim_packet_alloc); on success its IP fields, header area and payload_len
 * are set (payload bytes are not kept). SIM_EMALFORMED on any
 * inconsistency, SIM_ENOPROTO when no module decodes that protocol. */
int sim_packet_decode(const struct sim_world *w, struct sim_packet *p,
                      const uint8_t *buf, size_t len);

/* ====================================================================== */
/* Links                                                                   */
/* ====================================================================== */

/*
 * One direction of a full-duplex link. A packet entering it waits in a
 * drop-tail queue of queue_pkts packets (not counting the one being sent),
 * is serialised at rate_bps (0: infinitely fast), then propagates for
 * delay_ns. Faults apply as it leaves the sender:
 *   loss         Bernoulli probability;
 *   burst_*      two-state Gilbert-Elliott model (used when burst_p_gb > 0):
 *                per packet, good->bad with burst_p_gb, bad->good with
 *                burst_p_bg; loss probability burst_loss_good / _bad in each;
 *   dup          probability that a copy follows the packet;
 *   hold         probability that the packet is parked for a time drawn from
 *                hold_time and then delivered late (an "old duplicate").
 */
struct sim_link_params {
  uint64_t rate_bps;
  int64_t delay_ns;
  uint32_t queue_pkts;
  double loss;
  double burst_p_gb;
  double burst_p_bg;
  double burst_loss_good;
  double burst_loss_bad;
  double dup;
  double hold;
  struct sim_dist hold_time;
};

/* 100 Mbps, 1 ms, 100 packets, no faults. */
void sim_link_params_default(struct sim_link_params *lp);

/* Link between nodes a and b: ab is the a->b direction, ba the other
 * (ba == NULL: same as ab). Link ids are dense from 0. */
int sim_link_add(struct sim_world *w, uint32_t a, uint32_t b,
                 const struct sim_link_params *ab,
                 const struct sim_link_params *ba, uint32_t *id_out);
/* A direction's parameters (dir 0: a->b, 1: b->a), and a change of them
 * at the current time: packets offered from now on see the new loss, dup,
 * hold, rate and delay (a packet in flight keeps its delivery time); a
 * shorter queue drops the packets beyond it from the tail (reason queue
 * full). The fault streams go on as they were (L6), so a change does not
 * shift other draws. SIM_ERANGE / SIM_EINVAL as sim_link_add. */
int sim_link_params_get(const struct sim_world *w, uint32_t link, int dir,
                        struct sim_link_params *out);
int sim_link_params_set(struct sim_world *w, uint32_t link, int dir,
                        const struct sim_link_params *lp);
size_t sim_link_count(const struct sim_world *w);
int sim_link_ends(const struct sim_world *w, uint32_t link, uint32_t *a,
                  uint32_t *b);
/* Down: queued and in-flight packets are dropped (SIM_DROP_LINK_DOWN),
 * new ones too. Up: carries packets again. Immediate; schedule with
 * sim_call_at or sim_link_schedule_updown. */
int sim_link_set_up(struct sim_world *w, uint32_t link, bool up);
int sim_link_schedule_updown(struct sim_world *w, uint32_t link,
                             int64_t t_ns, bool up);
bool sim_link_is_up(const struct sim_world *w, uint32_t link);

struct sim_link_stats {
  uint64_t enqueued;   /* packets accepted into the queue */
  uint64_t delivered;  /* packets handed to the far node */
  uint64_t bytes;      /* IP bytes delivered */
  uint64_t lost;       /* loss or burst loss */
  uint64_t queue_drops;
  uint64_t down_drops;
  uint64_t duplicated; /* copies made */
  uint64_t held;       /* packets parked by hold-and-release */
};
/* dir 0 is a->b, 1 is b->a. */
int sim_link_stats(const struct sim_world *w, uint32_t link, int dir,
                   struct sim_link_stats *out);

/* ====================================================================== */
/* Routing                                                                 */
/* ====================================================================== */

/*
 * Static shortest-path routing (hop count, ties broken by lower node id),
 * computed from the links present. Destinations are prefixes: the addresses
 * of the hosts hanging off one router are merged into as few CIDR prefixes
 * as cover exactly them, so a thousand hosts behind one router cost the
 * other routers one route. A host with a single link sends everything out
 * of it (default route). A router may name a default link for addresses no
 * node owns (spoofed sources); without one such packets are dropped as
 * SIM_DROP_NO_ROUTE. Call after the topology is built, before running;
 * adding nodes or links afterwards requires calling it again.
 */
int sim_routes_compute(struct sim_world *w);
int sim_route_set_default(struct sim_world *w, uint32_t router, uint32_t link);
/* Number of routing entries held by a node (for summaries). */
size_t sim_route_count(const struct sim_world *w, uint32_t node);
/* Next hop for dst from node: the link to use. SIM_ENOROUTE if none. */
int sim_route_lookup(const struct sim_world *w, uint32_t node, uint32_t dst,
                     uint32_t *link_out);
/* Packets sent through a default route (sim_route_set_default) so far. */
uint64_t sim_route_default_used(const struct sim_world *w);
/* Nodes that cannot reach, or be reached from, some host (host-to-host
 * reachability); fills up to cap ids and returns how many there are. */
size_t sim_unreachable_hosts(const struct sim_world *w, uint32_t *ids,
                             size_t cap);

/* ====================================================================== */
/* Trace hooks and counters                                                */
/* ====================================================================== */

#define SIM_DROP_REASONS(X)                       \
  X(LOSS, "loss")                                 \
  X(QUEUE_FULL, "queue full")                     \
  X(NO_ROUTE, "no route")                         \
  X(LINK_DOWN, "link down")                       \
  X(HOST_DOWN, "host down")                       \
  X(NO_PROTO, "no protocol")                      \
  X(TTL, "ttl expired")

enum sim_drop_reason {
#define SIM__DROP_ENUM(name, text) SIM_DROP_##name,
  SIM_DROP_REASONS(SIM__DROP_ENUM)
#undef SIM__DROP_ENUM
  SIM_DROP__COUNT
};
const char *sim_drop_reason_name(enum sim_drop_reason r);

/*
 * Observers (results writer, pcap, tests) subscribe with a set of hooks; any
 * hook may be NULL. Hooks are called in subscription order, synchronously,
 * and must not modify the packet.
 *   pkt_send  a packet leaves node onto link (dir as in sim_link_stats);
 *   pkt_recv  a packet is handed to the protocol module of node;
 *   pkt_drop  a packet is dropped at node (link is UINT32_MAX when the drop
 *             is not on a link);
 *   host      a node powered off or booted.
 */
struct sim_trace_ops {
  void (*pkt_send)(void *ctx, struct sim_world *w, uint32_t node,
                   uint32_t link, int dir, const struct sim_packet *p);
  void (*pkt_recv)(void *ctx, struct sim_world *w, uint32_t node,
                   const struct sim_packet *p);
  void (*pkt_drop)(void *ctx, struct sim_world *w, uint32_t node,
                   uint32_t link, enum sim_drop_reason why,
                   const struct sim_packet *p);
  void (*host)(void *ctx, struct sim_world *w, uint32_t node,
               enum sim_host_event ev, uint32_t epoch);
};
int sim_trace_subscribe(struct sim_world *w, const struct sim_trace_ops *ops,
                        void *ctx);
/* Remove the subscription made with the same (ops, ctx); SIM_ENOENT if
 * there is none. Not from inside a hook. After it the observer may be
 * freed while the world lives on. */
int sim_trace_unsubscribe(struct sim_world *w, const struct sim_trace_ops *ops,
                          void *ctx);

/* Drops so far with the given reason, over the whole world. */
uint64_t sim_drop_count(const struct sim_world *w, enum sim_drop_reason r);

/* ====================================================================== */
/* Small helpers                                                           */
/* ====================================================================== */

/* RFC 1071 Internet checksum, for every protocol's wire format: add n bytes
 * as big-endian 16-bit words to a running sum (an odd last byte is padded
 * with zero, so only the last block may be odd), then fold it to 16 bits.
 * The checksum field is ~sim_csum_fold(sum); a block with a correct
 * checksum in place folds to 0xffff. */
uint64_t sim_csum_add(uint64_t sum, const uint8_t *b, size_t n);
uint16_t sim_csum_fold(uint64_t sum);

/* "10.0.0.1" -> addr; SIM_EINVAL on anything else. */
int sim_ipv4_parse(const char *s, uint32_t *addr_out);
/* addr -> "10.0.0.1" into buf (at least 16 bytes); returns buf. */
char *sim_ipv4_format(uint32_t addr, char *buf);

#endif /* TCPSIM_SIM_H */
