/**
 * `npm run build:wasm`: assembles ml/wasm/*.wat into the .wasm files next to them (wabt, a dev
 * dependency; the runtime reads only the committed .wasm). `--check` exits 1 when a committed
 * binary is not its source's.
 */
import * as fs from 'fs';
import * as path from 'path';

export async function assemble(watFile: string): Promise<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wabt = await (require('wabt') as () => Promise<{ parseWat: (name: string, text: string, features: Record<string, boolean>) => { toBinary: (o: Record<string, boolean>) => { buffer: Uint8Array }; validate: () => void; destroy: () => void } }>)();
  const mod = wabt.parseWat(path.basename(watFile), fs.readFileSync(watFile, 'utf8'), { simd: true });
  try {
    mod.validate();
    return Buffer.from(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    mod.destroy();
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const dir = __dirname;
  let stale = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.wat'))) {
    const wat = path.join(dir, f);
    const out = wat.replace(/\.wat$/, '.wasm');
    const bin = await assemble(wat);
    if (check) {
      if (!fs.existsSync(out) || !fs.readFileSync(out).equals(bin)) {
        process.stderr.write(`${path.relative(process.cwd(), out)} is not built from ${f}; run npm run build:wasm\n`);
        stale++;
      }
    } else {
      fs.writeFileSync(out, bin);
      process.stdout.write(`wrote ${path.relative(process.cwd(), out)} (${bin.length} bytes)\n`);
    }
  }
  if (stale) process.exit(1);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
