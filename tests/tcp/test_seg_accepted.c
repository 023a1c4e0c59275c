/*
 * test_seg_accepted.c - the seg_accepted trace hook (tcp/tcp.h) and the
 * fault_tw_ack_loss setting (tcp/README.md), the two engine pieces of
 * seed experiments 1, 3(a) and 4 (experiments/README.md).
 *
 * seg_accepted: called for each segment a connection (or a half-open
 * entry) acts upon after the acceptability checks, with the receiving
 * connection's id; the packet's tags name the sender's connection. Not
 * called for segments answered only with an ACK or dropped.
 * fault_tw_ack_loss: the ACKs a connection sends in TIME_WAIT are dropped
 * as they leave the host with that probability (percent).
 */
#include <string.h>

#include "tests/support/tcp_harness.h"

struct acc {
  uint32_t node;
  uint64_t conn;    /* receiving connection */
  uint64_t origin;  /* tags.conn_id */
  uint32_t epoch;   /* tags.incarnation */
  uint8_t flags;
  uint32_t seq, len;
};

static struct {
  struct acc a[512];
  size_t n;
} g_acc;

static void on_accepted(void *ctx, struct tcp_module *m, uint32_t node,
                        uint64_t conn_id, const struct sim_packet *p)
{
  (void)ctx;
  (void)m;
  struct tcp_hdr hd;
  assert_int_equal(tcp_packet_hdr(p, &hd), TCP_OK);
  if (g_acc.n == sizeof g_acc.a / sizeof g_acc.a[0])
    return;
  struct acc *a = &g_acc.a[g_acc.n++];
  a->node = node;
  a->conn = conn_id;
  a->origin = p->tags.conn_id;
  a->epoch = p->tags.incarnation;
  a->flags = hd.flags;
  a->seq = hd.seq;
  a->len = p->payload_len;
}

static const struct tcp_trace_ops acc_ops = {.seg_accepted = on_accepted};

static void subscribe(struct th *h)
{
  memset(&g_acc, 0, sizeof g_acc);
  assert_int_equal(tcp_trace_subscribe(h->m, &acc_ops, NULL), TCP_OK);
}

/* The first record at node with all of flags set (and, for a pure ACK,
 * no other), from index from; -1 if none. */
static long find_acc(size_t from, uint32_t node, uint8_t flags)
{
  for (size_t i = from; i < g_acc.n; i++)
    if (g_acc.a[i].node == node && (g_acc.a[i].flags & flags) == flags)
      return (long)i;
  return -1;
}

static size_t count_drops(const struct th *h, const char *reason)
{
  size_t n = 0;
  for (size_t i = 0; i < h->ndr; i++)
    if (h->dr[i].reason && !strcmp(h->dr[i].reason, reason))
      n++;
  return n;
}

/* A whole connection: every segment accepted comes from the peer
 * connection, the SYN is taken by the server's entry (the id its
 * connection keeps), the SYN-ACK by the client, and both FINs. */
static void test_accepted_whole_connection(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  subscribe(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  lis->child_bh.reply_after = 100;
  lis->child_bh.reply_bytes = 3000;
  lis->child_bh.close_on_peer_close = true;
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 100 * SIM_MS);
  uint64_t cid = th_info(cli).conn_id;
  th_check_int(h, lis->nchild, 1);
  uint64_t sid = th_info(th_child(lis, 0)).conn_id;
  th_check(h, cid != 0 && sid != 0 && cid != sid, "connection ids");
  th_check_int(h, tcp_send(cli->s, 100), 100);
  th_run(h, 1 * SIM_S);
  th_close(cli);
  th_run(h, 200 * SIM_S);

  long syn = find_acc(0, h->b, TCP_F_SYN);
  th_check_int(h, syn, 0); /* the first thing accepted */
  th_check_int(h, g_acc.a[syn].conn, sid);
  th_check_int(h, g_acc.a[syn].flags, TCP_F_SYN);
  long synack = find_acc(0, h->a, TCP_F_SYN | TCP_F_ACK);
  th_check_int(h, synack, 1);
  th_check_int(h, g_acc.a[synack].conn, cid);
  th_check(h, find_acc(0, h->a, TCP_F_FIN) > 0, "the server's FIN");
  th_check(h, find_acc(0, h->b, TCP_F_FIN) > 0, "the client's FIN");
  size_t data_a = 0, data_b = 0;
  for (size_t i = 0; i < g_acc.n; i++) {
    const struct acc *a = &g_acc.a[i];
    bool at_a = a->node == h->a;
    th_check_int(h, a->conn, at_a ? cid : sid);
    th_check_int(h, a->origin, at_a ? sid : cid); /* the peer, always */
    th_check_int(h, a->epoch, 0);
    if (at_a)
      data_a += a->len;
    else
      data_b += a->len;
  }
  th_check_int(h, data_b, 100);
  th_check_int(h, data_a, 3000);
  /* nothing accepted that was not sent by the peer: the client's last
   * ACK is the last segment, and the server took it */
  th_check_int(h, g_acc.a[g_acc.n - 1].node, h->b);
  th_check_int(h, g_acc.a[g_acc.n - 1].flags, TCP_F_ACK);
}

/* Out of the window: answered with an ACK, not accepted. A RST in the
 * window is (its sender has no connection: tag 0). */
static void test_unacceptable_not_reported(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_RFC793, TH_TOPO_PAIR); /* no RFC 5961 */
  th_start(h);
  subscribe(h);
  th_listen(h, h->b, 80, 8);
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 100 * SIM_MS);
  struct tcp_sock_info in = th_info(cli);
  th_check_int(h, in.state, TCP_S_ESTABLISHED);
  size_t before = g_acc.n;
  /* data far beyond the window: an ACK answers it (which the server
   * accepts: only a's records count here) */
  th_check_int(h, th_inject_seg(h, h->b, TH_ADDR_B, 80, TH_ADDR_A, in.lport,
                                "A", in.rcv_nxt + 1000000, in.snd_nxt, 10),
               SIM_OK);
  th_run_for(h, 10 * SIM_MS);
  th_check_int(h, find_acc(before, h->a, 0), -1);
  th_check_int(h, th_info(cli).state, TCP_S_ESTABLISHED);
  before = g_acc.n;
  /* a RST at rcv_nxt: accepted, and the connection acts on it */
  th_check_int(h, th_inject_seg(h, h->b, TH_ADDR_B, 80, TH_ADDR_A, in.lport,
                                "R", in.rcv_nxt, 0, 0),
               SIM_OK);
  th_run_for(h, 10 * SIM_MS);
  th_check_int(h, g_acc.n, before + 1);
  th_check_int(h, g_acc.a[before].flags, TCP_F_RST);
  th_check_int(h, g_acc.a[before].conn, in.conn_id);
  th_check_int(h, g_acc.a[before].origin, 0);
  th_check_int(h, cli->err, TCP_ECONNRESET);
}

/* An old duplicate SYN (injected: no origin connection) makes a
 * half-open entry: accepted with the entry's id; the client's RST for
 * the SYN-ACK is accepted by the entry too and ends it (conn_closed,
 * ECONNRESET). With two_way_handshake the
 * SYN is accepted by what becomes an ESTABLISHED connection. */
static void test_old_syn_accepted_by_entry(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  th_start(h);
  subscribe(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  th_check_int(h, th_inject_seg(h, h->a, TH_ADDR_A, 1025, TH_ADDR_B, 80, "S",
                                9000, 0, 0),
               SIM_OK);
  th_run(h, 10 * SIM_S);
  th_check_int(h, g_acc.n, 2);
  th_check_int(h, g_acc.a[0].node, h->b);
  th_check_int(h, g_acc.a[0].flags, TCP_F_SYN);
  th_check_int(h, g_acc.a[0].seq, 9000);
  th_check_int(h, g_acc.a[1].flags, TCP_F_RST);
  th_check_int(h, g_acc.a[1].conn, g_acc.a[0].conn);
  th_check_int(h, lis->nchild, 0);
  const struct th_trans *t =
      th_find_trans(h, h->b, g_acc.a[0].conn, TCP_S_LISTEN, TCP_S_SYN_RCVD);
  th_check(h, t != NULL, "the entry has the id the hook gave");
  /* the RST ended the entry: observers hear of its end, as a reset */
  const struct th_closed *cl = th_find_closed(h, g_acc.a[0].conn);
  th_check(h, cl != NULL, "conn_closed for the entry");
  th_check_int(h, cl->err, TCP_ECONNRESET);
}

static void test_two_way_syn_accepted(void **state)
{
  struct th *h = *state;
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  h->set.two_way_handshake = true;
  th_start(h);
  subscribe(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  th_check_int(h, th_inject_seg(h, h->a, TH_ADDR_A, 1025, TH_ADDR_B, 80, "S",
                                9000, 0, 0),
               SIM_OK);
  th_run(h, 10 * SIM_S);
  th_check_int(h, lis->nchild, 1);
  th_check_int(h, g_acc.a[0].flags, TCP_F_SYN);
  th_check_int(h, g_acc.a[0].conn, th_child(lis, 0)->conn);
}

/* fault_tw_ack_loss = 100: every ACK the active closer sends in
 * TIME_WAIT is dropped as it leaves, so the passive closer keeps
 * retransmitting its FIN; 0: the close is clean and nothing dropped. */
static void close_with_loss(struct th *h, unsigned pct, size_t *dropped,
                            enum tcp_state *server_state, int *server_err)
{
  th_init(h, TCP_PROFILE_LINUX, TH_TOPO_PAIR);
  h->set.fault_tw_ack_loss = (uint8_t)pct;
  th_start(h);
  struct th_app *lis = th_listen(h, h->b, 80, 8);
  lis->child_bh.close_on_peer_close = true;
  struct th_app *cli = th_connect(h, h->a, 0, TH_ADDR_B, 80);
  th_run(h, 100 * SIM_MS);
  th_close(cli);
  th_run(h, 10 * SIM_S);
  struct th_app *srv = th_child(lis, 0);
  *dropped = count_drops(h, "fault_tw_ack_loss");
  *server_state = srv->s ? th_info(srv).state : TCP_S_CLOSED;
  *server_err = srv->err;
  struct tcp_stats st;
  tcp_stats_get(h->m, &st);
  th_check_int(h, st.fault_tw_acks_dropped, *dropped);
}

static void test_tw_ack_loss_all(void **state)
{
  struct th *h = *state;
  size_t dropped;
  enum tcp_state st;
  int err;
  close_with_loss(h, 100, &dropped, &st, &err);
  /* the first ACK and one per retransmitted FIN (the server's RTO of
   * 1 s doubling: FINs at 0.1, 1.1, 3.1, 7.1 s) within 10 s */
  th_check(h, dropped >= 4, "ACKs dropped: %zu", dropped);
  th_check_int(h, th_count_trans(h, h->b, TH_ANY, TCP_S_LAST_ACK,
                                 TCP_S_CLOSED),
               0);
  th_check_int(h, th_count_trans(h, h->a, TH_ANY, TCP_S_FIN_WAIT_1,
                                 TCP_S_TIME_WAIT),
               1);
  /* what was dropped is the pure ACK of the FIN */
  for (size_t i = 0; i < h->ndr; i++)
    if (h->dr[i].reason && !strcmp(h->dr[i].reason, "fault_tw_ack_loss")) {
      th_check_int(h, h->dr[i].node, h->a);
      th_check(h, !strcmp(h->dr[i].flags, "A"), "flags %s", h->dr[i].flags);
      th_check_int(h, h->dr[i].len, 0);
    }
}

static void test_tw_ack_loss_none(void **state)
{
  struct th *h = *state;
  size_t dropped;
  enum tcp_state st;
  int err;
  close_with_loss(h, 0, &dropped, &st, &err);
  th_check_int(h, dropped, 0);
  th_check_int(h, th_count_trans(h, h->b, TH_ANY, TCP_S_LAST_ACK,
                                 TCP_S_CLOSED),
               1);
  const struct th_trans *t =
      th_find_trans(h, h->b, TH_ANY, TCP_S_LAST_ACK, TCP_S_CLOSED);
  th_check(h, t && !strcmp(t->cause, "rcv ACK of FIN"), "clean close");
  (void)st;
  (void)err;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_accepted_whole_connection, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_unacceptable_not_reported, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_old_syn_accepted_by_entry, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_two_way_syn_accepted, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_tw_ack_loss_all, th_setup, th_teardown),
      cmocka_unit_test_setup_teardown(test_tw_ack_loss_none, th_setup, th_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
