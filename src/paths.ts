import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('shopshift: cannot find package.json above the running code');
    dir = parent;
  }
  return dir;
}

/** The folder holding package.json, whether running from src/ or the compiled dist/src/. */
export const projectRoot = findProjectRoot();

export const samplePath = (name: string): string => join(projectRoot, 'samples', name);
