import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { errors } from '@cdm/core';

/** Eigenvalues and eigenvectors of a real symmetric matrix. */
export interface SymmetricEigen {
  /** d eigenvalues (ascending, as the tridiagonal QL algorithm returns them). */
  readonly values: Float64Array;
  /** d×d row-major; column i is the unit eigenvector of values[i]. */
  readonly vectors: Float64Array;
}

/**
 * The eigendecomposition A = V·diag(λ)·Vᵀ of a symmetric d×d matrix (row-major, float64), through
 * ml-matrix's Householder tridiagonalisation + QL iteration. The input is symmetrised first
 * ((A + Aᵀ)/2), so round-off asymmetry of a product such as √Σ₁Σ₂√Σ₁ does not matter.
 */
export function symmetricEigen(a: Float64Array, d: number): SymmetricEigen {
  if (!Number.isInteger(d) || d < 1 || a.length !== d * d) throw errors.invalidArgument('matrix', `${d}×${d} = ${d * d} values`, `${a.length} values`);
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m.set(i, j, 0.5 * (a[i * d + j]! + a[j * d + i]!));
  }
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = Float64Array.from(evd.realEigenvalues);
  const v = evd.eigenvectorMatrix;
  const vectors = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) vectors[i * d + j] = v.get(i, j);
  return { values, vectors };
}

/** V·diag(f(λ))·Vᵀ, row-major. */
export function fromEigen({ values, vectors }: SymmetricEigen, f: (value: number) => number): Float64Array {
  const d = values.length;
  const scaled = new Float64Array(d * d); // V·diag(f(λ))
  const fv = values.map(f);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) scaled[i * d + k] = vectors[i * d + k]! * fv[k]!;
  return multiply(scaled, vectors, d, true);
}

/** Row-major d×d product A·B, or A·Bᵀ when `transposeB`. */
export function multiply(a: Float64Array, b: Float64Array, d: number, transposeB = false): Float64Array {
  const out = new Float64Array(d * d);
  const bt = transposeB ? b : transpose(b, d);
  for (let i = 0; i < d; i++) {
    const ai = i * d;
    for (let j = 0; j < d; j++) {
      const bj = j * d;
      let sum = 0;
      for (let k = 0; k < d; k++) sum += a[ai + k]! * bt[bj + k]!;
      out[ai + j] = sum;
    }
  }
  return out;
}

function transpose(a: Float64Array, d: number): Float64Array {
  const t = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) t[j * d + i] = a[i * d + j]!;
  return t;
}
