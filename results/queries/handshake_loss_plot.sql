-- handshake_loss_plot.sql - the data of results/plots/handshake_loss.gp
-- (experiments/README.md, "5. Handshake loss"), one row per line,
-- columns separated by spaces:
--   fail PROFILE LOSS_PCT MEASURED_PCT LO95 HI95 MODEL_PCT TEXTBOOK_PCT
--     connects that failed, its 95% Wilson interval, the model's
--     probability and the textbook's (1-(1-p)^2)^(n+1), in percent;
--   cdf PROFILE LOSS_PCT T_S MEASURED_PCT MODEL_PCT 0 0
--     share of connects established by T_S seconds after the connect
--     (each instant of the model or of a connect, plus one round trip).
-- The model is the one of handshake_loss.sql.

-- The temporary views of handshake_loss.sql (hl_prof, hl_runs, hl_model,
-- hl_base, hl_conn) are the ones used below: the file is read with its
-- own tables sent nowhere. `.read` takes a path from the current folder,
-- so this file is run from its own (results/plots/handshake_loss.gp does).
.output /dev/null
.read handshake_loss.sql
.output stdout

-- The rows: `fail` ones, then `cdf` ones.
WITH prof AS (SELECT * FROM hl_prof),
base AS (SELECT * FROM hl_base),
model AS MATERIALIZED (SELECT * FROM hl_model),
conn AS MATERIALIZED (SELECT * FROM hl_conn),
meas(profile, p, n, failed) AS (
  SELECT profile, p, count(*), sum(instant IS NULL) FROM conn GROUP BY 1, 2),
steps(profile, p, instant) AS (
  SELECT profile, p, instant FROM model WHERE instant IS NOT NULL
  UNION SELECT profile, p, instant FROM conn WHERE instant IS NOT NULL)
SELECT 'fail', m.profile, 100 * m.p, 100.0 * m.failed / m.n,
       100 * (m.failed + 1.9208 - 1.96 * sqrt(1.0 * m.failed * (m.n - m.failed) / m.n + 0.9604)) / (m.n + 3.8416),
       100 * (m.failed + 1.9208 + 1.96 * sqrt(1.0 * m.failed * (m.n - m.failed) / m.n + 0.9604)) / (m.n + 3.8416),
       100 * f.prob, 100 * pow(1 - pow(1 - m.p, 2), k.nsyn)
  FROM meas m JOIN model f ON f.profile = m.profile AND f.p = m.p
                           AND f.instant IS NULL
  JOIN prof k ON k.profile = m.profile
UNION ALL
SELECT 'cdf', s.profile, 100 * s.p, s.instant + b.ns / 1e9,
       100.0 * (SELECT count(*) FROM conn c WHERE c.profile = s.profile
                   AND c.p = s.p AND c.instant <= s.instant) / m.n,
       100 * (SELECT sum(prob) FROM model x WHERE x.profile = s.profile
                 AND x.p = s.p AND x.instant <= s.instant), 0, 0
  FROM steps s JOIN meas m ON m.profile = s.profile AND m.p = s.p
  JOIN base b ON b.profile = s.profile
 ORDER BY 1, 2, 3, 4;
