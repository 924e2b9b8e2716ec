/**
 * Where the dashboard's files are: the `public` folder beside this file's source, found from the
 * repository root so the same path works from the checkout (ts-jest) and from `dist/` after a build.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

export function repositoryRoot(from: string = __dirname): string {
  let folder = from;
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    folder = dirname(folder);
  }
  throw new Error(`invariant: no package.json above ${from}`);
}

export const PUBLIC_FOLDER = join(repositoryRoot(), 'src', 'dashboard', 'public');

/** Vendor files served from node_modules, by the name the pages ask for. */
export const VENDOR_FILES: Record<string, string> = {
  'echarts.min.js': require.resolve('echarts/dist/echarts.min.js'),
};

/** The file for a request path inside the public folder, or undefined (never a path outside it). */
export function publicFile(relativePath: string): string | undefined {
  const wanted = relativePath === '' || relativePath.endsWith('/') ? `${relativePath}index.html` : relativePath;
  const file = resolve(PUBLIC_FOLDER, wanted);
  if (!file.startsWith(PUBLIC_FOLDER + sep)) return undefined;
  return existsSync(file) ? file : undefined;
}
