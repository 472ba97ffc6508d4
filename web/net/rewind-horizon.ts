/**
 * Polls the seconds of the current episode a rewind can still reach (`rewind.horizonS` of
 * GET /api/robots/:id) every `everyMs`; failures leave the last value. Returns a stop function.
 */
export function pollRewindHorizon(token: string, robotId: string, onHorizon: (seconds: number) => void, everyMs = 1000): () => void {
  let stopped = false;
  const once = async () => {
    try {
      const res = await fetch(`/api/robots/${encodeURIComponent(robotId)}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) return;
      const body = (await res.json()) as { rewind?: { horizonS?: unknown } };
      if (!stopped && typeof body.rewind?.horizonS === 'number') onHorizon(body.rewind.horizonS);
    } catch {
      // the socket shows connection trouble; the shading keeps its last value
    }
  };
  void once();
  const timer = setInterval(() => void once(), everyMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
