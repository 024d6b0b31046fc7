// Upload keys: `{client_id}/{site_id}/{path}`. A key outside a site's prefix, or with `..`, empty or odd segments,
// is never published (S28).
export const MARKDOWN = /\.(md|markdown)$/i;
export const ASSET_TYPES: Record<string, string> = {
  md: 'text/markdown',
  markdown: 'text/markdown',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  // No SVG: it can carry script, and the pages' origin would run it (S45).
  css: 'text/css',
  pdf: 'application/pdf',
  txt: 'text/plain',
};
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** A path within a site, if it is one we publish: relative, no `..`, sensible characters, a known extension. */
export function sitePath(path: string): string | undefined {
  const clean = path.normalize('NFC');
  if (clean.length === 0 || clean.length > 300 || clean.startsWith('/') || clean.includes('\\'))
    return undefined;
  const segments = clean.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || /[\p{Cc}<>:"|?*]/u.test(s)))
    return undefined;
  const ext = /\.([a-z0-9]+)$/i.exec(clean)?.[1]?.toLowerCase();
  return ext && Object.hasOwn(ASSET_TYPES, ext) ? clean : undefined;
}

export function uploadKey(tenantId: string, path: string): string {
  const [clientId, siteId] = tenantId.split('#') as [string, string];
  return `${clientId}/${siteId}/${path}`;
}

/** The site and path an object key belongs to, or undefined for a key we must not publish. */
export function parseUploadKey(key: string): { tenantId: string; path: string } | undefined {
  const [clientId, siteId, ...rest] = key.split('/');
  if (!clientId || !siteId || rest.length === 0) return undefined;
  const path = sitePath(rest.join('/'));
  return path ? { tenantId: `${clientId}#${siteId}`, path } : undefined;
}

/** Where a page or asset goes in the repository. */
export function repoPath(folder: string, path: string, slug?: string): string {
  const target = MARKDOWN.test(path) ? `${slug ?? path.replace(MARKDOWN, '')}.html` : path;
  return folder ? `${folder}/${target}` : target;
}
