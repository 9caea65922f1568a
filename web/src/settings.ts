/** Settings kept across page loads in localStorage, which may be unavailable (private modes, policies). */

/** The stored value, or `null` when absent or storage is unavailable. */
export function readSetting(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Stores a value; without storage the setting still applies to this page. */
export function writeSetting(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not persisted.
  }
}
