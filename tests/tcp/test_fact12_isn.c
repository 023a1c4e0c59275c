/*
 * test_fact12_isn.c - DESIGN.md section 6, fact 12: initial sequence numbers per incarnation and generator.
 * The scenarios are in tests/support/tcp_scn_f12.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact12();
}
