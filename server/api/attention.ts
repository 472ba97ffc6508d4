import type { FastifyPluginAsync } from 'fastify';
import { AttentionListSchema } from '../../protocol/messages.ts';
import type { AttentionFeed } from '../attention/attention-feed.ts';

/** GET /api/attention (viewer and above): the attention queue, most urgent first. */
export const attentionApi: FastifyPluginAsync<{ feed: AttentionFeed }> = async (app, { feed }) => {
  app.get('/api/attention', {
    config: { role: 'viewer' },
    schema: {
      tags: ['robots'],
      summary: 'what needs a human, most urgent first: e-stops, help requests, pauses, stale arm links, loops below rate, failed episodes (docs/protocol.md "Attention queue")',
      response: { 200: AttentionListSchema },
    },
  }, async () => {
    await feed.refresh();
    return feed.list();
  });
};
