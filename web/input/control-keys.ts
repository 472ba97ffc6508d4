import type { Mode } from '../../core/mode.ts';

export type ControlIntent = 'take_over' | 'hand_back' | 'estop' | 'pause' | 'resume';

/**
 * The console's safety keys: Space toggles take over / hand back, Escape is e-stop, P pauses or
 * resumes. Returns null for other keys and when the toggle makes no sense in this mode.
 */
export function controlKeyIntent(code: string, mode: Mode | null, holdsLease: boolean): ControlIntent | null {
  if (code === 'Escape') return 'estop';
  if (mode === null || mode === 'ESTOP') return null;
  if (code === 'Space') {
    if (holdsLease) return 'hand_back';
    return mode === 'AUTONOMOUS' || mode === 'PAUSED' ? 'take_over' : null;
  }
  if (code === 'KeyP') return mode === 'PAUSED' ? 'resume' : 'pause';
  return null;
}
