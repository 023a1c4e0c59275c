/*
 * test_fact05_quiet_time.c - DESIGN.md section 6, fact 5: quiet time after a reboot: no segment for MSL.
 * The scenarios are in tests/support/tcp_scn_f05.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact05();
}
