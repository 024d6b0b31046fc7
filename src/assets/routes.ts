// /assets: the stylesheets of the console and hosted pages, and Swagger UI's files, from this origin only.
import { NotFoundError } from '../core/errors';
import { featureRouter } from '../middleware/feature';
import { assetFile } from './files';
import { ASSETS, isAsset } from './manifest';

const assets = featureRouter('/assets');

assets.get('/*', async (c) => {
  const name = c.req.path.slice('/assets/'.length);
  if (!isAsset(name)) throw new NotFoundError();
  c.header('Content-Type', ASSETS[name].type);
  c.header('Cache-Control', 'public, max-age=3600');
  return c.body(new Uint8Array(await assetFile(name)));
});

export default assets;
