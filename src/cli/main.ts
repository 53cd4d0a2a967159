import { exitCodeFor } from './exit-codes.js';
import { buildProgram } from './program.js';

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
