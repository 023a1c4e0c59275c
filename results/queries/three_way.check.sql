-- three_way.check.sql: expectations of seed experiment 4, why three
-- segments (experiments/README.md), on runs of experiments/three_way.ini;
-- first, every run checked is done
SELECT status = 'done', run_id, status FROM runs
 WHERE run_id BETWEEN :first AND :last;

-- Shared by the checks below (views take no :first/:last: each check
-- keeps the runs checked with run_id BETWEEN :first AND :last).
-- hs_runs: the runs of the sweep and their handshake (two_way_handshake
-- off or on).
CREATE TEMP VIEW hs_runs AS
  SELECT r.run_id, p.value AS two_way
    FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = 'tcp.two_way_handshake';

-- old duplicate SYNs reached the server in every run (SYNs of client
-- connections that had ended), so that what follows is not vacuous
WITH pt AS (
  SELECT run_id FROM hs_runs WHERE run_id BETWEEN :first AND :last)
SELECT count(a.idx) > 0, pt.run_id, count(a.idx)
  FROM pt LEFT JOIN app_events a ON a.run_id = pt.run_id AND a.what = 'stale_accepted'
   AND a.detail LIKE 'S %' AND a.detail LIKE '%sender gone'
 GROUP BY pt.run_id;

-- the two ways of finding a connection no client asked for agree on
-- every server connection that reached ESTABLISHED: the recorder's mark
-- on its SYN (sent by a client connection that no longer existed), and
-- the connections table (no client connection with the reversed
-- endpoints and ISS = its IRS alive when the SYN came)
WITH pt AS (
  SELECT run_id FROM hs_runs WHERE run_id BETWEEN :first AND :last)
SELECT EXISTS (SELECT 1 FROM app_events o WHERE o.run_id = c.run_id AND o.node = c.node AND o.conn_id = c.conn_id
                  AND o.what = 'stale_accepted' AND o.detail LIKE 'S %')
       = NOT EXISTS (SELECT 1 FROM connections a WHERE a.run_id = c.run_id AND a.kind = 'active'
                       AND a.local = c.remote AND a.remote = c.local AND a.iss = c.irs
                       AND a.opened_ns <= c.opened_ns AND (a.closed_ns IS NULL OR a.closed_ns >= c.opened_ns)),
       c.run_id, c.conn_id, c.remote, c.opened_ns
  FROM pt JOIN connections c ON c.run_id = pt.run_id AND c.kind = 'passive' AND c.established_ns IS NOT NULL;

-- three-way handshake: no connection the server believes open that no
-- client asked for, in any run
SELECT count(o.idx) = 0, p.run_id, count(o.idx)
  FROM params p
  LEFT JOIN connections c ON c.run_id = p.run_id AND c.kind = 'passive' AND c.established_ns IS NOT NULL
  LEFT JOIN app_events o ON o.run_id = c.run_id AND o.node = c.node AND o.conn_id = c.conn_id
   AND o.what = 'stale_accepted' AND o.detail LIKE 'S %'
 WHERE p.key = 'tcp.two_way_handshake' AND p.value = 'off' AND p.run_id BETWEEN :first AND :last
 GROUP BY p.run_id;

-- two-way handshake: every old SYN makes such a connection, in every run
-- at least one; each ends only by the client's RST or is still open when
-- the run ends (nothing else tells the server)
WITH pt AS (
  SELECT run_id FROM hs_runs WHERE run_id BETWEEN :first AND :last AND two_way = 'on')
SELECT count(*) > 0 AND sum(c.established_ns IS NOT NULL) = count(*)
       AND sum(c.error IS 'ECONNRESET' OR c.closed_ns IS NULL) = count(*),
       pt.run_id, count(*), sum(c.established_ns IS NOT NULL), sum(c.error IS 'ECONNRESET'), sum(c.closed_ns IS NULL)
  FROM pt JOIN app_events o ON o.run_id = pt.run_id AND o.what = 'stale_accepted'
   AND o.detail LIKE 'S %' AND o.detail LIKE '%sender gone'
  JOIN connections c ON c.run_id = o.run_id AND c.node = o.node AND c.conn_id = o.conn_id
 GROUP BY pt.run_id;

-- two-way: a phantom whose SYN-ACK went to a client that had powered off
-- (client6..client10, 10.1.0.6-10, off from 25 s) is still ESTABLISHED
-- when the run ends: the server waits in vain
WITH pt AS (
  SELECT run_id FROM hs_runs WHERE run_id BETWEEN :first AND :last AND two_way = 'on')
SELECT c.closed_ns IS NULL AND c.final_state = 'ESTABLISHED', c.run_id, c.conn_id, c.remote, c.opened_ns, c.closed_ns
  FROM pt JOIN app_events o ON o.run_id = pt.run_id AND o.what = 'stale_accepted' AND o.detail LIKE 'S %'
  JOIN connections c ON c.run_id = o.run_id AND c.node = o.node AND c.conn_id = o.conn_id
 WHERE c.opened_ns >= 25000000000
   AND substr(c.remote, 1, instr(c.remote, ':') - 1) IN ('10.1.0.6', '10.1.0.7', '10.1.0.8', '10.1.0.9', '10.1.0.10');

-- both handshakes were run
SELECT count(DISTINCT p.value) = 2, group_concat(DISTINCT p.value)
  FROM params p WHERE p.key = 'tcp.two_way_handshake' AND p.run_id BETWEEN :first AND :last;
