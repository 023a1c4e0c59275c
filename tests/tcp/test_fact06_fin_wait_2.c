/*
 * test_fact06_fin_wait_2.c - DESIGN.md section 6, fact 6: FIN_WAIT_2 forever, or the orphan timer of the profile.
 * The scenarios are in tests/support/tcp_scn_f06.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact06();
}
