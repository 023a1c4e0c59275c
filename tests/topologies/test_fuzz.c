/*
 * test_fuzz.c - the parser never crashes, whatever it is fed.
 *
 * Deterministic fuzzing (a fixed xorshift seed, so a failure repeats):
 * random bytes, random soups of the language's own words, every
 * truncation of the example files and random mutations of them. Each
 * input must either parse into a topology whose axioms hold (topo__check)
 * or fail with TOPO_ESYNTAX and a placed, non-empty message. The point is
 * the sanitizer build, where any out-of-bounds read, leak or undefined
 * behaviour on these paths fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "topologies/topo.h"
#include "topologies/topo_int.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
  uint64_t x = rng_state;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  rng_state = x;
  return x;
}

static size_t below(size_t n) { return n == 0 ? 0 : (size_t)(rnd() % n); }

static size_t n_ok, n_err;

/* Parse and judge one input; name decides where includes are looked up. */
static void judge(const char *name, const char *text)
{
  struct topo *t = NULL;
  struct topo_error e;
  char buf[1200];
  int rc = topo_parse_string(name, text, &t, &e);

  if (rc == TOPO_OK) {
    char d[17];
    assert_non_null(t);
    assert_true(topo__check(t));
    assert_int_equal(topo_digest(t, d), TOPO_OK);
    assert_int_equal(strlen(d), 16);
    topo_free(t);
    n_ok++;
    return;
  }
  assert_null(t);
  if (rc != TOPO_ESYNTAX)
    fail_msg("rc %d on <<%.200s>>", rc, text);
  assert_true(e.line >= 1);
  assert_true(e.col >= 1);
  assert_true(e.msg[0] != '\0');
  assert_true(topo_format_error(&e, buf, sizeof buf) > 0);
  n_err++;
}

static char *read_example(const char *name, char *path, size_t cap)
{
  FILE *f;
  long len;
  char *text;

  snprintf(path, cap, "%s/topologies/%s", TCPSIM_SOURCE_DIR, name);
  f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  len = ftell(f);
  assert_true(len > 0);
  rewind(f);
  text = malloc((size_t)len + 1);
  assert_non_null(text);
  assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
  text[len] = '\0';
  fclose(f);
  return text;
}

/* Words of the language, to get past the first token more often. */
static const char *const vocab[] = {
  "host", "hosts", "router", "routers", "link", "defaults", "default",
  "pool", "include", "addr", "prefix", "via", "rate", "delay", "queue",
  "loss", "burst", "dup", "hold", "down", "up", "at", "blocks", "uniform",
  "exp", "const", "max", "a>b:", "b>a:", "a>b:loss", "gb=1%", "bg=30%",
  "good=0", "bad=", "a", "b", "c", "r", "c[*]", "c[1-3]", "c[2]", "c[3-1]",
  "c[0-9]", "c[", "c[1-", "r[1-2]", "x[*]", "10.0.0.1", "10.0.0.0/24",
  "10.0.0.0/30", "0.0.0.0", "1.2.3.4/32", "300.1.1.1", "5ms", "1.5ms",
  "-1s", "0ns", "100Mbps", "1Gbps", "9600bps", "unlimited", "0bps", "1%",
  "0.5", "150%", "1.0", "100pkts", "7", "99999999999999999999", "\"",
  "\"common.topo\"", "\"missing.topo\"", "\"\"", "#", "link", "[", "]",
  "=", "%", "-", "*", "\t", "\r", "e", "1e3ms", ".5ms", "5.ms",
};

static const char *word(void)
{
  return vocab[below(sizeof vocab / sizeof vocab[0])];
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */
/* ---------------------------------------------------------------------- */

static void test_random_bytes(void **state)
{
  char buf[512];

  (void)state;
  for (int i = 0; i < 3000; i++) {
    size_t len = below(sizeof buf);
    for (size_t k = 0; k < len; k++) {
      /* Mostly printable, some newlines and control bytes, never NUL
       * (a C string ends there; NUL bytes are tested through files). */
      uint64_t r = rnd();
      if (r % 10 == 0)
        buf[k] = '\n';
      else if (r % 10 == 1)
        buf[k] = (char)(1 + (r >> 8) % 255);
      else
        buf[k] = (char)(32 + (r >> 8) % 95);
    }
    buf[len] = '\0';
    judge("fuzz.topo", buf);
  }
}

static void test_word_soup(void **state)
{
  char buf[2048];

  (void)state;
  for (int i = 0; i < 6000; i++) {
    size_t used = 0;
    int lines = 1 + (int)below(8);
    buf[0] = '\0';
    /* A small valid prefix makes later references resolvable. */
    if (i % 2 == 0)
      used = (size_t)snprintf(buf, sizeof buf,
                              "hosts c[1-3]\nrouter r\nhost a\nhost b\n");
    for (int l = 0; l < lines && used < sizeof buf - 100; l++) {
      int words = 1 + (int)below(9);
      for (int w = 0; w < words && used < sizeof buf - 100; w++) {
        int n = snprintf(buf + used, sizeof buf - used, "%s%s",
                         w == 0 ? "" : (rnd() % 7 == 0 ? "" : " "), word());
        used += (size_t)n;
      }
      buf[used++] = '\n';
      buf[used] = '\0';
    }
    judge("soup.topo", buf);
  }
}

static void test_truncated_examples(void **state)
{
  static const struct {
    const char *name;
    size_t stride; /* the 100k example is too slow to cut at every byte */
  } ex[] = {
    {"two-hosts.topo", 1},
    {"dumbbell.topo", 1},
    {"common.topo", 1},
    {"star-1000.topo", 1},
    {"campus-100k.topo", 97},
  };
  char path[1024];

  (void)state;
  for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
    char *text = read_example(ex[i].name, path, sizeof path);
    size_t len = strlen(text);
    for (size_t cut = 0; cut <= len; cut += ex[i].stride) {
      char saved = text[cut];
      text[cut] = '\0';
      judge(path, text);
      text[cut] = saved;
    }
    free(text);
  }
}

static void test_mutated_examples(void **state)
{
  static const struct {
    const char *name;
    int rounds;
  } ex[] = {
    {"two-hosts.topo", 600},
    {"dumbbell.topo", 600},
    {"star-1000.topo", 300},
    {"campus-100k.topo", 12},
  };
  char path[1024];

  (void)state;
  for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
    char *orig = read_example(ex[i].name, path, sizeof path);
    size_t len = strlen(orig);
    char *buf = malloc(len * 2 + 256);
    assert_non_null(buf);
    for (int round = 0; round < ex[i].rounds; round++) {
      size_t at = below(len), n;
      const char *w;
      memcpy(buf, orig, len + 1);
      switch (rnd() % 4) {
      case 0: /* flip one byte to a printable one */
        buf[at] = (char)(32 + rnd() % 95);
        break;
      case 1: /* delete a span */
        n = below(24);
        if (at + n > len)
          n = len - at;
        memmove(buf + at, buf + at + n, len - at - n + 1);
        break;
      case 2: /* insert a word of the language */
        w = word();
        n = strlen(w);
        memmove(buf + at + n + 1, buf + at, len - at + 1);
        memcpy(buf + at, w, n);
        buf[at + n] = ' ';
        break;
      default: /* a newline in the middle of a statement */
        buf[at] = '\n';
        break;
      }
      judge(path, buf);
    }
    free(buf);
    free(orig);
  }
}

static void test_bytes_through_files(void **state)
{
  char dir[] = "/tmp/topo_fuzz_XXXXXX";
  char path[256], cmd[300];
  unsigned char buf[300];

  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/f.topo", dir);
  for (int i = 0; i < 200; i++) {
    size_t len = below(sizeof buf);
    FILE *f;
    struct topo *t = NULL;
    struct topo_error e;
    int rc;
    for (size_t k = 0; k < len; k++)
      buf[k] = (unsigned char)(rnd() % 4 == 0 ? 0 : rnd());
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    rc = topo_parse_file(path, &t, &e);
    assert_true(rc == TOPO_OK || rc == TOPO_ESYNTAX);
    topo_free(t);
  }
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

static void test_report(void **state)
{
  (void)state;
  /* Both outcomes must have been exercised, or the fuzzing is blind. */
  print_message("fuzz: %zu inputs parsed, %zu rejected\n", n_ok, n_err);
  assert_true(n_ok > 100);
  assert_true(n_err > 1000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_random_bytes),
    cmocka_unit_test(test_word_soup),
    cmocka_unit_test(test_truncated_examples),
    cmocka_unit_test(test_mutated_examples),
    cmocka_unit_test(test_bytes_through_files),
    cmocka_unit_test(test_report),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
