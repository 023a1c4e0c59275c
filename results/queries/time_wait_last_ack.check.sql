-- time_wait_last_ack.check.sql: expectations of seed experiment 3(a),
-- TIME_WAIT and the lost last ACK (experiments/README.md), on runs of
-- experiments/time_wait_last_ack.ini; first, every run checked is done
SELECT status = 'done', run_id, status FROM runs
 WHERE run_id BETWEEN :first AND :last;

-- Shared by the checks below (views take no :first/:last: each check
-- keeps the runs checked with run_id BETWEEN :first AND :last).
-- twl_runs: each run's ISN generator, TIME_WAIT length and the loss p
-- (in percent, as written) of the ACKs sent in TIME_WAIT.
CREATE TEMP VIEW twl_runs AS
  SELECT r.run_id,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.isn') AS isn,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.time_wait') AS tw,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.fault_tw_ack_loss') AS p
    FROM runs r;

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
  SELECT run_id, isn, tw, CAST(p AS INTEGER) AS p FROM twl_runs
   WHERE run_id BETWEEN :first AND :last),
la AS MATERIALIZED (SELECT DISTINCT run_id, conn_id FROM transitions WHERE to_state = 'LAST_ACK')
SELECT 100.0 * sum(c.error IS NOT NULL) / count(*) >= 0.8 * pt.p,
       pt.isn, pt.tw, pt.p, count(*), sum(c.error IS NOT NULL)
  FROM pt JOIN la USING (run_id)
  JOIN connections c ON c.run_id = la.run_id AND c.conn_id = la.conn_id AND c.kind = 'passive'
 WHERE pt.isn = 'rfc6528' AND pt.tw = '0'
 GROUP BY pt.isn, pt.tw, pt.p;

-- with TIME_WAIT T > 0, a passive close ends unclean only if every ACK
-- of the server's FIN that the client sends in TIME_WAIT is lost. The
-- server retransmits its FIN after its RTO, here at the 200 ms floor
-- (10 ms round trip), doubling: 0.2, 0.6, 1.4, 3.0 s after the first. A
-- retransmitted FIN that finds TIME_WAIT draws a new ACK and restarts
-- TIME_WAIT, so FIN j+1 finds it when the gap 0.2 x 2^j s is below T: k =
-- 3 retransmissions reach a 1 s TIME_WAIT, 4 a 2 s one, and the close is
-- unclean with probability p^(k+1) (6.25% and 3.1% at p = 50%; at most,
-- since old duplicates reaching TIME_WAIT draw more ACKs). Per point
-- (linux ISNs, runs pooled): unclean closes within a z = 3 binomial bound
-- above n p^(k+1), plus one close whose server RTO was still backed off
-- by data retransmissions (k = 0 for it), and a smaller share than
-- without TIME_WAIT at the same p. Without the restart (k = 2 at 1 s), or
-- with no ACK of a retransmitted FIN, the 1 s rows would be unclean at
-- p^3 or p.
WITH RECURSIVE
pt AS (
  SELECT run_id, isn, tw, CAST(p AS INTEGER) AS p FROM twl_runs
   WHERE run_id BETWEEN :first AND :last),
la AS MATERIALIZED (SELECT DISTINCT run_id, conn_id FROM transitions WHERE to_state = 'LAST_ACK'),
sh AS (
  SELECT pt.tw, pt.p, count(*) AS n, sum(c.error IS NOT NULL) AS bad,
         100.0 * sum(c.error IS NOT NULL) / count(*) AS pct,
         CASE WHEN pt.tw LIKE '%ms' THEN CAST(substr(pt.tw, 1, length(pt.tw) - 2) AS REAL) / 1000
              WHEN pt.tw LIKE '%s' THEN CAST(substr(pt.tw, 1, length(pt.tw) - 1) AS REAL)
              ELSE CAST(pt.tw AS REAL) END AS tw_s
    FROM pt JOIN la USING (run_id)
    JOIN connections c ON c.run_id = la.run_id AND c.conn_id = la.conn_id AND c.kind = 'passive'
   WHERE pt.isn = 'rfc6528' GROUP BY pt.tw, pt.p),
gap(tw, tw_s, g) AS (
  SELECT DISTINCT tw, tw_s, 0.2 FROM sh WHERE tw_s > 0
  UNION ALL SELECT tw, tw_s, 2 * g FROM gap WHERE 2 * g < tw_s),
kk AS (SELECT tw, sum(g < tw_s) AS k FROM gap GROUP BY tw),
pw(tw, p, i, q) AS (
  SELECT tw, p, 0, 1.0 FROM sh WHERE p > 0 AND tw_s > 0
  UNION ALL SELECT pw.tw, pw.p, pw.i + 1, pw.q * pw.p / 100.0
    FROM pw JOIN kk ON kk.tw = pw.tw WHERE pw.i < kk.k + 1),
m AS (SELECT pw.tw, pw.p, kk.k, pw.q FROM pw JOIN kk ON kk.tw = pw.tw WHERE pw.i = kk.k + 1)
SELECT (w.bad <= w.n * m.q + 1
        OR (w.bad - w.n * m.q - 1) * (w.bad - w.n * m.q - 1) <= 9 * w.n * m.q * (1 - m.q))
       AND w.pct < z.pct,
       w.tw, w.p, m.k, w.n AS closes, w.bad AS unclean, round(w.n * m.q, 2) AS model,
       round(w.pct, 2) AS pct, round(z.pct, 2) AS pct_without_tw
  FROM sh w JOIN m ON m.tw = w.tw AND m.p = w.p
  JOIN sh z ON z.p = w.p AND z.tw_s = 0;

-- with no ACK lost and TIME_WAIT of MSL or more, every passive close is
-- clean
WITH pt AS (
  SELECT run_id, tw, p FROM twl_runs
   WHERE run_id BETWEEN :first AND :last),
la AS MATERIALIZED (SELECT DISTINCT run_id, conn_id FROM transitions WHERE to_state = 'LAST_ACK')
SELECT sum(c.error IS NOT NULL) = 0 AND count(*) > 0, pt.run_id, pt.tw, count(*), sum(c.error IS NOT NULL)
  FROM pt JOIN la USING (run_id)
  JOIN connections c ON c.run_id = la.run_id AND c.conn_id = la.conn_id AND c.kind = 'passive'
 WHERE pt.p = '0' AND pt.tw <> '0'
 GROUP BY pt.run_id;

-- old segments: with constant ISNs and no TIME_WAIT, every run accepts
-- segments of an earlier incarnation into a new one; with 2MSL none
-- (every old duplicate lives at most MSL, and so does a reply to one);
-- with the linux ISNs and TIME_WAIT none either. (Not checked: constant
-- ISNs with TIME_WAIT of MSL, where a reply to an old duplicate, sent up
-- to MSL after it, can outlive a 1 s TIME_WAIT.)
WITH pt AS (
  SELECT run_id, isn, tw FROM twl_runs
   WHERE run_id BETWEEN :first AND :last)
SELECT CASE WHEN pt.isn = 'constant' AND pt.tw = '0' THEN m.value > 0 ELSE m.value = 0 END,
       pt.run_id, pt.isn, pt.tw, m.value
  FROM pt JOIN metrics m ON m.run_id = pt.run_id AND m.name = 'segs.stale_accepted'
 WHERE (pt.isn = 'rfc6528' AND pt.tw <> '0') OR (pt.isn = 'constant' AND pt.tw IN ('0', '2s'));

-- with the linux ISNs and no TIME_WAIT, old segments are rare, not
-- impossible: each incarnation starts 250 000 a second further on, at
-- least 50 000 beyond the previous one here (when the next connect
-- follows within 0.2 s), less than the 100 KB that one sent, so its late
-- segments can fall in the new window; mostly the new data has moved the
-- window past them first. Per incarnation, fewer than a tenth as many as
-- with constant ISNs (which accept some in every run).
WITH pt AS (
  SELECT run_id, isn, tw FROM twl_runs
   WHERE run_id BETWEEN :first AND :last),
per AS (
  SELECT pt.isn, total(m.value) AS stale,
         (SELECT count(*) FROM connections c JOIN pt p2 ON p2.run_id = c.run_id
           WHERE p2.isn = pt.isn AND p2.tw = '0' AND c.kind = 'active'
             AND c.established_ns IS NOT NULL) AS incarnations
    FROM pt JOIN metrics m ON m.run_id = pt.run_id AND m.name = 'segs.stale_accepted'
   WHERE pt.tw = '0' GROUP BY pt.isn)
SELECT l.stale / l.incarnations < 0.1 * k.stale / k.incarnations,
       l.stale, l.incarnations, k.stale, k.incarnations
  FROM per l JOIN per k ON l.isn = 'rfc6528' AND k.isn = 'constant';

-- the three lengths and a p > 0 were run
SELECT count(DISTINCT tw.value) = 3 AND max(CAST(p.value AS INTEGER)) > 0,
       group_concat(DISTINCT tw.value)
  FROM params tw JOIN params p ON p.run_id = tw.run_id AND p.key = 'tcp.fault_tw_ack_loss'
 WHERE tw.key = 'tcp.time_wait' AND tw.run_id BETWEEN :first AND :last;
