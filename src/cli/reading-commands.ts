import { type Command, Option } from 'commander';
import { collect, examples, modelOption } from './command-options.js';

// records, cursor and stats: the commands that read the stream and the figures.

export function readingCommands(program: Command): void {
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
}
