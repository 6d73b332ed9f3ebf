// Metric values as the log buffer stores them.
import type { Tensor } from '../../tensor/index.js';

/** A tensor's values as float32, row-major. */
export const float32 = (values: Tensor): Float32Array => values.to('float32').contiguous().data() as Float32Array;
