// A one-line progress bar on stderr: redrawn in place on a terminal, printed every few seconds
// otherwise (CI logs, pipes), so that long runs show life without flooding the log.
export interface ProgressFields {
  label: string;
  done: number;
  total: number;
  /** Extra fields shown after the bar, e.g. loss and accuracy. */
  detail?: string;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

export class ProgressBar {
  private readonly started = performance.now();
  /** Start of the current phase (a task, the joint baseline): the ETA extrapolates from it. */
  private phaseStarted = performance.now();
  private lastDone = 0;
  private lastDraw = 0;
  private readonly interactive: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.interactive = Boolean(stream.isTTY);
  }

  update(fields: ProgressFields, force = false): void {
    if (this.quiet) return;
    const now = performance.now();
    if (fields.done < this.lastDone) this.phaseStarted = now;
    this.lastDone = fields.done;
    const interval = this.interactive ? 100 : 5000;
    if (!force && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const fraction = fields.total > 0 ? Math.min(1, fields.done / fields.total) : 0;
    const elapsed = (now - this.started) / 1000;
    const phase = (now - this.phaseStarted) / 1000;
    const eta = fraction > 0 ? (phase * (1 - fraction)) / fraction : Number.NaN;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const line = `${fields.label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% step ${fields.done}/${fields.total} ${formatDuration(elapsed)}<${formatDuration(eta)}${fields.detail ? ` ${fields.detail}` : ''}`;
    if (this.interactive) this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
    else this.stream.write(`${line}\n`);
  }

  done(message?: string): void {
    if (this.quiet) return;
    if (this.interactive) this.stream.write('\r\x1b[K');
    if (message) this.stream.write(`${message}\n`);
  }
}
