/*
 * test_fact10_syn_retransmit.c - DESIGN.md section 6, fact 10: SYN retransmission schedules of the profiles and the
 * give-up times.
 * The scenarios are in tests/support/tcp_scn_f10.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact10();
}
