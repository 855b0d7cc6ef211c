// Bundles each command into one self-contained CommonJS file, so the package
// ships no node_modules and Node starts by reading a single file. CommonJS,
// not ES modules: Node's ESM loader costs about 5 ms at every start, on the
// shutdown path (bench/README.md).
import { chmodSync, existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

// esbuild's JavaScript API: from node_modules (npm ci), or the one
// KEXEC_REBOOT_ESBUILD names. debian/rules names Debian's esbuild package's
// (/usr/lib/<triplet>/nodejs/esbuild), which an ES-module import would not
// find; npm run deb names node_modules' again, for the release's bundles.
const { build } = require(process.env.KEXEC_REBOOT_ESBUILD ? path.resolve(process.env.KEXEC_REBOOT_ESBUILD) : 'esbuild');

const programs = {
  'kexec-reboot': 'src/cli/kexec-reboot.ts',
};

// Code only some commands reach gets a bundle of its own, which its importer
// loads with import() by the name on the left, so other commands never parse it.
const lazyModules = {
  // src/boot-target/boot-target.ts: the bootloader readers, read only when USE_GRUB_CONFIG=true.
  './bootloader/index.js': { entry: 'src/boot-target/bootloader/index.ts', bundle: 'lib/bootloader' },
  // src/host/run-program.ts: execa, read only by the commands that run a program.
  './run-with-execa.js': { entry: 'src/host/run-with-execa.ts', bundle: 'lib/run-program' },
};

const lazyModulesAsExternal = {
  name: 'lazy-modules',
  setup(builder) {
    const names = Object.keys(lazyModules).map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    builder.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({
      path: `./${lazyModules[args.path].bundle}.cjs`,
      external: true,
    }));
  },
};

// commander requires node:child_process when it is loaded, to run subcommands
// that are programs of their own, which kexec-reboot has none of; with the
// stream and socket modules it pulls in, that is a few ms of every start
// (bench/README.md). Commander gets it from here, on first use.
// Commander's files are told by the real path of its package directory, as
// esbuild names importers: in the Debian build node_modules is a symlink to
// the component node-modules/, and a path with node_modules/commander/ in it
// would match nothing.
const LAZY_CHILD_PROCESS = "Object.defineProperty(exports, 'spawn', { get: () => require('node:child_process').spawn });";
const commanderDir = packageDirectory(require.resolve('commander'), 'commander');
let lazyChildProcessUses = 0;
const commanderWithLazyChildProcess = {
  name: 'commander-with-lazy-child-process',
  setup(builder) {
    builder.onResolve({ filter: /^node:child_process$/ }, ({ importer, namespace }) => {
      if (namespace !== 'file' || !importer.startsWith(commanderDir + path.sep)) return undefined;
      lazyChildProcessUses += 1;
      return { path: 'child_process', namespace: 'lazy' };
    });
    builder.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({ contents: LAZY_CHILD_PROCESS, loader: 'js' }));
  },
};

/** The directory of package `name` that `file` is in, by its real path. */
function packageDirectory(file, name) {
  for (let dir = path.dirname(realpathSync(file)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === name) return dir;
  }
  throw new Error(`build: no package.json of ${name} above ${file}`);
}

rmSync('dist', { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  // import() of what is loaded lazily becomes require(): Node's ESM loader stays unused.
  supported: { 'dynamic-import': false },
  legalComments: 'none',
  logLevel: 'warning',
};

await build({ ...common, entryPoints: programs, plugins: [lazyModulesAsExternal, commanderWithLazyChildProcess] });
// A plugin that matches nothing fails silently, and every start would load
// child_process again: fail the build instead.
if (lazyChildProcessUses === 0) {
  throw new Error(`build: commander's node:child_process was not made lazy (no import of it from ${commanderDir} was seen)`);
}
await build({
  ...common,
  entryPoints: Object.fromEntries(Object.values(lazyModules).map(({ entry, bundle }) => [bundle, entry])),
});

// Only the programs are executables; the lazily read bundles get no "#!" line.
// The package's build names Debian's node (KEXEC_REBOOT_NODE=/usr/bin/node).
const interpreter = process.env.KEXEC_REBOOT_NODE ? process.env.KEXEC_REBOOT_NODE : '/usr/bin/env node';
for (const name of Object.keys(programs)) {
  const file = `dist/${name}.cjs`;
  writeFileSync(file, `#!${interpreter}\n` + readFileSync(file, 'utf8'));
  chmodSync(file, 0o755);
}
