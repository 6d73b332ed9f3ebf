// Which devices this build can use. The addon links whatever libtorch set-up found, and Debian's
// is CPU-only: asking it for 'cuda' fails deep inside the first copy, so it is checked up front.
import { native } from './native.js';

/** GPUs visible to this libtorch (0 when it was built without CUDA). */
export function cudaDeviceCount(): number {
  return native.cudaDeviceCount();
}

/** Throws an error that says what to do when `device` ('cpu', 'cuda', 'cuda:N') is not usable here. */
export function checkDevice(device: string): void {
  const match = /^cuda(?::(\d+))?$/.exec(device);
  if (match === null) return;
  const count = cudaDeviceCount();
  if (count === 0) {
    throw new Error(
      `device=${device}: this build of plab has no GPU (its libtorch has no CUDA support, or no GPU is visible). ` +
        "Use device=cpu, or rebuild the addon against a CUDA libtorch: LIBTORCH=/path/to/libtorch npm run build:addon (or install the CUDA 'torch' Python package first).",
    );
  }
  const index = match[1] === undefined ? 0 : Number(match[1]);
  if (index >= count) throw new Error(`device=${device}: only ${count} GPU(s) are visible (cuda:0 … cuda:${count - 1})`);
}
