import { type Command, Option } from 'commander';
import { examples, modelOption } from './command-options.js';

// checkpoint, schema, reset and prune: the commands that look after a dataset's state.

export function datasetCommands(program: Command): void {
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
}
