/*
 * tcp_int.h - internals of the TCP module: the connection block, the
 * listener and its SYN-queue entries, the per-host tables, the module, the
 * refined events of the state machine and the prototypes shared by the
 * files of tcp/. Not for application code: applications use tcp/tcp.h.
 *
 * Where things live:
 *   fsm.c     the declared arcs, the [state][event] table, the one function
 *             that writes a state, enter/exit hooks;
 *   input.c   segment arrival (RFC 9293 3.10.7), the classifier;
 *   output.c  segment building, delayed ACK, resets;
 *   timer.c   the named timer slots multiplexed on one event, RFC 6298;
 *   listen.c  listeners, the SYN queue, the SYN cache, recycling, SYN
 *             cookies as a listener uses them, the accept queue;
 *   syncookie.c  the SYN cookie itself: encoding and checking (pure);
 *   api.c     the socket API, ports, notifications to applications;
 *   module.c  registration with the core, per-host state, observers.
 *
 * The axioms below are the invariants of these structures. Debug builds
 * check them with tcp__conn_check() and tcp__host_check() (called inside
 * asserts, so they cost nothing with NDEBUG).
 *
 * Connection block (struct tcp__conn):
 *   C1  A block in the host's hash is in exactly one state other than
 *       CLOSED and LISTEN; a block in CLOSED is unhashed and on the reap
 *       list, and is freed when the outermost entry into the module ends.
 *       (A block made for a valid SYN-cookie ACK adopts LISTEN for the
 *       one table step that takes it to ESTABLISHED, inside one call.)
 *   C2  snd_una <= snd_nxt <= snd_max (modular), and snd_max <= snd_end + 1
 *       (+1 when the FIN has been sent); the FIN, when queued, has
 *       sequence number snd_end.
 *   C3  The timer event is pending iff some slot deadline is set, and it
 *       never fires later than the earliest deadline (it may fire earlier:
 *       deadlines moved later are noticed lazily when it fires).
 *   C4  sock != NULL iff an application holds the connection; sock->conn
 *       == this block then. An orphan (sock == NULL) finishes its close on
 *       its own and is never reported to an application again.
 *   C5  lis != NULL iff the block waits in that listener's accept queue.
 *   C6  No two blocks of a host share a 4-tuple.
 *
 * Listener (struct tcp__listener):
 *   L1  Every SYN-queue entry is a half-open connection in SYN_RCVD; none
 *       has a connection block. q_len <= syn_backlog of the host.
 *   L2  The listener's event is pending iff its SYN queue holds a slot
 *       (live or dead), at the earliest deadline of the levels' heads.
 *       Every live entry is on exactly one hash chain and one level, the
 *       level of its retry count; q_len counts them.
 *   L3  aq_len counts the blocks on the accept queue, all ESTABLISHED or
 *       later, each with lis == this listener.
 *   L4  SYN cache (sc != NULL once the listener has cached a SYN): every
 *       entry is a half-open connection in SYN_RCVD, on exactly one
 *       bucket's list, the bucket its 4-tuple hashes to; a list runs from
 *       its oldest entry (head) to its youngest (tail); count is the sum
 *       of the lengths; the pool's free list holds every other slot. A
 *       bucket never holds more than syncache_bucket_limit entries and the
 *       cache never more than syncache_limit, as they were when the entry
 *       was added (a later tcp_host_settings does not evict).
 *   L5  A bucket's event is pending iff its list is not empty, and it is
 *       the only timer of its entries (STYLE.md rule 5).
 *   L6  SYN cookies keep nothing per connection: the listener remembers
 *       only when it last sent one (cookie_last_ns), which decides whether
 *       an ACK matching nothing is worth checking as a cookie.
 *
 * Host (struct tcp__host):
 *   H1  Iteration that decides anything observable (process kill, power
 *       off, listener close) walks the creation-order lists, never the
 *       hash.
 *   H2  The port table counts every user of a local port: bound sockets
 *       without a connection, listeners, connection blocks (orphans and
 *       TIME_WAIT included). A port with no user has no entry.
 *   H3  Notifications to applications are queued on the socket and
 *       delivered when the outermost entry into the module ends, so that a
 *       callback may call any API function, and nothing is freed while a
 *       caller still holds it.
 */
#ifndef TCPSIM_TCP_INT_H
#define TCPSIM_TCP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"
#include "tcp/tcp.h"
#include "tcp/tcp_isn.h"

/* ====================================================================== */
/* Segments                                                                */
/* ====================================================================== */

/* A segment being processed: the decoded header and the facts around it.
 * Passed explicitly to every function of the state machine. */
struct tcp__seg {
  struct tcp_hdr h;
  uint32_t len;        /* payload bytes */
  uint32_t src, dst;   /* IPv4 addresses (src is the peer) */
  const struct sim_packet *p; /* the packet, for observers only */
};

/* Sequence space a segment occupies: data + SYN + FIN. */
static inline uint32_t tcp__seg_seqlen(const struct tcp__seg *s)
{
  return s->len + ((s->h.flags & TCP_F_SYN) ? 1u : 0u) +
         ((s->h.flags & TCP_F_FIN) ? 1u : 0u);
}

/* The peer's MSS as we use it, the same rule on the active side
 * (fsm.c take_syn_options) and the passive side (listen.c):
 *   - no option: 536, the default of RFC 9293 3.7.1 (RFC 6691);
 *   - an option of 0: as if absent (Linux tcp_parse_options takes in_mss
 *     only when non-zero), so 536;
 *   - any other value below TCP__MIN_SND_MSS is raised to it, as Linux
 *     tcp_mss_to_mtu/tcp_sync_mss clamp to TCP_MIN_SND_MSS (48): a tiny
 *     advertised MSS must not make every segment almost all header.
 * The wire decoder (codec.c) keeps any value; the engine clamps here. */
#define TCP__DEFAULT_MSS 536u
#define TCP__MIN_SND_MSS 48u
static inline uint16_t tcp__peer_mss(uint8_t has_mss, uint16_t mss)
{
  if (!has_mss || mss == 0)
    return (uint16_t)TCP__DEFAULT_MSS;
  return mss < TCP__MIN_SND_MSS ? (uint16_t)TCP__MIN_SND_MSS : mss;
}

/* ====================================================================== */
/* Refined events of the state machine                                    */
/* ====================================================================== */

/* What the classifier (input.c) makes of a segment, and what the API and
 * the timers report. Each is one column of the table in fsm.c. */
#define TCP__EVENTS(X)                                                        \
  X(NONE)           /* no follow-up */                                       \
  X(DROP)           /* drop: never has a cell (counted with a reason) */      \
  X(SEQ_BAD)        /* unacceptable segment: answer with an ACK */           \
  X(RST)            /* acceptable reset */                                   \
  X(RST_CHALLENGE)  /* RFC 5961 3.2: RST in window but not exact */          \
  X(SYN_CHALLENGE)  /* RFC 5961 4.2: SYN in a synchronised state */          \
  X(SYN_RESET)      /* RFC 793: SYN in window resets the connection */       \
  X(ACK_BAD)        /* ACK of something never sent */                        \
  X(SEG)            /* ordinary ACK and/or data */                           \
  X(SYN)            /* SYN without ACK (SYN_SENT: simultaneous open) */      \
  X(SYNACK)         /* SYN_SENT: SYN+ACK acknowledging our SYN */            \
  X(ACK_OF_SYN)     /* SYN_RCVD: ACK of our SYN */                           \
  X(ACK_OF_FIN)     /* ACK that covers our FIN */                            \
  X(FIN)            /* FIN in order (not acking our FIN in FIN_WAIT_1) */    \
  X(FIN_ACK_OF_FIN) /* FIN_WAIT_1: FIN and ACK of our FIN together */        \
  X(TW_FIN)         /* TIME_WAIT: the peer retransmitted its FIN */          \
  X(TW_REUSE)       /* TIME_WAIT: new SYN beyond the old rcv_nxt */          \
  X(APP_CONNECT)                                                             \
  X(APP_CLOSE)      /* close or shutdown: send FIN after the data */         \
  X(APP_ABORT)      /* abort, linger 0, close with unread data: RST */       \
  X(TIMEOUT)        /* retries, keepalive or connection-establishment */     \
  X(TIMEOUT_2MSL)                                                            \
  X(TIMEOUT_FW2)    /* orphaned FIN_WAIT_2 */

enum tcp__ev {
#define TCP__EV_ENUM(name) TCP__EV_##name,
  TCP__EVENTS(TCP__EV_ENUM)
#undef TCP__EV_ENUM
  TCP__EV__COUNT
};

const char *tcp__ev_name(enum tcp__ev ev);

/* ====================================================================== */
/* Timers                                                                  */
/* ====================================================================== */

/* Named slots of a connection, all multiplexed on one sim_event (C3). */
enum tcp__tslot {
  TCP__T_RTX,     /* retransmission (SYN, SYN-ACK, data, FIN) and persist */
  TCP__T_DELACK,  /* delayed ACK */
  TCP__T_KEEP,    /* keepalive */
  TCP__T_2MSL,    /* TIME_WAIT, and the orphaned FIN_WAIT_2 timeout */
  TCP__T_CONNEST, /* BSD connection-establishment timer */
  TCP__T__COUNT
};

#define TCP__T_OFF INT64_MAX

/* now + d_ns as a deadline, saturating just below TCP__T_OFF instead of
 * overflowing int64_t (signed overflow is undefined behaviour in C11
 * 6.5p5). Settings and socket options are bounded (settings.c T_HI,
 * TCP_OPT_TIME_MAX_NS), but a struct tcp_settings filled by hand is not
 * checked, so every deadline goes through here. */
static inline int64_t tcp__deadline(int64_t now, int64_t d_ns)
{
  if (d_ns <= 0)
    return now;
  if (now > TCP__T_OFF - 1 - d_ns)
    return TCP__T_OFF - 1;
  return now + d_ns;
}

/* ====================================================================== */
/* Connection block                                                        */
/* ====================================================================== */

/* c->flags */
#define TCP__CF_ACTIVE     0x0001u /* opened by connect */
#define TCP__CF_FIN_QUEUED 0x0002u /* no more data to send: FIN at snd_end */
#define TCP__CF_FIN_RCVD   0x0004u /* the peer's FIN is in (rcv_nxt past it) */
#define TCP__CF_ACK_NOW    0x0008u /* the next output must carry an ACK */
#define TCP__CF_ACK_DELAY  0x0010u /* an ACK is owed, delayed-ACK slot armed */
#define TCP__CF_WSCALE     0x0020u /* window scaling agreed */
#define TCP__CF_SACK       0x0040u /* SACK-permitted exchanged */
#define TCP__CF_TS         0x0080u /* timestamps agreed */
#define TCP__CF_NODELAY    0x0100u /* ACK every segment at once */
#define TCP__CF_KEEPALIVE  0x0200u
#define TCP__CF_DEFERRED   0x0400u /* connect waits for the quiet time */
#define TCP__CF_RTT        0x0800u /* timing rtt_seq (Karn: cleared on rtx) */
#define TCP__CF_DEAD       0x1000u /* CLOSED, on the reap list */
#define TCP__CF_RTX_ONE    0x4000u /* next output sends one segment only */

struct tcp__host;
struct tcp__listener;

/*
 * One connection, from connect (or the handshake's last ACK, for passive
 * opens) to CLOSED. Grouped by role as lwIP does; sequence numbers are
 * modular (tcp_seq_* in tcp.h). Laid out so that an idle ESTABLISHED block
 * with all its timers stays within 256 bytes (tests/tcp/test_sizes.c).
 */
struct tcp__conn {
  /* timers: one event for every slot (C3) */
  struct sim_event ev;
  int64_t t_ns[TCP__T__COUNT];  /* absolute deadlines, TCP__T_OFF when off */
  /* tables */
  struct tcp__conn *hnext;      /* hash chain, then the reap list */
  struct tcp__conn *cprev, *cnext; /* host creation order (H1) */
  struct tcp__conn *anext;      /* accept queue */
  struct tcp__host *h;
  struct tcp_sock *sock;        /* NULL: orphan (C4) */
  struct tcp__listener *lis;    /* accept queue we wait in (C5) */
  uint64_t id;                  /* unique in the run */
  uint32_t laddr, raddr;
  uint16_t lport, rport;
  /* state */
  uint8_t state;                /* enum tcp_state; written by fsm.c only */
  uint8_t retries;              /* retransmissions of the current segment */
  uint16_t flags;               /* TCP__CF_* */
  int16_t err;                  /* what the application will be told */
  uint8_t kprobes;              /* keepalive probes unanswered */
  uint8_t acks_owed;            /* full segments received since our ACK */
  /* sender (RFC 9293 3.3.1) */
  uint32_t iss;
  uint32_t snd_una, snd_nxt, snd_max;
  uint32_t snd_end;             /* end of queued data; the FIN's seq */
  uint32_t snd_wnd;             /* peer's window, scaled, bytes */
  uint32_t snd_wl1, snd_wl2;
  uint16_t mss;                 /* payload per segment we send, bytes */
  uint8_t snd_wscale, rcv_wscale;
  /* receiver */
  uint32_t irs;
  uint32_t rcv_nxt;
  uint32_t rcv_unread;          /* bytes delivered, not yet read */
  uint32_t rcv_adv;             /* window we advertised last, bytes */
  uint32_t ts_recent;           /* RFC 7323 TS.Recent */
  /* round-trip time (RFC 6298), microseconds */
  uint32_t srtt_us, rttvar_us, rto_us; /* srtt 0: no sample yet */
  uint32_t rtt_seq;             /* sequence number being timed */
  uint32_t oow_ack_ms;          /* when it last sent an ACK that
                                   invalid_ratelimit limits: simulated ms
                                   + 1, mod 2^32; 0 never (fsm.c) */
  int64_t rtt_start_ns;
};

/* ====================================================================== */
/* Listener and SYN queue                                                  */
/* ====================================================================== */

/* A half-open passive connection in SYN_RCVD: a small record, not a
 * block (FreeBSD's syncache, Linux's request sock). At most 64 bytes. */
struct tcp__synq {
  uint64_t id;            /* connection id, kept by the block made later */
  int64_t expire_ns;      /* next SYN-ACK retransmission */
  uint32_t laddr, raddr;
  uint16_t rport;
  uint16_t peer_mss;      /* tcp__peer_mss() of the SYN */
  uint32_t iss, irs;
  uint32_t peer_win;      /* window field of the SYN (unscaled) */
  uint32_t ts_recent;
  uint8_t peer_wscale;
  uint8_t opts;           /* TCP__SQ_* */
  uint8_t retries;        /* SYN-ACK retransmissions so far */
};
#define TCP__SQ_WSCALE 1u
#define TCP__SQ_SACK   2u
#define TCP__SQ_TS     4u

/* SYN cache (FreeBSD sys/netinet/tcp_syncache.c): a SYN-queue record on
 * a bucket's list. Lists link pool indices, not pointers, so that the
 * pool can grow with realloc. At most 64 bytes (test_sizes). */
#define TCP__SC_NIL UINT32_MAX
struct tcp__scent {
  struct tcp__synq e;
  uint32_t next;                /* younger entry of the bucket, or free list */
};

struct tcp__scbucket {
  struct sim_event ev;          /* the one timer of every entry here (L5) */
  struct tcp__listener *l;
  uint32_t head, tail;          /* oldest, youngest (TCP__SC_NIL: empty) */
  uint32_t len;
};

struct tcp__syncache {
  struct tcp__scbucket *b;
  uint32_t nb;                  /* buckets: syncache_buckets when made */
  uint32_t count;               /* entries in all buckets */
  struct tcp__scent *pool;
  uint32_t pool_cap;
  uint32_t free_head;
};

/* SYN queue: entries in a pool of slots, found by a hash of their
 * 4-tuple, and kept on one list per retry count (level) in arrival order.
 * All entries of a listener share the host's SYN-ACK schedule, so within
 * a level deadlines never decrease from head to tail, and an entry on a
 * higher level arrived before every entry on a lower one: the heads of
 * the levels give the next deadline, and walking levels from the highest
 * down walks arrival order. An entry that leaves early (completed, reset,
 * recycled) leaves the hash at once and is marked dead (TCP__SQ_DEAD); its
 * slot stays on its level until it reaches the head. So every operation
 * is O(1) amortised, whatever the flood (STYLE.md rule 5: one timer). A
 * slot is at most 56 bytes, plus 4 bytes of hash per entry (test_sizes). */
#define TCP__SQ_NIL UINT32_MAX
#define TCP__SQ_DEAD 8u                /* in tcp__synq.opts */
struct tcp__sqslot {
  struct tcp__synq e;
  uint32_t next;                /* on its level (arrival order), or free */
  uint32_t hnext;               /* on its hash chain (live entries only) */
};

struct tcp__synqueue {
  struct tcp__sqslot *pool;     /* reserved for syn_backlog slots, touched
                                   only as far as used (RSS follows use) */
  uint32_t pool_cap, pool_used, free_head;
  uint32_t *hash;               /* chain heads; size a power of two */
  uint32_t hash_size;
  uint32_t *head, *tail;        /* per level: oldest, youngest slot */
  uint32_t nlevels;
  uint32_t slots;               /* slots on the levels, live or dead */
  uint64_t salt;                /* of the hash, from the listener's key */
};

struct tcp__listener {
  struct sim_event ev;          /* SYN-ACK retransmissions of all entries */
  struct tcp__host *h;
  struct tcp_sock *sock;
  struct tcp__listener *next, *prev; /* host order */
  uint64_t id;
  uint32_t laddr;               /* 0: any of the host's addresses */
  uint16_t lport;
  uint8_t state;                /* LISTEN, CLOSED when being torn down */
  uint32_t backlog;             /* accept queue limit */
  struct tcp__conn *aq_head, *aq_tail;
  uint32_t aq_len;
  struct tcp__synqueue *sq;     /* SYN queue, made at its first entry */
  uint32_t q_len;               /* live entries in it */
  struct tcp__syncache *sc;     /* SYN cache, made at its first entry */
  uint64_t key[2];              /* secret of the cache hash and the
                                   cookies, from the host's stream */
  int64_t cookie_last_ns;       /* last SYN cookie sent; INT64_MIN none */
};

/* ====================================================================== */
/* Sockets                                                                 */
/* ====================================================================== */

#define TCP__SF_BOUND      0x0001u
#define TCP__SF_REUSEADDR  0x0002u
#define TCP__SF_LINGER0    0x0004u
#define TCP__SF_KEEPALIVE  0x0008u
#define TCP__SF_NODELAY    0x0010u
#define TCP__SF_SHUT_WR    0x0020u
#define TCP__SF_CLOSED     0x0040u /* the app released the handle */
#define TCP__SF_NOTIFYQ    0x0080u /* on the host's notification list */
#define TCP__SF_PORTIDLE   0x0100u /* counted as a bound, idle port user */
#define TCP__SF_USED       0x0200u /* has connected or listened once */
#define TCP__SF_ERR_SEEN   0x0400u /* last_err was returned by tcp_send */

/* pending notifications */
#define TCP__N_CONNECTED   0x01u
#define TCP__N_ACCEPTABLE  0x02u
#define TCP__N_READABLE    0x04u
#define TCP__N_PEER_CLOSED 0x08u
#define TCP__N_CLOSED      0x10u

struct tcp_sock {
  struct tcp__host *h;
  struct tcp_sock *next, *prev;   /* host order (H1) */
  struct tcp_sock *nnext;         /* notification list (H3) */
  struct tcp__conn *conn;
  struct tcp__listener *lis;
  struct tcp_callbacks cb;
  void *ctx;
  uint32_t owner;
  uint32_t laddr;
  uint16_t lport;
  uint16_t flags;                 /* TCP__SF_* */
  uint8_t notify;                 /* TCP__N_* */
  uint8_t keepcnt;                /* 0: the host's setting */
  int16_t closed_err;
  int16_t last_err;
  uint8_t state;                  /* when conn == NULL */
  int64_t keepidle_ns, keepintvl_ns; /* 0: the host's setting */
  /* last connection, for tcp_sock_info after it ended */
  uint64_t conn_id;
  uint32_t raddr;
  uint16_t rport;
};

/* ====================================================================== */
/* Host and module                                                         */
/* ====================================================================== */

struct tcp__port {
  uint16_t port;
  uint16_t nlisten;   /* listeners */
  uint32_t nidle;     /* sockets bound without a connection */
  uint32_t nconn;     /* connection blocks */
};

struct tcp__host {
  struct tcp_module *m;
  uint32_t node;
  const struct tcp_settings *set;  /* the module's, or own_set */
  struct tcp_settings *own_set;
  struct tcp__isn isn;
  struct sim_rng isn_rng, port_rng;
  struct sim_rng secret_rng;       /* listener secrets (SYN cache, cookies) */
  struct sim_rng fault_rng;        /* fault injection (fault_tw_ack_loss);
                                      drawn only when a fault is on */
  int64_t quiet_until_ns;
  struct sim_event quiet_ev;       /* end of the quiet time: deferred SYNs */
  /* connection blocks: hash by 4-tuple (C6) and creation order (H1) */
  struct tcp__conn **hash;
  uint32_t hash_mask, nconns;
  struct tcp__conn *c_head, *c_tail;
  struct tcp__listener *l_head, *l_tail;
  struct tcp_sock *s_head, *s_tail;
  struct tcp_sock *n_head, *n_tail; /* notifications (H3) */
  struct tcp__conn *reap;          /* CLOSED blocks (C1) */
  struct tcp__port *ports;         /* sorted by port (H2) */
  uint32_t nports, cap_ports;
  uint16_t next_port;
  int depth;                       /* nesting of entries into the module */
};

#define TCP__MAX_TRACES 8

struct tcp_module {
  struct sim_world *w;
  struct tcp_settings defaults;
  struct sim_proto_ops ops;        /* registered with the world */
  struct tcp__host *stub;          /* what idle hosts point at (node
                                      UINT32_MAX): no tables, only m */
  uint64_t next_id;
  struct tcp_stats st;
  uint64_t *arc_count;             /* per declared arc */
  uint64_t fsm_bugs;               /* undeclared arcs attempted */
  uint64_t unexpected;             /* empty table cells hit */
  struct {
    struct tcp_trace_ops ops;
    void *ctx;
  } traces[TCP__MAX_TRACES];
  int ntraces;
  struct tcp__conn *conn_pool;     /* freed blocks, linked by hnext */
  struct tcp_sock *z_head, *z_tail; /* released handles of every host, kept
                                       a while so that late calls get
                                       TCP_EBADF (api.c) */
  uint32_t nzombies;
  const struct tcp__conn *tr_conn; /* the block moving, during a transition
                                      callback (tcp_trace_seqs) */
};

/* ====================================================================== */
/* fsm.c                                                                   */
/* ====================================================================== */

/* Index of the declared arc from -> to, or -1 if it is not declared. */
int tcp__fsm_arc_index(enum tcp_state from, enum tcp_state to);
/* The only writer of a state. *state is the state field of a connection
 * block (c != NULL: exit and enter hooks run), of a listener, or a local
 * stand-in for a SYN-queue entry. Checks the arc (assert; counted in
 * fsm_bugs if undeclared and then not taken), counts it, traces it. */
void tcp__fsm_set(struct tcp__host *h, struct tcp__conn *c, uint8_t *state,
                  uint64_t id, enum tcp_state to, const char *cause);
/* Feed an event to a connection block: table lookup, action, transition,
 * follow-up events. cause overrides the table's text when not NULL. */
void tcp__fsm_step(struct tcp__conn *c, enum tcp__ev ev,
                   const struct tcp__seg *seg, const char *cause);
/* True if the [state][event] cell is filled (for tests). */
bool tcp__fsm_has_cell(enum tcp_state s, enum tcp__ev ev);

/* ====================================================================== */
/* input.c                                                                 */
/* ====================================================================== */

/* The classifier: pure; *why gets a short reason for DROP. */
enum tcp__ev tcp__classify(const struct tcp__conn *c, const struct tcp__seg *s,
                           const struct tcp_settings *set, const char **why);
/* ACK, window, RTT and text processing common to synchronised states
 * (RFC 9293 3.10.7.4 fifth to eighth). Returns true if the segment's FIN
 * is in order after the text; take_fin then consumes it (rcv_nxt + 1). */
bool tcp__process_ack_text(struct tcp__conn *c, const struct tcp__seg *s,
                           bool take_fin);
/* True if s carries a FIN that is next in sequence once its text is in. */
bool tcp__fin_in_order(const struct tcp__conn *c, const struct tcp__seg *s);
void tcp__rx(struct sim_world *w, uint32_t node, void *host_state,
             struct sim_packet *p);
/* A segment for no connection and no listener (RFC 9293 3.10.7.1). */
void tcp__reply_closed(struct tcp__host *h, struct tcp_module *m,
                       uint32_t node, const struct tcp__seg *s);
void tcp__drop(struct tcp_module *m, uint32_t node, const struct tcp__seg *s,
               const char *why);

/* ====================================================================== */
/* output.c                                                                */
/* ====================================================================== */

/* Send whatever the connection may send now: SYN / SYN-ACK, data, FIN,
 * or an ACK if one is owed now. */
void tcp__output(struct tcp__conn *c);
void tcp__send_ack(struct tcp__conn *c);
/* RST from a connection: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>. */
void tcp__send_rst_conn(struct tcp__conn *c);
/* A bare segment without a block (resets, SYN-ACKs). */
void tcp__send_raw(struct tcp_module *m, uint32_t node, struct tcp__host *h,
                   uint32_t src, uint32_t dst, const struct tcp_hdr *hdr,
                   uint32_t len, uint64_t conn_id);
/* Schedule the ACK a received segment asks for: at once or delayed. */
void tcp__ack_owed(struct tcp__conn *c, bool full_segment, bool at_once);
void tcp__keepalive_probe(struct tcp__conn *c);
/* Persist probe: <SEQ=SND.UNA-1><CTL=ACK>, no data. */
void tcp__zero_window_probe(struct tcp__conn *c);
uint32_t tcp__ts_now(const struct tcp__host *h);
/* Our receive window in bytes. */
uint32_t tcp__rcv_wnd(const struct tcp__conn *c);
bool tcp__quiet(const struct tcp__host *h);

/* ====================================================================== */
/* timer.c                                                                 */
/* ====================================================================== */

void tcp__timer_init(struct tcp__conn *c);
void tcp__timer_set(struct tcp__conn *c, enum tcp__tslot slot, int64_t t_ns);
void tcp__timer_clear(struct tcp__conn *c, enum tcp__tslot slot);
void tcp__timer_clear_all(struct tcp__conn *c);
/* Arm the retransmission slot for the segment in flight now. */
void tcp__rtx_arm(struct tcp__conn *c);
/* Interval before retransmission number n+1 of a SYN after n of them. */
int64_t tcp__syn_interval(const struct tcp_settings *s, unsigned n);
void tcp__rtt_sample(struct tcp__conn *c, int64_t rtt_ns);
int64_t tcp__rto_ns(const struct tcp__conn *c);
void tcp__keepalive_arm(struct tcp__conn *c);
int64_t tcp__keepidle(const struct tcp__conn *c);

/* ====================================================================== */
/* listen.c                                                                */
/* ====================================================================== */

struct tcp__listener *tcp__listener_find(struct tcp__host *h, uint32_t laddr,
                                         uint16_t lport);
void tcp__listen_input(struct tcp__listener *l, const struct tcp__seg *s);
int tcp__listener_open(struct tcp_sock *so, uint32_t backlog);
void tcp__listener_close(struct tcp__listener *l, bool silent);
void tcp__accept_remove(struct tcp__conn *c);

bool tcp__listener_check(const struct tcp__listener *l);

/* ====================================================================== */
/* syncookie.c                                                             */
/* ====================================================================== */

/* Linux net/ipv4/syncookies.c: the counter ticks every 60 s
 * (TCP_SYNCOOKIE_PERIOD) and a cookie is good while the counter has moved
 * by less than 2 (MAX_SYNCOOKIE_AGE); a listener checks ACKs as cookies
 * only within 2 periods of sending one (tcp_synq_no_recent_overflow). */
#define TCP__COOKIE_PERIOD_NS ((int64_t)60 * SIM_S)
#define TCP__COOKIE_MAX_AGE 2u
#define TCP__COOKIE_MSS_N 4
extern const uint16_t tcp__cookie_msstab[TCP__COOKIE_MSS_N];

/* The 4-tuple a cookie is bound to, as the listener sees it. */
struct tcp__cookie_tuple {
  uint32_t laddr, raddr;
  uint16_t lport, rport;
};
/* The ISN for a SYN with sequence number irs and the peer's MSS: the
 * largest table MSS not above it goes into the cookie; *mss_out gets it. */
uint32_t tcp__cookie_make(const uint64_t key[2],
                          const struct tcp__cookie_tuple *t, uint32_t irs,
                          uint16_t peer_mss, int64_t now_ns,
                          uint16_t *mss_out);
/* The MSS a cookie (the ACK's ack - 1) encodes for the peer's ISN irs
 * (the ACK's seq - 1), or 0 if it is forged, for another 4-tuple or
 * another secret, or older than TCP__COOKIE_MAX_AGE periods. */
uint16_t tcp__cookie_check(const uint64_t key[2],
                           const struct tcp__cookie_tuple *t, uint32_t irs,
                           uint32_t cookie, int64_t now_ns);
/* Timestamp-encoded options (Linux cookie_init_timestamp): the low 6 bits
 * of the SYN-ACK's TSval carry the peer's window-scale shift (0xf: none)
 * and SACK-permitted, so a cookie ACK echoing it restores them. */
#define TCP__COOKIE_TS_WSCALE_NONE 0xfu
#define TCP__COOKIE_TS_SACK 0x10u
#define TCP__COOKIE_TS_BITS 6
uint32_t tcp__cookie_ts(uint32_t ts_now, bool wscale_ok, uint8_t wscale,
                        bool sack_ok);
/* Hash of a 4-tuple under a listener key, for the SYN cache buckets. */
uint32_t tcp__syncache_hash(const uint64_t key[2],
                            const struct tcp__cookie_tuple *t);

/* ====================================================================== */
/* api.c                                                                   */
/* ====================================================================== */

void tcp__notify(struct tcp_sock *so, uint8_t what, int err);
void tcp__enter(struct tcp__host *h);
void tcp__leave(struct tcp__host *h);
/* Port users (H2). */
enum tcp__port_use { TCP__PU_LISTEN, TCP__PU_IDLE, TCP__PU_CONN };
const struct tcp__port *tcp__port_find(const struct tcp__host *h,
                                       uint16_t port);
void tcp__port_use(struct tcp__host *h, uint16_t port, enum tcp__port_use u,
                   int delta);
/* The connection ended: tell its application, if any (C4). */
void tcp__conn_ended(struct tcp__conn *c);

/* ====================================================================== */
/* module.c                                                                */
/* ====================================================================== */

struct tcp__host *tcp__host_get(struct tcp_module *m, uint32_t node,
                                bool create);
struct tcp__conn *tcp__conn_new(struct tcp__host *h, uint32_t laddr,
                                uint16_t lport, uint32_t raddr,
                                uint16_t rport);
struct tcp__conn *tcp__conn_find(const struct tcp__host *h, uint32_t laddr,
                                 uint16_t lport, uint32_t raddr,
                                 uint16_t rport);
/* Unhash, stop timers, put on the reap list (C1). */
void tcp__conn_retire(struct tcp__conn *c);
void tcp__host_reap(struct tcp__host *h);
uint64_t tcp__new_id(struct tcp_module *m);
void tcp__trace_transition(struct tcp__host *h, uint64_t id,
                           enum tcp_state from, enum tcp_state to,
                           const char *cause);
void tcp__trace_dropped(struct tcp_module *m, uint32_t node,
                        const struct sim_packet *p, const char *reason);
void tcp__trace_closed(struct tcp__host *h, uint64_t id, int err);
/* The seg_accepted observers (tcp.h): connection or SYN-queue entry id
 * acts upon the segment in p. */
void tcp__trace_accepted(struct tcp_module *m, uint32_t node, uint64_t id,
                         const struct sim_packet *p);
bool tcp__conn_check(const struct tcp__conn *c);
bool tcp__host_check(const struct tcp__host *h);

#endif /* TCPSIM_TCP_INT_H */
