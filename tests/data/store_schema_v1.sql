-- A database as rigor wrote it at schema version 1 (before numbered
-- migrations), with one sample. Some such databases also have
-- samples.limit_wait_s, added to them without a version of its own.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, config_json TEXT NOT NULL, config_hash TEXT NOT NULL,
  version TEXT NOT NULL, seed INTEGER NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '', tag TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS run_models (
  run_id TEXT NOT NULL, model TEXT NOT NULL, engine TEXT NOT NULL, model_id TEXT NOT NULL,
  server_label TEXT NOT NULL, simulated INTEGER NOT NULL, pricing_json TEXT NOT NULL,
  wall_s REAL NOT NULL DEFAULT 0, PRIMARY KEY (run_id, model));
CREATE TABLE IF NOT EXISTS samples (
  run_id TEXT NOT NULL, model TEXT NOT NULL, suite TEXT NOT NULL, problem_id TEXT NOT NULL,
  sample_idx INTEGER NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
  prompt TEXT NOT NULL, gold TEXT NOT NULL, permutation TEXT NOT NULL,
  response TEXT NOT NULL, reasoning TEXT NOT NULL, extracted TEXT NOT NULL,
  extracted_ok INTEGER NOT NULL, correct INTEGER NOT NULL, score_reason TEXT NOT NULL,
  finish_reason TEXT NOT NULL, truncated INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
  ttft_s REAL NOT NULL, ttfat_s REAL NOT NULL, decode_tps REAL NOT NULL,
  latency_s REAL NOT NULL, started_s REAL NOT NULL, cost_usd REAL NOT NULL,
  error TEXT NOT NULL, attempts INTEGER NOT NULL, server_model TEXT NOT NULL,
  PRIMARY KEY (run_id, model, suite, problem_id, sample_idx));
INSERT INTO meta(key, value) VALUES('schema_version', '1');
INSERT INTO runs VALUES('r1', '{}', 'h', '0.1', 7, '2026-01-01T00:00:00Z', '', '');
INSERT INTO samples VALUES('r1', 'm', 'aime24', 'aime24/60', 0, 42, 'ok', 'p', '7', '', 'The answer is 7', '', '7',
  1, 1, 'boxed', 'stop', 0, 1000, 200, 120, 80, 0.25, 0.5, 50.0, 3.0, 0.0, 0.00123, '', 1, 'm');
