export type { BootEntry, EntryLookup } from './types.js';
export { findGrubEntry } from './grub.js';
export { findBlsEntry } from './bls.js';
