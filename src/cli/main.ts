// The plab command.
import { readFileSync } from 'node:fs';
import { commands, type Command } from './commands.js';

function usage(): string {
  const lines = ['usage: plab <command> [options]', '', 'commands:'];
  for (const command of commands) lines.push(`  ${command.name.padEnd(14)}${command.summary}`);
  lines.push('', "Run 'plab <command> --help' for a command's options, 'plab --version' for the version.");
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    // package.json sits two folders up from both src/cli/main.ts and the bundle build/cli/main.js.
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(`plab ${version}`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command: Command | undefined = commands.find((candidate) => candidate.name === name);
  if (!command) {
    console.error(`plab: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Errors a user can fix are printed without a stack; set PLAB_DEBUG=1 to see it.
    const message = error instanceof Error ? (process.env.PLAB_DEBUG ? (error.stack ?? error.message) : error.message) : String(error);
    console.error(`plab: ${message}`);
    process.exit(1);
  },
);
