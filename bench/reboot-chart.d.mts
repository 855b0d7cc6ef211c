export interface ChartRow {
  readonly label: string;
  /** Median seconds of each phase. */
  readonly phases: Readonly<Record<'handover' | 'kernel' | 'init' | 'up', number | null>>;
  readonly total: { readonly median: number | null; readonly min: number | null; readonly max: number | null };
}
export declare const PHASES: readonly { readonly key: string; readonly label: string; readonly colour: string }[];
export declare function rebootChart(rows: readonly ChartRow[], options?: { readonly title?: string }): string;
