// The markdown renderer: CommonMark + GFM, front matter, links to .md pages made .html, and S45: an XSS corpus in
// markdown comes out with no script, no handler attribute and no javascript:/data: URL.
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { applyLayout, DEFAULT_LAYOUT, unknownPlaceholders } from '../../src/publish/layout';
import { renderMarkdown } from '../../src/publish/render';
import { activeContent } from '../support/html';

/** Raw HTML is off, so no element a page's markdown could smuggle in may appear at all. */
const MARKUP = 'script, iframe, object, embed, style, svg, details';

const CORPUS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg/onload=alert(1)>',
  '<a href="javascript:alert(1)">raw link</a>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](java\tscript:alert(1))',
  '[click](&#106;avascript:alert(1))',
  '[click](vbscript:msgbox(1))',
  '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
  '![x](javascript:alert(1))',
  '<iframe src="https://evil.example"></iframe>',
  '<details open ontoggle=alert(1)>',
  '<style>body{background:url(javascript:alert(1))}</style>',
  '[ref]\n\n[ref]: javascript:alert(1)',
  '<https://ok.example/path>',
  'javascript:alert(1)',
];

describe('S45: the markdown renderer', () => {
  it('turns an XSS corpus into text: no script, no handlers, no javascript: or data: URLs', () => {
    for (const attack of CORPUS) {
      const { html } = renderMarkdown(attack);
      expect(activeContent(html, MARKUP), `${attack} -> ${html}`).toEqual([]);
    }
    const all = renderMarkdown(CORPUS.join('\n\n')).html;
    expect(activeContent(all, MARKUP)).toEqual([]);
    expect(all).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('renders GFM: tables, task lists, strikethrough, fenced code with its language class, autolinks', () => {
    const { html } = renderMarkdown(
      '| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~gone~~\n\n```ts\nconst x = 1;\n```\n\nhttps://example.com',
    );
    const $ = cheerio.load(html);
    expect(
      $('table td')
        .map((_, td) => $(td).text())
        .get(),
    ).toEqual(['1', '2']);
    expect($('input[type=checkbox]').length).toBe(2);
    expect($('input[type=checkbox][checked]').length).toBe(1);
    expect($('s').text()).toBe('gone');
    expect($('pre code.language-ts').text()).toBe('const x = 1;\n');
    expect($('a[href="https://example.com"]').length).toBe(1);
  });

  it('reads front matter, and points relative .md links at .html pages', () => {
    const page = renderMarkdown(
      '---\ntitle: Hello\ndate: 2026-11-29\ndraft: true\nslug: posts/hello\nlayout: post\n---\n# Heading\n\nSee [the guide](guide.md#setup), [up](../index.md), [abs](https://x.example/a.md) and ![pic](img/a.png).',
    );
    expect(page.frontMatter).toEqual({
      title: 'Hello',
      date: '2026-11-29',
      draft: true,
      slug: 'posts/hello',
      layout: 'post',
    });
    const $ = cheerio.load(page.html);
    expect(
      $('a')
        .map((_, a) => $(a).attr('href'))
        .get(),
    ).toEqual(['guide.html#setup', '../index.html', 'https://x.example/a.md']);
    expect($('img').attr('src')).toBe('img/a.png');
    expect(renderMarkdown('# From the heading\n\ntext').title).toBe('From the heading');
    expect(() => renderMarkdown('---\n- a list\n---\nbody')).toThrow(/mapping/);
    expect(renderMarkdown('---\nslug: ../../etc\n---\nx').frontMatter.slug).toBeUndefined();
  });

  it('wraps pages in a layout whose placeholders are filled, escaped except the content', () => {
    const html = applyLayout(DEFAULT_LAYOUT, {
      title: '<b>T</b>',
      content: '<p>body</p>',
      date: '2026-11-29',
      site_name: 'Site & Co',
      base_url: 'https://site.example',
      index_url: 'index.html',
    });
    expect(html).toContain('<title>&lt;b&gt;T&lt;/b&gt; · Site &amp; Co</title>');
    expect(html).toContain('<p>body</p>');
    expect(unknownPlaceholders('{{ title }} {{ constructor.constructor }} {{ nope }}')).toEqual([
      'constructor.constructor',
      'nope',
    ]);
  });
});
