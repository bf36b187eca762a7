/** CRC-16/MODBUS: polynomial 0xA001 (reflected 0x8005), initial value 0xFFFF. */
export function crc16(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= data[i]!;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Appends the CRC low byte first, as RTU frames carry it. */
export function withCrc(frame: Uint8Array): Buffer {
  const out = Buffer.alloc(frame.length + 2);
  out.set(frame, 0);
  out.writeUInt16LE(crc16(frame), frame.length);
  return out;
}

/** Whether the last two bytes of `frame` are the CRC of the bytes before them. */
export function crcValid(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const expected = crc16(frame, 0, frame.length - 2);
  return frame[frame.length - 2] === (expected & 0xff) && frame[frame.length - 1] === expected >>> 8;
}
