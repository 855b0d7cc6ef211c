export type { BootEntry, EntryLookup } from './types.js';
export { findGrubEntry } from './grub.js';
export { findBlsEntry } from './bls.js';
export { GRUB_CFG_PATHS } from './grub.js';
