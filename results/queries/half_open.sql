-- half_open.sql - the tables of seed experiment 2, half-open connections
-- (experiments/README.md, "Seed experiments", section 2). Runs of
-- experiments/half_open_reboot.ini (part a) and half_open_keepalive.ini
-- (part b) in one database:
--
--   sqlite3 -header -column half_open.db < results/queries/half_open.sql
--
-- Times in seconds. A parameter written with a unit ('60s', '500ms',
-- '2min') is read as seconds by the CASE in `pv`.

-- (a) Server reboot: each connection of the timeline sends once; when,
-- what it got and how long after its send (detect_s) and after the
-- server's boot (after_boot_s). server_at_send: what the server was
-- doing when the data left.
WITH ra AS (
  SELECT r.run_id, p.value AS downtime
    FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = 'fault.reboot.delay'
   WHERE r.status = 'done'),
he AS (
  SELECT run_id, min(CASE WHEN event = 'poweroff' THEN t_ns END) AS off_ns,
         min(CASE WHEN event = 'boot' THEN t_ns END) AS boot_ns
    FROM host_events GROUP BY run_id),
snd AS MATERIALIZED (
  SELECT run_id, node, conn_id, t_ns, substr(detail, 1, instr(detail, ':') - 1) AS sock
    FROM app_events WHERE what = 'send')
SELECT ra.run_id, ra.downtime, snd.sock, snd.t_ns / 1e9 AS send_s,
       CASE WHEN snd.t_ns < he.off_ns THEN 'up (before the crash)'
            WHEN snd.t_ns < he.boot_ns THEN 'off' ELSE 'rebooted' END AS server_at_send,
       coalesce(c.error, c.final_state) AS outcome,
       round((c.closed_ns - snd.t_ns) / 1e9, 3) AS detect_s,
       round((c.closed_ns - he.boot_ns) / 1e9, 3) AS after_boot_s
  FROM ra JOIN he USING (run_id)
  JOIN snd ON snd.run_id = ra.run_id
  JOIN connections c ON c.run_id = snd.run_id AND c.node = snd.node AND c.conn_id = snd.conn_id
 ORDER BY ra.run_id, snd.t_ns;

-- (a) The connections that did not send after the crash: the clients'
-- ends still ESTABLISHED at the end of the run (half-open for the whole
-- run), and the server's ends, gone at the power-off.
WITH ra AS (
  SELECT r.run_id, p.value AS downtime
    FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = 'fault.reboot.delay'
   WHERE r.status = 'done')
SELECT ra.run_id, ra.downtime,
       sum(c.kind = 'active' AND c.closed_ns IS NULL AND c.final_state = 'ESTABLISHED') AS clients_open_at_end,
       sum(c.kind = 'passive' AND c.error = 'ECONNABORTED') AS server_conns_wiped,
       sum(c.kind = 'passive' AND c.closed_ns IS NULL) AS server_conns_at_end
  FROM ra JOIN connections c ON c.run_id = ra.run_id
 GROUP BY ra.run_id ORDER BY ra.run_id;

-- (b) Keepalive on the server, the clients powered off: per run, the
-- timers, the expected detection time idle + interval x count, the
-- detection time of the server's ends measured from the last segment the
-- server received on the connection (the client's last ACK; nothing
-- arrives after the power-off) and from the power-off, how long the
-- connections had been idle at the power-off, the keepalive probes the
-- server sent per connection, how its ends finished, and the half-open
-- connection-seconds it held after the power-off (to the end of the run
-- for connections never closed). Needs trace = segments.
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
         (SELECT min(t_ns) FROM host_events h WHERE h.run_id = r.run_id AND h.event = 'poweroff') AS off_ns,
         (SELECT max(t_ns) FROM samples s WHERE s.run_id = r.run_id) AS end_ns
    FROM runs r
    JOIN pv ka ON ka.run_id = r.run_id AND ka.key = 'workload.web.keepalive'
    JOIN pv idle ON idle.run_id = r.run_id AND idle.key = 'tcp.keepidle'
    JOIN pv intvl ON intvl.run_id = r.run_id AND intvl.key = 'tcp.keepintvl'
    JOIN pv cnt ON cnt.run_id = r.run_id AND cnt.key = 'tcp.keepcnt'
   WHERE r.status = 'done'),
rx AS MATERIALIZED (
  SELECT s.run_id, s.node, CAST(s.src || ':' || s.sport AS TEXT) AS remote,
         CAST(s.dst || ':' || s.dport AS TEXT) AS local, max(s.t_ns) AS last_rx_ns
    FROM rb JOIN segments s ON s.run_id = rb.run_id AND s.event = 'recv'
   GROUP BY s.run_id, s.node, s.src, s.sport, s.dst, s.dport),
tx AS MATERIALIZED (
  SELECT s.run_id, s.conn_id, count(*) AS n
    FROM rb JOIN segments s ON s.run_id = rb.run_id AND s.event = 'send' AND s.t_ns >= rb.off_ns
   GROUP BY s.run_id, s.conn_id),
hc AS (
  SELECT rb.*, c.closed_ns, c.error, rx.last_rx_ns, coalesce(tx.n, 0) AS probes
    FROM rb CROSS JOIN connections c ON c.run_id = rb.run_id AND c.kind = 'passive'
    CROSS JOIN rx ON rx.run_id = c.run_id AND rx.node = c.node AND rx.remote = c.remote AND rx.local = c.local
    LEFT JOIN tx ON tx.run_id = c.run_id AND tx.conn_id = c.conn_id)
SELECT run_id, keepalive, idle, intvl, cnt,
       CASE WHEN keepalive = 'on' THEN idle + intvl * cnt END AS expect_s,
       count(*) AS conns,
       round(min(closed_ns - last_rx_ns) / 1e9, 3) AS detect_min_s,
       round(max(closed_ns - last_rx_ns) / 1e9, 3) AS detect_max_s,
       round(min(closed_ns - off_ns) / 1e9, 3) AS after_off_min_s,
       round(max(closed_ns - off_ns) / 1e9, 3) AS after_off_max_s,
       round(min(off_ns - last_rx_ns) / 1e9, 3) AS idle_at_off_min_s,
       round(max(off_ns - last_rx_ns) / 1e9, 3) AS idle_at_off_max_s,
       round(avg(probes), 2) AS probes,
       sum(error = 'ETIMEDOUT') AS etimedout,
       sum(closed_ns IS NULL) AS open_at_end,
       round(sum(coalesce(closed_ns, end_ns) - off_ns) / 1e9) AS held_conn_s
  FROM hc GROUP BY run_id ORDER BY keepalive, idle, intvl, cnt, run_id;
