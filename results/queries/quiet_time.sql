-- quiet_time.sql - the table of seed experiment 1, quiet time
-- (experiments/README.md, "Seed experiments", section 1), on runs of
-- experiments/quiet_time.ini:
--
--   sqlite3 -header -column quiet.db < results/queries/quiet_time.sql
--
-- qt_runs, shared by the two queries below (a temporary view: it lasts
-- as long as the sqlite3 session): each done run's quiet time, ISN
-- generator and reboot delay.
CREATE TEMP VIEW qt_runs AS
  SELECT r.run_id,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.quiet_time') AS quiet,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'tcp.isn') AS isn,
         (SELECT value FROM params p WHERE p.run_id = r.run_id AND p.key = 'fault.reboot.delay') AS delay
    FROM runs r WHERE r.status = 'done';

-- Per point (quiet time, ISN generator, reboot delay), averaged over its
-- replications: the segments of the server's first incarnation that the
-- clients' new connections accepted (metric segs.stale_old_boot: sent
-- before the crash, accepted after the boot) and their payload in KB;
-- how many replications accepted any; the new connections (opened after
-- the crash) that reached ESTABLISHED and their set-up time, from the
-- connect at 10.5 s; and quiet_cost_s, the mean set-up time minus that
-- of the same point without quiet time: the delay quiet time causes.
WITH pt AS (SELECT * FROM qt_runs),
q AS (
  SELECT * FROM pt WHERE quiet IS NOT NULL AND isn IS NOT NULL AND delay IS NOT NULL),
off AS (
  SELECT run_id, min(t_ns) AS off_ns FROM host_events WHERE event = 'poweroff' GROUP BY run_id),
nc AS (
  SELECT q.run_id, count(*) AS n, count(c.established_ns) AS est,
         avg((c.established_ns - c.opened_ns) / 1e9) AS setup_s,
         max((c.established_ns - c.opened_ns) / 1e9) AS setup_max_s
    FROM q JOIN off USING (run_id)
    JOIN connections c ON c.run_id = q.run_id AND c.kind = 'active' AND c.opened_ns >= off.off_ns
   GROUP BY q.run_id),
st AS (
  SELECT q.run_id,
         (SELECT value FROM metrics m WHERE m.run_id = q.run_id AND m.name = 'segs.stale_old_boot') AS segs,
         (SELECT value FROM metrics m WHERE m.run_id = q.run_id AND m.name = 'segs.stale_bytes') AS bytes
    FROM q),
pp AS (
  SELECT q.quiet, q.isn, q.delay, count(*) AS runs,
         avg(st.segs) AS stale_segs, avg(st.bytes) / 1e3 AS stale_kb,
         sum(st.segs > 0) AS runs_with_stale,
         sum(nc.n) AS new_conns, sum(nc.est) AS established,
         avg(nc.setup_s) AS setup_s, max(nc.setup_max_s) AS setup_max_s
    FROM q JOIN st USING (run_id) LEFT JOIN nc USING (run_id)
   GROUP BY q.quiet, q.isn, q.delay)
SELECT a.quiet, a.isn, a.delay, a.runs, round(a.stale_segs, 1) AS stale_segs,
       round(a.stale_kb, 1) AS stale_kb, a.runs_with_stale,
       a.new_conns, a.established, round(a.setup_s, 3) AS setup_s,
       round(a.setup_max_s, 3) AS setup_max_s,
       round(a.setup_s - b.setup_s, 3) AS quiet_cost_s
  FROM pp a LEFT JOIN pp b ON b.quiet = 'off' AND b.isn = a.isn AND b.delay = a.delay
 ORDER BY a.quiet DESC, CASE a.isn WHEN 'clock' THEN 1 WHEN 'rfc6528' THEN 2 WHEN 'random' THEN 3 ELSE 4 END,
          CAST(rtrim(a.delay, 'ms') AS REAL);

-- Where the stale segments went: per point, the 'stale_accepted' events
-- the recorder wrote (one per segment; level transitions and up) by the
-- reason it gave, and the time of the last one (it comes before the end
-- of the last hold: crash + 29 s).
WITH pt AS (SELECT * FROM qt_runs)
SELECT pt.quiet, pt.isn, pt.delay, substr(a.detail, instr(a.detail, ': ') + 2) AS reason,
       count(*) AS events, round(min(a.t_ns) / 1e9, 3) AS first_s, round(max(a.t_ns) / 1e9, 3) AS last_s
  FROM pt JOIN app_events a ON a.run_id = pt.run_id AND a.what = 'stale_accepted'
 WHERE pt.quiet IS NOT NULL
 GROUP BY pt.quiet, pt.isn, pt.delay, reason
 ORDER BY pt.quiet DESC, pt.isn, CAST(rtrim(pt.delay, 'ms') AS REAL);
