import { BACKEND_CHOICES, type BackendChoice } from '../backend-choices';
import type { CascadeSource } from '../cascade-source';
import { PLAYGROUND_DEMOS } from '../demos';
import { el, field } from './dom';
import { filesFromDrop, filesFromInput } from './dropped-files';

export interface SourcePanelHandlers {
  onSource(source: CascadeSource): void;
  onBackend(choice: BackendChoice): void;
}

export interface SourcePanel {
  readonly element: HTMLElement;
  /** Enables or disables the controls (while a cascade loads). */
  setBusy(busy: boolean): void;
  /** Shows `choice` in the backend menu (after a switch that failed, the backend still in use). */
  setBackend(choice: BackendChoice): void;
  /** Shows the demo just loaded in the demo menu (one `?demo=` named, or the default). */
  setDemo(name: string): void;
}

/**
 * Where the cascade comes from (a bundled demo, a cascade.json URL, or a folder dropped on the page
 * or picked) and which backend runs it. Ids: `demo-name`, `load-demo`, `cascade-url`, `load-url`,
 * `folder`, `backend`.
 */
export function sourcePanel(initialBackend: BackendChoice, handlers: SourcePanelHandlers): SourcePanel {
  const demoName = el('select', { id: 'demo-name', 'aria-label': 'demo cascade' }, ...PLAYGROUND_DEMOS.map((d) => el('option', { value: d.name }, d.label)));
  const demo = el('button', { id: 'load-demo', type: 'button' }, 'load demo');
  demo.addEventListener('click', () => handlers.onSource({ kind: 'demo', name: demoName.value }));
  const url = el('input', { id: 'cascade-url', type: 'url', placeholder: 'https://…/cascade.json', size: 40, 'aria-label': 'cascade.json URL' });
  const loadUrl = el('button', { id: 'load-url', type: 'button' }, 'load URL');
  loadUrl.addEventListener('click', () => url.value.trim() !== '' && handlers.onSource({ kind: 'url', url: url.value.trim() }));
  const folder = el('input', { id: 'folder', type: 'file', webkitdirectory: true, multiple: true, 'aria-label': 'folder with a cascade.json' });
  folder.addEventListener('change', () => {
    if (folder.files === null || folder.files.length === 0) return;
    const files = filesFromInput(folder.files);
    const first = [...files.keys()][0] ?? 'folder';
    handlers.onSource({ kind: 'files', files, label: first.split('/')[0] ?? 'folder' });
  });
  const backend = el('select', { id: 'backend' }, ...BACKEND_CHOICES.map((choice) => el('option', { value: choice, selected: choice === initialBackend }, choice)));
  backend.addEventListener('change', () => handlers.onBackend(backend.value as BackendChoice));

  const drop = el('div', { class: 'drop-zone', id: 'drop-zone' }, 'or drop a folder with a cascade.json here, or pick one: ', folder);
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    if (event.dataTransfer === null) return;
    void filesFromDrop(event.dataTransfer).then((files) => handlers.onSource({ kind: 'files', files, label: [...files.keys()][0]?.split('/')[0] ?? 'dropped files' }));
  });
  const controls = [demoName, demo, url, loadUrl, folder, backend];
  return {
    element: el('div', { class: 'source' }, el('div', { class: 'row' }, el('span', {}, 'cascade:'), demoName, demo, url, loadUrl, field('backend', backend)), drop),
    setBusy(busy) {
      for (const control of controls) control.disabled = busy;
    },
    setBackend(choice) {
      backend.value = choice;
    },
    setDemo(name) {
      demoName.value = name;
    },
  };
}
