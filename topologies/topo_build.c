/*
 * topo_build.c - turning a resolved topology into a simulated network, and
 * the summary printed by `tcpsim topo check`.
 *
 * This is the only file of the module that calls the simulation core: the
 * parser and its tests need none of it. Building is a straight copy of the
 * resolved records (see topologies/topo_int.h, axioms T1-T6) into the
 * world through sim/sim.h, in declaration order, so that node and link ids
 * in the world equal their indices in the struct topo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topologies/topo_int.h"

/* ====================================================================== */
/* Building                                                                */
/* ====================================================================== */

static int build_err(const struct topo *t, struct topo_error *err,
                     const struct topo__pos *pos, const char *what,
                     const char *name, int rc)
{
  topo__seterr(err, t->files[pos->file], pos->line, pos->col,
               "cannot create %s '%s': %s", what, name, sim_strerror(rc));
  return TOPO_EBUILD;
}

int topo_build(const struct topo *t, struct sim_world *w,
               struct topo_error *err)
{
  int rc;

  if (t == NULL || w == NULL) {
    topo__seterr(err, "", 0, 0, "topo_build: no topology or no world");
    return TOPO_EINVAL;
  }
  if (sim_node_count(w) != 0 || sim_link_count(w) != 0) {
    topo__seterr(err, t->files[0], 0, 0, "topo_build needs a world without "
                 "nodes or links (node ids follow declaration order)");
    return TOPO_EINVAL;
  }
  for (size_t i = 0; i < t->nnodes; i++) {
    const struct topo__node *n = &t->nodes[i];
    const char *name = topo__name(t, n->name);
    uint32_t id;
    rc = sim_node_add(w, (enum sim_node_kind)n->kind, name, &id);
    if (rc != SIM_OK)
      return build_err(t, err, &n->pos, "node", name, rc);
    if (id != i) {
      topo__seterr(err, t->files[n->pos.file], n->pos.line, n->pos.col,
                   "node '%s' got id %lu instead of %lu", name,
                   (unsigned long)id, (unsigned long)i);
      return TOPO_EBUILD;
    }
    if (n->addr != 0 && (rc = sim_node_add_addr(w, id, n->addr)) != SIM_OK)
      return build_err(t, err, &n->pos, "address of node", name, rc);
  }
  for (size_t i = 0; i < t->ntunpfx; i++) {
    const struct topo__tunpfx *x = &t->tunpfx[i];
    rc = sim_node_add_prefix(w, x->node, x->net, x->len);
    if (rc != SIM_OK)
      return build_err(t, err, &x->pos, "prefix of tun node",
                       topo__name(t, t->nodes[x->node].name), rc);
  }
  for (size_t i = 0; i < t->nlinks; i++) {
    const struct topo__link *l = &t->links[i];
    const struct topo__lclass *c = &t->classes[l->cls];
    const struct topo__pos *pos = &t->stmt_pos[l->stmt];
    char name[2 * TOPO__NAME_MAX + 8];
    uint32_t id;

    snprintf(name, sizeof name, "%s - %s", topo__name(t, t->nodes[l->a].name),
             topo__name(t, t->nodes[l->b].name));
    rc = sim_link_add(w, l->a, l->b, &c->ab, &c->ba, &id);
    if (rc != SIM_OK)
      return build_err(t, err, pos, "link", name, rc);
    if (id != i) {
      topo__seterr(err, t->files[pos->file], pos->line, pos->col,
                   "link '%s' got id %lu instead of %lu", name,
                   (unsigned long)id, (unsigned long)i);
      return TOPO_EBUILD;
    }
    for (uint32_t e = 0; e < c->nev; e++) {
      rc = sim_link_schedule_updown(w, id, c->ev[e].t_ns, c->ev[e].up);
      if (rc != SIM_OK)
        return build_err(t, err, pos, "down/up event of link", name, rc);
    }
  }
  for (size_t i = 0; i < t->ndefroutes; i++) {
    const struct topo__defroute *d = &t->defroutes[i];
    rc = sim_route_set_default(w, d->router, d->link);
    if (rc != SIM_OK)
      return build_err(t, err, &d->pos, "default route of",
                       topo__name(t, t->nodes[d->router].name), rc);
  }
  rc = sim_routes_compute(w);
  if (rc != SIM_OK) {
    topo__seterr(err, t->files[0], 0, 0, "cannot compute routes: %s",
                 sim_strerror(rc));
    return TOPO_EBUILD;
  }
  return TOPO_OK;
}

/* ====================================================================== */
/* Summary                                                                 */
/* ====================================================================== */

#define SUMMARY_UNREACHABLE_SHOWN 20

void topo_print_summary(const struct topo *t, const struct sim_world *w,
                        FILE *out)
{
  char digest[17];
  uint32_t shown[SUMMARY_UNREACHABLE_SHOWN];
  size_t routes = 0, nun;

  topo_digest(t, digest);
  fprintf(out, "topology:  %s (digest %s)\n", t->files[0], digest);
  fprintf(out, "hosts:     %zu\n", t->nhosts);
  fprintf(out, "routers:   %zu\n", t->nrouters);
  fprintf(out, "groups:    %zu\n", t->ngroups);
  for (size_t i = 0; i < t->ngroups; i++) {
    const struct topo__group *g = &t->groups[i];
    char range[TOPO__NAME_MAX + 32], a[16], b[16];
    uint32_t fa = t->nodes[g->first].addr;
    uint32_t la = t->nodes[g->first + g->count - 1].addr;

    snprintf(range, sizeof range, "%s[%lu-%lu]", topo__name(t, g->name),
             (unsigned long)g->lo, (unsigned long)(g->lo + g->count - 1));
    fprintf(out, "  %-28s %8lu %-7s", range, (unsigned long)g->count,
            g->kind == SIM_NODE_HOST ? "hosts" : "routers");
    if (fa != 0)
      fprintf(out, " %s .. %s", topo__ipv4_str(fa, a), topo__ipv4_str(la, b));
    fputc('\n', out);
  }
  fprintf(out, "links:     %zu\n", t->nlinks);
  for (size_t i = 0; i < t->nnodes && i < sim_node_count(w); i++)
    routes += sim_route_count(w, (uint32_t)i);
  fprintf(out, "routes:    %zu entries in total\n", routes);
  nun = sim_unreachable_hosts(w, shown, SUMMARY_UNREACHABLE_SHOWN);
  if (nun == 0) {
    fprintf(out, "unreachable hosts: none\n");
    return;
  }
  fprintf(out, "unreachable hosts: %zu\n", nun);
  for (size_t i = 0; i < nun && i < SUMMARY_UNREACHABLE_SHOWN; i++)
    fprintf(out, "  %s\n", sim_node_name(w, shown[i]));
  if (nun > SUMMARY_UNREACHABLE_SHOWN)
    fprintf(out, "  ... and %zu more\n", nun - SUMMARY_UNREACHABLE_SHOWN);
}
