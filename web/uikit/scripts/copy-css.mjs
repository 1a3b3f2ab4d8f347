// Build helper. `node scripts/copy-css.mjs clean` empties dist/ (so a deleted source leaves no stale
// output); without an argument it ships the one stylesheet: src/theme.css -> dist/uikit.css.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
if (process.argv[2] === 'clean') {
  rmSync(dist, { recursive: true, force: true });
} else {
  mkdirSync(dist, { recursive: true });
  copyFileSync(join(root, 'src', 'theme.css'), join(dist, 'uikit.css'));
}
