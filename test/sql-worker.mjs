// Runs the PostgreSQL fixture's SQL (store-fixtures.ts) on connections kept open, on a thread of
// its own that the test's thread waits for (synckit): a test reads the database synchronously, as
// it reads a SQLite file, without starting psql and a server process for every query.
import pg from 'pg';
import { runAsWorker } from 'synckit';

/** Connections kept, newest last; a test file touches many databases, and the server's slots are few. */
const KEPT = 4;
const clients = new Map();

// Every value as the server writes it, as psql prints it.
const asText = { getTypeParser: () => (value) => value };

function connection(url) {
  let made = clients.get(url);
  if (made === undefined) {
    const client = new pg.Client({ connectionString: url, application_name: 'rcache-test-fixture', types: asText });
    const forget = () => {
      if (clients.get(url) === made) clients.delete(url);
    };
    client.on('error', forget);
    client.on('end', forget);
    made = client.connect().then(() => client);
    made.catch(forget);
    clients.set(url, made);
    for (const [other, old] of clients) {
      if (clients.size <= KEPT) break;
      clients.delete(other);
      old.then((c) => c.end()).catch(() => {});
    }
  } else {
    // Most recently used last.
    clients.delete(url);
    clients.set(url, made);
  }
  return made;
}

/** A connection the server ended (a test terminated it, or dropped its database), not a failed statement. */
function lost(error) {
  return error.code === undefined || error.code.startsWith('57P') || error.code.startsWith('08');
}

/** Runs each command (autocommitted, as `psql -c` does) and prints every row of each, fields joined by `|`. */
async function run(url, commands) {
  const client = await connection(url);
  let out = '';
  for (const command of commands) {
    const results = [await client.query({ text: command, rowMode: 'array' })].flat();
    for (const result of results) for (const row of result.rows ?? []) out += `${row.map((value) => value ?? '').join('|')}\n`;
  }
  return out;
}

runAsWorker(async (url, commands) => {
  try {
    return await run(url, commands);
  } catch (error) {
    if (!lost(error)) throw new Error(`SQL failed: ${error.message}`);
    clients.delete(url);
    // A connection lost before its statement ran: once more, on a new one.
    return await run(url, commands).catch((again) => {
      throw new Error(`SQL failed: ${again.message}`);
    });
  }
});
