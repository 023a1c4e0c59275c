/*
 * node.c - nodes (hosts and routers): names, addresses, power and boot
 * epochs, the protocol module registry, and the IP layer that sends,
 * forwards and delivers packets.
 *
 * Names and addresses are found through open-addressing hash maps that are
 * only ever probed for one key, never iterated, so their layout cannot
 * reach a result. The node axioms (N1-N6) are in sim/sim_int.h.
 *
 * What a node does with a packet (sim__node_input):
 *   1. node down                 -> drop HOST_DOWN;
 *   2. addressed to the node     -> its device if it has one (the
 *                                   emulation bridge), else its module by
 *                                   IP protocol (NO_PROTO if none: routers
 *                                   carry no module);
 *   3. a host                    -> drop NO_ROUTE (hosts do not forward);
 *   4. a router, ttl <= 1        -> drop TTL, else ttl - 1 and forward.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"

/* ====================================================================== */
/* Hash maps                                                               */
/* ====================================================================== */

/* FNV-1a: fixed, so probe sequences are the same on every machine (not
 * that a result could see them: the maps are never iterated). */
static uint64_t hash_str(const char *s)
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ull;
  }
  return h;
}

static uint64_t hash_u32(uint32_t x)
{
  uint64_t h = x * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

static int name_map_grow(struct sim_world *w)
{
  struct sim__name_map *m = &w->names;
  size_t nc = m->cap ? m->cap * 2 : 64;
  uint32_t *ns = malloc(nc * sizeof *ns);
  if (!ns)
    return SIM_ENOMEM;
  memset(ns, 0xff, nc * sizeof *ns); /* SIM__NONE everywhere */
  for (size_t i = 0; i < m->cap; i++) {
    uint32_t id = m->slot[i];
    if (id == SIM__NONE)
      continue;
    size_t j = hash_str(w->nodes[id]->name) & (nc - 1);
    while (ns[j] != SIM__NONE)
      j = (j + 1) & (nc - 1);
    ns[j] = id;
  }
  free(m->slot);
  m->slot = ns;
  m->cap = nc;
  return SIM_OK;
}

/* Slot holding name, or the empty slot where it would go. */
static size_t name_map_probe(const struct sim_world *w, const char *name)
{
  const struct sim__name_map *m = &w->names;
  size_t j = hash_str(name) & (m->cap - 1);
  while (m->slot[j] != SIM__NONE && strcmp(w->nodes[m->slot[j]]->name, name))
    j = (j + 1) & (m->cap - 1);
  return j;
}

static int addr_map_grow(struct sim__addr_map *m)
{
  size_t nc = m->cap ? m->cap * 2 : 64;
  uint32_t *nk = calloc(nc, sizeof *nk);
  uint32_t *nv = malloc(nc * sizeof *nv);
  if (!nk || !nv) {
    free(nk);
    free(nv);
    return SIM_ENOMEM;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->key[i])
      continue;
    size_t j = hash_u32(m->key[i]) & (nc - 1);
    while (nk[j])
      j = (j + 1) & (nc - 1);
    nk[j] = m->key[i];
    nv[j] = m->val[i];
  }
  free(m->key);
  free(m->val);
  m->key = nk;
  m->val = nv;
  m->cap = nc;
  return SIM_OK;
}

static size_t addr_map_probe(const struct sim__addr_map *m, uint32_t addr)
{
  size_t j = hash_u32(addr) & (m->cap - 1);
  while (m->key[j] && m->key[j] != addr)
    j = (j + 1) & (m->cap - 1);
  return j;
}

static uint32_t mask_of(unsigned len)
{
  return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

/* The block holding addr (N7), NULL when none. */
static const struct sim__block *block_of(const struct sim_world *w,
                                         uint32_t addr)
{
  for (size_t i = 0; i < w->nblocks; i++)
    if ((addr & mask_of(w->blocks[i].len)) == w->blocks[i].prefix)
      return &w->blocks[i];
  return NULL;
}

bool sim__addr_lookup(const struct sim_world *w, uint32_t addr,
                      uint32_t *owner)
{
  if (!addr || !w->addrs.cap)
    return false;
  size_t j = addr_map_probe(&w->addrs, addr);
  if (!w->addrs.key[j]) {
    const struct sim__block *b = w->nblocks ? block_of(w, addr) : NULL;
    if (!b)
      return false;
    *owner = b->node;
    return true;
  }
  *owner = w->addrs.val[j];
  return true;
}

int sim__node_init_world(struct sim_world *w)
{
  if (name_map_grow(w) != SIM_OK)
    return SIM_ENOMEM;
  if (addr_map_grow(&w->addrs) != SIM_OK) {
    free(w->names.slot);
    return SIM_ENOMEM;
  }
  return SIM_OK;
}

static void reboot_fire(struct sim_world *w, struct sim_event *ev, void *arg);

void sim__node_fini_world(struct sim_world *w)
{
  /* Modules detach host by host, in node order then registration order. */
  for (size_t i = 0; i < w->nnodes; i++) {
    struct sim__node *n = w->nodes[i];
    if (n->kind != SIM_NODE_HOST)
      continue;
    for (int k = 0; k < w->nprotos; k++)
      if (w->protos[k].ops->detach)
        w->protos[k].ops->detach(w, n->id, n->pstate[k], w->protos[k].ctx);
  }
  for (size_t i = 0; i < w->nnodes; i++) {
    struct sim__node *n = w->nodes[i];
    free(n->name);
    free(n->addrs);
    free(n->links);
    sim__rtable_free(&n->rt);
    free(n);
  }
  free(w->nodes);
  free(w->names.slot);
  free(w->addrs.key);
  free(w->addrs.val);
  free(w->blocks);
}

/* ====================================================================== */
/* Nodes                                                                   */
/* ====================================================================== */

static bool node_ok(const struct sim_world *w, uint32_t node)
{
  return node < w->nnodes;
}

int sim_node_add(struct sim_world *w, enum sim_node_kind kind,
                 const char *name, uint32_t *id_out)
{
  if (kind != SIM_NODE_HOST && kind != SIM_NODE_ROUTER)
    return SIM_EINVAL;
  if (w->nnodes >= SIM__NONE - 1)
    return SIM_ERANGE;
  uint32_t id = (uint32_t)w->nnodes;
  char auto_name[24];
  if (!name || !*name) {
    snprintf(auto_name, sizeof auto_name, "node%u", id);
    name = auto_name;
  }
  if (w->names.slot[name_map_probe(w, name)] != SIM__NONE)
    return SIM_EEXIST;
  if (w->nnodes == w->nodes_cap) {
    size_t nc = w->nodes_cap ? w->nodes_cap * 2 : 16;
    struct sim__node **nn = realloc(w->nodes, nc * sizeof *nn);
    if (!nn)
      return SIM_ENOMEM;
    w->nodes = nn;
    w->nodes_cap = nc;
  }
  if ((w->names.n + 1) * 2 > w->names.cap && name_map_grow(w) != SIM_OK)
    return SIM_ENOMEM;
  struct sim__node *n = calloc(1, sizeof *n);
  if (!n)
    return SIM_ENOMEM;
  n->name = malloc(strlen(name) + 1);
  if (!n->name) {
    free(n);
    return SIM_ENOMEM;
  }
  strcpy(n->name, name);
  n->id = id;
  n->kind = kind;
  n->up = true;
  n->default_link = SIM__NONE;
  sim_event_init(&n->boot_ev, reboot_fire, n);
  w->nodes[w->nnodes++] = n;
  w->names.slot[name_map_probe(w, name)] = id;
  w->names.n++;
  w->routes_valid = false;
  /* Modules registered earlier attach to the new host now. */
  if (kind == SIM_NODE_HOST)
    for (int k = 0; k < w->nprotos; k++)
      if (w->protos[k].ops->attach)
        n->pstate[k] = w->protos[k].ops->attach(w, id, w->protos[k].ctx);
  if (id_out)
    *id_out = id;
  return SIM_OK;
}

int sim_node_add_addr(struct sim_world *w, uint32_t node, uint32_t addr)
{
  if (!node_ok(w, node) || addr == 0)
    return SIM_EINVAL;
  struct sim__addr_map *m = &w->addrs;
  if ((m->n + 1) * 2 > m->cap && addr_map_grow(m) != SIM_OK)
    return SIM_ENOMEM;
  size_t j = addr_map_probe(m, addr);
  if (m->key[j])
    return SIM_EEXIST;
  const struct sim__block *b = w->nblocks ? block_of(w, addr) : NULL;
  if (b && b->node != node)
    return SIM_EEXIST; /* N7: inside another node's block */
  struct sim__node *n = w->nodes[node];
  if (n->naddrs == n->addrs_cap) {
    uint32_t nc = n->addrs_cap ? n->addrs_cap * 2 : 1;
    uint32_t *na = realloc(n->addrs, nc * sizeof *na);
    if (!na)
      return SIM_ENOMEM;
    n->addrs = na;
    n->addrs_cap = nc;
  }
  n->addrs[n->naddrs++] = addr;
  m->key[j] = addr;
  m->val[j] = node;
  m->n++;
  w->routes_valid = false;
  return SIM_OK;
}

int sim_node_add_prefix(struct sim_world *w, uint32_t node, uint32_t prefix,
                        unsigned len)
{
  if (!node_ok(w, node) || w->nodes[node]->kind != SIM_NODE_HOST ||
      len < 1 || len > 32 || (prefix & ~mask_of(len)))
    return SIM_EINVAL;
  /* Two aligned blocks overlap iff one holds the other's prefix. */
  for (size_t i = 0; i < w->nblocks; i++) {
    const struct sim__block *b = &w->blocks[i];
    if ((prefix & mask_of(b->len)) == b->prefix ||
        (b->prefix & mask_of(len)) == prefix)
      return SIM_EEXIST;
  }
  for (size_t i = 0; i < w->nnodes; i++) {
    const struct sim__node *o = w->nodes[i];
    if (i == node)
      continue;
    for (uint32_t k = 0; k < o->naddrs; k++)
      if ((o->addrs[k] & mask_of(len)) == prefix)
        return SIM_EEXIST;
  }
  if (w->nblocks == w->blocks_cap) {
    size_t nc = w->blocks_cap ? w->blocks_cap * 2 : 4;
    struct sim__block *nb = realloc(w->blocks, nc * sizeof *nb);
    if (!nb)
      return SIM_ENOMEM;
    w->blocks = nb;
    w->blocks_cap = nc;
  }
  w->blocks[w->nblocks++] =
      (struct sim__block){.prefix = prefix, .node = node, .len = (uint8_t)len};
  w->nodes[node]->npfx++;
  w->routes_valid = false;
  return SIM_OK;
}

int sim__node_attach_link(struct sim_world *w, uint32_t node, uint32_t link)
{
  struct sim__node *n = w->nodes[node];
  if (n->nlinks == n->links_cap) {
    uint32_t nc = n->links_cap ? n->links_cap * 2 : 2;
    uint32_t *nl = realloc(n->links, nc * sizeof *nl);
    if (!nl)
      return SIM_ENOMEM;
    n->links = nl;
    n->links_cap = nc;
  }
  /* Links are created in increasing ids, so appending keeps N4. */
  assert(n->nlinks == 0 || n->links[n->nlinks - 1] < link);
  n->links[n->nlinks++] = link;
  return SIM_OK;
}

size_t sim_node_count(const struct sim_world *w)
{
  return w->nnodes;
}

const char *sim_node_name(const struct sim_world *w, uint32_t node)
{
  return node_ok(w, node) ? w->nodes[node]->name : NULL;
}

enum sim_node_kind sim_node_kind(const struct sim_world *w, uint32_t node)
{
  assert(node_ok(w, node));
  return w->nodes[node]->kind;
}

uint32_t sim_node_addr(const struct sim_world *w, uint32_t node)
{
  if (!node_ok(w, node) || !w->nodes[node]->naddrs)
    return 0;
  return w->nodes[node]->addrs[0];
}

int sim_node_find(const struct sim_world *w, const char *name,
                  uint32_t *id_out)
{
  if (!name)
    return SIM_EINVAL;
  uint32_t id = w->names.slot[name_map_probe(w, name)];
  if (id == SIM__NONE)
    return SIM_ENOENT;
  *id_out = id;
  return SIM_OK;
}

int sim_addr_owner(const struct sim_world *w, uint32_t addr, uint32_t *id_out)
{
  uint32_t owner;
  if (!sim__addr_lookup(w, addr, &owner))
    return SIM_ENOENT;
  *id_out = owner;
  return SIM_OK;
}

/* ====================================================================== */
/* Power                                                                   */
/* ====================================================================== */

bool sim_node_is_up(const struct sim_world *w, uint32_t node)
{
  return node_ok(w, node) && w->nodes[node]->up;
}

uint32_t sim_node_epoch(const struct sim_world *w, uint32_t node)
{
  return node_ok(w, node) ? w->nodes[node]->epoch : 0;
}

uint64_t sim_world_boots(const struct sim_world *w)
{
  return w->boots;
}

/*
 * Observers hear of a power change before the modules act on it, so that a
 * packet a module sends from on_boot is logged after the boot.
 */
int sim_node_power_off(struct sim_world *w, uint32_t node)
{
  if (!node_ok(w, node))
    return SIM_EINVAL;
  struct sim__node *n = w->nodes[node];
  if (!n->up)
    return SIM_OK; /* a reboot already due stays due */
  assert(!sim_event_pending(&n->boot_ev)); /* N5 */
  n->up = false;
  /* The interface loses what it had not sent yet; what already left is
   * on the wire and arrives (or not) as usual. */
  for (uint32_t k = 0; k < n->nlinks; k++)
    sim__link_flush_from(w, n->links[k], node, SIM_DROP_HOST_DOWN);
  sim__trace_host(w, node, SIM_HOST_POWER_OFF, n->epoch);
  if (n->kind == SIM_NODE_HOST)
    for (int k = 0; k < w->nprotos; k++)
      if (w->protos[k].ops->on_power_off)
        w->protos[k].ops->on_power_off(w, node, n->pstate[k]);
  return SIM_OK;
}

int sim_node_boot(struct sim_world *w, uint32_t node)
{
  if (!node_ok(w, node))
    return SIM_EINVAL;
  struct sim__node *n = w->nodes[node];
  sim_cancel(w, &n->boot_ev); /* N5 */
  if (n->up)
    return SIM_OK;
  n->up = true;
  n->epoch++;
  w->boots++;
  sim__trace_host(w, node, SIM_HOST_BOOT, n->epoch);
  if (n->kind == SIM_NODE_HOST)
    for (int k = 0; k < w->nprotos; k++)
      if (w->protos[k].ops->on_boot)
        w->protos[k].ops->on_boot(w, node, n->pstate[k], n->epoch);
  return SIM_OK;
}

static void reboot_fire(struct sim_world *w, struct sim_event *ev, void *arg)
{
  struct sim__node *n = arg;
  (void)sim_node_boot(w, n->id);
}

int sim_node_reboot(struct sim_world *w, uint32_t node, int64_t delay_ns)
{
  if (!node_ok(w, node))
    return SIM_EINVAL;
  if (delay_ns < 0)
    return SIM_EPAST;
  if (delay_ns > SIM_TIME_MAX - w->now_ns)
    return SIM_ERANGE;
  int rc = sim_node_power_off(w, node);
  if (rc != SIM_OK)
    return rc;
  return sim_schedule_at(w, &w->nodes[node]->boot_ev, w->now_ns + delay_ns);
}

int sim_node_set_device(struct sim_world *w, uint32_t node,
                        sim_device_rx_fn fn, void *ctx)
{
  if (!node_ok(w, node))
    return SIM_EINVAL;
  w->nodes[node]->dev_rx = fn;
  w->nodes[node]->dev_ctx = fn ? ctx : NULL;
  return SIM_OK;
}

/* ====================================================================== */
/* Protocol modules                                                        */
/* ====================================================================== */

int sim_proto_register(struct sim_world *w, const struct sim_proto_ops *ops,
                       void *module_ctx)
{
  if (!ops || !ops->rx)
    return SIM_EINVAL;
  if (w->proto_slot[ops->ipproto] >= 0)
    return SIM_EEXIST;
  if (w->nprotos == SIM__MAX_PROTOS)
    return SIM_ENOSPC;
  int k = w->nprotos++;
  w->protos[k] = (struct sim__proto){.ops = ops, .ctx = module_ctx};
  w->proto_slot[ops->ipproto] = (int8_t)k;
  if (ops->attach)
    for (size_t i = 0; i < w->nnodes; i++)
      if (w->nodes[i]->kind == SIM_NODE_HOST)
        w->nodes[i]->pstate[k] = ops->attach(w, (uint32_t)i, module_ctx);
  return SIM_OK;
}

void *sim_proto_host_state(const struct sim_world *w, uint32_t node,
                           uint8_t ipproto)
{
  int k = w->proto_slot[ipproto];
  if (k < 0 || !node_ok(w, node))
    return NULL;
  return w->nodes[node]->pstate[k];
}

int sim_proto_set_host_state(struct sim_world *w, uint32_t node,
                             uint8_t ipproto, void *state)
{
  int k = w->proto_slot[ipproto];
  if (k < 0)
    return SIM_ENOPROTO;
  if (!node_ok(w, node) || w->nodes[node]->kind != SIM_NODE_HOST)
    return SIM_EINVAL;
  w->nodes[node]->pstate[k] = state;
  return SIM_OK;
}

/* ====================================================================== */
/* IP layer                                                                */
/* ====================================================================== */

static void deliver_local(struct sim_world *w, struct sim__node *n,
                          struct sim_packet *p)
{
  if (n->dev_rx) {
    sim__trace_recv(w, n->id, p);
    n->dev_rx(n->dev_ctx, w, n->id, p);
    return;
  }
  int k = w->proto_slot[p->proto];
  if (k < 0 || n->kind != SIM_NODE_HOST) {
    sim__drop(w, n->id, SIM__NONE, SIM_DROP_NO_PROTO, p);
    return;
  }
  sim__trace_recv(w, n->id, p);
  w->protos[k].ops->rx(w, n->id, n->pstate[k], p);
}

void sim__node_input(struct sim_world *w, uint32_t node, uint32_t link,
                     struct sim_packet *p)
{
  struct sim__node *n = w->nodes[node];
  if (!n->up) {
    sim__drop(w, node, link, SIM_DROP_HOST_DOWN, p);
    return;
  }
  uint32_t owner;
  if (sim__addr_lookup(w, p->dst, &owner) && owner == node) {
    deliver_local(w, n, p);
    return;
  }
  if (n->kind != SIM_NODE_ROUTER) {
    sim__drop(w, node, link, SIM_DROP_NO_ROUTE, p);
    return;
  }
  if (p->ttl <= 1) {
    sim__drop(w, node, link, SIM_DROP_TTL, p);
    return;
  }
  p->ttl--;
  uint32_t out;
  if (sim__route_next(w, node, p->dst, &out) != SIM_OK) {
    sim__drop(w, node, SIM__NONE, SIM_DROP_NO_ROUTE, p);
    return;
  }
  (void)sim__link_send(w, out, node, p);
}

/* A packet a node sends to itself goes through the queue at the current
 * time rather than straight into the module, which may be in the middle of
 * the call that sent it. */
static void loopback_fire(struct sim_world *w, struct sim_event *ev,
                          void *arg)
{
  struct sim_packet *p = arg;
  uint32_t owner;
  if (!sim__addr_lookup(w, p->dst, &owner)) {
    sim__drop(w, SIM__NONE, SIM__NONE, SIM_DROP_NO_ROUTE, p);
    return;
  }
  sim__node_input(w, owner, SIM__NONE, p);
}

int sim_ip_output(struct sim_world *w, uint32_t node, struct sim_packet *p)
{
  assert(p && !(p->flags & SIM__PKTF_FREE));
  if (!node_ok(w, node)) {
    sim_packet_free(w, p);
    return SIM_EINVAL;
  }
  struct sim__node *n = w->nodes[node];
  if (!n->up) {
    sim__drop(w, node, SIM__NONE, SIM_DROP_HOST_DOWN, p);
    return SIM_EDOWN;
  }
  uint32_t owner;
  if (sim__addr_lookup(w, p->dst, &owner) && owner == node) {
    sim_event_init(&p->ev, loopback_fire, p);
    int rc = sim_schedule_at(w, &p->ev, w->now_ns);
    if (rc != SIM_OK)
      sim_packet_free(w, p);
    return rc;
  }
  uint32_t out;
  if (sim__route_next(w, node, p->dst, &out) != SIM_OK) {
    sim__drop(w, node, SIM__NONE, SIM_DROP_NO_ROUTE, p);
    return SIM_ENOROUTE;
  }
  return sim__link_send(w, out, node, p);
}
