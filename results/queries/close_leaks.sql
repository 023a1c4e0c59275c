-- close_leaks.sql - the tables of experiments/README.md, "6. FIN_WAIT_2
-- and CLOSE_WAIT leaks", from a database of experiments/close_leaks.ini:
--   sqlite3 -column -header cl.db < results/queries/close_leaks.sql
-- A run's point is its tcp.fin_wait2 (0: no timer; values in seconds);
-- the counts are the conns.<STATE> samples (v_states_over_time): the
-- server holds the CLOSE_WAIT connections, the client the FIN_WAIT_2 ones.

-- cl_runs, shared by the two tables below (a temporary view: it lasts as
-- long as the sqlite3 session): each done run and its FIN_WAIT_2 timeout
-- t_s.
CREATE TEMP VIEW cl_runs AS
  SELECT r.run_id, CAST(rtrim(f.value, 's') AS REAL) AS t_s
    FROM runs r
    JOIN params f ON f.run_id = r.run_id AND f.key = 'tcp.fin_wait2'
   WHERE r.status = 'done';

-- Table 1: per FIN_WAIT_2 timeout T, over the point's runs (mean, and
-- lowest-highest run where it varies): the connections of a run; the
-- server's CLOSE_WAIT when the client stops connecting and at the end of
-- the run; the client's FIN_WAIT_2 at the same two instants, its mean
-- over the samples from T to the stop (the plateau, against Little's
-- law: rate x T) and its highest sample; how long each client connection
-- stayed in FIN_WAIT_2 (from the transitions).
WITH pt(run_id, t_s, rate, stop_s, end_s) AS (
  SELECT c.run_id, c.t_s,
         CAST(rtrim(w.value, '/s') AS REAL), CAST(rtrim(s.value, 's') AS REAL),
         CAST(rtrim(d.value, 's') AS REAL)
    FROM cl_runs c
    JOIN params w ON w.run_id = c.run_id AND w.key = 'workload.client.rate'
    JOIN params s ON s.run_id = c.run_id AND s.key = 'workload.client.stop'
    JOIN params d ON d.run_id = c.run_id AND d.key = 'run.duration'),
st(run_id, t, cw, fw) AS (
  SELECT v.run_id, v.t_ns / 1e9,
         sum(CASE WHEN v.state = 'CLOSE_WAIT' THEN v.count END),
         sum(CASE WHEN v.state = 'FIN_WAIT_2' THEN v.count END)
    FROM v_states_over_time v JOIN pt USING (run_id)
   WHERE v.state IN ('CLOSE_WAIT', 'FIN_WAIT_2') GROUP BY 1, 2),
life(run_id, s) AS (
  SELECT run_id, (max(CASE WHEN from_state = 'FIN_WAIT_2' THEN t_ns END)
                  - max(CASE WHEN to_state = 'FIN_WAIT_2' THEN t_ns END)) / 1e9
    FROM transitions WHERE run_id IN (SELECT run_id FROM pt)
   GROUP BY run_id, conn_id
  HAVING max(CASE WHEN to_state = 'FIN_WAIT_2' THEN 1 END) = 1),
per_run(run_id, t_s, rate, stop_s, conns, cw_stop, cw_end, fw_stop, fw_end,
        fw_plateau, fw_max, life_min, life_max) AS (
  SELECT pt.run_id, pt.t_s, pt.rate, pt.stop_s,
         (SELECT count(*) FROM connections c WHERE c.run_id = pt.run_id
             AND c.kind = 'active'),
         (SELECT cw FROM st WHERE st.run_id = pt.run_id AND st.t = pt.stop_s),
         (SELECT cw FROM st WHERE st.run_id = pt.run_id AND st.t = pt.end_s),
         (SELECT fw FROM st WHERE st.run_id = pt.run_id AND st.t = pt.stop_s),
         (SELECT fw FROM st WHERE st.run_id = pt.run_id AND st.t = pt.end_s),
         (SELECT avg(fw) FROM st WHERE st.run_id = pt.run_id
             AND st.t BETWEEN pt.t_s AND pt.stop_s AND pt.t_s > 0),
         (SELECT max(fw) FROM st WHERE st.run_id = pt.run_id),
         (SELECT min(s) FROM life WHERE life.run_id = pt.run_id),
         (SELECT max(s) FROM life WHERE life.run_id = pt.run_id)
    FROM pt)
SELECT CASE WHEN t_s = 0 THEN 'off' ELSE printf('%gs', t_s) END AS fin_wait2,
       count(*) AS runs,
       printf('%.0f (%d-%d)', avg(conns), min(conns), max(conns)) AS conns,
       printf('%.0f', avg(cw_stop)) AS close_wait_at_stop,
       printf('%.0f', avg(cw_end)) AS close_wait_at_end,
       printf('%.0f', avg(fw_stop)) AS fin_wait2_at_stop,
       printf('%.0f', avg(fw_end)) AS fin_wait2_at_end,
       CASE WHEN t_s = 0 THEN '-' ELSE printf('%.1f (%.1f-%.1f)',
            avg(fw_plateau), min(fw_plateau), max(fw_plateau)) END
         AS fin_wait2_plateau,
       CASE WHEN t_s = 0 THEN '-' ELSE printf('%g', max(rate) * t_s) END
         AS rate_x_t,
       printf('%.0f (%d-%d)', avg(fw_max), min(fw_max), max(fw_max))
         AS fin_wait2_max,
       CASE WHEN max(life_max) IS NULL THEN 'never left'
            ELSE printf('%g-%g', min(life_min), max(life_max)) END
         AS in_fin_wait2_s
  FROM per_run GROUP BY t_s ORDER BY t_s;

-- Table 2: counts over time, every 60 s, mean over each point's runs:
-- the server's CLOSE_WAIT and the client's FIN_WAIT_2, per timeout.
WITH pt(run_id, t_s) AS (SELECT run_id, t_s FROM cl_runs),
st(t_s, t, state, n) AS (
  SELECT pt.t_s, v.t_ns / 1000000000, v.state, avg(v.count)
    FROM v_states_over_time v JOIN pt USING (run_id)
   WHERE v.state IN ('CLOSE_WAIT', 'FIN_WAIT_2')
     AND v.t_ns % 60000000000 = 0 GROUP BY 1, 2, 3)
SELECT t AS time_s,
       printf('%.0f', max(CASE WHEN t_s = 0 AND state = 'CLOSE_WAIT' THEN n END)) AS cw_off,
       printf('%.0f', max(CASE WHEN t_s = 0 AND state = 'FIN_WAIT_2' THEN n END)) AS fw2_off,
       printf('%.0f', max(CASE WHEN t_s = 30 AND state = 'CLOSE_WAIT' THEN n END)) AS cw_30s,
       printf('%.0f', max(CASE WHEN t_s = 30 AND state = 'FIN_WAIT_2' THEN n END)) AS fw2_30s,
       printf('%.0f', max(CASE WHEN t_s = 60 AND state = 'CLOSE_WAIT' THEN n END)) AS cw_60s,
       printf('%.0f', max(CASE WHEN t_s = 60 AND state = 'FIN_WAIT_2' THEN n END)) AS fw2_60s
  FROM st GROUP BY t ORDER BY t;
