/*
 * test_settings.c - the TCP profiles and the settings table (tcp/settings.c).
 *
 * Pins the defaults each profile takes from its sources (tcp/README.md,
 * "Profiles"), so that a change to one is a deliberate change to both the
 * code and the table there; checks that every entry of the table reads
 * back what it was given; and pins the exact error messages, which users
 * see in experiment files and on the command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp.h"

/* ---------------------------------------------------------------------- */
/* Profiles                                                                */
/* ---------------------------------------------------------------------- */

static void test_profile_names(void **state)
{
  (void)state;
  static const char *const names[] = {"rfc793", "bsd", "linux"};
  for (int i = 0; i < 3; i++) {
    enum tcp_profile p;
    assert_int_equal(tcp_profile_parse(names[i], &p), TCP_OK);
    assert_int_equal(p, i);
    assert_string_equal(tcp_profile_name(p), names[i]);
  }
  enum tcp_profile p = TCP_PROFILE_BSD;
  assert_int_equal(tcp_profile_parse("freebsd", &p), TCP_EINVAL);
  assert_int_equal(tcp_profile_parse("", &p), TCP_EINVAL);
  assert_int_equal(tcp_profile_parse(NULL, &p), TCP_EINVAL);
  assert_int_equal(p, TCP_PROFILE_BSD);
  assert_string_equal(tcp_profile_name((enum tcp_profile)7), "?");
}

static void test_profile_rfc793_defaults(void **state)
{
  (void)state;
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_RFC793);
  assert_int_equal(s.profile, TCP_PROFILE_RFC793);
  assert_int_equal(s.msl_ns, 120 * SIM_S);          /* RFC 793 3.3 */
  assert_int_equal(s.time_wait_ns, 240 * SIM_S);    /* 2MSL */
  assert_int_equal(s.isn, TCP_ISN_CLOCK);
  assert_false(s.isn_clock_restarts);
  assert_true(s.quiet_time);
  assert_false(s.rfc5961);
  assert_false(s.rfc1337);
  assert_false(s.tw_reuse_syn);
  assert_false(s.tw_restart_ack);
  assert_int_equal(s.invalid_ratelimit_ns, 0);
  assert_int_equal(s.rto_initial_ns, 1 * SIM_S);    /* RFC 6298 2.1 */
  assert_int_equal(s.rto_min_ns, 1 * SIM_S);
  assert_int_equal(s.rto_max_ns, 60 * SIM_S);
  assert_int_equal(s.syn_rto_ns[0], 0);             /* plain doubling */
  assert_int_equal(s.syn_retries, 7);               /* RFC 1122: >= 3 min */
  assert_int_equal(s.fin_wait2_ns, 0);              /* may last forever */
  assert_int_equal(s.conn_est_timeout_ns, 0);
  assert_int_equal(s.keepidle_ns, 7200 * SIM_S);    /* RFC 1122 4.2.3.6 */
  assert_int_equal(s.keepintvl_ns, 75 * SIM_S);
  assert_int_equal(s.keepcnt, 10);                  /* the seeds */
  assert_false(s.opt_wscale);
  assert_false(s.opt_sack);
  assert_false(s.opt_timestamps);
  assert_int_equal(s.mss, 536);
  assert_false(s.two_way_handshake);
  /* RFC 4987 came long after: no SYN-flood defence on */
  assert_false(s.syn_recycle);
  assert_false(s.syncache);
  assert_int_equal(s.syncookies, TCP_SYNCOOKIES_OFF);
  assert_int_equal(s.syncache_buckets, 512);
}

/* Every profile carries FreeBSD's SYN-cache sizes (tcp_syncache.c), so
 * that syncache=on is FreeBSD's cache. */
static void test_profile_syncache_sizes(void **state)
{
  (void)state;
  for (int p = TCP_PROFILE_RFC793; p <= TCP_PROFILE_LINUX; p++) {
    struct tcp_settings s;
    tcp_settings_init(&s, (enum tcp_profile)p);
    assert_int_equal(s.syncache_buckets, 512);     /* TCP_SYNCACHE_HASHSIZE */
    assert_int_equal(s.syncache_bucket_limit, 30); /* ..._BUCKETLIMIT */
    assert_int_equal(s.syncache_limit, 15360);     /* 512 * 30 */
    assert_int_equal(s.syncache_retries, 3);       /* SYNCACHE_MAXREXMTS */
    assert_false(s.two_way_handshake);             /* in no profile */
    assert_int_equal(s.fault_tw_ack_loss, 0);      /* fault injection: off */
  }
}

static void test_profile_bsd_defaults(void **state)
{
  (void)state;
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_BSD);
  assert_int_equal(s.profile, TCP_PROFILE_BSD);
  assert_int_equal(s.msl_ns, 30 * SIM_S);           /* Stevens 18.6 */
  assert_int_equal(s.time_wait_ns, 60 * SIM_S);
  assert_int_equal(s.syn_rto_ns[0], 6 * SIM_S);     /* 6, 24, 48 s */
  assert_int_equal(s.syn_rto_ns[1], 24 * SIM_S);
  assert_int_equal(s.syn_rto_ns[2], 48 * SIM_S);
  assert_int_equal(s.syn_rto_ns[3], 0);
  assert_int_equal(s.conn_est_timeout_ns, 75 * SIM_S);
  assert_int_equal(s.delack_ns, 200 * SIM_MS);
  assert_int_equal(s.fin_wait2_ns, 600 * SIM_S + 75 * SIM_S);
  assert_int_equal(s.keepidle_ns, 7200 * SIM_S);
  assert_int_equal(s.keepintvl_ns, 75 * SIM_S);
  assert_int_equal(s.keepcnt, 8);                   /* TCPTV_KEEPCNT */
  assert_int_equal(s.isn, TCP_ISN_BSD);
  assert_true(s.tw_reuse_syn);
  assert_true(s.tw_restart_ack);
  assert_int_equal(s.invalid_ratelimit_ns, 0);
  assert_false(s.quiet_time);
  assert_false(s.rfc5961);
  assert_int_equal(s.port_lo, 1024);
  assert_int_equal(s.port_hi, 5000);
  assert_int_equal(s.port_policy, TCP_PORTS_SEQUENTIAL);
  assert_int_equal(s.somaxconn, 5);
  assert_int_equal(s.rto_max_ns, 64 * SIM_S);
  assert_int_equal(s.accept_overflow, TCP_OVERFLOW_DROP);
  /* 4.4BSD: no cache, no cookies (FreeBSD 4.5 brought both) */
  assert_false(s.syn_recycle);
  assert_false(s.syncache);
  assert_int_equal(s.syncookies, TCP_SYNCOOKIES_OFF);
}

static void test_profile_linux_defaults(void **state)
{
  (void)state;
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  assert_int_equal(s.profile, TCP_PROFILE_LINUX);
  assert_int_equal(s.rto_initial_ns, 1 * SIM_S);    /* TCP_TIMEOUT_INIT */
  assert_int_equal(s.rto_min_ns, 200 * SIM_MS);     /* TCP_RTO_MIN */
  assert_int_equal(s.rto_max_ns, 120 * SIM_S);      /* TCP_RTO_MAX */
  assert_int_equal(s.delack_ns, 40 * SIM_MS);       /* TCP_DELACK_MIN */
  assert_int_equal(s.time_wait_ns, 60 * SIM_S);     /* TCP_TIMEWAIT_LEN */
  assert_int_equal(s.fin_wait2_ns, 60 * SIM_S);     /* tcp_fin_timeout */
  /* tcp_syn_retries 6 + tcp_syn_linear_timeouts 4 */
  assert_int_equal(s.syn_retries, 10);
  static const int64_t syn_s[8] = {1, 1, 1, 1, 1, 2, 4, 8};
  for (int i = 0; i < 8; i++)
    assert_int_equal(s.syn_rto_ns[i], syn_s[i] * SIM_S);
  assert_int_equal(s.synack_retries, 5);
  assert_int_equal(s.data_retries, 15);
  assert_int_equal(s.orphan_retries, 8);
  assert_int_equal(s.keepidle_ns, 7200 * SIM_S);
  assert_int_equal(s.keepintvl_ns, 75 * SIM_S);
  assert_int_equal(s.keepcnt, 9);
  assert_int_equal(s.somaxconn, 4096);
  assert_int_equal(s.port_lo, 32768);
  assert_int_equal(s.port_hi, 60999);
  assert_int_equal(s.port_policy, TCP_PORTS_RANDOM);
  /* Linux has no SYN cache and never recycles; tcp_syncookies is 1:
   * cookies when the SYN queue overflows */
  assert_false(s.syn_recycle);
  assert_false(s.syncache);
  assert_int_equal(s.syncookies, TCP_SYNCOOKIES_OVERFLOW);
  assert_true(s.rfc5961);
  assert_false(s.rfc1337);
  assert_true(s.tw_reuse_syn);
  assert_true(s.tw_restart_ack);
  assert_int_equal(s.invalid_ratelimit_ns, 500 * SIM_MS);
  assert_int_equal(s.isn, TCP_ISN_RFC6528);
  assert_false(s.quiet_time);
  assert_true(s.opt_wscale && s.opt_sack && s.opt_timestamps);
  assert_int_equal(s.accept_overflow, TCP_OVERFLOW_DROP);
  assert_int_equal(s.conn_est_timeout_ns, 0);
}

/* Every profile's TIME_WAIT is 2MSL and its ranges are consistent. */
static void test_profile_consistency(void **state)
{
  (void)state;
  for (int p = 0; p < 3; p++) {
    struct tcp_settings s;
    tcp_settings_init(&s, (enum tcp_profile)p);
    assert_int_equal(s.time_wait_ns, 2 * s.msl_ns);
    assert_true(s.rto_min_ns <= s.rto_initial_ns);
    assert_true(s.rto_initial_ns <= s.rto_max_ns);
    assert_true(s.port_lo <= s.port_hi);
    assert_true(s.wscale <= 14);
    for (int i = 1; i < 8; i++)
      if (s.syn_rto_ns[i])
        assert_true(s.syn_rto_ns[i - 1] != 0);
  }
}

/* ---------------------------------------------------------------------- */
/* The table                                                               */
/* ---------------------------------------------------------------------- */

static void test_table_shape(void **state)
{
  (void)state;
  size_t n = 0;
  const struct tcp_setting_desc *t = tcp_settings_table(&n);
  assert_non_null(t);
  assert_int_equal(n, 46);
  for (size_t i = 0; i < n; i++) {
    assert_non_null(t[i].name);
    assert_non_null(t[i].help);
    assert_true(strlen(t[i].help) > 0);
    assert_true(strlen(t[i].help) < 100); /* one line */
    assert_true((t[i].type == TCP_SET_ENUM) == (t[i].choices != NULL));
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(t[i].name, t[j].name);
    /* field names without the _ns suffix */
    size_t len = strlen(t[i].name);
    assert_false(len > 3 && strcmp(t[i].name + len - 3, "_ns") == 0);
  }
}

/* get -> set -> get gives the same text, for every entry and profile, and
 * setting a value never disturbs another entry (msl excepted, which
 * carries time_wait along). */
static void test_table_roundtrip(void **state)
{
  (void)state;
  size_t n;
  const struct tcp_setting_desc *t = tcp_settings_table(&n);
  for (int p = 0; p < 3; p++) {
    struct tcp_settings s;
    tcp_settings_init(&s, (enum tcp_profile)p);
    for (size_t i = 0; i < n; i++) {
      char v1[128], v2[128], err[160];
      assert_int_equal(tcp_settings_get(&s, t[i].name, v1, sizeof v1), TCP_OK);
      struct tcp_settings c;
      memcpy(&c, &s, sizeof c); /* padding too: compared bytewise below */
      int rc = tcp_settings_set(&c, t[i].name, v1, err, sizeof err);
      if (rc != TCP_OK)
        fail_msg("%s=%s: %s", t[i].name, v1, err);
      assert_int_equal(tcp_settings_get(&c, t[i].name, v2, sizeof v2), TCP_OK);
      assert_string_equal(v1, v2);
      assert_memory_equal(&c, &s, sizeof s);
    }
  }
}

/* A new value for every entry, chosen by type, reads back as set. */
static void test_table_set_each(void **state)
{
  (void)state;
  size_t n;
  const struct tcp_setting_desc *t = tcp_settings_table(&n);
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_RFC793);
  for (size_t i = 0; i < n; i++) {
    char before[128], after[128], err[160];
    const char *nv = NULL;
    char enumv[64];
    assert_int_equal(tcp_settings_get(&s, t[i].name, before, sizeof before),
                     TCP_OK);
    switch (t[i].type) {
    case TCP_SET_BOOL:
      nv = strcmp(before, "on") == 0 ? "off" : "on";
      break;
    case TCP_SET_UINT:
      nv = "9"; /* every integer range here admits 9... */
      if (strcmp(t[i].name, "mss") == 0)
        nv = "1000"; /* ...except the MSS (at least 88) */
      break;
    case TCP_SET_TIME:
      nv = "1500ms";
      break;
    case TCP_SET_TIMES:
      nv = "3s,6s";
      break;
    case TCP_SET_ENUM: {
      /* the last choice */
      const char *bar = strrchr(t[i].choices, '|');
      snprintf(enumv, sizeof enumv, "%s", bar ? bar + 1 : t[i].choices);
      nv = enumv;
      break;
    }
    }
    int rc = tcp_settings_set(&s, t[i].name, nv, err, sizeof err);
    if (rc != TCP_OK)
      fail_msg("%s=%s: %s", t[i].name, nv, err);
    assert_int_equal(tcp_settings_get(&s, t[i].name, after, sizeof after),
                     TCP_OK);
    assert_string_equal(after, nv);
  }
  assert_int_equal(s.mss, 1000);
  assert_int_equal(s.keepcnt, 9);
  assert_int_equal(s.time_wait_ns, 1500 * SIM_MS);
  assert_int_equal(s.syn_rto_ns[0], 3 * SIM_S);
  assert_int_equal(s.syn_rto_ns[1], 6 * SIM_S);
  assert_int_equal(s.syn_rto_ns[2], 0);
  assert_int_equal(s.isn, TCP_ISN_CONSTANT);
  assert_int_equal(s.accept_overflow, TCP_OVERFLOW_RST);
  assert_int_equal(s.port_policy, TCP_PORTS_RANDOM);
  assert_true(s.two_way_handshake);
  assert_int_equal(s.syncookies, TCP_SYNCOOKIES_ALWAYS);
  assert_true(s.syncache);
  assert_true(s.syn_recycle);
  assert_int_equal(s.syncache_buckets, 9);
  assert_int_equal(s.syncache_retries, 9);
}

/* ---------------------------------------------------------------------- */
/* Values                                                                  */
/* ---------------------------------------------------------------------- */

static int64_t time_of(const char *text)
{
  struct tcp_settings s;
  char err[160];
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  if (tcp_settings_set(&s, "fin_wait2", text, err, sizeof err) != TCP_OK)
    return -1;
  return s.fin_wait2_ns;
}

static void test_time_values(void **state)
{
  (void)state;
  assert_int_equal(time_of("60s"), 60 * SIM_S);
  assert_int_equal(time_of("200ms"), 200 * SIM_MS);
  assert_int_equal(time_of("1.5s"), 1500 * SIM_MS);
  assert_int_equal(time_of("250us"), 250 * SIM_US);
  assert_int_equal(time_of("7ns"), 7);
  assert_int_equal(time_of("0"), 0);
  assert_int_equal(time_of("0s"), 0);
  assert_int_equal(time_of("  60s\t"), 60 * SIM_S);
  assert_int_equal(time_of("1.000000001s"), SIM_S + 1);
  assert_int_equal(time_of("0.5ms"), 500 * SIM_US);
  assert_int_equal(time_of("1.25us"), 1250);
  assert_int_equal(time_of("1000000s"), 1000000 * SIM_S); /* the ceiling */
  /* refused */
  assert_int_equal(time_of("1.0000000001s"), -1); /* finer than 1 ns */
  assert_int_equal(time_of("1.5ns"), -1);
  assert_int_equal(time_of("5"), -1);   /* a unit is required */
  assert_int_equal(time_of("-1s"), -1);
  assert_int_equal(time_of("1e3s"), -1);
  assert_int_equal(time_of("s"), -1);
  assert_int_equal(time_of(""), -1);
  assert_int_equal(time_of("1min"), -1);
  assert_int_equal(time_of("1000001s"), -1);
  assert_int_equal(time_of("99999999999999999999999s"), -1);
  assert_int_equal(time_of(".5s"), -1);
  assert_int_equal(time_of("5.s"), -1);
  assert_int_equal(time_of("1 s"), -1);
}

static void test_bool_and_enum_values(void **state)
{
  (void)state;
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_RFC793);
  static const struct {
    const char *text;
    bool val;
  } bools[] = {{"on", true},   {"off", false},  {"1", true},
               {"0", false},   {"true", true},  {"false", false},
               {"yes", true},  {"no", false},   {"ON", true},
               {"No", false}};
  for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
    assert_int_equal(tcp_settings_set(&s, "rfc1337", bools[i].text, NULL, 0),
                     TCP_OK);
    assert_int_equal(s.rfc1337, bools[i].val);
  }
  static const char *const isns[] = {"clock", "rfc6528", "random", "bsd",
                                     "constant"};
  for (int i = 0; i < 5; i++) {
    assert_int_equal(tcp_settings_set(&s, "isn", isns[i], NULL, 0), TCP_OK);
    assert_int_equal(s.isn, i);
  }
  assert_int_equal(tcp_settings_set(&s, "isn", "RFC6528", NULL, 0), TCP_OK);
  assert_int_equal(s.isn, TCP_ISN_RFC6528);
  assert_int_equal(tcp_settings_set(&s, "accept_overflow", "rst", NULL, 0),
                   TCP_OK);
  assert_int_equal(s.accept_overflow, TCP_OVERFLOW_RST);
  assert_int_equal(tcp_settings_set(&s, "isn_constant", "4294967295", NULL, 0),
                   TCP_OK);
  assert_int_equal(s.isn_constant, UINT32_MAX);
  assert_int_equal(tcp_settings_set(&s, "wscale", "14", NULL, 0), TCP_OK);
  assert_int_equal(s.wscale, 14);
  assert_int_equal(tcp_settings_set(&s, "port_hi", "65535", NULL, 0), TCP_OK);
  assert_int_equal(s.port_hi, 65535);
}

static void test_syn_rto_values(void **state)
{
  (void)state;
  struct tcp_settings s;
  char buf[128];
  tcp_settings_init(&s, TCP_PROFILE_RFC793);
  assert_int_equal(tcp_settings_set(&s, "syn_rto", "6s, 24s ,48s", NULL, 0),
                   TCP_OK);
  assert_int_equal(s.syn_rto_ns[0], 6 * SIM_S);
  assert_int_equal(s.syn_rto_ns[1], 24 * SIM_S);
  assert_int_equal(s.syn_rto_ns[2], 48 * SIM_S);
  assert_int_equal(s.syn_rto_ns[3], 0);
  assert_int_equal(tcp_settings_get(&s, "syn_rto", buf, sizeof buf), TCP_OK);
  assert_string_equal(buf, "6s,24s,48s");
  /* a shorter list clears the rest */
  assert_int_equal(tcp_settings_set(&s, "syn_rto", "1.5s", NULL, 0), TCP_OK);
  assert_int_equal(s.syn_rto_ns[0], 1500 * SIM_MS);
  assert_int_equal(s.syn_rto_ns[1], 0);
  /* eight is the most */
  assert_int_equal(
      tcp_settings_set(&s, "syn_rto", "1s,2s,3s,4s,5s,6s,7s,8s", NULL, 0),
      TCP_OK);
  assert_int_equal(s.syn_rto_ns[7], 8 * SIM_S);
  assert_int_equal(tcp_settings_get(&s, "syn_rto", buf, sizeof buf), TCP_OK);
  assert_string_equal(buf, "1s,2s,3s,4s,5s,6s,7s,8s");
  /* 0, off and none mean "no list" */
  static const char *const none[] = {"0", "off", "none"};
  for (int i = 0; i < 3; i++) {
    s.syn_rto_ns[0] = 1;
    assert_int_equal(tcp_settings_set(&s, "syn_rto", none[i], NULL, 0), TCP_OK);
    for (int k = 0; k < 8; k++)
      assert_int_equal(s.syn_rto_ns[k], 0);
  }
  assert_int_equal(tcp_settings_get(&s, "syn_rto", buf, sizeof buf), TCP_OK);
  assert_string_equal(buf, "0");
  /* a failed set leaves the list alone */
  assert_int_equal(tcp_settings_set(&s, "syn_rto", "6s", NULL, 0), TCP_OK);
  assert_int_equal(tcp_settings_set(&s, "syn_rto", "1s,2s,bad", NULL, 0),
                   TCP_EINVAL);
  assert_int_equal(s.syn_rto_ns[0], 6 * SIM_S);
  assert_int_equal(s.syn_rto_ns[1], 0);
}

/* TIME_WAIT follows MSL unless set afterwards. */
static void test_msl_sets_time_wait(void **state)
{
  (void)state;
  struct tcp_settings s;
  tcp_settings_init(&s, TCP_PROFILE_LINUX);
  assert_int_equal(tcp_settings_set(&s, "msl", "10s", NULL, 0), TCP_OK);
  assert_int_equal(s.msl_ns, 10 * SIM_S);
  assert_int_equal(s.time_wait_ns, 20 * SIM_S);
  assert_int_equal(tcp_settings_set(&s, "time_wait", "5s", NULL, 0), TCP_OK);
  assert_int_equal(s.time_wait_ns, 5 * SIM_S);
  assert_int_equal(s.msl_ns, 10 * SIM_S);
  /* a failed msl changes neither */
  assert_int_equal(tcp_settings_set(&s, "msl", "soon", NULL, 0), TCP_EINVAL);
  assert_int_equal(s.msl_ns, 10 * SIM_S);
  assert_int_equal(s.time_wait_ns, 5 * SIM_S);
  assert_int_equal(tcp_settings_set(&s, "msl", "0", NULL, 0), TCP_OK);
  assert_int_equal(s.time_wait_ns, 0);
  /* the largest msl still doubles without overflow */
  assert_int_equal(tcp_settings_set(&s, "msl", "500000s", NULL, 0), TCP_OK);
  assert_int_equal(s.time_wait_ns, 1000000 * SIM_S);
  assert_int_equal(tcp_settings_set(&s, "msl", "500001s", NULL, 0), TCP_EINVAL);
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */
/* ---------------------------------------------------------------------- */

static void test_error_messages(void **state)
{
  (void)state;
  static const struct {
    const char *name, *value, *msg;
  } cases[] = {
      {"time_wait", "5parsecs",
       "time_wait: '5parsecs' is not a time (use ns, us, ms, s)"},
      {"x", "1", "unknown TCP setting 'x' (see tcpsim list)"},
      {"time_wait_ns", "1s",
       "unknown TCP setting 'time_wait_ns' (see tcpsim list)"},
      {"delack", "5", "delack: '5' is not a time (use ns, us, ms, s)"},
      {"delack", "1.0000000001s", "delack: '1.0000000001s' is finer than 1ns"},
      {"keepidle", "0", "keepidle: '0' is out of range (1ns..1000000s)"},
      {"msl", "600000s", "msl: '600000s' is out of range (0..500000s)"},
      {"opt_sack", "maybe",
       "opt_sack: 'maybe' is not a boolean (use on/off, yes/no, true/false, "
       "1/0)"},
      {"syn_retries", "300", "syn_retries: '300' is out of range (0..255)"},
      {"syn_retries", "-1", "syn_retries: '-1' is not a whole number"},
      {"syn_retries", "3.0", "syn_retries: '3.0' is not a whole number"},
      {"mss", "40", "mss: '40' is out of range (88..65495)"},
      {"wscale", "15", "wscale: '15' is out of range (0..14)"},
      {"keepcnt", "0", "keepcnt: '0' is out of range (1..255)"},
      {"port_lo", "0", "port_lo: '0' is out of range (1..65535)"},
      {"isn_constant", "4294967296",
       "isn_constant: '4294967296' is out of range (0..4294967295)"},
      {"syn_backlog", "99999999999999999999999",
       "syn_backlog: '99999999999999999999999' is out of range "
       "(1..4294967295)"},
      {"isn", "sequential",
       "isn: 'sequential' is not one of clock|rfc6528|random|bsd|constant"},
      {"accept_overflow", "reset",
       "accept_overflow: 'reset' is not one of drop|rst"},
      {"port_policy", "", "port_policy: '' is not one of sequential|random"},
      {"syn_rto", "6s,x",
       "syn_rto: item 2 'x' is not a time (use ns, us, ms, s)"},
      {"syn_rto", "6s,,48s",
       "syn_rto: item 2 '' is not a time (use ns, us, ms, s)"},
      {"syn_rto", "6s,0",
       "syn_rto: item 2 '0' is out of range (1ns..1000000s)"},
      {"syn_rto", "1s,1s,1s,1s,1s,1s,1s,1s,1s",
       "syn_rto: more than 8 times in '1s,1s,1s,1s,1s,1s,1s,1s,1s'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct tcp_settings s, before;
    char err[200];
    tcp_settings_init(&s, TCP_PROFILE_BSD);
    memcpy(&before, &s, sizeof s);
    memset(err, 'z', sizeof err);
    assert_int_equal(
        tcp_settings_set(&s, cases[i].name, cases[i].value, err, sizeof err),
        TCP_EINVAL);
    assert_string_equal(err, cases[i].msg);
    assert_memory_equal(&s, &before, sizeof s); /* nothing changed */
  }
}

static void test_error_edges(void **state)
{
  (void)state;
  struct tcp_settings s;
  char err[16];
  tcp_settings_init(&s, TCP_PROFILE_BSD);
  /* a short buffer gets a truncated, terminated message */
  assert_int_equal(tcp_settings_set(&s, "isn", "nope", err, sizeof err),
                   TCP_EINVAL);
  assert_int_equal(strlen(err), sizeof err - 1);
  assert_int_equal(tcp_settings_set(&s, "isn", "nope", NULL, 0), TCP_EINVAL);
  assert_int_equal(tcp_settings_set(&s, "isn", "nope", err, 0), TCP_EINVAL);
  assert_int_equal(tcp_settings_set(&s, NULL, "1", err, sizeof err),
                   TCP_EINVAL);
  assert_int_equal(tcp_settings_set(&s, "isn", NULL, err, sizeof err),
                   TCP_EINVAL);
  /* a long value is echoed cut short */
  char big[300], msg[200];
  memset(big, 'q', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_int_equal(tcp_settings_set(&s, "delack", big, msg, sizeof msg),
                   TCP_EINVAL);
  assert_true(strlen(msg) < 100);
  /* success clears the message */
  strcpy(msg, "stale");
  assert_int_equal(tcp_settings_set(&s, "delack", "1ms", msg, sizeof msg),
                   TCP_OK);
  assert_string_equal(msg, "");
  /* get: unknown names and short buffers */
  char buf[4];
  assert_int_equal(tcp_settings_get(&s, "nope", buf, sizeof buf), TCP_EINVAL);
  assert_int_equal(tcp_settings_get(&s, "keepidle", buf, sizeof buf),
                   TCP_EINVAL); /* "7200s" needs 6 */
  assert_int_equal(tcp_settings_get(&s, "syn_rto", buf, sizeof buf),
                   TCP_EINVAL);
  assert_int_equal(tcp_settings_get(&s, "keepcnt", buf, sizeof buf), TCP_OK);
  assert_string_equal(buf, "8");
}

/* ---------------------------------------------------------------------- */
/* Documentation                                                           */
/* ---------------------------------------------------------------------- */

/* tcp/README.md has a row for every setting of the table. */
static void test_readme_lists_every_setting(void **state)
{
  (void)state;
  FILE *f = fopen(TCPSIM_SOURCE_DIR "/tcp/README.md", "rb");
  assert_non_null(f);
  static char text[1 << 17];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  size_t count;
  const struct tcp_setting_desc *t = tcp_settings_table(&count);
  for (size_t i = 0; i < count; i++) {
    char row[64];
    snprintf(row, sizeof row, "| `%s` |", t[i].name);
    if (!strstr(text, row))
      fail_msg("tcp/README.md has no row for %s", t[i].name);
  }
}

/* Every profile passes the whole-struct check that tcp_install applies,
 * and the check refuses a hand-filled value each setter would refuse. */
static void test_check_profiles_and_hand_filled(void **state)
{
  (void)state;
  char msg[200];
  for (int p = TCP_PROFILE_RFC793; p <= TCP_PROFILE_LINUX; p++) {
    struct tcp_settings s;
    tcp_settings_init(&s, (enum tcp_profile)p);
    assert_int_equal(tcp_settings_check(&s, msg, sizeof msg), TCP_OK);
    s.isn = (enum tcp_isn_kind)7;
    assert_int_equal(tcp_settings_check(&s, msg, sizeof msg), TCP_EINVAL);
    assert_non_null(strstr(msg, "isn: 7 is not one of"));
    tcp_settings_init(&s, (enum tcp_profile)p);
    s.mss = 10;
    assert_int_equal(tcp_settings_check(&s, msg, sizeof msg), TCP_EINVAL);
    assert_non_null(strstr(msg, "mss: 10 is out of range"));
    tcp_settings_init(&s, (enum tcp_profile)p);
    s.syn_rto_ns[2] = -1;
    assert_int_equal(tcp_settings_check(&s, msg, sizeof msg), TCP_EINVAL);
    assert_non_null(strstr(msg, "syn_rto: entry 2"));
  }
  assert_int_equal(tcp_settings_check(NULL, msg, sizeof msg), TCP_EINVAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_profile_names),
      cmocka_unit_test(test_profile_rfc793_defaults),
      cmocka_unit_test(test_profile_bsd_defaults),
      cmocka_unit_test(test_profile_linux_defaults),
      cmocka_unit_test(test_profile_syncache_sizes),
      cmocka_unit_test(test_profile_consistency),
      cmocka_unit_test(test_table_shape),
      cmocka_unit_test(test_table_roundtrip),
      cmocka_unit_test(test_table_set_each),
      cmocka_unit_test(test_time_values),
      cmocka_unit_test(test_bool_and_enum_values),
      cmocka_unit_test(test_syn_rto_values),
      cmocka_unit_test(test_msl_sets_time_wait),
      cmocka_unit_test(test_error_messages),
      cmocka_unit_test(test_error_edges),
      cmocka_unit_test(test_readme_lists_every_setting),
      cmocka_unit_test(test_check_profiles_and_hand_filled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
