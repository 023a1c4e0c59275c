/*
 * test_syn_defences.c - the end-host SYN-flood defences of RFC 4987
 * section 3 (bigger queues and fewer retries are in fact 13): recycling
 * the oldest half-open entry, the FreeBSD-style SYN cache, Linux-style
 * SYN cookies and the cache-then-cookies hybrid, plus the two-way
 * handshake experiment of fact 11. The scenarios are in
 * tests/support/tcp_scn_defences.c, shared with test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_defences();
}
