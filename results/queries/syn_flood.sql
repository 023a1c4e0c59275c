-- syn_flood.sql - one row per run of experiments/syn_flood.ini: the
-- legitimate connections opened while the flood lasts (10 s to 40 s).
--
-- defence      none | cookies | cache | hybrid (syncache, syncookies)
-- ok_pct       share of them established by the end of the run
-- est_median_ms, est_p99_ms  connect to ESTABLISHED (nearest rank, over
--              those established)
-- syn_rexmit   mean SYN retransmissions per connection: the linux
--              profile sends SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35 s,
--              so with a round trip far below 1 s an establish time of
--              t s took as many retransmissions as instants <= t
-- peak_half_open  most half-open entries (SYN_RCVD) at any sample
-- half_open_kb peak x 48 bytes per SYN-queue entry, 56 per SYN-cache
--              entry (tcp/README.md, sizes); SYN cookies keep nothing
-- cookies, queue_drops, synacks   the server's tcp.syncookies_sent,
--              tcp.syn_queue_drops and tcp.synacks_sent (first,
--              retransmitted and cookie SYN-ACKs)
-- peak_accept_queue  most connections waiting to be accepted at any
--              sample (listen.accept_queue)
WITH
p AS (
  SELECT r.run_id,
    (SELECT value FROM params WHERE run_id = r.run_id
      AND key = 'workload.attack.rate') AS rate,
    (SELECT value FROM params WHERE run_id = r.run_id
      AND key = 'tcp.server.syn_backlog') AS backlog,
    CASE (SELECT value FROM params WHERE run_id = r.run_id
            AND key = 'tcp.server.syncache') || '/' ||
         (SELECT value FROM params WHERE run_id = r.run_id
            AND key = 'tcp.server.syncookies')
      WHEN 'off/off' THEN 'none' WHEN 'off/overflow' THEN 'cookies'
      WHEN 'on/off' THEN 'cache' WHEN 'on/overflow' THEN 'hybrid'
      ELSE 'other' END AS defence,
    (SELECT value FROM params WHERE run_id = r.run_id
      AND key = 'tcp.server.syncache') = 'on' AS cached
  FROM runs r WHERE r.status = 'done' AND r.run_id BETWEEN :first AND :last),
legit AS (
  SELECT run_id, established_ns - opened_ns AS est
  FROM connections
  WHERE kind = 'active' AND opened_ns >= 10000000000
    AND opened_ns < 40000000000),
ranked AS (
  SELECT run_id, est,
         row_number() OVER (PARTITION BY run_id ORDER BY est) AS k,
         count(*) OVER (PARTITION BY run_id) AS n
  FROM legit WHERE est IS NOT NULL),
stats AS (
  SELECT run_id,
    (SELECT count(*) FROM legit l WHERE l.run_id = p.run_id) AS opened,
    (SELECT count(*) FROM legit l WHERE l.run_id = p.run_id
       AND est IS NOT NULL) AS established,
    (SELECT est FROM ranked q WHERE q.run_id = p.run_id
       AND k = (n + 1) / 2) AS median,
    (SELECT est FROM ranked q WHERE q.run_id = p.run_id
       AND k = (99 * n + 99) / 100) AS p99,
    (SELECT avg((est >= 1e9) + (est >= 2e9) + (est >= 3e9) + (est >= 4e9) +
                (est >= 5e9) + (est >= 7e9) + (est >= 11e9) + (est >= 19e9) +
                (est >= 35e9))
       FROM legit l WHERE l.run_id = p.run_id AND est IS NOT NULL) AS rexmit,
    (SELECT max(count) FROM v_states_over_time v WHERE v.run_id = p.run_id
       AND state = 'SYN_RCVD') AS peak
  FROM p)
SELECT p.run_id, p.rate, p.defence, p.backlog,
       s.opened, round(100.0 * s.established / s.opened, 1) AS ok_pct,
       round(s.median / 1e6, 1) AS est_median_ms,
       round(s.p99 / 1e6, 1) AS est_p99_ms,
       round(s.rexmit, 2) AS syn_rexmit,
       s.peak AS peak_half_open,
       round(s.peak * CASE WHEN p.cached THEN 56 ELSE 48 END / 1024.0, 1)
         AS half_open_kb,
       (SELECT CAST(value AS INTEGER) FROM metrics m WHERE m.run_id = p.run_id
         AND name = 'tcp.syncookies_sent') AS cookies,
       (SELECT CAST(value AS INTEGER) FROM metrics m WHERE m.run_id = p.run_id
         AND name = 'tcp.syn_queue_drops') AS queue_drops,
       (SELECT CAST(value AS INTEGER) FROM metrics m WHERE m.run_id = p.run_id
         AND name = 'tcp.synacks_sent') AS synacks,
       (SELECT CAST(max(value) AS INTEGER) FROM samples x
         WHERE x.run_id = p.run_id AND name = 'listen.accept_queue')
         AS peak_accept_queue
FROM p JOIN stats s USING (run_id)
ORDER BY p.run_id;
