import { Type, type Static } from '@sinclair/typebox';
import { ActionSchema } from './action.ts';
import { ObservationSchema } from './observation.ts';
import { ModeSchema, SourceSchema } from './mode.ts';

/** Most numbers a step's simulator state may hold (the Panda scene's is 175). */
export const PHYSICS_STATE_MAX = 4096;

/**
 * One control tick as recorded (docs/recordings.md). Training labels are derived
 * from these fields by `recordings/step-labels.ts`, never stored by the loop.
 */
export const StepSchema = Type.Object(
  {
    episodeId: Type.String(),
    step: Type.Integer({ minimum: 0 }),
    t: Type.Number({ description: 'seconds since the episode reset (loop clock)' }),
    obs: ObservationSchema,
    proposed: Type.Union([ActionSchema, Type.Null()], { description: "the policy's proposed action, null if none in time" }),
    executed: Type.Union([ActionSchema, Type.Null()], { description: 'the action that ran, null when holding' }),
    jointTargets: Type.Array(Type.Number(), { description: 'joint targets sent to the robot after safety, rad' }),
    clamped: Type.Array(Type.String(), { description: 'safety limits that changed this command' }),
    source: SourceSchema,
    mode: ModeSchema,
    operatorId: Type.Union([Type.String(), Type.Null()]),
    policyVersion: Type.Union([Type.String(), Type.Null()]),
    label: Type.Optional(
      Type.Union([ActionSchema, Type.Null()], {
        description: 'the training target when it is not the executed action: the clean expert action of a noise-injected demonstration',
      }),
    ),
    /** set on steps of a real-robot rewind's automatic drive-back (RaC's recovery segment) */
    recovery: Type.Optional(Type.Boolean()),
    /** the policy's uncertainty score this step (versions with a help model, policies/help-model.ts) */
    helpScore: Type.Optional(Type.Number()),
    /** the policy's ensemble disagreement this step (versions with a help ensemble) */
    helpEnsembleScore: Type.Optional(Type.Number()),
    /** the policy's learned failure risk this step (versions with a failure-risk model) */
    helpRiskScore: Type.Optional(Type.Number()),
    /** a help request was open during this step */
    helpOpen: Type.Optional(Type.Boolean()),
    /** simulated robots only: the whole MuJoCo state after this step's command (docs/recordings.md "Simulator state") */
    physicsState: Type.Optional(Type.Array(Type.Number(), { maxItems: PHYSICS_STATE_MAX, description: 'mj_getState(mjSTATE_INTEGRATION) with time since the reset' })),
  },
  { $id: 'takeover/Step' },
);
export type Step = Static<typeof StepSchema>;

/** How an episode ended. */
export const OutcomeSchema = Type.Union(
  [Type.Literal('success'), Type.Literal('failure'), Type.Literal('timeout'), Type.Literal('aborted'), Type.Literal('unknown')],
  { $id: 'takeover/Outcome' },
);
export type Outcome = Static<typeof OutcomeSchema>;
