import { type Command, Option } from 'commander';
import { UsageError } from './usage-error.js';

// What the commands' definitions share: repeatable options, examples in help, --model, and the checks run before any command.

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}

/** --model where a command needs it: checked before the command runs, so that the error can name the models there are. */
const requiredModels = new WeakSet<Option>();

export function modelOption(): Option {
  const option = new Option('-m, --model <name>', 'the model (record type) of the dataset (required)');
  requiredModels.add(option);
  return option;
}

export async function requireModel(command: Command): Promise<void> {
  if (!command.options.some((option) => requiredModels.has(option)) || command.getOptionValue('model') !== undefined) return;
  const { missingModel } = await import('./models.js');
  throw await missingModel(command.optsWithGlobals());
}

/** Options that only mean something with another one are refused alone, rather than ignored. */
export function checkCombinations(command: Command): void {
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
export function announceTerminalInput(command: Command): void {
  if (!['save', 'update', 'delete'].includes(command.name()) || process.stdin.isTTY !== true) return;
  const args = command.args;
  if (args.length > 0 && (command.name() === 'delete' || !args.includes('-'))) return;
  const end = process.platform === 'win32' ? 'Ctrl-Z, Enter' : 'Ctrl-D';
  process.stderr.write(`rcache: reading NDJSON records from the terminal, one per line; end with ${end} (or see rcache ${command.name()} --help)\n`);
}
