// The publishing feature's public face, for the console.
export { DEFAULT_LAYOUT, unknownPlaceholders } from './layout';
export { previewPage, recordsOf, republish, uploadUrl } from './service';
export { type PublishSettings, publishSettings } from './settings';
export { hasToken, saveToken } from './token';
export { MAX_UPLOAD_BYTES, sitePath } from './uploads';
