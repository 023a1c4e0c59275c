/*
 * test_random.c - randomised robustness: random segments (flags, seq,
 * ack, lengths, options, ports, addresses) thrown at a connection in every
 * state; no crash, no undeclared transition, no sanitizer report (run the
 * ASan build too). The scenarios are in tests/support/tcp_scn_random.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_random();
}
