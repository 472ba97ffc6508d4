import { crc32 } from 'node:zlib';
import { McapChunkBuilder, McapRecordBuilder, Opcode, type McapTypes } from '@mcap/core';
import type { ByteSink } from './byte-sink.ts';

/**
 * Compresses a chunk's records; `name` is the MCAP compression string ('lz4', 'zstd', '').
 * Synchronous: chunks are a few KB, where a thread-pool hand-off costs more than compressing.
 */
export interface ChunkCompressor {
  name: string;
  compress(data: Uint8Array): Uint8Array;
}

type ChunkIndex = McapTypes.ChunkIndex;
type MetadataIndex = McapTypes.MetadataIndex;

interface PendingFlush {
  loose: Uint8Array;
  metadataAt: { name: string; rel: number; length: bigint }[];
  chunk: { data: Uint8Array; start: bigint; end: bigint; indices: McapTypes.MessageIndex[] } | null;
}

/**
 * An MCAP writer whose chunks are closed on demand. @mcap/core's McapWriter only closes a
 * chunk when it outgrows `chunkSize` or at `end()`, so a crash could lose a whole chunk; this
 * one closes the open chunk on every `flush()`, so everything before the last flush survives a
 * kill. Schemas, channels and metadata go outside chunks, ahead of the messages that use them,
 * so a file cut anywhere still reads up to its last complete chunk. Every flush is one
 * `sink.write`. Calls may be made without awaiting: flushes are serialized internally.
 */
export class McapChunkWriter {
  #sink: ByteSink;
  #compressor: ChunkCompressor | null;
  #loose = new McapRecordBuilder();
  #metadataAt: PendingFlush['metadataAt'] = [];
  #chunk = new McapChunkBuilder({ useMessageIndex: true });
  /** reused for every flush's records (flushes are serialized; its bytes are copied out before the write) */
  #out = new McapRecordBuilder();
  #schemas: McapTypes.Schema[] = [];
  #channels: McapTypes.Channel[] = [];
  #chunkIndexes: ChunkIndex[] = [];
  #metadataIndexes: MetadataIndex[] = [];
  #dataCrc = 0;
  #tail: Promise<void> = Promise.resolve();
  #ended = false;
  #failed: unknown = null;
  readonly statistics: McapTypes.Statistics = {
    messageCount: 0n,
    schemaCount: 0,
    channelCount: 0,
    attachmentCount: 0,
    metadataCount: 0,
    chunkCount: 0,
    messageStartTime: 0n,
    messageEndTime: 0n,
    channelMessageCounts: new Map(),
  };

  constructor({ sink, compressor = null, profile = '', library = 'takeover' }: { sink: ByteSink; compressor?: ChunkCompressor | null; profile?: string; library?: string }) {
    this.#sink = sink;
    this.#compressor = compressor;
    this.#loose.writeMagic();
    this.#loose.writeHeader({ profile, library });
  }

  /** Registers a schema (written with the next flush); returns its id. */
  addSchema(name: string, encoding: string, data: Uint8Array): number {
    const schema = { id: this.#schemas.length + 1, name, encoding, data };
    this.#schemas.push(schema);
    this.#loose.writeSchema(schema);
    this.statistics.schemaCount++;
    return schema.id;
  }

  /** Registers a channel (written with the next flush); returns its id. */
  addChannel(topic: string, schemaId: number, messageEncoding: string, metadata: Record<string, string> = {}): number {
    const channel = { id: this.#channels.length, schemaId, topic, messageEncoding, metadata: new Map(Object.entries(metadata)) };
    this.#channels.push(channel);
    this.#loose.writeChannel(channel);
    this.statistics.channelCount++;
    return channel.id;
  }

  /** Adds a metadata record (written with the next flush, indexed in the summary). */
  addMetadata(name: string, metadata: Record<string, string>): void {
    const rel = this.#loose.length;
    const length = this.#loose.writeMetadata({ name, metadata: new Map(Object.entries(metadata)) });
    this.#metadataAt.push({ name, rel, length });
    this.statistics.metadataCount++;
  }

  /** Adds a message to the open chunk (synchronous: no I/O until `flush`). */
  addMessage(channelId: number, sequence: number, logTime: bigint, publishTime: bigint, data: Uint8Array): void {
    if (this.#ended) throw new Error(`McapChunkWriter#addMessage: writer ended (channel ${channelId})`);
    if (!this.#channels[channelId]) throw new Error(`McapChunkWriter#addMessage: unknown channel ${channelId}`);
    this.#chunk.addMessage({ channelId, sequence, logTime, publishTime, data });
    const st = this.statistics;
    if (st.messageCount === 0n || logTime < st.messageStartTime) st.messageStartTime = logTime;
    if (st.messageCount === 0n || logTime > st.messageEndTime) st.messageEndTime = logTime;
    st.messageCount++;
    st.channelMessageCounts.set(channelId, (st.channelMessageCounts.get(channelId) ?? 0n) + 1n);
  }

  /** Bytes waiting for the next flush (uncompressed). */
  get pendingBytes(): number {
    return this.#loose.length + this.#chunk.byteLength;
  }

  /** Closes the open chunk and writes it with any pending records, as one write. */
  flush(): Promise<void> {
    const pending = this.#takePending();
    if (!pending) return this.#tail;
    return this.#enqueue(() => this.#writeFlush(pending));
  }

  /** Flushes, then writes DataEnd, the summary (schemas, channels, statistics, indexes) and footer. */
  end(): Promise<void> {
    const pending = this.#takePending();
    this.#ended = true;
    return this.#enqueue(async () => {
      if (pending) await this.#writeFlush(pending);
      await this.#writeSummary();
    });
  }

  #enqueue(fn: () => Promise<void>): Promise<void> {
    this.#tail = this.#tail.then(() => {
      if (this.#failed) throw this.#failed;
      return fn().catch((err: unknown) => {
        this.#failed = err;
        throw err;
      });
    });
    return this.#tail;
  }

  #takePending(): PendingFlush | null {
    if (this.#ended) throw new Error('McapChunkWriter: flush after end');
    if (this.#loose.length === 0 && this.#chunk.numMessages === 0) return null;
    const pending: PendingFlush = { loose: this.#loose.buffer, metadataAt: this.#metadataAt, chunk: null };
    this.#loose.reset();
    this.#metadataAt = [];
    if (this.#chunk.numMessages > 0) {
      pending.chunk = {
        data: this.#chunk.buffer, // a copy (BufferBuilder#buffer slices)
        start: this.#chunk.messageStartTime,
        end: this.#chunk.messageEndTime,
        indices: [...this.#chunk.indices].map((i) => ({ channelId: i.channelId, records: i.records })),
      };
      this.#chunk.reset();
    }
    return pending;
  }

  async #writeFlush(p: PendingFlush): Promise<void> {
    const base = this.#sink.position();
    for (const m of p.metadataAt) this.#metadataIndexes.push({ name: m.name, offset: base + BigInt(m.rel), length: m.length });
    const out = this.#out;
    out.reset();
    if (p.chunk) {
      const { data, start, end, indices } = p.chunk;
      const compressed = this.#compressor ? this.#compressor.compress(data) : data;
      const chunkStart = base + BigInt(p.loose.byteLength);
      const chunkLength = out.writeChunk({
        messageStartTime: start,
        messageEndTime: end,
        uncompressedSize: BigInt(data.byteLength),
        uncompressedCrc: crc32(data),
        compression: this.#compressor?.name ?? '',
        records: compressed,
      });
      const offsets = new Map<number, bigint>();
      let indexLength = 0n;
      for (const idx of indices) {
        offsets.set(idx.channelId, chunkStart + chunkLength + indexLength);
        indexLength += out.writeMessageIndex(idx);
      }
      this.#chunkIndexes.push({
        messageStartTime: start,
        messageEndTime: end,
        chunkStartOffset: chunkStart,
        chunkLength,
        messageIndexOffsets: offsets,
        messageIndexLength: indexLength,
        compression: this.#compressor?.name ?? '',
        compressedSize: BigInt(compressed.byteLength),
        uncompressedSize: BigInt(data.byteLength),
      });
      this.statistics.chunkCount++;
    }
    const bytes = concat(p.loose, out.buffer); // out.buffer is a copy: the builder is reused by the next flush
    this.#dataCrc = crc32(bytes, this.#dataCrc);
    await this.#sink.write(bytes);
  }

  async #writeSummary(): Promise<void> {
    const b = new McapRecordBuilder();
    b.writeDataEnd({ dataSectionCrc: crc32(new Uint8Array(0), this.#dataCrc) });
    const dataEndLength = b.length;
    const summaryStart = this.#sink.position() + BigInt(dataEndLength);
    const groups: { groupOpcode: number; groupStart: bigint; groupLength: bigint }[] = [];
    const group = (opcode: number, write: () => void) => {
      const start = b.length;
      write();
      const length = BigInt(b.length - start);
      if (length > 0n) groups.push({ groupOpcode: opcode, groupStart: summaryStart + BigInt(start - dataEndLength), groupLength: length });
    };
    group(Opcode.SCHEMA, () => this.#schemas.forEach((s) => b.writeSchema(s)));
    group(Opcode.CHANNEL, () => this.#channels.forEach((c) => b.writeChannel(c)));
    group(Opcode.STATISTICS, () => b.writeStatistics(this.statistics));
    group(Opcode.METADATA_INDEX, () => this.#metadataIndexes.forEach((m) => b.writeMetadataIndex(m)));
    group(Opcode.CHUNK_INDEX, () => this.#chunkIndexes.forEach((c) => b.writeChunkIndex(c)));
    const summaryOffsetStart = summaryStart + BigInt(b.length - dataEndLength);
    for (const g of groups) b.writeSummaryOffset(g);
    const footerHead = new DataView(new ArrayBuffer(1 + 8 + 8 + 8));
    footerHead.setUint8(0, Opcode.FOOTER);
    footerHead.setBigUint64(1, 20n, true);
    footerHead.setBigUint64(9, summaryStart, true);
    footerHead.setBigUint64(17, summaryOffsetStart, true);
    const summaryBytes = b.buffer.subarray(dataEndLength);
    const summaryCrc = crc32(new Uint8Array(footerHead.buffer), crc32(summaryBytes));
    b.writeFooter({ summaryStart, summaryOffsetStart, summaryCrc });
    b.writeMagic();
    await this.#sink.write(b.buffer);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
