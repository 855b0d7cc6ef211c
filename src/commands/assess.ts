import { readConfig } from '../config/read-config.js';
import { planReboot, type Plan, type PlanInput } from '../plan/plan.js';
import type { SystemRoot } from '../host/system-root.js';
import { readSystemFacts } from '../host/facts.js';
import { readLoadRecord } from '../host/load-record.js';
import type { HistoryReading } from '../host/reboot-history.js';
import { readSettledHistory } from './settle.js';
import { inspectInitrd, inspectKernel, readKernelSignature, type FileFacts } from '../host/inspect.js';
import type { Programs } from '../host/programs.js';
import { isUnusable } from '../unusable.js';
import { resolveTarget, type BootTarget } from '../boot-target/boot-target.js';

/** The plan and everything it was decided from: what `status` shows and the hook acts on. */
export interface Assessment extends PlanInput {
  readonly plan: Plan;
  /** Where the pause comes from, as the running boot knows it (settle.ts); status shows the last reboot from it. */
  readonly rebootHistory: HistoryReading;
}

function inspectUnlessUnresolved(
  target: BootTarget,
  subject: 'kernel' | 'initrd',
  systemPath: string,
  inspect: (path: string) => FileFacts,
): FileFacts {
  // An unresolved path may still hold absolute links that would lead out of --root; why it cannot be used is already known.
  const unresolved = target.problems.find((problem) => problem.subject === subject);
  return unresolved ? { unusable: unresolved.unusable } : inspect(systemPath);
}

/** read config -> resolve the boot target -> plan. Reads the system; changes nothing. */
export async function assess(root: SystemRoot, programs: Programs): Promise<Assessment> {
  const reading = readConfig(root);
  const target = await resolveTarget(root, reading.config);
  const system = readSystemFacts(root, programs);
  const rebootHistory = readSettledHistory(root);
  const { pause } = rebootHistory.history;
  const kernelFile = inspectUnlessUnresolved(target, 'kernel', target.kernel.value, (p) => inspectKernel(root, p, target.unified));
  const input: PlanInput = {
    reading,
    target,
    kernelFile,
    initrdFiles: target.initrds.value.map((initrd) => inspectUnlessUnresolved(target, 'initrd', initrd, (p) => inspectInitrd(root, p))),
    system,
    loadRecord: readLoadRecord(root),
    ...(pause ? { pause } : {}),
    // Locked down, the kernel loads only signed images: an unsigned one is known to fail before the shutdown.
    ...(system.lockdown !== 'none' && !isUnusable(kernelFile) ? { kernelSignature: readKernelSignature(root, target.kernel.value, target.unified?.linux) } : {}),
  };
  return { ...input, plan: planReboot(input), rebootHistory };
}

/** The plan for loading a kernel now, by hand: what is loaded already gets replaced. */
export function planFreshLoad(assessment: Assessment): Plan {
  return planReboot({ ...assessment, system: { ...assessment.system, kernelLoaded: false } });
}
