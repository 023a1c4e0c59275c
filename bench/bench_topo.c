/*
 * bench_topo.c - how long loading a topology takes: parse, build (nodes,
 * addresses, links, default routes) and route computation.
 *
 * Each repetition parses the file into a fresh struct topo, builds it into
 * a fresh world (topo_build ends with sim_routes_compute), then calls
 * sim_routes_compute once more on its own to show the routing share. The
 * best of R repetitions is printed per phase, with the sizes, so that a
 * figure in topologies/README.md can be reproduced with one command:
 *
 *   build/bench_topo topologies/campus-100k.topo --reps 5
 *
 * Usage: bench_topo [FILE ...] [--reps R]   (run from the source root;
 * default FILE topologies/campus-100k.topo, R = 5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"
#include "topologies/topo.h"

static double now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int bench_file(const char *path, int reps)
{
  double best_parse = 1e300, best_build = 1e300, best_routes = 1e300;
  double best_total = 1e300;
  size_t nodes = 0, links = 0, routes = 0;

  for (int r = 0; r < reps; r++) {
    struct topo *t;
    struct topo_error e;
    struct sim_world *w;
    char msg[1200];
    double t0, t1, t2, t3;

    t0 = now_ms();
    if (topo_parse_file(path, &t, &e) != TOPO_OK) {
      topo_format_error(&e, msg, sizeof msg);
      fprintf(stderr, "%s\n", msg);
      return 1;
    }
    t1 = now_ms();
    w = sim_world_new(1);
    if (w == NULL || topo_build(t, w, &e) != TOPO_OK) {
      topo_format_error(&e, msg, sizeof msg);
      fprintf(stderr, "%s\n", msg);
      return 1;
    }
    t2 = now_ms();
    if (sim_routes_compute(w) != SIM_OK) {
      fprintf(stderr, "%s: routes failed\n", path);
      return 1;
    }
    t3 = now_ms();
    if (t1 - t0 < best_parse)
      best_parse = t1 - t0;
    if (t2 - t1 < best_build)
      best_build = t2 - t1;
    if (t3 - t2 < best_routes)
      best_routes = t3 - t2;
    if (t2 - t0 < best_total)
      best_total = t2 - t0;
    nodes = topo_node_count(t);
    links = topo_link_count(t);
    routes = 0;
    for (size_t n = 0; n < sim_node_count(w); n++)
      routes += sim_route_count(w, (uint32_t)n);
    sim_world_free(w);
    topo_free(t);
  }
  printf("%s: %zu nodes, %zu links, %zu routing entries\n", path, nodes,
         links, routes);
  printf("  best of %d: parse %.1f ms, build+routes %.1f ms (routes alone "
         "%.1f ms), parse+build+routes %.1f ms\n",
         reps, best_parse, best_build, best_routes, best_total);
  return 0;
}

int main(int argc, char **argv)
{
  int reps = 5, files = 0, rc = 0;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = atoi(argv[++i]);
      if (reps < 1)
        reps = 1;
    }
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reps") == 0) {
      i++;
      continue;
    }
    files++;
    rc |= bench_file(argv[i], reps);
  }
  if (files == 0)
    rc = bench_file("topologies/campus-100k.topo", reps);
  return rc;
}
