import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { buildSync } from 'esbuild';
import { EMPTY_HISTORY, readHistory, updateHistory, writeHistory } from '../../src/host/reboot-history.js';
import { addRequest } from '../../src/history/reboots.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';
import { request } from '../support/history.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

const FILE = '/var/lib/kexec-reboot/history.json';

describe('the reboot history file', () => {
  it('is empty before the first reboot', () => {
    fake = makeFakeRoot();
    expect(readHistory(fake.root)).toEqual({ history: EMPTY_HISTORY });
  });

  it('reads back what was written, and leaves no temporary file', () => {
    fake = makeFakeRoot();
    const history = addRequest(EMPTY_HISTORY, request());
    writeHistory(fake.root, history);
    expect(readHistory(fake.root)).toEqual({ history });
    expect(fs.readdirSync(`${fake.dir}/var/lib/kexec-reboot`)).toEqual(['history.json']);
    expect(fs.statSync(`${fake.dir}${FILE}`).mode & 0o777).toBe(0o644);
  });

  it('reads a history written before the unknown ending was counted', () => {
    fake = makeFakeRoot();
    fake.write(FILE, JSON.stringify({ reboots: [], counts: { kexec: 3, firmware: 1, 'kexec-failed': 0, unrecorded: 1 } }));
    expect(readHistory(fake.root)).toEqual({ history: { reboots: [], counts: { kexec: 3, firmware: 1, 'kexec-failed': 0, unrecorded: 1, unknown: 0 } } });
  });

  it.each([
    ['not JSON', '{"reboots": [', /not JSON/],
    ['JSON of another shape', '{"reboots": [{"request": {"bootId": 1}}], "counts": {}}', /not a history kexec-reboot wrote \(reboots\.0\.request\.bootId: /],
  ])('is set aside, not lost, when it is %s, and starts again', (_, content, problem) => {
    fake = makeFakeRoot();
    fake.write(FILE, content);
    expect(readHistory(fake.root)).toEqual({ history: EMPTY_HISTORY, problem: expect.stringMatching(problem) });
    const updated = updateHistory(fake.root, (history) => ({ history: addRequest(history, request()) }));
    expect(updated?.problem).toMatch(problem);
    expect(fake.read(`${FILE}.unreadable`)).toBe(content);
    expect(readHistory(fake.root).history.reboots).toHaveLength(1);
  });

  it('is not believed when others may write it: it decides whether kexec is paused', () => {
    fake = makeFakeRoot();
    writeHistory(fake.root, addRequest(EMPTY_HISTORY, request()));
    fs.chmodSync(`${fake.dir}${FILE}`, 0o666);
    expect(readHistory(fake.root)).toEqual({ history: EMPTY_HISTORY, problem: expect.stringMatching(/history\.json is writable by everyone/) });
  });

  it('loses nothing to two processes changing it at once, and leaves no temporary file', async () => {
    fake = makeFakeRoot();
    // Each process counts one kexec per change, 300 times: the counts are never trimmed.
    const writer = buildSync({
      stdin: {
        contents: `import { updateHistory } from './src/host/reboot-history.ts';
          import { systemRoot } from './src/host/system-root.ts';
          const root = systemRoot(process.argv[2]);
          for (let i = 0; i < 300; i++) updateHistory(root, (history) => ({ history: { ...history, counts: { ...history.counts, kexec: history.counts.kexec + 1 } } }));`,
        resolveDir: fileURLToPath(new URL('../..', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
    }).outputFiles[0]!.text;
    fs.writeFileSync(`${fake.dir}/fake/writer.cjs`, writer);
    const run = () =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [`${fake.dir}/fake/writer.cjs`, fake.dir], { stdio: 'inherit' });
        child.on('exit', resolve);
      });
    expect(await Promise.all([run(), run()])).toEqual([0, 0]);
    expect(readHistory(fake.root)).toEqual({ history: { ...EMPTY_HISTORY, counts: { ...EMPTY_HISTORY.counts, kexec: 600 } } });
    expect(fs.readdirSync(`${fake.dir}/var/lib/kexec-reboot`)).toEqual(['history.json']);
  }, 60_000);
});
