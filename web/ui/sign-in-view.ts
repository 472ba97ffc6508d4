import { ConsoleSession } from '../app/console-session.ts';
import { h, type View } from './dom.ts';

/** Token sign-in; resolves the session through `onSignedIn`. */
export function signInView(onSignedIn: (s: ConsoleSession) => void, initialError = ''): View {
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', placeholder: 'access token', 'data-testid': 'token-input' });
  const error = h('p', { class: 'error', 'data-testid': 'sign-in-error', text: initialError });
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-in', text: 'Sign in' });
  const form = h(
    'form',
    {
      class: 'sign-in',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const token = input.value.trim();
        if (!token) {
          error.textContent = 'Enter the token the server printed at its first start (or one from its config).';
          return;
        }
        button.disabled = true;
        error.textContent = '';
        try {
          const s = await ConsoleSession.signIn(token);
          sessionStorage.setItem('takeover.token', token);
          onSignedIn(s);
        } catch (err) {
          error.textContent = `Sign-in failed: ${(err as Error).message}`;
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h1', { text: 'takeover console' }),
    h('label', {}, 'Token ', input),
    button,
    h('p', { class: 'hint', 'data-testid': 'token-hint' },
      'The server printed an admin token in a banner on its first start (in the terminal that ran ',
      h('code', { text: 'takeover serve' }), ' or ', h('code', { text: 'npm start' }),
      '; shown only once). More tokens: ', h('code', { text: 'npx takeover tokens add' }), '.'),
    error,
  );
  queueMicrotask(() => input.focus());
  return { el: h('section', { class: 'center' }, form), dispose: () => {} };
}
