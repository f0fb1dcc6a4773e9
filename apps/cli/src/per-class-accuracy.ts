import { topKAccuracy, wilsonInterval } from '@cdm/cascade/eval';

/** How often the samples drawn for one class are recognised as it, with a 95 % Wilson interval. */
export interface ClassAccuracy {
  readonly class: number;
  readonly name: string;
  readonly samples: number;
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
}

/** Top-1 accuracy of `logits` (n × classes) against `targets`, for each class that has samples, in class order. */
export function perClassAccuracy(logits: ArrayLike<number>, targets: readonly number[], classes: number, names: readonly string[]): ClassAccuracy[] {
  const result: ClassAccuracy[] = [];
  for (let c = 0; c < classes; c++) {
    const rows = targets.flatMap((t, i) => (t === c ? [i] : []));
    if (rows.length === 0) continue;
    const sub = new Float32Array(rows.length * classes);
    rows.forEach((row, j) => {
      for (let k = 0; k < classes; k++) sub[j * classes + k] = logits[row * classes + k]!;
    });
    const accuracy = topKAccuracy(sub, new Int32Array(rows.length).fill(c), rows.length, classes, 1);
    const { low, high } = wilsonInterval(Math.round(accuracy * rows.length), rows.length);
    result.push({ class: c, name: names[c] ?? String(c), samples: rows.length, accuracy, low, high });
  }
  return result;
}
