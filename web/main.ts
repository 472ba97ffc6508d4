import { ConsoleApp } from './app/console-app.ts';
import { maybeInstallXrEmulator } from './xr/xr-emulator.ts';

// The XR emulator (if asked for) must be in place before three.js looks at navigator.xr.
await maybeInstallXrEmulator();
const app = new ConsoleApp(
  document.getElementById('view')!,
  document.getElementById('connection')!,
  document.getElementById('sign-out') as HTMLButtonElement,
);
(window as unknown as { __takeover: unknown }).__takeover = app.handle;
await app.start();
