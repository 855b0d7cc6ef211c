import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { findCertificateTable, signerInCertificateTable } from '../../src/host/pe-signature.js';

// test/fixtures/pe/generate.mjs made these with sbsign and a throwaway key.
const pe = (name: string) => fs.readFileSync(new URL(`../fixtures/pe/${name}`, import.meta.url));

function tableOf(image: Buffer): Buffer {
  const table = findCertificateTable(image);
  if (!('offset' in table)) throw new Error(`no certificate table: ${JSON.stringify(table)}`);
  return image.subarray(table.offset, table.offset + table.size);
}

const SIGNER = 'CN=kexec-reboot test signer, O=kexec-reboot tests';

describe('findCertificateTable and signerInCertificateTable', () => {
  it("names the signer of a signed image by its certificate's subject", () => {
    expect(signerInCertificateTable(tableOf(pe('tiny-signed.efi')))).toBe(SIGNER);
  });

  it('judges the first signature only, as the kernel does, and refuses a table holding more than it, as Linux 6.1 does', () => {
    const one = tableOf(pe('tiny-signed.efi'));
    expect(() => signerInCertificateTable(Buffer.concat([one, one]))).toThrow(
      `the certificate table holds more than its first signature (by ${SIGNER}): Linux 6.1 (Debian 12) refuses such an image ("Signature wrapper len wrong"), later kernels check only the first`,
    );
    // A first entry of another type, which the kernel does not look past.
    const other = Buffer.from(one);
    other.writeUInt16LE(0x0001, 6);
    expect(() => signerInCertificateTable(other)).toThrow(/^the first entry of the certificate table is not an Authenticode signature \(WIN_CERTIFICATE type 0x1\)/);
  });

  it('finds the signer by issuer and serial number, not by serial number alone', () => {
    const table = Buffer.from(tableOf(pe('tiny-signed.efi')));
    // The SignerInfo comes last: change its issuer, not the certificate's.
    const at = table.lastIndexOf('kexec-reboot test signer');
    table.write('K', at, 'latin1');
    expect(signerInCertificateTable(table)).toMatch(/^an unknown certificate \(serial [0-9A-F]+: no certificate in the signature has its issuer and serial number\)$/);
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
    expect(() => signerInCertificateTable(bytes.subarray(0, 40))).toThrow(/runs past/);
    const garbled = Buffer.from(bytes);
    garbled.fill(0xff, 8, 24);
    expect(() => signerInCertificateTable(garbled)).toThrow();
  });
});
