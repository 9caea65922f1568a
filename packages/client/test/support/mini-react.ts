/**
 * Just enough of React's hook contract to run the hooks in src/react.ts in Node without a
 * renderer: hooks keyed by call order, effects after render with dependency comparison and
 * cleanup, state updates that re-render, and useSyncExternalStore re-rendering on a changed
 * snapshot. It checks our hook logic (lifecycles, dependencies, subscriptions), not React.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */

interface Slot {
  value?: any;
  deps?: readonly unknown[] | undefined;
  cleanup?: (() => void) | undefined;
  effect?: (() => void | (() => void)) | undefined;
  unsubscribe?: (() => void) | undefined;
  subscribe?: unknown;
}

let current: Root<any, any> | null = null;

function depsChanged(prev: readonly unknown[] | undefined, next: readonly unknown[] | undefined): boolean {
  if (prev === undefined || next === undefined) return true;
  return prev.length !== next.length || prev.some((d, i) => !Object.is(d, next[i]));
}

function slot(): { s: Slot; first: boolean; root: Root<any, any> } {
  const root = current;
  if (root === null) throw new Error('hook called outside a component');
  const index = root.index++;
  const first = root.slots[index] === undefined;
  if (first) root.slots[index] = {};
  return { s: root.slots[index]!, first, root };
}

/** One mounted component. */
export class Root<P, R> {
  slots: Slot[] = [];
  index = 0;
  result!: R;
  renders = 0;
  private rendering = false;
  private dirty = false;

  constructor(
    private readonly component: (props: P) => R,
    private props: P,
  ) {
    this.render(props);
  }

  render(props: P = this.props): R {
    this.props = props;
    let guard = 0;
    do {
      this.dirty = false;
      this.rendering = true;
      // Hooks find the component being rendered through this module variable, as in React.
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      current = this;
      this.index = 0;
      try {
        this.result = this.component(this.props);
        this.renders++;
      } finally {
        current = null;
        this.rendering = false;
      }
      for (const s of this.slots) {
        if (s.effect === undefined) continue;
        const effect = s.effect;
        s.effect = undefined;
        s.cleanup?.();
        const cleanup = effect();
        s.cleanup = typeof cleanup === 'function' ? cleanup : undefined;
      }
      if (++guard > 50) throw new Error('render loop');
    } while (this.dirty);
    return this.result;
  }

  invalidate(): void {
    this.dirty = true;
    if (!this.rendering) this.render();
  }

  unmount(): void {
    for (const s of this.slots) {
      s.cleanup?.();
      s.unsubscribe?.();
    }
    this.slots = [];
  }
}

export function createContext<T>(defaultValue: T): { Provider: string; value: T } {
  return { Provider: 'Provider', value: defaultValue };
}

export function createElement(type: unknown, props: unknown, ...children: unknown[]): unknown {
  return { type, props, children };
}

export function useContext<T>(context: { value: T }): T {
  return context.value;
}

export function useState<T>(initial: T | (() => T)): [T, (v: T) => void] {
  const { s, first, root } = slot();
  if (first) {
    s.value = typeof initial === 'function' ? (initial as () => T)() : initial;
    s.deps = [
      (v: T) => {
        if (Object.is(s.value, v)) return;
        s.value = v;
        root.invalidate();
      },
    ];
  }
  return [s.value as T, s.deps![0] as (v: T) => void];
}

export function useRef<T>(initial: T): { current: T } {
  const { s, first } = slot();
  if (first) s.value = { current: initial };
  return s.value as { current: T };
}

export function useMemo<T>(factory: () => T, deps: readonly unknown[]): T {
  const { s } = slot();
  if (depsChanged(s.deps, deps)) {
    s.value = factory();
    s.deps = deps;
  }
  return s.value as T;
}

export function useCallback<T>(fn: T, deps: readonly unknown[]): T {
  return useMemo(() => fn, deps);
}

export function useEffect(effect: () => void | (() => void), deps?: readonly unknown[]): void {
  const { s } = slot();
  if (depsChanged(s.deps, deps)) {
    s.deps = deps;
    s.effect = effect;
  }
}

export function useSyncExternalStore<T>(subscribe: (onChange: () => void) => () => void, getSnapshot: () => T): T {
  const { s, root } = slot();
  if (s.subscribe !== subscribe) {
    s.unsubscribe?.();
    s.subscribe = subscribe;
    s.unsubscribe = subscribe(() => {
      if (!Object.is(getSnapshotRef.get(s)?.(), s.value)) root.invalidate();
    });
  }
  getSnapshotRef.set(s, getSnapshot);
  s.value = getSnapshot();
  return s.value as T;
}

const getSnapshotRef = new WeakMap<Slot, () => unknown>();
