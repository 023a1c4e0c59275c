/*
 * test_fact02_seq_arithmetic.c - DESIGN.md section 6, fact 2: the worked seq/ack example of seed 002 with s1 = 123456,
 * s2 = 234567, a request of k bytes and a response in b1..b4.
 * The scenarios are in tests/support/tcp_scn_f02.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact02();
}
