import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { OutcomeSchema } from '../../core/step.ts';
import { EpisodeQuerySchema, EpisodeRowSchema, type Catalog, type EpisodeQuery, type EpisodeRow } from '../../recordings/catalog.ts';
import { deleteEpisode, EpisodeOpError } from '../../recordings/episode-delete.ts';
import { EpisodeJournals } from '../../recordings/episode-journals.ts';
import { readJournalFile, type Journal } from '../../recordings/episode-reader.ts';
import { segmentsOf } from '../../recordings/episode-segments.ts';
import { labelSteps } from '../../recordings/step-labels.ts';
import { RecordIdSchema } from '../../core/safe-name.ts';
import { TakeoverError, withoutServerPaths } from '../errors.ts';
import { catalogForRequests } from './catalog-for-requests.ts';
import { journalError } from './journal-error.ts';

export interface EpisodesApiOptions {
  catalog: Catalog;
  dataDir: string;
  /** where journal bytes come from: the data dir, else the object store (default: the data dir alone) */
  journals?: EpisodeJournals;
  /** steps and bytes already written of an episode being recorded (the server's Recorder#progress) */
  live?: (episodeId: string) => { steps: number; bytes: number } | null;
}

/** A TypeBox schema as plain JSON Schema without `$id`s, so several routes can embed it. */
function plain(schema: TSchema): object {
  return JSON.parse(JSON.stringify(schema), (k, v) => (k === '$id' ? undefined : v));
}

const IdParams = Type.Object({ id: RecordIdSchema() });
const PatchBody = Type.Object(
  { outcome: Type.Optional(OutcomeSchema), notes: Type.Optional(Type.String({ maxLength: 10_000 })), tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })) },
  // `not: {}` rather than `false`: Fastify's Ajv silently strips extra fields under `false`; this rejects them.
  { additionalProperties: { not: {} }, minProperties: 1 } as object,
);
const StepsQuery = Type.Object({
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })),
});
const Segment = Type.Object({
  kind: Type.Union(['policy', 'operator', 'demo', 'rewound', 'recovery', 'idle'].map((k) => Type.Literal(k))),
  fromStep: Type.Integer(),
  toStep: Type.Integer(),
  steps: Type.Integer(),
});
const EpisodeDetail = Type.Object({
  episode: EpisodeRowSchema,
  segments: Type.Union([Type.Array(Segment), Type.Null()]),
  /** why segments are null: still recording, quarantined, or the journal could not be read */
  segmentsUnavailable: Type.Union([Type.String(), Type.Null()]),
  events: Type.Array(Type.Object({ type: Type.String(), t: Type.Number(), step: Type.Integer() }, { additionalProperties: true })),
});

/**
 * Episodes REST routes (docs/recordings.md): list and query, detail with segments, steps, the
 * MCAP file, edit outcome/notes/tags, delete (file and row together). Viewers read, operators
 * edit, admins delete (each route's `config.role`, enforced by server/api/route-roles.ts).
 */
export const episodesApi: FastifyPluginAsync<EpisodesApiOptions> = async (app, { catalog: given, dataDir, journals = new EpisodeJournals(dataDir), live }) => {
  const viewer = { role: 'viewer' } as const;
  const tags = ['episodes'];
  // A locked catalog answers 503 TKO_ERR_CATALOG_BUSY rather than holding the request (docs/recordings.md "Catalog").
  const catalog = catalogForRequests(given);

  /** A row still recording counts the steps already in its file (the catalog gets totals at the end). */
  function withProgress(row: EpisodeRow): EpisodeRow {
    if (row.status !== 'recording' || !live) return row;
    const p = live(row.id);
    return p ? { ...row, steps: p.steps, bytes: p.bytes } : row;
  }

  async function rowOr404(id: string): Promise<EpisodeRow> {
    const row = await catalog.get(id);
    if (!row) throw new TakeoverError('TKO_ERR_NOT_FOUND', `episode '${id}' not found`);
    return withProgress(row);
  }

  async function journalOf(row: EpisodeRow): Promise<Journal> {
    if (row.status === 'recording') throw new TakeoverError('TKO_ERR_BAD_TRANSITION', `episode '${row.id}' is still recording; its journal is readable once it ends`);
    if (row.status === 'quarantined') throw new TakeoverError('TKO_ERR_NOT_FOUND', `episode '${row.id}' is quarantined; its journal is not available`);
    try {
      return await readJournalFile(await journals.path(row));
    } catch (err) {
      throw journalError(row, err, dataDir);
    }
  }

  app.get<{ Querystring: EpisodeQuery }>(
    '/api/episodes',
    {
      config: viewer,
      schema: {
        tags, summary: 'episodes matching a query, newest first',
        querystring: plain(EpisodeQuerySchema),
        response: { 200: plain(Type.Object({ items: Type.Array(EpisodeRowSchema), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() })) },
      },
    },
    async (req) => {
      const q = { ...req.query, limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 };
      const { items, total } = await catalog.list(q);
      return { items: items.map(withProgress), total, limit: q.limit, offset: q.offset };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/episodes/:id',
    { config: viewer, schema: { tags, summary: 'one episode with its segments and events', params: plain(IdParams), response: { 200: plain(EpisodeDetail) } } },
    async (req) => {
      const row = await rowOr404(req.params.id);
      try {
        const j = await journalOf(row);
        const labels = labelSteps(j.steps, j.events, j.meta.kind);
        return { episode: row, segments: segmentsOf(j.steps, labels.map((l) => l.cls)), segmentsUnavailable: null, events: j.events };
      } catch (err) {
        return { episode: row, segments: null, segmentsUnavailable: withoutServerPaths((err as Error).message, dataDir), events: [] };
      }
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof StepsQuery> }>(
    '/api/episodes/:id/steps',
    { config: viewer, schema: { tags, summary: "a page of an episode's steps with their classes", params: plain(IdParams), querystring: plain(StepsQuery) } },
    async (req) => {
      const j = await journalOf(await rowOr404(req.params.id));
      const offset = req.query.offset ?? 0;
      const limit = req.query.limit ?? 500;
      const labels = labelSteps(j.steps, j.events, j.meta.kind);
      return {
        episodeId: j.meta.episodeId,
        total: j.steps.length,
        offset,
        // the simulator state (175 numbers a step for the Panda) is for replay tools, not the console: it stays in the journal
        steps: j.steps.slice(offset, offset + limit).map(({ physicsState: _state, ...s }) => s),
        classes: labels.slice(offset, offset + limit).map((l) => l.cls),
      };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>('/api/episodes/:id/file', { config: viewer, schema: { tags, summary: "the episode's MCAP journal", params: plain(IdParams) } }, async (req, reply) => {
    const row = await rowOr404(req.params.id);
    if (row.status === 'recording') throw new TakeoverError('TKO_ERR_BAD_TRANSITION', `episode '${row.id}' is still recording`);
    const path = await journals.path(row).catch((err: unknown) => {
      throw journalError(row, err, dataDir);
    });
    const size = await stat(path).then(
      (s) => s.size,
      () => {
        throw new TakeoverError('TKO_ERR_NOT_FOUND', `episode '${row.id}' has no journal file (status ${row.status})`);
      },
    );
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', size)
      .header('content-disposition', `attachment; filename="${row.id}.mcap"`)
      .send(createReadStream(path));
  });

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof PatchBody> }>(
    '/api/episodes/:id',
    { config: { role: 'operator' }, schema: { tags, summary: 'edit outcome, notes or tags', params: plain(IdParams), body: plain(PatchBody), response: { 200: plain(EpisodeRowSchema) } } },
    async (req) => {
      await rowOr404(req.params.id);
      return (await catalog.patch(req.params.id, req.body))!;
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>('/api/episodes/:id', { config: { role: 'admin' }, schema: { tags, summary: 'delete the journal file and the row', params: plain(IdParams) } }, async (req, reply) => {
    try {
      await deleteEpisode(dataDir, catalog, req.params.id);
      await journals.forget(req.params.id);
    } catch (err) {
      if (err instanceof EpisodeOpError) throw new TakeoverError(err.code === 'not_found' ? 'TKO_ERR_NOT_FOUND' : 'TKO_ERR_BAD_TRANSITION', withoutServerPaths(err.message, dataDir));
      throw err;
    }
    return reply.code(204).send();
  });
};
