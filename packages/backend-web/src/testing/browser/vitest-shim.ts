/**
 * Test-only: the part of vitest's API that @cdm/core/testing's conformance suites use (describe,
 * it, beforeAll, skipIf, expect(…).toBe/toEqual/…, assert.fail), so that the same suites run in a
 * real browser page, where vitest itself is not available here. The bundle for the page aliases
 * 'vitest' to this file; `runCollected()` runs what was registered, in order.
 */
type Body = () => unknown;

interface Block {
  readonly title: string;
  readonly skip: boolean;
  readonly children: (Block | Test)[];
  readonly beforeAll: Body[];
}

interface Test {
  readonly name: string;
  readonly skip: boolean;
  readonly body: Body;
}

export interface ShimResult {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly error?: string;
}

const root: Block = { title: '', skip: false, children: [], beforeAll: [] };
let current = root;
const pending: Promise<unknown>[] = [];

function addBlock(title: string, body: Body, skip: boolean): void {
  const block: Block = { title, skip, children: [], beforeAll: [] };
  current.children.push(block);
  const parent = current;
  current = block;
  try {
    const result = body();
    // An async describe body: what it registers after its first await lands in it too, because
    // `current` is restored only once it settles — so await settled() before the next suite.
    if (result instanceof Promise) pending.push(result.finally(() => (current = parent)));
    else current = parent;
  } catch (error) {
    current = parent;
    throw error;
  }
}

export const describe = Object.assign((title: string, body: Body) => addBlock(title, body, false), {
  skipIf: (condition: boolean) => (title: string, body: Body) => addBlock(title, body, condition),
});

export const it = Object.assign((name: string, body: Body) => void current.children.push({ name, body, skip: false }), {
  skipIf: (condition: boolean) => (name: string, body: Body) => void current.children.push({ name, body, skip: condition }),
});

export function beforeAll(body: Body): void {
  current.beforeAll.push(body);
}

export class AssertionError extends Error {}

const show = (value: unknown) => {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
};

const equal = (a: unknown, b: unknown): boolean => show(a) === show(b);

export function expect(actual: unknown, message?: string) {
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new AssertionError(`${message ? `${message}: ` : ''}expected ${show(actual)} ${what}`);
  };
  return {
    toBe: (expected: unknown) => check(Object.is(actual, expected), `to be ${show(expected)}`),
    toEqual: (expected: unknown) => check(equal(actual, expected), `to equal ${show(expected)}`),
    toBeLessThan: (bound: number) => check((actual as number) < bound, `to be less than ${bound}`),
    toBeLessThanOrEqual: (bound: number) => check((actual as number) <= bound, `to be ≤ ${bound}`),
    toBeGreaterThan: (bound: number) => check((actual as number) > bound, `to be greater than ${bound}`),
    toBeUndefined: () => check(actual === undefined, 'to be undefined'),
    toBeDefined: () => check(actual !== undefined, 'to be defined'),
  };
}

export const assert = {
  fail(message: string): never {
    throw new AssertionError(message);
  },
};

/** Waits for async describe bodies to finish registering; call it between top-level suites. */
export async function settled(): Promise<void> {
  while (pending.length > 0) await Promise.all(pending.splice(0));
}

/** Runs every registered test in order (beforeAll hooks first in each block); returns one result per test. */
export async function runCollected(): Promise<ShimResult[]> {
  await settled();
  const results: ShimResult[] = [];
  const visit = async (block: Block, path: string[], skipped: boolean) => {
    const skip = skipped || block.skip;
    let setupError: string | undefined;
    if (!skip) {
      for (const hook of block.beforeAll) {
        try {
          await hook();
        } catch (error) {
          setupError = `beforeAll failed: ${error instanceof Error ? error.message : String(error)}`;
          break;
        }
      }
    }
    for (const child of block.children) {
      if ('children' in child) {
        await visit(child, [...path, child.title], skip);
        continue;
      }
      const name = [...path, child.name].filter((part) => part !== '').join(' > ');
      if (skip || child.skip) results.push({ name, status: 'skip' });
      else if (setupError !== undefined) results.push({ name, status: 'fail', error: setupError });
      else {
        try {
          await child.body();
          results.push({ name, status: 'pass' });
        } catch (error) {
          results.push({ name, status: 'fail', error: error instanceof Error ? error.message : String(error) });
        }
      }
    }
  };
  await visit(root, [], false);
  return results;
}
