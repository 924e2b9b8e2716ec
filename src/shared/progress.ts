/** A progress bar for long work on a terminal (rate and ETA); plain lines when not a terminal. */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly unit = 'events',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, total?: number): void {
    const now = Date.now();
    const finished = total !== undefined && done >= total;
    if (!finished && now - this.lastDraw < (this.tty ? 100 : 2_000)) return;
    this.lastDraw = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = done / seconds;
    let line = `${this.label}: ${done.toLocaleString('en-US')}`;
    if (total !== undefined && total > 0) {
      const fraction = Math.min(done / total, 1);
      const width = 24;
      const filled = Math.round(fraction * width);
      const eta = rate > 0 ? (total - done) / rate : 0;
      line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${this.unit}, ${Math.round(rate).toLocaleString('en-US')} ${this.unit}/s, ETA ${formatSeconds(eta)}`;
    } else {
      line += ` ${this.unit}, ${Math.round(rate).toLocaleString('en-US')} ${this.unit}/s`;
    }
    this.stream.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  done(summary = ''): void {
    const seconds = (Date.now() - this.started) / 1000;
    this.stream.write(`${this.tty ? '\r\x1b[K' : ''}${this.label}: done in ${seconds.toFixed(1)} s${summary ? ` (${summary})` : ''}\n`);
  }
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
