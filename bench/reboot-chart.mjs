// The reboot benchmark's picture: one horizontal bar a path, its phases
// stacked in the order they happen (medians), and the spread of the total
// (min to max) as a whisker at the bar's end. Plain SVG text: five rects and
// a line a path do not need a charting library.

export const PHASES = [
  { key: 'handover', label: 'request -> hand-over', colour: '#4e79a7' },
  { key: 'kernel', label: 'hand-over -> new kernel', colour: '#f28e2b' },
  { key: 'init', label: 'new kernel -> init', colour: '#76b7b2' },
  { key: 'up', label: 'init -> userspace up', colour: '#59a14f' },
];

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/**
 * rows: [{ label, phases: { handover, kernel, init, up } (median seconds),
 * total: { median, min, max } }], in the order to draw them.
 */
export function rebootChart(rows, { title = 'Downtime by reboot path' } = {}) {
  const labelWidth = 330;
  const plotWidth = 560;
  const barHeight = 22;
  const gap = 12;
  const top = 70;
  const scaleMax = Math.max(1, ...rows.map((r) => r.total.max ?? r.total.median ?? 0));
  const step = scaleMax > 120 ? 30 : scaleMax > 60 ? 20 : 10;
  const axisMax = Math.ceil(scaleMax / step) * step;
  const x = (seconds) => labelWidth + (seconds / axisMax) * plotWidth;
  const height = top + rows.length * (barHeight + gap) + 40;
  const width = labelWidth + plotWidth + 70;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  PHASES.forEach((phase, i) => {
    const lx = 10 + i * 200;
    parts.push(`<rect x="${lx}" y="32" width="12" height="12" fill="${phase.colour}"/>`, `<text x="${lx + 16}" y="42">${escape(phase.label)}</text>`);
  });
  parts.push(`<text x="${10 + PHASES.length * 200}" y="42">|-| total min-max</text>`);
  for (let s = 0; s <= axisMax; s += step) {
    parts.push(`<line x1="${x(s)}" y1="${top - 6}" x2="${x(s)}" y2="${height - 34}" stroke="#dddddd"/>`, `<text x="${x(s)}" y="${height - 20}" text-anchor="middle">${s} s</text>`);
  }
  rows.forEach((row, i) => {
    const y = top + i * (barHeight + gap);
    parts.push(`<text x="${labelWidth - 8}" y="${y + barHeight / 2 + 4}" text-anchor="end">${escape(row.label)}</text>`);
    let at = 0;
    for (const phase of PHASES) {
      const seconds = row.phases[phase.key] ?? 0;
      if (seconds > 0) parts.push(`<rect x="${x(at).toFixed(1)}" y="${y}" width="${(x(at + seconds) - x(at)).toFixed(1)}" height="${barHeight}" fill="${phase.colour}"><title>${escape(`${phase.label}: ${seconds.toFixed(1)} s`)}</title></rect>`);
      at += seconds;
    }
    const { min, max, median } = row.total;
    if (min !== null && max !== null) {
      const mid = y + barHeight / 2;
      parts.push(
        `<line x1="${x(min).toFixed(1)}" y1="${mid}" x2="${x(max).toFixed(1)}" y2="${mid}" stroke="#222222" stroke-width="1.5"/>`,
        `<line x1="${x(min).toFixed(1)}" y1="${mid - 6}" x2="${x(min).toFixed(1)}" y2="${mid + 6}" stroke="#222222" stroke-width="1.5"/>`,
        `<line x1="${x(max).toFixed(1)}" y1="${mid - 6}" x2="${x(max).toFixed(1)}" y2="${mid + 6}" stroke="#222222" stroke-width="1.5"/>`,
      );
    }
    if (median !== null) parts.push(`<text x="${(x(max ?? median) + 6).toFixed(1)}" y="${y + barHeight / 2 + 4}">${median.toFixed(1)} s</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
