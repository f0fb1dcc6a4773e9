import cliProgress from 'cli-progress';
import type { CliOutput } from './io';

/** One long-running task's progress. */
export interface ProgressTask {
  /** The task reached `value` (of `total`); `info` is shown after the rate (e.g. the loss). */
  update(value: number, info?: string): void;
  /** The task ended (successfully or not); prints the final state. */
  done(info?: string): void;
}

export interface Progress {
  start(label: string, total: number, options?: { initial?: number; unit?: string }): ProgressTask;
}

/** Seconds as `1m05s` / `12s` / `0.4s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

const formatRate = (rate: number) => (rate >= 10 ? rate.toFixed(1) : rate >= 1 ? rate.toFixed(2) : rate.toPrecision(2));

/**
 * Progress on `output` (stderr): a bar with rate and ETA when it is a terminal, otherwise plain
 * lines (about ten per task, and at least one every 5 s), or nothing when `enabled` is false
 * (`--json`, `--quiet`).
 */
export function createProgress(output: CliOutput, options: { enabled: boolean; now?: () => number }): Progress {
  const now = options.now ?? (() => performance.now());
  if (!options.enabled) return { start: () => ({ update() {}, done() {} }) };
  return {
    start(label, total, { initial = 0, unit = 'steps' } = {}) {
      const started = now();
      const rateAt = (value: number) => {
        const seconds = (now() - started) / 1000;
        return seconds > 0 ? (value - initial) / seconds : 0;
      };
      if (output.isTTY === true) {
        const bar = new cliProgress.SingleBar({
          ...cliProgress.Presets.shades_classic,
          stream: output as unknown as NodeJS.WritableStream,
          format: `${label} |{bar}| {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} {info}`,
          barsize: 24,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 20,
          fps: 10,
        });
        bar.start(total, initial, { rate: '-', info: '' });
        let last = initial;
        return {
          update(value, info = '') {
            last = value;
            bar.update(value, { rate: formatRate(rateAt(value)), info });
          },
          done(info) {
            bar.update(last, { rate: formatRate(rateAt(last)), ...(info === undefined ? {} : { info }) });
            bar.stop();
          },
        };
      }
      const every = Math.max(1, Math.ceil(total / 10));
      let lastPrinted = initial;
      let lastTime = started;
      let last = initial;
      const line = (value: number, info: string | undefined) => {
        const rate = rateAt(value);
        const eta = rate > 0 ? formatSeconds((total - value) / rate) : '?';
        output.write(`${label}: ${value}/${total} ${unit} (${formatRate(rate)} ${unit}/s, ETA ${eta})${info ? ` ${info}` : ''}\n`);
        lastPrinted = value;
        lastTime = now();
      };
      return {
        update(value, info) {
          last = value;
          if (value >= total || value - lastPrinted >= every || now() - lastTime > 5000) line(value, info);
        },
        done(info) {
          if (last !== lastPrinted) line(last, info);
        },
      };
    },
  };
}
