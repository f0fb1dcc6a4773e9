/** One line of a run's `log.jsonl`, also passed to `onProgress`. Values are means over the steps since the previous line. */
export interface TrainingLogEntry {
  /** The last step (update) the line covers; steps count from 1. */
  readonly step: number;
  /**
   * How many updates the line's means cover: `every` in a steady run (a run resumed from a checkpoint
   * taken between two lines carries the sums of the steps before it, so its next line covers the whole
   * interval), fewer for a line written when a run stops (Ctrl-C, the end) and the first line after it.
   */
  readonly updates: number;
  /** The objective minimised: the mean per-example loss, weighted by the timestep sampler's 1/(T·p_t). */
  readonly loss: number;
  /**
   * Unweighted mean per-example loss by quarter of the timesteps, t in [0, T/4), [T/4, T/2), …
   * (guided-diffusion's `loss_q0…q3`); null for a quarter no example fell in.
   */
  readonly lossByQuartile: readonly [number | null, number | null, number | null, number | null];
  /** Mean squared error part (differs from `loss` only for the hybrid loss). */
  readonly mse: number;
  /** Hybrid loss only: the variational-bound term L_t in bits per dimension. */
  readonly vb?: number;
  /** Learning rate of the last step. */
  readonly lr: number;
  /** Mean global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Updates per second of wall-clock time over the lines' steps (checkpoint writes included). */
  readonly stepsPerSecond: number;
  /** Examples consumed from the dataset so far. */
  readonly examplesSeen: number;
  /** Training time so far, summed over every session of the run. */
  readonly seconds: number;
  /** The held-out loss of the EMA weights after this step, on lines of the steps it was evaluated at. */
  readonly heldOutLoss?: number;
  /** The same for the trained (non-averaged) weights, when asked for. */
  readonly heldOutLossRaw?: number;
}

/** What one update contributes to the log. */
export interface StepRecord {
  /** The weighted objective of the update (mean over its micro-batches). */
  readonly loss: number;
  readonly timesteps: ArrayLike<number>;
  /** Unweighted per-example losses, mse and (hybrid) vb, aligned with `timesteps`. */
  readonly losses: ArrayLike<number>;
  readonly mse: ArrayLike<number>;
  readonly vb?: ArrayLike<number>;
  readonly lr: number;
  readonly gradNorm: number;
}

export interface LogAccumulator {
  add(record: StepRecord): void;
  /** Steps added since the last `flush`. */
  readonly pending: number;
  /** The line for the steps added since the last flush (which must be at least one), and a reset. */
  flush(info: { step: number; examplesSeen: number; seconds: number; elapsedSeconds: number }): TrainingLogEntry;
  /** The sums of the steps not yet flushed, plain JSON: a checkpoint keeps them so that a resumed run's next line covers them too. */
  state(): LogAccumulatorState;
}

/** What a `LogAccumulator` has summed since its last line (float64 sums, exact through JSON). */
export interface LogAccumulatorState {
  readonly steps: number;
  readonly loss: number;
  readonly mse: number;
  readonly vb: number;
  readonly examples: number;
  readonly hasVb: boolean;
  readonly gradNorm: number;
  readonly lr: number;
  readonly quartileSum: readonly [number, number, number, number];
  readonly quartileCount: readonly [number, number, number, number];
}

const mean = (sum: number, n: number) => (n === 0 ? 0 : sum / n);

/**
 * Accumulates step records into log lines for a process of `numTimesteps` steps, starting from the
 * sums a checkpoint kept (`from`) when a run resumes between two lines.
 */
export function createLogAccumulator(numTimesteps: number, from?: LogAccumulatorState): LogAccumulator {
  let steps = from?.steps ?? 0;
  let loss = from?.loss ?? 0;
  let mse = from?.mse ?? 0;
  let vb = from?.vb ?? 0;
  let examples = from?.examples ?? 0;
  let hasVb = from?.hasVb ?? false;
  let gradNorm = from?.gradNorm ?? 0;
  let lr = from?.lr ?? 0;
  const quartileSum = [...(from?.quartileSum ?? [0, 0, 0, 0])];
  const quartileCount = [...(from?.quartileCount ?? [0, 0, 0, 0])];
  return {
    state() {
      return {
        steps,
        loss,
        mse,
        vb,
        examples,
        hasVb,
        gradNorm,
        lr,
        quartileSum: [quartileSum[0]!, quartileSum[1]!, quartileSum[2]!, quartileSum[3]!],
        quartileCount: [quartileCount[0]!, quartileCount[1]!, quartileCount[2]!, quartileCount[3]!],
      };
    },
    get pending() {
      return steps;
    },
    add(record) {
      steps++;
      loss += record.loss;
      gradNorm += record.gradNorm;
      lr = record.lr;
      for (let i = 0; i < record.timesteps.length; i++) {
        const quartile = Math.min(3, Math.floor((4 * record.timesteps[i]!) / numTimesteps));
        quartileSum[quartile]! += record.losses[i]!;
        quartileCount[quartile]!++;
        mse += record.mse[i]!;
        if (record.vb !== undefined) vb += record.vb[i]!;
        examples++;
      }
      hasVb ||= record.vb !== undefined;
    },
    flush({ step, examplesSeen, seconds, elapsedSeconds }) {
      const q = (i: number) => (quartileCount[i] === 0 ? null : quartileSum[i]! / quartileCount[i]!);
      const entry: TrainingLogEntry = {
        step,
        updates: steps,
        loss: mean(loss, steps),
        lossByQuartile: [q(0), q(1), q(2), q(3)],
        mse: mean(mse, examples),
        ...(hasVb ? { vb: mean(vb, examples) } : {}),
        lr,
        gradNorm: mean(gradNorm, steps),
        stepsPerSecond: elapsedSeconds > 0 ? steps / elapsedSeconds : 0,
        examplesSeen,
        seconds,
      };
      steps = loss = mse = vb = examples = gradNorm = 0;
      hasVb = false;
      quartileSum.fill(0);
      quartileCount.fill(0);
      return entry;
    },
  };
}

/** The log as JSON lines. */
export function formatLogLines(entries: readonly TrainingLogEntry[]): string {
  return entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
}

/** Parses `log.jsonl`, keeping the lines up to and including `lastStep` (a resumed run drops the rest). */
export function parseLogLines(text: string, lastStep: number): TrainingLogEntry[] {
  const entries: TrainingLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as TrainingLogEntry;
      if (typeof entry.step === 'number' && entry.step <= lastStep) entries.push(entry);
    } catch {
      // A line cut short by a crash: skip it.
    }
  }
  return entries;
}
