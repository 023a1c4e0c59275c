/*
 * settings.c - the TCP profiles (rfc793, bsd, linux) and the one table of
 * settings that drives parsing, printing and the documentation.
 *
 * Every tunable of struct tcp_settings (tcp/tcp.h) appears exactly once, in
 * TCP__SETTINGS below: its name (the field name without _ns), its type as
 * users see it, how it is stored, its range and one line of help. The
 * public descriptor array, the private accessor array and the command
 * line's "tcpsim list" all come from that list, so a setting cannot be
 * parsed without being documented or printed differently from how it is
 * parsed. The defaults of each profile, and the source of every one of
 * them (RFC section, Stevens chapter, Linux sysctl or constant), are in
 * tcp_settings_init and in the table of tcp/README.md; keep the two in step.
 *
 * Values are text with units, as an experiment file or a command line
 * carries them: times as "60s", "200ms", "1.5s", "250us", "0"; booleans as
 * on/off, yes/no, true/false, 1/0; enums by name; the SYN schedule as a
 * comma-separated list of times. tcp_settings_get writes what
 * tcp_settings_set reads back to the same value.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tcp/tcp.h"

/* ====================================================================== */
/* The table                                                               */
/* ====================================================================== */

/* How a field is stored; the user-visible type is in the descriptor. */
enum stor {
  ST_BOOL,
  ST_U8,
  ST_U16,
  ST_U32,
  ST_TIME,     /* int64_t ns */
  ST_TIMES,    /* int64_t ns[8], zero-terminated */
  ST_ISN,      /* enum tcp_isn_kind */
  ST_OVERFLOW, /* enum tcp_overflow */
  ST_PORTS,    /* enum tcp_port_policy */
  ST_COOKIES   /* enum tcp_syncookies */
};

/* Largest time any setting accepts: 10^6 s (11.6 days) leaves room to add
 * a few of them to a clock without overflowing int64_t nanoseconds. */
#define T_HI ((int64_t)1000000 * SIM_S)
#define NOCHOICE NULL

#define SYN_RTO_MAX ((int)(sizeof(((struct tcp_settings *)0)->syn_rto_ns) / \
                           sizeof(int64_t)))

/*
 * X(name, user type, storage, field, lo, hi, help, choices)
 * lo/hi bound the value (ns for times, the integer otherwise); enum
 * choices are listed in the order of the enum's values, which start at 0.
 */
#define TCP__SETTINGS(X)                                                       \
  X(mss, TCP_SET_UINT, ST_U16, mss, 88, 65495,                                 \
    "MSS we offer on SYN and SYN-ACK, bytes (IPv4 MTU minus 40)", NOCHOICE)    \
  X(opt_wscale, TCP_SET_BOOL, ST_BOOL, opt_wscale, 0, 1,                       \
    "offer the window-scale option (RFC 7323)", NOCHOICE)                      \
  X(wscale, TCP_SET_UINT, ST_U8, wscale, 0, 14,                                \
    "our window-scale shift when offered (RFC 7323 2.3: at most 14)",          \
    NOCHOICE)                                                                  \
  X(opt_sack, TCP_SET_BOOL, ST_BOOL, opt_sack, 0, 1,                           \
    "offer SACK-permitted (RFC 2018)", NOCHOICE)                               \
  X(opt_timestamps, TCP_SET_BOOL, ST_BOOL, opt_timestamps, 0, 1,               \
    "offer timestamps (RFC 7323)", NOCHOICE)                                   \
  X(rcv_buf, TCP_SET_UINT, ST_U32, rcv_buf, 1, 1073725440,                     \
    "receive buffer, bytes; the window we advertise", NOCHOICE)                \
  X(rto_initial, TCP_SET_TIME, ST_TIME, rto_initial_ns, 1, T_HI,               \
    "RTO before any RTT sample (SYN, SYN-ACK; RFC 6298 2.1)", NOCHOICE)        \
  X(rto_min, TCP_SET_TIME, ST_TIME, rto_min_ns, 1, T_HI,                       \
    "lower bound of the RTO (RFC 6298 2.4)", NOCHOICE)                         \
  X(rto_max, TCP_SET_TIME, ST_TIME, rto_max_ns, 1, T_HI,                       \
    "upper bound of the RTO after back-off (RFC 6298 2.5)", NOCHOICE)          \
  X(syn_rto, TCP_SET_TIMES, ST_TIMES, syn_rto_ns, 1, T_HI,                     \
    "SYN timeouts after the 1st, 2nd... SYN, then doubling up to rto_max; "    \
    "0: rto_initial doubling",                                                 \
    NOCHOICE)                                                                  \
  X(syn_retries, TCP_SET_UINT, ST_U8, syn_retries, 0, 255,                     \
    "SYN retransmissions before connect fails with ETIMEDOUT", NOCHOICE)       \
  X(synack_retries, TCP_SET_UINT, ST_U8, synack_retries, 0, 255,               \
    "SYN-ACK retransmissions before a listener drops the half-open entry",     \
    NOCHOICE)                                                                  \
  X(data_retries, TCP_SET_UINT, ST_U8, data_retries, 0, 255,                   \
    "data/FIN retransmissions before the connection is dropped", NOCHOICE)     \
  X(orphan_retries, TCP_SET_UINT, ST_U8, orphan_retries, 0, 255,               \
    "the same for connections no process holds any more", NOCHOICE)           \
  X(conn_est_timeout, TCP_SET_TIME, ST_TIME, conn_est_timeout_ns, 0, T_HI,     \
    "BSD connection-establishment timer: give up an open after this; 0 off",   \
    NOCHOICE)                                                                  \
  X(delack, TCP_SET_TIME, ST_TIME, delack_ns, 0, T_HI,                         \
    "delayed-ACK timeout; 0: acknowledge at once", NOCHOICE)                   \
  X(msl, TCP_SET_TIME, ST_TIME, msl_ns, 0, T_HI / 2,                           \
    "maximum segment lifetime; setting it also sets time_wait to 2*msl",       \
    NOCHOICE)                                                                  \
  X(time_wait, TCP_SET_TIME, ST_TIME, time_wait_ns, 0, T_HI,                   \
    "how long TIME_WAIT lasts (2MSL)", NOCHOICE)                               \
  X(fin_wait2, TCP_SET_TIME, ST_TIME, fin_wait2_ns, 0, T_HI,                   \
    "an orphaned FIN_WAIT_2 is closed after this; 0: never", NOCHOICE)         \
  X(rfc1337, TCP_SET_BOOL, ST_BOOL, rfc1337, 0, 1,                             \
    "TIME_WAIT ignores RST instead of closing (RFC 1337)", NOCHOICE)           \
  X(tw_restart_ack, TCP_SET_BOOL, ST_BOOL, tw_restart_ack, 0, 1,               \
    "any segment with ACK, old or new, restarts TIME_WAIT (off: only a FIN)",  \
    NOCHOICE)                                                                  \
  X(tw_reuse_syn, TCP_SET_BOOL, ST_BOOL, tw_reuse_syn, 0, 1,                   \
    "a SYN beyond the old incarnation reopens a TIME_WAIT pair "               \
    "(RFC 1122 4.2.2.13)",                                                     \
    NOCHOICE)                                                                  \
  X(keepidle, TCP_SET_TIME, ST_TIME, keepidle_ns, 1, T_HI,                     \
    "idle time before the first keepalive probe", NOCHOICE)                    \
  X(keepintvl, TCP_SET_TIME, ST_TIME, keepintvl_ns, 1, T_HI,                   \
    "time between unanswered keepalive probes", NOCHOICE)                      \
  X(keepcnt, TCP_SET_UINT, ST_U8, keepcnt, 1, 255,                             \
    "unanswered probes before the connection is dropped", NOCHOICE)           \
  X(rfc5961, TCP_SET_BOOL, ST_BOOL, rfc5961, 0, 1,                             \
    "challenge ACKs for in-window RST and SYN (RFC 5961 3, 4)", NOCHOICE)      \
  X(invalid_ratelimit, TCP_SET_TIME, ST_TIME, invalid_ratelimit_ns, 0, T_HI,   \
    "min gap between a connection's out-of-window and challenge ACKs; 0 none", \
    NOCHOICE)                                                                  \
  X(isn, TCP_SET_ENUM, ST_ISN, isn, 0, 0,                                      \
    "initial sequence number generator",                                       \
    "clock|rfc6528|random|bsd|constant")                                       \
  X(isn_clock_restarts, TCP_SET_BOOL, ST_BOOL, isn_clock_restarts, 0, 1,       \
    "the 4 us ISN clock restarts from 0 at boot instead of running on",        \
    NOCHOICE)                                                                  \
  X(isn_constant, TCP_SET_UINT, ST_U32, isn_constant, 0, UINT32_MAX,           \
    "the ISN when isn is constant", NOCHOICE)                                  \
  X(quiet_time, TCP_SET_BOOL, ST_BOOL, quiet_time, 0, 1,                       \
    "send no segment for msl after a boot (RFC 793 3.3)", NOCHOICE)            \
  X(syn_backlog, TCP_SET_UINT, ST_U32, syn_backlog, 1, UINT32_MAX,             \
    "half-open (SYN_RCVD) entries per listener, at most", NOCHOICE)            \
  X(somaxconn, TCP_SET_UINT, ST_U32, somaxconn, 1, UINT32_MAX,                 \
    "cap on the backlog given to listen()", NOCHOICE)                          \
  X(accept_overflow, TCP_SET_ENUM, ST_OVERFLOW, accept_overflow, 0, 0,         \
    "last ACK of a handshake when the accept queue is full", "drop|rst")       \
  X(syn_recycle, TCP_SET_BOOL, ST_BOOL, syn_recycle, 0, 1,                     \
    "a SYN finding the SYN queue full replaces the oldest half-open entry",    \
    NOCHOICE)                                                                  \
  X(syncache, TCP_SET_BOOL, ST_BOOL, syncache, 0, 1,                           \
    "keep half-open connections in a hashed SYN cache (FreeBSD)", NOCHOICE)    \
  X(syncache_buckets, TCP_SET_UINT, ST_U32, syncache_buckets, 1, 65536,        \
    "hash buckets of a listener's SYN cache (each has one timer)", NOCHOICE)   \
  X(syncache_bucket_limit, TCP_SET_UINT, ST_U32, syncache_bucket_limit, 1,     \
    65535, "entries per SYN-cache bucket; a full bucket drops its oldest",     \
    NOCHOICE)                                                                  \
  X(syncache_limit, TCP_SET_UINT, ST_U32, syncache_limit, 1, 16777216,         \
    "entries of a listener's SYN cache in all its buckets", NOCHOICE)          \
  X(syncache_retries, TCP_SET_UINT, ST_U8, syncache_retries, 0, 255,           \
    "SYN-ACK retransmissions from the SYN cache before the entry goes",        \
    NOCHOICE)                                                                  \
  X(syncookies, TCP_SET_ENUM, ST_COOKIES, syncookies, 0, 0,                    \
    "answer SYNs with stateless SYN cookies (Linux tcp_syncookies 0/1/2)",     \
    "off|overflow|always")                                                     \
  X(port_lo, TCP_SET_UINT, ST_U16, port_lo, 1, 65535,                          \
    "lowest ephemeral port", NOCHOICE)                                         \
  X(port_hi, TCP_SET_UINT, ST_U16, port_hi, 1, 65535,                          \
    "highest ephemeral port", NOCHOICE)                                        \
  X(port_policy, TCP_SET_ENUM, ST_PORTS, port_policy, 0, 0,                    \
    "how ephemeral ports are chosen", "sequential|random")                     \
  X(two_way_handshake, TCP_SET_BOOL, ST_BOOL, two_way_handshake, 0, 1,         \
    "experiment only (broken on purpose): server open once its SYN-ACK is sent",\
    NOCHOICE)                                                                  \
  X(fault_tw_ack_loss, TCP_SET_UINT, ST_U8, fault_tw_ack_loss, 0, 100,         \
    "fault injection: percent of the ACKs sent in TIME_WAIT dropped on leaving",\
    NOCHOICE)

struct setting_impl {
  size_t off;     /* offsetof(struct tcp_settings, field) */
  enum stor st;
  int64_t lo, hi; /* inclusive range (ns for times) */
};

static const struct tcp_setting_desc descs[] = {
#define TCP__DESC(name, type, st, field, lo, hi, help, choices) \
  {#name, type, help, choices},
    TCP__SETTINGS(TCP__DESC)
#undef TCP__DESC
};

static const struct setting_impl impls[] = {
#define TCP__IMPL(name, type, st, field, lo, hi, help, choices) \
  {offsetof(struct tcp_settings, field), st, (int64_t)(lo), (int64_t)(hi)},
    TCP__SETTINGS(TCP__IMPL)
#undef TCP__IMPL
};

#define NSETTINGS (sizeof descs / sizeof descs[0])
_Static_assert(sizeof descs / sizeof descs[0] == sizeof impls / sizeof impls[0],
               "one descriptor per accessor");

/* ====================================================================== */
/* Profiles                                                                */
/* ====================================================================== */

/*
 * The sizes of the SYN cache are FreeBSD's in every profile, so that
 * switching `syncache` on gives FreeBSD's cache (sys/netinet/
 * tcp_syncache.c): TCP_SYNCACHE_HASHSIZE 512 buckets, TCP_SYNCACHE_
 * BUCKETLIMIT 30 entries per bucket, cache_limit = hashsize * bucket_limit
 * = 15360 (syncache_init), SYNCACHE_MAXREXMTS 3 SYN-ACK retransmissions
 * (1 + 2 + 4 + 8 s with a 1 s initial RTO, "the odds are that the user has
 * given up attempting to connect by then"). Which defences are on is the
 * profile's business.
 */
static void freebsd_syncache_sizes(struct tcp_settings *s)
{
  s->syncache_buckets = 512;
  s->syncache_bucket_limit = 30;
  s->syncache_limit = 512 * 30;
  s->syncache_retries = 3;
}

/*
 * RFC 793 as a textbook reads it, with RFC 9293 (its 2022 consolidation)
 * and RFC 1122 where 793 leaves a number open. Sources per line; the
 * README table repeats them.
 */
static void init_rfc793(struct tcp_settings *s)
{
  s->mss = 536;                      /* RFC 9293 3.7.1: default send MSS */
  s->opt_wscale = false;             /* RFC 793 knows only the MSS option */
  s->wscale = 0;
  s->opt_sack = false;
  s->opt_timestamps = false;
  s->rcv_buf = 65535;                /* largest unscaled window (3.1) */
  /* RFC 9293 3.8.1 makes RFC 6298 the RTO algorithm: 1 s initial (2.1),
   * 1 s floor (2.4), a cap of at least 60 s (2.5). RFC 793's own example
   * bounds (LBOUND 1 s, UBOUND 1 min) agree. */
  s->rto_initial_ns = 1 * SIM_S;
  s->rto_min_ns = 1 * SIM_S;
  s->rto_max_ns = 60 * SIM_S;
  /* RFC 1122 4.2.3.5: a SYN is retransmitted for at least 3 minutes.
   * With 1 s doubling capped at 60 s the 7th retransmission goes at
   * 123 s and the open fails at 183 s. */
  s->syn_retries = 7;
  s->synack_retries = 7;
  /* RFC 1122 4.2.3.5: R2 for data at least 100 s; six retransmissions
   * from a 1 s RTO give up at 123 s at the earliest. */
  s->data_retries = 6;
  s->orphan_retries = 6;
  s->conn_est_timeout_ns = 0;
  s->delack_ns = 200 * SIM_MS;       /* RFC 9293 3.8.6.3: below 0.5 s */
  s->msl_ns = 120 * SIM_S;           /* RFC 793 3.3: 2 minutes */
  s->time_wait_ns = 240 * SIM_S;     /* 2MSL */
  s->fin_wait2_ns = 0;               /* the RFC has no FIN_WAIT_2 timer */
  s->rfc1337 = false;
  s->tw_restart_ack = false;         /* only the FIN: RFC 793 3.9 */
  s->tw_reuse_syn = false;
  /* RFC 1122 4.2.3.6: idle at least 2 hours; RFC 793 has no keepalive.
   * The textbook figures of the seeds: probes 75 s apart, 10 of them. */
  s->keepidle_ns = 7200 * SIM_S;
  s->keepintvl_ns = 75 * SIM_S;
  s->keepcnt = 10;
  s->rfc5961 = false;
  s->invalid_ratelimit_ns = 0;       /* no such limit */
  s->isn = TCP_ISN_CLOCK;            /* RFC 793 3.3: 4 us clock */
  s->isn_clock_restarts = false;     /* see README: quiet time covers it */
  s->isn_constant = 0;
  s->quiet_time = true;              /* RFC 793 3.3 "Knowing When to Keep
                                        Quiet" */
  s->syn_backlog = 1024;             /* not in the RFC: roomy */
  s->somaxconn = 1024;
  s->accept_overflow = TCP_OVERFLOW_DROP;
  /* RFC 4987 (2007) came long after RFC 793: no defences. */
  s->syn_recycle = false;
  s->syncache = false;
  freebsd_syncache_sizes(s);
  s->syncookies = TCP_SYNCOOKIES_OFF;
  s->port_lo = 49152;                /* RFC 6335 6: dynamic ports */
  s->port_hi = 65535;
  s->port_policy = TCP_PORTS_SEQUENTIAL;
}

/* 4.4BSD as Stevens measured and read it (TCP/IP Illustrated vol. 1
 * ch. 18, 21, 23 and vol. 2, the 4.4BSD-Lite source). */
static void init_bsd(struct tcp_settings *s)
{
  s->mss = 1024;                     /* vol. 1 fig. 18.1: <mss 1024> */
  s->opt_wscale = true;              /* 4.4BSD sends RFC 1323 options */
  s->wscale = 0;                     /* 8 KB buffer needs no shift */
  s->opt_sack = false;               /* SACK came after 4.4BSD */
  s->opt_timestamps = true;
  s->rcv_buf = 8192;                 /* tcp_recvspace = 1024 * 8 */
  /* tcp_timer.h: srtt 0 and rttvar 3 s give the first RTO of 6 s (the
   * SYN schedule below spells it out); TCPTV_MIN 1 s, TCPTV_REXMTMAX
   * 64 s. */
  s->rto_initial_ns = 6 * SIM_S;
  s->rto_min_ns = 1 * SIM_S;
  s->rto_max_ns = 64 * SIM_S;
  /* vol. 1 18.2 (and the seeds): SYN timeouts 6 s, 24 s, 48 s; the
   * 75 s connection-establishment timer ends the open first. */
  s->syn_rto_ns[0] = 6 * SIM_S;
  s->syn_rto_ns[1] = 24 * SIM_S;
  s->syn_rto_ns[2] = 48 * SIM_S;
  s->syn_retries = 12;               /* TCP_MAXRXTSHIFT */
  s->synack_retries = 12;
  s->data_retries = 12;
  s->orphan_retries = 12;
  s->conn_est_timeout_ns = 75 * SIM_S; /* TCPTV_KEEP_INIT */
  s->delack_ns = 200 * SIM_MS;       /* fast timeout, PR_FASTHZ 5 */
  s->msl_ns = 30 * SIM_S;            /* TCPTV_MSL; vol. 1 18.6 */
  s->time_wait_ns = 60 * SIM_S;
  /* vol. 1 18.6: an orphaned FIN_WAIT_2 goes after 10 min + 75 s: the
   * 2MSL timer is set to tcp_maxidle (8 * 75 s = 600 s) and, when it
   * fires with the connection idle less than that, re-armed for 75 s. */
  s->fin_wait2_ns = 675 * SIM_S;
  s->rfc1337 = false;
  s->tw_restart_ack = true;          /* tcp_input: TCPS_TIME_WAIT */
  s->tw_reuse_syn = true;            /* vol. 1 18.6: Berkeley rule */
  /* TCPTV_KEEP_IDLE 2 h, TCPTV_KEEPINTVL 75 s, TCPTV_KEEPCNT 8 (the
   * code); vol. 1 23.2 describes 10 probes. */
  s->keepidle_ns = 7200 * SIM_S;
  s->keepintvl_ns = 75 * SIM_S;
  s->keepcnt = 8;
  s->rfc5961 = false;
  s->invalid_ratelimit_ns = 0;       /* 4.4BSD answers every one */
  s->isn = TCP_ISN_BSD;              /* 64000 per connection and 0.5 s */
  s->isn_clock_restarts = true;      /* tcp_iss is set afresh at boot */
  s->isn_constant = 0;
  s->quiet_time = false;             /* vol. 1 18.6: hardly anyone did */
  /* vol. 1 18.11 fig. 18.23: backlog 5 admits 8 connections, both
   * queues together (3 * backlog / 2 + 1). */
  s->syn_backlog = 8;
  s->somaxconn = 5;                  /* SOMAXCONN */
  s->accept_overflow = TCP_OVERFLOW_DROP; /* the SYN is ignored */
  /* 4.4BSD drops the SYN when the queues are full (sonewconn fails):
   * no recycling, no cache, no cookies. The SYN cache and SYN cookies
   * came with FreeBSD 4.5 (2001), where both are on by default
   * (net.inet.tcp.syncookies 1): syncache=on and syncookies=overflow
   * give that behaviour. */
  s->syn_recycle = false;
  s->syncache = false;
  freebsd_syncache_sizes(s);
  s->syncookies = TCP_SYNCOOKIES_OFF;
  s->port_lo = 1024;                 /* IPPORT_RESERVED */
  s->port_hi = 5000;                 /* IPPORT_USERRESERVED */
  s->port_policy = TCP_PORTS_SEQUENTIAL;
}

/* Linux 6.x defaults: include/net/tcp.h constants and the sysctls of
 * Documentation/networking/ip-sysctl.rst, checked against a 6.18 kernel
 * (README, "Profiles"). */
static void init_linux(struct tcp_settings *s)
{
  s->mss = 1460;                     /* Ethernet MTU 1500 - 40 */
  s->opt_wscale = true;              /* tcp_window_scaling 1 */
  s->wscale = 7;                     /* tcp_select_initial_window on the
                                        6 MB default tcp_rmem max */
  s->opt_sack = true;                /* tcp_sack 1 */
  s->opt_timestamps = true;          /* tcp_timestamps 1 */
  s->rcv_buf = 131072;               /* tcp_rmem default */
  s->rto_initial_ns = 1 * SIM_S;     /* TCP_TIMEOUT_INIT */
  s->rto_min_ns = 200 * SIM_MS;      /* TCP_RTO_MIN */
  s->rto_max_ns = 120 * SIM_S;       /* TCP_RTO_MAX */
  /* tcp_syn_linear_timeouts 4 (6.5 and later): the first four SYN
   * retransmissions keep the 1 s timeout, then it doubles; they come on
   * top of tcp_syn_retries 6, so ten retransmissions and ETIMEDOUT at
   * 131 s. */
  for (int i = 0; i < 5; i++)
    s->syn_rto_ns[i] = 1 * SIM_S;
  s->syn_rto_ns[5] = 2 * SIM_S;
  s->syn_rto_ns[6] = 4 * SIM_S;
  s->syn_rto_ns[7] = 8 * SIM_S;
  s->syn_retries = 10;               /* tcp_syn_retries + linear */
  s->synack_retries = 5;             /* tcp_synack_retries */
  s->data_retries = 15;              /* tcp_retries2 */
  s->orphan_retries = 8;             /* tcp_orphan_retries 0 means 8 */
  s->conn_est_timeout_ns = 0;
  s->delack_ns = 40 * SIM_MS;        /* TCP_DELACK_MIN */
  s->msl_ns = 30 * SIM_S;            /* half of TCP_TIMEWAIT_LEN */
  s->time_wait_ns = 60 * SIM_S;      /* TCP_TIMEWAIT_LEN */
  s->fin_wait2_ns = 60 * SIM_S;      /* tcp_fin_timeout */
  s->rfc1337 = false;                /* tcp_rfc1337 0 */
  s->tw_restart_ack = true;          /* tcp_timewait_state_process */
  s->tw_reuse_syn = true;            /* tcp_timewait_state_process */
  s->keepidle_ns = 7200 * SIM_S;     /* tcp_keepalive_time */
  s->keepintvl_ns = 75 * SIM_S;      /* tcp_keepalive_intvl */
  s->keepcnt = 9;                    /* tcp_keepalive_probes */
  s->rfc5961 = true;
  s->invalid_ratelimit_ns = 500 * SIM_MS; /* tcp_invalid_ratelimit */
  s->isn = TCP_ISN_RFC6528;          /* secure_tcp_seq */
  s->isn_clock_restarts = false;     /* the clock is real time */
  s->isn_constant = 0;
  s->quiet_time = false;
  s->syn_backlog = 2048;             /* tcp_max_syn_backlog */
  s->somaxconn = 4096;               /* net.core.somaxconn */
  s->accept_overflow = TCP_OVERFLOW_DROP; /* tcp_abort_on_overflow 0 */
  s->syn_recycle = false;            /* Linux never recycles */
  s->syncache = false;               /* request socks: the SYN queue */
  freebsd_syncache_sizes(s);
  s->syncookies = TCP_SYNCOOKIES_OVERFLOW; /* tcp_syncookies 1 */
  s->port_lo = 32768;                /* ip_local_port_range */
  s->port_hi = 60999;
  s->port_policy = TCP_PORTS_RANDOM;
}

void tcp_settings_init(struct tcp_settings *s, enum tcp_profile p)
{
  memset(s, 0, sizeof *s);
  s->profile = p;
  switch (p) {
  case TCP_PROFILE_RFC793:
    init_rfc793(s);
    break;
  case TCP_PROFILE_BSD:
    init_bsd(s);
    break;
  case TCP_PROFILE_LINUX:
    init_linux(s);
    break;
  default:
    /* Not a profile: the textbook one, marked as such. */
    init_rfc793(s);
    s->profile = TCP_PROFILE_RFC793;
    break;
  }
}

static const char *const profile_names[] = {"rfc793", "bsd", "linux"};

int tcp_profile_parse(const char *name, enum tcp_profile *out)
{
  if (!name || !out)
    return TCP_EINVAL;
  for (size_t i = 0; i < sizeof profile_names / sizeof profile_names[0]; i++)
    if (strcmp(name, profile_names[i]) == 0) {
      *out = (enum tcp_profile)i;
      return TCP_OK;
    }
  return TCP_EINVAL;
}

const char *tcp_profile_name(enum tcp_profile p)
{
  return (unsigned)p < sizeof profile_names / sizeof profile_names[0]
             ? profile_names[p]
             : "?";
}

/* ====================================================================== */
/* Text                                                                    */
/* ====================================================================== */

/* Values are handled as spans [b, e) of the caller's string, trimmed of
 * blanks, so nothing is copied and nothing is too long to parse. */
struct span {
  const char *b, *e;
};

static bool is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct span trim(const char *b, const char *e)
{
  while (b < e && is_blank(*b))
    b++;
  while (e > b && is_blank(e[-1]))
    e--;
  return (struct span){b, e};
}

static size_t span_len(struct span v)
{
  return (size_t)(v.e - v.b);
}

static char lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of a span with a word of length n. */
static bool span_is(struct span v, const char *word, size_t n)
{
  if (span_len(v) != n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (lower(v.b[i]) != word[i])
      return false;
  return true;
}

/* Echoed values are cut short so that a message stays one line. */
#define ECHO_MAX 40
#define ECHO(v) (int)(span_len(v) < ECHO_MAX ? span_len(v) : ECHO_MAX), (v).b

#if defined(__GNUC__)
static void say(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif

static void say(char *err, size_t cap, const char *fmt, ...)
{
  if (!err || cap == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
}

/* A time: digits, optionally a fraction, then ns/us/ms/s; a bare "0" is
 * also a time. Exact integer arithmetic: "1.5s" is 1500000000 ns, and a
 * value finer than a nanosecond is refused rather than rounded. */
enum time_rc { T_OK, T_SYNTAX, T_FINE, T_BIG };

static enum time_rc parse_time(struct span v, int64_t *out)
{
  const char *p = v.b;
  uint64_t ip = 0, frac = 0, fscale = 1;
  bool digits = false;
  while (p < v.e && *p >= '0' && *p <= '9') {
    if (ip > (UINT64_MAX - 9) / 10)
      return T_BIG;
    ip = ip * 10 + (uint64_t)(*p++ - '0');
    digits = true;
  }
  bool fine = false;
  if (p < v.e && *p == '.') {
    p++;
    bool fdigits = false;
    while (p < v.e && *p >= '0' && *p <= '9') {
      /* Keep up to 9 fractional digits (1 ns of a second); anything
       * further must be zero. */
      if (fscale < 1000000000u) {
        frac = frac * 10 + (uint64_t)(*p - '0');
        fscale *= 10;
      } else if (*p != '0') {
        fine = true;
      }
      p++;
      fdigits = true;
    }
    if (!fdigits)
      return T_SYNTAX;
  }
  if (!digits)
    return T_SYNTAX;
  struct span unit = {p, v.e};
  uint64_t mult;
  if (span_len(unit) == 0) {
    if (ip != 0 || frac != 0 || fscale != 1)
      return T_SYNTAX; /* only "0" may go without a unit */
    mult = 1;
  } else if (span_is(unit, "ns", 2)) {
    mult = 1;
  } else if (span_is(unit, "us", 2)) {
    mult = 1000;
  } else if (span_is(unit, "ms", 2)) {
    mult = 1000000;
  } else if (span_is(unit, "s", 1)) {
    mult = 1000000000;
  } else {
    return T_SYNTAX;
  }
  if (fine)
    return T_FINE;
  if (ip > (uint64_t)INT64_MAX / mult)
    return T_BIG;
  uint64_t ns = ip * mult;
  /* frac / fscale of a unit: exact only if fscale divides frac * mult. */
  uint64_t fnum = frac * mult; /* frac < 10^9, mult <= 10^9: fits */
  if (fnum % fscale != 0)
    return T_FINE;
  uint64_t add = fnum / fscale;
  if (ns > (uint64_t)INT64_MAX - add)
    return T_BIG;
  *out = (int64_t)(ns + add);
  return T_OK;
}

/* The largest unit that divides the value exactly, so the text parses
 * back to the same number of nanoseconds. */
static int format_time(int64_t ns, char *buf, size_t cap)
{
  static const struct {
    int64_t mult;
    const char *unit;
  } units[] = {{SIM_S, "s"}, {SIM_MS, "ms"}, {SIM_US, "us"}, {SIM_NS, "ns"}};
  if (ns == 0)
    return snprintf(buf, cap, "0");
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (ns % units[i].mult == 0)
      return snprintf(buf, cap, "%lld%s", (long long)(ns / units[i].mult),
                      units[i].unit);
  return -1; /* unreachable: 1 ns divides everything */
}

static const char *const time_hint = "is not a time (use ns, us, ms, s)";

/* Report a time that did not parse or fell outside [lo, hi]. `what` is
 * "" or "item N " for the elements of a list. */
static void time_error(char *err, size_t cap, const char *name,
                       const char *what, struct span v, enum time_rc rc,
                       int64_t lo, int64_t hi)
{
  char los[32], his[32];
  switch (rc) {
  case T_SYNTAX:
    say(err, cap, "%s: %s'%.*s' %s", name, what, ECHO(v), time_hint);
    return;
  case T_FINE:
    say(err, cap, "%s: %s'%.*s' is finer than 1ns", name, what, ECHO(v));
    return;
  case T_BIG:
  case T_OK:
    format_time(lo, los, sizeof los);
    format_time(hi, his, sizeof his);
    say(err, cap, "%s: %s'%.*s' is out of range (%s..%s)", name, what,
        ECHO(v), los, his);
    return;
  }
}

static bool parse_bool(struct span v, bool *out)
{
  static const struct {
    const char *word;
    bool val;
  } words[] = {{"on", true},    {"off", false}, {"yes", true},
               {"no", false},   {"true", true}, {"false", false},
               {"1", true},     {"0", false}};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (span_is(v, words[i].word, strlen(words[i].word))) {
      *out = words[i].val;
      return true;
    }
  return false;
}

/* A whole number without sign; false on anything else or on overflow of
 * 64 bits (the range check then reports it). */
static bool parse_uint(struct span v, uint64_t *out, bool *big)
{
  uint64_t x = 0;
  *big = false;
  if (v.b == v.e)
    return false;
  for (const char *p = v.b; p < v.e; p++) {
    if (*p < '0' || *p > '9')
      return false;
    if (x > (UINT64_MAX - 9) / 10)
      *big = true;
    else
      x = x * 10 + (uint64_t)(*p - '0');
  }
  *out = x;
  return true;
}

/* Position of v among the '|'-separated choices, or -1. */
static int choice_index(const char *choices, struct span v)
{
  int idx = 0;
  for (const char *c = choices; *c; idx++) {
    const char *end = strchr(c, '|');
    size_t n = end ? (size_t)(end - c) : strlen(c);
    if (span_is(v, c, n))
      return idx;
    c += n;
    if (*c == '|')
      c++;
  }
  return -1;
}

/* The idx-th choice into buf. */
static int choice_name(const char *choices, int idx, char *buf, size_t cap)
{
  const char *c = choices;
  for (int i = 0; i < idx && c; i++) {
    c = strchr(c, '|');
    if (c)
      c++;
  }
  if (!c || idx < 0)
    return -1;
  const char *end = strchr(c, '|');
  int n = end ? (int)(end - c) : (int)strlen(c);
  return snprintf(buf, cap, "%.*s", n, c);
}

/* ====================================================================== */
/* Field access                                                            */
/* ====================================================================== */

static int find(const char *name)
{
  if (!name)
    return -1;
  for (size_t i = 0; i < NSETTINGS; i++)
    if (strcmp(descs[i].name, name) == 0)
      return (int)i;
  return -1;
}

/* Integer view of an integer, boolean or enum field. */
static int64_t get_int(const struct tcp_settings *s, const struct setting_impl *m)
{
  const char *f = (const char *)s + m->off;
  switch (m->st) {
  case ST_BOOL:
    return *(const bool *)f;
  case ST_U8:
    return *(const uint8_t *)f;
  case ST_U16:
    return *(const uint16_t *)f;
  case ST_U32:
    return *(const uint32_t *)f;
  case ST_TIME:
    return *(const int64_t *)f;
  case ST_ISN:
    return (int64_t)*(const enum tcp_isn_kind *)f;
  case ST_OVERFLOW:
    return (int64_t)*(const enum tcp_overflow *)f;
  case ST_PORTS:
    return (int64_t)*(const enum tcp_port_policy *)f;
  case ST_COOKIES:
    return (int64_t)*(const enum tcp_syncookies *)f;
  case ST_TIMES:
    break;
  }
  return 0;
}

static void set_int(struct tcp_settings *s, const struct setting_impl *m,
                    int64_t v)
{
  char *f = (char *)s + m->off;
  switch (m->st) {
  case ST_BOOL:
    *(bool *)f = v != 0;
    break;
  case ST_U8:
    *(uint8_t *)f = (uint8_t)v;
    break;
  case ST_U16:
    *(uint16_t *)f = (uint16_t)v;
    break;
  case ST_U32:
    *(uint32_t *)f = (uint32_t)v;
    break;
  case ST_TIME:
    *(int64_t *)f = v;
    break;
  case ST_ISN:
    *(enum tcp_isn_kind *)f = (enum tcp_isn_kind)v;
    break;
  case ST_OVERFLOW:
    *(enum tcp_overflow *)f = (enum tcp_overflow)v;
    break;
  case ST_PORTS:
    *(enum tcp_port_policy *)f = (enum tcp_port_policy)v;
    break;
  case ST_COOKIES:
    *(enum tcp_syncookies *)f = (enum tcp_syncookies)v;
    break;
  case ST_TIMES:
    break;
  }
}

/* "0", "off" or "none" clear the list (the schedule falls back to
 * rto_initial doubling); otherwise one to SYN_RTO_MAX positive times. */
static int set_times(struct tcp_settings *s, const struct tcp_setting_desc *d,
                     const struct setting_impl *m, struct span v, char *err,
                     size_t errcap)
{
  int64_t vals[SYN_RTO_MAX] = {0};
  if (span_is(v, "0", 1) || span_is(v, "off", 3) || span_is(v, "none", 4)) {
    memcpy((char *)s + m->off, vals, sizeof vals);
    return TCP_OK;
  }
  int n = 0;
  const char *p = v.b;
  for (;;) {
    const char *comma = p;
    while (comma < v.e && *comma != ',')
      comma++;
    struct span item = trim(p, comma);
    char what[24];
    snprintf(what, sizeof what, "item %d ", n + 1);
    if (n == SYN_RTO_MAX) {
      say(err, errcap, "%s: more than %d times in '%.*s'", d->name,
          SYN_RTO_MAX, ECHO(v));
      return TCP_EINVAL;
    }
    int64_t t = 0;
    enum time_rc rc = parse_time(item, &t);
    if (rc == T_OK && (t < m->lo || t > m->hi))
      rc = T_BIG;
    if (rc != T_OK) {
      time_error(err, errcap, d->name, what, item, rc, m->lo, m->hi);
      return TCP_EINVAL;
    }
    vals[n++] = t;
    if (comma == v.e)
      break;
    p = comma + 1;
  }
  memcpy((char *)s + m->off, vals, sizeof vals);
  return TCP_OK;
}

/* ====================================================================== */
/* API                                                                     */
/* ====================================================================== */

const struct tcp_setting_desc *tcp_settings_table(size_t *n)
{
  if (n)
    *n = NSETTINGS;
  return descs;
}

int tcp_settings_set(struct tcp_settings *s, const char *name,
                     const char *value, char *err, size_t errcap)
{
  if (err && errcap)
    err[0] = '\0';
  int i = find(name);
  if (i < 0) {
    say(err, errcap, "unknown TCP setting '%.40s' (see tcpsim list)",
        name ? name : "");
    return TCP_EINVAL;
  }
  const struct tcp_setting_desc *d = &descs[i];
  const struct setting_impl *m = &impls[i];
  if (!s || !value) {
    say(err, errcap, "%s: no value", d->name);
    return TCP_EINVAL;
  }
  struct span v = trim(value, value + strlen(value));

  switch (d->type) {
  case TCP_SET_BOOL: {
    bool b;
    if (!parse_bool(v, &b)) {
      say(err, errcap,
          "%s: '%.*s' is not a boolean (use on/off, yes/no, true/false, 1/0)",
          d->name, ECHO(v));
      return TCP_EINVAL;
    }
    set_int(s, m, b);
    return TCP_OK;
  }
  case TCP_SET_UINT: {
    uint64_t x;
    bool big;
    if (!parse_uint(v, &x, &big)) {
      say(err, errcap, "%s: '%.*s' is not a whole number", d->name, ECHO(v));
      return TCP_EINVAL;
    }
    if (big || x < (uint64_t)m->lo || x > (uint64_t)m->hi) {
      say(err, errcap, "%s: '%.*s' is out of range (%lld..%lld)", d->name,
          ECHO(v), (long long)m->lo, (long long)m->hi);
      return TCP_EINVAL;
    }
    set_int(s, m, (int64_t)x);
    return TCP_OK;
  }
  case TCP_SET_TIME: {
    int64_t t = 0;
    enum time_rc rc = parse_time(v, &t);
    if (rc == T_OK && (t < m->lo || t > m->hi))
      rc = T_BIG;
    if (rc != T_OK) {
      time_error(err, errcap, d->name, "", v, rc, m->lo, m->hi);
      return TCP_EINVAL;
    }
    set_int(s, m, t);
    /* TIME_WAIT is 2MSL unless said otherwise: setting msl carries
     * time_wait along; a time_wait set afterwards wins. */
    if (m->off == offsetof(struct tcp_settings, msl_ns))
      s->time_wait_ns = 2 * t;
    return TCP_OK;
  }
  case TCP_SET_ENUM: {
    int k = choice_index(d->choices, v);
    if (k < 0) {
      say(err, errcap, "%s: '%.*s' is not one of %s", d->name, ECHO(v),
          d->choices);
      return TCP_EINVAL;
    }
    set_int(s, m, k);
    return TCP_OK;
  }
  case TCP_SET_TIMES:
    return set_times(s, d, m, v, err, errcap);
  }
  return TCP_EINVAL;
}

int tcp_settings_get(const struct tcp_settings *s, const char *name,
                     char *buf, size_t cap)
{
  int i = find(name);
  if (i < 0 || !s || !buf || cap == 0)
    return TCP_EINVAL;
  const struct tcp_setting_desc *d = &descs[i];
  const struct setting_impl *m = &impls[i];
  int n = -1;
  switch (d->type) {
  case TCP_SET_BOOL:
    n = snprintf(buf, cap, "%s", get_int(s, m) ? "on" : "off");
    break;
  case TCP_SET_UINT:
    n = snprintf(buf, cap, "%lld", (long long)get_int(s, m));
    break;
  case TCP_SET_TIME:
    n = format_time(get_int(s, m), buf, cap);
    break;
  case TCP_SET_ENUM:
    n = choice_name(d->choices, (int)get_int(s, m), buf, cap);
    break;
  case TCP_SET_TIMES: {
    const int64_t *t = (const int64_t *)(const void *)((const char *)s + m->off);
    size_t used = 0;
    n = 0;
    if (t[0] == 0) {
      n = snprintf(buf, cap, "0");
      break;
    }
    for (int k = 0; k < SYN_RTO_MAX && t[k] != 0; k++) {
      if (k > 0) {
        if (used + 1 >= cap)
          return TCP_EINVAL;
        buf[used++] = ',';
        buf[used] = '\0';
      }
      int w = format_time(t[k], buf + used, cap - used);
      if (w < 0 || (size_t)w >= cap - used)
        return TCP_EINVAL;
      used += (size_t)w;
    }
    n = (int)used;
    break;
  }
  }
  if (n < 0 || (size_t)n >= cap)
    return TCP_EINVAL;
  return TCP_OK;
}

/* ====================================================================== */
/* Whole-struct check                                                      */
/* ====================================================================== */

/* A struct filled by hand bypasses tcp_settings_set, so the module checks
 * it against the same table before using it, plus the rules that tie
 * fields together. */
int tcp_settings_check(const struct tcp_settings *s, char *err, size_t errcap)
{
  if (!s) {
    say(err, errcap, "no settings given");
    return TCP_EINVAL;
  }
  for (size_t i = 0; i < NSETTINGS; i++) {
    const struct setting_impl *m = &impls[i];
    if (m->st == ST_TIMES) {
      const int64_t *v = (const int64_t *)((const char *)s + m->off);
      for (int k = 0; k < SYN_RTO_MAX; k++)
        if (v[k] < 0 || v[k] > T_HI) {
          say(err, errcap, "%s: entry %d is out of range (0 to %llds)",
              descs[i].name, k, (long long)(T_HI / SIM_S));
          return TCP_EINVAL;
        }
      continue;
    }
    int64_t v = get_int(s, m);
    if (descs[i].type == TCP_SET_ENUM) {
      char name[32];
      if (v < 0 || v > INT32_MAX ||
          choice_name(descs[i].choices, (int)v, name, sizeof name) < 0) {
        say(err, errcap, "%s: %lld is not one of %s", descs[i].name,
            (long long)v, descs[i].choices);
        return TCP_EINVAL;
      }
      continue;
    }
    if (v < m->lo || v > m->hi) {
      say(err, errcap, "%s: %lld is out of range (%lld to %lld%s)",
          descs[i].name, (long long)v, (long long)m->lo, (long long)m->hi,
          m->st == ST_TIME ? " ns" : "");
      return TCP_EINVAL;
    }
  }
  if (s->rto_min_ns > s->rto_max_ns) {
    say(err, errcap, "rto_min is above rto_max");
    return TCP_EINVAL;
  }
  if (s->port_lo > s->port_hi) {
    say(err, errcap, "port_lo is above port_hi");
    return TCP_EINVAL;
  }
  return TCP_OK;
}
