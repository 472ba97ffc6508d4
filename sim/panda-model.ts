/**
 * MJCF of a 7-joint arm with Franka Emika Panda kinematics (Craig's modified DH, Franka's published
 * parameters), a parallel-jaw gripper, a table, a 5 cm cube and a target marker. Link shapes are
 * simple capsules; the kinematics, joint limits and velocity limits are the real ones.
 */

/** One row of Craig's modified DH table: a(i-1), d(i), alpha(i-1). */
interface DhRow {
  a: number;
  d: number;
  alpha: number;
}

const HALF_PI = Math.PI / 2;

export const PANDA_DH: DhRow[] = [
  { a: 0, d: 0.333, alpha: 0 },
  { a: 0, d: 0, alpha: -HALF_PI },
  { a: 0, d: 0.316, alpha: HALF_PI },
  { a: 0.0825, d: 0, alpha: HALF_PI },
  { a: -0.0825, d: 0.384, alpha: -HALF_PI },
  { a: 0, d: 0, alpha: HALF_PI },
  { a: 0.088, d: 0, alpha: HALF_PI },
];
export const PANDA_FLANGE_D = 0.107;
/** fingertip centre past the flange, m */
export const PANDA_TCP_OFFSET = 0.1034;
export const PANDA_JOINT_NAMES = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
export const PANDA_LOWER = [-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973];
export const PANDA_UPPER = [2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973];
export const PANDA_VELOCITY_LIMIT = [2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61];
/** Franka's usual ready pose. */
export const PANDA_READY = [0, -Math.PI / 4, 0, (-3 * Math.PI) / 4, 0, Math.PI / 2, Math.PI / 4];
/** each finger travels 0..0.04 m */
export const PANDA_FINGER_TRAVEL = 0.04;
export const EE_SITE = 'tcp';
export const CUBE_HALF = 0.025;

// Link masses from the Panda's published dynamic parameters (as in MuJoCo Menagerie's panda).
const LINK_MASS = [4.97, 0.646, 3.23, 3.59, 1.23, 1.67, 0.735];
const KP = [4500, 4500, 3500, 3500, 2000, 2000, 2000];
const KV = [450, 450, 350, 350, 200, 200, 200];

const f = (x: number) => (Math.abs(x) < 1e-12 ? '0' : x.toFixed(6));

/** Body offset of DH row i in its parent frame: pos = (a, -d sin(alpha), d cos(alpha)), quat = Rx(alpha). */
function dhOffset(row: DhRow): { pos: string; quat: string } {
  const pos = `${f(row.a)} ${f(-row.d * Math.sin(row.alpha))} ${f(row.d * Math.cos(row.alpha))}`;
  const quat = `${f(Math.cos(row.alpha / 2))} ${f(Math.sin(row.alpha / 2))} 0 0`;
  return { pos, quat };
}

function linkGeom(i: number): string {
  // A capsule from this joint's origin to the next one's, in this link's frame.
  const next = i + 1 < PANDA_DH.length ? PANDA_DH[i + 1] : { a: 0, d: PANDA_FLANGE_D, alpha: 0 };
  const nx = next.a;
  const ny = -next.d * Math.sin(next.alpha);
  const nz = next.d * Math.cos(next.alpha);
  const mass = LINK_MASS[i];
  if (Math.hypot(nx, ny, nz) < 1e-6) {
    return `<geom class="link" type="sphere" size="0.06" mass="${mass}"/>`;
  }
  return `<geom class="link" type="capsule" size="0.055" fromto="0 0 0 ${f(nx)} ${f(ny)} ${f(nz)}" mass="${mass}"/>`;
}

function gripperXml(): string {
  const fingerZ = 0.0584;
  const padZ = PANDA_TCP_OFFSET - fingerZ;
  return `
          <body name="hand" pos="0 0 ${PANDA_FLANGE_D}" quat="${f(Math.cos(-Math.PI / 8))} 0 0 ${f(Math.sin(-Math.PI / 8))}" gravcomp="1">
            <geom class="link" type="box" size="0.02 0.1 0.025" pos="0 0 0.03" mass="0.73" rgba="0.9 0.9 0.9 1"/>
            <site name="${EE_SITE}" pos="0 0 ${PANDA_TCP_OFFSET}" size="0.006" rgba="1 0.2 0.2 1"/>
            <body name="left_finger" pos="0 0 ${fingerZ}" gravcomp="1">
              <joint name="finger_left" type="slide" axis="0 1 0" range="0 ${PANDA_FINGER_TRAVEL}" damping="20" armature="0.01"/>
              <geom class="pad" type="box" size="0.01 0.006 0.022" pos="0 0.006 ${f(padZ)}" mass="0.015"/>
            </body>
            <body name="right_finger" pos="0 0 ${fingerZ}" gravcomp="1">
              <joint name="finger_right" type="slide" axis="0 -1 0" range="0 ${PANDA_FINGER_TRAVEL}" damping="20" armature="0.01"/>
              <geom class="pad" type="box" size="0.01 0.006 0.022" pos="0 -0.006 ${f(padZ)}" mass="0.015"/>
            </body>
          </body>`;
}

function armXml(): string {
  let inner = gripperXml();
  for (let i = PANDA_DH.length - 1; i >= 0; i--) {
    const { pos, quat } = dhOffset(PANDA_DH[i]);
    const name = PANDA_JOINT_NAMES[i];
    inner = `
      <body name="link${i + 1}" pos="${pos}" quat="${quat}" gravcomp="1">
        <joint name="${name}" type="hinge" axis="0 0 1" range="${PANDA_LOWER[i]} ${PANDA_UPPER[i]}" armature="0.1" damping="1"/>
        ${linkGeom(i)}${inner}
      </body>`;
  }
  return `<body name="link0" pos="0 0 0">
      <geom class="link" type="cylinder" size="0.07 0.02" pos="0 0 0.02" mass="2"/>${inner}
    </body>`;
}

function actuatorXml(): string {
  const arm = PANDA_JOINT_NAMES.map(
    (j, i) => `<position name="act_${j}" joint="${j}" kp="${KP[i]}" kv="${KV[i]}" ctrlrange="${PANDA_LOWER[i]} ${PANDA_UPPER[i]}"/>`,
  );
  const fingers = ['finger_left', 'finger_right'].map(
    (j) => `<position name="act_${j}" joint="${j}" kp="300" kv="20" ctrlrange="0 ${PANDA_FINGER_TRAVEL}" forcerange="-30 30"/>`,
  );
  return [...arm, ...fingers].join('\n    ');
}

/** The whole scene: arm on a table, cube, target marker and a reach goal marker. */
export function pandaSceneXml(): string {
  return `<mujoco model="takeover_panda">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="0.002" integrator="implicitfast"/>
  <default>
    <default class="link"><geom contype="2" conaffinity="0" rgba="0.95 0.95 0.95 1" group="1"/></default>
    <default class="pad"><geom contype="2" conaffinity="0" friction="1.5 0.01 0.001" condim="4" rgba="0.2 0.2 0.2 1" solref="0.01 1" solimp="0.95 0.99 0.001"/></default>
  </default>
  <worldbody>
    <light pos="0 0 2.5" dir="0 0 -1" directional="true"/>
    <geom name="table" type="box" size="0.7 0.7 0.02" pos="0.3 0 -0.02" contype="1" conaffinity="3" rgba="0.55 0.45 0.35 1"/>
    ${armXml()}
    <body name="cube" pos="0.5 0 ${CUBE_HALF}">
      <freejoint name="cube_joint"/>
      <geom name="cube" type="box" size="${CUBE_HALF} ${CUBE_HALF} ${CUBE_HALF}" mass="0.05" contype="1" conaffinity="3" friction="1.2 0.01 0.001" condim="4" rgba="0.85 0.2 0.2 1"/>
    </body>
    <body name="target" mocap="true" pos="0.5 0.2 0.001">
      <geom name="target" type="cylinder" size="0.04 0.001" contype="0" conaffinity="0" rgba="0.2 0.8 0.3 0.6"/>
    </body>
    <body name="goal" mocap="true" pos="0.5 0 0.3">
      <geom name="goal" type="sphere" size="0.015" contype="0" conaffinity="0" rgba="0.2 0.4 0.95 0.5"/>
    </body>
  </worldbody>
  <actuator>
    ${actuatorXml()}
  </actuator>
</mujoco>
`;
}
