/*
 * test_fact08_half_open.c - DESIGN.md section 6, fact 8: half-open connections: RST from a rebooted host; keepalive
 * finds a vanished one; nothing does when idle.
 * The scenarios are in tests/support/tcp_scn_f08.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact08();
}
