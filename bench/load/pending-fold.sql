-- The pending mark of the deferred path (ingestAttempts) as a second table (attempt_pending, what the
-- server does) or folded into the attempt row (a nullable flag with a partial index), measured in SQL
-- alone on a scratch schema `fold` with the attempt table's columns and indexes (no foreign keys):
-- 300 statements of 100 rows each way, then applying every mark at once (a DELETE of the marks, or an
-- UPDATE of the flag). docs/benchmarks/load.md, "Deferred ingestion", has the figures. Run:
--   createdb -h 127.0.0.1 -U postgres zpd_fold && psql -h 127.0.0.1 -U postgres zpd_fold -f bench/load/pending-fold.sql; dropdb -h 127.0.0.1 -U postgres zpd_fold
\set QUIET on
DROP SCHEMA IF EXISTS fold CASCADE; CREATE SCHEMA fold; SET search_path = fold;
CREATE TABLE a (id uuid PRIMARY KEY, school_id uuid NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), learner_id uuid NOT NULL, task_id uuid NOT NULL, correct bool NOT NULL, score float8 NOT NULL, duration_seconds int, hints_used int NOT NULL DEFAULT 0, occurred_at timestamptz NOT NULL, source varchar(100) NOT NULL DEFAULT 'api', idempotency_key varchar(200) NOT NULL);
CREATE INDEX ON a (task_id); CREATE UNIQUE INDEX ON a (school_id, idempotency_key); CREATE INDEX ON a (learner_id, occurred_at, id) INCLUDE (task_id, correct); CREATE INDEX ON a USING brin (occurred_at);
CREATE TABLE p (learner_id uuid, attempt_id uuid, school_id uuid NOT NULL, PRIMARY KEY (learner_id, attempt_id));
CREATE TABLE b (LIKE a INCLUDING ALL); ALTER TABLE b ADD pending boolean; CREATE INDEX b_pending ON b (learner_id) WHERE pending;
CREATE TABLE learners AS SELECT gen_random_uuid() AS id FROM generate_series(1,500);
CREATE TABLE tasks AS SELECT gen_random_uuid() AS id FROM generate_series(1,100);
CREATE FUNCTION ins_a(n int) RETURNS void LANGUAGE plpgsql AS $$ DECLARE s uuid := '00000000-0000-0000-0000-000000000001'; BEGIN
 FOR i IN 1..n LOOP
  WITH ins AS (INSERT INTO a (id, school_id, learner_id, task_id, correct, score, occurred_at, idempotency_key)
    SELECT gen_random_uuid(), s, (SELECT id FROM learners OFFSET floor(random()*500)::int LIMIT 1), (SELECT id FROM tasks LIMIT 1), true, 1, now(), md5(random()::text) FROM generate_series(1,100) RETURNING id, learner_id)
  INSERT INTO p SELECT learner_id, id, s FROM ins;
 END LOOP; END $$;
CREATE FUNCTION ins_b(n int) RETURNS void LANGUAGE plpgsql AS $$ DECLARE s uuid := '00000000-0000-0000-0000-000000000001'; BEGIN
 FOR i IN 1..n LOOP
  INSERT INTO b (id, school_id, learner_id, task_id, correct, score, occurred_at, idempotency_key, pending)
    SELECT gen_random_uuid(), s, (SELECT id FROM learners OFFSET floor(random()*500)::int LIMIT 1), (SELECT id FROM tasks LIMIT 1), true, 1, now(), md5(random()::text), true FROM generate_series(1,100);
 END LOOP; END $$;
CREATE FUNCTION ins_c(n int) RETURNS void LANGUAGE plpgsql AS $$ DECLARE s uuid := '00000000-0000-0000-0000-000000000001'; BEGIN
 FOR i IN 1..n LOOP
  INSERT INTO a (id, school_id, learner_id, task_id, correct, score, occurred_at, idempotency_key)
    SELECT gen_random_uuid(), s, (SELECT id FROM learners OFFSET floor(random()*500)::int LIMIT 1), (SELECT id FROM tasks LIMIT 1), true, 1, now(), md5(random()::text) FROM generate_series(1,100);
 END LOOP; END $$;
-- warm
SELECT ins_a(20); SELECT ins_b(20); SELECT ins_c(20);
\timing on
\echo raw insert only (c)
SELECT ins_c(300);
\echo insert + pending table (a)
SELECT ins_a(300);
\echo insert with pending column (b)
SELECT ins_b(300);
\echo apply: delete from p
DELETE FROM p;
\echo apply: update b
UPDATE b SET pending = NULL WHERE pending;
DROP SCHEMA fold CASCADE;
