/*
 * test_fact07_rst.c - DESIGN.md section 6, fact 7: resets: closed port (seq 0, ack ISN+1), abortive close with
 * SO_LINGER 0, "connection reset" at the peer.
 * The scenarios are in tests/support/tcp_scn_f07.c, shared with
 * test_coverage.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_fact07();
}
