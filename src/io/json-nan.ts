// JSON has no NaN: JSON.stringify writes it as null (a regression's accuracy, a stopped member's
// loss). Arithmetic on null counts it as 0, so readers of plab's JSON results turn those nulls back
// into NaN, which statistics skip (src/metrics/stats.ts).

/** `value` with the nulls inside its arrays and objects as NaN; `value` itself, when null (a measure not taken), stays null. */
export function nullToNaN(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === null ? Number.NaN : nullToNaN(item)));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, item === null ? Number.NaN : nullToNaN(item)]));
  return value;
}
