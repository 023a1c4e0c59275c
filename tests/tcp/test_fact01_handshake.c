/*
 * test_fact01_handshake.c - DESIGN.md section 6, fact 1: the three-way handshake: SYN, SYN-ACK, ACK with exact numbers,
 * times and states; options on SYN and SYN-ACK only; data on the third
 * segment.
 * The scenarios are in tests/support/tcp_scn_f01.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact01();
}
