import { compressFrame, decompressFrameSync } from 'lz4-napi';
import type { McapTypes } from '@mcap/core';
import type { ChunkCompressor } from './mcap-chunk-writer.ts';

/**
 * MCAP's 'lz4' is the LZ4 *frame* format (magic 04 22 4d 18), not a raw block. lz4-napi's
 * async `compressFrame` runs on the libuv thread pool, off the JavaScript thread.
 */
export const lz4Compressor: ChunkCompressor = {
  name: 'lz4',
  compress: async (data) => compressFrame(data),
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
