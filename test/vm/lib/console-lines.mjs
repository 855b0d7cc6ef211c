// The serial console carries two writers: the agent's `KRVM ...` lines and
// the kernel's own messages (console=ttyS0). The kernel writes to the UART
// past the tty layer, so one of its records can land inside an agent line:
//   KRVM secureboot-kernel: Kernel is locked down[   26.119772] lpc_ich ...
//    from EFI Secure Boot
// (seen in CI, 2026-12-05, while udev loaded modules beside the agent).
// ConsoleLines puts such a line back together: the kernel record becomes a
// line of its own and the agent's text is joined to the rest of it, which
// arrives as the next line.

// (The agent quotes journal lines, "[   65.034799] krvm systemd[1]: ...", whose
// timestamps look alike; the kernel names no host.)
const KERNEL_RECORD = /\[\s*\d+\.\d{6}\] (?!krvm )/;
const STARTS_A_LINE = /^(\[\s*\d+\.\d{6}\] |KRVM )/;

export class ConsoleLines {
  #held = null; // an agent line cut short by a kernel record

  /** One raw line in; the lines it completes out (zero, one or more). */
  push(text) {
    const out = [];
    if (this.#held !== null) {
      const rest = this.#held;
      this.#held = null;
      // The rest of the cut line: anything that starts neither a kernel
      // record nor an agent line (an empty rest is the agent's own newline).
      if (!STARTS_A_LINE.test(text)) {
        out.push(rest + text);
        return out;
      }
      out.push(rest);
    }
    const cut = text.startsWith('KRVM ') ? text.search(KERNEL_RECORD) : -1;
    if (cut > 0) {
      this.#held = text.slice(0, cut);
      out.push(text.slice(cut));
    } else {
      out.push(text);
    }
    return out;
  }

  /** What is still held when the console ends. */
  flush() {
    const rest = this.#held;
    this.#held = null;
    return rest === null ? [] : [rest];
  }
}
