// The summary table: summary.json flattened into rows of "metric: mean ± sd". The experiment stores
// each metric per member and as mean and spread; this reads those shapes without knowing the names,
// so that a metric added later appears without a change here.
export interface SummaryRow {
  metric: string;
  value: string;
}

const SPREAD_KEYS = ['std', 'sd', 'spread'];
const MEMBER_KEYS = ['per_member', 'members', 'values'];

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(3) : Number(value.toPrecision(4)).toString();
}

function isNumberArray(value: unknown): value is (number | null)[] {
  return Array.isArray(value) && value.some((v) => typeof v === 'number') && value.every((v) => typeof v === 'number' || v === null);
}

function meanSd(values: (number | null)[]): string {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (finite.length === 0) return 'n/a';
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const sd = finite.length > 1 ? Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (finite.length - 1)) : 0;
  return `${format(mean)} ± ${format(sd)} (${finite.length} members)`;
}

/** Values in task order (summary keys ending in _by_task), as a list. */
function byTask(values: (number | null)[]): string {
  return values.map((v) => (v === null ? 'n/a' : format(v))).join(', ') + ' (task 1 → ' + values.length + ')';
}

/**
 * A value as one table cell, or undefined for shapes that belong in a figure (matrices). A list is
 * per task when its key, or a section it sits in, ends in _by_task (population_sparsity_by_task
 * holds one list per layer); otherwise it is per member.
 */
function cell(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return format(value);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (isNumberArray(value)) return path.split('.').some((key) => key.endsWith('_by_task')) ? byTask(value) : meanSd(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (typeof record.mean === 'number') {
      const spread = SPREAD_KEYS.map((k) => record[k]).find((v) => typeof v === 'number') as number | undefined;
      return spread === undefined ? format(record.mean) : `${format(record.mean)} ± ${format(spread)}`;
    }
    const members = MEMBER_KEYS.map((k) => record[k]).find(isNumberArray);
    if (members) return meanSd(members);
  }
  return undefined;
}

/** Rows for every scalar-like entry of summary.json, keyed by its dotted path. */
export function summaryRows(summary: unknown, limit = 300): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const walk = (value: unknown, path: string) => {
    if (rows.length >= limit) return;
    const text = path ? cell(value, path) : undefined;
    if (text !== undefined) {
      rows.push({ metric: path, value: text });
      return;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
    }
  };
  walk(summary, '');
  return rows;
}
