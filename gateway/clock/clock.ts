/**
 * The two clocks the gateway reads. `wallMs` is the system's idea of UTC: it jumps when NTP (or a
 * person) sets it, and on a box without a battery-backed RTC it starts wrong after every power
 * cut. `monoMs` is the kernel's CLOCK_MONOTONIC in milliseconds: it never jumps, is shared by every
 * process of one boot (so it survives a restart of the gateway, not a reboot), and is the clock
 * every duration at the edge is measured on. Tests pass a driven clock instead.
 */
export interface Clock {
  wallMs(): number;
  monoMs(): number;
}

/** The real clocks. `process.hrtime` is CLOCK_MONOTONIC on Linux (libuv's uv_hrtime). */
export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monoMs: () => Number(process.hrtime.bigint() / 1_000_000n),
};
