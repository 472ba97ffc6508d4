/** One XML element: name, attributes, child elements and its own text (concatenated, trimmed). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** A document that is not well-formed XML; the message names the line. */
export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function encode(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const NAME = /[A-Za-z_:][\w:.-]*/y;
const ATTR = /\s*([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/y;

/**
 * Parses a small XML document (URDF, MJCF) into an element tree. Comments, processing
 * instructions and the doctype are skipped; CDATA becomes text. Enough for robot descriptions,
 * not a validating parser.
 */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const line = (at: number) => src.slice(0, at).split('\n').length;
  const fail = (msg: string, at = i): never => {
    throw new XmlSyntaxError(`XML line ${line(at)}: ${msg}`);
  };
  const skipTo = (end: string, what: string) => {
    const j = src.indexOf(end, i);
    if (j < 0) fail(`unterminated ${what}`);
    const body = src.slice(i, j);
    i = j + end.length;
    return body;
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    if (stack.length) stack[stack.length - 1].text += decode(text);
    else if (text.trim()) fail('text outside the root element');
    if (lt < 0) break;
    i = lt;
    if (src.startsWith('<!--', i)) { i += 4; skipTo('-->', 'comment'); continue; }
    if (src.startsWith('<?', i)) { i += 2; skipTo('?>', 'processing instruction'); continue; }
    if (src.startsWith('<![CDATA[', i)) {
      i += 9;
      const body = skipTo(']]>', 'CDATA section');
      if (!stack.length) fail('CDATA outside the root element');
      stack[stack.length - 1].text += body;
      continue;
    }
    if (src.startsWith('<!', i)) { i += 2; skipTo('>', 'declaration'); continue; }
    if (src.startsWith('</', i)) {
      i += 2;
      NAME.lastIndex = i;
      const m = NAME.exec(src) ?? fail('bad closing tag');
      i = NAME.lastIndex;
      const open = stack.pop() ?? fail(`unexpected </${m[0]}>`);
      if (open.name !== m[0]) fail(`</${m[0]}> closes <${open.name}>`);
      open.text = open.text.trim();
      const gt = src.indexOf('>', i);
      if (gt < 0 || src.slice(i, gt).trim()) fail(`bad closing tag </${m[0]}>`);
      i = gt + 1;
      continue;
    }
    i++;
    NAME.lastIndex = i;
    const m = NAME.exec(src) ?? fail('bad tag name');
    i = NAME.lastIndex;
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    for (;;) {
      ATTR.lastIndex = i;
      const a = ATTR.exec(src);
      if (!a) break;
      el.attrs[a[1]] = decode(a[3] ?? a[4]);
      i = ATTR.lastIndex;
    }
    while (/\s/.test(src[i] ?? '')) i++;
    const selfClosing = src.startsWith('/>', i);
    if (!selfClosing && src[i] !== '>') fail(`bad attribute in <${el.name}>`);
    i += selfClosing ? 2 : 1;
    if (stack.length) stack[stack.length - 1].children.push(el);
    else if (root) fail('more than one root element');
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length) fail(`<${stack[stack.length - 1].name}> is never closed`);
  return root ?? fail('no root element');
}

/** Writes an element tree back as XML (an element's text goes before its children). */
export function serializeXml(el: XmlElement, indent = ''): string {
  const attrs = Object.entries(el.attrs).map(([k, v]) => ` ${k}="${encode(v)}"`).join('');
  const text = encode(el.text.trim());
  if (!el.children.length) return text ? `${indent}<${el.name}${attrs}>${text}</${el.name}>` : `${indent}<${el.name}${attrs}/>`;
  const inner = el.children.map((c) => serializeXml(c, indent + '  ')).join('\n');
  return `${indent}<${el.name}${attrs}>${text}\n${inner}\n${indent}</${el.name}>`;
}

/** Child elements with a given name. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** First element (depth first, `el` included) that matches. */
export function findElement(el: XmlElement, match: (e: XmlElement) => boolean): XmlElement | null {
  if (match(el)) return el;
  for (const c of el.children) {
    const f = findElement(c, match);
    if (f) return f;
  }
  return null;
}
