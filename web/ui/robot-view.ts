import type { ConsoleSession } from '../app/console-session.ts';
import { controlKeyIntent, type ControlIntent } from '../input/control-keys.ts';
import { LiveTimeline } from '../replay/segments.ts';
import { ConsoleScene } from '../scene/console-scene.ts';
import { XrTeleop } from '../xr/xr-teleop.ts';
import { ControlPanel, type PanelAction } from './control-panel.ts';
import { h, type View } from './dom.ts';
import { OutcomeUndo, type Outcome } from './outcome-undo.ts';
import { applyState } from './robot-sync.ts';
import { TeleopController } from './teleop-controller.ts';
import { TimelineBar, timelineScale } from './timeline-bar.ts';
import { RewindGhost } from '../scene/rewind-ghost.ts';
import { StepPoses } from '../replay/step-poses.ts';
import { pollRobotStatus } from '../net/robot-status-poll.ts';
import type { HelpScores } from '../../protocol/messages.ts';
import { CameraPanels, type CameraPanelsHandle } from './camera-panels.ts';
import { ImplicitControls } from './implicit-controls.ts';

/** Handles the view exposes to browser tests (window.__takeover.robotView). */
export interface RobotViewHandle {
  teleop: TeleopController;
  xr: XrTeleop;
  scene: ConsoleScene;
  timeline: LiveTimeline;
  /** the step of the last rewind this console asked for (null before any) */
  rewoundTo: number | null;
  /** the translucent arm at the scrubbed step while the timeline is dragged */
  ghost: RewindGhost;
  /** entries the timeline bar spans (it grows in whole windows, never stretches a short episode) */
  timelineScale: number;
  /** the live camera panels (none for robots without cameras) */
  cameras: CameraPanelsHandle;
}

/** One robot: live 3D scene, mode banner, control buttons and keys, teleop, VR, episode timeline. */
export function robotView(session: ConsoleSession, robotId: string, expose: (h: RobotViewHandle | null) => void): View {
  const info = session.robot(robotId);
  if (!info) {
    return { el: h('section', { class: 'center' }, h('p', { class: 'error', text: `No robot "${robotId}" on this server.` }), h('a', { href: '#/fleet', text: 'Back to the fleet' })), dispose: () => {} };
  }
  const sceneBox = h('div', { class: 'scene robot-scene' });
  const timelineBar = new TimelineBar('episode');
  const panel = new ControlPanel((a) => void act(a), session.info.operator.role === 'viewer', info.controlRateHz, info.policy);
  // the outcome mark leaves after a grace with an Undo, and only for the episode it was meant for
  const outcome = new OutcomeUndo((o: Outcome, episodeId) => {
    const now = state()?.episode?.id ?? null;
    if (episodeId !== null && now !== episodeId) session.notice('error', `${o}: not marked: episode ${episodeId} already ended`);
    else void session.run({ type: 'mark_outcome', robot: robotId, outcome: o, ...(episodeId !== null ? { episodeId } : {}) });
  });
  const rewoundLabel = h('span', { class: 'rewound-to', 'data-testid': 'rewound-to' });
  timelineBar.el.append(rewoundLabel);
  const el = h('section', { class: 'robot-view', 'data-robot': robotId }, panel.banner,
    h('div', { class: 'robot-main' }, sceneBox, panel.side, panel.heartbeatLost, outcome.el), timelineBar.el);

  const scene = new ConsoleScene(sceneBox);
  // camera panels over the scene's right edge, on a socket of their own (docs/console.md "Cameras")
  const cameras = new CameraPanels(session.token, robotId);
  sceneBox.append(cameras.el);
  const slot = scene.addRobot(robotId, info.model);
  scene.frame([0.35, 0, 0.3], 1.6);
  const teleop = new TeleopController(session, robotId, scene, slot);
  const state = () => session.states.get(robotId);
  // implicit take-over and idle hand back, opted in per operator (docs/console.md "Implicit take-over")
  const implicit = session.info.operator.role === 'viewer' ? null
    : new ImplicitControls(localStorage, session.operatorId, (s) => (teleop.implicit.settings = s), (text) => session.notice('error', text));
  if (implicit) {
    teleop.implicit.settings = implicit.settings;
    panel.side.querySelector('.stats')?.before(implicit.el);
  }
  teleop.onImplicitTakeOver = () => {
    const now = state();
    if (now) teleop.startFrom(now.executed ? now.executed[6] : null, now.gripper, info.gripperRange as [number, number]);
  };
  const timeline = new LiveTimeline();
  let xrStatus = 'not started';
  const ghost = new RewindGhost(slot.base, info.model);
  const poses = new StepPoses(timeline.maxEntries);
  let horizonS: number | null = null;
  let helpScores: HelpScores | null = null;
  const stopStatusPoll = pollRobotStatus(session.token, robotId, (st) => {
    horizonS = st.horizonS;
    helpScores = { helpScore: st.helpScore, helpEnsembleScore: st.helpEnsembleScore, helpRiskScore: st.helpRiskScore };
  });
  const handle: RobotViewHandle = { teleop, xr: null as unknown as XrTeleop, scene, timeline, rewoundTo: null, ghost, timelineScale: 1, cameras: cameras.handle };

  const intent = async (i: ControlIntent | 'reset_estop' | 'reset_episode'): Promise<void> => {
    const s = state();
    if (i === 'take_over') {
      if (await session.run({ type: 'take_over', robot: robotId })) {
        const now = state() ?? s;
        if (now) teleop.startFrom(now.executed ? now.executed[6] : null, now.gripper, info.gripperRange as [number, number]);
      }
      return;
    }
    if (i === 'hand_back') {
      teleop.suspend();
      if (!(await session.run({ type: i, robot: robotId }))) teleop.resume();
      return;
    }
    await session.run({ type: i, robot: robotId });
  };
  // the pad's A and the headset's A: take over / hand back, or resume after a lost heartbeat
  const toggleTakeOver = () => {
    const s = state();
    const lease = session.holdsLease(robotId);
    void intent(lease && s?.mode === 'PAUSED' && s.modeReason === 'heartbeat_timeout' ? 'resume' : lease ? 'hand_back' : 'take_over');
  };
  teleop.onPadToggle = toggleTakeOver;
  teleop.onHandBackDue = () => {
    session.notice('info', `hand back: no teleop input for ${teleop.implicit.settings.handBackAfterS} s`);
    void intent('hand_back');
  };
  const xr = new XrTeleop(scene, slot, {
    state,
    holdsLease: () => session.holdsLease(robotId),
    implicitArmed: () => teleop.implicit.settings.enabled,
    target: () => teleop.target,
    sendPose: (t, g) => teleop.sendPose(t, g),
    sendGripper: (g) => {
      if (!teleop.driving) return;
      teleop.keyboard.gripper = g;
      session.client.teleopDelta(robotId, [0, 0, 0, 0, 0, 0, g]);
    },
    toggleTakeOver,
    estop: () => void intent('estop'),
    stale: () => session.freshness(robotId).stale,
    // desktop drag handles and orbiting make no sense in the headset
    presentingChanged: (on) => {
      teleop.setHandlesShown(!on);
      scene.controls.enabled = !on;
    },
  });
  handle.xr = xr;

  async function act(a: PanelAction): Promise<void> {
    if (a === 'success' || a === 'failure') {
      outcome.start(a, state()?.episode?.id ?? null);
    } else if (a === 'vr') {
      try {
        await xr.enter();
        xrStatus = 'in VR';
      } catch (err) {
        xrStatus = (err as Error).message;
      }
    } else {
      await intent(a);
    }
  }

  const onKeyDown = (e: KeyboardEvent) => {
    // Esc stops the arm whatever has focus (text fields included); other keys leave fields alone
    if (e.code === 'Escape') {
      e.preventDefault();
      void intent('estop');
      return;
    }
    if ((e.target as HTMLElement)?.closest?.('input, textarea, select')) return;
    const s = state();
    const i = controlKeyIntent(e.code, s?.mode ?? null, session.holdsLease(robotId));
    if (i) {
      e.preventDefault();
      if (!e.repeat || i === 'estop') void intent(i);
      return;
    }
    if (e.code === 'KeyT') teleop.gizmo.setMode(teleop.gizmo.mode === 'translate' ? 'rotate' : 'translate');
    if (teleop.keyboard.keyDown(e.code)) e.preventDefault();
  };
  const onKeyUp = (e: KeyboardEvent) => {
    if (teleop.keyboard.keyUp(e.code)) e.preventDefault();
  };
  const onBlur = () => teleop.keyboard.releaseAll();
  // capture phase: no widget below (gizmo, orbit controls, a field) can swallow the e-stop key
  window.addEventListener('keydown', onKeyDown, true);
  window.addEventListener('keyup', onKeyUp);
  window.addEventListener('blur', onBlur);

  const lastSeq = new Map<string, number>();
  const offFrame = scene.onBeforeRender(() => {
    const s = state();
    if (s && applyState(slot, info, s, lastSeq)) {
      teleop.sync(s.eePos, s.eeQuat);
      if (s.episode) {
        timeline.push(s.episode.id, s.episode.step, s);
        if (s.bodies) poses.push(s.episode.id, s.episode.step, s.bodies);
      }
    }
  });

  // Scrubbing back on the live timeline rewinds there (sim: exact restore; real arm: drive-back),
  // and the operator is then INTERVENING with the lease.
  let scrubStep: number | null = null;
  timelineBar.onScrub = (f, done) => {
    // the bar spans whole windows: map the fraction of the bar onto the ticks it holds
    const filled = timeline.kinds.length / Math.max(1, handle.timelineScale);
    scrubStep = timeline.rewindTargetAt(Math.min(1, f / Math.max(1e-9, filled)));
    ghost.show(!done && scrubStep !== null ? poses.at(scrubStep) : null, state()?.bodies ?? null);
    if (!done || scrubStep === null) return;
    const toStep = scrubStep;
    scrubStep = null;
    const s = state();
    if (!s?.episode || toStep >= s.episode.step) return;
    handle.rewoundTo = toStep;
    void session.run({ type: 'rewind', robot: robotId, toStep }).then((ok) => {
      rewoundLabel.textContent = ok ? `rewound to step ${toStep}` : '';
      // the undone ticks turn grey on the server's rewind event, which every console receives
      const now = state();
      if (ok && now) teleop.startFrom(now.executed ? now.executed[6] : null, now.gripper, info.gripperRange as [number, number]);
    });
  };
  const offEvent = session.on('event', (e) => {
    if (e.robot !== robotId || e.event !== 'rewind') return;
    const { episodeId, fromStep, toStep } = e.data as { episodeId?: unknown; fromStep?: unknown; toStep?: unknown };
    if (typeof episodeId === 'string' && typeof fromStep === 'number' && typeof toStep === 'number') timeline.applyRewind(episodeId, fromStep, toStep);
  });
  const refresh = () => {
    const s = state();
    const age = session.lastFrameAt.get(robotId);
    const fresh = session.freshness(robotId);
    panel.update(s, session.holdsLease(robotId), {
      stale: fresh.stale,
      staleAgeMs: fresh.ageMs,
      latencyMs: session.client.latencyMs,
      frameAgeMs: s ? Math.max(0, Date.now() - s.wall) : Number.NaN,
      fps: scene.fps.fps,
      gamepad: teleop.gamepadName,
      xr: xr.presenting ? `in VR${xr.clutch.engaged ? ' · clutch' : ''}` : age ? xrStatus : 'not started',
      helpScores,
    });
    implicit?.showCountdown(teleop.implicit.countdownS(teleop.snapshot()));
    const segs = timeline.segments();
    const cursor = scrubStep !== null ? timeline.steps.indexOf(scrubStep) : timeline.kinds.length - 1;
    const n = timeline.kinds.length;
    handle.timelineScale = timelineScale(n, info.controlRateHz);
    const horizonFrom = horizonS === null ? null : Math.max(0, n - Math.round(horizonS * info.controlRateHz));
    timelineBar.set(segs, handle.timelineScale, cursor >= 0 ? cursor : null, { steps: timeline.steps, rateHz: info.controlRateHz, horizonFrom });
  };
  const timer = setInterval(refresh, 100);
  refresh();
  expose(handle);

  return {
    el,
    dispose: () => {
      expose(null);
      offEvent();
      stopStatusPoll();
      cameras.dispose();
      ghost.dispose();
      clearInterval(timer);
      window.removeEventListener('keydown', onKeyDown, true);
      outcome.cancel();
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
      offFrame();
      xr.dispose();
      teleop.dispose();
      scene.dispose();
    },
  };
}
