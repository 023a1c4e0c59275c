/*
 * topo_lex.c - the lexer and the value readers of the topology language.
 *
 * A line is cut into words (runs of non-blank characters) and quoted
 * strings; `#` outside a string starts a comment. Values (addresses,
 * prefixes, rates, times, probabilities, counts) are then read from single
 * words with exact decimal arithmetic: "1.5ms" is 1500000 ns exactly and a
 * value that is not a whole number of the base unit is an error rather
 * than something silently rounded, so that two spellings of one value
 * always resolve to the same integer (and the same topology digest).
 *
 * Every error is reported at the first column of the offending token; the
 * exact messages are part of the tests (tests/topologies/test_errors.c).
 * Structures are described in topologies/topo_int.h.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topologies/topo_int.h"

/* ====================================================================== */
/* Private helpers                                                         */
/* ====================================================================== */

/* Report at token tk; the format receives the arguments after it. */
static void tok_err(const struct topo__where *wh, const struct topo__tok *tk,
                    const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;

static void tok_err(const struct topo__where *wh, const struct topo__tok *tk,
                    const char *fmt, ...)
{
  char msg[sizeof(((struct topo_error *)0)->msg)];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  topo__seterr(wh->err, wh->file, wh->line, tk->col, "%s", msg);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * A decimal number at the start of a word: '-'? DIGITS ('.' DIGITS)?,
 * followed by a unit that starts with a letter or '%' (or nothing).
 * mant holds all the digits as one integer and frac how many of them
 * follow the point, so the value is mant / 10^frac exactly.
 */
struct dec {
  bool neg;
  bool big;           /* more significant digits than a uint64_t holds */
  uint64_t mant;
  int frac;
  const char *num;    /* the number's characters (sign included) */
  size_t num_len;
  const char *unit;   /* what follows the number */
  size_t unit_len;
};

static bool dec_split(const char *s, size_t len, struct dec *d)
{
  size_t i = 0;
  size_t int_digits = 0;

  memset(d, 0, sizeof *d);
  d->num = s;
  if (i < len && s[i] == '-') {
    d->neg = true;
    i++;
  }
  for (; i < len && is_digit(s[i]); i++, int_digits++) {
    unsigned dg = (unsigned)(s[i] - '0');
    if (d->mant > (UINT64_MAX - dg) / 10)
      d->big = true;
    else
      d->mant = d->mant * 10 + dg;
  }
  if (int_digits == 0)
    return false;
  if (i < len && s[i] == '.') {
    i++;
    if (i >= len || !is_digit(s[i]))
      return false;
    for (; i < len && is_digit(s[i]); i++) {
      unsigned dg = (unsigned)(s[i] - '0');
      if (d->mant > (UINT64_MAX - dg) / 10)
        d->big = true;
      else
        d->mant = d->mant * 10 + dg;
      d->frac++;
    }
  }
  d->num_len = i;
  d->unit = s + i;
  d->unit_len = len - i;
  /* "1.2.3ms" or "5-3": the unit must look like a unit. */
  if (d->unit_len > 0 && !is_alpha(d->unit[0]) && d->unit[0] != '%')
    return false;
  if (d->mant == 0)
    d->neg = false; /* "-0" is zero, not a negative value */
  return true;
}

static bool unit_is(const struct dec *d, const char *u)
{
  size_t n = strlen(u);
  return d->unit_len == n && memcmp(d->unit, u, n) == 0;
}

/* mant / 10^frac * mult as an integer: 0 done, 1 not a whole number,
 * 2 overflow. Trailing zeros of mult cancel fraction digits first, which
 * keeps "1.5ms" exact without wider integers. */
static int dec_scale(const struct dec *d, uint64_t mult, uint64_t *out)
{
  uint64_t p10 = 1;
  int frac = d->frac;

  if (d->big)
    return 2;
  while (frac > 0 && mult % 10 == 0) {
    mult /= 10;
    frac--;
  }
  if (frac > 19)
    return d->mant == 0 ? (*out = 0, 0) : 1;
  for (int i = 0; i < frac; i++)
    p10 *= 10;
  if (d->mant % p10 != 0)
    return 1;
  if (mult != 0 && d->mant / p10 > UINT64_MAX / mult)
    return 2;
  *out = d->mant / p10 * mult;
  return 0;
}

/* Parse "A.B.C.D" exactly (no leading '+', no empty parts, each 0-255,
 * at most three digits each). */
static bool dotted(const char *s, size_t len, uint32_t *addr)
{
  uint32_t a = 0;
  size_t i = 0;

  for (int part = 0; part < 4; part++) {
    unsigned v = 0;
    size_t digits = 0;
    if (part > 0) {
      if (i >= len || s[i] != '.')
        return false;
      i++;
    }
    for (; i < len && is_digit(s[i]); i++) {
      if (++digits > 3)
        return false;
      v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (digits == 0 || v > 255)
      return false;
    a = (a << 8) | v;
  }
  if (i != len)
    return false;
  *addr = a;
  return true;
}

/* ====================================================================== */
/* Lexer                                                                   */
/* ====================================================================== */

int topo__lex_line(const struct topo__where *wh, const char *line, size_t len,
                   struct topo__tok *toks)
{
  int n = 0;
  size_t i = 0;

  if (len > TOPO__LINE_MAX) {
    topo__seterr(wh->err, wh->file, wh->line, TOPO__LINE_MAX + 1,
                 "line too long (more than %d characters)", TOPO__LINE_MAX);
    return -1;
  }
  while (i < len) {
    unsigned char c = (unsigned char)line[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
      i++;
      continue;
    }
    if (c == '#')
      break;
    if (c < 0x20 || c == 0x7f) {
      topo__seterr(wh->err, wh->file, wh->line, (uint32_t)i + 1,
                   "unexpected control character 0x%02x", c);
      return -1;
    }
    /* Each token consumes at least one byte and the line has at most
     * TOPO__LINE_MAX of them, so toks (TOPO__TOKS_MAX) cannot overflow. */
    assert(n < TOPO__TOKS_MAX);
    if (c == '"') {
      size_t j = i + 1;
      while (j < len && line[j] != '"')
        j++;
      if (j >= len) {
        topo__seterr(wh->err, wh->file, wh->line, (uint32_t)i + 1,
                     "unterminated string (missing closing '\"')");
        return -1;
      }
      toks[n].s = line + i + 1;
      toks[n].len = (uint32_t)(j - i - 1);
      toks[n].col = (uint32_t)i + 1;
      toks[n].quoted = true;
      n++;
      i = j + 1;
      continue;
    }
    {
      size_t j = i;
      while (j < len) {
        unsigned char d = (unsigned char)line[j];
        if (d == ' ' || d == '\t' || d == '\r' || d == '\v' || d == '\f' ||
            d == '#' || d == '"' || d < 0x20 || d == 0x7f)
          break;
        j++;
      }
      toks[n].s = line + i;
      toks[n].len = (uint32_t)(j - i);
      toks[n].col = (uint32_t)i + 1;
      toks[n].quoted = false;
      n++;
      i = j;
    }
  }
  return n;
}

bool topo__tok_is(const struct topo__tok *tk, const char *word)
{
  size_t n = strlen(word);
  return !tk->quoted && tk->len == n && memcmp(tk->s, word, n) == 0;
}

/* ====================================================================== */
/* Values                                                                  */
/* ====================================================================== */

int topo__val_addr(const struct topo__where *wh, const struct topo__tok *tk,
                   uint32_t *addr)
{
  if (tk->quoted || !dotted(tk->s, tk->len, addr)) {
    tok_err(wh, tk, "bad address '%.*s' (expected A.B.C.D, each part 0-255)",
            (int)tk->len, tk->s);
    return -1;
  }
  if (*addr == 0) {
    tok_err(wh, tk, "address 0.0.0.0 cannot be given to a node");
    return -1;
  }
  return 0;
}

int topo__val_prefix(const struct topo__where *wh, const struct topo__tok *tk,
                     uint32_t *net, int *len)
{
  const char *slash = tk->quoted ? NULL : memchr(tk->s, '/', tk->len);
  uint32_t a;
  int l = 0;
  size_t rest;

  if (slash == NULL)
    goto bad;
  rest = tk->len - (size_t)(slash - tk->s) - 1;
  if (!dotted(tk->s, (size_t)(slash - tk->s), &a) || rest == 0 || rest > 2)
    goto bad;
  for (size_t i = 0; i < rest; i++) {
    if (!is_digit(slash[1 + i]))
      goto bad;
    l = l * 10 + (slash[1 + i] - '0');
  }
  if (l > 32)
    goto bad;
  {
    uint32_t mask = l == 0 ? 0 : 0xffffffffu << (32 - l);
    if ((a & ~mask) != 0) {
      char buf[16];
      tok_err(wh, tk, "prefix '%.*s' has host bits set (did you mean %s/%d?)",
              (int)tk->len, tk->s, topo__ipv4_str(a & mask, buf), l);
      return -1;
    }
  }
  *net = a;
  *len = l;
  return 0;
bad:
  tok_err(wh, tk, "bad prefix '%.*s' (expected A.B.C.D/LEN with LEN 0-32)",
          (int)tk->len, tk->s);
  return -1;
}

int topo__val_rate(const struct topo__where *wh, const struct topo__tok *tk,
                   uint64_t *bps)
{
  static const char *const units = "use bps, kbps, Mbps, Gbps";
  struct dec d;
  uint64_t mult;
  int rc;

  if (topo__tok_is(tk, "unlimited")) {
    *bps = 0;
    return 0;
  }
  if (tk->quoted || !dec_split(tk->s, tk->len, &d)) {
    tok_err(wh, tk, "bad number '%.*s' in rate", (int)tk->len, tk->s);
    return -1;
  }
  if (d.unit_len == 0) {
    tok_err(wh, tk, "missing unit in rate '%.*s' (%s)", (int)tk->len, tk->s,
            units);
    return -1;
  }
  if (unit_is(&d, "bps"))
    mult = 1;
  else if (unit_is(&d, "kbps"))
    mult = 1000;
  else if (unit_is(&d, "Mbps"))
    mult = 1000000;
  else if (unit_is(&d, "Gbps"))
    mult = 1000000000;
  else {
    tok_err(wh, tk, "unknown unit '%.*s' in rate (%s)", (int)d.unit_len,
            d.unit, units);
    return -1;
  }
  if (d.neg) {
    tok_err(wh, tk, "negative rate '%.*s'", (int)tk->len, tk->s);
    return -1;
  }
  rc = dec_scale(&d, mult, bps);
  if (rc == 1) {
    tok_err(wh, tk, "rate '%.*s' is not a whole number of bits per second",
            (int)tk->len, tk->s);
    return -1;
  }
  if (rc == 2) {
    tok_err(wh, tk, "rate '%.*s' is out of range", (int)tk->len, tk->s);
    return -1;
  }
  if (*bps == 0) {
    tok_err(wh, tk, "rate '%.*s' is zero (write 'unlimited' for no "
            "serialisation delay)", (int)tk->len, tk->s);
    return -1;
  }
  return 0;
}

int topo__val_time(const struct topo__where *wh, const struct topo__tok *tk,
                   const char *what, int64_t *ns)
{
  static const char *const units = "use ns, us, ms, s";
  struct dec d;
  uint64_t mult, v;
  int rc;

  if (tk->quoted || !dec_split(tk->s, tk->len, &d)) {
    tok_err(wh, tk, "bad number '%.*s' in %s", (int)tk->len, tk->s, what);
    return -1;
  }
  if (d.unit_len == 0) {
    tok_err(wh, tk, "missing unit in %s '%.*s' (%s)", what, (int)tk->len,
            tk->s, units);
    return -1;
  }
  if (unit_is(&d, "ns"))
    mult = 1;
  else if (unit_is(&d, "us"))
    mult = 1000;
  else if (unit_is(&d, "ms"))
    mult = 1000000;
  else if (unit_is(&d, "s"))
    mult = 1000000000;
  else {
    tok_err(wh, tk, "unknown unit '%.*s' in %s (%s)", (int)d.unit_len, d.unit,
            what, units);
    return -1;
  }
  if (d.neg) {
    tok_err(wh, tk, "negative time '%.*s' in %s", (int)tk->len, tk->s, what);
    return -1;
  }
  rc = dec_scale(&d, mult, &v);
  if (rc == 1) {
    tok_err(wh, tk, "%s '%.*s' is not a whole number of nanoseconds", what,
            (int)tk->len, tk->s);
    return -1;
  }
  if (rc == 2 || v > (uint64_t)INT64_MAX) {
    tok_err(wh, tk, "%s '%.*s' is out of range", what, (int)tk->len, tk->s);
    return -1;
  }
  *ns = (int64_t)v;
  return 0;
}

int topo__val_prob(const struct topo__where *wh, const struct topo__tok *tk,
                   const char *what, double *p)
{
  struct dec d;
  char buf[64];
  bool pct;
  double v;

  if (tk->quoted || !dec_split(tk->s, tk->len, &d) || d.num_len > 40) {
    tok_err(wh, tk, "bad number '%.*s' in %s", (int)tk->len, tk->s, what);
    return -1;
  }
  if (d.unit_len == 0)
    pct = false;
  else if (d.unit_len == 1 && d.unit[0] == '%')
    pct = true;
  else {
    tok_err(wh, tk, "unknown unit '%.*s' in %s (use %% or a plain number "
            "between 0 and 1)", (int)d.unit_len, d.unit, what);
    return -1;
  }
  /* strtod on the digits with the percent folded into the exponent gives
   * the double nearest to the written value, so "0.1%" and "0.001" are
   * the same probability (a division by 100 could differ in the last
   * bit). The program never calls setlocale, so '.' is the point. */
  snprintf(buf, sizeof buf, "%.*s%s", (int)d.num_len, d.num, pct ? "e-2" : "");
  v = strtod(buf, NULL);
  if (d.neg || !(v >= 0.0 && v <= 1.0)) {
    tok_err(wh, tk, "probability out of range in %s: '%.*s' (use 0%% to 100%% "
            "or 0 to 1)", what, (int)tk->len, tk->s);
    return -1;
  }
  *p = v == 0.0 ? 0.0 : v;
  return 0;
}

int topo__val_count(const struct topo__where *wh, const struct topo__tok *tk,
                    const char *what, uint32_t *n)
{
  struct dec d;
  uint64_t v;

  if (tk->quoted || !dec_split(tk->s, tk->len, &d) || d.neg || d.frac > 0) {
    tok_err(wh, tk, "bad number '%.*s' in %s (expected a whole number of "
            "packets, e.g. 100 or 100pkts)", (int)tk->len, tk->s, what);
    return -1;
  }
  if (d.unit_len != 0 && !unit_is(&d, "pkts")) {
    tok_err(wh, tk, "unknown unit '%.*s' in %s (use pkts or no unit)",
            (int)d.unit_len, d.unit, what);
    return -1;
  }
  if (dec_scale(&d, 1, &v) != 0 || v > UINT32_MAX) {
    tok_err(wh, tk, "%s '%.*s' is out of range", what, (int)tk->len, tk->s);
    return -1;
  }
  *n = (uint32_t)v;
  return 0;
}

/* ====================================================================== */
/* Suggestions                                                             */
/* ====================================================================== */

/* Levenshtein distance with adjacent transposition, on short words only:
 * the hint is a courtesy and must stay cheap on garbage input. */
static int edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
  int d[33][33];

  if (la > 32 || lb > 32)
    return 99;
  for (size_t i = 0; i <= la; i++)
    d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best)
        best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < best)
        best = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

const char *topo__suggest(const char *s, size_t len, const char *const *words)
{
  const char *best = NULL;
  int best_d = 3;

  for (size_t i = 0; words[i] != NULL; i++) {
    int dist = edit_distance(s, len, words[i], strlen(words[i]));
    /* A one-letter word is "close" to anything short: demand more. */
    if (dist < best_d && dist < (int)strlen(words[i])) {
      best = words[i];
      best_d = dist;
    }
  }
  return best;
}
