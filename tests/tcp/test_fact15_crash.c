/*
 * test_fact15_crash.c - DESIGN.md section 6, fact 15: process crash (FIN, or RST with unread data) and machine
 * crash (silence).
 * The scenarios are in tests/support/tcp_scn_f15.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact15();
}
