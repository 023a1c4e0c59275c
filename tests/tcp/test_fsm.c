/*
 * test_fsm.c - the declared arcs and the [state][event] table of the TCP
 * state machine (tcp/fsm.c): every arc joins two valid states, none is
 * declared twice, every state is reachable from CLOSED, the arcs the RFC
 * 9293 diagram requires are there, an undeclared arc has no index, and
 * every table cell that changes state follows a declared arc.
 */
#include <string.h>

#include "tcp/tcp_int.h"
#include "tests/support/support.h"

static void test_arcs_valid_and_unique(void **state)
{
  size_t n;
  const struct tcp_arc *a = tcp_arcs(&n);
  assert_true(n >= 26);
  for (size_t i = 0; i < n; i++) {
    assert_true((unsigned)a[i].from < TCP_S__COUNT);
    assert_true((unsigned)a[i].to < TCP_S__COUNT);
    assert_true(a[i].from != a[i].to);
    assert_non_null(a[i].label);
    assert_true(strlen(a[i].label) > 0);
    for (size_t j = i + 1; j < n; j++)
      assert_false(a[i].from == a[j].from && a[i].to == a[j].to);
    assert_int_equal(tcp__fsm_arc_index(a[i].from, a[i].to), (int)i);
  }
}

static void test_every_state_reachable(void **state)
{
  size_t n;
  const struct tcp_arc *a = tcp_arcs(&n);
  bool seen[TCP_S__COUNT] = {false};
  seen[TCP_S_CLOSED] = true;
  for (int round = 0; round < TCP_S__COUNT; round++)
    for (size_t i = 0; i < n; i++)
      if (seen[a[i].from])
        seen[a[i].to] = true;
  for (int s = 0; s < TCP_S__COUNT; s++)
    assert_true(seen[s]);
}

static void test_rfc9293_arcs_declared(void **state)
{
  static const enum tcp_state need[][2] = {
      {TCP_S_CLOSED, TCP_S_LISTEN},          {TCP_S_CLOSED, TCP_S_SYN_SENT},
      {TCP_S_LISTEN, TCP_S_SYN_RCVD},        {TCP_S_SYN_SENT, TCP_S_SYN_RCVD},
      {TCP_S_SYN_SENT, TCP_S_ESTABLISHED},   {TCP_S_SYN_SENT, TCP_S_CLOSED},
      {TCP_S_SYN_RCVD, TCP_S_ESTABLISHED},   {TCP_S_SYN_RCVD, TCP_S_LISTEN},
      {TCP_S_SYN_RCVD, TCP_S_FIN_WAIT_1},    {TCP_S_ESTABLISHED, TCP_S_FIN_WAIT_1},
      {TCP_S_ESTABLISHED, TCP_S_CLOSE_WAIT}, {TCP_S_FIN_WAIT_1, TCP_S_FIN_WAIT_2},
      {TCP_S_FIN_WAIT_1, TCP_S_CLOSING},     {TCP_S_FIN_WAIT_1, TCP_S_TIME_WAIT},
      {TCP_S_FIN_WAIT_2, TCP_S_TIME_WAIT},   {TCP_S_CLOSE_WAIT, TCP_S_LAST_ACK},
      {TCP_S_CLOSING, TCP_S_TIME_WAIT},      {TCP_S_LAST_ACK, TCP_S_CLOSED},
      {TCP_S_TIME_WAIT, TCP_S_CLOSED},       {TCP_S_LISTEN, TCP_S_CLOSED},
      /* beyond the RFC diagram: a valid SYN-cookie ACK (RFC 4987 3.6) */
      {TCP_S_LISTEN, TCP_S_ESTABLISHED},
  };
  for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
    assert_true(tcp__fsm_arc_index(need[i][0], need[i][1]) >= 0);
}

static void test_undeclared_arcs_refused(void **state)
{
  assert_int_equal(tcp__fsm_arc_index(TCP_S_CLOSED, TCP_S_ESTABLISHED), -1);
  assert_int_equal(tcp__fsm_arc_index(TCP_S_TIME_WAIT, TCP_S_ESTABLISHED), -1);
  /* LISTEN -> ESTABLISHED is declared for SYN cookies; its mirror and
   * a shortcut past the handshake are not */
  assert_int_equal(tcp__fsm_arc_index(TCP_S_ESTABLISHED, TCP_S_LISTEN), -1);
  assert_int_equal(tcp__fsm_arc_index(TCP_S_SYN_SENT, TCP_S_LISTEN), -1);
  assert_int_equal(tcp__fsm_arc_index(TCP_S_CLOSE_WAIT, TCP_S_FIN_WAIT_1), -1);
  assert_int_equal(tcp__fsm_arc_index(TCP_S_CLOSED, TCP_S_CLOSED), -1);
  /* LISTEN -> SYN_SENT (send on a listener) is not offered by the API */
  assert_int_equal(tcp__fsm_arc_index(TCP_S_LISTEN, TCP_S_SYN_SENT), -1);
}

static void test_names(void **state)
{
  assert_string_equal(tcp_state_name(TCP_S_SYN_RCVD), "SYN_RCVD");
  assert_string_equal(tcp_state_name(TCP_S_TIME_WAIT), "TIME_WAIT");
  assert_string_equal(tcp_state_name(TCP_S__COUNT), "?");
  assert_string_equal(tcp__ev_name(TCP__EV_RST_CHALLENGE), "RST_CHALLENGE");
  assert_string_equal(tcp__ev_name(TCP__EV__COUNT), "?");
}

static void test_table_cells(void **state)
{
  /* Cells every synchronised state needs. */
  for (int s = TCP_S_ESTABLISHED; s < TCP_S__COUNT; s++) {
    assert_true(tcp__fsm_has_cell((enum tcp_state)s, TCP__EV_RST));
    assert_true(tcp__fsm_has_cell((enum tcp_state)s, TCP__EV_SEQ_BAD));
    assert_true(tcp__fsm_has_cell((enum tcp_state)s, TCP__EV_SYN_CHALLENGE));
    assert_true(tcp__fsm_has_cell((enum tcp_state)s, TCP__EV_APP_ABORT));
  }
  /* DROP never has a cell, in any state. */
  for (int s = 0; s < TCP_S__COUNT; s++)
    assert_false(tcp__fsm_has_cell((enum tcp_state)s, TCP__EV_DROP));
  assert_true(tcp__fsm_has_cell(TCP_S_FIN_WAIT_1, TCP__EV_FIN_ACK_OF_FIN));
  assert_true(tcp__fsm_has_cell(TCP_S_SYN_SENT, TCP__EV_SYN));
  /* the one LISTEN cell: the block made for a cookie ACK */
  assert_true(tcp__fsm_has_cell(TCP_S_LISTEN, TCP__EV_ACK_OF_SYN));
  assert_false(tcp__fsm_has_cell(TCP_S_LISTEN, TCP__EV_SYN));
  assert_false(tcp__fsm_has_cell(TCP_S_CLOSE_WAIT, TCP__EV_FIN));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arcs_valid_and_unique),
      cmocka_unit_test(test_every_state_reachable),
      cmocka_unit_test(test_rfc9293_arcs_declared),
      cmocka_unit_test(test_undeclared_arcs_refused),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_table_cells),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
