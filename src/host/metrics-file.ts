import { existsSync } from 'node:fs';
import type { SystemRoot } from './system-root.js';
import { NODE_EXPORTER_TEXTFILE_DIR } from './paths.js';
import { replaceFile } from './atomic-write.js';

const METRICS_FILE = `${NODE_EXPORTER_TEXTFILE_DIR}/kexec_reboot.prom`;

/** Writes the metrics where node-exporter reads them; false when it is not installed (no directory), which is no error. */
export function writeMetricsFile(root: SystemRoot, text: string): boolean {
  if (!existsSync(root.path(NODE_EXPORTER_TEXTFILE_DIR))) return false;
  replaceFile(root.path(METRICS_FILE), text, 0o644);
  return true;
}
