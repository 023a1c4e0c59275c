-- syn_flood_erlang.check.sql - expectations of
-- experiments/syn_flood_erlang.ini, for `tcpsim check`; each point's
-- Erlang B and measured share as results/queries/syn_flood_erlang.sql
-- computes them, in the view below.

CREATE TEMP VIEW erlang_point AS
WITH RECURSIVE
p AS (
  SELECT r.run_id,
    (SELECT CAST(value AS INTEGER) FROM params
      WHERE run_id = r.run_id AND key = 'tcp.server.syn_backlog') AS c,
    (SELECT CAST(value AS INTEGER) FROM params
      WHERE run_id = r.run_id AND key = 'tcp.server.synack_retries') AS n,
    (SELECT count(*) FROM hosts
      WHERE run_id = r.run_id AND name LIKE 'attacker%') *
    (SELECT CAST(substr(value, 1, instr(value, '/') - 1) AS REAL) FROM params
      WHERE run_id = r.run_id AND key = 'workload.attack.rate') AS lambda
  FROM runs r WHERE r.status = 'done'),
a AS (SELECT run_id, c, lambda * ((1 << (n + 1)) - 1) AS load FROM p),
b(run_id, k, c, load, v) AS (
  SELECT run_id, 0, c, load, 1.0 FROM a
  UNION ALL
  SELECT run_id, k + 1, c, load, load * v / (k + 1 + load * v) FROM b
  WHERE k < c),
erlang AS (SELECT run_id, c, load, v AS b FROM b WHERE k = c),
w AS (
  SELECT run_id, min(opened_ns) AS t0, max(opened_ns) + 1 AS t1
  FROM connections WHERE kind = 'active' GROUP BY run_id),
batch AS (
  SELECT c.run_id, (c.opened_ns - w.t0) * 20 / (w.t1 - w.t0) AS k,
         count(*) AS n,
         avg(c.established_ns IS NULL OR
             c.established_ns - c.opened_ns >= 500000000) AS x
  FROM connections c JOIN w USING (run_id)
  WHERE c.kind = 'active' GROUP BY c.run_id, k),
m AS (
  SELECT run_id, sum(n) AS n, count(*) AS nb, avg(x) AS mean,
         (avg(x * x) - avg(x) * avg(x)) * count(*) / (count(*) - 1) AS var
  FROM batch GROUP BY run_id)
SELECT e.run_id, e.c, e.load, e.b, m.n, m.nb, m.mean, m.var
FROM erlang e JOIN m USING (run_id);

-- every run is done
SELECT status = 'done' AS ok, run_id, status FROM runs
 WHERE run_id BETWEEN :first AND :last;

-- the sweep covers offered loads from half the SYN queue to five times it
SELECT min(load / c) <= 0.51 AND max(load / c) >= 4.9 AS ok,
       min(load / c) AS lowest, max(load / c) AS highest
FROM erlang_point WHERE run_id BETWEEN :first AND :last;

-- every point within the 99% interval of Erlang B (t 2.861, 19 dof; the
-- standard error is the batch means' or, when larger, a binomial one's,
-- so that a share of exactly 0 at a tiny B is judged fairly)
SELECT abs(mean - b) <= 2.861 * max(sqrt(var / nb), sqrt(b * (1 - b) / n))
         AS ok,
       run_id, load, b AS erlang_b, mean AS measured, n
FROM erlang_point WHERE run_id BETWEEN :first AND :last;

-- and all points but at most one within the 95% interval (t 2.093): a
-- 95% interval misses 1 time in 20, so one miss in six is allowed
SELECT sum(abs(mean - b) <= 2.093 * max(sqrt(var / nb),
           sqrt(b * (1 - b) / n))) >= count(*) - 1 AS ok,
       count(*) AS points,
       sum(abs(mean - b) <= 2.093 * max(sqrt(var / nb),
           sqrt(b * (1 - b) / n))) AS inside
FROM erlang_point WHERE run_id BETWEEN :first AND :last;
