/**
 * The workspace box and EE step of a simulated Panda, for every loop that drives one: a
 * configured sim robot (unless its config overrides them), evaluation, demos and the learning
 * loop. Base at the origin on the table top (z = 0): the TCP stays over the table, below 0.8 m.
 */
export const SIM_LIMITS = {
  workspaceMin: [0.1, -0.6, 0.005],
  workspaceMax: [0.85, 0.6, 0.8],
  maxEeStep: 0.03,
} as const;

/** A mutable copy of SIM_LIMITS in the shape the safety filter and the robot registry take. */
export function simLimits(): { workspaceMin: [number, number, number]; workspaceMax: [number, number, number]; maxEeStep: number } {
  return { workspaceMin: [...SIM_LIMITS.workspaceMin], workspaceMax: [...SIM_LIMITS.workspaceMax], maxEeStep: SIM_LIMITS.maxEeStep };
}
