import type { Task, TaskName } from './task.ts';
import { reachTask } from './reach-task.ts';
import { liftTask } from './lift-task.ts';
import { placeTask } from './place-task.ts';

const TASKS: Record<TaskName, Task> = { reach: reachTask, lift: liftTask, place: placeTask };

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

/** Looks a task up by name; throws naming the known ones. */
export function getTask(name: string): Task {
  const t = TASKS[name as TaskName];
  if (!t) throw new Error(`unknown task '${name}'; known: ${TASK_NAMES.join(', ')}`);
  return t;
}
