-- syn_flood_erlang.sql - measured against Erlang B, per run of
-- experiments/syn_flood_erlang.ini (runs :first to :last; with the sqlite3
-- shell, replace them or run it through tcpsim's check format).
--
-- c        the server's SYN queue (tcp.server.syn_backlog)
-- h        how long a spoofed entry is held: SYN-ACKs at 0, 1, 3, 7... s,
--          gone after n retries at (2^(n+1) - 1) s (rto_initial 1 s)
-- lambda   spoofed SYNs per second: attackers x workload.attack.rate
-- load     lambda * h, in Erlang
-- erlang_b B(c, load) by the recursion B(0) = 1,
--          B(k) = load B(k-1) / (k + load B(k-1))
-- measured share of legitimate connections whose first SYN was dropped:
--          not established within 0.5 s of the connect (a dropped SYN is
--          sent again after 1 s; an accepted one is answered in ms)
-- ci95     half-width of the 95% interval of the measured share by batch
--          means: the legitimate window cut into 20 batches, Student t
--          with 19 degrees of freedom (2.093). Batches, not single
--          connections, because the probes sample one correlated queue:
--          the share's spread comes from the attack process. (A binomial
--          standard error of n probes is the floor.)
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
  FROM runs r WHERE r.status = 'done' AND r.run_id BETWEEN :first AND :last),
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
SELECT e.run_id, e.c, round(e.load, 1) AS load,
       round(e.load / e.c, 2) AS load_per_slot,
       round(e.b, 4) AS erlang_b, m.n AS connections,
       round(m.mean, 4) AS measured,
       round(2.093 * max(sqrt(m.var / m.nb),
                         sqrt(e.b * (1 - e.b) / m.n)), 4) AS ci95
FROM erlang e JOIN m USING (run_id)
ORDER BY e.run_id;
