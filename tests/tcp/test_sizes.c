/*
 * test_sizes.c - the memory targets of the TCP module (issue 3): a
 * half-open entry of at most 64 bytes, whether in the SYN queue or on a
 * SYN cache bucket (SYN cookies keep none), and an idle ESTABLISHED
 * connection block, all its timers included (they are slots on one
 * embedded sim_event), of at most 256 bytes. Prints the figures for
 * tcp/README.md.
 */
#include <stdio.h>

#include "tcp/tcp_int.h"
#include "tests/support/support.h"

static void test_sizes(void **state)
{
  printf("sizeof struct sim_event      %zu\n", sizeof(struct sim_event));
  printf("sizeof struct tcp__conn      %zu\n", sizeof(struct tcp__conn));
  printf("sizeof struct tcp__synq      %zu\n", sizeof(struct tcp__synq));
  printf("sizeof struct tcp__scent     %zu\n", sizeof(struct tcp__scent));
  printf("sizeof struct tcp__sqslot    %zu\n", sizeof(struct tcp__sqslot));
  printf("sizeof struct tcp__scbucket  %zu\n", sizeof(struct tcp__scbucket));
  printf("sizeof struct tcp__listener  %zu\n", sizeof(struct tcp__listener));
  printf("sizeof struct tcp_sock       %zu\n", sizeof(struct tcp_sock));
  printf("sizeof struct tcp__host      %zu\n", sizeof(struct tcp__host));
  assert_true(sizeof(struct tcp__synq) <= 64);
  assert_true(sizeof(struct tcp__scent) <= 64);
  /* a SYN-queue slot, plus its 4-byte hash chain head (at most one per
   * live entry, half a head on average): at most 64 bytes an entry */
  assert_true(sizeof(struct tcp__sqslot) <= 56);
  assert_true(sizeof(struct tcp__conn) <= 256);
}

int main(void)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sizes)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
