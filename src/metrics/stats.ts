// Summaries across population members: each metric is reported per member and as mean and spread,
// so that a figure or a table can show the variation between seeds.
import { type Tensor, isTensor } from '../tensor/index.js';

export interface MemberStat {
  /** One value per member, in member order. */
  per_member: number[];
  /** Mean over members, ignoring NaN (NaN if every member is NaN). */
  mean: number;
  /** Sample standard deviation over members (n - 1 in the denominator), ignoring NaN; 0 for one member. */
  std: number;
  /** Smallest and largest member value, ignoring NaN. */
  min: number;
  max: number;
}

/** Mean and spread of one value per member, from a tensor [R] or an array of R numbers. */
export function memberStat(values: Tensor | readonly number[]): MemberStat {
  if (isTensor(values) && values.ndim !== 1) {
    throw new Error(`memberStat: expected one value per member, shape [R], got [${values.shape.join(', ')}]`);
  }
  const perMember = isTensor(values) ? values.toArray() : [...values];
  const finite = perMember.filter((value) => !Number.isNaN(value));
  if (finite.length === 0) return { per_member: perMember, mean: NaN, std: NaN, min: NaN, max: NaN };
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  const squares = finite.reduce((a, b) => a + (b - mean) ** 2, 0);
  const std = finite.length > 1 ? Math.sqrt(squares / (finite.length - 1)) : 0;
  return { per_member: perMember, mean, std, min: Math.min(...finite), max: Math.max(...finite) };
}
