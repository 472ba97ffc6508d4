import * as THREE from 'three';
import type { StateMessage } from '../../protocol/messages.ts';
import { XrClutch, TriggerGripper } from '../input/xr-clutch.ts';
import type { ConsoleScene, RobotSlot } from '../scene/console-scene.ts';
import { STALE_COLOR } from '../ui/control-panel.ts';
import type { EeTarget } from '../ui/teleop-controller.ts';
import { XrStatusPanel } from './xr-status-panel.ts';

// xr-standard gamepad mapping
const TRIGGER = 0, SQUEEZE = 1, BUTTON_A = 4, BUTTON_B = 5;
const SEND_EVERY_MS = 30;
/** in VR the robot stands this far in front of the operator (m, three.js z) */
const XR_ROBOT_DISTANCE = 0.7;
/** without the lease, the clutch must move the target this far (m) before it asks to take over */
const XR_TAKE_OVER_M = 0.01;

const _inv = new THREE.Matrix4();
const _m = new THREE.Matrix4();
const _p = new THREE.Vector3();
const _q = new THREE.Quaternion();
const _s = new THREE.Vector3();

export interface XrTeleopHooks {
  state(): StateMessage | undefined;
  holdsLease(): boolean;
  /** the operator opted in to implicit take-over: grip and move takes the robot over */
  implicitArmed(): boolean;
  target(): EeTarget | null;
  sendPose(t: EeTarget, gripper: number): void;
  sendGripper(g: number): void;
  toggleTakeOver(): void;
  /** B or Y: e-stop */
  estop(): void;
  /** the state on screen is older than two ticks (or the link stalled) */
  stale(): boolean;
  /** entering / leaving the headset (the view hides its desktop-only handles) */
  presentingChanged(presenting: boolean): void;
}

interface Hand {
  grip: THREE.Group;
  source: XRInputSource | null;
  aWas: boolean;
  bWas: boolean;
}

/**
 * WebXR immersive-vr teleop: grip (squeeze) is the clutch, the controller's motion while held
 * drives the EE target, the trigger closes the gripper, A/X takes over or hands back, B/Y
 * e-stops, and a panel on the left wrist shows the status. Render code only reads poses; hooks do the sending.
 */
export class XrTeleop {
  readonly clutch = new XrClutch();
  readonly gripper = new TriggerGripper();
  readonly panel = new XrStatusPanel();
  readonly hands: Hand[] = [];
  #lastSend = 0;
  #lastGripper = Number.NaN;
  #session: XRSession | null = null;
  readonly #off: () => void;

  constructor(readonly scene: ConsoleScene, readonly slot: RobotSlot, readonly hooks: XrTeleopHooks) {
    for (let i = 0; i < 2; i++) {
      const grip = scene.renderer.xr.getControllerGrip(i);
      const hand: Hand = { grip, source: null, aWas: false, bWas: false };
      grip.addEventListener('connected', (e) => (hand.source = (e as unknown as { data: XRInputSource }).data));
      grip.addEventListener('disconnected', () => {
        hand.source = null;
        this.clutch.release();
      });
      const marker = new THREE.Mesh(new THREE.BoxGeometry(0.03, 0.03, 0.1), new THREE.MeshStandardMaterial({ color: 0x88aaff }));
      grip.add(marker);
      scene.scene.add(grip);
      this.hands.push(hand);
    }
    scene.scene.add(scene.camera);
    this.#off = scene.onBeforeRender((t, frame) => this.#frame(t, frame));
  }

  get presenting(): boolean {
    return this.#session !== null;
  }

  /** Asks for an immersive-vr session; rejects with the browser's reason. */
  async enter(): Promise<void> {
    if (!navigator.xr) throw new Error('WebXR is not available in this browser');
    if (!(await navigator.xr.isSessionSupported('immersive-vr'))) throw new Error('immersive-vr is not supported here');
    const session = await navigator.xr.requestSession('immersive-vr', { optionalFeatures: ['local-floor'] });
    this.scene.renderer.xr.setReferenceSpaceType('local-floor');
    await this.scene.renderer.xr.setSession(session);
    this.#session = session;
    this.hooks.presentingChanged(true);
    this.scene.world.position.set(-0.3, 0.75, -XR_ROBOT_DISTANCE); // robot base at table height ahead
    session.addEventListener('end', () => {
      this.#session = null;
      this.clutch.release();
      this.panel.mesh.removeFromParent();
      this.hooks.presentingChanged(false);
      this.scene.world.position.set(0, 0, 0);
      this.scene.resize();
    });
  }

  async exit(): Promise<void> {
    await this.#session?.end();
  }

  dispose(): void {
    this.#off();
    void this.exit();
  }

  #frame(t: number, frame?: XRFrame): void {
    if (!frame || !this.#session) return;
    const s = this.hooks.state();
    for (const hand of this.hands) {
      const pad = hand.source?.gamepad;
      if (!pad) continue;
      const a = pad.buttons[BUTTON_A]?.pressed ?? false;
      if (a && !hand.aWas) this.hooks.toggleTakeOver();
      hand.aWas = a;
      // B (right) or Y (left): e-stop, on the press edge, whatever the lease or mode
      const b = pad.buttons[BUTTON_B]?.pressed ?? false;
      if (b && !hand.bWas) this.hooks.estop();
      hand.bWas = b;
    }
    this.#wearPanel();
    const hand = this.hands.find((h) => h.source?.handedness === 'right' && h.source.gamepad) ?? this.hands.find((h) => h.source?.gamepad);
    const pad = hand?.source?.gamepad;
    const lease = this.hooks.holdsLease();
    if (hand && pad && s && (lease || this.hooks.implicitArmed())) {
      const g = this.gripper.update(pad.buttons[TRIGGER]?.value ?? 0);
      const squeeze = pad.buttons[SQUEEZE]?.pressed ?? false;
      // grip pose in the robot's base frame (three sets grip.matrix this frame; the world matrix lags)
      hand.grip.updateMatrixWorld(true);
      this.slot.base.updateWorldMatrix(true, false);
      _inv.copy(this.slot.base.matrixWorld).invert();
      _m.multiplyMatrices(_inv, hand.grip.matrixWorld).decompose(_p, _q, _s);
      const pos = [_p.x, _p.y, _p.z];
      const quat = [_q.w, _q.x, _q.y, _q.z];
      if (squeeze && !this.clutch.engaged) {
        const from = this.hooks.target() ?? { pos: s.eePos, quat: s.eeQuat };
        this.clutch.engage(pos, quat, from.pos, from.quat);
      } else if (!squeeze && this.clutch.engaged) {
        this.clutch.release();
      }
      const target = this.clutch.update(pos, quat);
      // without the lease, a squeeze alone sends nothing: only grip and move takes over
      if (target && (lease || this.clutch.displacement() > XR_TAKE_OVER_M) && t - this.#lastSend >= SEND_EVERY_MS) {
        this.#lastSend = t;
        this.hooks.sendPose({ pos: [...target.pos], quat: [...target.quat] }, g);
        this.#lastGripper = g;
      } else if (!target && lease && g !== this.#lastGripper) {
        this.hooks.sendGripper(g);
        this.#lastGripper = g;
      }
    } else if (this.clutch.engaged) {
      this.clutch.release();
    }
    if (Math.floor(t / 200) !== Math.floor((t - 16) / 200) || !s) this.#drawPanel(s);
  }

  /** The status panel rides on the left wrist (the right hand drives), else on whichever hand there is. */
  #wearPanel(): void {
    const wrist = this.hands.find((h) => h.source?.handedness === 'left') ?? this.hands.find((h) => h.source);
    if (wrist && this.panel.mesh.parent !== wrist.grip) wrist.grip.add(this.panel.mesh);
  }

  #drawPanel(s: StateMessage | undefined): void {
    const stale = this.hooks.stale();
    const mode = s?.mode ?? 'NO STATE';
    const color = stale ? STALE_COLOR : mode === 'ESTOP' ? '#c62828' : mode === 'INTERVENING' ? '#ef6c00' : mode === 'PAUSED' ? '#9e8a00' : '#1565c0';
    const lease = this.hooks.holdsLease();
    const heartbeatLost = lease && mode === 'PAUSED' && s?.modeReason === 'heartbeat_timeout';
    this.panel.set(
      [
        stale ? `STALE (${this.slot.id}: ${mode}?)` : `${this.slot.id}: ${mode}`,
        heartbeatLost ? 'HEARTBEAT LOST: press A to resume' : lease ? (this.clutch.engaged ? 'clutch engaged: moving target' : 'hold grip to move, trigger = gripper') : `A take over${this.hooks.implicitArmed() ? ' · grip + move takes over' : ''} · B/Y E-STOP`,
        `loop ${s ? s.rateHz.toFixed(1) : '–'} Hz · step ${s?.episode?.step ?? '–'}`,
        `gripper ${this.gripper.closed ? 'closed' : 'open'}${s?.clamped.length ? ` · clamped: ${s.clamped.join(',')}` : ''}`,
      ],
      color,
    );
  }
}
