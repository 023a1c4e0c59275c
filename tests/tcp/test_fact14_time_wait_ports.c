/*
 * test_fact14_time_wait_ports.c - DESIGN.md section 6, fact 14: TIME_WAIT exhausts a client's ports to one server;
 * not when the server closes first.
 * The scenarios are in tests/support/tcp_scn_f14.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact14();
}
