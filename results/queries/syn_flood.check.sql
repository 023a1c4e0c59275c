-- syn_flood.check.sql - expectations of experiments/syn_flood.ini
-- (tcpsim check); the measures are those of results/queries/syn_flood.sql,
-- one row per done run in the view below.

CREATE TEMP VIEW flood AS
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
  FROM runs r WHERE r.status = 'done'),
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
SELECT p.run_id, p.rate, p.defence, p.backlog, s.opened, s.established,
       s.median, s.p99, s.peak,
       (SELECT value FROM metrics m WHERE m.run_id = p.run_id
         AND name = 'tcp.syncookies_sent') AS cookies,
       (SELECT value FROM metrics m WHERE m.run_id = p.run_id
         AND name = 'tcp.syn_queue_drops') AS drops,
       10 * CAST(substr(p.rate, 1, instr(p.rate, '/') - 1) AS REAL) * 63
         AS offered
FROM p JOIN stats s USING (run_id);

-- every run is done
SELECT status = 'done' AS ok, run_id, status FROM runs
 WHERE run_id BETWEEN :first AND :last;

-- with any defence every legitimate connection opened during the flood
-- is established, at its first SYN (p99 below 1 s: no retransmission)
SELECT defence = 'none' OR (established = opened AND p99 < 1000000000) AS ok,
       run_id, defence, rate, opened, established, p99
FROM flood WHERE run_id BETWEEN :first AND :last;

-- with no defence, a flood whose offered load (lambda h) is ten times the
-- SYN queue or more keeps most legitimate connections out
SELECT defence <> 'none' OR offered < 10 * backlog OR 2 * established < opened
         AS ok,
       run_id, rate, backlog, offered, opened, established
FROM flood WHERE run_id BETWEEN :first AND :last;

-- when the SYN queue fills, with no defence it drops SYNs and with
-- cookies it drops none and sends cookies instead; the cache drops none
SELECT CASE defence
         WHEN 'none' THEN (drops > 0) = (peak >= CAST(backlog AS INTEGER))
                          AND cookies = 0
         WHEN 'cookies' THEN drops = 0 AND
                          (cookies > 0) = (peak >= CAST(backlog AS INTEGER))
         ELSE drops = 0 END AS ok,
       run_id, defence, rate, backlog, peak, drops, cookies
FROM flood WHERE run_id BETWEEN :first AND :last;

-- half-open state is bounded: the SYN queue by its size, the SYN cache
-- by its limit (15360 entries of 56 bytes)
SELECT CASE WHEN defence IN ('none', 'cookies')
            THEN peak <= CAST(backlog AS INTEGER) ELSE peak <= 15360 END AS ok,
       run_id, defence, backlog, peak
FROM flood WHERE run_id BETWEEN :first AND :last;
