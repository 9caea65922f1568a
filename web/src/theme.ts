/**
 * Light and dark themes. The system preference (`prefers-color-scheme`) applies until the user
 * presses the toggle; their choice is then kept. The theme is `data-theme` on `<html>`, which the
 * stylesheet reads.
 */
import { readSetting, writeSetting } from './settings.js';

/** A theme. */
export type Theme = 'light' | 'dark';

const KEY = 'livegate.theme';

/** Wires the toggle button; `onChange` runs after every change (charts redraw their colours). */
export function setupTheme(button: HTMLButtonElement, onChange: (theme: Theme) => void): Theme {
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  const stored = readSetting(KEY);
  let chosen: Theme | null = stored === 'light' || stored === 'dark' ? stored : null;
  const current = (): Theme => chosen ?? (media.matches ? 'dark' : 'light');
  const apply = (): void => {
    const theme = current();
    document.documentElement.dataset.theme = theme;
    button.setAttribute('aria-pressed', String(theme === 'dark'));
    onChange(theme);
  };
  button.addEventListener('click', () => {
    chosen = current() === 'dark' ? 'light' : 'dark';
    writeSetting(KEY, chosen);
    apply();
  });
  media.addEventListener('change', () => {
    if (chosen === null) apply();
  });
  apply();
  return current();
}
