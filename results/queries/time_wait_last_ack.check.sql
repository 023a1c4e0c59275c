-- time_wait_last_ack.check.sql: expectations of seed experiment 3(a),
-- TIME_WAIT and the lost last ACK (experiments/README.md), on runs of
-- experiments/time_wait_last_ack.ini; first, every run checked is done
SELECT status = 'done', run_id, status FROM runs
 WHERE run_id BETWEEN :first AND :last;

-- the fault drops no ACK when p = 0, and some when p > 0 (linux ISNs:
-- hundreds of closes per run)
SELECT (p.value = '0') = (m.value = 0), m.run_id, p.value, m.value
  FROM metrics m JOIN params p ON p.run_id = m.run_id AND p.key = 'tcp.fault_tw_ack_loss'
  JOIN params i ON i.run_id = m.run_id AND i.key = 'tcp.isn'
 WHERE m.name = 'tcp.fault_tw_acks_dropped' AND m.run_id BETWEEN :first AND :last
   AND (p.value = '0' OR i.value = 'rfc6528');

-- Per point: the share of the server's passive closes (connections that
-- reached LAST_ACK) that ended with a RST or a timeout.
-- Without TIME_WAIT a lost last ACK always costs the server a RST (its
-- retransmitted FIN meets no connection, or the client's next SYN meets
-- its LAST_ACK): at least 0.8 p of the closes end unclean (linux ISNs;
-- with constant ISNs the pair hangs after a few incarnations, too few
-- closes to count)
WITH pt AS (
  SELECT r.run_id,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.isn') AS isn,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.time_wait') AS tw,
         CAST((SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.fault_tw_ack_loss') AS INTEGER) AS p
    FROM runs r WHERE r.run_id BETWEEN :first AND :last),
la AS MATERIALIZED (SELECT DISTINCT run_id, conn_id FROM transitions WHERE to_state = 'LAST_ACK')
SELECT 100.0 * sum(c.error IS NOT NULL) / count(*) >= 0.8 * pt.p,
       pt.isn, pt.tw, pt.p, count(*), sum(c.error IS NOT NULL)
  FROM pt JOIN la USING (run_id)
  JOIN connections c ON c.run_id = la.run_id AND c.conn_id = la.conn_id AND c.kind = 'passive'
 WHERE pt.isn = 'rfc6528' AND pt.tw = '0'
 GROUP BY pt.isn, pt.tw, pt.p;

-- with TIME_WAIT of MSL or 2MSL, fewer than a tenth as many as without,
-- for every p > 0 (a retransmitted FIN finds TIME_WAIT and is ACKed
-- again; what remains are FINs retransmitted after TIME_WAIT has ended,
-- once the back-off has grown past it)
WITH pt AS (
  SELECT r.run_id,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.isn') AS isn,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.time_wait') AS tw,
         CAST((SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.fault_tw_ack_loss') AS INTEGER) AS p
    FROM runs r WHERE r.run_id BETWEEN :first AND :last),
la AS MATERIALIZED (SELECT DISTINCT run_id, conn_id FROM transitions WHERE to_state = 'LAST_ACK'),
sh AS (
  SELECT pt.isn, pt.tw, pt.p, 100.0 * sum(c.error IS NOT NULL) / count(*) AS pct
    FROM pt JOIN la USING (run_id)
    JOIN connections c ON c.run_id = la.run_id AND c.conn_id = la.conn_id AND c.kind = 'passive'
   WHERE pt.isn = 'rfc6528' GROUP BY pt.isn, pt.tw, pt.p)
SELECT w.pct < z.pct / 10, w.isn, w.tw, w.p, w.pct, z.pct
  FROM sh w JOIN sh z ON z.isn = w.isn AND z.p = w.p AND z.tw = '0'
 WHERE w.tw <> '0' AND w.p > 0;

-- with no ACK lost and TIME_WAIT of MSL or more, every passive close is
-- clean
WITH pt AS (
  SELECT r.run_id,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.time_wait') AS tw,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.fault_tw_ack_loss') AS p
    FROM runs r WHERE r.run_id BETWEEN :first AND :last),
la AS MATERIALIZED (SELECT DISTINCT run_id, conn_id FROM transitions WHERE to_state = 'LAST_ACK')
SELECT sum(c.error IS NOT NULL) = 0 AND count(*) > 0, pt.run_id, pt.tw, count(*), sum(c.error IS NOT NULL)
  FROM pt JOIN la USING (run_id)
  JOIN connections c ON c.run_id = la.run_id AND c.conn_id = la.conn_id AND c.kind = 'passive'
 WHERE pt.p = '0' AND pt.tw <> '0'
 GROUP BY pt.run_id;

-- old segments: with constant ISNs and no TIME_WAIT, every run accepts
-- segments of an earlier incarnation into a new one; with 2MSL none
-- (every old duplicate lives at most MSL); with the linux ISNs none at
-- all in these runs (each incarnation starts 250 000 a second further
-- on, and the parked segments fell below the new window)
WITH pt AS (
  SELECT r.run_id,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.isn') AS isn,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.time_wait') AS tw
    FROM runs r WHERE r.run_id BETWEEN :first AND :last)
SELECT CASE WHEN pt.isn = 'constant' AND pt.tw = '0' THEN m.value > 0 ELSE m.value = 0 END,
       pt.run_id, pt.isn, pt.tw, m.value
  FROM pt JOIN metrics m ON m.run_id = pt.run_id AND m.name = 'segs.stale_accepted'
 WHERE pt.isn = 'rfc6528' OR pt.tw IN ('0', '2s');

-- the three lengths and a p > 0 were run
SELECT count(DISTINCT tw.value) = 3 AND max(CAST(p.value AS INTEGER)) > 0,
       group_concat(DISTINCT tw.value)
  FROM params tw JOIN params p ON p.run_id = tw.run_id AND p.key = 'tcp.fault_tw_ack_loss'
 WHERE tw.key = 'tcp.time_wait' AND tw.run_id BETWEEN :first AND :last;
