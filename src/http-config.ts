// The HTTP function's own settings: how big a body may be, and where this API is reachable (hosted pages link there).
import { configSlice, number, url } from './core/config';

export const httpConfig = configSlice(
  {
    // 96 KiB: a secret message's 64 KiB envelope and its JSON fit; larger bodies are refused before any work.
    MAX_BODY_BYTES: number(1, 6 * 1024 * 1024).or(96 * 1024),
    /** Where this deployment is reachable; hosted pages (reset, verify) link here when a site has no URL of its own. */
    PUBLIC_BASE_URL: url(),
  },
  (e) => ({ maxBodyBytes: e.MAX_BODY_BYTES, publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, '') }),
);
