import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { findCertificateTable, signersInCertificateTable } from '../../src/host/pe-signature.js';

// test/fixtures/pe/generate.mjs made these with sbsign and a throwaway key.
const pe = (name: string) => fs.readFileSync(new URL(`../fixtures/pe/${name}`, import.meta.url));

function signersOf(image: Buffer): string[] {
  const table = findCertificateTable(image);
  if (!('offset' in table)) throw new Error(`no certificate table: ${JSON.stringify(table)}`);
  return signersInCertificateTable(image.subarray(table.offset, table.offset + table.size));
}

describe('findCertificateTable and signersInCertificateTable', () => {
  it("names the signer of a signed image by its certificate's subject", () => {
    expect(signersOf(pe('tiny-signed.efi'))).toEqual(['CN=kexec-reboot test signer, O=kexec-reboot tests']);
  });

  it('tells an image that was never signed', () => {
    expect(findCertificateTable(pe('tiny.efi'))).toEqual({ unsigned: 'its certificate table is empty' });
  });

  it('tells an image whose signature was removed (sbattach --remove)', () => {
    expect(findCertificateTable(pe('tiny-stripped.efi'))).toEqual({ unsigned: 'its certificate table is empty' });
  });

  it('says a file that is no PE image is not one', () => {
    expect(findCertificateTable(Buffer.alloc(4096))).toEqual({ unreadable: 'not a PE image (no MZ header)' });
    const mzOnly = Buffer.alloc(4096);
    mzOnly.write('MZ', 0, 'latin1');
    mzOnly.writeUInt32LE(0x100, 0x3c);
    expect(findCertificateTable(mzOnly)).toEqual({ unreadable: 'not a PE image (no PE header)' });
  });

  it('refuses a certificate table too large to be a signature', () => {
    const image = Buffer.from(pe('tiny-signed.efi'));
    const entry = image.readUInt32LE(0x3c) + 24 + 112 + 4 * 8;
    image.writeUInt32LE(64 * 1024 * 1024, entry + 4);
    expect(findCertificateTable(image)).toEqual({ unreadable: `its certificate table claims ${64 * 1024 * 1024} bytes` });
  });

  it('throws, never loops or reads past the table, on a cut or garbled signature', () => {
    const image = pe('tiny-signed.efi');
    const table = findCertificateTable(image) as { offset: number; size: number };
    const bytes = image.subarray(table.offset, table.offset + table.size);
    expect(() => signersInCertificateTable(bytes.subarray(0, 40))).toThrow(/runs past/);
    const garbled = Buffer.from(bytes);
    garbled.fill(0xff, 8, 24);
    expect(() => signersInCertificateTable(garbled)).toThrow();
  });
});
