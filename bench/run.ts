// `npm run bench -- NAME [args]`: runs bench/NAME.ts, which prints one JSON line per figure on stdout.
import { cpus, totalmem } from 'node:os';

const [name, ...args] = process.argv.slice(2);
if (!name) {
  process.stderr.write('usage: npm run bench -- <generate|kafka|features|sgd|...> [args]\n');
  process.exit(2);
}
const mod = (await import(`./${name}.js`)) as { default: (args: string[]) => Promise<void> };
process.stderr.write(`bench ${name} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}\n`);
await mod.default(args);
