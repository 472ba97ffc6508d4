type Attrs = Record<string, string | number | boolean | ((e: Event) => void) | undefined>;

/** Creates an element: string attributes, `on<event>` listeners, text or element children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null) el.append(c);
  return el;
}

/** A mounted view: its root element and what to undo when it goes away. */
export interface View {
  el: HTMLElement;
  dispose(): void;
}

/** Formats a number or a dash. */
export function fmt(v: number | null | undefined, digits = 1, unit = ''): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(digits)}${unit}`;
}
