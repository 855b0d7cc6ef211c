import { describe, expect, it } from 'vitest';
import { parseLockdown } from '../../src/system/facts.js';

describe('parseLockdown', () => {
  it.each([
    ['[none] integrity confidentiality\n', 'none'],
    ['none [integrity] confidentiality\n', 'integrity'],
    ['none integrity [confidentiality]\n', 'confidentiality'],
    [undefined, 'none'],
  ] as const)('%j -> %s', (text, mode) => expect(parseLockdown(text)).toBe(mode));
});
