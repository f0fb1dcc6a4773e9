import { el } from './dom';
import { downloadPng, enlarge } from './image-canvas';

/** How much larger the enlarged view draws an image (nearest-neighbour). */
export const ENLARGE_SCALE = 8;

export interface EnlargedView {
  readonly element: HTMLDialogElement;
  /** Shows `canvas` ENLARGE_SCALE× larger in a modal dialog, titled `title`, with a download of the enlarged PNG named `fileName`. */
  show(canvas: HTMLCanvasElement, title: string, fileName: string): void;
}

/** A modal dialog (id `enlarged`) with one image at ENLARGE_SCALE×, pixels kept square; Escape or Close returns focus to what opened it. */
export function enlargedView(): EnlargedView {
  const heading = el('h2', { id: 'enlarged-title' });
  const holder = el('div', { class: 'enlarged-image' });
  const download = el('button', { type: 'button', id: 'enlarged-download' }, `Download PNG (${ENLARGE_SCALE}×)`);
  const close = el('button', { type: 'button', id: 'enlarged-close' }, 'Close');
  const element = el('dialog', { id: 'enlarged', 'aria-labelledby': 'enlarged-title' }, heading, holder, el('div', { class: 'actions' }, download, close));
  let current: { canvas: HTMLCanvasElement; fileName: string } | undefined;
  close.addEventListener('click', () => element.close());
  download.addEventListener('click', () => current !== undefined && void downloadPng(current.canvas, current.fileName));
  return {
    element,
    show(canvas, title, fileName) {
      const big = enlarge(canvas, ENLARGE_SCALE);
      big.setAttribute('role', 'img');
      big.setAttribute('aria-label', `${title}, enlarged ${ENLARGE_SCALE}×`);
      holder.replaceChildren(big);
      heading.textContent = title;
      current = { canvas: big, fileName: fileName.replace(/\.png$/, `-x${ENLARGE_SCALE}.png`) };
      element.showModal();
      close.focus();
    },
  };
}
