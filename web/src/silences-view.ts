/** The silences panel: active and pending silences with their matchers, author, comment and end. */
import type { Silence, SilencesState } from '../../packages/client/src/index.js';
import { fill, flash, h, setText, syncChildren } from './dom.js';
import { formatTime, plural, renderAge } from './format.js';
import type { TopicState } from './topic-state.js';

/** A silence matcher as text: `team=~"db|infra"`. */
export function matcherText(m: Silence['matchers'][number]): string {
  const op = m.isRegex ? (m.isEqual === false ? '!~' : '=~') : m.isEqual === false ? '!=' : '=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/** The silences panel. */
export class SilencesView {
  readonly #list: HTMLElement;
  readonly #status: HTMLElement;
  readonly #silences: TopicState<SilencesState>;
  readonly #rows = new Map<string, { el: HTMLLIElement; signature: string }>();
  readonly #empty = h('li', { class: 'empty' });
  readonly #onExpire: (silence: Silence) => void;
  #populated = false;

  /** @param onExpire - called when the user asks to expire a silence. */
  constructor(
    list: HTMLElement,
    status: HTMLElement,
    silences: TopicState<SilencesState>,
    onExpire: (silence: Silence) => void = () => {},
  ) {
    this.#list = list;
    this.#status = status;
    this.#silences = silences;
    this.#onExpire = onExpire;
  }

  render(): void {
    const view = this.#silences.get();
    const silences = view.data.silences;
    setText(
      this.#status,
      view.status === 'pending'
        ? 'Waiting for silences…'
        : view.status === 'stale'
          ? 'Reloading…'
          : plural(silences.length, 'silence'),
    );
    const rows = silences.map((s) => this.#row(s));
    const keys = new Set(silences.map((s) => s.id));
    for (const key of [...this.#rows.keys()]) if (!keys.has(key)) this.#rows.delete(key);
    if (rows.length === 0) {
      setText(this.#empty, view.status === 'pending' ? 'Waiting for silences…' : 'No silences.');
      rows.push(this.#empty);
    }
    syncChildren(this.#list, rows);
    if (view.status !== 'pending') this.#populated = true;
  }

  #row(s: Silence): HTMLLIElement {
    const signature = JSON.stringify([s.matchers, s.status, s.startsAt, s.endsAt, s.comment, s.createdBy]);
    let row = this.#rows.get(s.id);
    if (row === undefined) {
      row = { el: h('li', { class: 'silence', 'data-id': s.id }), signature: '' };
      this.#rows.set(s.id, row);
    }
    if (row.signature !== signature) {
      const changed = row.signature !== '' || this.#populated;
      row.signature = signature;
      const state = s.status?.state ?? 'active';
      const pending = state === 'pending';
      const when = pending ? s.startsAt : s.endsAt;
      row.el.dataset.state = state;
      const age = h('time', {
        class: 'age',
        datetime: when,
        'data-until': when,
        'data-prefix': pending ? 'starts in ' : 'ends in ',
        'data-suffix': '',
        title: formatTime(when),
      });
      const expire = h(
        'button',
        { type: 'button', class: 'ghost silence-expire' },
        'Expire',
        h('span', { class: 'visually-hidden' }, ` silence ${(s.matchers ?? []).map(matcherText).join(', ')}`),
      );
      expire.addEventListener('click', () => this.#onExpire(s));
      fill(
        row.el,
        h(
          'div',
          { class: 'silence-head' },
          h('span', { class: `badge silence-${state}` }, state),
          h(
            'ul',
            { class: 'labels matchers', 'aria-label': 'Matchers' },
            (s.matchers ?? []).map((m) => h('li', { class: 'label' }, matcherText(m))),
          ),
        ),
        s.comment ? h('p', { class: 'silence-comment' }, s.comment) : null,
        h('p', { class: 'silence-meta' }, s.createdBy ? `by ${s.createdBy} · ` : '', age),
        h('div', { class: 'silence-actions' }, expire),
      );
      renderAge(age);
      if (changed) flash(row.el);
    }
    return row.el;
  }
}
