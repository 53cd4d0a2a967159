import { Command, CommanderError, Option } from 'commander';
import {
  CheckpointConflictError,
  DeletionLimitError,
  EmptyRefreshError,
  InputError,
  InterruptedError,
  InvalidArgumentError,
  RcacheError,
  ResyncRequiredError,
  StoreError,
} from '../errors.js';
import { isServerLocation } from '../stores/open.js';
import { VERSION } from '../version.js';
import { NothingStoredError } from './nothing-stored.js';
import { UsageError } from './usage-error.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}

/** --model where a command needs it: checked before the command runs, so that the error can name the models there are. */
const requiredModels = new WeakSet<Option>();

function modelOption(): Option {
  const option = new Option('-m, --model <name>', 'the model (record type) of the dataset (required)');
  requiredModels.add(option);
  return option;
}

async function requireModel(command: Command): Promise<void> {
  if (!command.options.some((option) => requiredModels.has(option)) || command.getOptionValue('model') !== undefined) return;
  const { missingModel } = await import('./models.js');
  throw await missingModel(command.optsWithGlobals());
}

function inputOptions(command: Command): Command {
  return command
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('--skip-invalid', 'report and skip bad lines instead of failing the whole run')
    .option('--rejects <file>', 'with --skip-invalid, keep the skipped lines verbatim in this file')
    .option(
      '--unless-modified-after <cursor>',
      'leave alone (and count as skipped) records changed after this cursor, taken with rcache cursor before the fetch',
    )
    .option('--checkpoint <json>', "save this JSON object as the dataset's checkpoint, in the same transaction as the records")
    .option('--expect-version <n>', "with --checkpoint, save nothing (exit 4) unless the stored checkpoint's version is n (0: none yet)");
}

const SCHEMA_HELP = "check every record against this JSON Schema (draft 2020-12 or draft-07) instead of the dataset's stored one: one that fails is a bad line";

const TOP_HELP = `${examples([
  'cat contacts.ndjson | rcache save --model Contact',
  'rcache records --model Contact --filter updated,deleted -n 100',
  'rcache records --model Contact --cursor-file contact.cursor -f | consumer',
  'rcache stats',
  'rcache help save',
])}
Exit codes:
  0    success (also when the reader of the output goes away)
  1    runtime failure (the database cannot be opened, read or written), or a full refresh
       that would delete more than --max-delete allows (nothing was saved)
  2    usage error: an unknown command or option, a missing --model, a bad value
  3    resync required: the cursor is from before the dataset's last reset or expiry;
       drop the copy of its records and read again without a cursor
  4    conflict: the checkpoint's version is not the one --expect-version names;
       nothing was written
  5    nothing stored: rcache schema found no schema (or no records to infer one from)
  65   bad input data (the message names the file and line): not a record, failing
       the schema, or without a usable --version-field
  130  interrupted by SIGINT or SIGTERM: the run was rolled back
`;

/** Options that only mean something with another one are refused alone, rather than ignored. */
function checkCombinations(command: Command): void {
  const given = (name: string) => command.getOptionValueSource(name) === 'cli';
  const needs: [string, string, string][] = [
    ['interval', 'follow', '--interval only applies with --follow: add --follow (-f)'],
    ['rejects', 'skipInvalid', '--rejects only applies with --skip-invalid: add --skip-invalid'],
    ['maxDelete', 'fullRefresh', '--max-delete only applies with --full-refresh: add --full-refresh'],
  ];
  for (const [option, other, message] of needs) {
    if (given(option) && command.getOptionValue(other) === undefined) throw new UsageError(message);
  }
}

/** Records typed at a terminal are read as they come; say so, rather than seeming to hang. */
function announceTerminalInput(command: Command): void {
  if (!['save', 'update', 'delete'].includes(command.name()) || process.stdin.isTTY !== true) return;
  const args = command.args;
  if (args.length > 0 && (command.name() === 'delete' || !args.includes('-'))) return;
  const end = process.platform === 'win32' ? 'Ctrl-Z, Enter' : 'Ctrl-D';
  process.stderr.write(`rcache: reading NDJSON records from the terminal, one per line; end with ${end} (or see rcache ${command.name()} --help)\n`);
}

export function buildProgram(): Command {
  const program = new Command('rcache');
  program
    .description('A local records cache: pipe NDJSON records in, read a cursor-ordered stream of what changed.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    // Each command's help lists the options every command takes (--db, --integration, ...).
    .configureHelp({ showGlobalOptions: true })
    .addOption(new Option('--db <file>', 'database file').env('RCACHE_DB').default('rcache.db'))
    .addOption(new Option('--integration <key>', 'integration (provider config key)').env('RCACHE_INTEGRATION').default('default'))
    .addOption(new Option('--connection <id>', 'connection id').env('RCACHE_CONNECTION').default('default'))
    .option('--busy-timeout <ms>', 'how long to wait for another writer, in milliseconds (default 60000)')
    .option('--color', 'force colour on')
    .option('--no-color', 'turn colour off (NO_COLOR and FORCE_COLOR are honoured too)')
    .option('--debug', 'show stack traces of unexpected errors')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', TOP_HELP)
    .hook('preAction', async (_program, command) => {
      await requireModel(command);
      checkCombinations(command);
      announceTerminalInput(command);
    })
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`rcache: ${text.replace(/^error: /, '')}`),
    });

  inputOptions(
    program
      .command('save')
      .description('save NDJSON records (from files or stdin) and detect what was added or updated')
      .argument('[files...]', 'NDJSON files; - or none reads standard input')
      .addOption(modelOption())
      .option('--ignore-field <path>', 'leave a dotted field out of change detection (repeatable)', collect)
      .option('--full-refresh', 'the input is the complete set: soft-delete live records it does not contain')
      .option('--allow-empty', 'with --full-refresh, let an empty input delete every record')
      .option('--max-delete <n|p%>', 'with --full-refresh, how many live records it may delete: a number, or a share (default 50%; 100% allows all)')
      .option('--version-field <path>', 'a dotted field ordering versions of a record: a lower version than the stored one is skipped')
      .option('--schema <file>', SCHEMA_HELP),
  )
    .addHelpText(
      'after',
      examples([
        'cat contacts.ndjson | rcache save --model Contact',
        'rcache save --model Contact --full-refresh all-contacts.ndjson',
        'rcache save --model Contact page1.ndjson page2.ndjson --json',
        'rcache save --model Contact --ignore-field fetched_at --skip-invalid --rejects bad.ndjson data.ndjson',
        'rcache save --model Contact --full-refresh --max-delete 80% all-contacts.ndjson',
        'CURSOR=$(rcache cursor --model Contact); fetch > new.ndjson; rcache save --model Contact --unless-modified-after "$CURSOR" new.ndjson',
        'rcache save --model Contact --version-field updated_at --schema contact.schema.json data.ndjson',
        `rcache save --model Contact --checkpoint '{"next_page":"p3"}' --expect-version 2 page2.ndjson`,
      ]),
    )
    .action(async (files: string[], _options, command: Command) => {
      const { save } = await import('./save.js');
      await save(files, command.optsWithGlobals());
    });

  inputOptions(
    program
      .command('delete')
      .description('soft-delete records by id (arguments, or NDJSON objects with an "id" on stdin)')
      .argument('[ids...]', 'ids to delete; without any, read NDJSON from standard input')
      .addOption(modelOption()),
  )
    .addHelpText(
      'after',
      examples([
        'rcache delete --model Contact contact-7 contact-9',
        'rcache delete --model Contact < removed.ndjson',
        'rcache delete --model Contact --unless-modified-after "$CURSOR" < removed.ndjson',
        `rcache delete --model Contact --checkpoint '{"events_after":"e-1029"}' --expect-version 7 < removed.ndjson`,
      ]),
    )
    .action(async (ids: string[], _options, command: Command) => {
      const { remove } = await import('./delete.js');
      await remove(ids, command.optsWithGlobals());
    });

  inputOptions(
    program
      .command('update')
      .description('deep-merge partial records into live records (objects merge, arrays and scalars replace)')
      .argument('[files...]', 'NDJSON files of partial records with an "id"; - or none reads standard input')
      .addOption(modelOption())
      .option('--ignore-field <path>', 'leave a dotted field out of change detection (repeatable)', collect)
      .option('--schema <file>', `${SCHEMA_HELP} once merged`),
  )
    .addHelpText(
      'after',
      examples([
        `echo '{"id":"contact-7","address":{"city":"Berlin"}}' | rcache update --model Contact`,
        'rcache update --model Contact patches.ndjson --json',
        'rcache update --model Contact --schema contact.schema.json --unless-modified-after "$CURSOR" patches.ndjson',
        `rcache update --model Contact --checkpoint '{"since":"2024-05-01T00:00:00Z"}' --expect-version 3 patches.ndjson`,
      ]),
    )
    .action(async (files: string[], _options, command: Command) => {
      const { update } = await import('./update.js');
      await update(files, command.optsWithGlobals());
    });

  program
    .command('records')
    .description('print the change stream: records whose latest change comes after the cursor, in change order')
    .addOption(modelOption())
    .option('--cursor <cursor>', 'start after this cursor (from _nango_metadata.cursor); default: the beginning')
    .option('--cursor-file <file>', 'start after the cursor kept in this file, and keep it there as records are written')
    .option('-f, --follow', 'after the backlog, keep printing new changes as they are committed, until interrupted')
    .option('--since-now', 'with --follow, skip the backlog: print only changes committed from now on')
    .option('--interval <seconds>', 'with --follow, how often to look for new changes', '1')
    .option('-n, --limit <n>', 'stop after n records')
    .option('--filter <actions>', 'only added, updated, deleted, or a comma list of them')
    .option('--ids <ids>', 'only these ids, comma-separated (spaces around each are dropped)')
    .option('--id <id>', 'only this id, exactly as given (repeatable; for ids holding commas)', collect)
    .option('--ids-file <file>', 'only the ids in this file, one per line')
    .option('--modified-after <time>', 'only records modified at or after this ISO 8601 time, or this long ago (90m, 12h, 7d)')
    .addOption(new Option('--format <format>', 'output format').choices(['ndjson', 'json', 'table']).default('ndjson'))
    .addHelpText(
      'after',
      examples([
        'rcache records --model Contact',
        'rcache records --model Contact --filter updated,deleted --limit 100',
        'rcache records --model Contact --cursor "$LAST" --format json',
        'rcache records --model Contact --id "id, with a comma" --id "  spaced  "',
        'rcache records --model Contact --cursor-file contact.cursor --follow | consumer',
        'rcache records --model Contact --follow --since-now',
      ]),
    )
    .action(async (_options, command: Command) => {
      const { records } = await import('./records.js');
      await records(command.optsWithGlobals());
    });

  program
    .command('cursor')
    .description('print the current end of the change stream: a cursor after which only later changes come')
    .addOption(modelOption())
    .addHelpText('after', examples(['LAST=$(rcache cursor --model Contact)', 'rcache records --model Contact --cursor "$LAST"']))
    .action(async (_options, command: Command) => {
      const { cursor } = await import('./cursor.js');
      await cursor(command.optsWithGlobals());
    });

  program
    .command('checkpoint')
    .description("print the dataset's checkpoint (JSON), or set or clear it alone")
    .addOption(modelOption())
    .option('--set <json>', 'set it to this JSON object (at most 64 KiB)')
    .option('--clear', 'clear it (its version still grows)')
    .option('--expect-version <n>', "with --set or --clear, change nothing (exit 4) unless the stored checkpoint's version is n (0: none yet)")
    .addHelpText(
      'after',
      examples([
        'rcache checkpoint --model Contact         # {"checkpoint":{...}|null,"version":N,"updated_at":"..."|null}',
        `rcache checkpoint --model Contact --set '{"next_page":"p1"}' --expect-version 0`,
        'rcache checkpoint --model Contact --clear',
        'VERSION=$(rcache checkpoint --model Contact | jq .version)',
      ]),
    )
    .action(async (_options, command: Command) => {
      const { checkpoint } = await import('./checkpoint.js');
      await checkpoint(command.optsWithGlobals());
    });

  program
    .command('prune')
    .description('retention: drop old payloads and expire datasets with no recent sync')
    .option('-m, --model <name>', 'only this dataset (all datasets without it)')
    .option('--payload-ttl <duration>', 'drop payloads of records not changed for this long', '30d')
    .option('--dataset-ttl <duration>', 'hard-delete datasets with no save, delete or update run for this long', '60d')
    .option('--until-cursor <cursor>', 'instead: drop payloads of the records up to and including this cursor (needs --model)')
    .option('--dry-run', 'report what would be pruned, change nothing')
    .option('--vacuum', 'then give the space freed back to the file system (rewrites the database: slow when it is large)')
    .option('--json', 'print {"pruned", "datasets_expired", "records_deleted"} on stdout')
    .addHelpText(
      'after',
      examples([
        'rcache prune --dry-run',
        'rcache prune --payload-ttl 7d --dataset-ttl 90d --json',
        'rcache prune --model Contact --until-cursor "$PROCESSED"',
        'rcache prune --payload-ttl 7d --vacuum',
      ]),
    )
    .action(async (_options, command: Command) => {
      const { prune } = await import('./prune.js');
      await prune(command.optsWithGlobals());
    });

  program
    .command('reset')
    .description('hard-delete every record of a dataset, to sync it again from scratch')
    .addOption(modelOption())
    .option('--json', 'print the summary as one JSON object on stdout')
    .addHelpText('after', examples(['rcache reset --model Contact', 'rcache reset --model Contact --connection acme --json']))
    .action(async (_options, command: Command) => {
      const { reset } = await import('./reset.js');
      await reset(command.optsWithGlobals());
    });

  program
    .command('stats')
    .description('per-dataset counts and sizes, or the history of runs')
    .option('-m, --model <name>', 'only this model (with --integration and --connection)')
    .option('--runs', "list the run history with each run's counts, newest first")
    .option('-n, --limit <n>', 'with --runs, only the newest n runs')
    .option('--since <time>', 'with --runs, only runs started at or after this ISO 8601 time, or this long ago (7d, 12h)')
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      examples(['rcache stats', 'rcache stats --runs --model Contact -n 20', 'rcache stats --runs --since 1d', 'rcache stats --json | jq .datasets']),
    )
    .action(async (_options, command: Command) => {
      const { stats } = await import('./stats.js');
      await stats(command.optsWithGlobals());
    });

  program
    .command('serve')
    .description("answer Nango's records API (GET /records, PATCH /records/prune) over HTTP from this database, with a dashboard at /")
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '3003')
    .addOption(new Option('--secret-key <key>', 'require "Authorization: Bearer <key>" on every request').env('RCACHE_SECRET_KEY'))
    .addHelpText(
      'after',
      examples([
        'rcache serve                     # then open http://127.0.0.1:3003/',
        'RCACHE_SECRET_KEY=s3cret rcache serve --host 0.0.0.0 --port 8080',
        "curl -H 'Provider-Config-Key: default' -H 'Connection-Id: default' 'http://127.0.0.1:3003/records?model=Contact&limit=10'",
      ]),
    )
    .action(async (_options, command: Command) => {
      const { serve } = await import('./serve.js');
      await serve(command.optsWithGlobals());
    });

  program
    .command('webhooks')
    .description("deliver each run that changed something to URLs as Nango's sync webhooks, in order, retrying until taken")
    .requiredOption('--url <url>', 'a receiver (repeatable); a user and password in it are sent as Basic authentication', collect)
    .option('-m, --model <name>', 'only runs of this model (repeatable; all models without it)', collect)
    .addOption(
      new Option('--signing-key <key>', 'sign each delivery as Nango does (better in the variable: a command line is visible to other users)').env(
        'RCACHE_WEBHOOK_SIGNING_KEY',
      ),
    )
    .option('--always', 'also send runs that changed nothing')
    .option('--from-beginning', 'a URL not seen before gets every run of the history, not only the runs from now on')
    .option('--timeout <seconds>', 'how long to wait for a receiver to answer', '20')
    .option('--retry-delay <seconds>', 'the wait before a second attempt; it doubles with each failure (up to 5 minutes)', '1')
    .addHelpText(
      'after',
      examples([
        'RCACHE_WEBHOOK_SIGNING_KEY=s3cret rcache webhooks --url http://127.0.0.1:8080/webhooks',
        'rcache webhooks --url https://user:pass@app.example/hooks --model Contact --model Deal',
        'rcache webhooks --url http://127.0.0.1:8080/webhooks --from-beginning --always',
      ]),
    )
    .action(async (_options, command: Command) => {
      const { webhooks } = await import('./webhooks.js');
      const given = (name: string) => program.getOptionValueSource(name) !== 'default';
      await webhooks(command.optsWithGlobals(), { integration: given('integration'), connection: given('connection') });
    });

  program
    .command('schema')
    .description('print the JSON Schema stored for a dataset, which every record saved or updated must satisfy; or set, clear or infer it')
    .addOption(modelOption())
    .addOption(new Option('--set <file>', 'store the JSON Schema in this file (draft 2020-12 or draft-07) for the dataset').conflicts(['clear', 'infer']))
    .addOption(new Option('--clear', 'remove the stored schema: records are no longer checked').conflicts('infer'))
    .option('--infer', 'print a schema that every live record of the dataset satisfies (a start to edit and --set)')
    .addHelpText(
      'after',
      examples([
        'rcache schema --model Contact --set contact.schema.json',
        'rcache schema --model Contact                          # prints it; exit 5 when there is none',
        'rcache schema --model Contact --infer > contact.schema.json',
        'rcache schema --model Contact --clear',
      ]),
    )
    .action(async (_options, command: Command) => {
      const { schema } = await import('./schema.js');
      await schema(command.optsWithGlobals());
    });

  program
    .command('help')
    .description('show the help of a command')
    .argument('[command]', 'a command')
    .action((name: string | undefined) => {
      if (name === undefined) program.help();
      const command = program.commands.find((c) => c.name() === name);
      if (command === undefined) throw new UsageError(`unknown command '${name}': the commands are ${program.commands.map((c) => c.name()).join(', ')}`);
      command.help();
    });
  program.helpCommand(false);

  return program;
}

let outputFailure: NodeJS.ErrnoException | undefined;

/**
 * A reader that goes away (`rcache --help | head -1`) ends the output quietly; any other failure
 * to write (a full disk) is said once, in one line, and the exit code is 1. Never a trace.
 */
function watchOutput(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || outputFailure !== undefined) return;
    outputFailure = error;
    // A usage error whose message could not be written still exits 2.
    if (!process.exitCode) process.exitCode = 1;
    const reason = error.code === 'ENOSPC' ? 'the disk is full' : error.message;
    if (stream !== process.stderr) process.stderr.write(`rcache: cannot write the output: ${reason}\n`);
  });
}

const WRITING = new Set(['save', 'delete', 'update', 'prune', 'reset']);

/** Runs rcache with `argv`; the one place where errors become messages and exit codes. */
export async function main(argv: string[]): Promise<void> {
  watchOutput(process.stdout);
  watchOutput(process.stderr);
  const program = buildProgram();
  const fail = (error: unknown) => {
    const command = program.args[0] ?? '';
    // A failed write has been reported where it was met; the error it makes a command throw is the same one.
    const writing = WRITING.has(command) && !argv.includes('--dry-run');
    const code = error === outputFailure ? 1 : exitCodeFor(error, argv.includes('--debug'), writing, program.opts<{ db?: string }>().db);
    process.exitCode = code === 0 && outputFailure !== undefined ? 1 : code;
  };
  // An error outside the command's promise (a dependency's callback or forgotten promise) is said
  // the same way, and ends the run: what it left half done is not to be trusted.
  process.once('uncaughtException', (error) => {
    fail(error);
    process.exit();
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    fail(error);
  }
}

function report(message: string, error: unknown, debug: boolean): void {
  process.stderr.write(`rcache: ${message}\n`);
  if (debug) process.stderr.write(`${(error as Error)?.stack}\n`);
}

function exitCodeFor(error: unknown, debug: boolean, writing: boolean, db: string | undefined): number {
  if (error instanceof CommanderError) {
    const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code) && error.exitCode === 0;
    return ok ? 0 : 2;
  }
  if (error instanceof StoreError) {
    report(storeMessage(error, writing, db), error, debug);
    return 1;
  }
  if (error instanceof RcacheError) {
    const code = exitCodes.find(([kind]) => error instanceof kind)?.[1] ?? 1;
    report(hinted(error), error, debug);
    return code;
  }
  if (error instanceof RangeError && /out of memory|allocation failed/i.test(error.message)) {
    report(`not enough memory (${error.message}): raise the memory limit (ulimit -v) or free some memory and run again`, error, debug);
    return 1;
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('E')) {
    report(SYSTEM_LIMITS[code]?.(error as Error) ?? (error as Error).message, error, debug);
    return 1;
  }
  process.stderr.write(`rcache: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
  process.stderr.write(debug ? `${(error as Error)?.stack}\n` : 'rcache: this is a bug in rcache; run again with --debug for details\n');
  return 1;
}

/** Errors of the system's limits, said with what to do about them. */
const SYSTEM_LIMITS: Record<string, (error: Error) => string> = {
  ENOSPC: (error) => `the disk is full (${error.message})`,
  EMFILE: () => 'too many open files: raise the limit on open files (ulimit -n) and run again',
  ENFILE: () => "the system's table of open files is full: close some programs and run again",
};

/** A library error's message, with the flag that allows what it refused. */
function hinted(error: RcacheError): string {
  if (error instanceof EmptyRefreshError) return `${error.message}; pass --allow-empty to allow that`;
  if (error instanceof DeletionLimitError) return `${error.message}; if that is right, pass --max-delete ${error.count} (or 100% to allow any share)`;
  if (error instanceof CheckpointConflictError) {
    return `${error.message}; read it again (rcache checkpoint --model ${error.model}) and go on from what it holds`;
  }
  return error.message;
}

const exitCodes: [abstract new (...args: never[]) => RcacheError, number][] = [
  [UsageError, 2],
  [InvalidArgumentError, 2],
  [ResyncRequiredError, 3],
  [CheckpointConflictError, 4],
  [NothingStoredError, 5],
  [InputError, 65],
  [EmptyRefreshError, 65],
  [InterruptedError, 130],
];

/** A store failure in the terms of the command that met it: what to do, and whether a run was lost. */
function storeMessage(error: StoreError, writing: boolean, db: string | undefined): string {
  const lost = writing ? ': nothing from this run was saved' : '';
  switch (error.kind) {
    case 'busy':
      return `the database is locked by another process${lost} (wait, or raise --busy-timeout)`;
    case 'foreign':
      if (!error.message.includes('is not an rcache database')) return error.message;
      return `${error.message}; ${db !== undefined && isServerLocation(db) ? 'choose another database with --db (rcache needs one of its own)' : 'choose another file with --db'}`;
    case 'missing':
      return error.message.startsWith('no rcache database') ? `${error.message} (save some records first, or pass --db)` : error.message;
    case 'bad-location':
      return `${error.message} (--db, or RCACHE_DB)`;
    case 'full':
    case 'read-only':
    case 'failed':
      return `${error.message}${lost}`;
    default:
      return error.message;
  }
}
