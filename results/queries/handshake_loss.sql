-- handshake_loss.sql - the tables of experiments/README.md, "5. Handshake
-- loss", from a database of experiments/handshake_loss.ini:
--   sqlite3 -column -header hl.db < results/queries/handshake_loss.sql
-- Both statements take the model (the probability of each
-- establishment instant and of failure, from the SYN schedule of the
-- profile and the server's SYN-ACK schedule; view hl_model below) and
-- set it beside what the runs measured. Loss p is read from the swept
-- `fault.lossy.params` ("loss 30%").

-- Shared by the statements below: temporary views (they last as long as
-- the sqlite3 session; the database is not written).
-- hl_prof: per profile, the SYNs the client sends (nsyn), when it gives
-- up (giveup, s after the connect) and how long the server keeps a
-- half-open entry (life, s).
CREATE TEMP VIEW hl_prof(profile, nsyn, giveup, life) AS VALUES
  ('linux', 11, 131, 63), ('bsd', 3, 75, 1000000);

-- hl_runs: profile and loss p of each done run of the sweep.
CREATE TEMP VIEW hl_runs(run_id, profile, p) AS
  SELECT r.run_id, r.profile,
         CAST(rtrim(substr(v.value, 6), '%') AS REAL) / 100
    FROM runs r JOIN params v
      ON v.run_id = r.run_id AND v.key = 'fault.lossy.params'
   WHERE r.status = 'done' AND r.run_id > 0;

-- hl_model: the model's probability of each establishment instant
-- (seconds after the connect, less one round trip; NULL: the connect
-- fails), per profile and loss p of the done runs.
CREATE TEMP VIEW hl_model(profile, p, instant, prob) AS
WITH RECURSIVE
-- The model. The client sends SYN k at sched.s (seconds after connect)
-- and gives up at prof.giveup. Every SYN and every SYN-ACK is lost
-- independently with probability p. A SYN that reaches the server makes a
-- half-open entry if there is none (or the last one has expired,
-- prof.life seconds after it was made), which sends a SYN-ACK at once and
-- again rtx.r seconds later (the server's timer: rto_initial doubling);
-- a SYN that finds the entry is answered with one more SYN-ACK. The
-- client is established by the first SYN-ACK that arrives. For each
-- pattern of SYNs that arrive (mask bit k: SYN k arrived) the SYN-ACK
-- instants follow; the pattern has probability (1-p)^n p^(nsyn-n), and
-- the first SYN-ACK to arrive is the one at instant t with probability
-- p^before (1 - p^c): c SYN-ACKs at t, `before` ones earlier.
sched(profile, k, s) AS (VALUES
  ('linux', 0, 0), ('linux', 1, 1), ('linux', 2, 2), ('linux', 3, 3),
  ('linux', 4, 4), ('linux', 5, 5), ('linux', 6, 7), ('linux', 7, 11),
  ('linux', 8, 19), ('linux', 9, 35), ('linux', 10, 67),
  ('bsd', 0, 0), ('bsd', 1, 6), ('bsd', 2, 30)),
prof(profile, nsyn, giveup, life) AS (SELECT * FROM hl_prof),
rtx(profile, r) AS (VALUES
  ('linux', 1), ('linux', 3), ('linux', 7), ('linux', 15), ('linux', 31),
  ('bsd', 6), ('bsd', 18), ('bsd', 42), ('bsd', 90)),
pat(profile, k, mask, n) AS (
  SELECT profile, 0, 0, 0 FROM prof
  UNION ALL
  SELECT pat.profile, pat.k + 1, pat.mask | (b.bit << pat.k), pat.n + b.bit
    FROM pat JOIN prof f ON f.profile = pat.profile
    JOIN (SELECT 0 AS bit UNION ALL SELECT 1) b
   WHERE pat.k < f.nsyn),
arrived(profile, mask, n) AS MATERIALIZED (
  SELECT pat.profile, mask, n FROM pat JOIN prof f USING (profile)
   WHERE pat.k = f.nsyn),
walk(profile, mask, n, k, t, start, isnew) AS MATERIALIZED (
  SELECT profile, mask, n, -1, NULL, NULL, 0 FROM arrived
  UNION ALL
  SELECT w.profile, w.mask, w.n, w.k + 1, s.s,
         CASE WHEN (w.mask >> (w.k + 1)) & 1 = 0 THEN w.start
              WHEN w.start IS NULL OR s.s - w.start >= f.life THEN s.s
              ELSE w.start END,
         (w.mask >> (w.k + 1)) & 1 = 1
           AND (w.start IS NULL OR s.s - w.start >= f.life)
    FROM walk w JOIN sched s ON s.profile = w.profile AND s.k = w.k + 1
    JOIN prof f ON f.profile = w.profile),
synack(profile, mask, n, t) AS MATERIALIZED (
  SELECT profile, mask, n, t FROM walk WHERE k >= 0 AND (mask >> k) & 1
  UNION ALL
  SELECT w.profile, w.mask, w.n, w.t + x.r FROM walk w
    JOIN rtx x ON x.profile = w.profile JOIN prof f ON f.profile = w.profile
   WHERE w.isnew AND x.r < f.life AND w.t + x.r < f.giveup),
at_t(profile, mask, n, t, c) AS MATERIALIZED (
  SELECT profile, mask, n, t, count(*) FROM synack GROUP BY 1, 2, 3, 4),
terms(profile, n, t, before, c, w) AS (
  SELECT profile, n, t, before, c, count(*)
    FROM (SELECT profile, mask, n, t, c,
                 coalesce(sum(c) OVER (PARTITION BY profile, mask ORDER BY t
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                   AS before FROM at_t)
   GROUP BY 1, 2, 3, 4, 5
  UNION ALL   -- t NULL: no SYN-ACK arrives, the connect fails
  SELECT a.profile, a.n, NULL, coalesce(m.total, 0), 0, count(*)
    FROM arrived a LEFT JOIN (SELECT profile, mask, sum(c) AS total
                                FROM at_t GROUP BY 1, 2) m
      ON m.profile = a.profile AND m.mask = a.mask
   GROUP BY 1, 2, 3, 4, 5)
SELECT q.profile, q.p, m.t,
       sum(m.w * pow(1 - q.p, m.n) * pow(q.p, f.nsyn - m.n + m.before)
           * CASE WHEN m.t IS NULL THEN 1 ELSE 1 - pow(q.p, m.c) END)
  FROM (SELECT DISTINCT profile, p FROM hl_runs) q
  JOIN prof f ON f.profile = q.profile
  JOIN terms m ON m.profile = q.profile
 GROUP BY 1, 2, 3;

-- Measured: each connect's instant (hl_conn), its establishment time
-- less one round trip (hl_base: the quickest establishment of the
-- profile) rounded to the second; NULL for a connect that failed.
CREATE TEMP VIEW hl_base(profile, ns) AS
  SELECT pt.profile, min(e.establish_ns) FROM hl_runs pt
    JOIN v_establishment e ON e.run_id = pt.run_id AND e.kind = 'active'
   GROUP BY 1;

CREATE TEMP VIEW hl_conn(run_id, profile, p, instant, dev_ns, base_ns) AS
  SELECT pt.run_id, pt.profile, pt.p,
         (c.established_ns - c.opened_ns - b.ns + 500000000) / 1000000000,
         abs(c.established_ns - c.opened_ns - b.ns
             - (c.established_ns - c.opened_ns - b.ns + 500000000)
               / 1000000000 * 1000000000),
         b.ns
    FROM hl_runs pt JOIN connections c ON c.run_id = pt.run_id AND c.kind = 'active'
    JOIN hl_base b ON b.profile = pt.profile;

-- Table 1: per profile and loss, the connects that failed (ETIMEDOUT)
-- with a 95% Wilson interval, the model's failure probability, the
-- textbook's (1-(1-p)^2)^(n+1) (each SYN and its one SYN-ACK as an
-- attempt), the share established by the first SYN against (1-p)^2, and
-- the median, 90th, 99th percentile and maximum establishment time of
-- the connects that succeeded (nearest rank, ms).
WITH prof AS (SELECT * FROM hl_prof),
model AS MATERIALIZED (SELECT * FROM hl_model),
conn AS MATERIALIZED (SELECT * FROM hl_conn),
est(profile, p, ms, rn, n) AS (
  SELECT profile, p, (instant * 1000000000 + base_ns + dev_ns) / 1e6,
         row_number() OVER (PARTITION BY profile, p
                            ORDER BY instant, dev_ns),
         count(*) OVER (PARTITION BY profile, p)
    FROM conn WHERE instant IS NOT NULL),
meas(profile, p, runs, n, failed, first_try) AS (
  SELECT profile, p, count(DISTINCT run_id), count(*),
         sum(instant IS NULL), sum(instant = 0)
    FROM conn GROUP BY 1, 2)
SELECT m.profile, CAST(round(100 * m.p) AS INTEGER) AS loss_pct,
       m.runs, m.n AS connects, m.failed,
       printf('%.3f', 100.0 * m.failed / m.n) AS fail_pct,
       printf('%.3f-%.3f',
         100 * (m.failed + 1.9208 - 1.96 * sqrt(1.0 * m.failed * (m.n - m.failed) / m.n + 0.9604)) / (m.n + 3.8416),
         100 * (m.failed + 1.9208 + 1.96 * sqrt(1.0 * m.failed * (m.n - m.failed) / m.n + 0.9604)) / (m.n + 3.8416))
         AS fail_ci95,
       printf('%.4f', 100 * mf.prob) AS model_fail_pct,
       printf('%.3f', 100 * pow(1 - pow(1 - m.p, 2), f.nsyn)) AS naive_pct,
       printf('%.2f', 100.0 * m.first_try / m.n) AS first_try_pct,
       printf('%.2f', 100 * pow(1 - m.p, 2)) AS model_first_pct,
       (SELECT printf('%.1f', min(ms)) FROM est e WHERE e.profile = m.profile
           AND e.p = m.p AND e.rn >= 0.5 * e.n) AS median_ms,
       (SELECT printf('%.1f', min(ms)) FROM est e WHERE e.profile = m.profile
           AND e.p = m.p AND e.rn >= 0.9 * e.n) AS p90_ms,
       (SELECT printf('%.1f', min(ms)) FROM est e WHERE e.profile = m.profile
           AND e.p = m.p AND e.rn >= 0.99 * e.n) AS p99_ms,
       (SELECT printf('%.1f', max(ms)) FROM est e WHERE e.profile = m.profile
           AND e.p = m.p) AS max_ms
  FROM meas m JOIN prof f ON f.profile = m.profile
  JOIN model mf ON mf.profile = m.profile AND mf.p = m.p
                 AND mf.instant IS NULL
 ORDER BY m.profile DESC, m.p;

-- Table 2: the distribution of establishment times: per profile, loss
-- and instant (seconds after the connect, less one round trip), the
-- share of connects established then, and the model's probability;
-- `failed` for connects that never were. Instants the model gives less
-- than 0.005% and no connect took are left out.
WITH model AS MATERIALIZED (SELECT * FROM hl_model),
conn AS MATERIALIZED (SELECT * FROM hl_conn),
cells(profile, p, instant) AS (
  SELECT profile, p, instant FROM model WHERE prob >= 0.00005
  UNION SELECT profile, p, instant FROM conn),
tot(profile, p, n) AS (SELECT profile, p, count(*) FROM conn GROUP BY 1, 2)
SELECT x.profile, CAST(round(100 * x.p) AS INTEGER) AS loss_pct,
       coalesce(CAST(x.instant AS TEXT), 'failed') AS instant_s,
       (SELECT count(*) FROM conn c WHERE c.profile = x.profile
           AND c.p = x.p AND c.instant IS x.instant) AS connects,
       printf('%.3f', 100.0 * (SELECT count(*) FROM conn c
           WHERE c.profile = x.profile AND c.p = x.p
             AND c.instant IS x.instant) / t.n) AS share_pct,
       printf('%.3f', 100 * coalesce(m.prob, 0)) AS model_pct
  FROM cells x JOIN tot t ON t.profile = x.profile AND t.p = x.p
  LEFT JOIN model m ON m.profile = x.profile AND m.p = x.p
                   AND m.instant IS x.instant
 WHERE x.p > 0
 ORDER BY x.profile DESC, x.p, x.instant IS NULL, x.instant;
