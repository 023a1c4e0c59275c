/*
 * check.c - expectations written as SQL, checked against a results
 * database (`tcpsim check FILE --db PATH`).
 *
 * A check file is SQL: statements separated by ';', each a SELECT whose
 * rows must all be true: the first column of every row non-zero and not
 * NULL (the other columns are context, printed when the row fails). A
 * statement that returns no row fails too, so that a check cannot pass by
 * finding nothing. The comment lines ("-- ...") just before a statement
 * are its title. CREATE TEMP VIEW (or TABLE) statements are not checks:
 * they define what the checks after them share, in the connection's temp
 * schema. A line "-- uses: FILE" (FILE relative to the check file's
 * folder) runs the CREATE TEMP VIEW/TABLE statements of FILE first, and
 * nothing else of it: a check file shares the definitions of the query
 * file it checks instead of copying them. :first and :last, where a
 * statement uses them, are bound to the range of runs checked (by default
 * the lowest and highest run id in the database).
 *
 * The database is opened read-only; checks never write.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/results.h"

/* The title of the statement starting at stmt: its nearest comment
 * lines, joined. */
static void title_of(const char *from, const char *stmt, char *out,
                     size_t cap)
{
  out[0] = '\0';
  size_t used = 0;
  const char *p = from;
  while (p < stmt) {
    const char *nl = memchr(p, '\n', (size_t)(stmt - p));
    const char *end = nl ? nl : stmt;
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t'))
      q++;
    if (end - q >= 2 && q[0] == '-' && q[1] == '-') {
      q += 2;
      while (q < end && *q == ' ')
        q++;
      int n = snprintf(out + used, cap - used, "%s%.*s", used ? " " : "",
                       (int)(end - q), q);
      if (n > 0 && (size_t)n < cap - used)
        used += (size_t)n;
    } else {
      /* a blank line or code between: only the comments right above the
       * statement count */
      used = 0;
      out[0] = '\0';
    }
    p = nl ? nl + 1 : stmt;
  }
  if (!out[0])
    snprintf(out, cap, "(untitled)");
}

/* Past blanks and "--" comment lines. */
static const char *skip_blank(const char *at)
{
  for (;;) {
    if (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r') {
      at++;
    } else if (at[0] == '-' && at[1] == '-') {
      const char *nl = strchr(at, '\n');
      at = nl ? nl + 1 : at + strlen(at);
    } else {
      return at;
    }
  }
}

/* Whether the statement at s creates a temporary view or table. */
static bool is_temp_definition(const char *s)
{
  static const char *const heads[] = {"create temp view",
                                      "create temporary view",
                                      "create temp table",
                                      "create temporary table"};
  for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
    size_t n = strlen(heads[i]), k = 0;
    const char *q = s;
    /* compare case-insensitively, any run of blanks as one space */
    while (k < n && *q) {
      if (heads[i][k] == ' ') {
        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r')
          break;
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
          q++;
        k++;
      } else if ((*q | 0x20) == heads[i][k]) {
        q++;
        k++;
      } else {
        break;
      }
    }
    if (k == n)
      return true;
  }
  return false;
}

static int line_of(const char *text, const char *at)
{
  int line = 1;
  for (const char *p = text; p < at; p++)
    line += *p == '\n';
  return line;
}

char *res_read_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, len = 0, got;
  char *buf = malloc(cap);
  int e = buf ? 0 : ENOMEM;
  while (!e && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += got;
    if (cap - len < 2) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        e = ENOMEM;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  if (!e && ferror(f))
    e = errno ? errno : EIO;
  fclose(f);
  if (e) {
    free(buf);
    errno = e;
    return NULL;
  }
  buf[len] = '\0';
  return buf;
}

/* The definitions (CREATE TEMP VIEW/TABLE) of the query file `file`, named
 * by line `line` of the check file `name`; its other statements are not
 * run. */
static int run_uses(sqlite3 *h, const char *name, int line, const char *file,
                    char *err, size_t errcap)
{
  char path[1024];
  const char *slash = strrchr(name, '/');
  if (file[0] == '/' || !slash)
    snprintf(path, sizeof path, "%s", file);
  else
    snprintf(path, sizeof path, "%.*s/%s", (int)(slash - name), name, file);
  char *text = res_read_file(path);
  if (!text) {
    snprintf(err, errcap, "%s:%d: uses %s: cannot read it", name, line, path);
    return RES_EOPEN;
  }
  int rc = RES_OK, ndefs = 0;
  const char *p = text;
  while (*p) {
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(h, p, -1, &st, &tail) != SQLITE_OK) {
      snprintf(err, errcap, "%s:%d: %s", path, line_of(text, skip_blank(p)),
               sqlite3_errmsg(h));
      rc = RES_EINVAL;
      break;
    }
    if (!st)
      break;
    const char *start = skip_blank(p);
    int step = SQLITE_DONE;
    if (is_temp_definition(start)) {
      step = sqlite3_step(st);
      ndefs++;
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
      snprintf(err, errcap, "%s:%d: %s", path, line_of(text, start),
               sqlite3_errmsg(h));
      rc = RES_EDB;
      break;
    }
    p = tail;
  }
  if (rc == RES_OK && ndefs == 0) {
    snprintf(err, errcap, "%s:%d: uses %s: it defines no TEMP VIEW or TABLE",
             name, line, path);
    rc = RES_EINVAL;
  }
  free(text);
  return rc;
}

/* Every "-- uses: FILE" line of text, in order. */
static int run_all_uses(sqlite3 *h, const char *name, const char *text,
                        char *err, size_t errcap)
{
  static const char key[] = "-- uses:";
  int line = 1;
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    if (len > sizeof key - 1 && !strncmp(p, key, sizeof key - 1)) {
      const char *a = p + sizeof key - 1, *b = p + len;
      while (a < b && (*a == ' ' || *a == '\t'))
        a++;
      while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
        b--;
      char file[512];
      if (a == b || (size_t)(b - a) >= sizeof file) {
        snprintf(err, errcap, "%s:%d: '-- uses:' needs a file name", name,
                 line);
        return RES_EINVAL;
      }
      memcpy(file, a, (size_t)(b - a));
      file[b - a] = '\0';
      int rc = run_uses(h, name, line, file, err, errcap);
      if (rc != RES_OK)
        return rc;
    }
    line++;
    p = nl ? nl + 1 : p + len;
  }
  return RES_OK;
}

static int64_t scalar(sqlite3 *h, const char *sql)
{
  sqlite3_stmt *st = NULL;
  int64_t v = 0;
  if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void print_row(FILE *out, sqlite3_stmt *st)
{
  int nc = sqlite3_column_count(st);
  for (int c = 0; c < nc; c++) {
    const unsigned char *t = sqlite3_column_text(st, c);
    fprintf(out, "%s%s=%s", c ? ", " : "", sqlite3_column_name(st, c),
            t ? (const char *)t : "NULL");
  }
}

int res_check(const char *db_path, const char *name, const char *text,
              int64_t first, int64_t last, FILE *out, char *err,
              size_t errcap, int *failed)
{
  sqlite3 *h = NULL;
  *failed = 0;
  if (sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    snprintf(err, errcap, "%s: cannot open: %s", db_path,
             h ? sqlite3_errmsg(h) : "out of memory");
    sqlite3_close(h);
    return RES_EOPEN;
  }
  if (scalar(h, "PRAGMA user_version") != RES_SCHEMA_VERSION) {
    snprintf(err, errcap, "%s: not a results database of schema version %d",
             db_path, RES_SCHEMA_VERSION);
    sqlite3_close(h);
    return RES_EVERSION;
  }
  if (first <= 0)
    first = scalar(h, "SELECT min(run_id) FROM runs");
  if (last <= 0)
    last = scalar(h, "SELECT max(run_id) FROM runs");

  int rc = run_all_uses(h, name, text, err, errcap), nchecks = 0;
  const char *p = text;
  while (rc == RES_OK && *p) {
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(h, p, -1, &st, &tail) != SQLITE_OK) {
      snprintf(err, errcap, "%s:%d: %s", name, line_of(text, skip_blank(p)),
               sqlite3_errmsg(h));
      rc = RES_EINVAL;
      break;
    }
    if (!st) { /* only blanks and comments were left */
      p = tail;
      break;
    }
    const char *start = skip_blank(p); /* the comments above are its title */
    char title[512];
    title_of(p, start, title, sizeof title);
    int line = line_of(text, start);
    if (is_temp_definition(start)) {
      /* CREATE TEMP VIEW / TABLE: shared by the checks below it; lives in
       * the connection's temp schema, the database stays untouched */
      int step = sqlite3_step(st);
      sqlite3_finalize(st);
      if (step != SQLITE_DONE) {
        snprintf(err, errcap, "%s:%d: %s", name, line, sqlite3_errmsg(h));
        rc = RES_EDB;
        break;
      }
      p = tail;
      continue;
    }
    if (sqlite3_stmt_readonly(st) == 0 || sqlite3_column_count(st) < 1) {
      snprintf(err, errcap, "%s:%d: a check is a SELECT that returns rows "
               "(or a CREATE TEMP VIEW the checks share)", name, line);
      sqlite3_finalize(st);
      rc = RES_EINVAL;
      break;
    }
    int ix;
    if ((ix = sqlite3_bind_parameter_index(st, ":first")) > 0)
      sqlite3_bind_int64(st, ix, first);
    if ((ix = sqlite3_bind_parameter_index(st, ":last")) > 0)
      sqlite3_bind_int64(st, ix, last);
    nchecks++;
    int step, rows = 0, bad = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
      rows++;
      bool ok = sqlite3_column_type(st, 0) != SQLITE_NULL &&
                sqlite3_column_double(st, 0) != 0.0;
      if (!ok) {
        if (bad == 0)
          fprintf(out, "FAIL %s:%d %s\n", name, line, title);
        if (bad < 10) {
          fprintf(out, "       row %d: ", rows);
          print_row(out, st);
          fputc('\n', out);
        }
        bad++;
      }
    }
    if (step != SQLITE_DONE) {
      snprintf(err, errcap, "%s:%d: %s", name, line, sqlite3_errmsg(h));
      rc = RES_EDB;
    } else if (rows == 0) {
      fprintf(out, "FAIL %s:%d %s\n       no rows\n", name, line, title);
      ++*failed;
    } else if (bad) {
      if (bad > 10)
        fprintf(out, "       ... %d rows false in all, of %d\n", bad, rows);
      ++*failed;
    } else {
      fprintf(out, "ok   %s:%d %s (%d rows)\n", name, line, title, rows);
    }
    sqlite3_finalize(st);
    p = tail;
  }
  if (rc == RES_OK && nchecks == 0) {
    snprintf(err, errcap, "%s: no checks (SELECT statements) in the file",
             name);
    rc = RES_EINVAL;
  }
  sqlite3_close(h);
  return rc;
}
