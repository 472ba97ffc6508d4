import * as THREE from 'three';
import { TransformControls } from 'three/examples/jsm/controls/TransformControls.js';
import { axisKeyLabels } from '../scene/axis-labels.ts';
import type { ConsoleSession } from '../app/console-session.ts';
import { KeyboardTeleop } from '../input/keyboard-teleop.ts';
import { gamepadAction, padActive, PadButtonEdge, type PadSnapshot } from '../input/gamepad-teleop.ts';
import { ImplicitTakeover, type RobotSnapshot } from '../input/implicit-takeover.ts';
import type { CommandError } from '../net/takeover-client.ts';
import type { ConsoleScene, RobotSlot } from '../scene/console-scene.ts';

export const TELEOP_PERIOD_MS = 50;

export interface EeTarget {
  pos: [number, number, number];
  /** w x y z */
  quat: [number, number, number, number];
}

/**
 * Operator input for one robot: held keys and a gamepad become EE-delta teleop frames at 20 Hz,
 * dragging the EE target gizmo (or the XR clutch, through `sendPose`) sends absolute targets.
 * Nothing is sent without the lease, except the operator's opted-in implicit take-over (a teleop
 * frame with `takeOver`, docs/console.md "Implicit take-over"); nothing is queued while disconnected.
 */
export class TeleopController {
  readonly keyboard = new KeyboardTeleop();
  readonly gizmo: TransformControls;
  /**
   * What the gizmo drags: a handle at the EE target in the robot's base frame. Translating, it has
   * no rotation, so the arrows are the base frame's X/Y/Z (red/green/blue) and match the keys;
   * rotating, it takes the target's orientation.
   */
  readonly handle = new THREE.Object3D();
  readonly labels = axisKeyLabels();
  #handlesShown = true;
  /** 'follow': the target marker shows the EE; 'pose': it shows the last absolute target sent */
  targetMode: 'follow' | 'pose' = 'follow';
  target: EeTarget | null = null;
  gamepadName = '';
  onPadToggle: (() => void) | null = null;
  /** implicit take-over and idle hand back (settings from the control panel) */
  readonly implicit = new ImplicitTakeover(() => performance.now());
  /** before an implicit take-over: start from the arm's gripper (set by the view) */
  onImplicitTakeOver: (() => void) | null = null;
  /** the idle hand back is due (the view sends hand_back) */
  onHandBackDue: (() => void) | null = null;
  readonly #action = new Float64Array(7);
  readonly #pad = new Float64Array(7);
  readonly #padEdge = new PadButtonEdge();
  #wasMoving = false;
  #lastGripperSent = Number.NaN;
  #lastPoseSent = 0;
  #suspended = false;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(readonly session: ConsoleSession, readonly robotId: string, scene: ConsoleScene, readonly slot: RobotSlot) {
    this.gizmo = new TransformControls(scene.camera, scene.renderer.domElement);
    this.gizmo.setSize(0.8);
    this.gizmo.setSpace('local');
    this.handle.name = 'ee-handle';
    this.handle.add(this.labels);
    slot.base.add(this.handle);
    this.gizmo.addEventListener('dragging-changed', (e) => {
      scene.controls.enabled = !e.value;
    });
    this.gizmo.addEventListener('objectChange', () => this.#gizmoMoved());
    scene.scene.add(this.gizmo.getHelper());
    this.#timer = setInterval(() => this.pump(), TELEOP_PERIOD_MS);
  }

  get holdsLease(): boolean {
    return this.session.holdsLease(this.robotId);
  }

  /** Teleop counts only while INTERVENING with our lease (an e-stopped or paused lease holder sends nothing). */
  get driving(): boolean {
    return this.holdsLease && this.session.states.get(this.robotId)?.mode === 'INTERVENING';
  }

  /** On taking over: start from the arm's current gripper so it does not drop what it holds. */
  startFrom(executedGripper: number | null, opening: number, range: [number, number]): void {
    this.#suspended = false;
    this.keyboard.gripper = executedGripper !== null ? (executedGripper > 0 ? 1 : -1) : opening < (range[0] + range[1]) / 2 ? 1 : -1;
    this.targetMode = 'follow';
  }

  /** Before handing back: stop sending at once (the lease in the state frames lags the command). */
  suspend(): void {
    this.keyboard.releaseAll();
    this.#wasMoving = false;
    this.#suspended = true;
  }

  /** The hand back was refused: keep teleoperating. */
  resume(): void {
    this.#suspended = false;
  }

  /** Called per state frame: keeps the target marker and gizmo in step with the lease. */
  sync(eePos: ArrayLike<number>, eeQuat: ArrayLike<number>): void {
    const lease = this.driving;
    if (lease && (this.targetMode === 'follow' || !this.target)) {
      this.target = { pos: [eePos[0], eePos[1], eePos[2]], quat: [eeQuat[0], eeQuat[1], eeQuat[2], eeQuat[3]] };
    }
    if (!lease) {
      this.#suspended = false;
      this.target = null;
      this.targetMode = 'follow';
    }
    this.slot.markers.setTarget(this.target);
    if (!this.gizmo.dragging) {
      const t = this.slot.markers.target;
      this.handle.position.copy(t.position);
      if (this.gizmo.mode === 'rotate') this.handle.quaternion.copy(t.quaternion);
      else this.handle.quaternion.identity();
    }
    this.labels.visible = lease && this.#handlesShown && this.gizmo.mode === 'translate';
    if (lease && this.gizmo.object !== this.handle) this.gizmo.attach(this.handle);
    if (!lease && this.gizmo.object) this.gizmo.detach();
    // attach() shows the helper again: in the headset it stays hidden
    const shown = this.#handlesShown && this.gizmo.object !== undefined;
    if (this.gizmo.getHelper().visible !== shown) this.gizmo.getHelper().visible = shown;
  }

  /** One teleop tick: keyboard plus gamepad -> a delta frame while something is held or changed. */
  pump(): void {
    const pad = this.#readPad();
    if (pad && this.#padEdge.pressed(pad)) this.onPadToggle?.();
    const padMoving = pad !== null && padActive(gamepadAction(pad, this.#pad, this.keyboard.gripper));
    const moving = this.keyboard.moving || padMoving;
    const snap = this.snapshot();
    const decision = this.implicit.input(moving, snap);
    if (this.implicit.handBackDue(snap)) this.onHandBackDue?.();
    if (decision === 'take_over') {
      this.onImplicitTakeOver?.();
      const a = this.#merge(pad);
      this.#tryTakeOver({ type: 'teleop', robot: this.robotId, kind: 'delta', action: Array.from(a), takeOver: true });
      this.#lastGripperSent = a[6];
      this.#wasMoving = true;
      return;
    }
    if (!this.driving || this.#suspended || this.#stale()) return;
    const a = this.#merge(pad);
    if (moving || this.#wasMoving || a[6] !== this.#lastGripperSent) {
      this.session.client.teleopDelta(this.robotId, a);
      this.#lastGripperSent = a[6];
      if (moving) this.targetMode = 'follow';
    }
    this.#wasMoving = moving;
  }

  /** Sends an absolute EE target (gizmo drag, XR clutch) and shows it. */
  sendPose(t: EeTarget, gripper = this.keyboard.gripper): void {
    if (this.implicit.input(true, this.snapshot()) === 'take_over') {
      // the arm's own gripper, not the trigger's default: taking over must not drop what it holds
      this.onImplicitTakeOver?.();
      this.target = t;
      this.targetMode = 'pose';
      this.#tryTakeOver({ type: 'teleop', robot: this.robotId, kind: 'pose', pos: [...t.pos], quat: [...t.quat], gripper: this.keyboard.gripper, takeOver: true });
      this.#lastGripperSent = this.keyboard.gripper;
      return;
    }
    if (!this.driving || this.#suspended || this.#stale()) return;
    this.target = t;
    this.targetMode = 'pose';
    this.keyboard.gripper = gripper;
    this.session.client.teleopPose(this.robotId, t.pos, t.quat, gripper);
    this.#lastGripperSent = gripper;
    this.slot.markers.setTarget(t);
  }

  /** Shows or hides the desktop drag handles and their labels (hidden in the headset). */
  setHandlesShown(on: boolean): void {
    this.#handlesShown = on;
    this.gizmo.getHelper().visible = on && this.gizmo.object !== undefined;
    this.gizmo.enabled = on;
    this.labels.visible = on && this.gizmo.object === this.handle && this.gizmo.mode === 'translate';
  }

  dispose(): void {
    clearInterval(this.#timer);
    this.handle.removeFromParent();
    this.gizmo.detach();
    this.gizmo.getHelper().removeFromParent();
    this.gizmo.dispose();
  }

  /** What the implicit take-over sees of this robot now. */
  snapshot(): RobotSnapshot {
    const s = this.session.states.get(this.robotId);
    return { mode: s?.mode ?? null, lease: s?.lease ?? null, me: this.session.operatorId, stale: this.#stale() };
  }

  /** Keyboard plus gamepad as one delta action. */
  #merge(pad: PadSnapshot | null): Float64Array {
    const a = this.keyboard.action(this.#action) as Float64Array;
    if (pad) {
      // read again: a take-over may just have set the keyboard's gripper from the arm's
      gamepadAction(pad, this.#pad, this.keyboard.gripper);
      for (let i = 0; i < 6; i++) a[i] = Math.max(-1, Math.min(1, a[i] + this.#pad[i]));
      if (this.#pad[6] !== this.keyboard.gripper) a[6] = this.keyboard.gripper = this.#pad[6] > 0 ? 1 : -1;
    }
    return a;
  }

  /**
   * Sends teleop with `takeOver` and a ref, so the server's answer comes back to this attempt: a
   * refusal (someone else holds the lease) shows as a notice; nothing is forced.
   */
  #tryTakeOver(msg: Parameters<ConsoleSession['client']['command']>[0]): void {
    this.session.client.command(msg).then(
      () => this.session.notice('info', `took over ${this.robotId}: you moved the input`),
      (err: CommandError) => this.session.notice('error', `implicit take-over refused: ${err.code ? `${err.code}: ` : ''}${err.message}`),
    );
  }

  /** Motion is not sent on a picture the operator cannot trust (the server's watchdog holds the arm). */
  #stale(): boolean {
    return this.session.freshness(this.robotId).stale;
  }

  #gizmoMoved(): void {
    const now = performance.now();
    if (now - this.#lastPoseSent < 20) return;
    this.#lastPoseSent = now;
    const o = this.handle;
    const q = this.gizmo.mode === 'rotate' ? o.quaternion : this.slot.markers.target.quaternion;
    this.sendPose({ pos: [o.position.x, o.position.y, o.position.z], quat: [q.w, q.x, q.y, q.z] });
  }

  #readPad(): PadSnapshot | null {
    const pads = typeof navigator.getGamepads === 'function' ? navigator.getGamepads() : [];
    for (const p of pads) {
      if (p && p.connected && p.mapping === 'standard') {
        this.gamepadName = p.id;
        return p;
      }
    }
    this.gamepadName = '';
    return null;
  }
}
