/**
 * The "new silence" dialog: matchers prefilled from an alert's (or a group's) labels and editable
 * (name, operator, value; add and remove rows), duration presets or a custom number of hours,
 * author (remembered) and comment. A native `<dialog>`: focus moves into it, Escape closes it,
 * and focus returns to the button that opened it.
 */
import { h, setText } from './dom.js';
import { DURATION_PRESETS, silenceBody, type MatcherInput } from './oncall-model.js';
import { readSetting, writeSetting } from './settings.js';
import { createSilence } from './silence-api.js';

const AUTHOR_KEY = 'livegate.silence.author';
const OPS = ['=', '!=', '=~', '!~'] as const;

function opOf(m: MatcherInput): (typeof OPS)[number] {
  return m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
}

/** The dialog; one instance per page. */
export class SilenceDialog {
  readonly #dialog: HTMLDialogElement;
  readonly #rows: HTMLElement;
  readonly #author: HTMLInputElement;
  readonly #comment: HTMLTextAreaElement;
  readonly #hours: HTMLInputElement;
  readonly #error: HTMLElement;
  readonly #title: HTMLElement;
  readonly #submit: HTMLButtonElement;
  readonly #onCreated: (id: string) => void;
  #counter = 0;
  #opener: HTMLElement | null = null;

  constructor(onCreated: (id: string) => void) {
    this.#onCreated = onCreated;
    this.#title = h('h2', { id: 'silence-dialog-title' }, 'New silence');
    this.#rows = h('div', { class: 'matcher-rows' });
    const add = h('button', { type: 'button', class: 'ghost' }, 'Add matcher');
    add.addEventListener('click', () => this.#addRow({ name: '', value: '', isRegex: false, isEqual: true }, true));
    this.#hours = h('input', {
      id: 'silence-hours',
      type: 'number',
      min: '0.05',
      max: '8760',
      step: 'any',
      value: '1',
    });
    const presets = h(
      'div',
      { class: 'presets', role: 'group', 'aria-label': 'Duration presets' },
      DURATION_PRESETS.map((p) => {
        const b = h('button', { type: 'button', class: 'ghost', 'data-minutes': p.minutes }, p.label);
        b.addEventListener('click', () => {
          this.#hours.value = String(p.minutes / 60);
        });
        return b;
      }),
    );
    this.#author = h('input', {
      id: 'silence-author',
      type: 'text',
      required: true,
      maxlength: 256,
      autocomplete: 'name',
    });
    this.#comment = h('textarea', { id: 'silence-comment', required: true, maxlength: 4096 });
    this.#error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    this.#submit = h('button', { type: 'submit' }, 'Create silence');
    const cancel = h('button', { type: 'button', class: 'ghost' }, 'Cancel');
    cancel.addEventListener('click', () => this.#dialog.close());
    const form = h(
      'form',
      { method: 'dialog' },
      this.#title,
      h('fieldset', {}, h('legend', {}, 'Matchers'), this.#rows, add),
      h('div', { class: 'field' }, h('label', { for: 'silence-hours' }, 'Duration (hours)'), this.#hours, presets),
      h('div', { class: 'field' }, h('label', { for: 'silence-author' }, 'Author'), this.#author),
      h('div', { class: 'field' }, h('label', { for: 'silence-comment' }, 'Comment'), this.#comment),
      this.#error,
      h('div', { class: 'dialog-buttons' }, cancel, this.#submit),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#save();
    });
    this.#dialog = h('dialog', { class: 'silence-dialog', 'aria-labelledby': 'silence-dialog-title' }, form);
    // Back to the button that opened it, whatever closed it (Escape, Cancel, saving).
    this.#dialog.addEventListener('close', () => this.#opener?.focus());
    document.body.append(this.#dialog);
  }

  /** Opens the dialog with `matchers` prefilled; `what` names the alert or group in the title. */
  open(matchers: readonly MatcherInput[], what: string): void {
    this.#opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setText(this.#title, `Silence ${what}`);
    this.#rows.replaceChildren();
    for (const m of matchers) this.#addRow(m, false);
    this.#hours.value = '1';
    this.#author.value = readSetting(AUTHOR_KEY) ?? '';
    this.#comment.value = '';
    this.#error.hidden = true;
    this.#submit.disabled = false;
    this.#dialog.showModal();
    (this.#author.value === '' ? this.#author : this.#comment).focus();
  }

  #addRow(m: MatcherInput, focus: boolean): void {
    const n = ++this.#counter;
    const name = h('input', { type: 'text', value: m.name, 'aria-label': `Matcher ${n} label name`, class: 'm-name' });
    const op = h(
      'select',
      { 'aria-label': `Matcher ${n} operator`, class: 'm-op' },
      OPS.map((o) => h('option', { value: o, selected: o === opOf(m) }, o)),
    );
    const value = h('input', { type: 'text', value: m.value, 'aria-label': `Matcher ${n} value`, class: 'm-value' });
    const remove = h('button', { type: 'button', class: 'ghost', 'aria-label': `Remove matcher ${n}` }, '×');
    const row = h('div', { class: 'matcher-row' }, name, op, value, remove);
    remove.addEventListener('click', () => row.remove());
    this.#rows.append(row);
    if (focus) name.focus();
  }

  #matchers(): MatcherInput[] {
    return [...this.#rows.querySelectorAll('.matcher-row')].map((row) => {
      const op = (row.querySelector('.m-op') as HTMLSelectElement).value;
      return {
        name: (row.querySelector('.m-name') as HTMLInputElement).value.trim(),
        value: (row.querySelector('.m-value') as HTMLInputElement).value,
        isRegex: op.includes('~'),
        isEqual: !op.startsWith('!'),
      };
    });
  }

  async #save(): Promise<void> {
    const matchers = this.#matchers().filter((m) => m.name !== '');
    const hours = Number(this.#hours.value);
    const author = this.#author.value.trim();
    const comment = this.#comment.value.trim();
    const problem =
      matchers.length === 0
        ? 'Add at least one matcher.'
        : !(hours > 0)
          ? 'Give a duration.'
          : author === ''
            ? 'Give an author.'
            : comment === ''
              ? 'Give a comment: why is this silenced?'
              : null;
    if (problem !== null) {
      this.#showError(problem);
      return;
    }
    writeSetting(AUTHOR_KEY, author);
    this.#submit.disabled = true;
    try {
      const id = await createSilence(silenceBody(matchers, hours * 60, author, comment));
      this.#dialog.close();
      this.#onCreated(id);
    } catch (err) {
      this.#showError(err instanceof Error ? err.message : String(err));
    } finally {
      this.#submit.disabled = false;
    }
  }

  #showError(text: string): void {
    setText(this.#error, text);
    this.#error.hidden = false;
  }
}
