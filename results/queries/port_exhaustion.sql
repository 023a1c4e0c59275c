-- port_exhaustion.sql - the tables of seed experiment 3(b), ephemeral port
-- exhaustion by TIME_WAIT (experiments/README.md, "Seed experiments",
-- section 3). Runs of experiments/port_exhaustion.ini, the baseline and
-- its remedies (each a `--set` of the write-up) in one database:
--
--   sqlite3 -header -column ports.db < results/queries/port_exhaustion.sql
--
-- variant: baseline (the client closes first), msl=X (shorter MSL),
-- server-close (the server closes first; tw_reuse_syn as set, on in the
-- linux profile), persistent (one connection kept open). R: ephemeral
-- ports (port_hi - port_lo + 1); tw_s: TIME_WAIT length measured (the
-- mean of the stays that ended by the 2MSL timer); crit_rate = R / tw_s.

-- pe_twn, shared by the two queries below: the TIME_WAIT count n on
-- each host (node) at each transition into or out of TIME_WAIT and at
-- each conns.TIME_WAIT sample (d NULL).
CREATE TEMP VIEW pe_twn AS
WITH tw AS MATERIALIZED (
  SELECT run_id, node, t_ns, idx, CASE WHEN to_state = 'TIME_WAIT' THEN 1 ELSE -1 END AS d
    FROM transitions WHERE (to_state = 'TIME_WAIT') <> (from_state = 'TIME_WAIT')
  UNION ALL
  SELECT s.run_id, h.node, s.t_ns, 9223372036854775807, NULL
    FROM samples s JOIN hosts h ON h.run_id = s.run_id AND h.kind = 'host'
   WHERE s.name = 'conns.TIME_WAIT')
SELECT run_id, node, t_ns, d,
       sum(coalesce(d, 0)) OVER (PARTITION BY run_id, node ORDER BY t_ns, idx
                                 ROWS UNBOUNDED PRECEDING) AS n
  FROM tw;

-- Per run: the rate, the ports, the TIME_WAIT length, the critical rate;
-- connects attempted, refused with EADDRNOTAVAIL, established, and
-- delayed by more than 500 ms (a SYN retransmitted); the largest
-- TIME_WAIT count on each end (sampled every second) against
-- min(r x TIME_WAIT, R).
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
    JOIN pv hi ON hi.run_id = r.run_id AND hi.key = 'tcp.port_hi'
   WHERE r.status = 'done'),
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
SELECT pt.run_id, pt.variant, pt.rate, pt.nports AS R, round(twx.tw_s, 2) AS tw_s,
       round(pt.nports / twx.tw_s, 3) AS crit_rate,
       ev.attempts, ev.eaddrnotavail, ev.established, slow.delayed,
       twmax.tw_client, twmax.tw_server,
       round(min(pt.rate * twx.tw_s, pt.nports), 1) AS expect_tw
  FROM pt JOIN ev USING (run_id) JOIN slow USING (run_id) JOIN twmax USING (run_id)
  LEFT JOIN twx USING (run_id)
 ORDER BY pt.variant, pt.rate, pt.run_id;

-- TIME_WAIT over time on each end: one row per run, host and sampling
-- instant (every second), for the plot (results/plots/port_exhaustion.gp).
SELECT t.run_id, h.name AS host, t.t_ns / 1e9 AS t_s, t.n AS time_wait
  FROM pe_twn t JOIN hosts h ON h.run_id = t.run_id AND h.node = t.node
 WHERE t.d IS NULL
 ORDER BY t.run_id, h.name, t.t_ns;
