/*
 * test_coverage.c - transition coverage: runs every scenario group of the
 * facts (tests/support/tcp_scn_f*.c), of the remaining arcs
 * (tcp_scn_arcs.c) and of the SYN-flood defences (tcp_scn_defences.c,
 * the only one to take LISTEN -> ESTABLISHED) in this one process, then fails unless together they
 * took every arc declared in tcp_arcs(). The harness adds each module's
 * tcp_arc_count to a process-wide total when it frees the module
 * (th_arc_total). The random test is left out on purpose: coverage must
 * come from scenarios that assert what happens.
 *
 * A failing scenario is reported by its own test; here only the coverage
 * verdict counts (the scenario groups' output is printed all the same).
 */
#include <stdio.h>

#include "tests/support/tcp_scenarios.h"

static void test_every_declared_arc_taken(void **state)
{
  (void)state;
  size_t n;
  const struct tcp_arc *arcs = tcp_arcs(&n);
  assert_true(n > 0);
  size_t missing = 0;
  printf("---- arc coverage ----\n");
  for (size_t i = 0; i < n; i++) {
    uint64_t c = th_arc_total(i);
    printf("  %-12s -> %-12s %8llu  %s\n", tcp_state_name(arcs[i].from),
           tcp_state_name(arcs[i].to), (unsigned long long)c, arcs[i].label);
    if (c == 0)
      missing++;
  }
  for (size_t i = 0; i < n; i++)
    if (th_arc_total(i) == 0)
      print_error("arc never taken: %s -> %s (%s)\n",
                  tcp_state_name(arcs[i].from), tcp_state_name(arcs[i].to),
                  arcs[i].label);
  assert_int_equal(missing, 0);
}

int main(void)
{
  int (*const groups[])(void) = {
      tsc_fact01, tsc_fact02, tsc_fact03, tsc_fact04, tsc_fact05,
      tsc_fact06, tsc_fact07, tsc_fact08, tsc_fact09, tsc_fact10,
      tsc_fact11, tsc_fact12, tsc_fact13, tsc_fact14, tsc_fact15,
      tsc_arcs,   tsc_defences, tsc_ratelimit};
  int scenario_failures = 0;
  for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
    scenario_failures += groups[i]();
  if (scenario_failures)
    printf("(%d scenario failures, reported by their own tests)\n",
           scenario_failures);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_declared_arc_taken),
  };
  return cmocka_run_group_tests_name("coverage", tests, NULL, NULL);
}
