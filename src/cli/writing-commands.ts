import type { Command } from 'commander';
import { collect, examples, modelOption } from './command-options.js';

// save, delete and update: the commands that take records in.

const SCHEMA_HELP = "check every record against this JSON Schema (draft 2020-12 or draft-07) instead of the dataset's stored one: one that fails is a bad line";

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

export function writingCommands(program: Command): void {
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
}
