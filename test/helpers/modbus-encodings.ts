import type { PeerTables } from './modbus-peer.ts';

/**
 * The registers of test/fixtures/modbus-encodings.yaml, written out by hand from the field notes
 * (123456.0 = 0x47F12000) and IEEE 754, not produced by the gateway's own encoder.
 */
export const encodingTables: PeerTables = {
  hr: {
    0: 0x47f1, 1: 0x2000, // float32 ABCD 123456.0
    2: 0x2000, 3: 0x47f1, // CDAB
    4: 0xf147, 5: 0x0020, // BADC
    6: 0x0020, 7: 0xf147, // DCBA
    8: 0xfffe, 9: 0x1dc0, // int32 ABCD -123456
    10: 0x1dc0, 11: 0xfffe, // int32 CDAB -123456
    12: 0x0001, 13: 0xe240, // uint32 ABCD 123456
    14: 0xe240, 15: 0x0001, // uint32 CDAB 123456
    16: 0x4059, 17: 0x0000, 18: 0x0000, 19: 0x0000, // float64 ABCD 100.0
    20: 0x0000, 21: 0x0000, 22: 0x0000, 23: 0xc059, // float64 CDAB -100.0
    24: 72, // pH 7.2 (x0.1)
    25: 0xfff6, // -1.0 degC (x0.1)
    26: 0xffff, // sentinel: no value
    27: 0x0008, // bit 3 set
    28: 150, // setpoint 1.50 m
    29: 0, 30: 0, // target float CDAB
  },
  ir: { 0: 0, 1: 0, 2: 0, 3: 415 },
  co: { 0: false, 1: false },
  di: { 0: false, 1: false, 2: true },
};

export const expectedEncodingValues = {
  f32_abcd: 123456,
  f32_cdab: 123456,
  f32_badc: 123456,
  f32_dcba: 123456,
  i32_abcd: -123456,
  i32_cdab: -123456,
  u32_abcd: 123456,
  u32_cdab: 123456,
  f64_abcd: 100,
  f64_cdab: -100,
  ph_x10: 7.2,
  temp_x10: -1,
  no_value: null,
  alarm_bit3: true,
  setpoint: 1.5,
  target_f32: 0,
  co2_ppm: 415,
  relay: false,
  valve: false,
  door_open: true,
};
