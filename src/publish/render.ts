// Markdown to a page: front matter (title, date, draft, slug, layout), CommonMark with GFM tables, strikethrough,
// task lists and fenced code (language classes), then the layout. Raw HTML is off, so whatever an author (or a
// compromised account) writes as HTML comes out as text; links and images may only be http(s), mailto, relative
// or #fragments: no javascript:, vbscript: or data: (S45). Relative links to .md files become .html.
import MarkdownIt from 'markdown-it';
import taskLists from 'markdown-it-task-lists';
import { parse as parseYaml } from 'yaml';

export type FrontMatter = { title?: string; date?: string; draft: boolean; slug?: string; layout?: string };
export type RenderedPage = { frontMatter: FrontMatter; html: string; title: string };

const SAFE_URL = /^(https?:|mailto:|#|\/|\.{0,2}\/|[^:/?#]*([/?#]|$))/i;

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
md.use(taskLists, { enabled: false });
md.validateLink = (url: string) => {
  const trimmed = url.trim();
  // A scheme other than http(s) or mailto (javascript:, data:, vbscript:, file:) is refused, however spelt.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed.replace(/[\p{Cc}\s]/gu, ''))?.[1]?.toLowerCase();
  if (scheme && !['http', 'https', 'mailto'].includes(scheme)) return false;
  return SAFE_URL.test(trimmed) || scheme !== undefined;
};

/** Relative links to markdown files point at the published .html. */
const defaultLinkOpen =
  md.renderer.rules.link_open ??
  ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  const href = String(token?.attrGet('href') ?? '');
  if (token && href && !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('//')) {
    token.attrSet('href', href.replace(/\.md(?=($|[?#]))/i, '.html'));
  }
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Splits `---\nyaml\n---\n` from the body; bad YAML is an error the record shows, not a crash. */
export function splitFrontMatter(source: string): { data: Record<string, unknown>; body: string } {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(source);
  if (!match) return { data: {}, body: source };
  const data = parseYaml(match[1] as string, { schema: 'core', maxAliasCount: 10 });
  if (data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    throw new Error('front matter must be a YAML mapping');
  }
  return { data: (data ?? {}) as Record<string, unknown>, body: source.slice(match[0].length) };
}

const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

export function readFrontMatter(data: Record<string, unknown>): FrontMatter {
  const date = data.date instanceof Date ? data.date.toISOString().slice(0, 10) : text(data.date);
  const slug = text(data.slug);
  return {
    title: text(data.title)?.slice(0, 200),
    date: date?.slice(0, 40),
    draft: data.draft === true,
    slug: slug && /^[a-z0-9][a-z0-9-/]{0,120}$/i.test(slug) && !slug.includes('..') ? slug : undefined,
    layout: text(data.layout)?.slice(0, 40),
  };
}

export function renderMarkdown(source: string): RenderedPage {
  const { data, body } = splitFrontMatter(source);
  const frontMatter = readFrontMatter(data);
  const tokens = md.parse(body, {});
  const h1 = tokens.findIndex((t) => t.type === 'heading_open' && t.tag === 'h1');
  const heading = h1 >= 0 ? tokens[h1 + 1]?.children?.map((c) => c.content).join('') : undefined;
  const html = md.renderer.render(tokens, md.options, {});
  return { frontMatter, html, title: frontMatter.title ?? heading?.trim() ?? 'Untitled' };
}
