// The plab command.
import { CommanderError } from 'commander';
import { buildProgram } from './commands.js';

buildProgram()
  .parseAsync(process.argv)
  .then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      // commander has printed its own message (help, version, a parsing error) before throwing.
      if (error instanceof CommanderError) process.exit(error.exitCode);
      // Errors a user can fix are printed without a stack; set PLAB_DEBUG=1 to see it.
      const message = error instanceof Error ? (process.env.PLAB_DEBUG ? (error.stack ?? error.message) : error.message) : String(error);
      console.error(`plab: ${message}`);
      process.exit(1);
    },
  );
