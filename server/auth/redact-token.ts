const decode = (s: string): string | null => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
};

/**
 * The URL with the value of every `token` query parameter replaced by `***`. Names are compared
 * after percent-decoding (the query parser decodes `%74oken` to `token` too), case-insensitively;
 * a name that does not decode has its value hidden as well.
 */
export function redactToken(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const parts = url.slice(q + 1, end).split('&').map((part) => {
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const name = decode(rawName);
    if (eq < 0 || (name !== null && name.trim().toLowerCase() !== 'token')) return part;
    return `${rawName}=***`;
  });
  return url.slice(0, q + 1) + parts.join('&') + url.slice(end);
}
