/*
 * test_errors.c - every class of mistake in a topology gets its exact
 * message at its exact place.
 *
 * The table below is the reference for the messages documented in
 * topologies/README.md ("Errors"): each entry is a text, the line and the
 * column the error must point at (the first character of the offending
 * token, 1-based), and the message. Include errors need real files: they
 * are written into a fresh temporary directory per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "topologies/topo.h"

/* ---------------------------------------------------------------------- */
/* The table                                                               */
/* ---------------------------------------------------------------------- */

struct bad {
  const char *text;
  int line;
  int col;
  const char *msg;
};

#define AB "host a\nhost b\n" /* two hosts for link cases: line 3 */

static const struct bad bad_inputs[] = {
  /* statements */
  {"hots a", 1, 1, "unknown statement 'hots' (did you mean 'host'?)"},
  {"\n\n  frobnicate a", 3, 3,
   "unknown statement 'frobnicate' (expected host, hosts, router, routers, "
   "tun, link, defaults, default, pool or include)"},
  {"\"host\" a", 1, 1,
   "unknown statement '\"host\"' (statements are not quoted)"},
  {"host", 1, 1, "missing name after 'host'"},
  {"host x extra", 1, 8,
   "unexpected 'extra' after host name (expected 'addr A.B.C.D' or the end "
   "of the line)"},
  {"host x addr 10.0.0.1 extra", 1, 22,
   "unexpected 'extra' at end of host statement"},
  {"host a addr", 1, 8, "missing value after 'addr'"},
  /* tun nodes */
  {"tun", 1, 1, "missing name after 'tun'"},
  {"tun t", 1, 5,
   "a tun node needs 'addr A.B.C.D' (the address of the Linux end of the "
   "device) after its name"},
  {"tun t prefix 10.0.0.0/24", 1, 7,
   "a tun node needs 'addr A.B.C.D' (the address of the Linux end of the "
   "device) after its name"},
  {"tun t addr", 1, 7, "missing value after 'addr'"},
  {"tun t addr 10.0.0.300", 1, 12,
   "bad address '10.0.0.300' (expected A.B.C.D, each part 0-255)"},
  {"tun t addr 10.0.0.1 extra", 1, 21,
   "unexpected 'extra' at end of tun statement"},
  {"host a addr 10.0.0.1\ntun t addr 10.0.0.1", 2, 12,
   "duplicate address 10.0.0.1 for 't' (already given to 'a' at "
   "bad.topo:1:6)"},
  /* tun prefixes */
  {"tun t addr 10.0.0.2 prefix", 1, 21, "missing value after 'prefix'"},
  {"tun t addr 10.0.0.2 prefix 10.0.9.1/24", 1, 28,
   "prefix '10.0.9.1/24' has host bits set (did you mean 10.0.9.0/24?)"},
  {"tun t addr 10.0.0.2 prefix 10.0.9.0/33", 1, 28,
   "bad prefix '10.0.9.0/33' (expected A.B.C.D/LEN with LEN 0-32)"},
  {"tun t addr 10.0.0.2 prefix 0.0.0.0/0", 1, 28,
   "a tun prefix cannot be /0 (it would hold every address)"},
  {"tun t addr 10.0.0.2 prefix 10.0.9.0/24 extra", 1, 40,
   "unexpected 'extra' at end of tun statement"},
  {"host a addr 10.0.9.7\ntun t addr 10.0.0.2 prefix 10.0.9.0/24", 2, 28,
   "prefix 10.0.9.0/24 of tun node 't' holds 10.0.9.7, the address of 'a' "
   "(at bad.topo:1:6)"},
  {"tun t addr 10.0.0.2 prefix 10.0.9.0/24\nhost a addr 10.0.9.7", 2, 13,
   "address 10.0.9.7 for 'a' is inside prefix 10.0.9.0/24 of tun node 't' "
   "(at bad.topo:1:28)"},
  {"tun t addr 10.0.0.2 prefix 10.0.9.0/24\nhosts c[1-3] prefix "
   "10.0.9.128/25", 2, 21,
   "address 10.0.9.129 for 'c1' is inside prefix 10.0.9.0/24 of tun node "
   "'t' (at bad.topo:1:28)"},
  {"tun t addr 10.0.0.2 prefix 10.0.9.0/24\ntun u addr 10.0.9.5", 2, 12,
   "address 10.0.9.5 for 'u' is inside prefix 10.0.9.0/24 of tun node 't' "
   "(at bad.topo:1:28)"},
  {"tun t addr 10.0.0.2 prefix 10.0.9.0/25\n"
   "tun u addr 10.0.0.3 prefix 10.0.9.0/24", 2, 28,
   "prefix 10.0.9.0/24 of tun node 'u' overlaps prefix 10.0.9.0/25 of tun "
   "node 't' (at bad.topo:1:28)"},
  {"tun t addr 10.0.0.2 prefix 10.0.9.0/24\n"
   "tun u addr 10.0.0.3 prefix 10.0.9.64/26", 2, 28,
   "prefix 10.0.9.64/26 of tun node 'u' overlaps prefix 10.0.9.0/24 of tun "
   "node 't' (at bad.topo:1:28)"},
  {"tun t addr 10.0.0.2 prefix 10.255.0.0/30\npool 10.255.0.0/30\nhost a",
   3, 6, "auto address pool 10.255.0.0/30 is exhausted at 'a' (2 addresses; "
   "set a larger one with 'pool' or give the group a prefix)"},
  /* names */
  {"host a\nrouter a", 2, 8,
   "duplicate name 'a' (already declared at bad.topo:1:6)"},
  {"host c2\nhosts c[1-3]", 2, 7,
   "duplicate name 'c2' (already declared at bad.topo:1:6)"},
  {"hosts c[1-3]\nhost c", 2, 6,
   "duplicate name 'c' (already declared at bad.topo:1:7)"},
  {"host 9lives", 1, 6,
   "bad name '9lives' (a name starts with a letter or '_' and continues "
   "with letters, digits, '_' or '-')"},
  {"host c[1-3]", 1, 6,
   "'c[1-3]' looks like a group; declare groups with 'hosts'"},
  {"host "
   "a1234567890123456789012345678901234567890123456789012345678901234",
   1, 6,
   "name 'a1234567890123456789012345678901234567890123456789012345678901234'"
   " is too long (at most 63 characters)"},
  /* addresses and prefixes */
  {"host a addr 10.0.0.1\nhost b addr 10.0.0.1", 2, 13,
   "duplicate address 10.0.0.1 for 'b' (already given to 'a' at "
   "bad.topo:1:6)"},
  {"host a addr 10.0.0.2\nhosts c[1-3] prefix 10.0.0.0/24", 2, 21,
   "duplicate address 10.0.0.2 for 'c2' (already given to 'a' at "
   "bad.topo:1:6)"},
  {"host a addr 10.0.0.256", 1, 13,
   "bad address '10.0.0.256' (expected A.B.C.D, each part 0-255)"},
  {"host a addr 10.0.0", 1, 13,
   "bad address '10.0.0' (expected A.B.C.D, each part 0-255)"},
  {"host a addr 0.0.0.0", 1, 13, "address 0.0.0.0 cannot be given to a node"},
  {"hosts c[1-10] prefix 10.0.0.0/33", 1, 22,
   "bad prefix '10.0.0.0/33' (expected A.B.C.D/LEN with LEN 0-32)"},
  {"hosts c[1-10] prefix 10.0.0.1/24", 1, 22,
   "prefix '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)"},
  {"hosts c[1-1000] prefix 10.0.0.0/24", 1, 24,
   "prefix 10.0.0.0/24 is too small for group 'c[1-1000]': 254 usable "
   "addresses for 1000 members"},
  {"hosts c[1-3] prefix 10.0.0.0/30", 1, 21,
   "prefix 10.0.0.0/30 is too small for group 'c[1-3]': 2 usable addresses "
   "for 3 members"},
  {"hosts c[1-1] prefix 0.0.0.0/32", 1, 21,
   "prefix 0.0.0.0/32 is too small for group 'c[1-1]': 0 usable addresses "
   "for 1 members"},
  {"pool 0.0.0.0/32\nhost a", 2, 6,
   "auto address pool 0.0.0.0/32 is exhausted at 'a' (0 addresses; set a "
   "larger one with 'pool' or give the group a prefix)"},
  {"pool 10.9.0.0/30\nhost a\nhost b\nhost c", 4, 6,
   "auto address pool 10.9.0.0/30 is exhausted at 'c' (2 addresses; set a "
   "larger one with 'pool' or give the group a prefix)"},
  {"pool 10.0.0.0/8\npool 10.0.0.0/8", 2, 1,
   "duplicate pool (already set at bad.topo:1:1)"},
  /* groups and ranges */
  {"hosts c[10-1]", 1, 7, "range reversed in 'c[10-1]': 10 is greater than 1"},
  {"hosts c", 1, 7, "missing range in group 'c' (write c[1-N])"},
  {"hosts c[*]", 1, 7,
   "a group declaration needs explicit bounds, e.g. c[1-100]"},
  {"hosts c[1-3", 1, 7,
   "bad range 'c[1-3' (expected NAME[FIRST-LAST], e.g. client[1-100])"},
  {"hosts c1[1-3]", 1, 7,
   "group name 'c1' ends with a digit, which would make member names "
   "ambiguous"},
  {"hosts c[1-20000000]", 1, 7,
   "group 'c[1-20000000]' is too large (at most 16777216 members)"},
  {"hosts c[1-3]\nhost x\nlink c[0-2] x", 3, 6,
   "range 'c[0-2]' is outside group c[1-3]"},
  {"hosts c[1-3]\nhost x\nlink c[3-1] x", 3, 6,
   "range reversed in 'c[3-1]': 3 is greater than 1"},
  {"hosts c[1-3]\nhost x\nlink c[a] x", 3, 6,
   "bad range 'c[a]' (expected [*], [N] or [FIRST-LAST])"},
  {"hosts c[1-3]\nhost x\nlink c x", 3, 6,
   "'c' is a group; write c[*] for all its members or c[N] for one"},
  {"host x\nlink x[*] x", 2, 6, "'x' is a node, not a group"},
  {"host x\nlink y[*] x", 2, 6, "unknown group 'y'"},
  /* links */
  {"host x\nlink x y", 2, 8, "unknown node 'y'"},
  {"host a\nlink a", 2, 1, "link needs two ends: link A B [attributes]"},
  {"host a\nlink a a", 2, 8, "link from 'a' to itself"},
  {"hosts c[1-3]\nlink c[*] c2", 2, 11, "link from 'c2' to itself"},
  {"hosts c[1-3]\nhosts s[1-2]\nlink c[*] s[*]", 3, 11,
   "group size mismatch: 'c[*]' has 3 members, 's[*]' has 2 (pairwise links "
   "need equal sizes; add 'blocks' to split the larger end)"},
  {"hosts a[1-5]\nrouters r[1-2]\nlink a[*] r[*] blocks", 3, 11,
   "'blocks' needs one end's size to be a multiple of the other's: 'a[*]' "
   "has 5 members, 'r[*]' has 2"},
  /* attributes and values */
  {AB "link a b rat 10Mbps", 3, 10,
   "unknown link attribute 'rat' (did you mean 'rate'?)"},
  {AB "link a b colour red", 3, 10,
   "unknown link attribute 'colour' (expected rate, delay, queue, loss, "
   "burst, dup, hold, down, up, blocks, or a direction prefix a>b: or b>a:)"},
  {AB "link a b rate", 3, 10, "missing value after 'rate'"},
  {AB "link a b rate 100mbps", 3, 15,
   "unknown unit 'mbps' in rate (use bps, kbps, Mbps, Gbps)"},
  {AB "link a b rate fast", 3, 15, "bad number 'fast' in rate"},
  {AB "link a b rate 100", 3, 15,
   "missing unit in rate '100' (use bps, kbps, Mbps, Gbps)"},
  {AB "link a b rate 0bps", 3, 15,
   "rate '0bps' is zero (write 'unlimited' for no serialisation delay)"},
  {AB "link a b rate 0.5bps", 3, 15,
   "rate '0.5bps' is not a whole number of bits per second"},
  {AB "link a b delay -5ms", 3, 16, "negative time '-5ms' in delay"},
  {AB "link a b delay 5 ms", 3, 16,
   "missing unit in delay '5' (use ns, us, ms, s)"},
  {AB "link a b delay 5sec", 3, 16,
   "unknown unit 'sec' in delay (use ns, us, ms, s)"},
  {AB "link a b delay 1.5ns", 3, 16,
   "delay '1.5ns' is not a whole number of nanoseconds"},
  {AB "link a b delay 9223372036854775808ns", 3, 16,
   "delay '9223372036854775808ns' is out of range"},
  {AB "link a b delay 1.2.3ms", 3, 16, "bad number '1.2.3ms' in delay"},
  {AB "link a b delay 1ms loss 150%", 3, 25,
   "probability out of range in loss: '150%' (use 0% to 100% or 0 to 1)"},
  {AB "link a b loss 1.5", 3, 15,
   "probability out of range in loss: '1.5' (use 0% to 100% or 0 to 1)"},
  {AB "link a b dup -1%", 3, 14,
   "probability out of range in dup: '-1%' (use 0% to 100% or 0 to 1)"},
  {AB "link a b loss 1%%", 3, 15,
   "unknown unit '%%' in loss (use % or a plain number between 0 and 1)"},
  {AB "link a b queue 1.5", 3, 16,
   "bad number '1.5' in queue (expected a whole number of packets, e.g. 100 "
   "or 100pkts)"},
  {AB "link a b queue 10packets", 3, 16,
   "unknown unit 'packets' in queue (use pkts or no unit)"},
  {AB "link a b queue 4294967296", 3, 16,
   "queue '4294967296' is out of range"},
  {AB "link a b burst gb=1% bg=30% foo=3", 3, 29,
   "unknown burst parameter 'foo' (use gb, bg, good, bad)"},
  {AB "link a b burst gb=1%", 3, 10, "burst needs both gb= and bg="},
  {AB "link a b burst gb=1% bg=", 3, 22, "missing value after 'bg='"},
  {AB "link a b burst gb=1% gb=2% bg=1%", 3, 22,
   "burst parameter 'gb' given twice"},
  {AB "link a b burst gb=1% bg=200%", 3, 25,
   "probability out of range in burst bg: '200%' (use 0% to 100% or 0 to 1)"},
  {AB "link a b burst rate 1Mbps", 3, 10,
   "missing values after 'burst' (e.g. burst gb=1% bg=30%)"},
  {AB "link a b hold 1% uniform 10ms 5ms", 3, 31,
   "hold range reversed: maximum '5ms' is less than minimum '10ms'"},
  {AB "link a b hold 1% uniform 10ms", 3, 18,
   "uniform needs two times: uniform MIN MAX"},
  {AB "link a b hold 1% weird 10ms", 3, 18,
   "unknown hold distribution 'weird' (use uniform, exp or const)"},
  {AB "link a b hold 1%", 3, 15,
   "missing distribution after 'hold 1%' (use uniform MIN MAX, exp MEAN "
   "[max MAX] or const T)"},
  {AB "link a b hold 1% exp 10ms max 5ms", 3, 31,
   "hold maximum '5ms' is less than the mean '10ms'"},
  {AB "link a b hold 1% const -1s", 3, 24,
   "negative time '-1s' in hold time"},
  {AB "link a b down at 5s up at 3s", 3, 27,
   "link events must be in increasing time order: '3s' is not after the "
   "previous one"},
  {AB "link a b up 5s", 3, 10, "expected 'at' after 'up' (e.g. up at 5s)"},
  {AB "link a b down at", 3, 15, "missing value after 'at'"},
  {AB "link a b a>b:down at 5s", 3, 14,
   "'down' applies to the whole link and takes no direction prefix"},
  {AB "link a b b>a:", 3, 10, "missing attribute after 'b>a:'"},
  {AB "link a b b>a:speed 1", 3, 14,
   "unknown link attribute 'speed' (expected rate, delay, queue, loss, "
   "burst, dup, hold, down, up, blocks, or a direction prefix a>b: or b>a:)"},
  /* defaults */
  {"defaults link down at 5s", 1, 15,
   "'down' cannot be a default; write it on the link"},
  {"defaults router", 1, 10,
   "unknown defaults kind 'router' (write 'defaults link ATTRIBUTES')"},
  {"defaults", 1, 1,
   "missing kind after 'defaults' (write 'defaults link ATTRIBUTES')"},
  {"defaults link", 1, 10, "'defaults link' needs at least one attribute"},
  /* default routes */
  {"router r\nhost a\ndefault r via a", 3, 15,
   "no link between 'r' and 'a' for the default route"},
  {"router r\nrouter r2\nlink r r2\ndefault r via r2\ndefault r via r2", 5, 1,
   "router 'r' already has a default route (at bad.topo:4:1)"},
  {"host h\nrouter r\ndefault h via r", 3, 9,
   "'h' is a host; only routers have default routes"},
  {"router r\nhost a\ndefault r a", 3, 11,
   "expected 'via' after the router (write 'default ROUTER via NODE')"},
  {"router r\ndefault r via r", 2, 15, "default route of 'r' via itself"},
  {"routers r[1-2]\nhost a\ndefault r[*] via a", 3, 9,
   "'r[*]' names 2 nodes; a default route needs one"},
  /* lexical */
  {"host \"abc", 1, 6, "unterminated string (missing closing '\"')"},
  {"host a\x01", 1, 7, "unexpected control character 0x01"},
  {"include nope.topo", 1, 9,
   "include needs a quoted file name: include \"nope.topo\""},
  {"include \"nope.topo\"", 1, 9, "include file 'nope.topo' not found"},
  {"include \"\"", 1, 9, "empty file name in include"},
  {"include \"a\" \"b\"", 1, 13,
   "unexpected '\"b\"' at end of include statement"},
};

static void check_error(const char *name, const char *text, int rc_want,
                        const char *file, int line, int col, const char *msg)
{
  struct topo *t = (struct topo *)&t; /* must be reset to NULL */
  struct topo_error e;
  int rc;

  memset(&e, 0x5a, sizeof e);
  rc = topo_parse_string(name, text, &t, &e);
  if (rc != rc_want)
    fail_msg("input <<%s>>: rc %d, want %d", text, rc, rc_want);
  assert_null(t);
  if (strcmp(e.msg, msg) != 0 || e.line != line || e.col != col ||
      strcmp(e.file, file) != 0)
    fail_msg("input <<%s>>:\n got  %s:%d:%d: %s\n want %s:%d:%d: %s", text,
             e.file, e.line, e.col, e.msg, file, line, col, msg);
}

static void test_bad_inputs_table(void **state)
{
  size_t n = sizeof bad_inputs / sizeof bad_inputs[0];

  (void)state;
  assert_true(n >= 25);
  for (size_t i = 0; i < n; i++)
    check_error("bad.topo", bad_inputs[i].text, TOPO_ESYNTAX, "bad.topo",
                bad_inputs[i].line, bad_inputs[i].col, bad_inputs[i].msg);
}

static void test_formatted_error(void **state)
{
  struct topo *t;
  struct topo_error e;
  char buf[256];
  int n;

  (void)state;
  assert_int_equal(topo_parse_string("bad.topo", AB "link a b rate 100mbps",
                                     &t, &e),
                   TOPO_ESYNTAX);
  n = topo_format_error(&e, buf, sizeof buf);
  assert_string_equal(buf, "bad.topo:3:15: unknown unit 'mbps' in rate (use "
                           "bps, kbps, Mbps, Gbps)");
  assert_int_equal(n, (int)strlen(buf));
}

static void test_line_too_long(void **state)
{
  size_t len = 5000;
  char *text = malloc(len + 16);
  struct topo *t;
  struct topo_error e;

  (void)state;
  assert_non_null(text);
  strcpy(text, "host a\n# ");
  memset(text + 9, 'x', len);
  text[9 + len] = '\0';
  assert_int_equal(topo_parse_string("long.topo", text, &t, &e), TOPO_ESYNTAX);
  assert_int_equal(e.line, 2);
  assert_int_equal(e.col, 4097);
  assert_string_equal(e.msg, "line too long (more than 4096 characters)");

  /* The most tokens a line can hold: a word and an empty string in turn,
   * three tokens for every four bytes. */
  for (size_t i = 0; i < 4096; i++)
    text[i] = "a\"\""[i % 3];
  text[4096] = '\0';
  assert_int_equal(topo_parse_string("many.topo", text, &t, &e), TOPO_ESYNTAX);
  assert_string_equal(e.msg, "unknown statement 'a' (expected host, hosts, "
                             "router, routers, tun, link, defaults, default, "
                             "pool or include)");
  memcpy(text, "host", 4);
  assert_int_equal(topo_parse_string("many.topo", text, &t, &e), TOPO_ESYNTAX);
  assert_int_equal(e.col, 5);

  /* Exactly 4096 characters is fine, even in a comment. */
  strcpy(text, "host a\n# ");
  memset(text + 9, 'x', len);
  text[9 + len] = '\0';
  text[7 + 4096] = '\0';
  assert_int_equal(topo_parse_string("long.topo", text, &t, &e), TOPO_OK);
  topo_free(t);
  free(text);
}

/* ---------------------------------------------------------------------- */
/* Files and includes                                                      */
/* ---------------------------------------------------------------------- */

struct tmpdir {
  char path[256];
};

static int setup_dir(void **state)
{
  struct tmpdir *d = malloc(sizeof *d);

  if (d == NULL)
    return -1;
  snprintf(d->path, sizeof d->path, "/tmp/topo_errors_XXXXXX");
  if (mkdtemp(d->path) == NULL) {
    free(d);
    return -1;
  }
  *state = d;
  return 0;
}

static int teardown_dir(void **state)
{
  struct tmpdir *d = *state;
  char cmd[512];

  /* The directory and everything in it were made by this test. */
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
  if (system(cmd) != 0)
    return -1;
  free(d);
  return 0;
}

/* Write dir/name with len bytes of text (len may cover NUL bytes). */
static const char *put(const struct tmpdir *d, const char *name,
                       const char *text, size_t len)
{
  static char path[512];
  FILE *f;

  snprintf(path, sizeof path, "%s/%s", d->path, name);
  f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
  return path;
}

static void put_s(const struct tmpdir *d, const char *name, const char *text)
{
  put(d, name, text, strlen(text));
}

static void check_file_error(const struct tmpdir *d, const char *root,
                             const char *file, int line, int col,
                             const char *msg_fmt)
{
  char path[512], want_file[512], want_msg[1024];
  struct topo *t = NULL;
  struct topo_error e;
  int rc;

  snprintf(path, sizeof path, "%s/%s", d->path, root);
  snprintf(want_file, sizeof want_file, "%s/%s", d->path, file);
  /* msg_fmt may name the directory several times with %1$s-free %s. */
  snprintf(want_msg, sizeof want_msg, msg_fmt, d->path, d->path, d->path,
           d->path);
  rc = topo_parse_file(path, &t, &e);
  assert_null(t);
  if (rc != TOPO_ESYNTAX || strcmp(e.file, want_file) != 0 ||
      e.line != line || e.col != col || strcmp(e.msg, want_msg) != 0)
    fail_msg("root %s: rc %d\n got  %s:%d:%d: %s\n want %s:%d:%d: %s", root,
             rc, e.file, e.line, e.col, e.msg, want_file, line, col,
             want_msg);
}

static void test_include_not_found(void **state)
{
  struct tmpdir *d = *state;

  put_s(d, "a.topo", "host x\n  include \"missing.topo\"\n");
  check_file_error(d, "a.topo", "a.topo", 2, 11,
                   "include file '%s/missing.topo' not found");
}

static void test_include_cycle(void **state)
{
  struct tmpdir *d = *state;

  put_s(d, "a.topo", "host x\ninclude \"b.topo\"\n");
  put_s(d, "b.topo", "# b\ninclude \"a.topo\"\n");
  check_file_error(d, "a.topo", "b.topo", 2, 9,
                   "include cycle: %s/a.topo -> %s/b.topo -> %s/a.topo");
  put_s(d, "self.topo", "include \"self.topo\"\n");
  check_file_error(d, "self.topo", "self.topo", 1, 9,
                   "include cycle: %s/self.topo -> %s/self.topo");
}

static void test_include_depth(void **state)
{
  struct tmpdir *d = *state;
  char name[32], text[64], path[512];
  struct topo *t;
  struct topo_error e;

  /* d0 includes d1 ... d15 includes d16: 16 levels, allowed. */
  for (int i = 0; i <= 16; i++) {
    snprintf(name, sizeof name, "d%d.topo", i);
    if (i < 16)
      snprintf(text, sizeof text, "host h%d\ninclude \"d%d.topo\"\n", i,
               i + 1);
    else
      snprintf(text, sizeof text, "host h%d\n", i);
    put_s(d, name, text);
  }
  snprintf(path, sizeof path, "%s/d0.topo", d->path);
  assert_int_equal(topo_parse_file(path, &t, &e), TOPO_OK);
  assert_int_equal(topo_node_count(t), 17);
  topo_free(t);
  /* One more level is refused where the 17th include is written. */
  put_s(d, "d16.topo", "host h16\ninclude \"d17.topo\"\n");
  put_s(d, "d17.topo", "host h17\n");
  check_file_error(d, "d0.topo", "d16.topo", 2, 9,
                   "includes nested more than 16 deep");
}

static void test_error_inside_include(void **state)
{
  struct tmpdir *d = *state;

  put_s(d, "top.topo", "host a\ninclude \"sub.topo\"\nhost b\n");
  put_s(d, "sub.topo", "host c\nbogus\n");
  check_file_error(d, "top.topo", "sub.topo", 2, 1,
                   "unknown statement 'bogus' (expected host, hosts, router, "
                   "routers, tun, link, defaults, default, pool or include)");
  put_s(d, "sub.topo", "host a\n");
  check_file_error(d, "top.topo", "sub.topo", 1, 6,
                   "duplicate name 'a' (already declared at %s/top.topo:1:6)");
}

static void test_include_relative_and_dir(void **state)
{
  struct tmpdir *d = *state;
  char path[512];
  struct topo *t;
  struct topo_error e;

  /* sub/x.topo's include "y.topo" means sub/y.topo. */
  snprintf(path, sizeof path, "%s/sub", d->path);
  assert_int_equal(mkdir(path, 0700), 0);
  put_s(d, "main.topo", "include \"sub/x.topo\"\nlink a b\n");
  put_s(d, "sub/x.topo", "host a\ninclude \"y.topo\"\n");
  put_s(d, "sub/y.topo", "host b\n");
  snprintf(path, sizeof path, "%s/main.topo", d->path);
  assert_int_equal(topo_parse_file(path, &t, &e), TOPO_OK);
  assert_int_equal(topo_link_count(t), 1);
  topo_free(t);

  /* A string topology includes relative to its name's directory. */
  snprintf(path, sizeof path, "%s/virtual.topo", d->path);
  assert_int_equal(topo_parse_string(path, "include \"sub/y.topo\"\n", &t, &e),
                   TOPO_OK);
  assert_int_equal(topo_node_count(t), 1);
  topo_free(t);

  put_s(d, "dir.topo", "include \"sub\"\n");
  check_file_error(d, "dir.topo", "dir.topo", 1, 9,
                   "cannot read include file '%s/sub': Is a directory");
}

static void test_nul_byte_in_file(void **state)
{
  struct tmpdir *d = *state;

  put(d, "nul.topo", "host a\nhost \0b\n", 15);
  check_file_error(d, "nul.topo", "nul.topo", 2, 6,
                   "unexpected control character 0x00");
}

int main(void)
{
  const struct CMUnitTest table[] = {
    cmocka_unit_test(test_bad_inputs_table),
    cmocka_unit_test(test_formatted_error),
    cmocka_unit_test(test_line_too_long),
  };
  const struct CMUnitTest files[] = {
    cmocka_unit_test_setup_teardown(test_include_not_found, setup_dir,
                                    teardown_dir),
    cmocka_unit_test_setup_teardown(test_include_cycle, setup_dir,
                                    teardown_dir),
    cmocka_unit_test_setup_teardown(test_include_depth, setup_dir,
                                    teardown_dir),
    cmocka_unit_test_setup_teardown(test_error_inside_include, setup_dir,
                                    teardown_dir),
    cmocka_unit_test_setup_teardown(test_include_relative_and_dir, setup_dir,
                                    teardown_dir),
    cmocka_unit_test_setup_teardown(test_nul_byte_in_file, setup_dir,
                                    teardown_dir),
  };
  int failed = cmocka_run_group_tests_name("error table", table, NULL, NULL);

  failed += cmocka_run_group_tests_name("include files", files, NULL, NULL);
  return failed;
}
