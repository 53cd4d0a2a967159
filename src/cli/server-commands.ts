import { type Command, Option } from 'commander';
import { collect, examples } from './command-options.js';

// serve and webhooks: the long-running commands that answer or notify other programs.

export function serverCommands(program: Command): void {
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
}
