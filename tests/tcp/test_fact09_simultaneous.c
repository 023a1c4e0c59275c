/*
 * test_fact09_simultaneous.c - DESIGN.md section 6, fact 9: simultaneous open and simultaneous close.
 * The scenarios are in tests/support/tcp_scn_f09.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact09();
}
