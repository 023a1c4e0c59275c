-- time_wait_last_ack.sql - the table of seed experiment 3(a), TIME_WAIT
-- and the lost last ACK (experiments/README.md, "Seed experiments",
-- section 3), on runs of experiments/time_wait_last_ack.ini:
--
--   sqlite3 -header -column tw.db < results/queries/time_wait_last_ack.sql
--
-- twl_runs, shared by the three queries below (a temporary view: it
-- lasts as long as the sqlite3 session): each done run's ISN generator,
-- TIME_WAIT length and the loss p (in percent) of the ACKs sent in
-- TIME_WAIT.
CREATE TEMP VIEW twl_runs AS
  SELECT r.run_id,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.isn') AS isn,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.time_wait') AS tw,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.fault_tw_ack_loss') AS p
    FROM runs r WHERE r.status = 'done';

-- Per point (TIME_WAIT length, probability p that an ACK sent in
-- TIME_WAIT is lost), over its replications: the server's connections
-- that reached LAST_ACK (the passive closes), how they ended (clean,
-- ECONNRESET, ETIMEDOUT, still open at the end) and the share that did
-- not end cleanly; the ACKs the fault dropped; the segments of an old
-- incarnation of the pair that a new incarnation accepted (metric
-- segs.stale_accepted) and those carrying data; the client's
-- connections (incarnations) and those hung: still ESTABLISHED at the
-- end, established in the first half of the run (an old ACK told the
-- server its data had arrived, so neither side sends again).
WITH pt AS (SELECT * FROM twl_runs),
q AS (SELECT * FROM pt WHERE tw IS NOT NULL AND p IS NOT NULL),
la AS MATERIALIZED (
  SELECT DISTINCT run_id, conn_id FROM transitions WHERE to_state = 'LAST_ACK'),
pc AS (
  SELECT q.run_id, count(*) AS n,
         sum(c.closed_ns IS NOT NULL AND c.error IS NULL) AS clean,
         sum(c.error IS 'ECONNRESET') AS rst,
         sum(c.error IS 'ETIMEDOUT') AS timeout,
         sum(c.closed_ns IS NULL) AS open_at_end
    FROM q JOIN la ON la.run_id = q.run_id
    JOIN connections c ON c.run_id = la.run_id AND c.conn_id = la.conn_id AND c.kind = 'passive'
   GROUP BY q.run_id),
mv AS (
  SELECT q.run_id,
         (SELECT value FROM metrics m WHERE m.run_id = q.run_id AND m.name = 'tcp.fault_tw_acks_dropped') AS acks_lost,
         (SELECT value FROM metrics m WHERE m.run_id = q.run_id AND m.name = 'segs.stale_accepted') AS stale,
         (SELECT count(*) FROM connections c WHERE c.run_id = q.run_id AND c.kind = 'active'
             AND c.established_ns IS NOT NULL) AS incarnations,
         (SELECT count(*) FROM app_events a WHERE a.run_id = q.run_id AND a.what = 'stale_accepted'
             AND a.detail NOT LIKE '% len=0 %') AS stale_data,
         (SELECT count(*) FROM connections c WHERE c.run_id = q.run_id AND c.kind = 'active'
             AND c.closed_ns IS NULL AND c.final_state = 'ESTABLISHED'
             AND c.established_ns < (SELECT max(t_ns) FROM samples s WHERE s.run_id = q.run_id) / 2)
          AS hung
    FROM q)
SELECT q.isn, q.tw, q.p AS p_pct, count(*) AS runs, sum(mv.incarnations) AS incarnations,
       sum(pc.n) AS passive_closes, sum(pc.clean) AS clean, sum(pc.rst) AS rst,
       sum(pc.timeout) AS timeout, sum(pc.open_at_end) AS open_at_end,
       round(100.0 * (sum(pc.rst) + sum(pc.timeout)) / sum(pc.n), 2) AS not_clean_pct,
       CAST(sum(mv.acks_lost) AS INTEGER) AS acks_lost,
       CAST(sum(mv.stale) AS INTEGER) AS stale_accepted,
       sum(mv.stale_data) AS stale_with_data, sum(mv.hung) AS hung
  FROM q JOIN pc USING (run_id) JOIN mv USING (run_id)
 GROUP BY q.isn, q.tw, q.p
 ORDER BY q.isn DESC, CAST(rtrim(q.tw, 'ms') AS REAL), CAST(q.p AS INTEGER);

-- What ended the passive closes that did not end cleanly: the cause of
-- the server's last transition, per point.
WITH pt AS (SELECT * FROM twl_runs)
SELECT pt.isn, pt.tw, pt.p AS p_pct, t.from_state, t.cause, count(*) AS n
  FROM pt JOIN transitions t ON t.run_id = pt.run_id AND t.from_state = 'LAST_ACK'
 WHERE pt.tw IS NOT NULL AND t.cause <> 'rcv ACK of FIN'
 GROUP BY pt.isn, pt.tw, pt.p, t.from_state, t.cause
 ORDER BY pt.isn DESC, CAST(rtrim(pt.tw, 'ms') AS REAL), CAST(pt.p AS INTEGER), n DESC;

-- The stale segments by the reason the recorder gave and their flags.
WITH pt AS (SELECT * FROM twl_runs)
SELECT pt.isn, pt.tw, pt.p AS p_pct, h.name AS receiver,
       substr(a.detail, 1, instr(a.detail, ' ') - 1) AS flags,
       substr(a.detail, instr(a.detail, ': ') + 2) AS reason, count(*) AS n
  FROM pt JOIN app_events a ON a.run_id = pt.run_id AND a.what = 'stale_accepted'
  JOIN hosts h ON h.run_id = a.run_id AND h.node = a.node
 WHERE pt.tw IS NOT NULL
 GROUP BY pt.isn, pt.tw, pt.p, receiver, flags, reason
 ORDER BY pt.isn DESC, CAST(rtrim(pt.tw, 'ms') AS REAL), CAST(pt.p AS INTEGER), n DESC;
