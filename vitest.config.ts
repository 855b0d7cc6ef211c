import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The VM suite and the package tests are separate runners (npm run test:vm, test:package).
    exclude: ['test/vm/**', 'test/package/**', 'node_modules/**'],
  },
});
