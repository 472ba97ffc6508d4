/** A benchmark: prints its figures (and ratios against a baseline measured in the same run). */
export interface Benchmark {
  name: string;
  summary: string;
  run(args: string[]): Promise<void>;
}

const registry: Array<() => Promise<Benchmark>> = [
  () => import('./sim-bench.ts').then((m) => m.simBench),
  () => import('./recordings-bench.ts').then((m) => m.recordingsBench),
  () => import('./policy-bench.ts').then((m) => m.policyBench),
  () => import('./latency-bench.ts').then((m) => m.latencyBench),
  () => import('./ros-bench.ts').then((m) => m.rosBench),
  () => import('./overload-bench.ts').then((m) => m.overloadBench),
  () => import('./catalog-bench.ts').then((m) => m.catalogBench),
  () => import('./camera-bench.ts').then((m) => m.cameraBench),
  () => import('./help-score-bench.ts').then((m) => m.helpScoreBench),
];

/** Runs the named benchmarks, or all of them; returns the exit code. */
export async function runBenchmarks(argv: string[]): Promise<number> {
  const all = await Promise.all(registry.map((load) => load()));
  const names = argv.filter((a) => !a.startsWith('-'));
  const chosen = names.length ? all.filter((b) => names.includes(b.name)) : all;
  const unknown = names.filter((n) => !all.some((b) => b.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  for (const b of chosen) {
    // --json: stdout carries only the benchmark's JSON object
    (argv.includes('--json') ? process.stderr : process.stdout).write(`\n== ${b.name}: ${b.summary}\n`);
    await b.run(argv);
  }
  return 0;
}
