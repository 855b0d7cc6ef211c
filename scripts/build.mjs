// Bundles each command into one self-contained ES module, so the package ships
// no node_modules and Node starts by reading a single file.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = {
  'kexec-reboot': 'src/cli/kexec-reboot.ts',
  coldreboot: 'src/cli/coldreboot.ts',
};

// Chunk names carry content hashes: stale ones from an earlier build must not be shipped.
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints,
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  // Code imported lazily (the bootloader readers) goes to a chunk of its own, read only when USE_GRUB_CONFIG=true.
  splitting: true,
  chunkNames: 'lib/[name]-[hash]',
  minify: false,
  legalComments: 'none',
  banner: {
    // Some bundled CommonJS code calls require(); ESM has none of its own.
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// Only the entry points are programs; the chunks they import get no "#!" line.
for (const name of Object.keys(entryPoints)) {
  const file = `dist/${name}.mjs`;
  writeFileSync(file, '#!/usr/bin/env node\n' + readFileSync(file, 'utf8'));
  chmodSync(file, 0o755);
}
