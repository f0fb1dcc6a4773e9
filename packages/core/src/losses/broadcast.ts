import type { Tensor } from '@tensorflow/tfjs-core';
import { errors } from '../errors';

/** A tensor, or a plain number that stands for a scalar. */
export type TensorOrNumber = Tensor | number;

const shapeOf = (value: TensorOrNumber): readonly number[] => (typeof value === 'number' ? [] : value.shape);

/**
 * The shape that NumPy-style broadcasting gives `named` operands, or a coded shape error naming
 * the first operand that does not fit (tfjs would otherwise throw an uncoded error of its own).
 */
export function broadcastShape(named: Readonly<Record<string, TensorOrNumber>>): number[] {
  let result: number[] = [];
  let first = '';
  for (const [name, value] of Object.entries(named)) {
    const shape = shapeOf(value);
    const rank = Math.max(result.length, shape.length);
    const next: number[] = new Array<number>(rank);
    for (let i = 0; i < rank; i++) {
      const a = result[result.length - rank + i] ?? 1;
      const b = shape[shape.length - rank + i] ?? 1;
      if (a !== b && a !== 1 && b !== 1) {
        throw errors.shapeMismatch(name, `a shape that broadcasts with ${first} [${result.join(', ')}]`, shape);
      }
      next[i] = a === 1 ? b : a;
    }
    result = next;
    if (first === '') first = name;
  }
  return result;
}
