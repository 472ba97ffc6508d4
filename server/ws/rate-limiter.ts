import type { WsLimits } from '../config/config-schema.ts';
import { TokenBucket } from './token-bucket.ts';

/** The budget a connection spent: its frames, its bytes, or the error replies it caused. */
export type SpentBudget = 'messages' | 'bytes' | 'errors';

/**
 * The budgets of one WebSocket connection (docs/configuration.md, "Overload limits"). Every frame
 * counts, valid or not, so a flood is stopped before it is decoded; error replies have their own,
 * tighter budget because each one costs an encode and a write (and a 1-byte bad frame is the
 * cheapest thing a client can send).
 */
export class RateLimiter {
  readonly #messages: TokenBucket;
  readonly #bytes: TokenBucket;
  readonly #errors: TokenBucket;

  constructor(l: Pick<WsLimits, 'messagesPerSecond' | 'messageBurst' | 'bytesPerSecond' | 'byteBurst' | 'errorsPerSecond' | 'errorBurst'>, nowMs: number) {
    this.#messages = new TokenBucket(l.messagesPerSecond, l.messageBurst, nowMs);
    this.#bytes = new TokenBucket(l.bytesPerSecond, l.byteBurst, nowMs);
    this.#errors = new TokenBucket(l.errorsPerSecond, l.errorBurst, nowMs);
  }

  /** Counts one arriving frame of `bytes`; names the budget it overran, or null. */
  frame(bytes: number, nowMs: number): SpentBudget | null {
    if (!this.#messages.take(1, nowMs)) return 'messages';
    if (!this.#bytes.take(bytes, nowMs)) return 'bytes';
    return null;
  }

  /** Counts `n` error replies sent to the connection; false once the error budget is spent. */
  errors(n: number, nowMs: number): boolean {
    return this.#errors.take(n, nowMs);
  }
}
