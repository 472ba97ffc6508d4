import type { AttentionItem } from '../../protocol/messages.ts';

/**
 * The fleet's tile order: robots in the attention queue's order (each at its most urgent item),
 * then the rest in configuration order.
 */
export function tileOrder(robotIds: readonly string[], queue: readonly AttentionItem[]): string[] {
  const known = new Set(robotIds);
  const first = [...new Set(queue.map((i) => i.robot))].filter((id) => known.has(id));
  const listed = new Set(first);
  return [...first, ...robotIds.filter((id) => !listed.has(id))];
}

/** Each robot's most urgent item (the queue is ordered: the first one seen). */
export function topItems(queue: readonly AttentionItem[]): Map<string, AttentionItem> {
  const top = new Map<string, AttentionItem>();
  for (const i of queue) if (!top.has(i.robot)) top.set(i.robot, i);
  return top;
}
