import type { Step } from '../../core/step.ts';

/** A catalog row as GET /api/episodes returns it (recordings/catalog.ts EpisodeRowSchema). */
export interface EpisodeRowView {
  id: string;
  robotId: string;
  task: string;
  seed: number;
  policyVersion: string | null;
  kind: 'policy' | 'demo';
  operators: string[];
  startedAt: number;
  endedAt: number | null;
  outcome: string | null;
  steps: number;
  interventionCount: number;
  interventionSteps: number;
  status: string;
  bytes: number;
}

/** A run of steps by one source, as GET /api/episodes/:id returns them (recording order). */
export interface ApiSegment {
  kind: 'policy' | 'operator' | 'demo' | 'rewound' | 'recovery' | 'idle';
  fromStep: number;
  toStep: number;
  steps: number;
}

export interface EpisodeDetailView {
  episode: EpisodeRowView;
  segments: ApiSegment[] | null;
  segmentsUnavailable: string | null;
}

export interface EpisodeFilters {
  robotId?: string;
  task?: string;
  outcome?: string;
  kind?: string;
  hasInterventions?: boolean;
  limit?: number;
  offset?: number;
}

/** The episodes REST API (server/api/episodes.ts) with the console's token. */
export class EpisodesApi {
  constructor(readonly token: string, readonly base = '') {}

  /** Lists episodes, newest first as the catalog orders them. */
  async list(f: EpisodeFilters = {}): Promise<{ items: EpisodeRowView[]; total: number }> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') q.set(k, String(v));
    return this.#get(`/api/episodes?${q}`);
  }

  detail(id: string): Promise<EpisodeDetailView> {
    return this.#get(`/api/episodes/${encodeURIComponent(id)}`);
  }

  /** Every step of a finished episode, fetched page by page. */
  async steps(id: string, onProgress?: (n: number, total: number) => void): Promise<Step[]> {
    const out: Step[] = [];
    for (let offset = 0; ; ) {
      const page = await this.#get<{ total: number; steps: Step[] }>(`/api/episodes/${encodeURIComponent(id)}/steps?offset=${offset}&limit=5000`);
      out.push(...page.steps);
      offset += page.steps.length;
      onProgress?.(out.length, page.total);
      if (page.steps.length === 0 || offset >= page.total) return out;
    }
  }

  /** The cameras recorded in an episode (GET /api/episodes/:id/cameras). */
  async cameras(id: string): Promise<Array<{ name: string; frames: number }>> {
    return (await this.#get<{ cameras: Array<{ name: string; frames: number }> }>(`/api/episodes/${encodeURIComponent(id)}/cameras`)).cameras;
  }

  /** The frame of a camera newest at episode time `t`, s (GET /api/episodes/:id/images). */
  imageAt(id: string, camera: string, t: number): Promise<{ camera: string; format: string; t: number; data: string }> {
    return this.#get(`/api/episodes/${encodeURIComponent(id)}/images?camera=${encodeURIComponent(camera)}&t=${Math.max(0, t)}`);
  }

  /** URL of the MCAP file (the token rides in the query: a download link cannot set headers). */
  fileUrl(id: string): string {
    return `${this.base}/api/episodes/${encodeURIComponent(id)}/file?token=${encodeURIComponent(this.token)}`;
  }

  async #get<T>(path: string): Promise<T> {
    const res = await fetch(this.base + path, { headers: { authorization: `Bearer ${this.token}` } });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
      throw new Error(`${path.split('?')[0]}: ${res.status} ${body?.code ?? ''} ${body?.message ?? res.statusText}`.trim());
    }
    return (await res.json()) as T;
  }
}
