import { CLIENT_SCHEMAS, type ClientMessage } from '../../server/protocol/messages.ts';

/**
 * The rewind command for "go back to episode step `toStep`" if this protocol version has one
 * (null otherwise: the timeline then scrubs for display only). Reads the field names from the
 * shared schema instead of assuming them.
 */
export function rewindMessage(robot: string, toStep: number, currentStep: number): ClientMessage | null {
  const schema = (CLIENT_SCHEMAS as Record<string, { properties?: Record<string, unknown> }>).rewind;
  const props = schema?.properties;
  if (!props) return null;
  const msg: Record<string, unknown> = { type: 'rewind', robot };
  if ('toStep' in props) msg.toStep = toStep;
  else if ('step' in props) msg.step = toStep;
  else if ('steps' in props) msg.steps = Math.max(1, currentStep - toStep);
  else return null;
  return msg as unknown as ClientMessage;
}
