import { Type, type Static } from '@sinclair/typebox';
import { HelpScoresSchema } from '../../protocol/messages.ts';
import { RobotStatusSchema } from '../control-plane/robot-status.ts';

/**
 * A robot's status as GET /api/robots, /api/robots/:id and /api/status answer it: the control
 * plane's status block with the policy's two help scores as the protocol defines them (both
 * come from the loop's status: server/control/loop-status.ts).
 */
export const RobotStatusResponseSchema = Type.Composite([Type.Omit(RobotStatusSchema, ['helpScore']), HelpScoresSchema], { $id: 'takeover/RobotStatusResponse' });
export type RobotStatusResponse = Static<typeof RobotStatusResponseSchema>;
