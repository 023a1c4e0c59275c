-- three_way.sql - the table of seed experiment 4, why three segments
-- (experiments/README.md, "Seed experiments", section 4), on runs of
-- experiments/three_way.ini:
--
--   sqlite3 -header -column three.db < results/queries/three_way.sql
--
-- hs_runs, shared by the two queries below (a temporary view: it lasts
-- as long as the sqlite3 session): each done run's handshake
-- (two_way_handshake off or on) and its end (the last sample).
CREATE TEMP VIEW hs_runs AS
  SELECT r.run_id,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.two_way_handshake') AS two_way,
         (SELECT max(t_ns) FROM samples s WHERE s.run_id = r.run_id) AS end_ns
    FROM runs r WHERE r.status = 'done';

-- A server connection "no client asked for" is one whose SYN came from a
-- client connection that no longer existed: an old duplicate. The
-- recorder marks such a SYN with an app_events row 'stale_accepted'
-- (detail 'S seq=... : sender gone') on the connection (or SYN-queue
-- entry) it made. Per handshake (two_way_handshake off/on), over the
-- replications: client connections; server connections that reached
-- ESTABLISHED; old SYNs accepted; phantoms (those of them that reached
-- ESTABLISHED); phantoms_sql, the same count from the connections table
-- alone (no client connection with the reversed endpoints and ISS = the
-- server's IRS was alive when the SYN came); how the phantoms ended
-- (reset by the client, still open at the end of the run: their SYN-ACK
-- went to a client that was off); the server connection-seconds they
-- held (ESTABLISHED to closed, or to the end of the run); and, for the
-- old SYNs that did not make a connection, the seconds their half-open
-- entries lived (SYN_RCVD, never handed to the application).
WITH pt AS (SELECT run_id, two_way, end_ns FROM hs_runs),
q AS (SELECT * FROM pt WHERE two_way IS NOT NULL),
old AS MATERIALIZED (
  SELECT a.run_id, a.node, a.conn_id FROM app_events a
   WHERE a.what = 'stale_accepted' AND a.detail LIKE 'S %' AND a.detail LIKE '%sender gone'),
srv AS MATERIALIZED (
  SELECT q.run_id, q.two_way, q.end_ns, c.conn_id, c.opened_ns, c.established_ns, c.closed_ns, c.error,
         EXISTS (SELECT 1 FROM old o WHERE o.run_id = c.run_id AND o.node = c.node AND o.conn_id = c.conn_id) AS old_syn,
         NOT EXISTS (SELECT 1 FROM connections a WHERE a.run_id = c.run_id AND a.kind = 'active'
                       AND a.local = c.remote AND a.remote = c.local AND a.iss = c.irs
                       AND a.opened_ns <= c.opened_ns AND (a.closed_ns IS NULL OR a.closed_ns >= c.opened_ns)) AS unasked
    FROM q JOIN connections c ON c.run_id = q.run_id AND c.kind = 'passive'),
per AS (
  SELECT q.run_id, q.two_way,
         (SELECT count(*) FROM connections c WHERE c.run_id = q.run_id AND c.kind = 'active') AS clients,
         (SELECT count(*) FROM srv WHERE srv.run_id = q.run_id AND established_ns IS NOT NULL) AS est,
         (SELECT count(*) FROM srv WHERE srv.run_id = q.run_id AND old_syn) AS old_syns,
         (SELECT count(*) FROM srv WHERE srv.run_id = q.run_id AND old_syn AND established_ns IS NOT NULL) AS phantoms,
         (SELECT count(*) FROM srv WHERE srv.run_id = q.run_id AND unasked AND established_ns IS NOT NULL) AS phantoms_sql,
         (SELECT count(*) FROM srv WHERE srv.run_id = q.run_id AND old_syn AND established_ns IS NOT NULL
             AND error = 'ECONNRESET') AS reset,
         (SELECT count(*) FROM srv WHERE srv.run_id = q.run_id AND old_syn AND established_ns IS NOT NULL
             AND closed_ns IS NULL) AS open_at_end,
         (SELECT total(coalesce(closed_ns, end_ns) - established_ns) / 1e9 FROM srv
           WHERE srv.run_id = q.run_id AND old_syn AND established_ns IS NOT NULL) AS phantom_s,
         (SELECT total(coalesce(closed_ns, end_ns) - opened_ns) / 1e9 FROM srv
           WHERE srv.run_id = q.run_id AND old_syn AND established_ns IS NULL) AS half_open_s
    FROM q)
SELECT CASE two_way WHEN 'off' THEN 'three-way' ELSE 'two-way' END AS handshake,
       count(*) AS runs, sum(clients) AS client_conns, sum(est) AS server_established,
       sum(old_syns) AS old_syns, sum(phantoms) AS phantoms, sum(phantoms_sql) AS phantoms_sql,
       sum(reset) AS reset, sum(open_at_end) AS open_at_end,
       round(sum(phantom_s), 3) AS phantom_conn_s,
       round(sum(phantom_s) / max(sum(phantoms), 1), 3) AS per_phantom_s,
       round(sum(half_open_s), 1) AS half_open_s
  FROM per GROUP BY two_way ORDER BY two_way;

-- The phantoms one by one (two-way runs): when the old SYN came, how long
-- it had been parked (its client connection's first SYN), the client
-- host, and how the server connection ended.
WITH pt AS (SELECT run_id, two_way FROM hs_runs)
SELECT pt.run_id, c.conn_id, c.remote, round(c.opened_ns / 1e9, 3) AS syn_at_s,
       round((c.opened_ns - a.opened_ns) / 1e9, 3) AS parked_s,
       coalesce(c.error, CASE WHEN c.closed_ns IS NULL THEN 'open at end' ELSE 'closed' END) AS ended,
       round((c.closed_ns - c.established_ns) / 1e9, 3) AS held_s
  FROM pt JOIN connections c ON c.run_id = pt.run_id AND c.kind = 'passive' AND c.established_ns IS NOT NULL
  JOIN app_events o ON o.run_id = c.run_id AND o.node = c.node AND o.conn_id = c.conn_id
   AND o.what = 'stale_accepted' AND o.detail LIKE 'S %'
  LEFT JOIN connections a ON a.run_id = c.run_id AND a.kind = 'active' AND a.local = c.remote AND a.iss = c.irs
 WHERE pt.two_way = 'on'
 ORDER BY pt.run_id, c.opened_ns;
