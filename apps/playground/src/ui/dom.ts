type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined>;

/**
 * Creates an element: `el('button', { id: 'sample', type: 'button' }, 'Sample')`. Attributes that
 * are `false` or `undefined` are left out; `true` sets an empty attribute.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** A labelled control: `<label>text <control></label>`. */
export function field(text: string, control: HTMLElement, title?: string): HTMLLabelElement {
  return el('label', { class: 'field', title }, el('span', {}, text), control);
}

/** Runs `read` (a control's parser); when it throws, moves focus to `input` so the value can be fixed at once. */
export function focusOnError<T>(input: HTMLElement, read: () => T): T {
  try {
    return read();
  } catch (error) {
    input.focus();
    throw error;
  }
}
