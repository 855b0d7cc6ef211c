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

const bytesOf = (blob: Buffer, element: Der) => blob.subarray(element.from, element.end);
const INTEGER = 0x02;

/** An issuer Name and serial number as DER, which is how a SignerInfo names its certificate and the kernel matches it (pkcs7_verify.c). */
function issuerAndSerial(blob: Buffer, issuer: Der | undefined, serial: Der | undefined, whose: string): Buffer {
  return Buffer.concat([bytesOf(blob, expect(issuer, SEQUENCE, `${whose} issuer`)), bytesOf(blob, expect(serial, INTEGER, `${whose} serial number`))]);
}

/** A certificate's issuer and serial number: tbsCertificate's fields, after the optional [0] version. */
function certificateIssuerAndSerial(blob: Buffer, certificate: Der): Buffer {
  const fields = children(blob, expect(children(blob, certificate)[0], SEQUENCE, 'tbsCertificate'));
  const [serial, , issuer] = fields[0]?.tag === CONTEXT_0 ? fields.slice(1) : fields;
  return issuerAndSerial(blob, issuer, serial, "a certificate's");
}

/** The subject of the certificate that signed one PKCS#7 SignedData blob, found by issuer and serial number. */
function signerOf(blob: Buffer): string {
  const contentInfo = expect(der(blob, 0, blob.length), SEQUENCE, 'PKCS#7 ContentInfo');
  const explicit = expect(children(blob, contentInfo)[1], CONTEXT_0, 'PKCS#7 content');
  const signedData = expect(children(blob, explicit)[0], SEQUENCE, 'PKCS#7 SignedData');
  const parts = children(blob, signedData);
  const certificates = parts.find((part) => part.tag === CONTEXT_0);
  const signerInfos = expect(parts.at(-1), SET, 'SignerInfos');
  const signerInfo = expect(children(blob, signerInfos)[0], SEQUENCE, 'SignerInfo');
  const sid = expect(children(blob, signerInfo)[1], SEQUENCE, 'the signer (issuer and serial number)');
  const [issuer, serial] = children(blob, sid);
  const wanted = issuerAndSerial(blob, issuer, serial, "the signer's");
  const signer = (certificates ? children(blob, certificates) : []).find((certificate) => certificateIssuerAndSerial(blob, certificate).equals(wanted));
  if (signer) return oneLine(new X509Certificate(bytesOf(blob, signer)).subject);
  return `an unknown certificate (serial ${hexSerial(blob.toString('hex', serial!.start, serial!.end))}: no certificate in the signature has its issuer and serial number)`;
}

/**
 * The signer of an image, as the kernel judges it (verify_pefile.c): only the
 * first entry of the certificate table counts. Throws, with the reason, on
 * what the kernel would refuse or what cannot be parsed.
 */
export function signerInCertificateTable(table: Buffer): string {
  if (table.length < 8) throw new Error('the certificate table is too short for a WIN_CERTIFICATE entry');
  const length = table.readUInt32LE(0);
  const type = table.readUInt16LE(6);
  if (length < 8 || length > table.length) throw new Error('a WIN_CERTIFICATE entry runs past the table');
  if (type !== WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
    throw new Error(`the first entry of the certificate table is not an Authenticode signature (WIN_CERTIFICATE type 0x${type.toString(16)}): the running kernel refuses the image`);
  }
  const signer = signerOf(table.subarray(8, length));
  // Entries are 8-byte aligned; 6.1 takes a table that is exactly its first entry, aligned.
  if (((length + 7) & ~7) !== table.length) {
    throw new Error(
      `the certificate table holds more than its first signature (by ${signer}): Linux 6.1 (Debian 12) refuses such an image ("Signature wrapper len wrong"), later kernels check only the first`,
    );
  }
  return signer;
}
