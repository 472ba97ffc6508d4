import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import type { McapTypes } from '@mcap/core';
import type { ChunkCompressor } from './mcap-chunk-writer.ts';

/**
 * MCAP's 'lz4' is the LZ4 *frame* format (magic 04 22 4d 18), not a raw block. The synchronous
 * call is used on purpose: chunks are a few KB, and lz4-napi's async variant costs about three
 * times the CPU in thread-pool hand-off for that size (measured: ~8 vs ~27 us for 3.5 KB).
 */
export const lz4Compressor: ChunkCompressor = {
  name: 'lz4',
  compress: (data) => compressFrameSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
};

/** Decompressors for reading journals (ours use lz4; '' needs none). */
export const decompressHandlers: McapTypes.DecompressHandlers = {
  lz4: (buffer, decompressedSize) => {
    const out = decompressFrameSync(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    if (BigInt(out.byteLength) !== decompressedSize) {
      throw new Error(`lz4 chunk decompressed to ${out.byteLength} bytes, header says ${decompressedSize}`);
    }
    return out;
  },
};
