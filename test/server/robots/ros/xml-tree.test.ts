import { describe, expect, it } from 'vitest';
import { findElement, parseXml, serializeXml, XmlSyntaxError } from '../../../../server/robots/ros/xml-tree.ts';

describe('parseXml', () => {
  it('reads elements, attributes, text and skips comments, PIs and doctype', () => {
    const t = parseXml(`<?xml version="1.0"?>\n<!DOCTYPE robot>\n<!-- a <fake> tag -->\n<robot name="r&amp;d">\n  <link name='a'/>\n  <x><![CDATA[<raw>]]> &lt;t&gt;</x>\n</robot>`);
    expect(t.name).toBe('robot');
    expect(t.attrs.name).toBe('r&d');
    expect(t.children.map((c) => c.name)).toEqual(['link', 'x']);
    expect(t.children[0].attrs.name).toBe('a');
    expect(t.children[1].text).toBe('<raw> <t>');
  });

  it('round-trips through serializeXml', () => {
    const src = '<a k="1 2"><b q="&quot;x&quot;"/><c>text &amp; more</c></a>';
    const t = parseXml(src);
    expect(parseXml(serializeXml(t))).toEqual(t);
    expect(findElement(t, (e) => e.name === 'b')?.attrs.q).toBe('"x"');
  });

  it.each([
    ['<a><b></a>', /<\/a> closes <b>/],
    ['<a>', /never closed/],
    ['<a/><b/>', /more than one root/],
    ['', /no root element/],
    ['<a x=1/>', /bad attribute/],
    ['<a><!-- open </a>', /unterminated comment/],
    ['text<a/>', /text outside/],
  ])('rejects %j with a message naming the problem', (src, msg) => {
    expect(() => parseXml(src)).toThrow(XmlSyntaxError);
    expect(() => parseXml(src)).toThrow(msg);
  });
});
