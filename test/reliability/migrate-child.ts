/**
 * Child process of the named-crash-point suite: upgrades an index to a hypothetical next schema version (the real
 * migrations plus one more that adds a table, a column and a row), so a crash inside a migration of an existing,
 * populated index can be tested. With JARVIS_SYNC_CRASH_AT=schema:… it dies at that step.
 *
 * argv: <dbPath>; prints {"from":…, "to":…}
 */
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from '../../electron/core/schema.js';

const NEXT_MIGRATION = `
  CREATE TABLE reliability_v2 (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
  INSERT INTO reliability_v2 (note) VALUES ('migrated');
  ALTER TABLE documents ADD COLUMN reliability_v2 TEXT;
  UPDATE documents SET reliability_v2 = 'x';
`;

const file = process.argv[2];
if (!file) throw new Error('usage: migrate-child <dbPath>');
const db = new Database(file, { timeout: 5000 });
db.pragma('journal_mode = WAL');
const from = migrate(db, [...MIGRATIONS, NEXT_MIGRATION]);
const to = db.pragma('user_version', { simple: true }) as number;
db.close();
process.stdout.write(`${JSON.stringify({ from, to })}\n`);
