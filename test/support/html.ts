// S45's check on rendered HTML: what got through as live markup rather than text. Elements that run or embed
// things (the `elements` selector, per renderer), any on* handler, and javascript:, vbscript: or data: links.
import * as cheerio from 'cheerio';

export function activeContent(html: string, elements = 'script, iframe, img, object, embed'): string[] {
  const $ = cheerio.load(html);
  const found: string[] = [];
  $(elements).each((_, el) => {
    found.push(`<${(el as { tagName?: string }).tagName}>`);
  });
  $('*').each((_, node) => {
    const el = node as { tagName?: string; attribs?: Record<string, string> };
    for (const [name, value] of Object.entries(el.attribs ?? {})) {
      if (/^on/i.test(name)) found.push(`${el.tagName}[${name}]`);
      const url = value.replace(/[\s\p{Cc}]/gu, '');
      if (/^(href|src|xlink:href)$/i.test(name) && /^(javascript|vbscript|data):/i.test(url)) {
        found.push(`${name}=${value}`);
      }
    }
  });
  return found;
}
