/*
 * test_ratelimit.c - ACKs answering out-of-window segments and challenge
 * ACKs under the invalid_ratelimit setting (Linux tcp_invalid_ratelimit;
 * RFC 5961 section 7). The scenarios are in
 * tests/support/tcp_scn_ratelimit.c.
 */
#include "tests/support/tcp_scenarios.h"

int main(void)
{
  return tsc_ratelimit();
}
