import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readTextFile } from '../../src/host/read-file.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

// Node 18.13, Debian 12.0's, has no buffer.isUtf8 (added in 18.14).
vi.mock('node:buffer', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:buffer')>()), isUtf8: undefined }));

describe('readTextFile on a Node without buffer.isUtf8', () => {
  let fake: FakeRoot;
  afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

  it('reads UTF-8 text and refuses what is not', () => {
    fake = makeFakeRoot();
    fake.write('/etc/default/kexec', 'APPEND="café"\n');
    fake.write('/etc/latin1', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expect(readTextFile(fake.root, '/etc/default/kexec', 1024)).toMatchObject({ kind: 'text', text: 'APPEND="café"\n' });
    expect(readTextFile(fake.root, '/etc/latin1', 1024)).toEqual({ kind: 'error', message: 'not valid UTF-8: not a text file' });
  });
});
