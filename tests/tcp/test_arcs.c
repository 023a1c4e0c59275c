/*
 * test_arcs.c - the state-machine arcs the facts do not take on their
 * own, and the RFC 5961 acceptance rules, with crafted peers. The
 * scenarios are in tests/support/tcp_scn_arcs.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_arcs();
}
