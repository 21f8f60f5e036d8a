/**
 * The `pcc` command: one dispatcher, one file per subcommand under cli/commands/.
 * Subcommands are loaded lazily so that `pcc classify` does not pay for Kafka or Postgres.
 * Each command module exports `run(argv: string[]): Promise<number>` (the exit code) and a
 * one-line `summary`; `pcc <command> --help` is answered by the command itself.
 */

export interface CommandModule {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

type Loader = () => Promise<CommandModule>;

// require() rather than import(): the sources run as CommonJS through tsx, where a dynamic
// import() would bypass the TypeScript loader.
function load(modulePath: string): Promise<CommandModule> {
  return new Promise((resolve) => resolve(require(modulePath) as CommandModule));
}

// The closed list of subcommands. Adding one: a file in cli/commands/ and one line here.
const COMMANDS: Record<string, Loader> = {
  migrate: () => load('./commands/migrate'),
  bootstrap: () => load('./commands/bootstrap'),
  classify: () => load('./commands/classify'),
  run: () => load('./commands/run'),
  produce: () => load('./commands/produce'),
  dlq: () => load('./commands/dlq'),
  retention: () => load('./commands/retention'),
  demo: () => load('./commands/demo'),
  processor: () => load('./commands/processor'),
  sink: () => load('./commands/sink'),
  drift: () => load('./commands/drift'),
  bench: () => load('./commands/bench'),
  synth: () => load('./commands/synth'),
  gateway: () => load('./commands/gateway'),
};

export function commandNames(): string[] {
  return Object.keys(COMMANDS).sort();
}

async function help(): Promise<string> {
  const lines = ['usage: pcc <command> [options]', '', 'commands:'];
  for (const name of commandNames()) {
    const summary = await COMMANDS[name]().then(
      (mod) => mod.summary,
      (err: Error) => `(unavailable: ${err.message.split('\n')[0]})`,
    );
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  lines.push('', 'Run `pcc <command> --help` for a command\'s options.');
  lines.push('Configuration comes from PCC_* environment variables; see README.md.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write((await help()) + '\n');
    return name ? 0 : 2;
  }
  const loader = COMMANDS[name];
  if (!loader) {
    process.stderr.write(`pcc: unknown command "${name}"\n\n${await help()}\n`);
    return 2;
  }
  const mod = await loader();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${mod.usage}\n`);
    return 0;
  }
  return mod.run(rest);
}
