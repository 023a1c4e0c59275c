/*
 * tcp.h - public API of the TCP module: connection management over the
 * simulation core.
 *
 * One module per world (tcp_install) registers for IP protocol 6 and runs
 * on every host. All hosts share one state machine: one read-only table of
 * the RFC 9293 arcs and one set of handlers; a host holds only its own port
 * tables, listeners and connection blocks. Applications use a callback
 * socket API modelled on BSD sockets (and ns-3's callbacks): they never
 * block, they are told when something happens.
 *
 * Internals, the connection block and their invariants are in
 * tcp/tcp_int.h; tcp/README.md documents the profiles (with the source of
 * every default), the settings and the sizes.
 *
 * Conventions as in sim/sim.h: times in int64_t nanoseconds (_ns), return
 * TCP_OK (0) or a negative TCP_E* code, IPv4 addresses and ports in host
 * byte order, sequence numbers as uint32_t with modular comparison.
 */
#ifndef TCPSIM_TCP_H
#define TCPSIM_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

/* ====================================================================== */
/* States                                                                  */
/* ====================================================================== */

/* The eleven states of RFC 9293 section 3.3.2 (CLOSING included), in
 * netstat spellings. */
#define TCP_STATES(X) \
  X(CLOSED)           \
  X(LISTEN)           \
  X(SYN_SENT)         \
  X(SYN_RCVD)         \
  X(ESTABLISHED)      \
  X(FIN_WAIT_1)       \
  X(FIN_WAIT_2)       \
  X(CLOSE_WAIT)       \
  X(CLOSING)          \
  X(LAST_ACK)         \
  X(TIME_WAIT)

enum tcp_state {
#define TCP__STATE_ENUM(name) TCP_S_##name,
  TCP_STATES(TCP__STATE_ENUM)
#undef TCP__STATE_ENUM
  TCP_S__COUNT
};

/* "ESTABLISHED", "SYN_RCVD"...; "?" for other values. */
const char *tcp_state_name(enum tcp_state s);

/* ====================================================================== */
/* Errors                                                                  */
/* ====================================================================== */

/* The user-visible errors are the POSIX ones a socket program would see. */
#define TCP_ERRORS(X)                                                      \
  X(OK,             0, "success")                                          \
  X(ENOMEM,        -1, "out of memory")                                    \
  X(EINVAL,        -2, "invalid argument")                                 \
  X(EBADF,         -3, "socket is closed")                                 \
  X(EADDRINUSE,    -4, "address already in use")                           \
  X(EADDRNOTAVAIL, -5, "cannot assign requested address")                  \
  X(ECONNREFUSED,  -6, "connection refused")                               \
  X(ECONNRESET,    -7, "connection reset by peer")                         \
  X(ETIMEDOUT,     -8, "connection timed out")                             \
  X(ENOTCONN,      -9, "socket is not connected")                          \
  X(EISCONN,      -10, "socket is already connected")                      \
  X(EALREADY,     -11, "operation already in progress")                    \
  X(EPIPE,        -12, "broken pipe (sending after shutdown)")             \
  X(EAGAIN,       -13, "nothing to accept yet")                            \
  X(ENETUNREACH,  -14, "network is unreachable")                           \
  X(EHOSTDOWN,    -15, "host is down")                                     \
  X(ECONNABORTED, -16, "connection aborted")                               \
  X(EOPNOTSUPP,   -17, "operation not supported in this state")

enum tcp_err {
#define TCP__ERR_ENUM(name, code, msg) TCP_##name = (code),
  TCP_ERRORS(TCP__ERR_ENUM)
#undef TCP__ERR_ENUM
};

const char *tcp_strerror(int err);
const char *tcp_errname(int err); /* "ECONNRESET" */

/* ====================================================================== */
/* Segments as seen by observers                                           */
/* ====================================================================== */

#define TCP_F_FIN 0x01u
#define TCP_F_SYN 0x02u
#define TCP_F_RST 0x04u
#define TCP_F_PSH 0x08u
#define TCP_F_ACK 0x10u
#define TCP_F_URG 0x20u

/*
 * The TCP header of a packet, decoded. This is exactly what the module
 * keeps in a packet's transport header area (struct sim_packet.l4); the
 * payload is p->payload_len bytes. Options are present when their has_
 * flag is set.
 */
struct tcp_hdr {
  uint16_t sport;
  uint16_t dport;
  uint32_t seq;
  uint32_t ack;
  uint8_t flags;       /* TCP_F_* */
  uint8_t wscale;      /* window scale shift (has_wscale) */
  uint16_t win;        /* window field as sent (unscaled) */
  uint16_t mss;        /* (has_mss) */
  uint8_t has_mss;
  uint8_t has_wscale;
  uint8_t sack_ok;     /* SACK-permitted option present */
  uint8_t has_ts;
  uint32_t ts_val;     /* (has_ts) */
  uint32_t ts_ecr;
};

/* Copy the header out of a TCP packet; TCP_EINVAL if p is not TCP. */
int tcp_packet_hdr(const struct sim_packet *p, struct tcp_hdr *out);
/* Flags as letters in the order SFRPAU, absent ones left out ("SA",
 * "FA", "R", "A"); buf of at least 7 bytes; returns buf. */
char *tcp_flags_str(uint8_t flags, char *buf);

/* Modular sequence-number comparison (RFC 9293 section 3.4). */
static inline bool tcp_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool tcp_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool tcp_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool tcp_seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* ====================================================================== */
/* Settings and profiles                                                   */
/* ====================================================================== */

enum tcp_profile { TCP_PROFILE_RFC793, TCP_PROFILE_BSD, TCP_PROFILE_LINUX };

enum tcp_isn_kind {
  TCP_ISN_CLOCK,    /* RFC 793: a 32-bit counter ticking every 4 us */
  TCP_ISN_RFC6528,  /* clock + keyed hash of the 4-tuple; new key at boot */
  TCP_ISN_RANDOM,   /* uniform random per connection */
  TCP_ISN_BSD,      /* 4.4BSD: += 64000 per connection and per 0.5 s */
  TCP_ISN_CONSTANT  /* always isn_constant (ns-3 uses 0) */
};

/* What a listener does when its accept queue is full and the handshake's
 * last ACK arrives (Linux: tcp_abort_on_overflow). */
enum tcp_overflow { TCP_OVERFLOW_DROP, TCP_OVERFLOW_RST };

enum tcp_port_policy { TCP_PORTS_SEQUENTIAL, TCP_PORTS_RANDOM };

/* When a listener answers a SYN with a SYN cookie instead of keeping state
 * (RFC 4987 3.6; Linux net.ipv4.tcp_syncookies 0, 1, 2). */
enum tcp_syncookies {
  TCP_SYNCOOKIES_OFF,      /* never */
  TCP_SYNCOOKIES_OVERFLOW, /* when the SYN queue (or the SYN cache) is full */
  TCP_SYNCOOKIES_ALWAYS    /* for every SYN: no half-open state at all */
};

/*
 * Every tunable of the module. tcp_settings_init fills a profile's
 * defaults; any field may then be changed. The table behind
 * tcp_settings_set/tcp_settings_table names each with a type, a range and
 * one line of help; tcp/README.md gives the source of every default.
 */
struct tcp_settings {
  enum tcp_profile profile;
  /* segment size and options offered on SYN and SYN-ACK */
  uint16_t mss;                 /* bytes */
  bool opt_wscale;
  uint8_t wscale;               /* our shift when offered */
  bool opt_sack;
  bool opt_timestamps;
  uint32_t rcv_buf;             /* receive buffer, bytes (advertised window) */
  /* retransmission (RFC 6298) */
  int64_t rto_initial_ns;       /* before any RTT sample (SYN, SYN-ACK) */
  int64_t rto_min_ns;
  int64_t rto_max_ns;
  int64_t syn_rto_ns[8];        /* explicit SYN retransmission intervals; all
                                   zero: rto_initial_ns doubling */
  uint8_t syn_retries;          /* SYN retransmissions before ETIMEDOUT */
  uint8_t synack_retries;       /* SYN-ACK retransmissions by a listener */
  uint8_t data_retries;         /* data/FIN retransmissions (tcp_retries2) */
  uint8_t orphan_retries;       /* for connections no process holds */
  int64_t conn_est_timeout_ns;  /* BSD connection-establishment timer; 0 off */
  /* acknowledgements */
  int64_t delack_ns;            /* delayed-ACK timeout; 0: ACK at once */
  /* closing */
  int64_t msl_ns;
  int64_t time_wait_ns;         /* TIME_WAIT length; 2*MSL by default */
  int64_t fin_wait2_ns;         /* orphaned FIN_WAIT_2 timeout; 0 never */
  bool rfc1337;                 /* TIME_WAIT ignores RST (RFC 1337) */
  bool tw_restart_ack;          /* any segment with ACK (no RST) restarts
                                   TIME_WAIT, not only a retransmitted FIN */
  bool tw_reuse_syn;            /* accept a SYN for a TIME_WAIT pair whose
                                   seq is beyond the old incarnation's */
  /* keepalive (per socket when enabled with TCP_OPT_KEEPALIVE) */
  int64_t keepidle_ns;
  int64_t keepintvl_ns;
  uint8_t keepcnt;
  /* attacks and robustness */
  bool rfc5961;                 /* challenge ACKs for suspicious RST/SYN */
  int64_t invalid_ratelimit_ns; /* per connection, the least time between
                                   two ACKs answering out-of-window SYNs or
                                   pure ACKs, or two challenge ACKs; 0: no
                                   limit (Linux tcp_invalid_ratelimit) */
  /* initial sequence numbers and reboots */
  enum tcp_isn_kind isn;
  bool isn_clock_restarts;      /* the clock starts from 0 at boot instead
                                   of running on through the crash */
  uint32_t isn_constant;
  bool quiet_time;              /* no segments for msl_ns after boot */
  /* listeners */
  uint32_t syn_backlog;         /* SYN-queue entries per listener, at most */
  uint32_t somaxconn;           /* cap on a listen() backlog */
  enum tcp_overflow accept_overflow;
  /* SYN-flood defences (RFC 4987 3); tcp/README.md "SYN-flood defences".
   * syn_backlog, somaxconn and synack_retries above are defences too. */
  bool syn_recycle;             /* a SYN finding the SYN queue full replaces
                                   the oldest half-open entry */
  bool syncache;                /* FreeBSD-style SYN cache instead of the
                                   SYN queue */
  uint32_t syncache_buckets;    /* hash buckets per listener */
  uint32_t syncache_bucket_limit; /* entries per bucket; the oldest goes */
  uint32_t syncache_limit;      /* entries per listener, all buckets */
  uint8_t syncache_retries;     /* SYN-ACK retransmissions from the cache */
  enum tcp_syncookies syncookies;
  /* ephemeral ports */
  uint16_t port_lo;
  uint16_t port_hi;
  enum tcp_port_policy port_policy;
  /* experiment only, broken on purpose, in no profile: a listener counts
   * a connection ESTABLISHED (and queues it for accept) as soon as it has
   * sent its SYN-ACK, to show why three segments are needed (an old
   * duplicate SYN opens a connection nobody asked for) */
  bool two_way_handshake;
  /* fault injection, in no profile (0): percent of the ACKs a connection
   * sends in TIME_WAIT (the ACK of the peer's FIN, and its repetitions
   * for a retransmitted FIN) that are dropped as they leave the host,
   * each drawn from the host's own random stream ("tcp.fault") */
  uint8_t fault_tw_ack_loss;
};

void tcp_settings_init(struct tcp_settings *s, enum tcp_profile p);
/* "rfc793", "bsd", "linux" <-> enum; TCP_EINVAL for an unknown name. */
int tcp_profile_parse(const char *name, enum tcp_profile *out);
const char *tcp_profile_name(enum tcp_profile p);

/* One setting by name ("time_wait", "syn_retries"...), value as text with
 * units ("60s", "3", "on"). On error returns TCP_EINVAL and writes a
 * message naming the setting and the accepted values into err. */
int tcp_settings_set(struct tcp_settings *s, const char *name,
                     const char *value, char *err, size_t errcap);

enum tcp_setting_type {
  TCP_SET_BOOL, TCP_SET_UINT, TCP_SET_TIME, TCP_SET_ENUM, TCP_SET_TIMES
};
struct tcp_setting_desc {
  const char *name;
  enum tcp_setting_type type;
  const char *help;        /* one line */
  const char *choices;     /* for enums: "clock|rfc6528|random|bsd|constant" */
};
/* The table of every setting, in documentation order. */
const struct tcp_setting_desc *tcp_settings_table(size_t *n);
/* Checks a whole settings struct, as filled by hand: every field in its
 * range and the fields that depend on each other consistent (wscale at
 * most 14, rto_min <= rto_max, port_lo <= port_hi, times within
 * [0, TCP_OPT_TIME_MAX_NS]). TCP_EINVAL with a message naming the first
 * offending setting. */
int tcp_settings_check(const struct tcp_settings *s, char *err, size_t errcap);
/* A setting's value as text, as tcp_settings_set accepts it. */
int tcp_settings_get(const struct tcp_settings *s, const char *name,
                     char *buf, size_t cap);

/* ====================================================================== */
/* The module                                                              */
/* ====================================================================== */

struct tcp_module; /* opaque */
struct tcp_sock;   /* opaque socket handle */

/* Register TCP with w for every host, with settings s (copied). NULL when
 * out of memory, when protocol 6 is taken or when tcp_settings_check
 * refuses s. Free after the world. */
struct tcp_module *tcp_install(struct sim_world *w,
                               const struct tcp_settings *s);
void tcp_free(struct tcp_module *m);
/* Settings of one host (copied); they apply at once to everything the host
 * does, its existing connections included. TCP_EINVAL for a router or for
 * settings that tcp_settings_check refuses. */
int tcp_host_settings(struct tcp_module *m, uint32_t node,
                      const struct tcp_settings *s);
const struct tcp_settings *tcp_host_settings_get(const struct tcp_module *m,
                                                 uint32_t node);

/* Process crash on a host: every socket of that owner is closed by the
 * kernel as close() would (FIN; RST when unread data remains). Machine
 * crashes come through sim_node_power_off/reboot. */
int tcp_kill_process(struct tcp_module *m, uint32_t node, uint32_t owner);

/* ====================================================================== */
/* Observers                                                               */
/* ====================================================================== */

/* Why the state changed: "rcv SYN", "app close", "2MSL timeout"... */
struct tcp_trace_ops {
  /* every state change of every connection (listeners included) */
  void (*transition)(void *ctx, struct tcp_module *m, uint32_t node,
                     uint64_t conn_id, enum tcp_state from,
                     enum tcp_state to, const char *cause);
  /* a segment the module refused: bad checksum/format, out of window,
   * unexpected in this state, ... (reason is a short fixed string) */
  void (*seg_dropped)(void *ctx, struct tcp_module *m, uint32_t node,
                      const struct sim_packet *p, const char *reason);
  /* a connection ended (its block is freed): err as the app saw it; a
   * half-open entry that ended gets ECONNABORTED (timed out, dropped)
   * or ECONNRESET (a RST sent it back to LISTEN) */
  void (*conn_closed)(void *ctx, struct tcp_module *m, uint32_t node,
                      uint64_t conn_id, int err);
  /* a segment that passed the acceptability checks of RFC 9293 3.10.7
   * and that connection conn_id (a SYN-queue entry's id for a half-open
   * one) acted upon: the SYN a listener answers with a SYN-ACK (or, with
   * two_way_handshake, opens a connection for), the SYN-ACK or the
   * crossing SYN that synchronises an active open, the ACK that completes
   * a handshake (a SYN cookie's included), an in-window ACK, data or FIN,
   * an acceptable RST, and a SYN in the window that resets the
   * connection. Called before the connection acts, so conn_id is alive.
   * Not called for segments dropped, answered only with an ACK (out of
   * window, challenge ACKs), repeated SYNs of a half-open entry, or
   * anything reaching TIME_WAIT but a RST or a SYN in the window. The
   * packet's measurement tags say which connection and boot sent it; the
   * module itself never reads them. */
  void (*seg_accepted)(void *ctx, struct tcp_module *m, uint32_t node,
                       uint64_t conn_id, const struct sim_packet *p);
};
int tcp_trace_subscribe(struct tcp_module *m, const struct tcp_trace_ops *ops,
                        void *ctx);
/* Inside a transition observer: the ISS and IRS of the connection block
 * that moves, once it has both (not in SYN_SENT or CLOSED); false for
 * listeners, SYN-queue entries, and outside a callback. A connection made
 * from a SYN cookie never sent a SYN-ACK of its own: this is where its
 * numbers are. */
bool tcp_trace_seqs(const struct tcp_module *m, uint32_t *iss, uint32_t *irs);

/* The declared arcs of the state machine (from, to pairs) and how often
 * each was taken so far, for coverage and the state diagram. */
struct tcp_arc {
  enum tcp_state from;
  enum tcp_state to;
  const char *label; /* RFC 9293 diagram label, e.g. "rcv SYN, snd SYN,ACK" */
};
const struct tcp_arc *tcp_arcs(size_t *n);
uint64_t tcp_arc_count(const struct tcp_module *m, size_t arc_index);

/* Counters over the whole module. */
struct tcp_stats {
  uint64_t segs_in, segs_out, retransmits;
  uint64_t rst_out, rst_in, challenge_acks;
  uint64_t acks_ratelimited;  /* not sent: invalid_ratelimit */
  uint64_t bad_segs;          /* malformed or failed checks */
  uint64_t syn_queue_drops, accept_queue_drops;
  uint64_t conns_opened, conns_closed;
  /* SYN-flood defences */
  uint64_t syn_recycled;      /* half-open entries replaced by a new SYN */
  uint64_t syncache_bucket_overflows; /* oldest entry of a full bucket
                                         dropped for a new SYN */
  uint64_t syncookies_sent;   /* SYN-ACKs whose ISN is a cookie, no state */
  uint64_t syncookies_validated; /* cookie ACKs that opened a connection */
  uint64_t syncookies_failed; /* ACKs checked as cookies and refused */
  uint64_t synacks_sent;      /* by listeners: first, retransmitted, cookie */
  /* gauges, now: half-open entries in SYN queues and SYN caches, and
   * connections waiting in accept queues (all listeners of the module) */
  uint64_t half_open, accept_queued;
  /* fault injection (fault_tw_ack_loss) */
  uint64_t fault_tw_acks_dropped; /* TIME_WAIT ACKs dropped on leaving */
};
void tcp_stats_get(const struct tcp_module *m, struct tcp_stats *out);

/* ====================================================================== */
/* Sockets                                                                 */
/* ====================================================================== */

/*
 * Callbacks an application gives a socket; any may be NULL. A handle stays
 * valid until the application calls tcp_close or tcp_abort on it (the
 * connection may go on without it, orphaned, to finish its close); after a
 * connection ends on its own (reset, timeout) the closed callback runs and
 * the handle stays valid, in CLOSED, until the application closes it.
 *
 * Released handles: after tcp_close or tcp_abort (or tcp_kill_process of
 * its owner) a call on the handle returns TCP_EBADF (tcp_recv 0,
 * tcp_sock_state TCP_S_CLOSED), but only until 4096 more handles (of any
 * host) have been released: the module keeps that many released handles
 * and then frees the oldest. Using a handle later is
 * undefined behaviour, as using memory after free(); the EBADF answer is
 * a safety net for late calls, not a licence to keep the pointer.
 *   connected    an active open completed (ESTABLISHED);
 *   acceptable   a listener has a connection waiting in its accept queue;
 *   readable     bytes arrived in order (tcp_recv consumes them);
 *   peer_closed  the peer's FIN arrived: no more data will come;
 *   closed       the connection ended: err is TCP_OK after a clean close,
 *                else TCP_ECONNRESET, TCP_ETIMEDOUT, TCP_ECONNREFUSED...
 */
struct tcp_callbacks {
  void (*connected)(struct tcp_sock *s, void *ctx);
  void (*acceptable)(struct tcp_sock *listener, void *ctx);
  void (*readable)(struct tcp_sock *s, size_t avail, void *ctx);
  void (*peer_closed)(struct tcp_sock *s, void *ctx);
  void (*closed)(struct tcp_sock *s, int err, void *ctx);
};

/* A new socket on a host, owned by process `owner` (for tcp_kill_process). */
int tcp_socket(struct tcp_module *m, uint32_t node, uint32_t owner,
               const struct tcp_callbacks *cb, void *ctx,
               struct tcp_sock **out);

/* Values outside an option's domain are TCP_EINVAL and change nothing.
 * KEEPIDLE and KEEPINTVL must be in (0, TCP_OPT_TIME_MAX_NS]: ten years
 * is far beyond any real stack's limit (Linux MAX_TCP_KEEPIDLE is
 * 32767 s) and keeps now + interval far from int64_t overflow. */
#define TCP_OPT_TIME_MAX_NS ((int64_t)10 * 365 * 24 * 3600 * SIM_S)

enum tcp_opt {
  TCP_OPT_REUSEADDR,  /* 0/1 */
  TCP_OPT_LINGER,     /* -1 off; 0: close sends RST; >0 seconds (ignored);
                         other negative values: TCP_EINVAL */
  TCP_OPT_KEEPALIVE,  /* 0/1 */
  TCP_OPT_KEEPIDLE,   /* ns, 1..TCP_OPT_TIME_MAX_NS */
  TCP_OPT_KEEPINTVL,  /* ns, 1..TCP_OPT_TIME_MAX_NS */
  TCP_OPT_KEEPCNT,    /* 1..255 */
  TCP_OPT_NODELAY,    /* 0/1: ACK at once instead of delaying */
};
int tcp_setopt(struct tcp_sock *s, enum tcp_opt opt, int64_t value);

/* addr 0: the host's first address; port 0: an ephemeral port. */
int tcp_bind(struct tcp_sock *s, uint32_t addr, uint16_t port);
/* TCP_EINVAL on a socket that is or was connecting or connected (POSIX
 * listen). On a powered-off host, bind, listen, connect and send answer
 * TCP_EHOSTDOWN; its sockets were closed at power-off (closed callback
 * with TCP_ECONNABORTED) and stay unusable after the next boot. */
int tcp_listen(struct tcp_sock *s, uint32_t backlog);
/* Take a connection from the listener's accept queue (TCP_EAGAIN if
 * empty) and give it callbacks. */
int tcp_accept(struct tcp_sock *listener, const struct tcp_callbacks *cb,
               void *ctx, struct tcp_sock **out);
/* Active open; binds an ephemeral port if unbound. Completion comes through
 * connected or closed. */
int tcp_connect(struct tcp_sock *s, uint32_t addr, uint16_t port);
/* Queue n bytes (no contents are kept); returns n or an error. Once the
 * connection has ended, the error it ended with (TCP_ECONNRESET,
 * TCP_ECONNABORTED...) is returned once, as SO_ERROR is, and TCP_EPIPE
 * afterwards; TCP_ENOTCONN on a listener or a never-connected socket. */
int64_t tcp_send(struct tcp_sock *s, uint64_t n);
/* Consume up to n received bytes; returns how many. */
uint64_t tcp_recv(struct tcp_sock *s, uint64_t n);
/* Half-close: no more sending (FIN after the queued data). */
int tcp_shutdown(struct tcp_sock *s);
/* Release the handle; the connection closes gracefully (or with RST when
 * unread data remains or SO_LINGER is 0). The handle must not be used
 * afterwards: see "Released handles" above (TCP_EBADF for a while, then
 * undefined). */
int tcp_close(struct tcp_sock *s);
/* Abortive close: RST now, queued data discarded. The handle is
 * released as by tcp_close. */
int tcp_abort(struct tcp_sock *s);

struct tcp_sock_info {
  enum tcp_state state;
  uint64_t conn_id;        /* unique in the run; 0 before any connection */
  uint32_t laddr, raddr;
  uint16_t lport, rport;
  uint32_t iss, irs;       /* initial send and receive sequence numbers */
  uint32_t snd_una, snd_nxt, rcv_nxt;
  uint64_t unsent, unacked, unread; /* bytes */
  int last_err;            /* what closed reported, TCP_OK otherwise */
};
int tcp_sock_info(const struct tcp_sock *s, struct tcp_sock_info *out);
enum tcp_state tcp_sock_state(const struct tcp_sock *s);
uint32_t tcp_sock_node(const struct tcp_sock *s);

#endif /* TCPSIM_TCP_H */
