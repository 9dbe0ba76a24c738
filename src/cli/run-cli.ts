// Runs a command-line entry point: prints a graft error as one clear line (no stack trace for a user's
// mistake), any other error with its stack, and exits non-zero either way.

import { GraftError } from '../gpu/errors.ts';

export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      if (err instanceof GraftError || (err instanceof Error && err.constructor === Error)) {
        process.stderr.write(`error: ${err.message}\n`);
      } else {
        process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      }
      process.exit(1);
    },
  );
}
