/*
 * loop.c - the real-time run loop of the emulation mode (libevent).
 *
 * The simulator stays a discrete-event engine; this loop only decides how
 * far it may run: up to the wall clock. Each pass runs sim_run to "now",
 * then sleeps in libevent until the wall-clock instant of the next event
 * (a timer) or until a device is readable. Its rules (E1-E4) are in
 * emu/emu_int.h.
 *
 * Lateness: when a pass finds events already due, the earliest of them
 * runs (wall - its time) late. Small lags are the normal jitter of a
 * timer; a lag above late_ns means the simulation could not keep up (too
 * much work per simulated second, or a loaded machine), and is counted and
 * reported, because from then on the real stack sees a slower network than
 * the topology says.
 */
#include <event2/event.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu_int.h"

static int64_t mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * SIM_S + ts.tv_nsec;
}

static void sentinel_fire(struct sim_world *w, struct sim_event *ev,
                          void *arg)
{
  (void)w, (void)ev, (void)arg; /* E2: only there to carry the clock */
}

static void timer_fire(evutil_socket_t fd, short what, void *arg)
{
  (void)fd, (void)what, (void)arg; /* the pass after it does the work */
}

struct emu_loop *emu_loop_new(struct sim_world *w)
{
  struct emu_loop *l = calloc(1, sizeof *l);
  if (!l)
    return NULL;
  l->w = w;
  l->st.late_ns = EMU_LATE_DEFAULT_NS;
  l->base = event_base_new();
  if (!l->base)
    goto fail;
  l->timer = evtimer_new(l->base, timer_fire, l);
  if (!l->timer)
    goto fail;
  sim_event_init(&l->sentinel, sentinel_fire, l);
  return l;
fail:
  if (l->base)
    event_base_free(l->base);
  free(l);
  return NULL;
}

void emu_loop_free(struct emu_loop *l)
{
  if (!l)
    return;
  sim_cancel(l->w, &l->sentinel);
  for (int i = 0; i < l->ndev; i++) {
    (void)sim_node_set_device(l->w, l->dev[i].node, NULL, NULL);
    event_free(l->dev[i].rd);
    close(l->dev[i].fd);
  }
  event_free(l->timer);
  event_base_free(l->base);
  free(l);
}

void emu_loop_set_late_ns(struct emu_loop *l, int64_t late_ns)
{
  l->st.late_ns = late_ns > 0 ? late_ns : EMU_LATE_DEFAULT_NS;
}

static void dev_cb(evutil_socket_t fd, short what, void *arg)
{
  (void)fd, (void)what;
  emu__dev_readable(arg);
}

int emu_loop_add_device(struct emu_loop *l, uint32_t node, int fd,
                        const char *name)
{
  if (l->ndev == EMU_MAX_DEVICES)
    return SIM_ENOSPC;
  struct emu__dev *d = &l->dev[l->ndev];
  memset(d, 0, sizeof *d);
  d->loop = l;
  d->fd = fd;
  d->node = node;
  snprintf(d->name, sizeof d->name, "%s", name ? name : "tun");
  d->rd = event_new(l->base, fd, EV_READ | EV_PERSIST, dev_cb, d);
  if (!d->rd)
    return SIM_ENOMEM;
  int rc = sim_node_set_device(l->w, node, emu__dev_rx, d);
  if (rc != SIM_OK || event_add(d->rd, NULL) != 0) {
    (void)sim_node_set_device(l->w, node, NULL, NULL);
    event_free(d->rd);
    return rc != SIM_OK ? rc : SIM_ENOMEM;
  }
  l->ndev++;
  return SIM_OK;
}

/* One instant of simulated time at a time, re-reading the clock between
 * them, so that every event's lag is measured (not only the first of a
 * batch) and the clock never passes the wall clock. */
int emu__catch_up(struct emu_loop *l)
{
  for (;;) {
    int64_t target = mono_ns() - l->origin_ns;
    if (target > l->until_ns)
      target = l->until_ns;
    int64_t next = sim_next_event_ns(l->w);
    if (next > target)
      return sim_run(l->w, target); /* E2: the clock moves to target */
    int64_t lag = target - next;
    if (lag > l->st.worst_lag_ns)
      l->st.worst_lag_ns = lag;
    if (lag > l->st.late_ns)
      l->st.behind++;
    int rc = sim_run(l->w, next);
    if (rc != SIM_OK || next >= l->until_ns)
      return rc;
  }
}

int emu_loop_run(struct emu_loop *l, int64_t until_ns)
{
  struct sim_world *w = l->w;
  if (until_ns < sim_now(w))
    return SIM_OK;
  if (!l->started) {
    l->origin_ns = mono_ns() - sim_now(w); /* E1 */
    l->started = true;
  }
  l->until_ns = until_ns;
  int rc = sim_rearm_at(w, &l->sentinel, until_ns); /* E2 */
  if (rc != SIM_OK)
    return rc;
  l->stopped = false;
  for (;;) {
    l->st.wakeups++;
    rc = l->stopped ? SIM_ESTOPPED : emu__catch_up(l);
    if (rc != SIM_OK)
      break;
    if (sim_now(w) >= until_ns)
      break;
    int64_t next = sim_next_event_ns(w);
    if (next > until_ns)
      next = until_ns;
    int64_t sleep_ns = l->origin_ns + next - mono_ns();
    if (sleep_ns < 0)
      sleep_ns = 0;
    if (sleep_ns > EMU__MAX_SLEEP_NS)
      sleep_ns = EMU__MAX_SLEEP_NS;
    /* libevent rounds to microseconds; round up so that the wake is never
     * before the event (which would only cost an empty pass). */
    struct timeval tv = {.tv_sec = (time_t)(sleep_ns / SIM_S),
                         .tv_usec = (suseconds_t)((sleep_ns % SIM_S + 999) / 1000)};
    if (tv.tv_usec >= 1000000) {
      tv.tv_sec++;
      tv.tv_usec -= 1000000;
    }
    if (evtimer_add(l->timer, &tv) != 0 ||
        event_base_loop(l->base, EVLOOP_ONCE) < 0) {
      rc = SIM_ENOMEM;
      break;
    }
    (void)evtimer_del(l->timer);
  }
  sim_cancel(w, &l->sentinel);
  return rc;
}

void emu_loop_stats(const struct emu_loop *l, struct emu_stats *out)
{
  *out = l->st;
}

void emu_print_report(const struct emu_loop *l, FILE *f)
{
  const struct emu_stats *s = &l->st;
  if (s->behind)
    fprintf(f, "emu: fell behind real time: %" PRIu64 " events more than "
            "%.1f ms late, worst %.1f ms\n", s->behind,
            (double)s->late_ns / 1e6, (double)s->worst_lag_ns / 1e6);
  else
    fprintf(f, "emu: kept up with real time (worst lag %.1f ms, limit %.1f "
            "ms)\n", (double)s->worst_lag_ns / 1e6, (double)s->late_ns / 1e6);
  fprintf(f, "emu: tun rx %" PRIu64 " packets (%" PRIu64 " malformed, %"
          PRIu64 " not IPv4, %" PRIu64 " no protocol, %" PRIu64
          " dropped), tx %" PRIu64 " packets (%" PRIu64 " errors)\n",
          s->rx_packets, s->rx_malformed, s->rx_not_ipv4, s->rx_no_proto,
          s->rx_dropped, s->tx_packets, s->tx_errors);
}
