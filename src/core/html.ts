// Text into HTML where no template engine is at hand (server-side SVG, publishing layouts, local pages): the five
// characters that can end a text node or an attribute value.
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] as string);
