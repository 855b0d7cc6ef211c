import { expect, test } from 'vitest';
import { mountPointOfUuid, parseFstab } from '../../../src/boot-target/bootloader/fstab.js';

test('maps UUID= lines to mount points, case-insensitively, decoding octal escapes', () => {
  const mounts = parseFstab('# c\nUUID=ABCD / ext4 defaults 0 1\nUUID=ef01 /mnt/my\\040disk ext4 defaults 0 2\n/dev/sda3 /boot ext4 defaults 0 2\n');
  expect(mountPointOfUuid(mounts, 'abcd')).toBe('/');
  expect(mountPointOfUuid(mounts, 'EF01')).toBe('/mnt/my disk');
  expect(mountPointOfUuid(mounts, 'none')).toBeUndefined();
});
