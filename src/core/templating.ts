// One nunjucks environment per set of embedded templates; shared by emails, hosted pages and the admin console.
import nunjucks from 'nunjucks';

/** Loads templates from a generated module (see npm run templates), so bundles need no files on disk. */
export function embeddedEnvironment(templates: Record<string, string>, { autoescape = true } = {}) {
  class EmbeddedLoader extends nunjucks.Loader {
    getSource(name: string) {
      const src = templates[name];
      if (src === undefined) throw new TemplateNotFoundError(name);
      return { src, path: name, noCache: false };
    }
  }
  return new nunjucks.Environment(new EmbeddedLoader(), { autoescape, throwOnUndefined: false });
}

export class TemplateNotFoundError extends Error {
  constructor(name: string) {
    super(`template ${name} does not exist`);
    this.name = 'TemplateNotFoundError';
  }
}
