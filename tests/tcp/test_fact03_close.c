/*
 * test_fact03_close.c - DESIGN.md section 6, fact 3: four-way close with half-close; the passive side's merged
 * FIN+ACK through the delayed ACK (FIN_WAIT_1 -> TIME_WAIT).
 * The scenarios are in tests/support/tcp_scn_f03.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact03();
}
