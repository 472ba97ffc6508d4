import { Type, type Static } from '@sinclair/typebox';

/** Control modes of one robot (docs/architecture.md "Modes and the lease"). */
export const ModeSchema = Type.Union(
  [
    Type.Literal('AUTONOMOUS'),
    Type.Literal('INTERVENING'),
    Type.Literal('PAUSED'),
    Type.Literal('ESTOP'),
    Type.Literal('REWINDING'),
  ],
  { $id: 'takeover/Mode' },
);
export type Mode = Static<typeof ModeSchema>;

/** Who produced the executed action of a step. */
export const SourceSchema = Type.Union([Type.Literal('policy'), Type.Literal('operator'), Type.Literal('none')], {
  $id: 'takeover/Source',
});
export type Source = Static<typeof SourceSchema>;
