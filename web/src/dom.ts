/**
 * The few DOM helpers the views share. Text always goes in through `textContent`, never HTML, so
 * labels and annotations from any publisher cannot inject markup.
 */

/** What {@link h} accepts as children; `null`, `undefined` and `false` are skipped. */
export type Child = Node | string | number | null | undefined | false;

/** Attribute values: `true` sets an empty attribute, `false`/`null`/`undefined` leave it out. */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Creates an element with attributes (`class` included) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | readonly Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el: Element, children: readonly (Child | readonly Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else if (child !== null && child !== undefined && child !== false) el.append(String(child));
  }
}

/** The element with `id`; throws when the page lacks it (a broken index.html, caught at once). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`dashboard: #${id} is missing from index.html`);
  return el as T;
}

/** Sets `textContent` only when it differs, so live regions announce real changes only. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Makes `parent`'s children exactly `nodes`, in order, moving only the nodes that are out of
 * place: unchanged rows keep their DOM node, focus and running animations.
 */
export function syncChildren(parent: Element, nodes: readonly Element[]): void {
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] ?? null);
  }
  while (parent.children.length > nodes.length) parent.lastElementChild!.remove();
}

/** Adds `className` for `ms` (restarting it if already there): the "just changed" highlight. */
export function flash(el: Element, className = 'flash', ms = 1600): void {
  el.classList.remove(className);
  // Reading layout restarts a CSS animation that is already running on this element.
  void (el as HTMLElement).offsetWidth;
  el.classList.add(className);
  const timers = flashTimers.get(el);
  if (timers !== undefined) clearTimeout(timers);
  flashTimers.set(
    el,
    setTimeout(() => {
      el.classList.remove(className);
      flashTimers.delete(el);
    }, ms),
  );
}

const flashTimers = new WeakMap<Element, ReturnType<typeof setTimeout>>();

/** `el.replaceChildren` that skips `null`/`undefined`/`false` like {@link h}. */
export function fill(el: Element, ...children: (Child | readonly Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}
