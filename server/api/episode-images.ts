import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Catalog, EpisodeRow } from '../../recordings/catalog.ts';
import { openEpisodeImages } from '../../recordings/episode-images.ts';
import { RecordIdSchema } from '../../core/safe-name.ts';
import { EpisodeJournals } from '../../recordings/episode-journals.ts';
import { TakeoverError } from '../errors.ts';
import { catalogForRequests } from './catalog-for-requests.ts';
import { journalError } from './journal-error.ts';

export interface EpisodeImagesApiOptions {
  catalog: Catalog;
  dataDir: string;
  /** where journal bytes come from: the data dir, else the object store (default: the data dir alone) */
  journals?: EpisodeJournals;
}

const IdParams = Type.Object({ id: RecordIdSchema() });
const CamerasReply = Type.Object({
  episodeId: Type.String(),
  cameras: Type.Array(Type.Object({ name: Type.String(), frames: Type.Integer({ minimum: 0 }) })),
});
const ImageQuery = Type.Object({
  camera: Type.String({ minLength: 1, maxLength: 64, description: 'the camera name (GET /api/episodes/:id/cameras lists them)' }),
  t: Type.Number({ minimum: 0, description: "episode time, s since the reset (a step's t)" }),
});
const ImageReply = Type.Object({
  episodeId: Type.String(),
  camera: Type.String(),
  format: Type.String({ description: "'jpeg' or 'png'" }),
  t: Type.Number({ description: 'episode time at which the server received the frame, s' }),
  receivedAt: Type.Number({ description: 'when the server received it, ms since the epoch' }),
  stamp: Type.Number({ description: "the source's header.stamp, s (the receive time when it had none)" }),
  frameId: Type.String(),
  data: Type.String({ contentEncoding: 'base64', description: 'the image file' }),
});

/**
 * Recorded camera frames for Replay (docs/recordings.md "Camera channels"): the cameras of an
 * episode, and the frame of one camera that was newest at an episode time, the image the
 * operator saw at that step. Viewers and above.
 */
export const episodeImagesApi: FastifyPluginAsync<EpisodeImagesApiOptions> = async (app, { catalog: given, dataDir, journals = new EpisodeJournals(dataDir) }) => {
  const viewer = { role: 'viewer' } as const;
  const tags = ['episodes'];
  const catalog = catalogForRequests(given);

  async function journalRow(id: string): Promise<EpisodeRow> {
    const row = await catalog.get(id);
    if (!row) throw new TakeoverError('TKO_ERR_NOT_FOUND', `episode '${id}' not found`);
    if (row.status === 'recording') throw new TakeoverError('TKO_ERR_BAD_TRANSITION', `episode '${row.id}' is still recording; its images are readable once it ends`);
    if (row.status === 'quarantined') throw new TakeoverError('TKO_ERR_NOT_FOUND', `episode '${row.id}' is quarantined; its journal is not available`);
    return row;
  }

  async function open(id: string) {
    const row = await journalRow(id);
    try {
      return await openEpisodeImages(await journals.path(row));
    } catch (err) {
      throw journalError(row, err, dataDir);
    }
  }

  app.get<{ Params: Static<typeof IdParams> }>('/api/episodes/:id/cameras', {
    config: viewer,
    schema: { tags, summary: 'the cameras recorded in an episode and their frame counts', params: IdParams, response: { 200: CamerasReply } },
  }, async (req) => {
    const j = await open(req.params.id);
    await j.close();
    return { episodeId: req.params.id, cameras: j.cameras };
  });

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ImageQuery> }>('/api/episodes/:id/images', {
    config: viewer,
    schema: { tags, summary: 'the frame of a camera that was newest at an episode time (else the first after it)', params: IdParams, querystring: ImageQuery, response: { 200: ImageReply } },
  }, async (req) => {
    const j = await open(req.params.id);
    try {
      const { camera, t } = req.query;
      if (!j.cameras.some((c) => c.name === camera)) {
        throw new TakeoverError('TKO_ERR_NOT_FOUND', `episode '${req.params.id}' has no camera '${camera}' (it has: ${j.cameras.map((c) => c.name).join(', ') || 'none'})`);
      }
      const img = await j.imageAt(camera, t);
      if (!img) throw new TakeoverError('TKO_ERR_NOT_FOUND', `episode '${req.params.id}' has no frame of camera '${camera}'`);
      return {
        episodeId: req.params.id, camera, format: img.format, t: img.t, receivedAt: img.receivedAt, stamp: img.stamp, frameId: img.frameId,
        data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).toString('base64'),
      };
    } finally {
      await j.close();
    }
  });
};
