// npm run bench:dotenv: why the configuration reader is our own. The same
// generated files the differential test (test/config/differential.test.ts)
// feeds to /bin/sh and to our reader are parsed here by dotenv, the usual
// library for KEY=value files, and each file's values are compared with what
// /bin/sh makes of it. dotenv is installed into a temporary directory for the
// run: the project does not depend on it.
//
// Environment: DOTENV_VERSION (default 16, the major most projects use).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The differential test's corpus: its size and seed.
const CASES = 400;
const SEED = 0x6b657865;
const version = process.env.DOTENV_VERSION || '16';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kexec-reboot-dotenv-'));
try {
  execFileSync('npm', ['install', '--prefix', work, '--no-save', '--no-audit', '--no-fund', `dotenv@${version}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dotenv = createRequire(path.join(work, 'package.json'))('dotenv');
  const installed = JSON.parse(fs.readFileSync(path.join(work, 'node_modules/dotenv/package.json'), 'utf8')).version;

  // The generator and the /bin/sh reference are TypeScript test helpers: bundle them for this run.
  const helpers = path.join(work, 'helpers.mjs');
  await build({
    stdin: {
      contents: "export * from './test/config/fragment-generator.ts'; export { sourceWithSh } from './test/config/sh.ts';",
      resolveDir: repo,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: helpers,
    logLevel: 'warning',
  });
  const { generateCase, GENERATED_NAMES, seededRandom, sourceWithSh } = await import(pathToFileURL(helpers).href);

  const random = seededRandom(SEED);
  let disagreeing = 0;
  const byName = new Map(GENERATED_NAMES.map((name) => [name, 0]));
  let example;
  for (let i = 0; i < CASES; i++) {
    // One file, as dotenv reads one: the case's main file, LF, no BOM.
    const { main } = generateCase(random);
    const file = path.join(work, 'kexec');
    fs.writeFileSync(file, main);
    const sh = sourceWithSh([file], GENERATED_NAMES);
    const parsed = dotenv.parse(main);
    const differing = GENERATED_NAMES.filter((name) => sh.get(name) !== parsed[name]);
    if (differing.length === 0) continue;
    disagreeing++;
    for (const name of differing) byName.set(name, byName.get(name) + 1);
    example ??= { main, name: differing[0], sh: sh.get(differing[0]), dotenv: parsed[differing[0]] };
  }

  console.log(`dotenv ${installed} against /bin/sh, ${CASES} files generated as the differential test does (seed 0x${SEED.toString(16)}):`);
  console.log(`  ${disagreeing} of ${CASES} files read differently (at least one variable's value differs)`);
  console.log(`  by variable: ${[...byName].map(([name, n]) => `${name} ${n}`).join(', ')}`);
  if (example) {
    console.log(`  first difference, ${example.name}: /bin/sh ${JSON.stringify(example.sh)}, dotenv ${JSON.stringify(example.dotenv)}, in:`);
    console.log(example.main.replace(/^/gm, '    | '));
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
