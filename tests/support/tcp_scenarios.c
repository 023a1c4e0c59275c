/*
 * tcp_scenarios.c - drivers shared by the TCP scenario groups; see
 * tcp_scenarios.h.
 */
#include "tests/support/tcp_scenarios.h"

void tsc_establish(struct th *h, struct tsc_conn *c, uint16_t lport,
                   uint16_t port)
{
  c->sport = port;
  c->lis = th_listen(h, h->b, port, 16);
  size_t first = th_nsegs(h);
  c->cli = th_connect(h, h->a, lport, TH_ADDR_B, port);
  th_run_for(h, 20 * th_owd(h));
  th_check(h, c->cli->n_connected == 1, "client not connected");
  th_check(h, c->lis->nchild == 1, "server accepted %zu connections",
           c->lis->nchild);
  c->srv = c->lis->child[0];
  struct tcp_sock_info ci = th_info(c->cli), si = th_info(c->srv);
  th_check_int(h, ci.state, TCP_S_ESTABLISHED);
  th_check_int(h, si.state, TCP_S_ESTABLISHED);
  c->x = ci.iss;
  c->y = si.iss;
  c->cport = ci.lport;
  th_check_int(h, ci.irs, c->y);
  th_check_int(h, si.irs, c->x);
  /* the handshake itself: S, SA, A */
  th_expect_seg(h, first, h->a, "S", c->x, TH_ANY, 0);
  th_expect_seg(h, first + 1, h->b, "SA", c->y, c->x + 1, 0);
  th_expect_seg(h, first + 2, h->a, "A", c->x + 1, c->y + 1, 0);
}

void tsc_peer_establish(struct th *h, struct tsc_peer *p, uint16_t port,
                        uint32_t iss)
{
  th_check(h, h->topo == TH_TOPO_ROUTER, "crafted peers need the router");
  p->addr = TH_ADDR_GHOST;
  p->port = port;
  p->iss = iss;
  size_t first = th_nsegs(h);
  p->app = th_connect(h, h->a, 0, p->addr, port);
  th_run_for(h, th_owd(h));
  long i = th_find(h, first, h->a, "S", TH_ANY, TH_ANY, 0);
  th_check(h, i >= 0, "victim sent no SYN");
  const struct th_seg *syn = th_seg_at(h, (size_t)i);
  p->vport = syn->h.sport;
  p->rcv = syn->h.seq + 1;
  p->nxt = iss + 1;
  struct tcp_hdr hd = th_hdr(port, p->vport, "SA", iss, p->rcv);
  hd.has_mss = 1;
  hd.mss = 1000;
  th_check_int(h, th_inject(h, h->x, p->addr, TH_ADDR_A, &hd, 0), SIM_OK);
  th_run_for(h, 4 * th_owd(h));
  th_check(h, p->app->n_connected == 1, "victim did not connect");
  th_check_int(h, th_info(p->app).state, TCP_S_ESTABLISHED);
}

void tsc_peer_send(struct th *h, const struct tsc_peer *p, const char *flags,
                   uint32_t seq, uint32_t ack, uint32_t len)
{
  th_check_int(h, th_inject_seg(h, h->x, p->addr, p->port, TH_ADDR_A,
                                p->vport, flags, seq, ack, len),
               SIM_OK);
}

int64_t tsc_syn_interval(const struct tcp_settings *s, unsigned n)
{
  const unsigned nl = sizeof s->syn_rto_ns / sizeof s->syn_rto_ns[0];
  int last = -1;
  for (unsigned i = 0; i < nl; i++)
    if (s->syn_rto_ns[i] > 0)
      last = (int)i;
  int64_t v;
  if (last < 0) {
    v = s->rto_initial_ns;
    for (unsigned i = 0; i < n && v < s->rto_max_ns; i++)
      v *= 2;
  } else if (n <= (unsigned)last) {
    v = s->syn_rto_ns[n];
  } else {
    v = s->syn_rto_ns[last];
    for (unsigned i = (unsigned)last; i < n && v < s->rto_max_ns; i++)
      v *= 2;
  }
  return v > s->rto_max_ns ? s->rto_max_ns : v;
}
