/** What the backend menu offers (shared by the page and the sampling worker; no tfjs here). */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'webgl', 'wasm'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function isBackendChoice(value: string): value is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}
