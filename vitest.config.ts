import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/vm/lib/*.test.mjs'],
    // Generous: CI shares two cores with QEMU guests. Tests of hang handling set their own, shorter limits.
    testTimeout: 60_000,
    setupFiles: ['test/support/yield-between-tests.ts'],
    // The VM suite and the package tests are separate runners (npm run test:vm,
    // test:package); only the VM harness's own pure parts have tests here.
    exclude: ['test/package/**', 'node_modules/**'],
  },
});
