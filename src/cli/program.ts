import { Command, Option } from 'commander';
import { VERSION } from '../version.js';
import { announceTerminalInput, checkCombinations, examples, requireModel } from './command-options.js';
import { datasetCommands } from './dataset-commands.js';
import { readingCommands } from './reading-commands.js';
import { serverCommands } from './server-commands.js';
import { UsageError } from './usage-error.js';
import { writingCommands } from './writing-commands.js';

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

  writingCommands(program);
  readingCommands(program);
  datasetCommands(program);
  serverCommands(program);

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
