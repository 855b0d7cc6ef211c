import { X509Certificate } from 'node:crypto';

/**
 * Authenticode, as the kernel's kexec_file_load checks it under Secure Boot
 * lockdown: a PE image (an EFI-stub kernel is one) carries its signatures in
 * the certificate table, data directory 4 of the optional header, whose
 * address is a file offset. Each entry is a WIN_CERTIFICATE holding a PKCS#7
 * SignedData; its SignerInfo names the signer's certificate by issuer and
 * serial number. Pure parsing: the file is read in src/host/inspect.ts.
 */

/** Where the certificate table is, from the first bytes of the file (HEADER_BYTES cover any kernel's headers). */
export type CertificateTable = { readonly offset: number; readonly size: number } | { readonly unsigned: string } | { readonly unreadable: string };

export const HEADER_BYTES = 4096;
/** A signature is a few KiB; anything far larger is not one the kernel would take either. */
const MAX_CERTIFICATE_TABLE_BYTES = 256 * 1024;

const PE32 = 0x10b;
const PE32_PLUS = 0x20b;
const SECURITY_DIRECTORY = 4;
const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;

export function findCertificateTable(header: Buffer): CertificateTable {
  if (header.length < 0x40 || header.toString('latin1', 0, 2) !== 'MZ') return { unreadable: 'not a PE image (no MZ header)' };
  const pe = header.readUInt32LE(0x3c);
  if (pe + 24 > header.length || header.toString('latin1', pe, pe + 4) !== 'PE\0\0') return { unreadable: 'not a PE image (no PE header)' };
  const optional = pe + 24;
  if (optional + 2 > header.length) return { unreadable: 'the PE optional header is cut short' };
  const magic = header.readUInt16LE(optional);
  if (magic !== PE32 && magic !== PE32_PLUS) return { unreadable: `unknown PE optional header magic 0x${magic.toString(16)}` };
  const countAt = optional + (magic === PE32 ? 92 : 108);
  const entry = countAt + 4 + SECURITY_DIRECTORY * 8;
  if (entry + 8 > header.length) return { unreadable: 'the PE data directories are cut short' };
  if (header.readUInt32LE(countAt) <= SECURITY_DIRECTORY) return { unsigned: 'it has no certificate table' };
  const offset = header.readUInt32LE(entry);
  const size = header.readUInt32LE(entry + 4);
  if (offset === 0 || size === 0) return { unsigned: 'its certificate table is empty' };
  if (size > MAX_CERTIFICATE_TABLE_BYTES) return { unreadable: `its certificate table claims ${size} bytes` };
  return { offset, size };
}

interface Der {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
  /** Where the element's header starts: start..end is its content. */
  readonly from: number;
}

function der(bytes: Buffer, at: number, limit: number): Der {
  if (at + 2 > limit) throw new Error('DER element cut short');
  const tag = bytes[at]!;
  let length = bytes[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) throw new Error('DER length not understood');
    length = bytes.readUIntBE(start, count);
    start += count;
  }
  if (start + length > limit) throw new Error('DER element runs past its parent');
  return { tag, start, end: start + length, from: at };
}

function children(bytes: Buffer, parent: Der): Der[] {
  const found: Der[] = [];
  for (let at = parent.start; at < parent.end; at = found.at(-1)!.end) found.push(der(bytes, at, parent.end));
  return found;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const CONTEXT_0 = 0xa0;

function expect(element: Der | undefined, tag: number, what: string): Der {
  if (element?.tag !== tag) throw new Error(`${what} not found`);
  return element;
}

const hexSerial = (hex: string) => hex.toUpperCase().replace(/^(00)+(?=.)/, '');

/** "CN=Debian Secure Boot Signer\nO=Debian" -> "CN=Debian Secure Boot Signer, O=Debian" */
const oneLine = (subject: string) => subject.split('\n').filter(Boolean).join(', ');

/** The subject of the certificate that signed one PKCS#7 SignedData blob. */
function signerOf(blob: Buffer): string {
  const contentInfo = expect(der(blob, 0, blob.length), SEQUENCE, 'PKCS#7 ContentInfo');
  const explicit = expect(children(blob, contentInfo)[1], CONTEXT_0, 'PKCS#7 content');
  const signedData = expect(children(blob, explicit)[0], SEQUENCE, 'PKCS#7 SignedData');
  const parts = children(blob, signedData);
  const certificates = parts.find((part) => part.tag === CONTEXT_0);
  const signerInfos = expect(parts.at(-1), SET, 'SignerInfos');
  const signerInfo = expect(children(blob, signerInfos)[0], SEQUENCE, 'SignerInfo');
  const sid = expect(children(blob, signerInfo)[1], SEQUENCE, 'the signer (issuer and serial number)');
  const serial = expect(children(blob, sid)[1], 0x02, "the signer's serial number");
  const wanted = hexSerial(blob.toString('hex', serial.start, serial.end));
  const certs = certificates ? children(blob, certificates).map((c) => new X509Certificate(blob.subarray(c.from, c.end))) : [];
  const signer = certs.find((cert) => hexSerial(cert.serialNumber) === wanted);
  return signer ? oneLine(signer.subject) : `an unknown certificate (serial ${wanted}, not in the signature)`;
}

/** The signers' subjects, one per signature in the certificate table; throws on what it cannot parse. */
export function signersInCertificateTable(table: Buffer): string[] {
  const signers: string[] = [];
  for (let at = 0; at + 8 <= table.length; ) {
    const length = table.readUInt32LE(at);
    const type = table.readUInt16LE(at + 6);
    if (length < 8 || at + length > table.length) throw new Error('a WIN_CERTIFICATE entry runs past the table');
    if (type === WIN_CERT_TYPE_PKCS_SIGNED_DATA) signers.push(signerOf(table.subarray(at + 8, at + length)));
    // Entries are 8-byte aligned.
    at += (length + 7) & ~7;
  }
  return signers;
}
