/*
 * test_fact04_time_wait.c - DESIGN.md section 6, fact 4: TIME_WAIT lasts 2MSL per profile; the pair cannot be
 * reused; bind needs SO_REUSEADDR; the Berkeley rule for a new SYN.
 * The scenarios are in tests/support/tcp_scn_f04.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact04();
}
