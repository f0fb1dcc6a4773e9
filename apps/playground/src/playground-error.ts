/** What went wrong in the playground, in its words, with what to do next. */
export type PlaygroundErrorCode = 'PLAYGROUND_BACKEND_UNAVAILABLE' | 'PLAYGROUND_BACKEND_FAILED' | 'PLAYGROUND_NO_BACKEND' | 'PLAYGROUND_WORKER_FAILED' | 'PLAYGROUND_WORKER_ERROR' | 'PLAYGROUND_NOT_LOADED';

export class PlaygroundError extends Error {
  override readonly name = 'PlaygroundError';
  constructor(
    readonly code: PlaygroundErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const LABEL: Readonly<Record<string, string>> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM' };
const label = (name: string) => LABEL[name] ?? name;

export const playgroundErrors = {
  backendUnavailable(name: string, reason: string) {
    return new PlaygroundError('PLAYGROUND_BACKEND_UNAVAILABLE', `${label(name)} is not available in this browser: ${reason}. Choose auto or another backend in the menu.`);
  },
  backendFailed(name: string, reason: string) {
    return new PlaygroundError('PLAYGROUND_BACKEND_FAILED', `${label(name)} failed to start: ${reason}. Choose auto or another backend in the menu.`);
  },
  noBackend(reasons: readonly string[]) {
    return new PlaygroundError('PLAYGROUND_NO_BACKEND', `No backend can run in this browser (${reasons.join('; ')}). Try a current Chrome, Edge, Firefox or Safari.`);
  },
  workerFailed(reason: string) {
    return new PlaygroundError('PLAYGROUND_WORKER_FAILED', `The sampling worker stopped: ${reason}. Reload the page.`);
  },
  workerError(reason: string) {
    return new PlaygroundError('PLAYGROUND_WORKER_ERROR', `The sampling worker hit an error: ${reason}. Try again, or choose another backend in the menu.`);
  },
  notLoaded() {
    return new PlaygroundError('PLAYGROUND_NOT_LOADED', 'No cascade is loaded yet: load the demo, a URL or a folder first.');
  },
};

/** An error's message for the status line. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Hints that library errors give for Node or npm, which a person in the page cannot follow. */
const NODE_HINT = /backend-node|npm |Install (and register )?(the|a|one of)|registry\.use|give a path to the plugin module|backends\.use/i;

/**
 * An error's message in the page's words: a coded library error (`message. hint [CODE]`) whose hint
 * speaks of Node, npm or registering packages keeps its message and code, without that hint.
 */
export function pageMessage(error: unknown): string {
  const hint = (error as { hint?: unknown }).hint;
  const code = (error as { code?: unknown }).code;
  const text = messageOf(error);
  if (typeof hint !== 'string' || typeof code !== 'string' || !NODE_HINT.test(hint)) return text;
  return text.replace(`. ${hint} [${code}]`, ` [${code}]`);
}
