import { describe, expect, it } from 'vitest';
import { CdmError, errors, isCdmError } from './errors';

describe('errors', () => {
  it('carries a stable code, the message, and the hint in the text', () => {
    const error = errors.timestepOutOfRange('t', 1000, 1000);
    expect(error).toBeInstanceOf(CdmError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CdmError');
    expect(error.code).toBe('CDM_TIMESTEP_OUT_OF_RANGE');
    expect(error.hint).toBe('Timesteps are integer indices into the (possibly respaced) schedule');
    expect(error.message).toBe(
      "t = 1000 is outside the process's timesteps 0…999. Timesteps are integer indices into the (possibly respaced) schedule [CDM_TIMESTEP_OUT_OF_RANGE]",
    );
  });

  it('shows values compactly in invalid-argument messages', () => {
    expect(errors.invalidArgument('steps', 'a positive integer', -3).message).toBe('Invalid steps: expected a positive integer, got -3 [CDM_INVALID_ARGUMENT]');
    expect(errors.invalidArgument('name', 'a string', 'x').message).toContain('got "x"');
    expect(errors.invalidArgument('list', 'short', [1, 2, 3, 4, 5, 6, 7, 8, 9]).message).toContain('got [1, 2, 3, 4, 5, 6, 7, 8, …]');
    expect(errors.invalidArgument('options', 'an object', new Map()).message).toContain('got [object Map]');
  });

  it('wraps plugin failures once, with the plugin name, the hook and the cause', () => {
    const cause = new Error('boom');
    const wrapped = errors.pluginFailed('augmentation policy', 'jpeg', 'train', cause);
    expect(wrapped.message).toBe('augmentation policy "jpeg" failed in train: boom [CDM_PLUGIN_FAILED]');
    expect(wrapped.cause).toBe(cause);
    expect(errors.pluginFailed('cascade', 'outer', 'sample', wrapped)).toBe(wrapped);
  });

  it('lists what was tried and what to install when no backend fits', () => {
    const error = errors.noBackend('gpu', [{ name: 'webgpu', reason: 'navigator.gpu is missing' }], ['@tensorflow/tfjs-node-gpu']);
    expect(error.message).toBe(
      'No backend can serve device "gpu".\nTried:\n  webgpu: navigator.gpu is missing. Install one of: @tensorflow/tfjs-node-gpu [CDM_NO_BACKEND]',
    );
    expect(errors.noBackend('auto', [], []).message).toContain('No backend is registered');
  });

  it('names the process that holds a run directory and what to do about it', () => {
    const error = errors.runLocked('/runs/base', { pid: 4242, hostname: 'gpu-1', startedAt: '2026-01-02T03:04:05.000Z' }, '/runs/base/run.lock');
    expect(error.code).toBe('CDM_RUN_LOCKED');
    expect(error.message).toBe(
      'The run directory /runs/base is in use by process 4242 on gpu-1 (since 2026-01-02T03:04:05.000Z). Wait for that run to finish or stop it (e.g. kill 4242 on gpu-1), or train into another run directory; if no such process is running, delete /runs/base/run.lock [CDM_RUN_LOCKED]',
    );
  });

  it('names both class lists in a class mismatch, shortened after 12 names', () => {
    const error = errors.classMismatch({ what: 'the cascade', classNames: ['a', 'b'] }, { what: 'the extractor', classNames: undefined });
    expect(error.message).toBe(
      'The classes of the cascade ([a, b]) differ from those of the extractor (no class names). Labels are class indices, so both must name the same classes in the same order [CDM_CLASS_MISMATCH]',
    );
    const many = Array.from({ length: 14 }, (_, i) => `c${i}`);
    expect(errors.classMismatch({ what: 'x', classNames: many }, { what: 'y', classNames: [] }, 'Do this').message).toBe(
      'The classes of x ([c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, …]) differ from those of y ([]). Do this [CDM_CLASS_MISMATCH]',
    );
  });

  it('isCdmError narrows by code', () => {
    expect(isCdmError(errors.aborted('Sampling'), 'CDM_ABORTED')).toBe(true);
    expect(isCdmError(errors.aborted('Sampling'), 'CDM_NON_FINITE')).toBe(false);
    expect(isCdmError(new Error('x'))).toBe(false);
  });
});
