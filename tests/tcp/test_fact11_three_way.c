/*
 * test_fact11_three_way.c - DESIGN.md section 6, fact 11: why three segments: an old duplicate SYN never makes a
 * connection; the two-way experiment would.
 * The scenarios are in tests/support/tcp_scn_f11.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact11();
}
