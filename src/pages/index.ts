// The hosted pages' public face: their renderer (layout, CSP, no-store), which the hosted sign-in page shares.
export { messagePage, renderPage } from './render';
