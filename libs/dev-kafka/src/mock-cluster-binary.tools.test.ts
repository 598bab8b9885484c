import { accessSync, constants } from 'node:fs';
import { stat, utimes } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { devKafkaErrors } from './errors.js';
import { ensureMockClusterBinary, mockClusterBinaryPath } from './mock-cluster-binary.js';

describe('ensureMockClusterBinary', () => {
  it('returns one executable for concurrent callers', async () => {
    const paths = await Promise.all([ensureMockClusterBinary(), ensureMockClusterBinary(), ensureMockClusterBinary()]);
    expect(new Set(paths)).toEqual(new Set([mockClusterBinaryPath]));
    expect(() => accessSync(mockClusterBinaryPath, constants.X_OK)).not.toThrow();
  }, 60_000);

  it('rebuilds a binary older than its source and leaves a fresh one alone', async () => {
    await ensureMockClusterBinary();
    // Backdating the (gitignored) binary makes it stale without touching the tracked source.
    const longAgo = new Date('2000-01-01T00:00:00Z');
    await utimes(mockClusterBinaryPath, longAgo, longAgo);
    await ensureMockClusterBinary();
    const rebuilt = await stat(mockClusterBinaryPath);
    expect(rebuilt.mtimeMs).toBeGreaterThan(longAgo.getTime());

    await ensureMockClusterBinary();
    expect((await stat(mockClusterBinaryPath)).ino).toBe(rebuilt.ino);
  }, 60_000);

  it('rejects with TW_DEVKAFKA_TOOLCHAIN_MISSING when gcc cannot be found', async () => {
    await ensureMockClusterBinary();
    const fresh = await stat(mockClusterBinaryPath);
    const path = process.env['PATH'];
    const longAgo = new Date('2000-01-01T00:00:00Z');
    try {
      process.env['PATH'] = '/nonexistent';
      await utimes(mockClusterBinaryPath, longAgo, longAgo);
      const err: unknown = await ensureMockClusterBinary().catch((e: unknown) => e);
      expect(devKafkaErrors.is(err, 'TW_DEVKAFKA_TOOLCHAIN_MISSING')).toBe(true);
      expect(err).toMatchObject({ message: expect.stringContaining('apt-get install librdkafka-dev gcc') });
    } finally {
      process.env['PATH'] = path;
      await utimes(mockClusterBinaryPath, fresh.atime, fresh.mtime);
    }
  }, 60_000);
});
