import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `node dist/bench/profile-top.js <file.cpuprofile> [count] [--by=package]`: the functions (or
 * packages) with the most self time in a V8 CPU profile (`node --cpu-prof`), as a share of
 * the busy (non-idle) time. How the bench's profiles are read: see DESIGN.md, "Speed".
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/<pkg>` (scoped too), `node:<builtin>`, or the project file. */
function packageOf(url: string): string {
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1]!;
  if (url.startsWith('node:') || url === '') return url || '(native)';
  return path.relative(process.cwd(), url.replace(/^file:\/\//, ''));
}

function main(): void {
  const [file, countArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: profile-top <file.cpuprofile> [count] [--by=package]');
  const byPackage = process.argv.includes('--by=package');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const dt = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') {
      idle += dt;
      return;
    }
    busy += dt;
    const name = byPackage
      ? packageOf(url) || functionName
      : `${functionName || '(anonymous)'} ${url ? `${packageOf(url)}:${lineNumber + 1}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + dt);
  });
  console.log(`busy ${(busy / 1000).toFixed(0)} ms, idle/program ${(idle / 1000).toFixed(0)} ms`);
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 30));
  for (const [name, us] of top) {
    console.log(`${((us / busy) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  }
}

main();
