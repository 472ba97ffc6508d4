import { loadImplicitSettings, parseHandBackSeconds, saveImplicitSettings, type SettingsStore } from '../input/implicit-settings.ts';
import type { ImplicitSettings } from '../input/implicit-takeover.ts';
import { h } from './dom.ts';

/**
 * The control panel's implicit take-over box: the opt-in toggle, the idle hand-back field and the
 * countdown shown in its last seconds. Remembers the choice per operator.
 */
export class ImplicitControls {
  readonly el: HTMLElement;
  readonly #toggle: HTMLInputElement;
  readonly #seconds: HTMLInputElement;
  readonly #countdown: HTMLElement;
  readonly #s: ImplicitSettings;

  constructor(readonly store: SettingsStore, readonly operatorId: string, onChange: (s: ImplicitSettings) => void, onError: (text: string) => void) {
    const s = (this.#s = loadImplicitSettings(store, operatorId));
    this.#toggle = h('input', { type: 'checkbox', 'data-testid': 'implicit-toggle' });
    this.#toggle.checked = s.enabled;
    this.#seconds = h('input', { type: 'number', min: 0, step: 1, 'data-testid': 'hand-back-after', value: String(s.handBackAfterS), style: 'width:4.5em' });
    this.#countdown = h('div', { class: 'hand-back-countdown', 'data-testid': 'hand-back-countdown', hidden: true, role: 'status' });
    const changed = () => {
      s.enabled = this.#toggle.checked;
      saveImplicitSettings(store, operatorId, s);
      onChange({ ...s });
    };
    this.#toggle.addEventListener('change', () => {
      changed();
      // focus left on the box would make the console ignore the teleop keys pressed next
      this.#toggle.blur();
    });
    this.#seconds.addEventListener('change', () => {
      const v = parseHandBackSeconds(this.#seconds.value);
      if (typeof v !== 'number') {
        onError(v.error);
        this.#seconds.value = String(s.handBackAfterS);
        return;
      }
      s.handBackAfterS = v;
      changed();
    });
    this.#seconds.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.#seconds.blur();
    });
    this.el = h('div', { class: 'implicit', 'data-testid': 'implicit' },
      h('label', { title: 'moving the keys, sticks or VR grip on an AUTONOMOUS robot takes it over' }, this.#toggle, ' take over when I move the input'),
      h('label', { class: 'muted' }, 'hand back after ', this.#seconds, ' s idle (0 = off)'),
      this.#countdown);
  }

  /** The settings as the panel holds them now. */
  get settings(): ImplicitSettings {
    return { ...this.#s };
  }

  /** Shows the seconds left before the idle hand back, or hides the countdown (null). */
  showCountdown(leftS: number | null): void {
    this.#countdown.hidden = leftS === null;
    const text = leftS === null ? '' : `hand back in ${leftS.toFixed(1)} s`;
    if (this.#countdown.textContent !== text) this.#countdown.textContent = text;
  }
}
