-- port_exhaustion.check.sql: expectations of seed experiment 3(b)
-- (experiments/README.md), on runs of port_exhaustion.ini and its remedies
-- in one database; first, every run checked is done
SELECT status = 'done', run_id, status FROM runs
 WHERE run_id BETWEEN :first AND :last;

-- Shared by the checks below (views take no :first/:last: each check
-- keeps the runs checked with run_id BETWEEN :first AND :last): pe_twn of
-- the query file, the TIME_WAIT count n on each host (node) at each
-- transition into or out of TIME_WAIT and at each conns.TIME_WAIT sample.
-- uses: port_exhaustion.sql

-- pe_runs: one row per run: variant, rate, ports R, TIME_WAIT length,
-- duration, connects and the largest TIME_WAIT count on each end.
CREATE TEMP VIEW pe_runs AS
WITH pv AS (
  SELECT run_id, key, value FROM params),
pt AS (
  SELECT r.run_id,
         CASE WHEN cc.value = 'keep' THEN 'persistent'
              WHEN cc.value = 'server_first' THEN 'server-close, tw_reuse_syn ' ||
                   coalesce((SELECT value FROM pv WHERE pv.run_id = r.run_id AND key = 'tcp.tw_reuse_syn'), 'on')
              WHEN msl.value <> '30s' THEN 'msl=' || msl.value
              ELSE 'baseline' END AS variant,
         CASE WHEN rate.value LIKE '%/ms' THEN CAST(substr(rate.value, 1, length(rate.value) - 3) AS REAL) * 1000
              WHEN rate.value LIKE '%/min' THEN CAST(substr(rate.value, 1, length(rate.value) - 4) AS REAL) / 60
              ELSE CAST(substr(rate.value, 1, length(rate.value) - 2) AS REAL) END AS rate,
         CAST(hi.value AS INTEGER) - CAST(lo.value AS INTEGER) + 1 AS nports,
         (SELECT max(t_ns) FROM samples s WHERE s.run_id = r.run_id) AS end_ns
    FROM runs r
    JOIN pv rate ON rate.run_id = r.run_id AND rate.key = 'workload.client.rate'
    JOIN pv cc ON cc.run_id = r.run_id AND cc.key = 'workload.client.close'
    JOIN pv msl ON msl.run_id = r.run_id AND msl.key = 'tcp.msl'
    JOIN pv lo ON lo.run_id = r.run_id AND lo.key = 'tcp.port_lo'
    JOIN pv hi ON hi.run_id = r.run_id AND hi.key = 'tcp.port_hi'),
twt AS MATERIALIZED (
  SELECT run_id, conn_id, t_ns, to_state, cause FROM transitions
   WHERE (to_state = 'TIME_WAIT') <> (from_state = 'TIME_WAIT')),
twx AS MATERIALIZED (
  SELECT e.run_id, avg(x.t_ns - e.t_ns) / 1e9 AS tw_s
    FROM twt e JOIN twt x
      ON x.run_id = e.run_id AND x.conn_id = e.conn_id AND x.to_state <> 'TIME_WAIT'
         AND x.cause = '2MSL timeout'
   WHERE e.to_state = 'TIME_WAIT' GROUP BY e.run_id),
ev AS MATERIALIZED (
  SELECT run_id, sum(what = 'connect') AS attempts,
         sum(what = 'failed' AND detail = 'EADDRNOTAVAIL') AS eaddrnotavail,
         sum(what = 'established') AS established
    FROM app_events GROUP BY run_id),
slow AS MATERIALIZED (
  SELECT run_id, sum(established_ns - opened_ns > 500000000) AS delayed
    FROM connections WHERE kind = 'active' GROUP BY run_id),
twmax AS MATERIALIZED (
  SELECT t.run_id, max(CASE WHEN h.name = 'client' THEN t.n END) AS tw_client,
         max(CASE WHEN h.name = 'server' THEN t.n END) AS tw_server
    FROM pe_twn t JOIN hosts h ON h.run_id = t.run_id AND h.node = t.node
   WHERE t.d IS NULL GROUP BY t.run_id)
SELECT pt.run_id, pt.variant, pt.rate, pt.nports, twx.tw_s, pt.end_ns / 1e9 AS dur_s,
       ev.attempts, ev.eaddrnotavail, ev.established, slow.delayed,
       twmax.tw_client, twmax.tw_server
  FROM pt JOIN ev USING (run_id) JOIN slow USING (run_id) JOIN twmax USING (run_id)
  LEFT JOIN twx USING (run_id);

-- the client closes first (baseline, shorter MSL): connects fail with
-- EADDRNOTAVAIL exactly when r x TIME_WAIT > R, never below
WITH pr AS (SELECT * FROM pe_runs WHERE run_id BETWEEN :first AND :last)
SELECT (eaddrnotavail > 0) = (rate * tw_s > nports),
       run_id, variant, rate, nports, tw_s, eaddrnotavail
  FROM pr WHERE variant = 'baseline' OR variant LIKE 'msl=%';

-- the baseline has runs on both sides of the critical rate R / TIME_WAIT
WITH pr AS (SELECT * FROM pe_runs WHERE run_id BETWEEN :first AND :last)
SELECT sum(rate * tw_s < nports) > 0 AND sum(rate * tw_s > nports) > 0,
       count(*), group_concat(rate)
  FROM pr WHERE variant = 'baseline';

-- the client closes first: connections established over the run are
-- min(r, R / TIME_WAIT) x duration, within R (the ports are the limit)
WITH pr AS (SELECT * FROM pe_runs WHERE run_id BETWEEN :first AND :last)
SELECT abs(established - min(rate, nports / tw_s) * dur_s) <= nports,
       run_id, variant, rate, established, min(rate, nports / tw_s) * dur_s
  FROM pr WHERE variant = 'baseline' OR variant LIKE 'msl=%';

-- the client closes first: its TIME_WAIT count levels off at
-- min(r x TIME_WAIT, R), within 5% plus one; the server has none
WITH pr AS (SELECT * FROM pe_runs WHERE run_id BETWEEN :first AND :last)
SELECT abs(tw_client - min(rate * tw_s, nports)) <= 0.05 * min(rate * tw_s, nports) + 1
       AND tw_server = 0,
       run_id, variant, rate, tw_client, min(rate * tw_s, nports), tw_server
  FROM pr WHERE variant = 'baseline' OR variant LIKE 'msl=%';

-- the server closes first: TIME_WAIT moves to the server (some, at most
-- min(r x TIME_WAIT, R) plus one), the client has none and no connect
-- fails
WITH pr AS (SELECT * FROM pe_runs WHERE run_id BETWEEN :first AND :last)
SELECT eaddrnotavail = 0 AND tw_client = 0 AND tw_server > 0
       AND tw_server <= min(rate * tw_s, nports) + 1,
       run_id, variant, rate, eaddrnotavail, tw_client, tw_server
  FROM pr WHERE variant LIKE 'server-close%';

-- the server closes first and reopens TIME_WAIT pairs for a new SYN
-- (tw_reuse_syn on): no connect waits for a SYN retransmission; with
-- tw_reuse_syn off some do (the SYN finds the pair in TIME_WAIT)
WITH pr AS (SELECT * FROM pe_runs WHERE run_id BETWEEN :first AND :last)
SELECT CASE WHEN variant LIKE '%tw_reuse_syn on' THEN delayed = 0 ELSE delayed > 0 END,
       run_id, variant, rate, delayed, established
  FROM pr WHERE variant LIKE 'server-close%';

-- one persistent connection: one connect, no failure, no TIME_WAIT
WITH pr AS (SELECT * FROM pe_runs WHERE run_id BETWEEN :first AND :last)
SELECT attempts = 1 AND eaddrnotavail = 0 AND established = 1 AND tw_client = 0,
       run_id, rate, attempts, eaddrnotavail, established, tw_client
  FROM pr WHERE variant = 'persistent';

-- every remedy was run at a rate where the baseline fails
-- (r x TIME_WAIT > R) and none of its connects failed
WITH pr AS (SELECT * FROM pe_runs WHERE run_id BETWEEN :first AND :last)
, b AS (SELECT min(nports / tw_s) AS crit FROM pr WHERE variant = 'baseline')
SELECT sum(pr.eaddrnotavail) = 0 AND max(pr.rate) > b.crit,
       CASE WHEN pr.variant LIKE 'msl=%' THEN 'msl' WHEN pr.variant LIKE 'server-close%' THEN 'server-close'
            ELSE pr.variant END AS remedy, max(pr.rate), b.crit, sum(pr.eaddrnotavail)
  FROM pr, b WHERE pr.variant <> 'baseline'
 GROUP BY remedy HAVING count(*) > 0
UNION ALL
SELECT count(DISTINCT CASE WHEN variant LIKE 'msl=%' THEN 'msl' WHEN variant LIKE 'server-close%' THEN 'server-close'
                           ELSE variant END) = 4, 'variants', count(*), NULL, NULL
  FROM pr;

-- the per-host TIME_WAIT counts (from transitions) add up to the
-- recorder's own conns.TIME_WAIT sample at every instant
WITH per AS MATERIALIZED (
  SELECT run_id, t_ns, sum(n) AS n FROM pe_twn
   WHERE d IS NULL AND run_id BETWEEN :first AND :last GROUP BY run_id, t_ns)
SELECT count(*) > 0 AND sum(per.n <> s.value) = 0, count(*), sum(per.n <> s.value)
  FROM per JOIN samples s ON s.run_id = per.run_id AND s.t_ns = per.t_ns AND s.name = 'conns.TIME_WAIT';
