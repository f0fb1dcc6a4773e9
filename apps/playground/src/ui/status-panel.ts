import type { DownloadProgress } from '../progress-storage';
import { el } from './dom';

export type MessageKind = 'info' | 'warning' | 'error';

export interface StatusPanel {
  readonly element: HTMLElement;
  /** The backend line: "webgpu · google swiftshader". */
  setBackend(text: string): void;
  /** A notice that stays until replaced (e.g. why WebGPU is not used); '' hides it. */
  setNotice(text: string): void;
  /** The latest message (progress, errors). */
  say(text: string, kind?: MessageKind): void;
  /** The download bar; undefined hides it. */
  setDownload(progress: DownloadProgress | undefined): void;
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function statusPanel(): StatusPanel {
  const backend = el('span', { id: 'backend-info' }, 'backend: not started');
  const notice = el('p', { id: 'notice', class: 'notice warning', hidden: true });
  const message = el('p', { id: 'message', class: 'message info', role: 'status' });
  const bar = el('progress', { id: 'download-progress', max: 1, value: 0, 'aria-label': 'weights downloaded' });
  const barText = el('span', { id: 'download-text' });
  const download = el('div', { class: 'download-progress', hidden: true }, bar, ' ', barText);
  return {
    element: el('div', { class: 'status' }, el('p', { class: 'backend' }, backend), notice, download, message),
    setBackend(text) {
      backend.textContent = text;
    },
    setNotice(text) {
      notice.textContent = text;
      notice.hidden = text === '';
    },
    say(text, kind = 'info') {
      message.textContent = text;
      message.className = `message ${kind}`;
    },
    setDownload(progress) {
      download.hidden = progress === undefined;
      if (progress === undefined) return;
      bar.max = Math.max(progress.total, 1);
      bar.value = progress.loaded;
      barText.textContent = `${megabytes(progress.loaded)}${progress.total > 0 ? ` of ${megabytes(progress.total)}` : ''} · ${progress.path}`;
    },
  };
}
