import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listStaticFiles, staticFiles } from './static-files-plugin';

const root = mkdtempSync(join(tmpdir(), 'cdm-static-files-'));
for (const [path, text] of Object.entries({ 'cascade.json': '{}', 'stages/base/config.json': '{"a":1}', 'stages/base/model.safetensors': 'xyz', 'secret.txt': 'no', 'stages/.hidden': 'no' })) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface FakeResponse {
  headers: Record<string, string>;
  body: string;
  ended: Promise<void>;
}

/** Runs the plugin's dev-server middleware on one request. */
async function request(url: string, method = 'GET'): Promise<FakeResponse | 'next'> {
  const plugin = staticFiles({ root, include: ['cascade.json', 'stages/**', 'missing.json'], mount: 'demo/' });
  let middleware: ((req: unknown, res: unknown, next: () => void) => void) | undefined;
  (plugin.configResolved as (config: { base: string }) => void)({ base: './' });
  (plugin.configureServer as (server: unknown) => void)({ middlewares: { use: (fn: typeof middleware) => (middleware = fn) } });
  const { Writable } = await import('node:stream');
  const chunks: Buffer[] = [];
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const response = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    }),
    { headers: {} as Record<string, string>, setHeader(name: string, value: string) { this.headers[name.toLowerCase()] = value; } },
  );
  response.on('finish', () => finish());
  let nextCalled = false;
  middleware!({ url, method }, response, () => (nextCalled = true));
  if (nextCalled) return 'next';
  await ended;
  return { headers: response.headers, body: Buffer.concat(chunks).toString(), ended };
}

describe('staticFiles', () => {
  it('lists only the included files, skipping hidden ones and missing entries', () => {
    expect(listStaticFiles(root, ['cascade.json', 'stages/**', 'missing.json'])).toEqual(['cascade.json', 'stages/base/config.json', 'stages/base/model.safetensors']);
  });

  it('serves an included file under the mount with its type and length', async () => {
    const response = await request('/demo/stages/base/config.json?t=1');
    expect(response).not.toBe('next');
    const { headers, body } = response as FakeResponse;
    expect(body).toBe('{"a":1}');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['content-length']).toBe('7');
  });

  it('passes on everything else: other files under root, paths that climb out, other prefixes, POST', async () => {
    expect(await request('/demo/secret.txt')).toBe('next');
    expect(await request('/demo/stages/../secret.txt')).toBe('next');
    expect(await request('/demo/%2E%2E/secret.txt')).toBe('next');
    expect(await request('/cascade.json')).toBe('next');
    expect(await request('/demo/cascade.json', 'POST')).toBe('next');
  });

  it('emits the included files into the build under the mount', () => {
    const emitted: { fileName: string; source: Buffer }[] = [];
    const plugin = staticFiles({ root, include: ['cascade.json', 'stages/**'], mount: '/demo/' });
    (plugin.generateBundle as (this: unknown) => void).call({ emitFile: (file: { fileName: string; source: Buffer }) => emitted.push(file) });
    expect(emitted.map((f) => [f.fileName, f.source.toString()])).toEqual([
      ['demo/cascade.json', '{}'],
      ['demo/stages/base/config.json', '{"a":1}'],
      ['demo/stages/base/model.safetensors', 'xyz'],
    ]);
  });
});
