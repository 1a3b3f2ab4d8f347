/**
 * Type-checks the UIKit, its tests and test/sdk-compat.ts (SDK models fit the component props)
 * with the strict tsconfig. Needs the SDK's declarations (web/sdk/dist, made by scripts/build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

test('tsc --noEmit passes (strict, including SDK compatibility)', () => {
  const sdkTypes = join(root, '..', 'sdk', 'dist', 'index.d.ts');
  assert.ok(existsSync(sdkTypes), `missing ${sdkTypes}: build the web workspace first (scripts/build or npm run build in web/)`);
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    assert.fail(`tsc reported errors:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
});
