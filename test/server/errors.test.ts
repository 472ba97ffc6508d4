import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withoutServerPaths } from '../../server/errors.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('withoutServerPaths', () => {
  const dataDir = join(tmpdir(), 'takeover-data-x');

  it('names files in the data dir relative to it, and the data dir itself as <data>', () => {
    expect(withoutServerPaths(`ENOENT: no such file or directory, open '${dataDir}/episodes/e1.mcap'`, dataDir)).toBe("ENOENT: no such file or directory, open '<data>/episodes/e1.mcap'");
    expect(withoutServerPaths(`cannot write ${dataDir}`, dataDir + '/')).toBe('cannot write <data>');
  });

  it('names repository files relative to the repository', () => {
    expect(withoutServerPaths(`looked in ${dataDir}/policies and ${REPO_ROOT}policies/models/`, dataDir)).toBe('looked in <data>/policies and policies/models/');
  });

  it('keeps only the file name of any other absolute path, and leaves URLs and relative paths alone', () => {
    expect(withoutServerPaths("EACCES: permission denied, open '/etc/takeover/tokens.json'")).toBe("EACCES: permission denied, open '…/tokens.json'");
    expect(withoutServerPaths('see http://host:8080/api/status and episodes/a.mcap, ratio 1/2')).toBe('see http://host:8080/api/status and episodes/a.mcap, ratio 1/2');
  });
});
