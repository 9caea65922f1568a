/**
 * Toast notifications: stacked, newest on top, dismissable with the mouse or the keyboard
 * (each has a Dismiss button; Escape dismisses the toast that has focus). Critical toasts use
 * `role="alert"` (announced at once) and stay until dismissed; informational ones use
 * `role="status"` and leave by themselves. Critical ones can also raise a browser notification
 * while the page is hidden, when the user turned that on.
 */
import { h } from './dom.js';
import { readSetting, writeSetting } from './settings.js';

/** `critical`: needs attention, stays. `info`: worth knowing, goes away after a while. */
export type ToastLevel = 'critical' | 'info';

/** One toast. */
export interface ToastInput {
  readonly level: ToastLevel;
  readonly title: string;
  readonly body?: string;
  /** A toast with the same key replaces the previous one instead of stacking (one per alert). */
  readonly key?: string;
}

/**
 * Most toasts on screen. Past it the oldest informational toast leaves, so a critical one (which
 * stays until dismissed) is never pushed out by info toasts; only when all are critical does the
 * oldest critical one leave.
 */
const MAX_TOASTS = 5;

/** How long an `info` toast stays. */
const INFO_TOAST_MS = 8000;

/** The toast stack. */
export class Toaster {
  readonly #region: HTMLElement;
  readonly #list: HTMLDivElement;
  readonly #dismissAll: HTMLButtonElement;
  readonly #notifier: BrowserNotifier;
  #counter = 0;

  constructor(region: HTMLElement, notifier: BrowserNotifier) {
    this.#region = region;
    this.#notifier = notifier;
    // A plain container: toasts carry role alert/status, which a list item may not (axe `list`).
    this.#list = h('div', { class: 'toast-list' });
    this.#dismissAll = h('button', { type: 'button', class: 'ghost dismiss-all', hidden: true }, 'Dismiss all');
    this.#dismissAll.addEventListener('click', () => this.dismissAll());
    region.append(this.#dismissAll, this.#list);
    region.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      const toast = (event.target as Element | null)?.closest('.toast');
      if (toast instanceof HTMLElement) {
        event.preventDefault();
        this.#dismiss(toast);
      }
    });
  }

  /** Shows a toast (and a browser notification for a critical one, when enabled). */
  show(input: ToastInput): void {
    if (input.key !== undefined) {
      for (const old of this.#list.querySelectorAll<HTMLElement>('.toast'))
        if (old.dataset.key === input.key) old.remove();
    }
    const id = `toast-${++this.#counter}`;
    const dismiss = h(
      'button',
      { type: 'button', class: 'toast-dismiss', 'aria-label': `Dismiss: ${input.title}` },
      h('span', { 'aria-hidden': 'true' }, '×'),
    );
    const toast = h(
      'div',
      {
        class: `toast toast-${input.level}`,
        id,
        role: input.level === 'critical' ? 'alert' : 'status',
        'aria-labelledby': `${id}-title`,
        'data-key': input.key,
      },
      h(
        'div',
        { class: 'toast-text' },
        h('p', { class: 'toast-title', id: `${id}-title` }, input.title),
        input.body ? h('p', { class: 'toast-body' }, input.body) : null,
      ),
      dismiss,
    );
    dismiss.addEventListener('click', () => this.#dismiss(toast));
    this.#list.prepend(toast);
    while (this.#list.children.length > MAX_TOASTS) this.#evictOne();
    // The newest is first: bring the top of the stack into view if the user scrolled it.
    this.#region.scrollTop = 0;
    if (input.level === 'info') {
      setTimeout(() => {
        // Not while the user is on it: removing a focused toast would drop their focus.
        if (toast.isConnected && !toast.contains(document.activeElement)) this.#dismiss(toast);
      }, INFO_TOAST_MS);
    } else {
      this.#notifier.notify(input);
    }
    this.#refresh();
  }

  /** Removes the toast shown with `key` (e.g. `alert:<fingerprint>` when the alert resolves), if any. */
  close(key: string): void {
    for (const toast of this.#list.querySelectorAll<HTMLElement>('.toast'))
      if (toast.dataset.key === key) this.#dismiss(toast);
  }

  /** Removes every toast. */
  dismissAll(): void {
    const hadFocus = this.#region.contains(document.activeElement);
    this.#list.replaceChildren();
    this.#refresh();
    if (hadFocus) focusMain();
  }

  #dismiss(toast: HTMLElement): void {
    const hadFocus = toast.contains(document.activeElement);
    const next = (toast.nextElementSibling ?? toast.previousElementSibling) as HTMLElement | null;
    toast.remove();
    this.#refresh();
    // Keep keyboard users in the stack, or hand focus back to the page instead of to <body>.
    if (hadFocus) {
      const button = next?.querySelector<HTMLButtonElement>('.toast-dismiss');
      if (button) button.focus();
      else focusMain();
    }
  }

  /** Removes the oldest info toast, or the oldest toast when every one is critical. */
  #evictOne(): void {
    const toasts = [...this.#list.children] as HTMLElement[]; // newest first
    let victim = toasts[toasts.length - 1]!;
    for (let i = toasts.length - 1; i >= 0; i--) {
      if (toasts[i]!.classList.contains('toast-info')) {
        victim = toasts[i]!;
        break;
      }
    }
    this.#dismiss(victim);
  }

  #refresh(): void {
    this.#dismissAll.hidden = this.#list.children.length < 2;
  }
}

function focusMain(): void {
  document.getElementById('main')?.focus();
}

/** Browser notifications for critical toasts, opt-in through a toggle button. */
export class BrowserNotifier {
  static readonly #KEY = 'livegate.notifications';
  readonly #button: HTMLButtonElement;
  #enabled: boolean;

  constructor(button: HTMLButtonElement) {
    this.#button = button;
    this.#enabled =
      BrowserNotifier.supported() &&
      Notification.permission === 'granted' &&
      readSetting(BrowserNotifier.#KEY) === 'on';
    if (!BrowserNotifier.supported()) {
      button.hidden = true;
      return;
    }
    button.addEventListener('click', () => void this.#toggle());
    this.#render();
  }

  /** Whether this browser has the Notification API (absent on some mobile browsers and insecure origins). */
  static supported(): boolean {
    return typeof Notification !== 'undefined' && window.isSecureContext;
  }

  /** Raises a notification when enabled and the page is not visible (the toast is, otherwise). */
  notify(input: ToastInput): void {
    if (!this.#enabled || document.visibilityState === 'visible' || Notification.permission !== 'granted') return;
    try {
      const tag = input.key ?? input.title;
      const notification = new Notification(input.title, { body: input.body ?? '', tag });
      notification.onclick = () => {
        window.focus();
        notification.close();
      };
    } catch {
      // Some browsers only allow notifications from a service worker; the toast is still there.
    }
  }

  async #toggle(): Promise<void> {
    if (this.#enabled) {
      this.#enabled = false;
    } else {
      const permission =
        Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
      this.#enabled = permission === 'granted';
      if (permission === 'denied')
        this.#button.title = 'Notifications are blocked for this site in the browser settings.';
    }
    writeSetting(BrowserNotifier.#KEY, this.#enabled ? 'on' : 'off');
    this.#render();
  }

  #render(): void {
    this.#button.setAttribute('aria-pressed', String(this.#enabled));
  }
}
