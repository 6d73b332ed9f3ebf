// A config as dotted keys with scalar values ('optimizer.lr' -> 0.001): the columns of an
// exported table and the hyperparameters of TensorBoard's HParams view. Lists and nulls become
// their JSON text, so every key keeps one column.
export type FlatValue = number | string | boolean;

export function flattenConfig(config: unknown, prefix = ''): Record<string, FlatValue> {
  const out: Record<string, FlatValue> = {};
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    if (prefix) out[prefix] = typeof config === 'number' || typeof config === 'boolean' || typeof config === 'string' ? config : JSON.stringify(config);
    return out;
  }
  for (const [key, value] of Object.entries(config)) Object.assign(out, flattenConfig(value, prefix ? `${prefix}.${key}` : key));
  return out;
}

/**
 * The keys in which flattened configs differ (a key missing from some counts as differing), in the
 * order they first appear: what tells runs apart in a listing or a comparison.
 */
export function differingKeys(configs: readonly Record<string, FlatValue>[]): string[] {
  const keys = [...new Set(configs.flatMap((config) => Object.keys(config)))];
  return keys.filter((key) => configs.some((config) => config[key] !== configs[0][key]));
}
