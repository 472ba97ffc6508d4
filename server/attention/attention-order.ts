import { ATTENTION_KINDS, type AttentionItem, type AttentionKind } from '../../protocol/messages.ts';

/** Urgency rank of a kind: 0 (an e-stop) is the most urgent. */
export const attentionRank = (kind: AttentionKind): number => ATTENTION_KINDS.indexOf(kind);

/** 1 for a help request whose robot's score is back under the threshold since it asked, else 0. */
const recovered = (x: AttentionItem): number => (x.help?.over === false ? 1 : 0);

/**
 * The queue's order, total and stable: kind by urgency (e-stop first); among help requests, those
 * whose robot is still over the threshold before those that recovered since they asked; then the
 * longest waiting first, then robot id. A robot has at most one item of a kind, so no two items
 * compare equal.
 */
export function compareAttention(a: AttentionItem, b: AttentionItem): number {
  return attentionRank(a.kind) - attentionRank(b.kind) || recovered(a) - recovered(b) || a.since - b.since || (a.robot < b.robot ? -1 : a.robot > b.robot ? 1 : 0);
}

/** The items most urgent first (a new array). */
export function orderAttention(items: readonly AttentionItem[]): AttentionItem[] {
  return [...items].sort(compareAttention);
}
