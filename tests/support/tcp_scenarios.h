/*
 * tcp_scenarios.h - the TCP scenario tests, one group per fact of
 * DESIGN.md section 6 (tcp_scn_fNN.c) plus groups for the remaining arcs
 * of the state machine (tcp_scn_arcs.c), the SYN-flood defences
 * (tcp_scn_defences.c), the limit on ACKs for out-of-window segments
 * (tcp_scn_ratelimit.c) and random robustness (tcp_scn_random.c).
 *
 * They live in the support library rather than in tests/tcp/ so that one
 * process can run them all: tests/tcp/test_factNN_*.c each run one group;
 * tests/tcp/test_coverage.c runs every group and then fails unless, taken
 * together, they took every arc declared in tcp_arcs() (the harness adds
 * each module's tcp_arc_count to a process-wide total when it is freed).
 *
 * Each tsc_* function runs its cmocka group and returns the number of
 * failed tests.
 */
#ifndef TCPSIM_TEST_TCP_SCENARIOS_H
#define TCPSIM_TEST_TCP_SCENARIOS_H

#include <inttypes.h>
#include <string.h>

#include "tests/support/tcp_harness.h"

int tsc_fact01(void);
int tsc_fact02(void);
int tsc_fact03(void);
int tsc_fact04(void);
int tsc_fact05(void);
int tsc_fact06(void);
int tsc_fact07(void);
int tsc_fact08(void);
int tsc_fact09(void);
int tsc_fact10(void);
int tsc_fact11(void);
int tsc_fact12(void);
int tsc_fact13(void);
int tsc_fact14(void);
int tsc_fact15(void);
int tsc_arcs(void);
int tsc_defences(void); /* tcp_scn_defences.c: RFC 4987 section 3 */
int tsc_ratelimit(void); /* tcp_scn_ratelimit.c: invalid_ratelimit */
int tsc_random(void);

/* ---- shared drivers ---------------------------------------------------- */

/* A connection a -> b:port through the API: listener on b, client on a
 * (from lport, 0: ephemeral). Runs until both sides are ESTABLISHED and
 * asserts it; x/y are the client's and the server's ISNs. */
struct tsc_conn {
  struct th_app *lis, *cli, *srv;
  uint32_t x, y;
  uint16_t cport, sport;
};
void tsc_establish(struct th *h, struct tsc_conn *c, uint16_t lport,
                   uint16_t port);

/* A crafted peer at TH_ADDR_GHOST, played by node x (router topology):
 * the victim app on node a talks to it; every segment of the peer is
 * made by hand. nxt is the peer's next sequence number, rcv what it has
 * received of the victim's (its ack). */
struct tsc_peer {
  struct th_app *app;       /* the victim's socket (a) */
  uint32_t addr;
  uint16_t port;            /* the peer's port */
  uint16_t vport;           /* the victim's port */
  uint32_t iss, nxt, rcv;
};
/* Victim a connects to ghost:port; the peer answers SYN-ACK with iss:
 * a ends ESTABLISHED. */
void tsc_peer_establish(struct th *h, struct tsc_peer *p, uint16_t port,
                        uint32_t iss);
/* Send from the peer to the victim. */
void tsc_peer_send(struct th *h, const struct tsc_peer *p, const char *flags,
                   uint32_t seq, uint32_t ack, uint32_t len);
/* Interval before SYN retransmission n+1 (after n of them), as the
 * settings define it (syn_rto list, else rto_initial doubling; beyond the
 * list the last value doubles; capped at rto_max). */
int64_t tsc_syn_interval(const struct tcp_settings *s, unsigned n);

#endif /* TCPSIM_TEST_TCP_SCENARIOS_H */
