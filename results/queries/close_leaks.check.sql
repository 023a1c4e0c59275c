-- close_leaks.check.sql: expectations of seed experiment 6 (experiments/
-- README.md) on runs of close_leaks.ini; first, every run checked is done
SELECT status = 'done', run_id, status FROM runs
 WHERE run_id BETWEEN :first AND :last;

-- the sweep has runs without the FIN_WAIT_2 timer and runs with it
WITH pt AS (
  SELECT r.run_id, CAST(rtrim(f.value, 's') AS REAL) AS t_s FROM runs r
    JOIN params f ON f.run_id = r.run_id AND f.key = 'tcp.fin_wait2'
   WHERE r.status = 'done' AND r.run_id BETWEEN :first AND :last)
SELECT sum(t_s = 0) > 0 AND sum(t_s > 0) > 0, sum(t_s = 0) AS runs_off,
       sum(t_s > 0) AS runs_on
  FROM pt;

-- the server leaks every connection, timer or not: each connection it
-- accepted is still in CLOSE_WAIT at the end, and so many are counted
-- in the last sample
WITH pt AS (
  SELECT r.run_id, CAST(rtrim(d.value, 's') AS REAL) * 1e9 AS end_ns
    FROM runs r JOIN params d ON d.run_id = r.run_id AND d.key = 'run.duration'
   WHERE r.status = 'done' AND r.run_id BETWEEN :first AND :last)
SELECT count(c.conn_id) > 100
       AND count(c.conn_id) = sum(c.final_state = 'CLOSE_WAIT'
                                  AND c.closed_ns IS NULL)
       AND count(c.conn_id) = (SELECT count FROM v_states_over_time v
                                WHERE v.run_id = pt.run_id
                                  AND v.state = 'CLOSE_WAIT'
                                  AND v.t_ns = pt.end_ns),
       pt.run_id, count(c.conn_id) AS accepted,
       sum(c.final_state = 'CLOSE_WAIT' AND c.closed_ns IS NULL) AS close_wait
  FROM pt LEFT JOIN connections c ON c.run_id = pt.run_id
                                 AND c.kind = 'passive'
 GROUP BY pt.run_id;

-- Shared by the checks below (views take no :first/:last: each check
-- keeps the runs checked with run_id BETWEEN :first AND :last).
-- cl_runs: each done run of the sweep, its seed and its FIN_WAIT_2
-- timeout t_s (0: no timer).
CREATE TEMP VIEW cl_runs AS
  SELECT r.run_id, r.seed, CAST(rtrim(f.value, 's') AS REAL) AS t_s
    FROM runs r
    JOIN params f ON f.run_id = r.run_id AND f.key = 'tcp.fin_wait2'
   WHERE r.status = 'done';

-- cl_states: per run and sample, the CLOSE_WAIT (cw) and FIN_WAIT_2 (fw)
-- counts.
CREATE TEMP VIEW cl_states AS
  SELECT v.run_id, v.t_ns,
         sum(CASE WHEN v.state = 'CLOSE_WAIT' THEN v.count END) AS cw,
         sum(CASE WHEN v.state = 'FIN_WAIT_2' THEN v.count END) AS fw
    FROM v_states_over_time v
   WHERE v.state IN ('CLOSE_WAIT', 'FIN_WAIT_2') GROUP BY 1, 2;

-- the server's CLOSE_WAIT count never falls
WITH s AS (
  SELECT run_id, t_ns, count,
         lag(count) OVER (PARTITION BY run_id ORDER BY t_ns) AS prev
    FROM v_states_over_time
   WHERE state = 'CLOSE_WAIT' AND run_id BETWEEN :first AND :last)
SELECT count(*) = 0, count(*) AS falls, min(t_ns) AS first_fall_ns
  FROM s WHERE count < prev;

-- the client's timer does nothing for the server: runs with the same
-- seed have the same CLOSE_WAIT count at every sample, whatever
-- tcp.fin_wait2 is
WITH pt AS (
  SELECT run_id, seed FROM cl_runs WHERE run_id BETWEEN :first AND :last)
SELECT min(v.count) = max(v.count) AND count(DISTINCT v.run_id) >= 2,
       pt.seed, v.t_ns, min(v.count), max(v.count)
  FROM pt JOIN v_states_over_time v ON v.run_id = pt.run_id
 WHERE v.state = 'CLOSE_WAIT'
 GROUP BY pt.seed, v.t_ns;

-- without the timer the clients leak as much: every client connection is
-- in FIN_WAIT_2 at the end, and at every sample the client's FIN_WAIT_2
-- count is the server's CLOSE_WAIT count, less at most 5 whose FIN the
-- server has not acknowledged yet (it delays that ACK: 45 ms in all)
WITH pt AS (
  SELECT run_id FROM cl_runs
   WHERE run_id BETWEEN :first AND :last AND t_s = 0),
s AS (
  SELECT run_id, t_ns, cw, fw FROM cl_states JOIN pt USING (run_id))
SELECT cw - fw BETWEEN 0 AND 5
       AND (SELECT count(*) FROM connections c WHERE c.run_id = s.run_id
               AND c.kind = 'active'
               AND (c.final_state <> 'FIN_WAIT_2' OR c.closed_ns IS NOT NULL))
           = 0,
       run_id, t_ns, cw, fw
  FROM s;

-- with the timer, every client connection leaves FIN_WAIT_2 exactly
-- tcp.fin_wait2 after entering it, by the timer ("FIN_WAIT_2 timeout",
-- the orphan closed with ETIMEDOUT)
WITH pt AS (
  SELECT run_id, t_s * 1e9 AS t_ns FROM cl_runs
   WHERE run_id BETWEEN :first AND :last AND t_s > 0),
fw AS (
  SELECT c.run_id, c.conn_id, c.error,
         (SELECT t_ns FROM transitions x WHERE x.run_id = c.run_id
             AND x.conn_id = c.conn_id AND x.to_state = 'FIN_WAIT_2') AS t_in,
         (SELECT t_ns FROM transitions x WHERE x.run_id = c.run_id
             AND x.conn_id = c.conn_id AND x.from_state = 'FIN_WAIT_2'
             AND x.to_state = 'CLOSED' AND x.cause = 'FIN_WAIT_2 timeout')
           AS t_out
    FROM connections c JOIN pt USING (run_id) WHERE c.kind = 'active')
SELECT count(*) > 100 AND sum(fw.t_out - fw.t_in = pt.t_ns
                              AND fw.error = 'ETIMEDOUT') = count(*),
       pt.run_id, count(*) AS conns,
       sum(fw.t_out - fw.t_in = pt.t_ns) AS left_after_t
  FROM pt JOIN fw USING (run_id) GROUP BY pt.run_id;

-- with the timer, the client's FIN_WAIT_2 count levels off at rate x T
-- (Little's law; each sample from T to the stop of the connects is a
-- Poisson count of mean rate x T, within 4 standard deviations), while
-- CLOSE_WAIT grows past it; T after the stop it is 0 to the end
WITH pt AS (
  SELECT c.run_id, c.t_s,
         CAST(rtrim(w.value, '/s') AS REAL) AS rate,
         CAST(rtrim(s.value, 's') AS REAL) AS stop_s
    FROM cl_runs c
    JOIN params w ON w.run_id = c.run_id AND w.key = 'workload.client.rate'
    JOIN params s ON s.run_id = c.run_id AND s.key = 'workload.client.stop'
   WHERE c.run_id BETWEEN :first AND :last AND c.t_s > 0),
s AS (
  SELECT run_id, t_ns / 1e9 AS t, cw, fw FROM cl_states JOIN pt USING (run_id))
SELECT CASE WHEN s.t BETWEEN pt.t_s AND pt.stop_s
              THEN abs(s.fw - pt.rate * pt.t_s) <= 4 * sqrt(pt.rate * pt.t_s)
            WHEN s.t > pt.stop_s + pt.t_s THEN s.fw = 0
            ELSE s.fw <= s.cw END
       AND (s.t < pt.stop_s OR s.cw >= 2 * pt.rate * pt.t_s),
       pt.run_id, s.t, s.fw, s.cw, pt.rate * pt.t_s AS rate_x_t
  FROM pt JOIN s USING (run_id);
