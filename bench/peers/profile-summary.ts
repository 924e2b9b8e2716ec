/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and file, and time by file,
 * the top N of each. `node dist/bench/peers/profile-summary.js bench/.data/profiles/rebuild-sqlite/<one thread>.cpuprofile [N]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export function summariseProfile(file: string, top = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url.replace(/^file:\/\//, '').replace(/.*\/(dist|node_modules)\//, '$1/') || '(native)';
    const name = `${frame.functionName || '(anonymous)'} ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const fileKey = where.replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, 'node_modules/$1');
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + micros);
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `| ${(micros / 1e6).toFixed(2)} | ${((micros / total) * 100).toFixed(1)}% | \`${name}\` |`);
  return [
    `Profile ${file}: ${(total / 1e6).toFixed(1)} s sampled.`,
    '',
    '| self s | share | function (file:line) |',
    '| ---: | ---: | --- |',
    ...rows(byFunction),
    '',
    '| self s | share | file |',
    '| ---: | ---: | --- |',
    ...rows(byFile),
    '',
  ].join('\n');
}

if (require.main === module) console.log(summariseProfile(process.argv[2], Number(process.argv[3] ?? 20)));
