/*
 * pcap.c - pcap files of a run, per host or per link, written by libpcap.
 *
 * The public contract (scopes, selector, file names, error reporting, the
 * close precondition) is in results/pcap_api.h. Here: the trace hooks that
 * pick which file a packet goes to, and the plumbing around libpcap.
 *
 * Axioms of struct res_pcap:
 *   P1  file[i] is NULL or an open dumper for node i (host scope) or
 *       link i (link scope); nfile == number of non-NULL entries and is
 *       at most RES_PCAP_MAX_FILES.
 *   P2  a file whose write failed is closed and set to NULL at once, so a
 *       full disk costs one message, not one per packet; errmsg keeps the
 *       first failure only.
 *   P3  ids >= nslots (nodes or links added after open) are never captured.
 *
 * Why libpcap and not a hand-written format: its writer is the reference
 * for the format Wireshark reads (magic for nanosecond files, link type,
 * snap length), and we then have one less format to get wrong.
 */
/* libpcap's headers use the BSD types u_char and u_int, which glibc
 * hides under the build's strict _POSIX_C_SOURCE; _DEFAULT_SOURCE brings
 * them back for this file only. */
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <pcap/pcap.h>

#include "results/pcap_api.h"

/* ====================================================================== */
/* Types                                                                   */
/* ====================================================================== */

/* IPv4 datagrams are at most 65535 bytes: that is both our snap length and
 * the encode buffer, so a packet is never truncated. */
#define PCAP__SNAPLEN 65535

struct res_pcap {
  struct sim_world *w;
  enum res_pcap_scope scope;
  pcap_t *dead;              /* the "device" the dumpers are opened on */
  size_t nslots;             /* nodes or links known at open (P3) */
  pcap_dumper_t **file;      /* [nslots] (P1) */
  char **path;               /* [nslots]: for messages; NULL with file */
  size_t nfile;
  uint8_t *buf;              /* PCAP__SNAPLEN bytes, reused per packet */
  uint64_t too_big;          /* packets not written: larger than IPv4 allows */
  char errmsg[512];          /* first write error, "" if none (P2) */
};

/* ====================================================================== */
/* Private prototypes                                                      */
/* ====================================================================== */

static void seterr(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void write_pkt(struct res_pcap *pc, size_t slot,
                      const struct sim_packet *p);
static void on_send(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, int dir, const struct sim_packet *p);
static void on_recv(void *ctx, struct sim_world *w, uint32_t node,
                    const struct sim_packet *p);
static void on_drop(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, enum sim_drop_reason why,
                    const struct sim_packet *p);

static const struct sim_trace_ops pcap_ops = {
  .pkt_send = on_send,
  .pkt_recv = on_recv,
  .pkt_drop = on_drop,
};

/* ====================================================================== */
/* Private functions                                                       */
/* ====================================================================== */

static void seterr(char *err, size_t errcap, const char *fmt, ...)
{
  if (!err || errcap == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errcap, fmt, ap);
  va_end(ap);
}

/* Names become file names: keep them to a portable set so a node called
 * "a/b" cannot write outside DIR. */
static void safe_name(const char *in, char *out, size_t cap)
{
  size_t i = 0;
  for (; in[i] && i + 1 < cap; i++) {
    char c = in[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out[i] = ok ? c : '_';
  }
  out[i] = '\0';
  /* "." and ".." are portable characters but not safe names. */
  if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
    out[0] = '_';
}

/* mkdir -p for one level: DIR may exist (as a directory) or be created in
 * an existing parent. */
static int ensure_dir(const char *dir, char *err, size_t errcap)
{
  struct stat st;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    seterr(err, errcap, "pcap: cannot create directory %s: %s", dir,
           strerror(errno));
    return RES_PCAP_EFILE;
  }
  if (stat(dir, &st) != 0) {
    seterr(err, errcap, "pcap: %s: %s", dir, strerror(errno));
    return RES_PCAP_EFILE;
  }
  if (!S_ISDIR(st.st_mode)) {
    seterr(err, errcap, "pcap: %s exists and is not a directory", dir);
    return RES_PCAP_EFILE;
  }
  return 0;
}

/* Is `name` one of the comma-separated names of sel? O(len(sel)) per
 * call, and it runs once per node at open only. */
static int sel_has(const char *sel, const char *name)
{
  size_t n = strlen(name);
  const char *s = sel;
  while (*s) {
    const char *e = strchr(s, ',');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len == n && strncmp(s, name, n) == 0)
      return 1;
    if (!e)
      break;
    s = e + 1;
  }
  return 0;
}

/* Every name of the selector must exist (and be a host in host scope):
 * a typo should fail loudly, not silently capture nothing. */
static int sel_check(const struct sim_world *w, enum res_pcap_scope scope,
                     const char *sel, char *err, size_t errcap)
{
  const char *s = sel;
  while (*s) {
    const char *e = strchr(s, ',');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    char name[256];
    if (len == 0 || len >= sizeof name) {
      seterr(err, errcap, "pcap: bad selector \"%s\": expected node names "
             "separated by commas", sel);
      return SIM_EINVAL;
    }
    memcpy(name, s, len);
    name[len] = '\0';
    uint32_t id;
    if (sim_node_find(w, name, &id) != SIM_OK) {
      seterr(err, errcap, "pcap: selector names \"%s\": no such node", name);
      return SIM_ENOENT;
    }
    if (scope == RES_PCAP_HOSTS && sim_node_kind(w, id) != SIM_NODE_HOST) {
      seterr(err, errcap, "pcap: selector names \"%s\", a router: host "
             "captures are for hosts (use link scope for routers)", name);
      return SIM_EINVAL;
    }
    if (!e)
      break;
    s = e + 1;
  }
  return 0;
}

/* Is slot i (a node or a link) selected? */
static int selected(const struct sim_world *w, enum res_pcap_scope scope,
                    const char *sel, uint32_t i)
{
  if (scope == RES_PCAP_HOSTS) {
    if (sim_node_kind(w, i) != SIM_NODE_HOST)
      return 0;
    return !sel || sel_has(sel, sim_node_name(w, i));
  }
  uint32_t a, b;
  if (sim_link_ends(w, i, &a, &b) != SIM_OK)
    return 0;
  return !sel || sel_has(sel, sim_node_name(w, a)) ||
         sel_has(sel, sim_node_name(w, b));
}

/* DIR/<host>.pcap or DIR/link-<id>-<a>-<b>.pcap, malloc'd. */
static char *file_path(const struct sim_world *w, enum res_pcap_scope scope,
                       const char *dir, uint32_t i)
{
  char n1[128], n2[128];
  char *path;
  size_t cap = strlen(dir) + sizeof n1 + sizeof n2 + 48;
  if (!(path = malloc(cap)))
    return NULL;
  if (scope == RES_PCAP_HOSTS) {
    safe_name(sim_node_name(w, i), n1, sizeof n1);
    snprintf(path, cap, "%s/%s.pcap", dir, n1);
  } else {
    uint32_t a = 0, b = 0;
    (void)sim_link_ends(w, i, &a, &b);
    safe_name(sim_node_name(w, a), n1, sizeof n1);
    safe_name(sim_node_name(w, b), n2, sizeof n2);
    snprintf(path, cap, "%s/link-%lu-%s-%s.pcap", dir, (unsigned long)i, n1,
             n2);
  }
  return path;
}

/* Drop a file after a write error (P2), keeping the first message. */
static void fail_file(struct res_pcap *pc, size_t slot, int errnum)
{
  if (pc->errmsg[0] == '\0')
    snprintf(pc->errmsg, sizeof pc->errmsg, "pcap: %s: %s", pc->path[slot],
             strerror(errnum ? errnum : EIO));
  pcap_dump_close(pc->file[slot]);
  pc->file[slot] = NULL;
  free(pc->path[slot]);
  pc->path[slot] = NULL;
  pc->nfile--;
}

static void write_pkt(struct res_pcap *pc, size_t slot,
                      const struct sim_packet *p)
{
  if (slot >= pc->nslots || !pc->file[slot])
    return;
  int n = sim_packet_encode(pc->w, p, pc->buf, PCAP__SNAPLEN);
  if (n < 0) {
    /* Only a datagram larger than IPv4 allows (or a transport with no
     * encoder) gets here; counting it is all a capture can do. */
    pc->too_big++;
    return;
  }
  int64_t t = sim_now(pc->w);
  struct pcap_pkthdr h;
  memset(&h, 0, sizeof h);
  /* A nanosecond pcap keeps nanoseconds in the tv_usec field. */
  h.ts.tv_sec = (time_t)(t / SIM_S);
  h.ts.tv_usec = (suseconds_t)(t % SIM_S);
  h.caplen = (bpf_u_int32)n;
  h.len = (bpf_u_int32)n;
  errno = 0;
  pcap_dump((u_char *)pc->file[slot], &h, pc->buf);
  /* pcap_dump has no return value: the stream's error flag is the only
   * way to learn that a write failed. */
  FILE *f = pcap_dump_file(pc->file[slot]);
  if (ferror(f))
    fail_file(pc, slot, errno);
}

static void on_send(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, int dir, const struct sim_packet *p)
{
  struct res_pcap *pc = ctx;
  (void)dir;
  write_pkt(pc, pc->scope == RES_PCAP_HOSTS ? node : link, p);
}

static void on_recv(void *ctx, struct sim_world *w, uint32_t node,
                    const struct sim_packet *p)
{
  struct res_pcap *pc = ctx;
  if (pc->scope == RES_PCAP_HOSTS)
    write_pkt(pc, node, p);
}

/* A packet lost on the wire did enter the link (and a capture on its
 * sender would show it), but the core reports it as a drop instead of a
 * send: without this hook a lossy link's capture would hide exactly the
 * segments one wants to see retransmitted. Other drops (queue full, no
 * route, host down) never reached the wire. */
static void on_drop(void *ctx, struct sim_world *w, uint32_t node,
                    uint32_t link, enum sim_drop_reason why,
                    const struct sim_packet *p)
{
  struct res_pcap *pc = ctx;
  if (why != SIM_DROP_LOSS || link == UINT32_MAX)
    return;
  write_pkt(pc, pc->scope == RES_PCAP_HOSTS ? node : link, p);
}

static void free_all(struct res_pcap *pc)
{
  for (size_t i = 0; i < pc->nslots; i++) {
    if (pc->file && pc->file[i])
      pcap_dump_close(pc->file[i]);
    if (pc->path)
      free(pc->path[i]);
  }
  free(pc->file);
  free(pc->path);
  free(pc->buf);
  if (pc->dead)
    pcap_close(pc->dead);
  free(pc);
}

/* ====================================================================== */
/* API                                                                     */
/* ====================================================================== */

int res_pcap_open(struct sim_world *w, const char *dir,
                  enum res_pcap_scope scope, const char *selector,
                  struct res_pcap **out, char *err, size_t errcap)
{
  struct res_pcap *pc = NULL;
  int rc;

  if (out)
    *out = NULL;
  if (!w || !dir || !*dir || !out ||
      (scope != RES_PCAP_HOSTS && scope != RES_PCAP_LINKS)) {
    seterr(err, errcap, "pcap: invalid argument");
    return SIM_EINVAL;
  }
  if (selector && !*selector)
    selector = NULL;
  if (selector && (rc = sel_check(w, scope, selector, err, errcap)) != 0)
    return rc;

  size_t nslots = scope == RES_PCAP_HOSTS ? sim_node_count(w)
                                          : sim_link_count(w);
  /* Count before creating anything, so a refused open leaves no litter. */
  size_t want = 0;
  for (size_t i = 0; i < nslots; i++)
    want += (size_t)selected(w, scope, selector, (uint32_t)i);
  if (want > RES_PCAP_MAX_FILES) {
    seterr(err, errcap, "pcap: %zu %s selected, more than the %d files "
           "allowed: give a selector (node names separated by commas)", want,
           scope == RES_PCAP_HOSTS ? "hosts" : "links", RES_PCAP_MAX_FILES);
    return SIM_EINVAL;
  }
  if ((rc = ensure_dir(dir, err, errcap)) != 0)
    return rc;

  rc = SIM_ENOMEM;
  if (!(pc = calloc(1, sizeof *pc)))
    goto fail_nomem;
  pc->w = w;
  pc->scope = scope;
  pc->nslots = nslots;
  pc->file = calloc(nslots ? nslots : 1, sizeof *pc->file);
  pc->path = calloc(nslots ? nslots : 1, sizeof *pc->path);
  pc->buf = malloc(PCAP__SNAPLEN);
  if (!pc->file || !pc->path || !pc->buf)
    goto fail_nomem;
  /* Raw IPv4 with nanosecond stamps: simulated times are exact to the
   * nanosecond, and microseconds would merge events on a fast link. */
  pc->dead = pcap_open_dead_with_tstamp_precision(
      DLT_IPV4, PCAP__SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
  if (!pc->dead)
    goto fail_nomem;

  for (size_t i = 0; i < nslots; i++) {
    if (!selected(w, scope, selector, (uint32_t)i))
      continue;
    if (!(pc->path[i] = file_path(w, scope, dir, (uint32_t)i)))
      goto fail_nomem;
    errno = 0;
    pc->file[i] = pcap_dump_open(pc->dead, pc->path[i]);
    if (!pc->file[i]) {
      /* pcap_geterr has the path and the system's reason. */
      seterr(err, errcap, "pcap: cannot open %s: %s", pc->path[i],
             pcap_geterr(pc->dead));
      rc = RES_PCAP_EFILE;
      goto fail;
    }
    pc->nfile++;
  }
  if (sim_trace_subscribe(w, &pcap_ops, pc) != SIM_OK)
    goto fail_nomem;
  *out = pc;
  return 0;

fail_nomem:
  seterr(err, errcap, "pcap: out of memory");
fail:
  if (pc)
    free_all(pc);
  return rc;
}

size_t res_pcap_file_count(const struct res_pcap *p)
{
  return p ? p->nfile : 0;
}

const char *res_pcap_error(const struct res_pcap *p)
{
  return p && p->errmsg[0] ? p->errmsg : NULL;
}

int res_pcap_close(struct res_pcap *p, char *err, size_t errcap)
{
  if (!p)
    return 0;
  /* Flush each file before closing it: pcap_dump_close returns nothing,
   * so a full disk would otherwise go unnoticed. */
  for (size_t i = 0; i < p->nslots; i++) {
    if (!p->file[i])
      continue;
    errno = 0;
    if (pcap_dump_flush(p->file[i]) != 0)
      fail_file(p, i, errno);
  }
  int rc = 0;
  if (p->errmsg[0]) {
    seterr(err, errcap, "%s", p->errmsg);
    rc = RES_PCAP_EFILE;
  }
  free_all(p);
  return rc;
}
