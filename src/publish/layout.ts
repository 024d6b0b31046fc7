// A site's page layout. Sites write their own, so it is not a template language that can run code (nunjucks can
// reach the Function constructor): a layout is HTML with {{ placeholders }} filled in, every value escaped except
// `content`, which is the renderer's sanitised HTML.
import { escapeHtml } from '../core/html';

export const PLACEHOLDERS = ['title', 'content', 'date', 'site_name', 'base_url', 'index_url'] as const;
export type LayoutValues = Record<(typeof PLACEHOLDERS)[number], string>;

export const DEFAULT_LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · {{ site_name }}</title>
<style>
body{margin:0;font:17px/1.65 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#fbfbfa}
header,main,footer{max-width:44rem;margin:0 auto;padding:0 1.25rem}
header{padding-top:1.5rem}header a{color:#52606d;text-decoration:none;font-weight:600}
main{padding-bottom:3rem}h1{font-size:2.1rem;line-height:1.2;margin:1.5rem 0 .25rem}
time{color:#7b8794;font-size:.9rem}a{color:#1d4ed8}img{max-width:100%}
pre{background:#f1f3f5;padding:1rem;overflow:auto;border-radius:6px}code{font-size:.92em}
table{border-collapse:collapse}th,td{border:1px solid #d9e2ec;padding:.35rem .6rem}
blockquote{margin:0;padding-left:1rem;border-left:4px solid #d9e2ec;color:#52606d}
footer{color:#9aa5b1;font-size:.85rem;padding-bottom:2rem}
</style>
</head>
<body>
<header><a href="{{ index_url }}">{{ site_name }}</a></header>
<main>
<article>
{{ content }}
</article>
</main>
<footer>{{ date }}</footer>
</body>
</html>
`;

/** Placeholders the layout uses that do not exist: the console refuses such a layout with their names. */
export function unknownPlaceholders(layout: string): string[] {
  const used = [...layout.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1] as string);
  return [...new Set(used.filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name)))];
}

export function applyLayout(layout: string, values: LayoutValues): string {
  return layout.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
    if (!Object.hasOwn(values, name)) return whole;
    const value = values[name as keyof LayoutValues];
    return name === 'content' ? value : escapeHtml(value);
  });
}
