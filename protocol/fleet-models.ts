import type { ModelDescription } from './model-description.ts';
import type { RobotInfo, RobotSummary, ServerInfoMessage } from './messages.ts';

/** server_info as a client uses it: every robot with its model inline again. */
export type FleetInfo = Omit<ServerInfoMessage, 'robots' | 'models'> & { robots: RobotInfo[] };

/**
 * Splits robots into summaries and one copy of each distinct model (server_info): a fleet of one
 * kind then costs one model, not one per robot. Keys are the robot's kind, with `#2`, `#3`... when
 * robots of one kind carry different models (another task's objects, another URDF).
 */
export function packRobotModels(infos: readonly RobotInfo[]): { models: Record<string, ModelDescription>; robots: RobotSummary[] } {
  const models: Record<string, ModelDescription> = {};
  const keyOf = new Map<ModelDescription, string>();
  const byText = new Map<string, string>();
  const perKind = new Map<string, number>();
  const robots = infos.map(({ model, ...rest }): RobotSummary => {
    if (!model) return { ...rest, modelKey: null };
    let key = keyOf.get(model);
    if (key === undefined) {
      // the same object is common (one description per kind); equal text covers rebuilt copies
      const text = JSON.stringify(model);
      key = byText.get(text);
      if (key === undefined) {
        const n = (perKind.get(rest.kind) ?? 0) + 1;
        perKind.set(rest.kind, n);
        key = n === 1 ? rest.kind : `${rest.kind}#${n}`;
        byText.set(text, key);
        models[key] = model;
      }
      keyOf.set(model, key);
    }
    return { ...rest, modelKey: key };
  });
  return { models, robots };
}

/** Rebuilds each robot's model from server_info; a key with no model is a server fault and throws, naming it. */
export function unpackRobotModels(info: ServerInfoMessage): FleetInfo {
  const { models, robots, ...rest } = info;
  return {
    ...rest,
    robots: robots.map(({ modelKey, ...r }) => {
      if (modelKey !== null && !Object.hasOwn(models, modelKey)) throw new Error(`server_info: robot '${r.id}' names model '${modelKey}', which server_info.models lacks`);
      return { ...r, model: modelKey === null ? null : models[modelKey] };
    }),
  };
}
