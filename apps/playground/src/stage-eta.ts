/**
 * Time left in a stage, from the steps done so far: the mean time per step since the first step
 * finished (the first one also compiles shaders on WebGL/WebGPU, so it is left out once there is a
 * second), times the steps still to go. Undefined until there is a step to measure.
 */
export function remainingMilliseconds(stepTimes: readonly number[], totalSteps: number): number | undefined {
  const done = stepTimes.length;
  if (done === 0) return undefined;
  if (done >= totalSteps) return 0;
  const measured = done >= 2 ? (stepTimes[done - 1]! - stepTimes[0]!) / (done - 1) : stepTimes[0]!;
  return measured * (totalSteps - done);
}

/** "12 s left", "1 min 5 s left", "< 1 s left". */
export function formatRemaining(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 1) return '< 1 s left';
  if (seconds < 60) return `${seconds} s left`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s left`;
}
