/*
 * packet.c - the packet pool, packet copies, the IPv4 wire encoding and the
 * dotted-quad helpers.
 *
 * Packets come from slabs of SIM__PKT_SLAB records threaded on a free list
 * (axiom W5 in sim/sim_int.h), so the per-packet path never calls malloc
 * unless a packet keeps payload bytes. The payload, when a packet has one,
 * is a malloc'd buffer owned by the packet and freed with it.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"

/* ====================================================================== */
/* Pool                                                                    */
/* ====================================================================== */

static int pool_grow(struct sim_world *w)
{
  if (w->npkt_slabs == w->pkt_slabs_cap) {
    size_t nc = w->pkt_slabs_cap ? w->pkt_slabs_cap * 2 : 8;
    struct sim_packet **ns = realloc(w->pkt_slabs, nc * sizeof *ns);
    if (!ns)
      return SIM_ENOMEM;
    w->pkt_slabs = ns;
    w->pkt_slabs_cap = nc;
  }
  struct sim_packet *slab = malloc(SIM__PKT_SLAB * sizeof *slab);
  if (!slab)
    return SIM_ENOMEM;
  w->pkt_slabs[w->npkt_slabs++] = slab;
  /* Thread in reverse so that the slab is handed out in address order;
   * nothing depends on it, it is only kinder to the cache. */
  for (size_t i = SIM__PKT_SLAB; i-- > 0;) {
    slab[i].flags = SIM__PKTF_FREE;
    slab[i].payload = NULL;
    slab[i].qnext = w->pkt_free;
    w->pkt_free = &slab[i];
  }
  return SIM_OK;
}

struct sim_packet *sim_packet_alloc(struct sim_world *w)
{
  if (!w->pkt_free && pool_grow(w) != SIM_OK)
    return NULL;
  struct sim_packet *p = w->pkt_free;
  assert(p->flags & SIM__PKTF_FREE);
  w->pkt_free = p->qnext;
  memset(p, 0, sizeof *p);
  p->ttl = 64;
  p->uid = w->uid_next++;
  p->cur_link = SIM__NONE;
  w->pkts_live++;
  return p;
}

struct sim_packet *sim_packet_clone(struct sim_world *w,
                                    const struct sim_packet *p)
{
  uint8_t *bytes = NULL;
  if (p->payload && p->payload_len) {
    bytes = malloc(p->payload_len);
    if (!bytes)
      return NULL;
    memcpy(bytes, p->payload, p->payload_len);
  }
  struct sim_packet *c = sim_packet_alloc(w);
  if (!c) {
    free(bytes);
    return NULL;
  }
  uint64_t uid = c->uid;
  *c = *p;
  c->uid = uid;
  c->payload = bytes;
  c->qnext = NULL;
  sim_event_init(&c->ev, NULL, NULL);
  return c;
}

void sim_packet_free(struct sim_world *w, struct sim_packet *p)
{
  if (!p)
    return;
  assert(!(p->flags & SIM__PKTF_FREE)); /* double free */
  assert(!sim_event_pending(&p->ev));
  free(p->payload);
  p->payload = NULL;
  p->flags = SIM__PKTF_FREE;
  p->qnext = w->pkt_free;
  w->pkt_free = p;
  w->pkts_live--;
}

size_t sim__packets_live(const struct sim_world *w)
{
  return w->pkts_live;
}

void sim__packet_pool_fini(struct sim_world *w)
{
  /* Packets still alive (in flight, queued, held by a module) own their
   * payload buffers: free those, then the slabs. */
  for (size_t s = 0; s < w->npkt_slabs; s++) {
    struct sim_packet *slab = w->pkt_slabs[s];
    for (size_t i = 0; i < SIM__PKT_SLAB; i++)
      if (!(slab[i].flags & SIM__PKTF_FREE))
        free(slab[i].payload);
    free(slab);
  }
  free(w->pkt_slabs);
  w->pkt_slabs = NULL;
  w->npkt_slabs = 0;
  w->pkt_free = NULL;
}

/* ====================================================================== */
/* Wire encoding                                                           */
/* ====================================================================== */

static void put16(uint8_t *b, uint32_t v)
{
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
  b[0] = (uint8_t)(v >> 24);
  b[1] = (uint8_t)(v >> 16);
  b[2] = (uint8_t)(v >> 8);
  b[3] = (uint8_t)v;
}

uint64_t sim_csum_add(uint64_t sum, const uint8_t *b, size_t n)
{
  size_t i = 0;
  for (; i + 1 < n; i += 2)
    sum += (uint32_t)(b[i] << 8 | b[i + 1]);
  if (n & 1)
    sum += (uint32_t)b[n - 1] << 8;
  return sum;
}

uint16_t sim_csum_fold(uint64_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)sum;
}

int sim_packet_encode(const struct sim_world *w, const struct sim_packet *p,
                      uint8_t *buf, size_t cap)
{
  if (cap < 20)
    return SIM_ENOSPC;
  /* The transport header first: its length goes into the IP header. */
  int slot = w->proto_slot[p->proto];
  const struct sim_proto_ops *ops = slot >= 0 ? w->protos[slot].ops : NULL;
  size_t l4len;
  if (ops && ops->encode) {
    int n = ops->encode(p, buf + 20, cap - 20);
    if (n < 0)
      return n;
    l4len = (size_t)n;
  } else {
    /* No encoder: the header area is copied raw, which is what a module
     * without a wire format means by its bytes. */
    if (p->l4_hdr_len > SIM_L4_AREA)
      return SIM_EMALFORMED;
    l4len = p->l4_hdr_len;
    if (cap - 20 < l4len)
      return SIM_ENOSPC;
    memcpy(buf + 20, p->l4, l4len);
  }
  size_t total = 20 + l4len + (size_t)p->payload_len;
  if (total > 65535)
    return SIM_ERANGE;
  if (total > cap)
    return SIM_ENOSPC;
  uint8_t *pl = buf + 20 + l4len;
  if (p->payload)
    memcpy(pl, p->payload, p->payload_len);
  else
    memset(pl, 0, p->payload_len);

  uint8_t *h = buf;
  h[0] = 0x45;           /* version 4, 5 words of header */
  h[1] = 0;              /* DSCP/ECN */
  put16(h + 2, (uint32_t)total);
  put16(h + 4, p->ip_id);
  put16(h + 6, 0x4000);  /* DF, as stacks with path-MTU discovery send */
  h[8] = p->ttl;
  h[9] = p->proto;
  put16(h + 10, 0);
  put32(h + 12, p->src);
  put32(h + 16, p->dst);
  put16(h + 10, (uint16_t)~sim_csum_fold(sim_csum_add(0, h, 20)));
  return (int)total;
}

static uint32_t get16(const uint8_t *b)
{
  return (uint32_t)b[0] << 8 | b[1];
}

static uint32_t get32(const uint8_t *b)
{
  return get16(b) << 16 | get16(b + 2);
}

int sim_packet_decode(const struct sim_world *w, struct sim_packet *p,
                      const uint8_t *buf, size_t len)
{
  /* Nothing read from outside is trusted: every length is checked against
   * the bytes actually there before it is used. */
  if (len < 20 || buf[0] >> 4 != 4)
    return SIM_EMALFORMED;
  size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
  size_t total = get16(buf + 2);
  if (ihl < 20 || ihl > total || total > len)
    return SIM_EMALFORMED;
  if (sim_csum_fold(sim_csum_add(0, buf, ihl)) != 0xffff)
    return SIM_EMALFORMED;
  if (get16(buf + 6) & 0x3fff)
    return SIM_EMALFORMED; /* a fragment (MF set or an offset): not modelled */
  int slot = w->proto_slot[buf[9]];
  const struct sim_proto_ops *ops = slot >= 0 ? w->protos[slot].ops : NULL;
  if (!ops || !ops->decode)
    return SIM_ENOPROTO;
  p->ip_id = (uint16_t)get16(buf + 4);
  p->ttl = buf[8];
  p->proto = buf[9];
  p->src = get32(buf + 12);
  p->dst = get32(buf + 16);
  int rc = ops->decode(p, buf + ihl, total - ihl);
  return rc < 0 ? rc : SIM_OK;
}

/* ====================================================================== */
/* Dotted quads                                                            */
/* ====================================================================== */

int sim_ipv4_parse(const char *s, uint32_t *addr_out)
{
  if (!s)
    return SIM_EINVAL;
  uint32_t addr = 0;
  for (int part = 0; part < 4; part++) {
    if (part > 0 && *s++ != '.')
      return SIM_EINVAL;
    if (*s < '0' || *s > '9')
      return SIM_EINVAL;
    /* No leading zeros: "010" would mean 8 to inet_aton and 10 to a
     * human, so it means nothing here. */
    if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
      return SIM_EINVAL;
    uint32_t v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
      if (++digits > 3)
        return SIM_EINVAL;
      v = v * 10 + (uint32_t)(*s++ - '0');
    }
    if (v > 255)
      return SIM_EINVAL;
    addr = addr << 8 | v;
  }
  if (*s != '\0')
    return SIM_EINVAL;
  *addr_out = addr;
  return SIM_OK;
}

char *sim_ipv4_format(uint32_t addr, char *buf)
{
  /* By hand: the recorder formats two addresses per connection row. */
  char *p = buf;
  for (int shift = 24; shift >= 0; shift -= 8) {
    unsigned o = addr >> shift & 0xffu;
    if (o >= 100)
      *p++ = (char)('0' + o / 100);
    if (o >= 10)
      *p++ = (char)('0' + o / 10 % 10);
    *p++ = (char)('0' + o % 10);
    *p++ = shift ? '.' : '\0';
  }
  return buf;
}
