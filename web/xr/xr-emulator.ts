/**
 * With `?xr-emulator=1` the console installs IWER's emulated Meta Quest 3 before anything asks
 * for WebXR (browser tests, and development without a headset). The device is exposed as
 * `window.__xrDevice` so a test can move its controllers and press buttons.
 */
export async function maybeInstallXrEmulator(search = location.search): Promise<boolean> {
  if (!new URLSearchParams(search).has('xr-emulator')) return false;
  const { XRDevice, metaQuest3 } = await import('iwer');
  const device = new XRDevice(metaQuest3);
  // Chromium ships its own navigator.xr without VR sessions; only a forced install replaces it.
  device.installRuntime({ forceInstall: true });
  (window as unknown as { __xrDevice: unknown }).__xrDevice = device;
  return true;
}
