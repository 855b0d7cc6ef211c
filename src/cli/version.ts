/** Kept in step with package.json and debian/changelog by the release procedure. */
export const VERSION = '0.6.1';
