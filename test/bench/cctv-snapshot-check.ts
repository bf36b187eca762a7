/**
 * Cost of the snapshot probe's JPEG check (structure + DC-coefficient decode) on this machine,
 * next to a baseline measured in the same run: SHA-256 of the same bytes (a cost everyone knows).
 * A 720p picture is made with GStreamer when it is installed; the checked-in 320x240 always runs.
 *
 *   node test/bench/cctv-snapshot-check.ts
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkJpeg } from '../../drivers/cctv/jpeg.ts';

function timePerCallMs(fn: () => void, minMs = 500): number {
  for (let i = 0; i < 3; i++) fn(); // warm up
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minMs) {
    fn();
    calls++;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return elapsedMs / calls;
}

function makePicture(dir: string, width: number, height: number, pattern = 'ball'): Buffer | undefined {
  const file = join(dir, `${width}x${height}-${pattern}.jpg`);
  const script = [
    'import gi', 'gi.require_version("Gst", "1.0")', 'from gi.repository import Gst', 'Gst.init(None)',
    `p = Gst.parse_launch("videotestsrc num-buffers=1 pattern=${pattern} ! video/x-raw,width=${width},height=${height} ! jpegenc quality=85 ! filesink location=${file}")`,
    'p.set_state(Gst.State.PLAYING)', 'p.get_bus().timed_pop_filtered(10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)', 'p.set_state(Gst.State.NULL)',
  ].join('\n');
  try {
    execFileSync('/usr/bin/python3', ['-c', script], { stdio: 'ignore', timeout: 20_000 });
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'citygw-bench-jpeg-'));
try {
  const pictures: [string, Buffer | undefined][] = [
    ['320x240 fixture', readFileSync(join(import.meta.dirname, '..', 'fixtures', 'cctv', 'street.jpg'))],
    ['1280x720 generated', makePicture(dir, 1280, 720)],
    // Pure noise: every AC coefficient coded, the worst case for the decoder.
    ['1920x1080 noise', makePicture(dir, 1920, 1080, 'snow')],
  ];
  console.log('picture              bytes     checkJpeg ms   sha256 ms (baseline)   ratio');
  for (const [name, bytes] of pictures) {
    if (!bytes) {
      console.log(`${name.padEnd(20)} skipped (GStreamer not installed)`);
      continue;
    }
    const check = checkJpeg(bytes);
    if (!check.valid) throw new Error(`${name}: ${check.problem}`);
    const checkMs = timePerCallMs(() => checkJpeg(bytes));
    const shaMs = timePerCallMs(() => createHash('sha256').update(bytes).digest());
    console.log(`${name.padEnd(20)} ${String(bytes.length).padStart(8)}  ${checkMs.toFixed(3).padStart(12)}   ${shaMs.toFixed(3).padStart(20)}   ${(checkMs / shaMs).toFixed(1).padStart(5)}x`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
