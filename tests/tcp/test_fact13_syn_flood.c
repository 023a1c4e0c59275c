/*
 * test_fact13_syn_flood.c - DESIGN.md section 6, fact 13: SYN flood: the SYN queue fills; bigger queues and fewer
 * SYN-ACK retries help; SYN in ESTABLISHED gets a challenge ACK.
 * The scenarios are in tests/support/tcp_scn_f13.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact13();
}
