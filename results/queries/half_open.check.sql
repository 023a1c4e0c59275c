-- half_open.check.sql: expectations of seed experiment 2 (experiments/
-- README.md), on runs of half_open_reboot.ini and half_open_keepalive.ini
-- in one database; first, every run checked is done
SELECT status = 'done', run_id, status FROM runs
 WHERE run_id BETWEEN :first AND :last;

-- (a) a send after the server's boot gets RST within 10 ms (one round
-- trip is 4 ms): ECONNRESET
WITH he AS (
  SELECT run_id, min(CASE WHEN event = 'boot' THEN t_ns END) AS boot_ns
    FROM host_events GROUP BY run_id),
snd AS MATERIALIZED (
  SELECT run_id, node, conn_id, t_ns, detail FROM app_events WHERE what = 'send')
SELECT c.error = 'ECONNRESET' AND c.closed_ns - snd.t_ns <= 10000000,
       snd.run_id, snd.detail, snd.t_ns, c.error, c.closed_ns
  FROM snd JOIN he USING (run_id)
  JOIN connections c ON c.run_id = snd.run_id AND c.node = snd.node AND c.conn_id = snd.conn_id
 WHERE snd.run_id BETWEEN :first AND :last AND snd.t_ns >= he.boot_ns;

-- (a) a send while the server is off ends in ECONNRESET at the first
-- retransmission after the boot (the RST comes within one back-off gap of
-- the boot: at most half the time since the send, plus half the first RTO
-- of at most 1 s, plus a round trip), or in ETIMEDOUT after the 15
-- retransmissions of data_retries: 16 timeouts doubling from the RTO
-- (200 ms to 1 s) up to rto_max 120 s, 924.6 s to 1207 s after the send
WITH he AS (
  SELECT run_id, min(CASE WHEN event = 'poweroff' THEN t_ns END) AS off_ns,
         min(CASE WHEN event = 'boot' THEN t_ns END) AS boot_ns
    FROM host_events GROUP BY run_id),
snd AS MATERIALIZED (
  SELECT run_id, node, conn_id, t_ns, detail FROM app_events WHERE what = 'send')
SELECT (c.error = 'ECONNRESET' AND c.closed_ns > he.boot_ns AND
        2 * (c.closed_ns - he.boot_ns) <= c.closed_ns - snd.t_ns + 1000000000 + 20000000)
    OR (c.error = 'ETIMEDOUT' AND c.closed_ns - snd.t_ns BETWEEN 924600000000 AND 1207000000000),
       snd.run_id, snd.detail, snd.t_ns, he.boot_ns, c.error, c.closed_ns
  FROM snd JOIN he USING (run_id)
  JOIN connections c ON c.run_id = snd.run_id AND c.node = snd.node AND c.conn_id = snd.conn_id
 WHERE snd.run_id BETWEEN :first AND :last AND snd.t_ns >= he.off_ns AND snd.t_ns < he.boot_ns;

-- (a) both endings occur: a short outage ends in RST, one longer than the
-- retransmissions in ETIMEDOUT
WITH he AS (
  SELECT run_id, min(CASE WHEN event = 'poweroff' THEN t_ns END) AS off_ns,
         min(CASE WHEN event = 'boot' THEN t_ns END) AS boot_ns
    FROM host_events GROUP BY run_id),
snd AS MATERIALIZED (
  SELECT run_id, node, conn_id, t_ns FROM app_events WHERE what = 'send')
SELECT sum(c.error = 'ECONNRESET') > 0 AND sum(c.error = 'ETIMEDOUT') > 0,
       sum(c.error = 'ECONNRESET'), sum(c.error = 'ETIMEDOUT')
  FROM snd JOIN he USING (run_id)
  JOIN connections c ON c.run_id = snd.run_id AND c.node = snd.node AND c.conn_id = snd.conn_id
 WHERE snd.run_id BETWEEN :first AND :last AND snd.t_ns >= he.off_ns AND snd.t_ns < he.boot_ns;

-- (a) a client that does not send after the crash never learns of it: its
-- connection is ESTABLISHED at the end of the run, and so are at least
-- 1000 per run (the idle clients); the server kept none of them
WITH ra AS (
  SELECT r.run_id FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = 'fault.reboot.delay'
   WHERE r.run_id BETWEEN :first AND :last),
he AS (
  SELECT run_id, min(CASE WHEN event = 'poweroff' THEN t_ns END) AS off_ns FROM host_events GROUP BY run_id),
late AS MATERIALIZED (
  SELECT a.run_id, a.node, a.conn_id FROM app_events a JOIN he USING (run_id)
   WHERE a.what = 'send' AND a.t_ns >= he.off_ns)
SELECT sum(c.kind = 'active' AND NOT EXISTS (SELECT 1 FROM late l WHERE l.run_id = c.run_id AND l.node = c.node AND l.conn_id = c.conn_id)
           AND NOT (c.closed_ns IS NULL AND c.final_state = 'ESTABLISHED')) = 0
       AND sum(c.kind = 'active' AND c.closed_ns IS NULL) >= 1000
       AND sum(c.kind = 'passive' AND c.closed_ns IS NULL) = 0,
       ra.run_id, sum(c.kind = 'active' AND c.closed_ns IS NULL), sum(c.kind = 'passive' AND c.closed_ns IS NULL)
  FROM ra JOIN connections c ON c.run_id = ra.run_id
 GROUP BY ra.run_id;

-- (b) the clients power off: every client end of a part (b) run is
-- closed at the power-off instant (ECONNABORTED), none is left open (a
-- client host without its crash keeps its connections and answers the
-- server's probes)
WITH rb AS (
  SELECT r.run_id,
         (SELECT min(t_ns) FROM host_events h WHERE h.run_id = r.run_id AND h.event = 'poweroff') AS off_ns
    FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = 'workload.web.keepalive'
   WHERE r.run_id BETWEEN :first AND :last)
SELECT count(*) >= 1 AND sum(c.closed_ns = rb.off_ns AND c.error = 'ECONNABORTED') = count(*),
       rb.run_id, rb.off_ns, count(*), sum(c.closed_ns = rb.off_ns), sum(c.closed_ns IS NULL)
  FROM rb JOIN connections c ON c.run_id = rb.run_id AND c.kind = 'active'
 GROUP BY rb.run_id;

-- (b) keepalive on the server: every server end of a client connection
-- ends in ETIMEDOUT, idle + interval x count after the last segment the
-- server received on it, within one interval, after `count` probes;
-- keepalive off: every one is still ESTABLISHED at the end and no probe
-- was sent. Either way nothing arrived after the power-off.
WITH pv AS (
  SELECT run_id, key, value,
         CASE WHEN value LIKE '%ms' THEN CAST(substr(value, 1, length(value) - 2) AS REAL) / 1e3
              WHEN value LIKE '%us' THEN CAST(substr(value, 1, length(value) - 2) AS REAL) / 1e6
              WHEN value LIKE '%ns' THEN CAST(substr(value, 1, length(value) - 2) AS REAL) / 1e9
              WHEN value LIKE '%min' THEN CAST(substr(value, 1, length(value) - 3) AS REAL) * 60
              WHEN value LIKE '%s' THEN CAST(substr(value, 1, length(value) - 1) AS REAL)
              ELSE CAST(value AS REAL) END AS sec
    FROM params),
rb AS MATERIALIZED (
  SELECT r.run_id, ka.value AS keepalive, idle.sec AS idle, intvl.sec AS intvl,
         CAST(cnt.value AS INTEGER) AS cnt,
         (SELECT min(t_ns) FROM host_events h WHERE h.run_id = r.run_id AND h.event = 'poweroff') AS off_ns
    FROM runs r
    JOIN pv ka ON ka.run_id = r.run_id AND ka.key = 'workload.web.keepalive'
    JOIN pv idle ON idle.run_id = r.run_id AND idle.key = 'tcp.keepidle'
    JOIN pv intvl ON intvl.run_id = r.run_id AND intvl.key = 'tcp.keepintvl'
    JOIN pv cnt ON cnt.run_id = r.run_id AND cnt.key = 'tcp.keepcnt'
   WHERE r.run_id BETWEEN :first AND :last),
rx AS MATERIALIZED (
  SELECT s.run_id, s.node, CAST(s.src || ':' || s.sport AS TEXT) AS remote,
         CAST(s.dst || ':' || s.dport AS TEXT) AS local, max(s.t_ns) AS last_rx_ns
    FROM rb JOIN segments s ON s.run_id = rb.run_id AND s.event = 'recv'
   GROUP BY s.run_id, s.node, s.src, s.sport, s.dst, s.dport),
tx AS MATERIALIZED (
  SELECT s.run_id, s.conn_id, count(*) AS n
    FROM rb JOIN segments s ON s.run_id = rb.run_id AND s.event = 'send' AND s.t_ns >= rb.off_ns
   GROUP BY s.run_id, s.conn_id)
SELECT CASE WHEN rb.keepalive = 'on'
            THEN sum(c.error = 'ETIMEDOUT') = count(*) AND
                 max(abs((c.closed_ns - rx.last_rx_ns) / 1e9 - (rb.idle + rb.intvl * rb.cnt))) <= rb.intvl AND
                 sum(coalesce(tx.n, 0) = rb.cnt) = count(*)
            ELSE sum(c.closed_ns IS NULL AND c.final_state = 'ESTABLISHED') = count(*) AND
                 sum(tx.n) IS NULL END
       AND max(rx.last_rx_ns) < rb.off_ns AND count(*) >= 1,
       rb.run_id, rb.keepalive, rb.idle, rb.intvl, rb.cnt, count(*),
       sum(c.error = 'ETIMEDOUT'), sum(c.closed_ns IS NULL), min(coalesce(tx.n, 0)), max(coalesce(tx.n, 0)),
       min((c.closed_ns - rx.last_rx_ns) / 1e9), max((c.closed_ns - rx.last_rx_ns) / 1e9),
       max(rx.last_rx_ns)
  FROM rb CROSS JOIN connections c ON c.run_id = rb.run_id AND c.kind = 'passive'
  CROSS JOIN rx ON rx.run_id = c.run_id AND rx.node = c.node AND rx.remote = c.remote AND rx.local = c.local
  LEFT JOIN tx ON tx.run_id = c.run_id AND tx.conn_id = c.conn_id
 GROUP BY rb.run_id;

-- (b) both settings were run
SELECT count(DISTINCT p.value) = 2, group_concat(DISTINCT p.value)
  FROM params p WHERE p.key = 'workload.web.keepalive' AND p.run_id BETWEEN :first AND :last;

-- (b) half-open connection-seconds the server held after the power-off:
-- with keepalive off every connection to the end of the run; with it on
-- each connection at most idle + interval x count (it went idle before
-- the power-off)
WITH pv AS (
  SELECT run_id, key, value,
         CASE WHEN value LIKE '%ms' THEN CAST(substr(value, 1, length(value) - 2) AS REAL) / 1e3
              WHEN value LIKE '%us' THEN CAST(substr(value, 1, length(value) - 2) AS REAL) / 1e6
              WHEN value LIKE '%ns' THEN CAST(substr(value, 1, length(value) - 2) AS REAL) / 1e9
              WHEN value LIKE '%min' THEN CAST(substr(value, 1, length(value) - 3) AS REAL) * 60
              WHEN value LIKE '%s' THEN CAST(substr(value, 1, length(value) - 1) AS REAL)
              ELSE CAST(value AS REAL) END AS sec
    FROM params),
rb AS (
  SELECT r.run_id, ka.value AS keepalive, idle.sec + intvl.sec * CAST(cnt.value AS INTEGER) AS expect_s,
         (SELECT min(t_ns) FROM host_events h WHERE h.run_id = r.run_id AND h.event = 'poweroff') AS off_ns,
         (SELECT max(t_ns) FROM samples s WHERE s.run_id = r.run_id) AS end_ns
    FROM runs r
    JOIN pv ka ON ka.run_id = r.run_id AND ka.key = 'workload.web.keepalive'
    JOIN pv idle ON idle.run_id = r.run_id AND idle.key = 'tcp.keepidle'
    JOIN pv intvl ON intvl.run_id = r.run_id AND intvl.key = 'tcp.keepintvl'
    JOIN pv cnt ON cnt.run_id = r.run_id AND cnt.key = 'tcp.keepcnt'
   WHERE r.run_id BETWEEN :first AND :last)
SELECT CASE WHEN rb.keepalive = 'on'
            THEN sum(coalesce(c.closed_ns, rb.end_ns) - rb.off_ns) / 1e9 <= count(*) * rb.expect_s
            ELSE sum(coalesce(c.closed_ns, rb.end_ns) - rb.off_ns) = count(*) * (rb.end_ns - rb.off_ns) END
       AND count(*) >= 1,
       rb.run_id, rb.keepalive, count(*), sum(coalesce(c.closed_ns, rb.end_ns) - rb.off_ns) / 1e9
  FROM rb JOIN connections c ON c.run_id = rb.run_id AND c.kind = 'passive'
 GROUP BY rb.run_id;
