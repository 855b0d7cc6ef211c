import { describe, expect, test } from 'vitest';
import { evaluateMenu, type GrubHost } from '../../../src/boot-target/bootloader/grub-menu.js';
import { parseGrubScript } from '../../../src/boot-target/bootloader/grub-script.js';

function host(grubenv: Map<string, string> | undefined): GrubHost {
  return {
    grubDir: '/boot/grub',
    fileTest: (op, p) => (p === '/boot/grub/grubenv' ? grubenv !== undefined && (op !== '-s' || grubenv.size > 0) : p.startsWith('/boot/grub/') ? false : { unusable: `${p}, which can only be checked by GRUB` }),
    loadEnv: () => grubenv ?? new Map(),
    readScript: () => ({ unusable: 'no such file' }),
  };
}
const run = (cfg: string, env?: Map<string, string>) => evaluateMenu(parseGrubScript(cfg), host(env));
const HEADER = `if [ -s $prefix/grubenv ]; then\n  load_env\nfi\nif [ "\${next_entry}" ] ; then\n   set default="\${next_entry}"\n   set next_entry=\nelse\n   set default="\${saved_entry}"\nfi\n`;

describe('evaluateMenu', () => {
  test("Debian's header: load_env only when grubenv is there, next_entry before saved_entry, provenance kept", () => {
    expect(run(HEADER).env.get('default')).toEqual({ value: '', from: new Set(['saved_entry']) });
    const both = run(HEADER, new Map([['next_entry', '2'], ['saved_entry', '1']]));
    expect(both.env.get('default')).toEqual({ value: '2', from: new Set(['next_entry']) });
    expect(run(HEADER, new Map([['saved_entry', '1']])).env.get('default')).toEqual({ value: '1', from: new Set(['saved_entry']) });
  });
  test('test expressions: -a, -o, !, =, !=, -n, -z, -eq, x"$var" idiom, feature_* variables', () => {
    const cfg = `if [ x"\${feature_menuentry_id}" = xy -a ! -z "y" ]; then a=1; fi
if [ 1 -eq 2 -o -n "" ]; then b=1; else b=2; fi
if test "a" != "b"; then c=3; fi
`;
    const env = run(cfg).env;
    expect([env.get('a'), env.get('b'), env.get('c')].map((v) => v && 'value' in v && v.value)).toEqual(['1', '2', '3']);
  });
  test('what a condition GRUB alone can run assigns becomes unknown, unless it assigns the same value', () => {
    const env = run('set a=1\nset b=1\nif loadfont x; then set a=2; set b=1; fi\n').env;
    expect(env.get('a')).toHaveProperty('unusable');
    expect(env.get('b')).toMatchObject({ value: '1' });
  });
  test('an unknown condition makes the following elif/else uncertain too', () => {
    const env = run('if [ "$grub_platform" = efi ]; then a=1; elif [ 1 = 1 ]; then a=2; else a=3; fi\n').env;
    expect(env.get('a')).toHaveProperty('unusable');
  });
  test('entries in an unknown branch or a loop are conditional; options are not titles', () => {
    const menu = run(`menuentry 'a' --class x --id ida { true; }\nif loadfont x; then menuentry 'b' { true; }; fi\nfor i in 1; do submenu 'c' { true; }; done\n`);
    expect(menu.items.map((i) => [i.kind, i.title, i.id, i.conditional !== undefined])).toEqual([
      ['menuentry', 'a', 'ida', false],
      ['menuentry', 'b', 'b', true],
      ['submenu', 'c', 'c', true],
    ]);
  });
  test('configfile and an unreadable source make the menu unknowable', () => {
    expect(run('configfile /boot/grub/other.cfg\n').fatal[0]).toContain('configfile');
    expect(run('source $prefix/custom.cfg\n').fatal[0]).toContain('no such file');
  });
});
