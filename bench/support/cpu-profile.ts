import { readFileSync } from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** Where CPU time went: a function with its source file, and its share of the busy samples. */
export interface Cost {
  readonly name: string;
  readonly selfPercent: number;
  readonly selfMs: number;
}

export interface ProfileSummary {
  /** Share of the samples in which the process was busy (not idle). */
  readonly busyPercent: number;
  /** Self time per function, wherever it is (mostly Node's own http, net and tls). */
  readonly topFunctions: Cost[];
  /**
   * Every busy sample charged to the innermost frame of the project's own code on its stack (or
   * to the runtime when there is none): which of our functions cause the cost in Node underneath.
   */
  readonly topProjectFrames: Cost[];
}

/** Frames of the project's sources, as the bundle maps them (not node:, not node_modules, not "(program)"). */
const isProjectSource = (source: string) => /^(proxy|lib|cli|controller)\//.test(source);

/**
 * Summarizes a `node --cpu-prof` profile of a bundled program: self time per function, and per
 * nearest project frame, as percentages of the busy samples. Bundle lines are mapped back to the TypeScript
 * file they came from through the `// <file>.ts` markers esbuild writes before each module, so the
 * summary names `proxy/http/router.ts`, not line 40213 of proxy.js.
 */
export function summarizeProfile(file: string, top = 10): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const sourceOf = bundleSourceMapper();
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const nameOf = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${sourceOf(node.callFrame.url, node.callFrame.lineNumber)}`.trim();
  const byFunction = new Map<string, number>();
  const byProjectFrame = new Map<string, number>();
  const add = (costs: Map<string, number>, name: string, hits: number) => costs.set(name, (costs.get(name) ?? 0) + hits);
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    busy += hits;
    add(byFunction, nameOf(node), hits);
    let frame: ProfileNode | undefined = node;
    while (frame && !isProjectSource(sourceOf(frame.callFrame.url, frame.callFrame.lineNumber))) frame = parent.get(frame.id);
    add(byProjectFrame, frame ? nameOf(frame) : '(runtime: no project frame on the stack)', hits);
  }
  const ranked = (costs: Map<string, number>): Cost[] =>
    [...costs.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, selfPercent: (100 * hits) / Math.max(1, busy), selfMs: hits * msPerSample }));
  return { busyPercent: (100 * busy) / Math.max(1, profile.samples.length), topFunctions: ranked(byFunction), topProjectFrames: ranked(byProjectFrame) };
}

/** Maps (bundle url, 0-based line) to the module's source path; other scripts keep their url. */
function bundleSourceMapper(): (url: string, line: number) => string {
  const markers = new Map<string, { line: number; source: string }[]>();
  return (url, line) => {
    if (!url.startsWith('file://') || !url.endsWith('.js')) return url;
    const file = new URL(url).pathname;
    if (!markers.has(file)) {
      const found: { line: number; source: string }[] = [];
      readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
        const m = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(text);
        if (m) found.push({ line: i, source: m[1]! });
      });
      markers.set(file, found);
    }
    const found = markers.get(file)!;
    let source = path.basename(file);
    for (const m of found) {
      if (m.line > line) break;
      source = m.source;
    }
    return source;
  };
}
