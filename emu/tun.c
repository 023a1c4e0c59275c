/*
 * tun.c - TUN devices of the emulation mode: open, read and validate,
 * write.
 *
 * Nothing read from the kernel is trusted: emu_ipv4_check looks at every
 * length and option before anything is copied, sim_packet_decode checks
 * the header again and hands the transport header to its module, which
 * verifies its own checksum over the pseudo-header (for TCP: tcp/codec.c).
 * A packet that fails is counted and dropped. A valid packet enters the
 * simulated network from the tun node at the current simulated time, which
 * the loop has just brought to the wall clock (E2, E4 in emu/emu_int.h).
 * Payload bytes are not kept (the simulator counts bytes, sim.h), so what
 * the network sends back to the kernel carries zeros where data was.
 */
#define _DEFAULT_SOURCE /* struct ifreq in <net/if.h> */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "emu/emu_int.h"

/* ====================================================================== */
/* Opening                                                                 */
/* ====================================================================== */

int emu_tun_open(const char *ifname, int *fd_out, char *name_out,
                 char *err, size_t errcap)
{
  char dummy[1];
  if (!err) {
    err = dummy;
    errcap = sizeof dummy;
  }
  if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
    snprintf(err, errcap, "bad TUN device name '%s' (1 to %d characters)",
             ifname ? ifname : "", IFNAMSIZ - 1);
    return SIM_EINVAL;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errcap, "cannot open /dev/net/tun: %s", strerror(errno));
    return SIM_ENOENT;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  memcpy(ifr.ifr_name, ifname, strlen(ifname));
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    int e = errno;
    snprintf(err, errcap, "TUN device %s: %s", ifname, strerror(e));
    close(fd);
    errno = e;
    return SIM_ENOENT;
  }
  *fd_out = fd;
  if (name_out)
    snprintf(name_out, IFNAMSIZ, "%s", ifr.ifr_name);
  return SIM_OK;
}

/* ====================================================================== */
/* Validation                                                              */
/* ====================================================================== */

static uint32_t get16(const uint8_t *b)
{
  return (uint32_t)b[0] << 8 | b[1];
}

int emu_ipv4_check(const uint8_t *buf, size_t len)
{
  if (len < 1 || buf[0] >> 4 != 4)
    return SIM_ENOPROTO;
  if (len < 20)
    return SIM_EMALFORMED;
  size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
  size_t total = get16(buf + 2);
  if (ihl < 20 || total < ihl || total != len)
    return SIM_EMALFORMED;
  if (sim_csum_fold(sim_csum_add(0, buf, ihl)) != 0xffff)
    return SIM_EMALFORMED;
  if (get16(buf + 6) & 0x3fff)
    return SIM_EMALFORMED; /* MF or an offset: fragments are not modelled */
  /* RFC 791 3.1: an option is one octet (EOL, NOP) or type, length (which
   * counts type and length), data; EOL ends the list, padding follows. */
  for (size_t o = 20; o < ihl;) {
    uint8_t type = buf[o];
    if (type == 0)
      break;
    if (type == 1) {
      o++;
      continue;
    }
    if (ihl - o < 2 || buf[o + 1] < 2 || buf[o + 1] > ihl - o)
      return SIM_EMALFORMED;
    o += buf[o + 1];
  }
  if (get16(buf + 12) == 0 && get16(buf + 14) == 0)
    return SIM_EMALFORMED;
  if (get16(buf + 16) == 0 && get16(buf + 18) == 0)
    return SIM_EMALFORMED;
  return SIM_OK;
}

/* ====================================================================== */
/* Kernel -> simulated network                                             */
/* ====================================================================== */

static void inject(struct emu__dev *d, const uint8_t *buf, size_t len)
{
  struct emu_loop *l = d->loop;
  struct sim_world *w = l->w;
  int rc = emu_ipv4_check(buf, len);
  if (rc == SIM_ENOPROTO) {
    l->st.rx_not_ipv4++;
    return;
  }
  if (rc != SIM_OK) {
    l->st.rx_malformed++;
    return;
  }
  struct sim_packet *p = sim_packet_alloc(w);
  if (!p) {
    l->st.rx_dropped++;
    return;
  }
  rc = sim_packet_decode(w, p, buf, len);
  if (rc != SIM_OK) {
    sim_packet_free(w, p);
    if (rc == SIM_ENOPROTO)
      l->st.rx_no_proto++;
    else
      l->st.rx_malformed++;
    return;
  }
  p->tags.sent_ns = sim_now(w);
  p->tags.incarnation = sim_node_epoch(w, d->node);
  l->st.rx_packets++;
  l->st.rx_bytes += len;
  /* The world owns it from here, and counts and traces a refusal. */
  if (sim_ip_output(w, d->node, p) != SIM_OK)
    l->st.rx_dropped++;
}

void emu__dev_readable(struct emu__dev *d)
{
  struct emu_loop *l = d->loop;
  /* The packets enter at the wall-clock time they were read (E2). */
  if (emu__catch_up(l) == SIM_ESTOPPED)
    l->stopped = true;
  for (int i = 0; i < EMU__READ_BURST; i++) {
    ssize_t n = read(d->fd, l->buf, sizeof l->buf);
    if (n <= 0)
      break; /* EAGAIN: drained; errors: the next readiness tells */
    inject(d, l->buf, (size_t)n);
  }
}

/* ====================================================================== */
/* Simulated network -> kernel                                             */
/* ====================================================================== */

void emu__dev_rx(void *ctx, struct sim_world *w, uint32_t node,
                 struct sim_packet *p)
{
  struct emu__dev *d = ctx;
  struct emu_loop *l = d->loop;
  (void)node;
  int n = sim_packet_encode(w, p, l->txbuf, sizeof l->txbuf);
  sim_packet_free(w, p);
  /* A full device queue drops the packet, as a NIC ring would; the
   * transport's retransmission deals with it. */
  if (n < 0 || write(d->fd, l->txbuf, (size_t)n) != n) {
    l->st.tx_errors++;
    return;
  }
  l->st.tx_packets++;
  l->st.tx_bytes += (uint64_t)n;
}
