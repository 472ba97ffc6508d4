import { defineConfig } from 'vitest/config';

// Files that start several servers, workers or loop processes of their own (PostgreSQL, training
// jobs, one `takeover loop` per seed): on two cores they starve a browser test running beside them,
// so they run alone, after everything else. The WebXR test runs alone too: beside another browser
// test (two Chromiums on two cores) its emulated headset missed commands (2 of 3 runs). The
// attention view's test runs its five loops on the server's own thread: beside another browser
// test on a slow host, most of them stayed under their rate (queued as such) for the whole wait.
const ALONE = ['test/server/jobs/fleet-processes.test.ts', 'test/server/jobs/worker-kill-retry.test.ts', 'test/server/cli/loop-command.test.ts', 'test/e2e/console-xr.test.ts', 'test/e2e/console-attention.test.ts'];

export default defineConfig({
  test: {
    // Two cores: keep the pool small so MuJoCo, tfjs and the browser tests do not starve each other.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
