// What a page says, per the job's rules: ignore rules drop elements first, each field's selector is read and typed,
// and the page's visible text is normalised (whitespace collapsed, ignored lines and matches removed) so that a
// change in markup alone, or in ignored text, is never a change (changedetection.io's false alerts).
import { createHash } from 'node:crypto';
import * as cheerio from 'cheerio';
import type { FieldRule, FieldValue, IgnoreRule, PageValues } from './job';
import { parseNumber, parsePrice } from './values';

/** The most text kept to show a diff with; the hash covers all of it. */
const TEXT_KEPT = 20_000;
const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

export function extractPage(
  html: string,
  url: string,
  fields: FieldRule[],
  ignore: IgnoreRule[],
): PageValues {
  const $ = cheerio.load(html);
  $('script, style, noscript, template').remove();
  for (const rule of ignore) if ('selector' in rule) $(rule.selector).remove();

  const values: Record<string, FieldValue> = {};
  for (const field of fields) values[field.name] = readField($, field, url);

  const text = normalisedText($, ignore);
  return {
    url,
    fields: values,
    textHash: createHash('sha256').update(text).digest('hex'),
    text: text.slice(0, TEXT_KEPT),
  };
}

function readField($: cheerio.CheerioAPI, field: FieldRule, pageUrl: string): FieldValue {
  const matches = $(field.selector);
  const read = (el: Parameters<typeof $>[0]) => {
    const node = $(el);
    if (field.attribute) return collapse(node.attr(field.attribute) ?? '');
    if (field.type === 'url') return collapse(node.attr('href') ?? node.attr('src') ?? '');
    return collapse(node.text());
  };
  if (field.type === 'list') return matches.toArray().map(read).filter(Boolean).slice(0, 200);
  const first = matches.first();
  if (first.length === 0) return null;
  const text = read(first.get(0) as Parameters<typeof $>[0]);
  switch (field.type) {
    case 'number':
      return parseNumber(text);
    case 'price':
      return parsePrice(text);
    case 'url':
      return URL.canParse(text, pageUrl) ? new URL(text, pageUrl).href : null;
    default:
      return text.slice(0, 2000);
  }
}

/** The page's text, one line per block, with the job's text and regex ignore rules applied. */
function normalisedText($: cheerio.CheerioAPI, ignore: IgnoreRule[]): string {
  $('br').replaceWith('\n');
  const blocks =
    'p, div, li, ul, ol, tr, table, h1, h2, h3, h4, h5, h6, section, article, header, footer, td, th, dt, dd';
  $(blocks).before('\n').after('\n');
  let text = $('body').length ? $('body').text() : $.root().text();
  for (const rule of ignore) if ('regex' in rule) text = text.replace(new RegExp(rule.regex, 'g'), '');
  const dropped = ignore.flatMap((rule) => ('text' in rule ? [rule.text] : []));
  return text
    .split('\n')
    .map(collapse)
    .filter((line) => line && !dropped.some((t) => line.includes(t)))
    .join('\n');
}
