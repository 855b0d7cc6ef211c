import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rebootChart } from '../../bench/reboot-chart.mjs';

const rows = [
  { label: 'kexec-reboot: `reboot` <kexec>', phases: { handover: 10, kernel: 5, init: 5, up: 30 }, total: { median: 50, min: 45, max: 61 } },
  { label: 'coldreboot & firmware', phases: { handover: 8, kernel: 35, init: 5, up: 30 }, total: { median: 78, min: 70, max: 90 } },
];

const widths = (svg: string) => [...svg.matchAll(/<rect x="[\d.]+" y="(\d+)" width="([\d.]+)" height="22"/g)].map((m) => ({ y: Number(m[1]), width: Number(m[2]) }));

describe('rebootChart', () => {
  it('draws each phase as wide as its median, in the order the phases happen', () => {
    const bars = widths(rebootChart(rows));
    expect(bars).toHaveLength(8);
    const [first, second] = [bars.slice(0, 4), bars.slice(4)];
    // 560 px for an axis of 100 s: the widest total, 90 s, rounded up to the 20 s grid.
    expect(first.map((b) => b.width)).toEqual([56, 28, 28, 168]);
    expect(second[1]!.width).toBe(196);
    expect(new Set(first.map((b) => b.y)).size).toBe(1);
  });

  it('escapes labels, and renders to a PNG with rsvg-convert', () => {
    const svg = rebootChart(rows);
    expect(svg).toContain('coldreboot &amp; firmware');
    expect(svg).toContain('&lt;kexec&gt;');
    const dir = mkdtempSync(join(tmpdir(), 'reboot-chart-'));
    writeFileSync(join(dir, 'chart.svg'), svg);
    execFileSync('rsvg-convert', ['-o', join(dir, 'chart.png'), join(dir, 'chart.svg')]);
    const png = readFileSync(join(dir, 'chart.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // Width and height from the IHDR chunk: the size the SVG declares.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([960, 178]);
  });
});
