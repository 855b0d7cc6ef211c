import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { resolveLinks } from '../../src/host/links.js';
import { makeFakeRoot, type FakeRoot } from '../support/fake-root.js';

let fake: FakeRoot;
afterEach(() => fs.rmSync(fake.dir, { recursive: true, force: true }));

describe('resolveLinks', () => {
  it('follows a relative link', () => {
    fake = makeFakeRoot();
    expect(resolveLinks(fake.root, '/vmlinuz')).toEqual({ path: '/boot/vmlinuz-6.1.0-9-amd64' });
  });

  it('keeps absolute links inside the root tree', () => {
    fake = makeFakeRoot();
    fake.link('/vmlinuz', '/boot/vmlinuz-6.1.0-9-amd64');
    fake.link('/boot/current', '../vmlinuz');
    expect(resolveLinks(fake.root, '/boot/current')).toEqual({ path: '/boot/vmlinuz-6.1.0-9-amd64' });
  });

  it('reports a dangling link by the missing name', () => {
    fake = makeFakeRoot();
    fake.link('/vmlinuz', 'boot/vmlinuz-6.9.9-amd64');
    expect(resolveLinks(fake.root, '/vmlinuz')).toMatchObject({ unusable: '/boot/vmlinuz-6.9.9-amd64 does not exist' });
  });

  it('stops on a loop', () => {
    fake = makeFakeRoot();
    fake.link('/a', 'b');
    fake.link('/b', '/a');
    expect(resolveLinks(fake.root, '/a')).toMatchObject({ unusable: expect.stringMatching(/too many levels of symbolic links/) });
  });
});
