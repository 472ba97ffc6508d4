import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { EeMarkers } from './ee-markers.ts';
import type { ModelDescription } from '../../protocol/model-description.ts';
import { withBaseColumns } from './base-column.ts';
import { flattenModel } from './model-geoms.ts';
import { RobotModel } from './robot-model.ts';
import { UrdfRobot } from './urdf-robot.ts';
import { FrameRateMeter } from './frame-rate-meter.ts';
import { isSoftwareGl } from './software-gl.ts';

/** One robot placed in the scene. */
export interface RobotSlot {
  id: string;
  /** the robot's base frame (MuJoCo, z up) inside the y-up world */
  base: THREE.Group;
  model: RobotModel | UrdfRobot;
  markers: EeMarkers;
  /** URDF models follow joint positions instead of body poses */
  joints?: (names: readonly string[], q: ArrayLike<number>, gripper: number) => void;
}

/**
 * The 3D view: one renderer and one y-up world holding any number of robots, each in its own
 * MuJoCo-frame (z-up) group. The loop runs through setAnimationLoop so WebXR sessions reuse it.
 */
export class ConsoleScene {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(50, 1, 0.02, 50);
  readonly controls: OrbitControls;
  /** z-up (MuJoCo) to y-up (three.js, WebXR) */
  readonly world = new THREE.Group();
  readonly robots = new Map<string, RobotSlot>();
  readonly fps = new FrameRateMeter();
  /** the floor grid: under every robot's world geoms (a table top level with it would show its lines) */
  readonly grid = new THREE.GridHelper(6, 30, 0x44505c, 0x2c333b);
  /**
   * Frames are skipped until this many times the last render's duration has passed since it (0:
   * render every frame). A view of many arms sets it so that rendering cannot starve the page.
   */
  idleShare = 0;
  #renderMs = 0;
  #lastRenderAt = -Infinity;
  readonly #beforeRender = new Set<(t: number, frame?: XRFrame) => void>();
  readonly #resize: ResizeObserver;

  constructor(readonly container: HTMLElement) {
    const software = isSoftwareGl();
    this.renderer = new THREE.WebGLRenderer({ antialias: !software, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(software ? 1 : Math.min(2, window.devicePixelRatio || 1));
    this.renderer.xr.enabled = true;
    this.renderer.domElement.dataset.testid = 'scene-canvas';
    container.appendChild(this.renderer.domElement);
    this.scene.background = new THREE.Color(0x1b1f24);
    this.world.rotation.x = -Math.PI / 2;
    this.scene.add(this.world);
    this.scene.add(new THREE.HemisphereLight(0xdfe8ff, 0x30343a, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.8);
    sun.position.set(2, 4, 3);
    this.scene.add(sun);
    this.grid.name = 'grid';
    this.grid.position.y = -0.001;
    this.scene.add(this.grid);
    this.camera.position.set(1.5, 1.1, 1.5);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.target.set(0.3, 0.3, 0);
    this.controls.update();
    this.#resize = new ResizeObserver(() => this.resize());
    this.#resize.observe(container);
    this.resize();
    this.renderer.setAnimationLoop((t, frame) => this.#frame(t, frame));
  }

  /** Places a robot with its base at `offset` (MuJoCo frame, m). */
  addRobot(id: string, desc: ModelDescription | null, offset: [number, number, number] = [0, 0, 0]): RobotSlot {
    this.removeRobot(id);
    const base = new THREE.Group();
    base.name = `robot:${id}`;
    base.position.set(...offset);
    const markers = new EeMarkers();
    let slot: RobotSlot;
    if (desc?.format === 'urdf') {
      const urdf = new UrdfRobot(desc.urdf, desc.packages);
      slot = { id, base, model: urdf, markers, joints: (names, q) => urdf.setJoints(names, q) };
    } else {
      const model = new RobotModel(desc ? withBaseColumns(flattenModel(desc), desc) : { bodies: [], geoms: [] });
      this.#lowerGrid(model, offset[2]);
      slot = { id, base, model, markers };
    }
    base.add(slot.model.root, markers.root);
    this.world.add(base);
    this.robots.set(id, slot);
    return slot;
  }

  /**
   * Puts the grid 5 mm under the lowest world geom (the table's underside): a grid just below a
   * table top shows through it where the depth buffer cannot tell the two apart (software GL, far away).
   */
  #lowerGrid(model: RobotModel, baseZ: number): void {
    const world = model.bodies[0];
    if (!world) return;
    model.root.updateMatrixWorld(true);
    const box = new THREE.Box3();
    for (const mesh of world.children) if (!(mesh instanceof THREE.Mesh && mesh.geometry.type === 'PlaneGeometry')) box.expandByObject(mesh);
    if (!box.isEmpty()) this.grid.position.y = Math.min(this.grid.position.y, baseZ + box.min.z - 0.005);
  }

  removeRobot(id: string): void {
    const slot = this.robots.get(id);
    if (slot) this.world.remove(slot.base);
    this.robots.delete(id);
  }

  /** Points the camera at a MuJoCo-frame point from a distance. */
  frame(center: [number, number, number], distance: number): void {
    const c = new THREE.Vector3(center[0], center[2], -center[1]);
    this.controls.target.copy(c);
    this.camera.position.set(c.x + distance * 0.75, c.y + distance * 0.55, c.z + distance * 0.75);
    this.controls.update();
  }

  /**
   * Points the camera at a box of the three.js world (y up) from the usual oblique angle, as close
   * as keeps the box in view: `fill` > 1 goes closer (a bounding sphere overstates a slim arm).
   */
  frameBox(box: THREE.Box3, fill = 1): void {
    if (box.isEmpty()) return;
    this.resize();
    const sphere = box.getBoundingSphere(new THREE.Sphere());
    const vfov = THREE.MathUtils.degToRad(this.camera.fov);
    const hfov = 2 * Math.atan(Math.tan(vfov / 2) * this.camera.aspect);
    const d = sphere.radius / Math.sin(Math.min(vfov, hfov) / 2) / fill;
    const dir = new THREE.Vector3(0.75, 0.55, 0.75).normalize();
    this.controls.target.copy(sphere.center);
    this.camera.position.copy(sphere.center).addScaledVector(dir, d);
    this.controls.update();
  }

  /** Runs fn before every rendered frame (XR frames included); returns its remover. */
  onBeforeRender(fn: (t: number, frame?: XRFrame) => void): () => void {
    this.#beforeRender.add(fn);
    return () => this.#beforeRender.delete(fn);
  }

  resize(): void {
    if (this.renderer.xr.isPresenting) return;
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h, false);
    this.renderer.domElement.style.width = '100%';
    this.renderer.domElement.style.height = '100%';
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }

  dispose(): void {
    this.renderer.setAnimationLoop(null);
    this.#resize.disconnect();
    this.controls.dispose();
    this.renderer.dispose();
    // dispose() keeps the context alive until GC: views come and go, and Chromium caps live contexts at 16
    this.renderer.forceContextLoss();
    this.renderer.domElement.remove();
  }

  #frame(t: number, frame?: XRFrame): void {
    // a slow render (many arms on software GL) leaves idle time for input and the network
    if (!frame && t - this.#lastRenderAt < this.idleShare * this.#renderMs) return;
    const t0 = performance.now();
    for (const fn of this.#beforeRender) fn(t, frame);
    this.renderer.render(this.scene, this.camera);
    this.#renderMs = performance.now() - t0;
    this.#lastRenderAt = t;
    this.fps.tick(t);
  }
}
