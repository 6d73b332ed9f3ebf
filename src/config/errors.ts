// The one error type of the config layer: it names the offending key so the CLI can print it as is.

export class ConfigError extends Error {
  constructor(
    message: string,
    /** Dotted path of the key at fault, when there is one (e.g. 'optimizer.lr'). */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A value as a user would type it, for error messages. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'nothing';
  // JSON writes infinities and NaN as null; they are shown as YAML spells them (.inf, .nan).
  const yamlNumber = (v: number) => (Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf');
  if (typeof value === 'number' && !Number.isFinite(value)) return yamlNumber(value);
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u0000${yamlNumber(v)}\u0000` : v)).replace(/"\\u0000(.*?)\\u0000"/g, '$1');
}
