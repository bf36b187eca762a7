import { describe, expect, it } from 'vitest';
import { CommitLog } from '../../../gateway/outbox/commit-log.ts';

describe('commit log (live/backlog boundary)', () => {
  it('finds the first row stored at or after a time', () => {
    const log = new CommitLog(100);
    log.record(1000, 100);
    log.record(2000, 110);
    log.record(3000, 120);
    expect(log.firstIdSince(0, 130)).toBe(100);
    expect(log.firstIdSince(1500, 130)).toBe(110);
    expect(log.firstIdSince(2000, 130)).toBe(110);
    expect(log.firstIdSince(3001, 130)).toBe(130);
  });

  it('treats rows older than what it kept as backlog', () => {
    const log = new CommitLog(1, 4);
    for (let i = 0; i < 6; i++) log.record(1000 * (i + 1), 10 * (i + 1));
    // entries for 1000 and 2000 were dropped; anything asked about then starts at the oldest kept
    expect(log.firstIdSince(0, 100)).toBe(30);
    expect(log.firstIdSince(5500, 100)).toBe(60);
  });
});
