import type { McapIndexedReader } from '@mcap/core';
import { FileReadable } from './file-readable.ts';
import { openIndexed, readMetaRecords } from './episode-reader.ts';
import { cameraOfTopic, cameraTopic, decodeImageMessage, msToNs, type JournalImage } from './image-journal.ts';

/** A camera recorded in a journal. */
export interface JournalCamera {
  name: string;
  /** frames recorded */
  frames: number;
}

/** The cameras of a finished journal and how many frames each has (from the summary, nothing decoded). */
export function journalCameras(reader: McapIndexedReader): JournalCamera[] {
  const counts = reader.statistics?.channelMessageCounts;
  const out: JournalCamera[] = [];
  for (const c of reader.channelsById.values()) {
    const name = cameraOfTopic(c.topic);
    if (name !== null) out.push({ name, frames: Number(counts?.get(c.id) ?? 0n) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The frame of `camera` that was newest at episode time `t` (s since the reset, the steps' `t`):
 * the last one received at or before it, else the first after it; null if the camera has none.
 * Reads through the chunk indexes, so one look-up decodes about one chunk.
 */
export async function imageAt(reader: McapIndexedReader, startedAtMs: number, camera: string, t: number): Promise<(JournalImage & { t: number }) | null> {
  const target = msToNs(startedAtMs) + BigInt(Math.round(Math.max(0, t) * 1e9));
  const topics = [cameraTopic(camera)];
  const found = (await first(reader.readMessages({ topics, endTime: target, reverse: true }))) ?? (await first(reader.readMessages({ topics, startTime: target })));
  if (!found) return null;
  const img = decodeImageMessage(camera, found.publishTime, found.data);
  return { ...img, t: (img.receivedAt - startedAtMs) / 1000 };
}

async function first<T>(it: AsyncGenerator<T>): Promise<T | null> {
  for await (const x of it) {
    await it.return(undefined);
    return x;
  }
  return null;
}

/** Opens a finished journal for image look-ups: its start time, cameras, and `imageAt` bound to it. */
export async function openEpisodeImages(path: string): Promise<{ startedAt: number; cameras: JournalCamera[]; imageAt(camera: string, t: number): ReturnType<typeof imageAt>; close(): Promise<void> }> {
  const readable = await FileReadable.open(path);
  try {
    const reader = await openIndexed(readable);
    const { meta } = await readMetaRecords(reader, path);
    return {
      startedAt: meta.startedAt,
      cameras: journalCameras(reader),
      imageAt: (camera, t) => imageAt(reader, meta.startedAt, camera, t),
      close: () => readable.close(),
    };
  } catch (err) {
    await readable.close();
    throw err;
  }
}
