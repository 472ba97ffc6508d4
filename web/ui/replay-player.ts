import type { Step } from '../../core/step.ts';
import type { KinematicBody, ModelDescription } from '../../protocol/model-description.ts';
import type { ConsoleSession } from '../app/console-session.ts';
import type { EpisodesApi } from '../net/episodes-api.ts';
import { PlaybackClock } from '../replay/playback-clock.ts';
import { replayBounds } from '../replay/replay-framing.ts';
import { runsOf, kindOf, kindsPresent, segmentsFromApi, type Segment } from '../replay/segments.ts';
import { plotColumns, StepPlot } from '../replay/step-plots.ts';
import { ControlPath } from '../scene/control-path.ts';
import { ReplayCameras, type ReplayCamerasHandle } from '../replay/replay-cameras.ts';
import { bodyPosesFromObservation, unobservedBodies } from '../scene/body-poses-from-observation.ts';
import { ConsoleScene } from '../scene/console-scene.ts';
import { RobotModel } from '../scene/robot-model.ts';
import { h, fmt, type View } from './dom.ts';
import { countOf, controlWords, episodeOutcomeWords } from './status-words.ts';
import { segmentLegend, TimelineBar } from './timeline-bar.ts';

export interface ReplayHandle {
  clock: PlaybackClock;
  steps: Step[];
  segments: Segment[];
  shown: () => number;
  /** the replay's robot model (browser tests read body poses from it) */
  model: RobotModel | null;
  /** true when the arm links are drawn from the recorded joints (the description has kinematics) */
  armDrawn: boolean;
  scene: ConsoleScene;
  /** the EE path, coloured by who was in control */
  path: ControlPath;
  plots: StepPlot[];
  /** the recorded camera frames at the shown step */
  cameras: ReplayCamerasHandle;
}

/** The description's kinematic tree if it covers every body and reads a recorded observation; else null. */
function replayKinematics(desc: ModelDescription | null | undefined, first: Step): KinematicBody[] | null {
  if (desc?.format !== 'geoms' || !desc.kinematics || desc.kinematics.length !== desc.bodies.length) return null;
  try {
    bodyPosesFromObservation(desc.kinematics, first.obs);
    return desc.kinematics;
  } catch {
    return null; // e.g. a recording with another joint count: draw objects and the EE only
  }
}

/**
 * Playback of one recorded episode: 3D framed on the arm (drawn from the recorded joints when the
 * model description has a kinematic tree, objects and the EE pose as recorded, the EE path coloured
 * by who was in control), a scrubber coloured the same way, play/pause and speed, plots of joints
 * and actions shaded by control segment and lined up with the scrubber, and the MCAP download.
 */
export function replayPlayer(session: ConsoleSession, api: EpisodesApi, id: string, expose: (r: ReplayHandle | null) => void): View {
  const head = h('div', { class: 'replay-head' }, h('h2', { text: id }), h('span', { class: 'muted', 'data-testid': 'replay-status', text: 'loading…' }));
  const legend = h('div', { class: 'scene-legend', 'data-testid': 'control-legend' });
  const sceneBox = h('div', { class: 'scene replay-scene' }, legend);
  // no label or legend beside the bar: it spans exactly the plots' x range below it
  const bar = new TimelineBar('', { legend: false });
  const play = h('button', { type: 'button', class: 'primary', 'data-testid': 'replay-play', text: 'Play' });
  const speed = h('select', { 'data-testid': 'replay-speed' }, ...[0.25, 0.5, 1, 2, 4, 8].map((s) => h('option', { value: String(s), text: `${s}×`, selected: s === 1 })));
  const pos = h('span', { 'data-testid': 'replay-position', text: '–' });
  const plots = h('div', { class: 'plots' });
  // the recorded images at the shown step, over the 3D view's right edge like the live panels
  const cams = new ReplayCameras(api, id);
  sceneBox.append(cams.el);
  const el = h('div', { class: 'replay-player' }, head, sceneBox, h('div', { class: 'replay-controls' }, play, speed, pos), bar.el, plots);

  const scene = new ConsoleScene(sceneBox);
  let disposed = false;
  let clock = new PlaybackClock([]);
  let steps: Step[] = [];
  let segments: Segment[] = [];
  let shown = -1;
  let kinematics: KinematicBody[] | null = null;
  let poses = new Float64Array(0);
  const charts: StepPlot[] = [];
  const path = new ControlPath();
  let last = performance.now();
  let lastPlotAt = 0;

  const show = (i: number) => {
    if (i === shown || i < 0 || !steps[i]) return;
    shown = i;
    const s = steps[i];
    const slot = scene.robots.get('replay');
    if (slot) {
      if (slot.model instanceof RobotModel && kinematics) {
        try {
          slot.model.applyBodyPoses(bodyPosesFromObservation(kinematics, s.obs, poses));
        } catch {
          // a step with non-finite joints (the loop stopped on it): keep the last drawn arm
        }
      } else if (slot.model instanceof RobotModel) for (const o of s.obs.objects) slot.model.setBodyPose(o.name, o.pos, o.quat);
      slot.markers.setTarget({ pos: s.obs.eePos, quat: s.obs.eeQuat });
    }
    cams.showAt(s.step, s.t);
    pos.textContent = `step ${s.step} · ${fmt(s.t, 2, ' s')} · ${controlWords(s.source, s.mode)}`;
  };
  const offFrame = scene.onBeforeRender((t) => {
    const dt = (t - last) / 1000;
    last = t;
    if (!steps.length) return;
    show(clock.advance(Math.min(0.1, dt)));
    play.textContent = clock.playing ? 'Pause' : 'Play';
    if (t - lastPlotAt > 100) {
      lastPlotAt = t;
      for (const c of charts) c.setCursor(shown);
      bar.set(segments, steps.length, shown);
    }
  });
  play.addEventListener('click', () => {
    if (!clock.playing && clock.fraction >= 1) clock.scrubTo(0);
    clock.playing = !clock.playing;
  });
  speed.addEventListener('change', () => (clock.speed = Number(speed.value)));
  bar.onScrub = (f) => {
    clock.playing = false;
    // the bar draws step i over [i, i + 1) / n of its width
    show(clock.scrubToIndex(f * steps.length - 0.5));
    for (const c of charts) c.setCursor(shown);
    bar.set(segments, steps.length, shown);
  };

  const plotWidth = () => Math.max(320, plots.clientWidth - 24 || 600); // .plots has 12 px padding each side
  // the scrubber's canvas spans exactly the plots' data area: step i sits at the same x in both
  const alignBar = () => {
    const over = charts[0]?.plot.over.getBoundingClientRect();
    if (!over || over.width === 0) return;
    const row = bar.el.getBoundingClientRect();
    bar.el.style.paddingLeft = `${Math.max(0, over.left - row.left)}px`;
    bar.el.style.paddingRight = `${Math.max(0, row.right - over.right)}px`;
    bar.draw();
  };
  let lastWidth = 0;
  const plotsResize = new ResizeObserver(() => {
    const w = plotWidth();
    if (w !== lastWidth) {
      lastWidth = w;
      for (const c of charts) c.resize(w);
    }
    alignBar();
  });

  void (async () => {
    try {
      const detail = await api.detail(id);
      const e = detail.episode;
      head.replaceChildren(
        h('h2', { text: `${e.id}` }),
        h('span', { class: 'muted', 'data-testid': 'replay-status', text: `${e.robotId} · ${e.task} · seed ${e.seed} · ${episodeOutcomeWords(e.outcome, e.status)} · ${countOf(e.steps, 'step')} · ${countOf(e.interventionCount, 'intervention')}` }),
        h('a', { href: api.fileUrl(e.id), download: `${e.id}.mcap`, class: 'button', 'data-testid': 'mcap-download', text: 'Download MCAP' }),
      );
      steps = await api.steps(id);
      if (disposed) return;
      if (steps.length === 0) throw new Error('this episode has no recorded steps');
      segments = detail.segments ? segmentsFromApi(detail.segments) : runsOf(steps.map((s) => kindOf(s)));
      const info = session.robot(e.robotId);
      const slot = scene.addRobot('replay', info?.model ?? null);
      // Body poses are not recorded: with the description's kinematic tree they follow from the
      // recorded joints, gripper and object poses (hide objects this task does not observe);
      // without it show the world body and the task objects only.
      kinematics = replayKinematics(info?.model, steps[0]);
      if (slot.model instanceof RobotModel && kinematics) {
        poses = new Float64Array(7 * kinematics.length);
        const hidden = unobservedBodies(kinematics, steps[0].obs);
        slot.model.bodies.forEach((b, i) => (b.visible = !hidden.has(i)));
      } else if (slot.model instanceof RobotModel) {
        const objects = new Set(steps[0].obs.objects.map((o) => o.name));
        slot.model.bodies.forEach((b, i) => (b.visible = i === 0 || objects.has(b.name)));
      }
      path.set(steps.map((s) => s.obs.eePos), segments);
      slot.base.add(path.line);
      legend.replaceChildren(h('span', { class: 'muted', text: 'in control' }), segmentLegend(kindsPresent(segments)));
      const model = slot.model instanceof RobotModel ? slot.model : null;
      scene.frameBox(replayBounds(slot.base, model, kinematics, steps), 1.2);
      clock = new PlaybackClock(steps.map((s) => s.t));
      clock.speed = Number(speed.value);
      const nj = steps[0].obs.q.length;
      const opts = { segments, xLabel: (i: number) => (steps[i] ? `step ${steps[i].step} · ${fmt(steps[i].t, 2, ' s')}` : '') };
      const ACTION = ['dx', 'dy', 'dz', 'droll', 'dpitch', 'dyaw', 'gripper'];
      const joints = new StepPlot('joint positions (rad)', Array.from({ length: nj }, (_, k) => `q${k + 1}`), plotColumns(steps, (s) => s.obs.q, nj), plotWidth(), opts);
      const actions = new StepPlot('executed action (normalized)', ACTION, plotColumns(steps, (s) => s.executed, 7), plotWidth(), opts);
      const proposed = new StepPlot("policy's proposed action", ACTION, plotColumns(steps, (s) => s.proposed, 7), plotWidth(), opts);
      charts.push(joints, actions, proposed);
      plots.replaceChildren(...charts.map((c) => c.el));
      show(0);
      for (const c of charts) c.setCursor(0);
      alignBar();
      bar.set(segments, steps.length, 0);
      plotsResize.observe(plots);
      el.dataset.loaded = 'true';
      expose({ clock, steps, segments, shown: () => shown, model, armDrawn: kinematics !== null, scene, path, plots: charts, cameras: cams.handle });
    } catch (err) {
      head.append(h('p', { class: 'error', 'data-testid': 'replay-error', text: (err as Error).message }));
    }
  })();

  return {
    el,
    dispose: () => {
      disposed = true;
      expose(null);
      offFrame();
      plotsResize.disconnect();
      path.dispose();
      for (const c of charts) c.dispose();
      scene.dispose();
    },
  };
}
