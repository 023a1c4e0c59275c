-- quiet_time.check.sql: expectations of seed experiment 1, quiet time
-- (experiments/README.md), on runs of experiments/quiet_time.ini; first,
-- every run checked is done
SELECT status = 'done', run_id, status FROM runs
 WHERE run_id BETWEEN :first AND :last;

-- Shared by the checks below (views take no :first/:last: each check
-- keeps the runs checked with run_id BETWEEN :first AND :last).
-- qt_runs: each run's quiet time, ISN generator and reboot delay.
CREATE TEMP VIEW qt_runs AS
  SELECT r.run_id,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.quiet_time') AS quiet,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.isn') AS isn,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'fault.reboot.delay') AS delay
    FROM runs r;

-- with quiet time on, no segment of the server's first incarnation is
-- accepted, whatever the ISN generator: every hold (at most 29 s) ends
-- before the MSL (30 s) of silence after the boot does
SELECT m.value = 0, m.run_id, p.value, m.value
  FROM metrics m JOIN params p ON p.run_id = m.run_id AND p.key = 'tcp.quiet_time'
 WHERE m.name = 'segs.stale_old_boot' AND p.value = 'on'
   AND m.run_id BETWEEN :first AND :last;

-- without quiet time, the weak generators (the clock restarting at boot,
-- a constant ISN) let old segments into the new connections: in every
-- run whose clients reconnect while old segments are still parked
-- (reboot delay 2 s: connected at 12.5 s, holds end by 39 s)
WITH pt AS (
  SELECT run_id, quiet, isn, delay FROM qt_runs WHERE run_id BETWEEN :first AND :last)
SELECT m.value > 0, pt.run_id, pt.isn, pt.delay, m.value
  FROM pt JOIN metrics m ON m.run_id = pt.run_id AND m.name = 'segs.stale_old_boot'
 WHERE pt.quiet = 'off' AND pt.isn IN ('clock', 'constant') AND pt.delay = '2s';

-- ... and such runs were checked, for both weak generators
WITH pt AS (
  SELECT run_id, quiet, isn FROM qt_runs WHERE run_id BETWEEN :first AND :last)
SELECT count(DISTINCT pt.isn) = 2 AND min(m.value) > 0, count(*), group_concat(DISTINCT pt.isn)
  FROM pt JOIN metrics m ON m.run_id = pt.run_id AND m.name = 'segs.stale_old_boot'
 WHERE pt.quiet = 'off' AND pt.isn IN ('clock', 'constant') AND m.value > 0;

-- the strong generators (RFC 6528's hash under a key drawn at boot,
-- random) put the new ISNs far from the old sequence numbers: nothing
-- accepted in these runs (an overlap has a chance of about 0.1% per
-- connection for a 4 MB window)
SELECT m.value = 0, m.run_id, p.value, m.value
  FROM metrics m JOIN params p ON p.run_id = m.run_id AND p.key = 'tcp.isn'
 WHERE m.name = 'segs.stale_old_boot' AND p.value IN ('rfc6528', 'random')
   AND m.run_id BETWEEN :first AND :last;

-- set-up: every new connection (opened after the crash) is established;
-- with quiet time on not before boot + MSL (30 s), without it before
WITH pt AS (
  SELECT run_id, quiet FROM qt_runs WHERE run_id BETWEEN :first AND :last),
he AS (
  SELECT run_id, min(CASE WHEN event = 'poweroff' THEN t_ns END) AS off_ns,
         min(CASE WHEN event = 'boot' THEN t_ns END) AS boot_ns
    FROM host_events GROUP BY run_id)
SELECT c.established_ns IS NOT NULL AND
       CASE pt.quiet WHEN 'on' THEN c.established_ns >= he.boot_ns + 30000000000
                     ELSE c.established_ns < he.boot_ns + 30000000000 END,
       pt.run_id, pt.quiet, c.conn_id, he.boot_ns, c.established_ns
  FROM pt JOIN he USING (run_id)
  JOIN connections c ON c.run_id = pt.run_id AND c.kind = 'active' AND c.opened_ns >= he.off_ns
 WHERE pt.quiet IS NOT NULL;

-- both settings of quiet time were run
SELECT count(DISTINCT p.value) = 2, group_concat(DISTINCT p.value)
  FROM params p WHERE p.key = 'tcp.quiet_time' AND p.run_id BETWEEN :first AND :last;
