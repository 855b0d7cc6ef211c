/**
 * The judge of the reader: random files in the supported subset, sourced by
 * the real /bin/sh and read by readSettings/readConfig, must give identical values.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readConfig, readSettings } from '../../src/config/read-config.js';
import { generateCase, GENERATED_NAMES, seededRandom, type GeneratedCase } from './fragment-generator.js';
import { sourceWithSh } from './sh.js';
import { makeFakeTree, type FakeTree } from '../support/fake-root.js';

const CASES = 400;
const SEED = 0x6b657865;

const cases = Array.from({ length: CASES }, ((random) => () => generateCase(random))(seededRandom(SEED)));

/** The reader's copy: CRLF and BOM applied as the case says. */
function readerText(text: string, c: GeneratedCase): string {
  return (c.bom ? '\uFEFF' : '') + (c.crlf ? text.replace(/\n/g, '\r\n') : text);
}

function writeCase(c: GeneratedCase, transform: (text: string) => string): FakeTree {
  const fake = makeFakeTree();
  fake.write('/etc/default/kexec', transform(c.main));
  for (const [name, text] of c.snippets) fake.write(`/etc/default/kexec.d/${name}`, transform(text));
  // $(cat /proc/cmdline) reads the host's file under sh: give the reader the same text.
  fake.write('/proc/cmdline', readFileSync('/proc/cmdline'));
  return fake;
}

/** sh sources the main file, then what run-parts --list names, like the boot scripts. */
function valuesFromSh(shTree: FakeTree): Map<string, string | undefined> {
  const snippetDir = shTree.root.path('/etc/default/kexec.d');
  const snippets = execFileSync('sh', ['-c', 'test -d "$1" && run-parts --list "$1" || true', 'sh', snippetDir], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((line) => line !== '');
  return sourceWithSh([shTree.root.path('/etc/default/kexec'), ...snippets], GENERATED_NAMES);
}

function describeCase(c: GeneratedCase): string {
  return JSON.stringify({ ...c, snippets: Object.fromEntries(c.snippets) });
}

describe(`differential against /bin/sh: ${CASES} generated cases`, () => {
  it('covers every feature of the subset', () => {
    const corpus = cases.map((c) => [c.main, ...c.snippets.values()].join('\n')).join('\n');
    for (const feature of ['$(cat /proc/cmdline)', '$( cat', '`cat', '${', '$APPEND', "'", '\\"', '\\\n', 'export ', '# ']) {
      expect(corpus).toContain(feature);
    }
    expect(cases.filter((c) => c.crlf).length).toBeGreaterThan(20);
    expect(cases.filter((c) => c.bom).length).toBeGreaterThan(5);
    expect(cases.filter((c) => c.snippets.size > 0).length).toBeGreaterThan(100);
    const files = cases.reduce((n, c) => n + 1 + c.snippets.size, 0);
    expect(files).toBeGreaterThanOrEqual(300);
  });

  // In chunks: one test is synchronous work that keeps its worker from
  // answering vitest, and 400 cases took 62 s on two cores shared with QEMU,
  // past vitest's fixed 60 s for that answer ("Timeout calling onTaskUpdate":
  // every test passed, and the run failed).
  const CHUNK = 50;
  const chunks = Array.from({ length: CASES / CHUNK }, (_, i) => [i * CHUNK, (i + 1) * CHUNK - 1] as const);
  it.each(chunks)('gives the values sh gives, for every variable: cases %i to %i', (first, last) => {
    const mismatches: string[] = [];
    cases.slice(first, last + 1).forEach((c, offset) => {
      const index = first + offset;
      const readerTree = writeCase(c, (text) => readerText(text, c));
      const shTree = writeCase(c, (text) => text);
      try {
        const expected = valuesFromSh(shTree);
        const reading = readSettings(readerTree.root);
        const actual = new Map(GENERATED_NAMES.map((n) => [n, reading.settings.get(n)?.value]));
        const { config } = readConfig(readerTree.root);
        const problems = [
          ...reading.errors.map((e) => `error ${e.file}:${e.line}: ${e.message}`),
          ...GENERATED_NAMES.filter((n) => actual.get(n) !== expected.get(n)).map(
            (n) => `${n}: sh ${JSON.stringify(expected.get(n))}, reader ${JSON.stringify(actual.get(n))}`,
          ),
          ...(config.append.value !== (expected.get('APPEND') ?? '') ? ['readConfig APPEND differs'] : []),
          ...(config.initrd.value !== (expected.get('INITRD') ?? '/initrd.img') ? ['readConfig INITRD differs'] : []),
        ];
        if (problems.length > 0) {
          mismatches.push(`case ${index} ${describeCase(c)}:\n  ${problems.join('\n  ')}`);
        }
      } finally {
        rmSync(readerTree.dir, { recursive: true, force: true });
        rmSync(shTree.dir, { recursive: true, force: true });
      }
    });
    expect(mismatches.slice(0, 5).join('\n\n')).toBe('');
    expect(mismatches).toHaveLength(0);
  });
});
