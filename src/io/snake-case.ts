// Every JSON file plab writes names its keys in snake_case (README, Results). Objects that the code
// keeps in camelCase, as a scenario's plan, are converted when written.

/** 'memberSeeds' -> 'member_seeds'; a snake_case or one-word name is unchanged. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A copy of `value` with every object key, at any depth, in snake_case. */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [snakeCase(key), snakeCaseKeys(inner)]));
}
