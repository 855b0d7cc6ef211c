/**
 * Lets the worker's event loop poll between tests. Many tests here are
 * synchronous (spawnSync of the CLI, the differential test's sh runs), and
 * awaiting a test that returns at once yields to microtasks only: a file's
 * whole run then keeps vitest's answers unread, and past its fixed 60 s for
 * one ("Timeout calling onTaskUpdate", seen with two cores shared with QEMU)
 * a run whose tests all passed fails.
 */
import { beforeEach } from 'vitest';

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
