import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { calibrateHelp } from '../../../policies/help-model.ts';
import { extractFeatures } from '../../../policies/observation-features.ts';
import { PolicyRegistry } from '../../../policies/policy-registry.ts';
import { sampleObservation, smallPolicy } from '../../policies/policy-test-fixtures.ts';
import { runCli } from '../support/run-cli.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-fleet-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('takeover fleet', () => {
  it('refuses bad flags and a version without a help model, naming the problem', async () => {
    const { manifest, weights } = smallPolicy(1);
    await new PolicyRegistry({ dataDir }).create(manifest, weights, 'no-help');
    expect(await runCli(['fleet', '--data-dir', dataDir])).toMatchObject({ code: 2, err: expect.stringMatching(/--version is required/) });
    expect(await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help', '--operators', '2'])).toMatchObject({ code: 2, err: expect.stringMatching(/only one simulated operator/) });
    expect(await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help', '--allocation', 'random'])).toMatchObject({ code: 2, err: expect.stringMatching(/--allocation takes failure, help, queue, got 'random'/) });
    expect(await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help', '--help-rearm', 'soon'])).toMatchObject({ code: 2, err: expect.stringMatching(/--help-rearm takes seconds from 0 to 3600, got 'soon'/) });
    expect(await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help', '--watch', 'never'])).toMatchObject({ code: 2, err: expect.stringMatching(/--watch takes always or free, got 'never'/) });
    expect(await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help', '--priority', 'urgent'])).toMatchObject({ code: 2, err: expect.stringMatching(/--priority takes raised or live, got 'urgent'/) });
    expect(await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help', '--watch-risk', '1.5'])).toMatchObject({ code: 2, err: expect.stringMatching(/--watch-risk takes a failure risk from 0 to 1, got '1.5'/) });
    expect(await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help', '--min-time-left', 'soon'])).toMatchObject({ code: 2, err: expect.stringMatching(/--min-time-left takes seconds from 0 to 3600, got 'soon'/) });
    expect((await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help', '--allocation', 'failure', '--watch-risk', '0.5'])).err).toMatch(/policy 'no-help' has no failure-risk model to filter visible failures by/);
    const r = await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/policy 'no-help' has no help model/);
    const q = await runCli(['fleet', '--data-dir', dataDir, '--version', 'no-help', '--allocation', 'failure,queue']);
    expect(q.err).toMatch(/policy 'no-help' has no help model/);
  });

  it('runs both allocations on paired seeds and reports the figures as JSON', async () => {
    const { manifest, weights } = smallPolicy(2);
    const d = manifest.observation.dim;
    const rows = new Float32Array(4 * d);
    for (let k = 0; k < 4; k++) extractFeatures(manifest.observation, sampleObservation(k), rows, k * d);
    const help = calibrateHelp(rows, rows, manifest.normalization);
    await new PolicyRegistry({ dataDir }).create({ ...manifest, help: help.model }, weights, 'asks', help.states);
    const r = await runCli(['fleet', '--data-dir', dataDir, '--version', 'asks', '--robots', '2', '--minutes', '0.1', '--runs', '2', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.runs.map((x: { allocation: string; run: number }) => `${x.allocation}${x.run}`)).toEqual(['failure0', 'help0', 'failure1', 'help1']);
    for (const x of report.runs) expect(x).toMatchObject({ operatorMinutes: expect.any(Number), idleMinutes: expect.any(Number), episodes: expect.any(Number) });
    // an untrained network far from its four stored states asks for help at once
    expect(report.runs[1].helpRequests).toBeGreaterThan(0);
    expect(report.comparisons).toHaveLength(1);
    expect(report.comparisons[0]).toMatchObject({ allocation: 'help', successRateDiff: { n: 2 } });
  }, 120_000);
});
