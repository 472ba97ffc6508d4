import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { RestLimits } from '../config/config-schema.ts';
import { TakeoverError } from '../errors.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * REST rate limits (@fastify/rate-limit) per client address and fixed window: one budget for
 * reads, a much smaller one for writes (they train, delete and move robots). The check runs in
 * onRequest, before auth and body parsing, so a refusal (429, TKO_ERR_RATE_LIMITED) costs almost
 * nothing. `/api/health` is exempt: supervisors poll it. Register before the routes it guards.
 */
export const restRateLimit = fp<RestLimits>(async (app, o) => {
  const max = (req: FastifyRequest) => (WRITES.has(req.method) ? o.writeMax : o.readMax);
  await app.register(rateLimit, {
    global: true,
    timeWindow: o.timeWindowMs,
    max,
    keyGenerator: (req) => `${WRITES.has(req.method) ? 'write' : 'read'} ${req.ip}`,
    // a max of 0 switches that budget off
    allowList: (req) => req.routeOptions.url === '/api/health' || max(req) === 0,
    errorResponseBuilder: (_req, ctx) => new TakeoverError('TKO_ERR_RATE_LIMITED', `rate limit of ${ctx.max} requests exceeded, retry in ${ctx.after}`),
  });
}, { name: 'takeover-rest-rate-limit', fastify: '5.x' });
