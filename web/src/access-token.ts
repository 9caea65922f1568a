/**
 * The dashboard's access token (for a server with `auth.mode: jwt`): taken from `#access_token=…`
 * in the URL (then removed from it, so it is not bookmarked or shared) or pasted by the user, and
 * kept in `sessionStorage` — it lives as long as the tab, never in `localStorage`.
 *
 * @module
 */

/** sessionStorage key of the token. */
export const TOKEN_KEY = 'livegate-access-token';

/** Takes `access_token` from the URL fragment into sessionStorage and removes it from the URL. */
export function captureTokenFromUrl(): void {
  const hash = window.location.hash.startsWith('#') ? window.location.hash.slice(1) : '';
  if (hash === '') return;
  const params = new URLSearchParams(hash);
  const token = params.get('access_token');
  if (token === null) return;
  storeToken(token);
  params.delete('access_token');
  const rest = params.toString();
  const url = `${window.location.pathname}${window.location.search}${rest === '' ? '' : `#${rest}`}`;
  window.history.replaceState(window.history.state, '', url);
}

/** The token of this tab, or `null`. */
export function currentToken(): string | null {
  try {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return token === null || token === '' ? null : token;
  } catch {
    return null;
  }
}

/** Keeps `token` for this tab; an empty one forgets it. */
export function storeToken(token: string): void {
  try {
    if (token.trim() === '') sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token.trim());
  } catch {
    // Storage unavailable: the token applies to nothing after this page.
  }
}

/** `Authorization` for the dashboard's own requests (silences, history), when it has a token. */
export function authHeaders(): Record<string, string> {
  const token = currentToken();
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

/**
 * Wires the "Access token" button: asks for a token (an empty answer forgets it), keeps it for the
 * tab and reloads so every stream reconnects with it.
 */
export function setupTokenButton(button: HTMLButtonElement): void {
  const label = (): void => {
    button.textContent = currentToken() === null ? 'Access token' : 'Access token ✓';
    button.setAttribute('aria-pressed', String(currentToken() !== null));
  };
  label();
  button.addEventListener('click', () => {
    const answer = window.prompt('Paste an access token (empty to forget it):', '');
    if (answer === null) return;
    storeToken(answer);
    label();
    window.location.reload();
  });
}
