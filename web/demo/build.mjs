// Bundles the demo for cohostd to serve at / (http.ui_dir, default <repo>/web/demo/dist):
// src/main.tsx -> dist/app.js (+ the CSS it imports -> dist/app.css), index.html copied, production
// mode, source maps, target es2020. @cohost/sdk and @cohost/uikit resolve through the npm workspace
// (their built dist/), so `npm run build` in web/ builds sdk, uikit, then this.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const result = await build({
  entryPoints: { app: join(here, 'src/main.tsx') },
  outdir: dist,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});
copyFileSync(join(here, 'index.html'), join(dist, 'index.html'));
const sizes = Object.entries(result.metafile.outputs)
  .filter(([file]) => !file.endsWith('.map'))
  .map(([file, o]) => `${file.slice(file.lastIndexOf('/') + 1)} ${(o.bytes / 1024).toFixed(0)} KiB`);
console.log(`demo: built ${sizes.join(', ')} + index.html -> ${dist}`);
